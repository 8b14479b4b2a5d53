"""Planning series and meetings: local times stored as UTC, DST, impossible times, the next meeting."""
import datetime

import pytest

from portal.db import Invalid
from portal.meetings.models import Meeting, MeetingSeries

BERLIN_SUMMER = datetime.datetime(2026, 10, 1, 8, 0)  # a Thursday, before the clocks go back


def test_a_weekly_series_starts_with_one_meeting_at_the_local_time_stored_as_utc(plan_series, sales, coordinator):
    series, meeting = plan_series(departments=[sales], day=datetime.date(2026, 12, 8), start=datetime.time(10, 0),
                                  now=datetime.datetime(2026, 12, 1))
    assert series.weekday == 1 and series.recurring
    assert meeting.starts_at == datetime.datetime(2026, 12, 8, 2, 0), "10:00 in Shanghai is 02:00 UTC"
    assert meeting.ends_at == datetime.datetime(2026, 12, 8, 3, 0)
    assert list(series.meetings) == [meeting]


def test_the_next_meeting_keeps_its_wall_clock_time_when_summer_time_ends(plan_series, sales):
    series, first = plan_series(departments=[sales], day=datetime.date(2026, 10, 20), timezone="Europe/Berlin",
                                now=BERLIN_SUMMER)
    assert first.starts_at == datetime.datetime(2026, 10, 20, 8, 0), "10:00 CEST"
    following = series.ensure_next_meeting(after=first.starts_at, now=BERLIN_SUMMER)
    assert following.starts_at == datetime.datetime(2026, 10, 27, 9, 0), "10:00 CET, after the clocks went back"
    assert following.local_start.strftime("%a %H:%M %Z") == "Tue 10:00 CET"


def test_a_time_the_clocks_skip_is_refused_with_a_clear_message_and_nothing_saved(plan_series, sales):
    with pytest.raises(Invalid) as refused:
        plan_series(departments=[sales], day=datetime.date(2027, 3, 28), start=datetime.time(2, 30),
                    timezone="Europe/Berlin", now=BERLIN_SUMMER)
    assert refused.value.field == "start_time"
    assert "02:30 does not exist on 2027-03-28 in Germany (Berlin) Time" in str(refused.value.message)
    assert MeetingSeries.select().count() == 0 and Meeting.select().count() == 0


def test_a_later_weekly_meeting_in_the_skipped_hour_moves_an_hour_later(plan_series, sales):
    series, first = plan_series(departments=[sales], day=datetime.date(2027, 3, 21), start=datetime.time(2, 30),
                                timezone="Europe/Berlin", now=BERLIN_SUMMER)
    following = series.ensure_next_meeting(after=first.starts_at, now=BERLIN_SUMMER)
    assert following.local_start.strftime("%Y-%m-%d %H:%M %Z") == "2027-03-28 03:30 CEST"


def test_a_series_without_participants_is_refused(plan_series):
    with pytest.raises(Invalid) as refused:
        plan_series()
    assert refused.value.field == "departments"
    assert "at least one participating department or person" in str(refused.value.message)
    assert MeetingSeries.select().count() == 0


def test_a_first_meeting_in_the_past_is_refused(plan_series, sales):
    with pytest.raises(Invalid) as refused:
        plan_series(departments=[sales], day=datetime.date(2026, 1, 5), now=datetime.datetime(2026, 2, 1))
    assert "already passed" in str(refused.value.message)


def test_the_periodic_job_gives_each_active_weekly_series_exactly_one_next_meeting(plan_series, sales, coordinator):
    now = datetime.datetime(2026, 12, 1)
    weekly, first = plan_series(departments=[sales], day=datetime.date(2026, 12, 3), now=now)
    single, _ = plan_series(departments=[sales], recurring=False, title="Budget", now=now)
    ended, _ = plan_series(departments=[sales], title="Old", now=now)
    ended.end(coordinator)
    later = datetime.datetime(2026, 12, 3, 3, 0)  # the first meeting has started
    MeetingSeries.ensure_all_next_meetings(now=later)
    MeetingSeries.ensure_all_next_meetings(now=later)
    assert [m.starts_at for m in weekly.meetings.order_by(Meeting.starts_at)] == [
        first.starts_at, first.starts_at + datetime.timedelta(days=7)]
    assert single.meetings.count() == 1 and ended.meetings.count() == 1


def test_moving_the_upcoming_meeting_raises_its_calendar_sequence(plan_series, sales, coordinator):
    now = datetime.datetime(2026, 12, 1)
    series, meeting = plan_series(departments=[sales], day=datetime.date(2026, 12, 8), now=now)
    series.update_details(coordinator, departments=[sales], people=[], day=datetime.date(2026, 12, 9),
                          start_time=datetime.time(15, 30), now=now, title=series.title, coordinator=coordinator,
                          recurring=True, duration_minutes=90, timezone="Asia/Shanghai", location="Room 3",
                          video_link="", reminder_minutes=60)
    moved = Meeting.get_by_id(meeting.id)
    assert (moved.starts_at, moved.ends_at, moved.sequence) == (
        datetime.datetime(2026, 12, 9, 7, 30), datetime.datetime(2026, 12, 9, 9, 0), 1)
    assert MeetingSeries.get_by_id(series.id).weekday == 2
