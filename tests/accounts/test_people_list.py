"""The people list: fifty at a time, found by name, email or department; the list alone for htmx."""
import re

from portal.accounts.models import User

HX = {"HX-Request": "true"}


def _names(response):
    return re.findall(r'<a href="/admin/users/\d+">([^<]+)</a>', response.get_data(as_text=True))


def _hire(department, n):
    User.insert_many([{"email": "hire%03d@example.com" % i, "name": "Hire %03d" % i, "department": department.id}
                      for i in range(n)]).execute()


def test_the_people_list_shows_fifty_at_a_time_in_name_order(client, admin, make_department):
    _hire(make_department("仓库", "Warehouse"), 60)
    client.login(admin)
    first = client.get("/admin/users/")
    names = _names(first)
    assert len(names) == 50 and names == sorted(names)
    assert "page=2" in first.get_data(as_text=True)
    second = _names(client.get("/admin/users/?page=2"))
    assert len(second) == User.select().count() - 50 and not set(second) & set(names)
    assert "page=3" not in client.get("/admin/users/?page=2").get_data(as_text=True)


def test_people_are_found_by_name_email_or_department(client, admin, member, make_department):
    _hire(make_department("仓库", "Warehouse"), 3)
    client.login(admin)
    assert _names(client.get("/admin/users/?q=Mia")) == ["Mia Member"]
    assert _names(client.get("/admin/users/?q=hire001@")) == ["Hire 001"]
    assert _names(client.get("/admin/users/?q=仓库")) == ["Hire 000", "Hire 001", "Hire 002"]
    assert _names(client.get("/admin/users/?q=warehouse")) == ["Hire 000", "Hire 001", "Hire 002"]
    nobody = client.get("/admin/users/?q=nobody-at-all").get_data(as_text=True)
    assert "Nobody matches." in nobody and 'value="nobody-at-all"' in nobody


def test_a_search_typed_in_the_box_answers_the_list_alone_and_the_link_the_whole_page(client, admin, member):
    client.login(admin)
    fragment = client.get("/admin/users/?q=Mia", headers=HX).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="people-list">') and "<html" not in fragment
    assert "Mia Member" in fragment
    page = client.get("/admin/users/?q=Mia").get_data(as_text=True)
    assert "<html" in page and 'id="people-list"' in page and 'role="search"' in page


def test_only_admins_see_the_people_list(client, member):
    client.login(member)
    assert client.get("/admin/users/?q=a").status_code == 403
