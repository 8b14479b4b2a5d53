"""Target pages over HTTP: defining targets, checking in with and without htmx, the chart, history."""
import re

import pytest
import time_machine

from portal.audit import AuditEntry
from portal.projects.models import CheckIn, Target
from tests.projects.conftest import sign_in_as


def target_form(company, **changes):
    data = {"title": "Signed orders", "unit": "units", "direction": "raise", "baseline": "100",
            "target_value": "200", "start_date": "2026-01-01", "due_date": "2026-04-11",
            "department": str(company.sales.id), "owner": str(company.sales_member.id), "weight": "2"}
    data.update(changes)
    return data


def test_the_coordinator_defines_a_target_and_it_shows_on_the_project(client, company, make_project):
    project = make_project()
    client.login(company.coordinator)
    form = client.get("/projects/%d/targets/new" % project.id).get_data(as_text=True)
    assert "Finance" not in form, "only the project's departments own its targets"
    response = client.post("/projects/%d/targets/" % project.id, data=target_form(company, baseline="1,000.5",
                                                                                       target_value="２０００"))
    assert response.status_code == 303
    target = Target.get(Target.title == "Signed orders")
    assert (target.baseline, target.target_value, target.owner) == (1000.5, 2000, company.sales_member)
    page = client.get("/projects/%d" % project.id).get_data(as_text=True)
    assert "Signed orders" in page and "Chen Chen" in page and "no check-in yet" in page


@pytest.mark.parametrize("changes, message", [
    ({"target_value": "NaN"}, "Enter a number between"),
    ({"target_value": "inf"}, "Enter a number between"),
    ({"target_value": "1e309"}, "Enter a number between"),
    ({"baseline": "a hundred"}, "Enter a number, like 12.5."),
    ({"baseline": ""}, "This field is required."),
    ({"target_value": "100"}, "The target must differ from the baseline"),
    ({"direction": "lower"}, "To lower a value, the target must be below the baseline."),
    ({"due_date": "2025-12-01"}, "The due date must be after the start date."),
    ({"owner": str(0)}, "The owner must be an active member of the owning department."),
    ({"weight": "many"}, "Not a valid integer value."),
    ({"weight": "1000"}, "Number must be between 1 and 100."),
    ({"department": "abc"}, "Invalid Choice"),
])
def test_a_bad_target_is_explained_on_its_field_and_nothing_is_saved(client, company, make_project, changes,
                                                                     message):
    project = make_project()
    client.login(company.coordinator)
    before = AuditEntry.select().count()
    response = client.post("/projects/%d/targets/" % project.id, data=target_form(company, **changes))
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and message in body
    assert 'value="Signed orders"' in body
    assert Target.select().count() == 0 and AuditEntry.select().count() == before


@pytest.mark.parametrize("role, status", [("sales_member", 303), ("sales_head", 303), ("rnd_member", 403),
                                          ("coordinator", 403), ("admin", 403), ("outsider", 404)])
def test_the_owner_and_members_of_the_owning_department_check_in(client, company, restricted, role, status):
    target = restricted.targets.get()
    client.login(getattr(company, role))
    response = client.post("/targets/%d/check-ins" % target.id, data={"value": "150", "note": "Two big orders"})
    assert response.status_code == status
    assert CheckIn.select().count() == (1 if status == 303 else 0)


def test_a_check_in_with_htmx_returns_the_tracking_fragment_with_the_new_point(client, company, make_project,
                                                                               make_target):
    target = make_target(make_project())
    with time_machine.travel("2026-02-20 10:00 +0800", tick=False):
        client.login(company.sales_member)
        response = client.post("/targets/%d/check-ins" % target.id, data={"value": "150", "note": "Hangzhou order"},
                               headers={"HX-Request": "true"})
        body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.startswith('<div id="tracking">') and "<html" not in body
    assert "Check-in recorded." in response.headers["HX-Trigger"]
    assert body.count('class="check-in"') == 1 and "Hangzhou order" in body
    assert 'name="value" required type="text" value=""' in body, "a fresh form for the next check-in"
    assert "On track" in body


def test_a_check_in_without_htmx_redirects_to_the_target(client, company, make_project, make_target):
    target = make_target(make_project())
    client.login(company.sales_head)
    response = client.post("/targets/%d/check-ins" % target.id, data={"value": "120"})
    assert response.status_code == 303 and response.headers["Location"] == "/targets/%d" % target.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Check-in recorded." in page and "Li Na" in page


@pytest.mark.parametrize("value, message", [("NaN", "Enter a number between"), ("1e309", "Enter a number between"),
                                            ("-inf", "Enter a number between"), ("lots", "Enter a number, like 12.5."),
                                            ("1,5", "Enter a number, like 12.5."), ("", "This field is required.")])
@pytest.mark.parametrize("htmx", [True, False])
def test_a_bad_check_in_keeps_what_was_typed_and_saves_nothing(client, company, make_project, make_target, value,
                                                               message, htmx):
    target = make_target(make_project())
    client.login(company.sales_member)
    response = client.post("/targets/%d/check-ins" % target.id, data={"value": value, "note": "my note"},
                           headers={"HX-Request": "true"} if htmx else {})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and message in body and "my note" in body
    assert ('value="%s"' % value) in body
    assert body.startswith('<div id="tracking">') is htmx
    assert CheckIn.select().count() == 0


def test_the_target_page_draws_the_chart_and_states_the_rule(client, company, make_project, make_target):
    target = make_target(make_project())
    for value in ("110", "125", "140"):
        target.check_in(company.sales_member, value)
    with time_machine.travel("2026-02-20 10:00 +0800", tick=False):
        client.login(company.outsider)
        page = client.get("/targets/%d" % target.id).get_data(as_text=True)
    start = page.index('<figure class="chart">')
    svg = page[start:page.index("</svg>", start)]
    assert svg.count('class="check-in"') == 3 and 'class="ideal"' in svg and 'class="today"' in svg
    assert "style=" not in svg and "<script" not in svg
    assert "Trend of Orders: 3 check-ins against the straight line from 100 to 200 units" in svg
    assert "At risk: more than 10 points behind." in page and "Off track: more than 25 points behind." in page
    assert "Record check-in" not in page, "only the owning department checks in"


def test_the_chart_is_labelled_in_the_readers_language(client, company, make_project, make_target):
    target = make_target(make_project())
    target.check_in(company.sales_member, "1234.5")
    company.outsider.update_preferences("zh_CN", "Asia/Shanghai")
    with time_machine.travel("2026-02-20 10:00 +0800", tick=False):
        client.login(company.outsider)
        page = client.get("/targets/%d" % target.id).get_data(as_text=True)
    assert "今天" in page and "计划进度" in page and "1,234.5" in page


def test_the_target_history_shows_edits_and_check_ins(client, company, make_project, make_target):
    target = make_target(make_project())
    target.check_in(company.sales_member, "150", "first")
    client.login(company.coordinator)
    client.post("/targets/%d/edit" % target.id, data=target_form(company, title="Orders", target_value="250"))
    page = client.get("/targets/%d/history" % target.id).get_data(as_text=True)
    assert "changed the target" in page and "200 → 250" in page
    assert "checked in" in page and "— → 150" in page and "first" in page
    assert re.search(r"Cai Coordinator</strong>", page)


def test_only_the_projects_editors_edit_a_target(client, company, make_project, make_target):
    target = make_target(make_project())
    client.login(company.sales_member)
    assert client.get("/targets/%d/edit" % target.id).status_code == 403
    assert client.post("/targets/%d/edit" % target.id, data=target_form(company)).status_code == 403
    sign_in_as(client, company.admin)
    assert client.get("/targets/%d/edit" % target.id).status_code == 200


def test_the_target_page_with_htmx_is_just_its_tracking_fragment(client, company, make_project, make_target):
    target = make_target(make_project())
    target.check_in(company.sales_member, "130")
    client.login(company.rnd_member)
    fragment = client.get("/targets/%d" % target.id, headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert body.startswith('<div id="tracking">') and "<html" not in body and "<svg" in body
    assert "HX-Request" in fragment.headers["Vary"]
    full = client.get("/targets/%d" % target.id).get_data(as_text=True)
    assert "<html" in full and "How the status is worked out" in full
