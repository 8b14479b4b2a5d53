"""Importing a project plan from a spreadsheet: columns recognised in either language, a preview of
every row and every problem, nothing saved before confirming, one transaction and one audit entry,
the same file twice changes nothing, and hostile files answered plainly."""
import datetime
import html
import io
import re
import zipfile

import pytest
import time_machine
from openpyxl import Workbook, load_workbook

from portal.audit import AuditEntry
from portal.imports import Staged, discard_stale_imports
from portal.projects.models import Project
from portal.storage import storage
from portal.tasks.models import Task


def xlsx(rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, project, name, data):
    return client.post("/projects/%d/tasks/import" % project.id, data={"upload": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def confirm(client, _project, page):
    """Press the preview's import button, with the columns as the preview chose them."""
    form = dict(re.findall(r'name="(token|source)" value="([^"]*)"', page))
    form.update({name: value for name, value in re.findall(
        r'<select id="(column-[a-z_]+)"[^>]*>(?:(?!</select>).)*?<option value="(\d+)" selected', page, re.S)})
    return client.post(html.unescape(re.search(r'formaction="([^"]+)"', page).group(1)), data=form)


@pytest.fixture
def project_world(app, make_department, make_user):
    sales = make_department("销售部", "Sales")
    coordinator = make_user(department=sales, role="coordinator", name="Cora")
    owner = make_user(department=sales, name="Olivia Owner", email="owner@example.com")
    project = Project.start(coordinator, name="X200 上市", goal="", coordinator=coordinator, departments=[sales],
                            start_date=datetime.date(2026, 1, 5), end_date=datetime.date(2026, 12, 31),
                            status="active")
    client = app.test_client()
    client.login(coordinator)
    return client, project, owner


PLAN = [["标题", "负责人", "优先级", "截止日期", "预计工时", "状态"],
        ["框架合同审核", "owner@example.com", "P1", "2026-06-30", 4, "进行中"],
        ["供应商报价对比", "Olivia Owner", "p2", "2026/07/15", None, "To do"]]


def test_a_coordinator_imports_the_plan_once_and_the_same_file_again_changes_nothing(project_world):
    client, project, owner = project_world
    data = xlsx(PLAN)
    preview = upload(client, project, "计划.xlsx", data)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "2 to create, 0 to update, 0 unchanged, 0 problems" in page
    assert Task.select().count() == 0  # nothing before confirming
    done = confirm(client, project, page)
    assert done.status_code == 303
    tasks = {t.title: t for t in Task.select()}
    assert set(tasks) == {"框架合同审核", "供应商报价对比"}
    assert tasks["框架合同审核"].status == "doing" and tasks["框架合同审核"].estimate_hours == 4
    assert tasks["供应商报价对比"].owner_id == owner.id and tasks["供应商报价对比"].priority == "P2"
    assert AuditEntry.select().where(AuditEntry.action == "task.import").count() == 1
    again = upload(client, project, "计划.xlsx", data).get_data(as_text=True)
    assert "0 to create, 0 to update, 2 unchanged, 0 problems" in again
    changed = xlsx([PLAN[0], ["框架合同审核", "owner@example.com", "P0", "2026-06-30", 4, "进行中"]])
    page = upload(client, project, "计划.xlsx", changed).get_data(as_text=True)
    assert "0 to create, 1 to update" in page
    assert confirm(client, project, page).status_code == 303
    assert Task.get(Task.title == "框架合同审核").priority == "P0" and Task.select().count() == 2
    # The two confirmed uploads are gone; the one only previewed goes with the nightly clean-up.
    assert Staged.select().count() == 1
    with time_machine.travel(datetime.datetime.now() + datetime.timedelta(days=2)):
        assert discard_stale_imports.call_local() == 1
    assert not list(Staged.select()) and not list(storage().keys())


def test_every_problem_is_listed_by_row_and_column_and_nothing_is_imported(project_world):
    client, project, _ = project_world
    rows = [PLAN[0], ["没有负责人", "nobody@example.com", "P9", "明天", "x", ""],
            ["=1+1", "owner@example.com", "", "", "", ""], ["", "owner@example.com", "", "", "", ""]]
    page = upload(client, project, "plan.xlsx", xlsx(rows)).get_data(as_text=True)
    problems = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", page)
    columns = {(int(row), column) for row, column, _ in problems}
    assert {(2, "Owner"), (2, "Priority"), (2, "Due date"), (2, "Estimate (hours)"), (3, "Title"), (4, "Title")} \
        <= columns
    assert "formula" in page and "formaction" not in page  # no way to confirm
    assert Task.select().count() == 0


def test_csv_in_gbk_with_english_headers_is_read_and_an_unknown_encoding_refused(project_world):
    client, project, _ = project_world
    text = "Title,Owner,Priority\n采购合同,owner@example.com,P1\n"
    page = upload(client, project, "plan.csv", text.encode("gbk")).get_data(as_text=True)
    assert "1 to create" in page
    page = upload(client, project, "plan.csv", text.encode("utf-16")).get_data(as_text=True)
    assert "not UTF-8 or GBK" in page


def test_hostile_files_get_a_clear_message_and_nothing_is_kept(project_world):
    client, project, _ = project_world
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("xl/worksheets/sheet1.xml", b"\0" * (32 * 1024 * 1024))
    huge = xlsx([["标题", "负责人"]] + [["任务 %d" % n, "owner@example.com"] for n in range(2_100)])
    for name, data, message in (("plan.xlsx", bomb.getvalue(), "zip bomb"), ("plan.xlsx", b"not a workbook",
                                "not an Excel workbook"), ("plan.xlsx", huge, "more than 2,000 rows"),
                                ("plan.exe", b"MZ", "Choose an Excel (.xlsx) or CSV file"),
                                ("plan.xlsx", b"x" * (6 * 1024 * 1024), "larger than 5 MB")):
        response = upload(client, project, name, data)
        assert response.status_code == 200 and message in response.get_data(as_text=True), name
    assert Task.select().count() == 0 and not list(Staged.select())


def test_the_template_has_the_headers_in_the_readers_language(project_world):
    client, project, _ = project_world
    book = load_workbook(io.BytesIO(client.get("/projects/%d/tasks/import/template" % project.id,
                                               headers={"Accept-Language": "en"}).data))
    assert [c.value for c in book.active[1]][:3] == ["Title", "Owner", "Priority"]


def test_only_who_may_edit_the_project_may_import_into_it(app, project_world, make_user):
    _, project, owner = project_world
    other = app.test_client()
    other.login(owner)
    assert other.get("/projects/%d/tasks/import" % project.id).status_code == 403
