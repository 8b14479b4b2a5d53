"""Importing people: matched by email, new ones mailed a link to set a password, nothing saved
before confirming, one audit entry, the same file twice changes nothing; admins only."""
import io

import pytest

from portal.accounts.models import User
from portal.audit import AuditEntry
from portal.mail import OutboxMessage
from tests.tasks.test_import import confirm, xlsx


@pytest.fixture
def people_world(app, make_department, make_user):
    sales = make_department("销售部", "Sales")
    make_department("财务部", "Finance")
    admin = make_user(department=sales, role="admin", name="Ada")
    client = app.test_client()
    client.login(admin)
    return client, admin, sales


def upload(client, data, name="people.xlsx"):
    return client.post("/admin/users/import", data={"upload": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


PEOPLE = [["邮箱", "姓名", "部门", "角色"],
          ["Li.Lei@Example.com", "李雷", "销售部", "成员"],
          ["han.meimei@example.com", "韩梅梅", "Finance", "coordinator"]]


def test_people_are_created_once_mailed_a_link_and_the_same_file_again_changes_nothing(people_world):
    client, _, _ = people_world
    data = xlsx(PEOPLE)
    page = upload(client, data).get_data(as_text=True)
    assert "2 to create, 0 to update, 0 unchanged, 0 problems" in page
    assert User.select().count() == 1 and OutboxMessage.select().count() == 0
    assert confirm(client, None, page).status_code == 303
    li, han = User.by_email("li.lei@example.com"), User.by_email("han.meimei@example.com")
    assert li.name == "李雷" and li.department.name == "销售部" and li.role == "member"
    assert han.department.name_en == "Finance" and han.role == "coordinator"
    assert {m.recipient_id for m in OutboxMessage.select()} == {li.id, han.id}
    assert AuditEntry.select().where(AuditEntry.action == "user.import").count() == 1
    assert "0 to create, 0 to update, 2 unchanged" in upload(client, data).get_data(as_text=True)
    moved = xlsx([PEOPLE[0], ["li.lei@example.com", "李雷", "财务部", "member"]])
    page = upload(client, moved).get_data(as_text=True)
    assert "0 to create, 1 to update, 0 unchanged" in page
    assert confirm(client, None, page).status_code == 303
    assert User.by_email("li.lei@example.com").department.name == "财务部" and User.select().count() == 3


def test_bad_rows_are_listed_by_row_and_column_and_nobody_is_added(people_world):
    client, _, _ = people_world
    rows = [PEOPLE[0], PEOPLE[1], ["not-an-email", "某人", "销售部", ""], ["x@example.com", "某人", "后勤部", "boss"],
            ["li.lei@example.com", "又一个李雷", "", ""]]
    page = upload(client, xlsx(rows)).get_data(as_text=True)
    for row, column in (("3", "Email"), ("4", "Department"), ("4", "Role"), ("5", "Email")):
        assert "<tr><td>%s</td><td>%s</td>" % (row, column) in page, (row, column)
    assert "formaction" not in page and User.select().count() == 1


def test_only_admins_import_people(app, people_world, make_user):
    _, _, sales = people_world
    other = app.test_client()
    other.login(make_user(department=sales, role="coordinator"))
    assert other.get("/admin/users/import").status_code == 403
    assert other.get("/admin/users/import/template").status_code == 403


def test_a_supervisor_is_imported_by_email_and_a_circle_is_refused(people_world, make_user):
    client, admin, sales = people_world
    boss = make_user(department=sales, name="Boss", email="boss@example.com")
    page = upload(client, xlsx([["Email", "Name", "Supervisor"], ["li.lei@example.com", "李雷", "boss@example.com"]]))
    assert confirm(client, None, page.get_data(as_text=True)).status_code == 303
    li = User.by_email("li.lei@example.com")
    assert li.supervisor_id == boss.id
    circle = xlsx([["Email", "Name", "直属主管"], ["boss@example.com", "Boss", "li.lei@example.com"]])
    page = upload(client, circle).get_data(as_text=True)
    assert "<tr><td>2</td><td>Supervisor</td>" in page and "formaction" not in page
    assert User.by_email("boss@example.com").supervisor_id is None
