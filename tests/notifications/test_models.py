"""Notifications at the service level: channels, idempotency, reading, the calendar."""
import datetime

import pytest

from portal.db import Invalid, utcnow
from portal.mail import OutboxMessage
from portal.calendar import ClosedDay, CompanyCalendar
from portal.notifications.models import Notification, Preference, notify


def test_an_important_event_shows_in_the_portal_and_is_mailed_in_the_readers_language(make_user):
    reader = make_user(language="zh_CN")
    notification = notify(reader, "task.assigned", link="/tasks/1", actor="王芳", title="报价单")
    assert notification.text == "王芳 assigned you a task: 报价单"  # shown in the viewer's language later
    mail = OutboxMessage.get(OutboxMessage.recipient_id == reader.id)
    assert mail.subject == "王芳 给您分配了任务：报价单"
    assert "https://portal.example.test/tasks/1" in mail.body_text


def test_a_normal_event_stays_in_the_portal(member):
    notify(member, "mention", link="/x", actor="A", place="B")
    assert Notification.unread_count(member) == 1
    assert OutboxMessage.select().count() == 0


def test_a_person_can_send_an_event_to_the_digest_instead_of_the_inbox(member):
    Preference.save_for(member, {"task.assigned": "digest"})
    notify(member, "task.assigned", actor="A", title="T")
    assert OutboxMessage.select().count() == 0
    assert Notification.get(Notification.user == member).channel == "digest"


def test_preferences_refuse_unknown_events_and_channels(member):
    with pytest.raises(Invalid):
        Preference.save_for(member, {"task.assigned": "carrier-pigeon"})
    with pytest.raises(Invalid):
        Preference.save_for(member, {"no.such.event": "email"})
    assert Preference.channels_for(member)["task.assigned"] == "email"


def test_a_keyed_reminder_is_created_once_however_often_it_is_sent(member):
    first = notify(member, "task.overdue", key="task.overdue:7:2026-05-04", title="T", due="today")
    second = notify(member, "task.overdue", key="task.overdue:7:2026-05-04", title="T", due="today")
    assert first is not None and second is None
    assert Notification.select().count() == 1
    assert OutboxMessage.select().count() == 1


def test_deactivated_people_are_not_notified_and_people_without_email_still_are(admin, make_user):
    gone = make_user()
    gone.deactivate(admin)
    assert notify(gone, "mention", actor="A", place="B") is None
    silent = make_user()
    silent.email = ""
    silent.save()
    assert notify(silent, "task.assigned", actor="A", title="T") is not None
    assert OutboxMessage.select().where(OutboxMessage.recipient_id == silent.id).count() == 0


def test_marking_read_one_or_all_and_archiving_after_thirty_days(member, make_user):
    other = make_user()
    mine = [notify(member, "mention", actor="A", place=str(n)) for n in range(3)]
    notify(other, "mention", actor="A", place="x")
    Notification.mark_read(member, mine[0].id)
    assert Notification.unread_count(member) == 2
    Notification.mark_read(member)
    assert Notification.unread_count(member) == 0 and Notification.unread_count(other) == 1
    assert Notification.archive_old(now=utcnow() + datetime.timedelta(days=29)) == 0
    assert Notification.archive_old(now=utcnow() + datetime.timedelta(days=31)) == 3
    assert list(Notification.listing(member)) == []
    assert len(list(Notification.listing(member, state="archived"))) == 3


def test_national_day_is_off_and_the_make_up_saturday_is_a_working_day(app):
    calendar = CompanyCalendar.current()
    assert not calendar.is_working_day(datetime.date(2026, 10, 1))
    assert calendar.is_working_day(datetime.date(2026, 10, 10)), "调休: Saturday 10 October is worked"
    assert not calendar.is_working_day(datetime.date(2026, 10, 17)), "an ordinary Saturday"
    assert calendar.first_working_day_of_week(datetime.date(2026, 10, 5)) == datetime.date(2026, 10, 8)


def test_closed_days_are_skipped_like_holidays(admin):
    calendar = CompanyCalendar.current()
    ClosedDay.add(admin, datetime.date(2026, 11, 30), "团建")
    assert not calendar.is_working_day(datetime.date(2026, 11, 30))
    with pytest.raises(Invalid):
        ClosedDay.add(admin, datetime.date(2026, 11, 30), "again")


def test_a_time_limit_counts_only_working_days(app):
    calendar = CompanyCalendar.current()
    # Wednesday 30 September 17:00 in Shanghai, 24 working hours: the holiday week is skipped.
    start = datetime.datetime(2026, 9, 30, 9, 0)
    assert calendar.working_deadline(start, 24, "Asia/Shanghai") == datetime.datetime(2026, 10, 8, 9, 0)
    # An ordinary Tuesday: exactly a day later.
    tuesday = datetime.datetime(2026, 11, 24, 2, 0)
    assert calendar.working_deadline(tuesday, 24, "Asia/Shanghai") == datetime.datetime(2026, 11, 25, 2, 0)


@pytest.mark.parametrize("hour, quiet", [(20, False), (21, True), (23, True), (3, True), (8, False), (12, False)])
def test_quiet_hours_run_through_midnight(app, hour, quiet):
    assert CompanyCalendar.current().is_quiet(datetime.time(hour)) is quiet
