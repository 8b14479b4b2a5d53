"""The events a group hears, each queued in the transaction of the change that causes it and
checked on arrival at a real receiver: minutes closed (with each action item's owner @-mentioned),
a target turning at risk or off track, a new or raised P0/P1, and a request waiting, escalated or
decided. Nothing of a restricted project reaches a channel wider than its departments."""
import datetime
import json

import pytest
import time_machine

from portal.projects.models import Project, Target, today
from portal.requests.escalation import enforce_time_limits
from portal.requests.models import ResourceRequest
from portal.robots import RobotMessage
from portal.tasks.models import Task
from tests.requests.conftest import values

LI_NA, CHEN = "13800138000", "19912345678"


def markdown_text(body):
    return body["markdown"]["text"] if "text" in body["markdown"] else body["markdown"]["content"]


def test_a_coordinator_closes_the_weekly_meeting_and_the_dingtalk_group_shows_decisions_and_owners_at_mentioned(
        client, receivers, make_channel, weekly, coordinator, attendee, colleague):
    series, meeting = weekly
    attendee.set_mobile(attendee, "+86 138-0013-8000")
    colleague.set_mobile(colleague, CHEN)
    receiver = receivers("dingtalk", secret="SECweekly")
    make_channel(receiver, scope_kind="series", scope_id=series.id, events=["minutes.closed"])
    meeting.record_decision(coordinator, "Launch the spring campaign on 3 March")
    meeting.assign_action(coordinator, "Book the venue", attendee, datetime.date(2026, 12, 4))
    meeting.assign_action(coordinator, "Draft the price list", attendee, datetime.date(2026, 12, 2))
    meeting.assign_action(coordinator, "Brief the agency", colleague, datetime.date(2026, 12, 7))
    client.login(coordinator)

    # The meeting is a week ahead: closing early is confirmed, as the form asks.
    response = client.post("/meetings/%d/close" % meeting.id, data={"recipients": [str(attendee.id)], "confirm": "yes"})

    assert response.status_code == 303
    [body] = receiver.accepted
    text = body["markdown"]["text"]
    assert "Weekly alignment" in body["markdown"]["title"]
    assert "Launch the spring campaign on 3 March" in text
    # Grouped by owner (by name), each item with its due date: Li Na's two come together under her name.
    chen, li_na = text.index("**Action items for Chen Chen**"), text.index("**Action items for Li Na**")
    assert chen < text.index("Brief the agency — due Dec 7, 2026") < li_na
    assert li_na < text.index("Draft the price list — due Dec 2, 2026")
    assert li_na < text.index("Book the venue — due Dec 4, 2026")
    assert body["at"] == {"atMobiles": [CHEN, LI_NA], "isAtAll": False}
    assert "@%s @%s" % (CHEN, LI_NA) in text  # 钉钉 rings only numbers also written in the text
    assert "/meetings/%d" % meeting.id in text
    assert RobotMessage.get().ref == "meeting:%d" % meeting.id


def test_wecom_gets_the_minutes_in_markdown_then_a_text_that_mentions_the_owners_by_mobile(
        receivers, make_channel, weekly, coordinator, attendee, colleague):
    series, meeting = weekly
    attendee.set_mobile(attendee, LI_NA)
    receiver = receivers("wecom")
    make_channel(receiver, scope_kind="series", scope_id=series.id, events=["minutes.closed"], language="zh_CN")
    meeting.assign_action(coordinator, "Book the venue", attendee, datetime.date(2026, 12, 4))
    meeting.assign_action(coordinator, "Brief the agency", colleague, datetime.date(2026, 12, 7))
    meeting.close(coordinator, [attendee], confirmed=True)
    markdown, text = receiver.accepted
    assert "**Li Na 的行动项**" in markdown["markdown"]["content"]
    assert "没有记录决议" in markdown["markdown"]["content"]
    # Chen Chen has no mobile number: named in the minutes, not rung.
    assert text["msgtype"] == "text" and text["text"]["mentioned_mobile_list"] == [LI_NA]


def test_the_minutes_reach_the_series_and_participating_departments_but_never_the_whole_company(
        make_department, receivers, make_channel, weekly, coordinator, attendee, sales):
    series, meeting = weekly
    receiver = receivers("wecom")
    other = make_department("财务部", "Finance")
    for scope_kind, scope_id in (("series", series.id), ("department", sales.id), ("department", other.id)):
        make_channel(receiver, scope_kind=scope_kind, scope_id=scope_id, events=["minutes.closed"],
                     name="%s %s" % (scope_kind, scope_id))
    make_channel(receiver, scope_kind="company", events=["target.at_risk", "task.priority", "digest.weekly"])
    meeting.close(coordinator, [attendee], confirmed=True)
    heard = sorted(row.channel.name for row in RobotMessage.select())
    assert heard == ["department %d" % sales.id, "series %d" % series.id]


# -- projects and tasks ---------------------------------------------------------------------------

@pytest.fixture
def org(make_department, make_user):
    """Sales and R&D run a restricted project and an open one; Finance runs neither."""
    class Org:
        pass
    org = Org()
    org.sales, org.rnd, org.finance = (make_department("销售部", "Sales"), make_department("研发部", "R&D"),
                                       make_department("财务部", "Finance"))
    org.seller = make_user(department=org.sales, name="Li Na")
    org.developer = make_user(department=org.rnd, name="Zhou Jie")
    org.accountant = make_user(department=org.finance, name="Wang Fang")
    on = today()
    for name, visibility in (("restricted", "participants"), ("open", "company")):
        setattr(org, name, Project.start(None, name="%s project" % name, goal="", coordinator=org.seller,
                                         departments=[org.sales, org.rnd], start_date=on - datetime.timedelta(50),
                                         end_date=on + datetime.timedelta(50), status="active",
                                         visibility=visibility))
    return org


@pytest.fixture
def everywhere(org, receivers, make_channel):
    """A channel on every scope, each hearing all it may; returns who heard what."""
    receiver = receivers("webhook", secret="s3cret")
    scopes = {"company": ("company", None), "project restricted": ("project", org.restricted.id),
              "project open": ("project", org.open.id), "department sales": ("department", org.sales.id),
              "department rnd": ("department", org.rnd.id), "department finance": ("department", org.finance.id)}
    for name, (scope_kind, scope_id) in scopes.items():
        requests = ["request.waiting", "request.escalated", "request.decided"] if scope_kind == "department" else []
        make_channel(receiver, scope_kind=scope_kind, scope_id=scope_id, name=name,
                     events=["target.at_risk", "task.priority", *requests])

    def heard(event):
        return sorted(row.channel.name for row in RobotMessage.select().where(RobotMessage.event == event))
    heard.receiver = receiver
    return heard


def _target(org, project, owner=None, department=None):
    on = today()
    return Target.define(None, project, title="Orders of %s" % project.name, unit="", baseline="100",
                         target_value="200", direction="raise", start_date=on - datetime.timedelta(50),
                         due_date=on + datetime.timedelta(50), department=department or org.sales,
                         owner=owner or org.seller, weight=1)


def test_a_check_in_that_turns_a_target_off_track_is_told_to_the_project_and_its_departments(org, everywhere):
    target = _target(org, org.open)
    target.check_in(org.seller, "150", "on plan")  # half way at half time: on track
    assert everywhere("target.at_risk") == []
    Target.get_by_id(target.id).check_in(org.seller, "110", "the distributor left")
    assert everywhere("target.at_risk") == ["company", "department sales", "project open"]
    body = everywhere.receiver.accepted[0]
    assert body["title"] == "Off track: Orders of open project (open project)"
    assert "Latest check-in: the distributor left" in body["blocks"][0]["lines"]
    # Still off track, or better: nothing more to tell.
    Target.get_by_id(target.id).check_in(org.seller, "105")
    Target.get_by_id(target.id).check_in(org.seller, "135")  # at risk now, an improvement
    assert len(everywhere("target.at_risk")) == 3


def test_a_restricted_projects_target_is_told_only_within_its_departments(org, everywhere):
    target = _target(org, org.restricted)
    target.check_in(org.seller, "150")
    Target.get_by_id(target.id).check_in(org.seller, "130")
    assert everywhere("target.at_risk") == ["department sales", "project restricted"]
    assert not any("restricted project" in json.dumps(b) for b in everywhere.receiver.accepted
                   if b["event"] == "target.at_risk" and b["title"].startswith("company"))


def test_a_new_p0_is_told_with_its_owner_and_a_p3_is_not(org, everywhere):
    Task.open(org.seller, "Quarterly report", owner=org.seller, priority="P3")
    assert everywhere("task.priority") == []
    Task.open(org.seller, "Fix the checkout", owner=org.developer, priority="P0", reason="Customers cannot pay")
    assert everywhere("task.priority") == ["company", "department rnd"]
    body = everywhere.receiver.accepted[0]
    assert body["title"] == "New P0: Fix the checkout"
    assert "Why: Customers cannot pay" in body["blocks"][0]["lines"] and body["mentions"] == ["Zhou Jie"]


def test_a_priority_raised_on_another_departments_work_is_told_and_one_lowered_is_not(org, everywhere):
    task = Task.open(org.developer, "Tidy the backlog", owner=org.developer, priority="P3")
    task = task.revise(org.developer, task.version, priority="P2")  # its own department, not urgent
    assert everywhere("task.priority") == []
    task = task.revise(org.seller, task.version, priority="P1", reason="The launch depends on it")
    assert everywhere("task.priority") == ["company", "department rnd"]
    assert everywhere.receiver.accepted[-1]["title"] == "Priority raised P2 → P1: Tidy the backlog"
    task.revise(org.seller, task.version, priority="P3")
    assert len(everywhere("task.priority")) == 2


def test_an_urgent_task_of_a_restricted_project_stays_within_its_departments(org, everywhere):
    Task.open(org.developer, "Reprice the bundle", owner=org.accountant, priority="P0", reason="Audit",
              project=org.restricted, requesting_department=org.rnd)
    # The owner is in Finance, outside the project: Finance's group must not hear of it, nor the company's.
    assert everywhere("task.priority") == ["department rnd", "project restricted"]


# -- requests -------------------------------------------------------------------------------------

@pytest.fixture
def request_channels(company, receivers, make_channel, make_department):
    receiver = receivers("dingtalk")
    for department in (company.sales, company.rnd, company.finance):
        make_channel(receiver, scope_kind="department", scope_id=department.id, name=department.name_en,
                     events=["request.waiting", "request.escalated", "request.decided"])
    make_channel(receiver, scope_kind="company")
    return receiver


def test_a_request_waiting_past_half_its_limit_rings_its_approver_in_the_two_departments_groups(
        company, file_request, request_channels):
    company.sales_head.set_mobile(company.sales_head, LI_NA)
    with time_machine.travel(datetime.datetime(2026, 6, 9, 1, 0), tick=False) as clock:
        request = file_request()
        clock.move_to(datetime.datetime(2026, 6, 10, 6, 0))  # 12 working hours later: 14:00 the next day
        assert enforce_time_limits() == ["nudge"]
        assert enforce_time_limits() == []
    heard = [(row.channel.name, row.event) for row in RobotMessage.select().order_by(RobotMessage.id)]
    assert heard == [("Sales", "request.waiting"), ("R&D", "request.waiting")]
    body = request_channels.accepted[0]
    assert "Waiting 12 hours for a decision: #%d Two developers for the CRM" % request.id in body["markdown"]["text"]
    assert body["at"]["atMobiles"] == [LI_NA] and "@" + LI_NA in body["markdown"]["text"]


def test_an_escalated_request_rings_who_it_now_waits_on_and_a_decision_is_told(company, file_request,
                                                                              request_channels):
    company.admin.set_mobile(company.admin, CHEN)
    with time_machine.travel(datetime.datetime(2026, 6, 9, 1, 0), tick=False) as clock:
        request = file_request()
        clock.move_to(datetime.datetime(2026, 6, 11, 10, 0))  # three working days later
        assert enforce_time_limits() == ["nudge", "escalate"]
        escalated = [b for b in request_channels.accepted if b["markdown"]["title"].startswith("Escalated")]
        assert len(escalated) == 2 and escalated[0]["at"]["atMobiles"] == [CHEN]
        request.decide(company.admin, request.active_step().id, "reject", "No budget this quarter")
    decided = [row.channel.name for row in RobotMessage.select().where(RobotMessage.event == "request.decided")]
    assert decided == ["Sales", "R&D"]
    assert "Rejected: #%d" % request.id in request_channels.accepted[-1]["markdown"]["title"]


def test_a_request_for_a_restricted_project_is_told_only_to_its_departments_in_the_project(
        company, make_type, request_channels):
    project = Project.start(None, name="Secret pricing", goal="", coordinator=company.sales_head,
                            departments=[company.sales], start_date=datetime.date(2026, 1, 1),
                            end_date=datetime.date(2026, 12, 31), status="active", visibility="participants")
    version = make_type().latest_version()
    request = ResourceRequest.file(company.seller, version, "Borrow a pricing analyst",
                                   values(version, people_days="5"), project=project)
    request.decide(company.sales_head, request.active_step().id, "reject", "Not now")
    decided = [row.channel.name for row in RobotMessage.select().where(RobotMessage.event == "request.decided")]
    assert decided == ["Sales"]  # R&D provides, but takes no part in the restricted project
