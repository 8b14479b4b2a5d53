"""Lists as spreadsheets: typed cells, a frozen header with filters, text that never runs, CSV Chinese
Excel opens; the board export over HTTP, with the board's filters and rules."""
import csv
import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from portal import sheets
from portal.tasks.models import Task


def _book(response):
    return load_workbook(io.BytesIO(response.get_data()))


def test_cells_are_typed_the_header_frozen_and_formulas_written_as_text(app):
    columns = [sheets.Column("名称"), sheets.Column("截止", "date"), sheets.Column("金额", "money"),
               sheets.Column("小时", "number")]
    rows = [["=HYPERLINK(\"http://evil\")", datetime.date(2026, 5, 31), Decimal("1234.5"), Decimal("2.5")],
            ["@SUM(A1)", None, Decimal("0"), None]]
    with app.test_request_context():
        book = _book(sheets.response([sheets.Sheet("任务", columns, iter(rows))], "x"))
    sheet = book["任务"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:D3"
    assert [c.value for c in sheet[1]] == ["名称", "截止", "金额", "小时"]
    title, due, money, hours = sheet[2]
    assert title.data_type == "s" and title.value == "=HYPERLINK(\"http://evil\")"
    assert due.is_date and due.value == datetime.datetime(2026, 5, 31)
    assert money.value == 1234.5 and money.number_format == "#,##0.00"
    assert hours.value == 2.5
    assert sheet["A3"].data_type == "s"


def test_csv_starts_with_a_byte_order_mark_and_neutralises_what_would_run(app):
    columns = [sheets.Column("名称"), sheets.Column("金额", "money")]
    with app.test_request_context():
        body = sheets.response([sheets.Sheet("t", columns, iter([["=1+1", Decimal("5")], ["-2", None],
                                                                 ["合同", Decimal("12.345")]]))], "x", "csv").get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows == [["名称", "金额"], ["'=1+1", "5.00"], ["'-2", ""], ["合同", "12.35"]]


def test_a_board_exports_the_tasks_its_filters_show_in_the_readers_language(client, make_user, make_department):
    sales = make_department("销售部", "Sales")
    owner = make_user(department=sales, language="zh_CN")
    Task.open(owner, "=cmd|' /C calc'!A0", owner=owner, priority="P1", due_date=datetime.date(2026, 6, 1))
    Task.open(owner, "低优先级", owner=owner, priority="P3")
    client.login(owner)
    response = client.get("/boards/mine/export?priority=P1")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    sheet = _book(response).active
    assert [c.value for c in sheet[1]][:4] == ["编号", "标题", "状态", "优先级"]
    assert sheet.max_row == 2 and sheet["B2"].value == "=cmd|' /C calc'!A0" and sheet["B2"].data_type == "s"
    assert sheet["I2"].value == datetime.datetime(2026, 6, 1)
    csv_body = client.get("/boards/mine/export?priority=P1&format=csv").get_data().decode("utf-8-sig")
    assert "'=cmd" in csv_body


@pytest.mark.demo_company
def test_every_list_exports_what_its_reader_may_see_on_the_demo_company(app):
    from demo import DEMO_PASSWORD
    from portal.accounts.models import User
    from portal.meetings.models import MeetingSeries
    from portal.projects.models import Project
    from portal.requests.models import ResourceRequest
    from portal.requests.types import RequestType
    admin, staff = app.test_client(), app.test_client()
    admin.login(User.by_email("admin@example.com"), DEMO_PASSWORD)
    staff.login(User.by_email("rnd.staff@example.com"), DEMO_PASSWORD)
    restricted = Project.get(Project.visibility == "participants")
    open_project = Project.get(Project.visibility == "company")
    targets = _book(admin.get("/projects/%d/targets/export" % open_project.id))
    assert targets.sheetnames == ["Targets", "Check-ins"] and targets["Check-ins"].max_row > 1
    assert targets["Targets"]["C2"].data_type == "n"  # the starting value is a number
    assert staff.get("/projects/%d/targets/export" % restricted.id).status_code == 404
    people = _book(admin.get("/admin/users/export")).active
    assert people.max_row == User.select().count() + 1 and people["B1"].value == "Email"
    assert staff.get("/admin/users/export").status_code == 403
    series = MeetingSeries.select().first()
    actions = _book(admin.get("/meetings/series/%d/actions/export" % series.id)).active
    assert [c.value for c in actions[1]] == ["Meeting", "Action item", "Owner", "Due", "Outcome", "Task"]
    request_type = RequestType.select().join(ResourceRequest).first()
    all_requests = _book(admin.get("/requests/types/%d/export" % request_type.id)).active
    assert all_requests.max_row == ResourceRequest.select().where(ResourceRequest.type == request_type).count() + 1
    for email in ("sales.staff@example.com", "finance.staff@example.com", "procurement.staff@example.com",
                  "admin.staff@example.com", "rnd.staff@example.com"):
        reader = User.by_email(email)
        visible = ResourceRequest.visible_to(reader).where(ResourceRequest.type == request_type.id).count()
        if visible < all_requests.max_row - 1:
            break
    client = app.test_client()
    client.login(reader, DEMO_PASSWORD)
    seen = _book(client.get("/requests/types/%d/export" % request_type.id)).active
    assert seen.max_row == visible + 1 and visible < all_requests.max_row - 1
    report = _book(admin.get("/requests/reports/export?months=24"))
    assert report.sheetnames == ["Requests by month", "How long each step takes"]
    totals = report["Requests by month"]
    assert totals.max_row > 1 and totals["D2"].data_type == "n"
    assert any(cell.value is not None and cell.number_format == "#,##0.00" for cell in totals["H"][1:])
    assert staff.get("/requests/reports/export").status_code == 403
