"""A meeting planned on a day the company calendar has off is flagged where it is shown."""
import datetime

import time_machine

from portal.calendar import ClosedDay

WARNING = "falls on a day off in the company calendar"


def test_a_meeting_on_a_holiday_or_a_closed_day_is_flagged_and_one_on_a_make_up_saturday_is_not(
        plan_series, sales, coordinator, client):
    with time_machine.travel(datetime.datetime(2026, 9, 25, 2, 0), tick=False):
        ClosedDay.add(coordinator, datetime.date(2026, 10, 12), "团建")
        planned = {day: plan_series(departments=[sales], day=day, recurring=False, title="On %s" % day)
                   for day in (datetime.date(2026, 10, 1), datetime.date(2026, 10, 10), datetime.date(2026, 10, 12),
                               datetime.date(2026, 10, 13))}
        client.login(coordinator)
        flagged = {day.isoformat() for day, (_, meeting) in planned.items()
                   if WARNING in client.get("/meetings/%d" % meeting.id).get_data(as_text=True)}
        assert flagged == {"2026-10-01", "2026-10-12"}, "National Day and the team outing; 10 October is 调休上班"
        series, _ = planned[datetime.date(2026, 10, 1)]
        page = client.get("/meetings/series/%d" % series.id).get_data(as_text=True)
        assert "Thu, Oct 1, 2026" in page and WARNING in page
