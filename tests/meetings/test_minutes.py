"""Minutes as behaviours: the agenda from live data, notes and decisions edited by two people,
action items, closing exactly once, corrections as versions, reminders and the digest."""
import datetime
import threading

import pytest

from portal.db import Invalid, Stale, db, utcnow
from portal.digest import compose
from portal.mail import OutboxMessage
from portal.meetings import schedule
from portal.meetings.models import ActionItem, AgendaItem, Decision, Meeting, MinutesVersion
from portal.notifications.models import Notification
from portal.tasks.models import Task

TOMORROW = utcnow().date() + datetime.timedelta(days=1)


def _held(meeting, coordinator, recipients):
    meeting.close(coordinator, recipients, confirmed=True)
    return meeting.following()


def test_the_next_agenda_lists_the_last_meetings_action_items_with_how_each_stands(
        weekly, coordinator, attendee, colleague):
    series, first = weekly
    late = first.assign_action(coordinator, "Send the quote", attendee, TOMORROW)
    done = first.assign_action(coordinator, "Book the hall", colleague, TOMORROW)
    following = _held(first, coordinator, [attendee])
    task = Task.get_by_id(ActionItem.get_by_id(done.id).task_id)
    task.move(colleague, task.version, "done")  # followed up on its owner's board
    following.build_agenda(now=utcnow())
    (key, title, items), = [s for s in following.agenda_sections() if s[0] == "actions"]
    assert [(i.title, i.status) for i in items] == [("Send the quote — Li Na", "open"),
                                                   ("Book the hall — Chen Chen", "done")]
    assert items[0].link == first.path("action-%d" % late.id)


def test_overdue_action_items_show_as_overdue_on_the_agenda(weekly, coordinator, attendee):
    series, first = weekly
    first.assign_action(coordinator, "Old promise", attendee, utcnow().date() - datetime.timedelta(days=3),
                        confirmed=True)
    following = _held(first, coordinator, [attendee])
    assert [i.status for i in following.agenda_section_items("actions")] == ["overdue"]


def test_a_removed_item_stays_off_when_the_agenda_is_rebuilt_and_topics_can_be_reordered(
        weekly, coordinator, attendee):
    series, first = weekly
    first.assign_action(coordinator, "Send the quote", attendee, TOMORROW)
    following = _held(first, coordinator, [attendee])
    reported = following.agenda_section_items("actions")[0]
    reported.remove(coordinator)
    following.build_agenda()
    assert following.agenda_section_items("actions") == []
    budget = following.add_agenda_item(coordinator, "other", "Budget 2027")
    hiring = following.add_agenda_item(coordinator, "other", "Hiring")
    hiring.move(coordinator, -1)
    assert [i.title for i in following.agenda_section_items("other")] == ["Hiring", "Budget 2027"]
    assert budget.move(coordinator, 1) is False, "the last item cannot move further down"
    with pytest.raises(Invalid):
        following.add_agenda_item(coordinator, "nonsense", "Anything")


def test_the_second_save_of_a_stale_version_is_refused_and_both_texts_survive(weekly, coordinator, attendee):
    series, meeting = weekly
    item = meeting.add_agenda_item(coordinator, "other", "Pricing")
    item.write_notes(attendee, "Li Na: raise prices 5%", version=0)
    stale = AgendaItem.get_by_id(item.id)
    with pytest.raises(Stale) as conflict:
        stale.write_notes(coordinator, "Cora: keep prices", version=0)
    assert conflict.value.current.notes == "Li Na: raise prices 5%"
    assert conflict.value.current.updated_by.id == attendee.id and conflict.value.current.version == 1
    assert AgendaItem.get_by_id(item.id).notes == "Li Na: raise prices 5%"
    stale.write_notes(coordinator, "Li Na: raise prices 5%\nCora: keep prices", version=1)
    assert AgendaItem.get_by_id(item.id).version == 2


def test_decisions_are_versioned_the_same_way(weekly, coordinator, attendee):
    series, meeting = weekly
    decision = meeting.record_decision(attendee, "Ship on **Friday**")
    decision.revise(coordinator, "Ship on Monday", version=1)
    with pytest.raises(Stale):
        Decision.get_by_id(decision.id).revise(attendee, "Ship on Tuesday", version=1)
    assert Decision.get_by_id(decision.id).text == "Ship on Monday"


def test_an_action_item_needs_one_active_owner_who_takes_part(weekly, coordinator, attendee, outsider, admin):
    series, meeting = weekly
    with pytest.raises(Invalid) as refused:
        meeting.assign_action(coordinator, "Nobody's job", None, TOMORROW)
    assert refused.value.field == "owner" and "one owner" in str(refused.value.message)
    with pytest.raises(Invalid) as refused:
        meeting.assign_action(coordinator, "Outside job", outsider, TOMORROW)
    assert "must take part" in str(refused.value.message)
    attendee.deactivate(admin)
    with pytest.raises(Invalid) as refused:
        meeting.assign_action(coordinator, "Gone job", attendee, TOMORROW)
    assert "deactivated" in str(refused.value.message)
    assert meeting.action_items.count() == 0


def test_closing_locks_the_minutes_keeps_version_one_and_plans_the_next_meeting(
        weekly, coordinator, attendee, colleague):
    series, meeting = weekly
    meeting.record_decision(attendee, "Hire two engineers")
    meeting.assign_action(coordinator, "Post the job ad", attendee, TOMORROW)
    meeting.record_attendance(coordinator, {attendee.id: "present", colleague.id: "excused"})
    sent_to = meeting.close(coordinator, [attendee, colleague], confirmed=True)
    assert {u.id for u in sent_to} == {attendee.id, colleague.id}
    closed = Meeting.get_by_id(meeting.id)
    assert closed.state == "closed" and closed.closed_by_id == coordinator.id
    version, = MinutesVersion.select().where(MinutesVersion.meeting == meeting)
    assert version.number == 1 and version.content["decisions"] == ["Hire two engineers"]
    assert version.content["attendance"] == [["Chen Chen", "excused"], ["Cora Coordinator", ""], ["Li Na", "present"]]
    assert version.content["action_items"][0]["owner"] == "Li Na"
    following = closed.following()
    assert following.starts_at == meeting.starts_at + datetime.timedelta(days=7) and following.state == "open"
    assert OutboxMessage.select().where(OutboxMessage.ref == "minutes:%d" % meeting.id).count() == 2
    assert Notification.select().where(Notification.event == "minutes.sent").count() == 2


def test_closed_minutes_refuse_edits_but_the_coordinator_corrects_them_as_a_new_version(
        weekly, coordinator, attendee):
    series, meeting = weekly
    decision = meeting.record_decision(attendee, "Budget: 10k")
    meeting.close(coordinator, [attendee], confirmed=True)
    with pytest.raises(Invalid) as refused:
        Decision.get_by_id(decision.id).revise(attendee, "Budget: 50k", version=1)
    assert "closed and can no longer be edited" in str(refused.value.message)
    with pytest.raises(Invalid) as refused:
        meeting.record_decision(attendee, "Sneaked in")
    assert "closed" in str(refused.value.message)
    with pytest.raises(Invalid) as refused:
        Decision.get_by_id(decision.id).revise(coordinator, "Budget: 12k", version=1, correcting=True)
    assert refused.value.field == "reason"
    Decision.get_by_id(decision.id).revise(coordinator, "Budget: 12k", version=1, reason="typo in the amount",
                                           correcting=True)
    versions = list(meeting.versions())
    assert [(v.number, v.reason) for v in versions] == [(2, "typo in the amount"), (1, "")]
    assert versions[0].content["decisions"] == ["Budget: 12k"]
    assert versions[1].content["decisions"] == ["Budget: 10k"]


def test_closing_twice_is_refused_and_sends_once(weekly, coordinator, attendee):
    series, meeting = weekly
    meeting.close(coordinator, [attendee], confirmed=True)
    with pytest.raises(Invalid) as refused:
        Meeting.get_by_id(meeting.id).close(coordinator, [attendee], confirmed=True)
    assert "already closed" in str(refused.value.message)
    assert OutboxMessage.select().count() == 1 and MinutesVersion.select().count() == 1


def test_two_tabs_closing_at_the_same_moment_send_exactly_once(app, weekly, coordinator, attendee, colleague):
    series, meeting = weekly
    db.close()
    start, outcomes = threading.Barrier(2), []

    def close_in_a_tab():
        with app.app_context(), db.connection_context():
            tab = Meeting.get_by_id(meeting.id)
            start.wait()
            try:
                tab.close(coordinator, [attendee, colleague], confirmed=True)
                outcomes.append("closed")
            except Invalid:
                outcomes.append("refused")

    tabs = [threading.Thread(target=close_in_a_tab) for _ in range(2)]
    for tab in tabs:
        tab.start()
    for tab in tabs:
        tab.join()
    db.connect(reuse_if_open=True)
    assert sorted(outcomes) == ["closed", "refused"]
    assert OutboxMessage.select().count() == 2, "one mail per recipient, not two"
    assert series.meetings.count() == 2


def test_a_deactivated_owner_stops_the_close_until_the_item_is_reassigned(weekly, coordinator, attendee, admin):
    series, meeting = weekly
    meeting.assign_action(coordinator, "Follow up", attendee, TOMORROW)
    attendee.deactivate(admin)
    with pytest.raises(Invalid) as refused:
        meeting.close(coordinator, [coordinator], confirmed=True)
    assert "Follow up" in str(refused.value.message) and "deactivated" in str(refused.value.message)
    assert Meeting.get_by_id(meeting.id).state == "open" and OutboxMessage.select().count() == 0


def test_participants_are_reminded_once_before_the_meeting(weekly, coordinator, attendee, colleague):
    series, meeting = weekly
    early = meeting.starts_at - datetime.timedelta(minutes=61)
    assert schedule.send_reminders(early) == 0
    due = meeting.starts_at - datetime.timedelta(minutes=59)
    assert schedule.send_reminders(due) == 1
    Meeting.update(reminded_at=None).where(Meeting.id == meeting.id).execute()  # as if a second worker ran
    schedule.send_reminders(due)
    reminders = Notification.select().where(Notification.event == "meeting.reminder")
    assert sorted(n.user_id for n in reminders) == sorted([coordinator.id, attendee.id, colleague.id])
    chinese = reminders.where(Notification.user == attendee).get()
    assert "Weekly alignment" in chinese.text and "10:00" in chinese.text


def test_the_weekly_digest_tells_about_decisions_action_items_and_the_next_meeting(
        app, weekly, coordinator, attendee, outsider):
    series, meeting = weekly
    meeting.record_decision(coordinator, "Move the launch to **May**")
    meeting.assign_action(coordinator, "Tell the customers", attendee, TOMORROW)
    meeting.close(coordinator, [attendee], confirmed=True)
    sections = dict(compose(attendee, utcnow() - datetime.timedelta(days=7)))
    texts = [str(item["text"]) for item in sections["Meetings"]]
    assert texts[0] == "Decision: Move the launch to **May**"
    assert texts[1].startswith("Action item: Tell the customers — Li Na, due")
    assert texts[2].startswith("Next meeting: Weekly alignment")
    assert "Meetings" not in dict(compose(outsider, utcnow() - datetime.timedelta(days=7)))


def test_closing_turns_each_action_item_into_a_task_on_its_owners_board(weekly, coordinator, attendee):
    series, first = weekly
    item = first.assign_action(coordinator, "Send the quote", attendee, TOMORROW)
    _held(first, coordinator, [attendee])
    task = Task.get_by_id(ActionItem.get_by_id(item.id).task_id)
    assert (task.title, task.owner, task.due_date) == ("Send the quote", attendee, TOMORROW)
    assert (task.origin_kind, task.origin_id, task.description) == ("meeting", first.id, "")
    assert task.origin_text == "Agreed in a meeting: [see its minutes](/meetings/%d)." % first.id
    # The task is open to the company, the meeting to its participants only.
    assert "Weekly alignment" not in task.origin_text
    assert Notification.select().where((Notification.user == attendee) & (Notification.event == "task.assigned")
                                       ).exists()
    with pytest.raises(Invalid):
        ActionItem.get_by_id(item.id).settle(attendee, "done")


def test_a_closed_meeting_keeps_who_took_part_when_people_join_or_leave_the_series_later(
        weekly, coordinator, attendee, colleague, make_user, sales):
    series, meeting = weekly
    meeting.record_attendance(coordinator, {attendee.id: "present"})
    meeting.close(coordinator, [attendee], confirmed=True)
    before = [u.name for u in Meeting.get_by_id(meeting.id).participants()]
    make_user(department=sales, name="Newcomer")  # joins the department, so the series, afterwards
    closed = Meeting.get_by_id(meeting.id)
    assert [u.name for u in closed.participants()] == before and "Newcomer" not in before
    assert closed.attendance() == {attendee.id: "present", colleague.id: "", coordinator.id: ""}
    assert "Newcomer" in [u.name for u in closed.following().participants()], "the next meeting has them"
    assert sorted(MinutesVersion.get(MinutesVersion.meeting == meeting.id).content["attendance"]) == sorted(
        [["Li Na", "present"], ["Chen Chen", ""], ["Cora Coordinator", ""]])
