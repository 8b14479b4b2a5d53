"""The people picker's list: active people found by what was typed, the same fragment with and
without htmx, and a form that still takes the plain select's value without JavaScript."""
import re

from portal.accounts.models import User
from portal.meetings.models import MeetingSeries

HX = {"HX-Request": "true"}


def _found(response):
    return re.findall(r'<button type="button" class="person" value="(\d+)" data-name="([^"]+)"',
                      response.get_data(as_text=True))


def test_active_people_are_found_by_name_email_or_department_and_nobody_for_nothing_typed(
        client, member, make_user, make_department):
    finance = make_department("财务部", "Finance")
    li = make_user(department=finance, name="李娜", email="li.na@example.com")
    gone = make_user(department=finance, name="李雷")
    gone.update(active=False).where(User.id == gone.id).execute()
    client.login(member)
    by_name = client.get("/people/found?q=李", headers=HX)
    assert by_name.status_code == 200 and _found(by_name) == [(str(li.id), "李娜")], "no one deactivated"
    assert _found(client.get("/people/found?q=li.na@")) == [(str(li.id), "李娜")], "the same list without htmx"
    assert {name for _, name in _found(client.get("/people/found?q=finance", headers=HX))} == {"李娜"}
    assert _found(client.get("/people/found?q=%20", headers=HX)) == []
    nobody = client.get("/people/found?q=王五", headers=HX).get_data(as_text=True)
    assert "王五" in nobody and "<button" not in nobody


def test_the_list_stops_at_twelve_so_typing_more_narrows_it(client, member, make_department):
    warehouse = make_department("仓库", "Warehouse")
    User.insert_many([{"email": "hire%02d@example.com" % i, "name": "Hire %02d" % i, "department": warehouse.id}
                      for i in range(20)]).execute()
    client.login(member)
    assert len(_found(client.get("/people/found?q=Hire", headers=HX))) == 12
    assert [name for _, name in _found(client.get("/people/found?q=Hire 1", headers=HX))] == [
        "Hire %02d" % i for i in range(10, 20)]


def test_without_javascript_the_plain_select_still_chooses_the_invitees(client, make_user, make_department):
    coordinator = make_user(role="coordinator")
    guest = make_user(department=make_department("采购部", "Procurement"), name="Guest Gu")
    client.login(coordinator)
    page = client.get("/meetings/series/new").get_data(as_text=True)
    assert re.search(r'<select[^>]*id="people"[^>]*multiple', page), "the select is in the page"
    assert 'class="people-ui" hidden' in page, "the typing box shows only once a script has set it up"
    answer = client.post("/meetings/series/", data={
        "title": "Supplier review", "coordinator": coordinator.id, "people": [guest.id], "recurring": "y",
        "day": "2026-12-07", "start_time": "10:00", "duration_minutes": 60, "timezone": "Asia/Shanghai",
        "reminder_minutes": 60})
    assert answer.status_code == 303
    assert [p.name for p in MeetingSeries.get(MeetingSeries.title == "Supplier review").people()] == [
        "Guest Gu"]
