"""What projects tell people: mentions, targets going off track, check-ins forgotten."""
import datetime

import time_machine

from portal.notifications.models import Notification
from portal.projects.reminders import remind_target_owners
from portal.projects.feed import ProjectUpdate


def _events(user, event):
    return list(Notification.select().where((Notification.user == user) & (Notification.event == event)))


def test_a_mention_in_an_update_notifies_the_person_named_but_not_the_author(company, make_project):
    project = make_project()
    ProjectUpdate.post(company.sales_member, project, "@Zhou Jie can you check the samples? cc @Chen Chen")
    mentions = _events(company.rnd_member, "mention")
    assert len(mentions) == 1 and mentions[0].link.startswith("/projects/%d#update-" % project.id)
    assert "Chen Chen mentioned you in New product launch" == mentions[0].text
    assert _events(company.sales_member, "mention") == []


def test_a_check_in_that_leaves_a_target_off_track_tells_its_owner_once_a_week(company, make_project, make_target):
    target = make_target(make_project())
    with time_machine.travel(datetime.datetime(2026, 3, 2, 2, 0), tick=False):  # two thirds through
        target.check_in(company.sales_member, "110")
        target.check_in(company.sales_member, "112")
        assert len(_events(company.sales_member, "target.off_track")) == 1
    with time_machine.travel(datetime.datetime(2026, 3, 9, 2, 0), tick=False):
        target.check_in(company.sales_member, "113")
        assert len(_events(company.sales_member, "target.off_track")) == 2


def test_a_target_without_check_ins_reminds_its_owner_once_a_week_in_working_hours(company, make_project, make_target):
    make_target(make_project(), title="Orders")
    owner = company.sales_member  # Asia/Shanghai
    with time_machine.travel(datetime.datetime(2026, 2, 2, 15, 0), tick=False):  # 23:00 in Shanghai: quiet
        assert remind_target_owners() == 0
    with time_machine.travel(datetime.datetime(2026, 2, 3, 2, 0), tick=False):  # Tuesday 10:00
        remind_target_owners()
        remind_target_owners()
    stale = _events(owner, "checkin.stale")
    assert len(stale) == 1 and "“Orders” has had no check-in for" in stale[0].text


def test_the_weekly_digest_lists_my_departments_targets_worst_first(company, make_project, make_target):
    from portal.digest import compose
    project = make_project()
    make_target(project, title="Orders")
    make_target(project, title="Visits", start_date=datetime.date(2026, 2, 20))
    with time_machine.travel(datetime.datetime(2026, 3, 2, 2, 0), tick=False):
        sections = dict((str(title), items) for title, items in compose(company.sales_head,
                                                                       datetime.datetime(2026, 2, 23)))
    items = sections["My department's targets"]
    assert [(item["text"], item["note"]) for item in items] == [
        ("Orders — New product launch", "Off track"), ("Visits — New product launch", "On track")]
