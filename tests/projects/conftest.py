"""Factories for projects: a small company with two participating departments and one outside."""
import datetime
import io
import struct
import zlib
from types import SimpleNamespace

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from portal.projects.models import Project, Target

START = datetime.date(2026, 1, 1)
DUE = datetime.date(2026, 4, 11)  # 100 days after START


@pytest.fixture
def company(make_department, make_user):
    """Sales and R&D take part in projects; Finance does not. Each has a head and a member."""
    sales, rnd, finance = (make_department("销售部", "Sales"), make_department("研发部", "R&D"),
                           make_department("财务部", "Finance"))
    people = SimpleNamespace(sales=sales, rnd=rnd, finance=finance)
    people.admin = make_user(department=finance, role="admin", name="Ada Admin")
    people.coordinator = make_user(department=rnd, role="coordinator", name="Cai Coordinator")
    people.sales_head = make_user(department=sales, head_of=True, name="Li Na")
    people.sales_member = make_user(department=sales, name="Chen Chen")
    people.rnd_member = make_user(department=rnd, name="Zhou Jie")
    people.outsider = make_user(department=finance, name="Zhao Lei")
    people.other_coordinator = make_user(department=finance, role="coordinator", name="Zheng Xie")
    return people


@pytest.fixture
def make_project(company):
    def make(**kw):
        values = dict(name="New product launch", goal="Ship it", coordinator=company.coordinator,
                      departments=[company.sales, company.rnd], start_date=START, end_date=DUE, status="active",
                      visibility="company")
        values.update(kw)
        return Project.start(None, **values)
    return make


@pytest.fixture
def make_target(company):
    def make(project, **kw):
        values = dict(title="Orders", unit="units", baseline="100", target_value="200", direction="raise",
                      start_date=START, due_date=DUE, department=company.sales, owner=company.sales_member,
                      weight=1)
        values.update(kw)
        return Target.define(None, project, **values)
    return make


@pytest.fixture
def restricted(make_project, make_target, company):
    """A participants-only project of Sales and R&D, with one target owned by Sales."""
    project = make_project(visibility="participants", name="Secret pricing")
    make_target(project, title="Margin")
    return project


def image_bytes(fmt="JPEG", size=(64, 48), color=(200, 30, 30), **save):
    mode = "RGBA" if fmt in ("PNG", "WEBP") and save.pop("alpha", False) else "RGB"
    out = io.BytesIO()
    Image.new(mode, size, color if mode == "RGB" else color + (128,)).save(out, fmt, **save)
    return out.getvalue()


def upload(data, name="photo.jpg"):
    return FileStorage(stream=io.BytesIO(data), filename=name)


def crafted_png(width, height):
    """A PNG whose header claims these dimensions, with almost no pixel data: a decompression bomb's shape."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def sign_in_as(client, user):
    """Sign out whoever is signed in, then sign in as user."""
    client.post("/logout")
    client.login(user)
