"""The demo company's weekly alignment meeting."""
import pytest

from portal.meetings.models import ActionItem, Meeting, MeetingSeries


@pytest.mark.demo_company
def test_the_demo_holds_a_weekly_series_with_three_closed_meetings_and_the_next_open_once(runner):
    runner.invoke(args=["demo"])
    series = MeetingSeries.get(MeetingSeries.title == "对齐周会")
    assert series.coordinator.email == "coordinator@example.com" and len(list(series.departments())) == 5
    meetings = list(series.meetings.order_by(Meeting.starts_at))
    assert [m.state for m in meetings] == ["closed", "closed", "closed", "open"]
    assert all(m.decisions.count() and m.minutes_versions.count() == 1 for m in meetings[:3])
    outcomes = {item.outcome() for item in ActionItem.select()}
    assert {"done", "cancelled", "overdue", "open"} <= outcomes
    upcoming = meetings[-1]
    assert [i.status for i in upcoming.agenda_section_items("actions")] == ["open", "open", "open"]
    assert MeetingSeries.select().count() == 1
