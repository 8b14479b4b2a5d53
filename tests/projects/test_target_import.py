"""Importing a project's targets with their baseline and goal: the shared import pages, rows
matched by title, the target rules applied to every row before anything is saved."""
import datetime
import io

import pytest
from openpyxl import load_workbook

from portal.audit import AuditEntry
from portal.projects.models import Project, Target
from tests.tasks.test_import import confirm, xlsx


@pytest.fixture
def targets_world(app, make_department, make_user):
    sales, finance = make_department("销售部", "Sales"), make_department("财务部", "Finance")
    coordinator = make_user(department=sales, role="coordinator", name="Cora")
    owner = make_user(department=sales, name="Olivia Owner", email="owner@example.com")
    outsider = make_user(department=finance, name="王芳", email="wang@example.com")
    project = Project.start(coordinator, name="X200 上市", goal="", coordinator=coordinator, departments=[sales],
                            start_date=datetime.date(2026, 1, 5), end_date=datetime.date(2026, 12, 31),
                            status="active")
    client = app.test_client()
    client.login(coordinator)
    return client, project, owner, outsider


def upload(client, project, data, name="目标.xlsx"):
    return client.post("/projects/%d/targets/import" % project.id, data={"upload": (io.BytesIO(data),
                       name)}, content_type="multipart/form-data")


TARGETS = [["目标名称", "基线值", "目标值", "单位", "开始日期", "截止日期", "负责人"],
           ["华东经销商签约数", 10, 40, "家", "2026-01-05", "2026-12-31", "owner@example.com"],
           ["退货率", "5.5", "2", "%", "2026/01/05", "2026/06/30", "Olivia Owner"]]


def test_targets_are_imported_with_baseline_and_goal_once_and_again_changes_nothing(targets_world):
    client, project, owner, _ = targets_world
    data = xlsx(TARGETS)
    page = upload(client, project, data).get_data(as_text=True)
    assert "2 to create, 0 to update, 0 unchanged, 0 problems" in page
    assert Target.select().count() == 0
    assert confirm(client, project, page).status_code == 303
    targets = {t.title: t for t in Target.select()}
    assert targets["华东经销商签约数"].baseline == 10 and targets["华东经销商签约数"].target_value == 40
    assert targets["华东经销商签约数"].direction == "raise" and targets["退货率"].direction == "lower"
    assert targets["退货率"].department_id == owner.department_id and targets["退货率"].unit == "%"
    assert AuditEntry.select().where(AuditEntry.action == "target.import").count() == 1
    assert "0 to create, 0 to update, 2 unchanged" in upload(client, project, data).get_data(as_text=True)
    changed = xlsx([TARGETS[0], ["退货率", "5.5", "1.5", "%", "2026-01-05", "2026-06-30", "owner@example.com"]])
    page = upload(client, project, changed).get_data(as_text=True)
    assert "0 to create, 1 to update, 0 unchanged" in page
    assert confirm(client, project, page).status_code == 303
    assert Target.get(Target.title == "退货率").target_value == 1.5 and Target.select().count() == 2


def test_rows_the_target_rules_refuse_are_listed_and_nothing_is_imported(targets_world):
    client, project, _, _ = targets_world
    rows = [TARGETS[0], TARGETS[1],
            ["同值", "3", "3", "", "2026-01-05", "2026-12-31", "owner@example.com"],
            ["外部门负责人", "1", "2", "", "2026-01-05", "2026-12-31", "wang@example.com"],
            ["日期颠倒", "1", "2", "", "2026-12-31", "2026-01-05", "owner@example.com"],
            ["不是数字", "很多", "2", "", "2026-01-05", "2026-12-31", "owner@example.com"]]
    page = upload(client, project, xlsx(rows), "targets.xlsx").get_data(as_text=True)
    assert "1 to create, 0 to update, 0 unchanged, 4 problems" in page
    for row, column in (("3", "Target value"), ("4", "Department"), ("5", "Due date"), ("6", "Baseline")):
        assert "<tr><td>%s</td><td>%s</td>" % (row, column) in page, (row, column)
    assert "formaction" not in page and Target.select().count() == 0


def test_only_who_may_edit_the_project_may_import_targets_and_the_template_speaks_their_language(
        app, targets_world):
    client, project, owner, outsider = targets_world
    book = load_workbook(io.BytesIO(client.get("/projects/%d/targets/import/template" % project.id,
                                                             headers={"Accept-Language": "zh-CN"}).data))
    headers = [c.value for c in book.active[1]]
    assert headers[:3] == ["标题", "起始值", "目标值"]
    example = [c.value for c in book.active[2]]
    example[headers.index("负责人")] = "owner@example.com"
    page = upload(client, project, xlsx([headers, example])).get_data(as_text=True)
    assert "1 to create, 0 to update, 0 unchanged, 0 problems" in page  # the template's own example imports
    for user, status in ((owner, 403), (outsider, 403)):
        other = app.test_client()
        other.login(user)
        assert other.get("/projects/%d/targets/import" % project.id).status_code == status
