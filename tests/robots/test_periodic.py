"""The robots' periodic messages: a meeting starting in 15 minutes, said once even by two workers
at the same instant or after a restart, and Monday's project digest, once a week per channel on
the company's first working day."""
import datetime
import threading

import time_machine

from portal.calendar import ClosedDay
from portal.channels import digest
from portal.db import db
from portal.meetings.models import Meeting
from portal.meetings.schedule import tell_groups_meetings_start
from portal.projects.models import Project, Target
from portal.robots import RobotMessage

MINUTE = datetime.timedelta(minutes=1)


def _series_channel(receivers, make_channel, series, language="en"):
    receiver = receivers("wecom")
    make_channel(receiver, scope_kind="series", scope_id=series.id, events=["meeting.starting"], language=language)
    return receiver


def test_a_meeting_is_announced_fifteen_minutes_before_it_starts_and_not_before(receivers, make_channel, weekly):
    series, meeting = weekly
    receiver = _series_channel(receivers, make_channel, series)
    assert tell_groups_meetings_start(meeting.starts_at - 15 * MINUTE - datetime.timedelta(seconds=1)) == 0
    assert tell_groups_meetings_start(meeting.starts_at - 15 * MINUTE) == 1
    [body] = receiver.accepted
    assert body["markdown"]["content"].startswith("**Weekly alignment starts in 15 minutes**")
    assert "Starts at 10:00" in body["markdown"]["content"] and "Where: Room 3" in body["markdown"]["content"]
    # A restarted worker, a minute later, finds the mark and says nothing again.
    assert tell_groups_meetings_start(meeting.starts_at - 14 * MINUTE) == 0
    assert len(receiver.accepted) == 1


def test_two_workers_at_the_same_instant_announce_the_meeting_once(app, receivers, make_channel, weekly):
    series, meeting = weekly
    receiver = _series_channel(receivers, make_channel, series)
    now = meeting.starts_at - 10 * MINUTE
    start, counts = threading.Barrier(2), []

    def worker():
        with app.app_context(), db.connection_context():
            due = Meeting.starting_soon(now)  # both read the meeting as not yet announced
            start.wait()
            counts.append(sum(len(m.tell_groups_it_starts(now)) for m in due))

    workers = [threading.Thread(target=worker) for _ in range(2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    db.connect(reuse_if_open=True)
    assert sorted(counts) == [0, 1]
    assert RobotMessage.select().count() == 1 and len(receiver.accepted) == 1
    assert "starts in 10 minutes" in receiver.accepted[0]["markdown"]["content"]


def test_a_moved_meeting_is_announced_again_at_its_new_time(receivers, make_channel, weekly):
    series, meeting = weekly
    receiver = _series_channel(receivers, make_channel, series, language="zh_CN")
    tell_groups_meetings_start(meeting.starts_at - 5 * MINUTE)
    meeting = Meeting.get_by_id(meeting.id)
    meeting.reschedule(meeting.starts_at + datetime.timedelta(hours=2), 60)
    assert tell_groups_meetings_start(meeting.starts_at - 15 * MINUTE) == 1
    assert [b["markdown"]["content"].split("\n")[0] for b in receiver.accepted] == [
        "**Weekly alignment 将在 5 分钟后开始**", "**Weekly alignment 将在 15 分钟后开始**"]


# -- Monday's digest ---------------------------------------------------------------------------------

# Monday 30 November 2026, 09:00 in Shanghai.
MONDAY_NINE = datetime.datetime(2026, 11, 30, 1, 0)


def _projects(make_department, make_user):
    sales, rnd, finance = (make_department("销售部", "Sales"), make_department("研发部", "R&D"),
                           make_department("财务部", "Finance"))
    seller = make_user(department=sales, name="Li Na")
    projects = {}
    for name, visibility in (("Secret pricing", "participants"), ("Spring launch", "company")):
        project = Project.start(None, name=name, goal="", coordinator=seller, departments=[sales], status="active",
                                start_date=datetime.date(2026, 10, 1), end_date=datetime.date(2027, 1, 31),
                                visibility=visibility)
        Target.define(None, project, title="Orders of %s" % name, unit="", baseline="0", target_value="100",
                      direction="raise", start_date=datetime.date(2026, 10, 1), due_date=datetime.date(2027, 1, 31),
                      department=sales, owner=seller, weight=1)
        projects[name] = project
    return sales, rnd, finance, projects


def test_mondays_digest_goes_once_to_each_channel_with_only_the_projects_its_group_may_see(
        make_department, make_user, receivers, make_channel):
    sales, rnd, finance, projects = _projects(make_department, make_user)
    receiver = receivers("webhook", secret="s3cret")
    for name, scope_kind, scope_id in (("company", "company", None), ("sales", "department", sales.id),
                                       ("finance", "department", finance.id),
                                       ("pricing", "project", projects["Secret pricing"].id)):
        make_channel(receiver, scope_kind=scope_kind, scope_id=scope_id, name=name, events=["digest.weekly"])
    with time_machine.travel(MONDAY_NINE - MINUTE, tick=False) as clock:
        assert digest.send_due() == 0, "not before the digest hour"
        clock.shift(MINUTE)
        assert digest.send_due() == 3, "finance takes part in no project: nothing to tell it"
        assert digest.send_due() == 0
        clock.shift(datetime.timedelta(days=1))
        assert digest.send_due() == 0, "once a week"
    said = {row.channel.name: [block["heading"] for block in body["blocks"]]
            for row, body in zip(RobotMessage.select().order_by(RobotMessage.id), receiver.accepted, strict=True)}
    assert said == {"company": ["Spring launch (Active)"],
                    "sales": ["Secret pricing (Active)", "Spring launch (Active)"],
                    "pricing": ["Secret pricing (Active)"]}
    assert receiver.accepted[0]["title"] == "Projects, week of Nov 30, 2026"
    assert "Off track: Orders of Spring launch" in receiver.accepted[0]["blocks"][0]["lines"]


def test_a_closed_monday_moves_the_digest_to_tuesday(make_department, make_user, receivers, make_channel):
    _projects(make_department, make_user)
    make_channel(receivers("dingtalk"), scope_kind="company", events=["digest.weekly"], language="zh_CN")
    ClosedDay.add(None, datetime.date(2026, 11, 30), "Team trip")
    with time_machine.travel(MONDAY_NINE, tick=False) as clock:
        assert digest.send_due() == 0
        clock.shift(datetime.timedelta(days=1))
        assert digest.send_due() == 1
    assert "本周项目概况" in RobotMessage.get().body
