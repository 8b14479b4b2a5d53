"""Notifications at the service level: channels, idempotency, reading, the calendar."""
import datetime

import holidays
import pytest

from portal.db import Invalid, utcnow
from portal.mail import OutboxMessage
from portal.calendar import ClosedDay, CompanyCalendar, WorkingDay, parse_office_hours
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


def test_the_working_days_kept_per_year_are_the_public_calendars_day_by_day():
    calendar, public = CompanyCalendar(country="CN"), holidays.country_holidays("CN", years=[2026, 2027])
    calendar.closed_days = calendar.extra_working_days = frozenset()  # no days of the company's own
    day = datetime.date(2026, 1, 1)
    while day.year < 2028:
        assert calendar.is_working_day(day) is public.is_working_day(day), day
        day += datetime.timedelta(days=1)


def test_closed_days_are_skipped_like_holidays(admin):
    calendar = CompanyCalendar.current()
    ClosedDay.add(admin, datetime.date(2026, 11, 30), "团建")
    assert not calendar.is_working_day(datetime.date(2026, 11, 30))
    with pytest.raises(Invalid):
        ClosedDay.add(admin, datetime.date(2026, 11, 30), "again")


def test_a_time_limit_counts_office_hours_of_working_days_only(app):
    calendar = CompanyCalendar.current()
    # Wednesday 30 September 17:00 in Shanghai, 24 working hours: one hour that evening, the
    # holiday week skipped, Thursday 8 and Friday 9 October, then the make-up Saturday until 17:00.
    start = datetime.datetime(2026, 9, 30, 9, 0)
    assert calendar.working_deadline(start, 24, "Asia/Shanghai") == datetime.datetime(2026, 10, 10, 9, 0)
    # An ordinary Tuesday at 10:00: eight working hours skip lunch and the night.
    tuesday = datetime.datetime(2026, 11, 24, 2, 0)
    assert calendar.working_deadline(tuesday, 8, "Asia/Shanghai") == datetime.datetime(2026, 11, 25, 2, 0)
    assert calendar.working_deadline(tuesday, 2, "Asia/Shanghai") == datetime.datetime(2026, 11, 24, 4, 0), "12:00"
    assert calendar.working_deadline(tuesday, 3, "Asia/Shanghai") == datetime.datetime(2026, 11, 24, 6, 0), "14:00"


def test_working_time_between_two_moments_leaves_out_nights_lunch_and_days_off(app):
    clock = CompanyCalendar.current().working_time("Asia/Shanghai")
    # Friday 17:00 to Monday 10:00 in Shanghai: one hour on Friday, one on Monday.
    assert clock.between(datetime.datetime(2026, 6, 12, 9, 0), datetime.datetime(2026, 6, 15, 2, 0)) == \
        datetime.timedelta(hours=2)
    assert clock.between(datetime.datetime(2026, 6, 15, 2, 0), datetime.datetime(2026, 6, 12, 9, 0)) == \
        datetime.timedelta()


@pytest.mark.parametrize("typed, periods", [
    ("09:00-12:00, 13:00-18:00", [(540, 720), (780, 1080)]),
    ("１３：００～１８：００，０９：００－１２：００", [(540, 720), (780, 1080)]),
    ("8:30–17:30", [(510, 1050)]),
    ("09:00至12:00、13:30至17:30", [(540, 720), (810, 1050)]),
    ("00:00-24:00", [(0, 1440)]),
])
def test_office_hours_are_read_as_people_type_them(typed, periods):
    assert parse_office_hours(typed) == periods


@pytest.mark.parametrize("typed, message", [
    ("", "Give the office hours"), ("nine to six", "is not a period"), ("09:00-12:00, lunch", "“lunch” is not"),
    ("18:00-09:00", "the end comes before the start"), ("09:00-12:00, 11:00-14:00", "overlap"),
    ("25:00-26:00", "is not a time of day"), ("09:00-24:30", "is not a time of day"),
])
def test_office_hours_that_make_no_sense_are_refused_with_a_reason(typed, message):
    with pytest.raises(Invalid) as refused:
        parse_office_hours(typed)
    assert message in refused.value.message and refused.value.field == "office_hours"


def test_changed_office_hours_move_time_limits_and_are_kept_tidy(admin):
    calendar = CompanyCalendar.current()
    calendar.update_settings(admin, office_hours="８：３０－１７：３０")
    calendar = CompanyCalendar.current()
    assert calendar.office_hours == "08:30-17:30"
    tuesday = datetime.datetime(2026, 11, 24, 0, 30)  # 08:30 in Shanghai
    assert calendar.working_deadline(tuesday, 10, "Asia/Shanghai") == datetime.datetime(2026, 11, 25, 1, 30)


def test_an_extra_working_day_counts_although_the_public_calendar_has_it_off(admin):
    # Saturday 9 January 2027: a make-up day the holidays library does not know yet.
    saturday = datetime.date(2027, 1, 9)
    calendar = CompanyCalendar.current()
    assert not calendar.is_working_day(saturday)
    WorkingDay.add(admin, saturday, "调休上班")
    calendar = CompanyCalendar.current()  # read after the change, as each request and job does
    assert calendar.is_working_day(saturday)
    friday_five = datetime.datetime(2027, 1, 8, 9, 0)
    assert calendar.working_deadline(friday_five, 2, "Asia/Shanghai") == datetime.datetime(2027, 1, 9, 2, 0)
    with pytest.raises(Invalid) as twice:
        ClosedDay.add(admin, saturday, "closed after all")
    assert "the other way" in twice.value.message
    WorkingDay.get(WorkingDay.day == saturday).remove(admin)
    assert not CompanyCalendar.current().is_working_day(saturday)


@pytest.mark.parametrize("hour, quiet", [(20, False), (21, True), (23, True), (3, True), (8, False), (12, False)])
def test_quiet_hours_run_through_midnight(app, hour, quiet):
    assert CompanyCalendar.current().is_quiet(datetime.time(hour)) is quiet
