"""Real office files made in the test, and a company with a project and a task to keep them in."""
import datetime
import io
import zipfile
from types import SimpleNamespace

import docx
import pytest
from openpyxl import Workbook
from PIL import Image

from portal.projects.models import Project
from portal.tasks.models import Task

START = datetime.date(2026, 1, 5)


def pdf_bytes(text="Contract draft X200"):
    """A one-page PDF whose page says `text` (ASCII), written by hand as the format describes."""
    stream = b"BT /F1 12 Tf 72 720 Td (%s) Tj ET" % text.encode("ascii")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.4\n")
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def docx_bytes(text="框架合同草案：付款分三期"):
    document = docx.Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_bytes(rows=(("供应商", "合同金额"), ("华东经销商", 120000))):
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def jpeg_bytes():
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def zip_bomb_named_xlsx():
    """An Office-looking package whose one part unpacks to a thousand times its packed size."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("xl/workbook.xml", "<workbook/>")
        package.writestr("xl/worksheets/sheet1.xml", b"\0" * (64 * 1024 * 1024))
    return out.getvalue()


@pytest.fixture
def company(make_department, make_user):
    sales, finance = make_department("销售部", "Sales"), make_department("财务部", "Finance")
    people = SimpleNamespace(
        coordinator=make_user(department=sales, role="coordinator", name="Cora"),
        seller=make_user(department=sales, name="陈晨"),
        outsider=make_user(department=finance, name="王芳"),
        admin=make_user(department=finance, role="admin", name="Ada"),
    )
    people.project = Project.start(people.coordinator, name="2027 定价", goal="", coordinator=people.coordinator,
                                   departments=[sales], start_date=START,
                                   end_date=START + datetime.timedelta(days=90), status="active",
                                   visibility="participants")
    people.task = Task.open(people.seller, "审核合同", owner=people.seller, project=people.project)
    return people
