"""The alignment map: goals, which target serves which, the roll-up, tensions, what each reader sees,
and what reaches the next alignment meeting."""
import datetime
import re
from decimal import Decimal

import pytest

from portal.accounts.models import User
from portal.audit import AuditEntry
from portal.db import Invalid, utcnow
from portal.meetings.models import MeetingSeries
from portal.permissions import can
from portal.projects.alignment import AlignmentMap, Tension
from portal.projects.map import MapDrawing, wrap
from portal.projects.models import Target
from tests.projects.conftest import DUE, START


@pytest.fixture
def make_goal(company):
    def make(department=None, **kw):
        values = dict(title="Revenue 2026", unit="万元", baseline="0", target_value="100", direction="raise",
                      start_date=START, due_date=DUE, department=department,
                      owner=company.admin if department is None else company.sales_head, weight=1, serves=None)
        values.update(kw)
        return Target.define(company.admin, None, **values)
    return make


def signed_in(client, user):
    """A fresh client signed in as `user` (a client already signed in is sent home from /login)."""
    fresh = client.application.test_client()
    fresh.login(user)
    return fresh


def _at(target, percent):
    """Check in the value at `percent` of the way from baseline to target."""
    value = target.baseline + (target.target_value - target.baseline) * Decimal(percent) / 100
    target.check_in(target.owner, value)
    return Target.get_by_id(target.id)


def test_the_roll_up_is_the_weighted_progress_of_the_targets_below_written_out(company, make_project, make_target,
                                                                            make_goal):
    goal = make_goal()
    sales_goal = make_goal(company.sales, title="Sales growth", weight=2, serves=goal)
    project = make_project()
    _at(make_target(project, title="Dealers", weight=1, serves=sales_goal), 50)
    _at(make_target(project, title="Pre-orders", weight=3, serves=sales_goal), 130)  # counts as 100
    _at(make_target(project, title="Yield", department=company.rnd, owner=company.rnd_member, weight=1,
                    serves=goal), 20)
    _at(goal, 10)
    tree = AlignmentMap(company.admin, START + datetime.timedelta(days=50))
    (root,) = tree.goals()
    assert root.target.id == goal.id and root.progress == 10
    by_title = {node.target.title: node for node in tree.ordered()}
    # Sales growth: (1 × 50 + 3 × 100) / 4 = 87.5; the goal: (2 × 87.5 + 1 × 20) / 3 = 65.
    assert by_title["Sales growth"].rollup == Decimal("87.5")
    assert root.rollup == 65
    assert [(n.target.title, n.depth) for n in tree.ordered()] == [
        ("Revenue 2026", 0), ("Sales growth", 1), ("Dealers", 2), ("Pre-orders", 2), ("Yield", 1)]


def test_a_target_without_a_check_in_counts_as_zero_in_the_roll_up(company, make_project, make_target, make_goal):
    goal = make_goal()
    project = make_project()
    _at(make_target(project, title="Checked", serves=goal), 60)
    make_target(project, title="Silent", serves=goal)
    (root,) = AlignmentMap(company.admin).goals()
    assert root.rollup == 30 and root.progress is None


def test_a_target_cannot_serve_itself_nor_one_that_serves_it(company, make_project, make_target, make_goal):
    goal = make_goal()
    child = make_goal(company.sales, title="Sales growth", serves=goal)
    grandchild = make_target(make_project(), title="Dealers", serves=child)
    values = dict(title=goal.title, unit=goal.unit, baseline=goal.baseline, target_value=goal.target_value,
                  direction="raise", start_date=START, due_date=DUE, department=None, owner=company.admin, weight=1)
    with pytest.raises(Invalid, match="cannot serve itself"):
        goal.update_details(company.admin, serves=grandchild, **values)
    with pytest.raises(Invalid, match="cannot serve itself"):
        goal.update_details(company.admin, serves=goal, **values)
    assert Target.get_by_id(goal.id).serves_id is None


def test_a_head_sets_their_departments_goals_and_only_an_admin_the_companys(client, company):
    client = signed_in(client, company.sales_head)
    form = {"title": "Sales growth", "unit": "%", "direction": "raise", "baseline": "0", "target_value": "20",
            "start_date": "2026-01-01", "due_date": "2026-12-31", "owner": str(company.sales_member.id),
            "weight": "1", "serves": "0"}
    refused = client.post("/goals/", data={**form, "department": "0"})
    assert refused.status_code == 200 and "Not a valid choice" in refused.get_data(as_text=True)
    # WTForms' own messages are kept per language for the life of the process, not per request.
    for language, message in (("zh_CN", "不是有效的选择"), ("en", "Not a valid choice")):
        User.update(language=language).where(User.id == company.sales_head.id).execute()
        again = client.post("/goals/", data={**form, "department": "0"})
        assert again.status_code == 200 and message in again.get_data(as_text=True)
    other = client.post("/goals/", data={**form, "department": str(company.rnd.id)})
    assert other.status_code == 200 and Target.select().count() == 0
    made = client.post("/goals/", data={**form, "department": str(company.sales.id)})
    assert made.status_code == 303
    goal = Target.get(Target.title == "Sales growth")
    assert (goal.project_id, goal.department_id, goal.owner_id) == (None, company.sales.id, company.sales_member.id)
    assert not can(company.sales_head, "edit", make_company_goal(company))
    assert client.get("/goals/new").status_code == 200
    member = client.application.test_client()
    member.login(company.sales_member)
    assert member.get("/goals/new").status_code == 403


def make_company_goal(company):
    return Target.define(company.admin, None, title="Company revenue", unit="", baseline="0", target_value="1",
                         direction="raise", start_date=START, due_date=DUE, department=None, owner=company.admin,
                         weight=1)


def test_a_restricted_projects_target_is_not_on_the_map_nor_in_the_roll_up_for_outsiders(
        client, company, make_project, make_target, make_goal, restricted):
    goal = make_goal()
    secret = Target.get(Target.project == restricted.id)
    secret.update_details(company.admin, **_same(secret), serves=goal)
    _at(Target.get_by_id(secret.id), 80)
    _at(make_target(make_project(), title="Open orders", serves=goal), 20)
    Tension.name(company.admin, goal, Target.get_by_id(secret.id), "Margin against volume")

    (outsiders,) = AlignmentMap(company.outsider).goals()
    assert [n.target.title for n in outsiders.children] == ["Open orders"] and outsiders.rollup == 20
    (insiders,) = AlignmentMap(company.sales_member).goals()
    assert sorted(n.target.title for n in insiders.children) == ["Margin", "Open orders"] and insiders.rollup == 50
    client = signed_in(client, company.outsider)
    page = client.get("/alignment/").get_data(as_text=True)
    assert "Open orders" in page and "Margin" not in page
    assert "Margin" not in client.get("/targets/%d" % goal.id).get_data(as_text=True)
    client = signed_in(client, company.sales_member)
    page = client.get("/alignment/").get_data(as_text=True)
    assert "Margin" in page and "Margin against volume" in page


def _same(target):
    return dict(title=target.title, unit=target.unit, baseline=target.baseline, target_value=target.target_value,
                direction=target.direction, start_date=target.start_date, due_date=target.due_date,
                department=target.department, owner=target.owner, weight=target.weight)


def test_the_page_of_a_target_serving_a_hidden_one_does_not_name_it(client, company, make_target, restricted):
    hidden = Target.get(Target.project == restricted.id)
    goal_child = make_company_goal(company)
    goal_child.update_details(company.admin, **_same(goal_child), serves=hidden)
    client = signed_in(client, company.outsider)
    page = client.get("/targets/%d" % goal_child.id).get_data(as_text=True)
    assert "Margin" not in page
    client = signed_in(client, company.sales_member)
    assert "Margin" in client.get("/targets/%d" % goal_child.id).get_data(as_text=True)


def test_a_tension_is_named_once_whichever_side_names_it(company, make_project, make_target, make_goal):
    project = make_project()
    launch = make_target(project, title="Launch by June")
    cost = make_target(project, title="Cost down 8%", department=company.rnd, owner=company.rnd_member)
    tension = Tension.name(company.sales_member, launch, cost, "  faster launch\nneeds overtime ")
    assert tension.note == "faster launch needs overtime"
    with pytest.raises(Invalid, match="already on the map"):
        Tension.name(company.rnd_member, cost, launch, "again")
    with pytest.raises(Invalid, match="cannot compete with itself"):
        Tension.name(company.rnd_member, cost, cost, "again")
    with pytest.raises(Invalid, match="Say in a few words"):
        Tension.name(company.rnd_member, cost, make_target(project, title="Third"), "   ")
    assert AuditEntry.select().where(AuditEntry.action == "tension.create").count() == 1


def test_naming_and_removing_a_tension_over_http(client, company, make_project, make_target):
    project = make_project()
    launch = make_target(project, title="Launch by June")
    cost = make_target(project, title="Cost down", department=company.rnd, owner=company.rnd_member)
    client = signed_in(client, company.outsider)
    assert client.post("/targets/%d/tensions" % launch.id, data={"other": cost.id, "note": "x"}).status_code == 403
    client = signed_in(client, company.sales_member)
    response = client.post("/targets/%d/tensions" % launch.id, data={"other": cost.id, "note": "Speed vs cost"})
    assert response.status_code == 303
    page = client.get("/targets/%d" % cost.id).get_data(as_text=True)
    assert "Speed vs cost" in page and "Launch by June" in page
    empty = client.post("/targets/%d/tensions" % launch.id, data={"other": cost.id, "note": ""})
    assert empty.status_code == 200 and "This field is required." in empty.get_data(as_text=True)
    tension = Tension.get()
    client = signed_in(client, company.outsider)
    assert client.post("/tensions/%d/delete" % tension.id).status_code == 403
    client = signed_in(client, company.coordinator)
    assert client.post("/tensions/%d/delete" % tension.id).status_code == 303
    assert Tension.select().count() == 0


def test_the_map_is_an_svg_a_phone_reads_at_its_own_size(client, company, make_project, make_target, make_goal):
    goal = make_goal(title="2026 年营业收入达到一亿两千万元，其中新产品线贡献不少于百分之三十，"
                           "海外市场首次突破五千万元大关")
    make_target(make_project(), title="Dealers signed in East China", serves=goal)
    client = signed_in(client, company.sales_member)
    page = client.get("/alignment/").get_data(as_text=True)
    svg = page[page.index('<svg class="map"'):]
    svg = svg[:svg.index("</svg>")]
    assert 'viewBox="0 0 300 ' in svg and "style=" not in svg and "<script" not in svg
    assert svg.count('class="node status-') == 2
    assert "…" in svg, "a long title is cut to two lines"
    assert "Company goal · Ada Admin" in svg and "Sales · Chen Chen" in svg


def test_a_title_wraps_at_words_and_never_overflows_its_box():
    lines = wrap("Dealers signed in East China this quarter", 150, 15, 2)
    assert lines[0] == "Dealers signed in" and lines[1].endswith("…")
    assert all(sum(15 if "\u4e00" <= c <= "\u9fff" else 9 for c in line) <= 150 + 15 for line in lines)
    assert wrap("经销商签约数量达到四十家", 100, 15, 2) == ["经销商签约数", "量达到四十家"]
    assert wrap("", 100, 15, 2) == [""]


def test_boxes_are_indented_under_what_they_serve_and_linked_to_it(company, make_project, make_target, make_goal):
    goal = make_goal()
    child = make_target(make_project(), title="Dealers", serves=goal)
    drawing = MapDrawing(AlignmentMap(company.admin))
    parent_box, child_box = drawing.boxes
    assert child_box.target.id == child.id and child_box.x > parent_box.x
    assert child_box.x + child_box.width == parent_box.x + parent_box.width == 296
    assert re.fullmatch(r"M[\d.]+,[\d.]+ V[\d.]+ H[\d.]+", drawing.links[0])


def test_a_new_tension_and_an_off_track_serving_target_reach_the_next_alignment_meeting(
        company, make_project, make_target, make_goal):
    today = utcnow().date()
    start = today - datetime.timedelta(days=60)
    goal = make_goal(start_date=start, due_date=today + datetime.timedelta(days=60))
    project = make_project(start_date=start, end_date=today + datetime.timedelta(days=60))
    behind = make_target(project, title="Dealers", start_date=start, due_date=today + datetime.timedelta(days=10),
                         serves=goal)
    cost = make_target(project, title="Cost down", department=company.rnd, owner=company.rnd_member)
    Tension.name(company.sales_member, behind, cost, "Speed vs cost")
    series, meeting = MeetingSeries.plan(
        company.coordinator, departments=[company.sales], people=[], day=today + datetime.timedelta(days=3),
        start_time=datetime.time(10), timezone="Asia/Shanghai", recurring=False, title="Alignment",
        coordinator=company.coordinator, duration_minutes=60, location="", video_link="", reminder_minutes=60)
    meeting.build_agenda()
    items = [(item.title, item.status) for item in meeting.agenda_section_items("alignment")]
    assert items == [("Dealers ↔ Cost down: Speed vs cost", "tension"), ("Dealers → Revenue 2026", "off_track")]


def test_the_agenda_leaves_out_tensions_of_restricted_projects(company, make_project, make_target, restricted):
    hidden = Target.get(Target.project == restricted.id)
    Tension.name(company.admin, hidden, make_target(make_project(), title="Volume"), "Margin vs volume")
    series, meeting = MeetingSeries.plan(
        company.coordinator, departments=[company.sales], people=[],
        day=utcnow().date() + datetime.timedelta(days=3), start_time=datetime.time(10), timezone="Asia/Shanghai",
        recurring=False, title="Alignment", coordinator=company.coordinator, duration_minutes=60, location="",
        video_link="", reminder_minutes=60)
    meeting.build_agenda()
    assert meeting.agenda_section_items("alignment") == []
