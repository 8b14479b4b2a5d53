"""The meetings area over HTTP: each role, fragments with and without htmx, bad input, 404 for outsiders."""
import datetime
import re

import pytest

from portal.db import db, utcnow
from portal.mail import OutboxMessage
from portal.meetings.models import ActionItem, AgendaItem, Decision, Meeting, MeetingSeries
from portal.tasks.models import Task

HX = {"HX-Request": "true"}
NEXT_WEEK = (utcnow() + datetime.timedelta(days=7)).date()


def _text(response):
    return response.get_data(as_text=True)


def _series_form(sales, **overrides):
    form = {"title": "对齐周会", "coordinator": "", "departments": [str(sales.id)], "recurring": "y",
            "day": NEXT_WEEK.isoformat(), "start_time": "10:00", "duration_minutes": "60",
            "timezone": "Asia/Shanghai", "location": "Room 3", "video_link": "", "reminder_minutes": "60"}
    form.update(overrides)
    return form


def test_a_coordinator_plans_a_weekly_series_and_lands_on_its_first_meeting(client, coordinator, sales, attendee):
    client.login(coordinator)
    assert "Plan a meeting" in _text(client.get("/meetings/"))
    response = client.post("/meetings/series/", data=_series_form(sales, coordinator=str(coordinator.id)))
    meeting = Meeting.get()
    assert response.status_code == 303 and response.headers["Location"] == "/meetings/%d" % meeting.id
    page = _text(client.get(response.headers["Location"]))
    assert "对齐周会" in page and "Close and send" in page and "Beijing time" in page


def test_a_series_keeps_the_coordinator_and_further_people_chosen(client, coordinator, sales, attendee, outsider):
    client.login(coordinator)
    client.post("/meetings/series/", data=_series_form(sales, coordinator=str(attendee.id),
                                                       people=[str(outsider.id), str(attendee.id)]))
    series = MeetingSeries.get()
    assert series.coordinator_id == attendee.id
    assert sorted(user.id for user in series.people()) == sorted([outsider.id, attendee.id])


@pytest.mark.parametrize("overrides, message", [
    ({"start_time": "25:00"}, "Enter a time between 00:00 and 23:59"),
    ({"departments": []}, "Choose at least one participating department or person."),
    ({"day": "2020-01-06"}, "This time has already passed."),
    ({"video_link": "javascript:alert(1)"}, "A video link starts with http:// or https://."),
    ({"timezone": "Europe/Berlin", "day": "2027-03-28", "start_time": "02:30"}, "does not exist on 2027-03-28"),
])
def test_impossible_series_are_refused_with_a_clear_message_keeping_what_was_typed(
        client, coordinator, sales, overrides, message):
    client.login(coordinator)
    response = client.post("/meetings/series/", data=_series_form(sales, coordinator=str(coordinator.id),
                                                                  **overrides))
    page = _text(response)
    assert response.status_code == 200 and message in page and 'value="对齐周会"' in page
    assert MeetingSeries.select().count() == 0 and Meeting.select().count() == 0


def test_members_may_not_plan_series(client, colleague):
    client.login(colleague)
    assert "Plan a meeting" not in _text(client.get("/meetings/"))
    assert client.get("/meetings/series/new").status_code == 403


def test_participants_see_the_meeting_and_outsiders_get_404_everywhere(client, weekly, coordinator, attendee,
                                                                      outsider):
    series, meeting = weekly
    item = meeting.add_agenda_item(coordinator, "other", "Secret pricing")
    decision = meeting.record_decision(coordinator, "Secret decision")
    action = meeting.assign_action(coordinator, "Secret task", attendee, NEXT_WEEK)
    client.login(attendee)
    assert "Weekly alignment" in _text(client.get("/meetings/"))
    assert "Secret pricing" in _text(client.get("/meetings/%d" % meeting.id))
    client.post("/logout")
    client.login(outsider)
    assert "Weekly alignment" not in _text(client.get("/meetings/"))
    for url in ["/meetings/%d" % meeting.id, "/meetings/series/%d" % series.id, "/meetings/agenda/%d" % item.id,
                "/meetings/decisions/%d" % decision.id, "/meetings/%d/decisions" % meeting.id,
                "/meetings/%d/close" % meeting.id, "/meetings/%d/delivery" % meeting.id]:
        response = client.get(url)
        assert response.status_code == 404 and "Secret" not in _text(response), url
    for url in ["/meetings/%d/decisions" % meeting.id, "/meetings/decisions/%d" % decision.id,
                "/meetings/action-items/%d/delete" % action.id, "/meetings/%d/close" % meeting.id]:
        assert client.post(url, data={"text": "x", "version": "1"}).status_code == 404, url
    assert Decision.get_by_id(decision.id).text == "Secret decision" and ActionItem.select().count() == 1


def test_the_start_page_names_the_next_meeting_to_its_participants_alone(client, weekly, attendee, outsider):
    _, meeting = weekly
    client.login(attendee)
    page = _text(client.get("/"))
    waiting = page[page.index('id="waiting"'):page.index("</section>")]
    assert "/meetings/%d" % meeting.id in waiting and "Weekly alignment" in waiting and "Room 3" in waiting
    client.post("/logout")
    client.login(outsider)
    assert "Weekly alignment" not in _text(client.get("/"))


def test_a_participant_records_a_decision_as_a_fragment_with_htmx_and_a_page_without(client, weekly, colleague):
    series, meeting = weekly
    client.login(colleague)
    response = client.post("/meetings/%d/decisions" % meeting.id, data={"text": "Ship on *Friday*"}, headers=HX,
                           follow_redirects=True)
    fragment = _text(response)
    assert fragment.startswith('<section id="decisions"') and "<em>Friday</em>" in fragment
    assert "Decision recorded." in response.headers["HX-Trigger"]
    plain = client.post("/meetings/%d/decisions" % meeting.id, data={"text": "Second"})
    assert plain.status_code == 303
    page = _text(client.get(plain.headers["Location"]))
    assert page.startswith("<!doctype html>") and "Second" in page and "Decision recorded." in page


@pytest.mark.parametrize("path, root", [
    ("agenda", '<section id="agenda"'), ("decisions", '<section id="decisions"'),
    ("attendance", '<section id="attendance"'), ("action-items", '<section id="action-items"'),
])
def test_each_part_of_the_meeting_page_is_a_fragment_for_htmx_and_the_page_otherwise(
        client, weekly, attendee, path, root):
    series, meeting = weekly
    client.login(attendee)
    url = "/meetings/%d/%s" % (meeting.id, path)
    assert _text(client.get(url, headers=HX)).startswith(root)
    page = _text(client.get(url))
    assert page.startswith("<!doctype html>") and root in page


def test_markdown_in_notes_is_sanitized(client, weekly, coordinator, attendee):
    series, meeting = weekly
    item = meeting.add_agenda_item(coordinator, "other", "Links")
    client.login(attendee)
    client.post("/meetings/agenda/%d/notes" % item.id, data={
        "notes": "[ok](https://example.com) [bad](javascript:alert(1)) <script>alert(2)</script>", "version": "0"})
    page = _text(client.get("/meetings/%d" % meeting.id))
    assert '<a href="https://example.com" rel="noopener noreferrer">ok</a>' in page
    assert 'href="javascript:' not in page and "<script>alert(2)" not in page


def test_a_stale_save_of_notes_shows_both_texts_and_overwrites_nothing(client, weekly, coordinator, colleague):
    series, meeting = weekly
    item = meeting.add_agenda_item(coordinator, "other", "Pricing")
    item.write_notes(coordinator, "Cora's notes", version=0)
    client.login(colleague)
    response = client.post("/meetings/agenda/%d/notes" % item.id, data={"notes": "Li Na's notes", "version": "0"},
                           headers=HX)
    fragment = _text(response)
    assert response.status_code == 200 and fragment.startswith('<li id="agenda-item-%d"' % item.id)
    assert "Someone saved a newer version" in fragment and "Their version, saved by Cora Coordinator" in fragment
    assert "Cora&#39;s notes" in fragment and ">Li Na&#39;s notes</textarea>" in fragment
    assert 'name="version" value="1"' in fragment, "saving again is now a deliberate merge"
    assert AgendaItem.get_by_id(item.id).notes == "Cora's notes"


def test_a_stale_save_of_a_decision_shows_both_texts_in_the_decision(client, weekly, coordinator, colleague):
    series, meeting = weekly
    decision = meeting.record_decision(coordinator, "Ship on Friday")
    decision.revise(coordinator, "Ship on Monday", version=decision.version)
    client.login(colleague)
    response = client.post("/meetings/decisions/%d" % decision.id, data={"text": "Ship on Tuesday", "version": "1"},
                           headers=HX)
    fragment = _text(response)
    assert fragment.startswith('<li id="decision-%d"' % decision.id)
    assert "Their version, saved by Cora Coordinator" in fragment and "Ship on Monday" in fragment
    assert 'name="text" rows="3">Ship on Tuesday</textarea>' in fragment
    assert Decision.get_by_id(decision.id).text == "Ship on Monday"


def test_an_action_item_without_owner_is_refused_and_the_form_keeps_the_text(client, weekly, attendee, colleague):
    series, meeting = weekly
    client.login(colleague)
    response = client.post("/meetings/%d/action-items" % meeting.id,
                           data={"what": "Call the bank", "owner": "0", "due_on": NEXT_WEEK.isoformat()}, headers=HX)
    fragment = _text(response)
    assert "Every action item needs one owner." in fragment and 'value="Call the bank"' in fragment
    assert ActionItem.select().count() == 0
    client.post("/meetings/%d/action-items" % meeting.id,
                data={"what": "Call the bank", "owner": str(colleague.id), "due_on": NEXT_WEEK.isoformat()})
    assert ActionItem.get().owner_id == colleague.id


def test_attendance_is_recorded_for_the_participants(client, weekly, attendee, colleague):
    series, meeting = weekly
    client.login(colleague)
    client.post("/meetings/%d/attendance" % meeting.id,
                data={"status-%d" % attendee.id: "present", "status-%d" % colleague.id: "excused"})
    assert meeting.attendance() == {attendee.id: "present", colleague.id: "excused"}
    refused = client.post("/meetings/%d/attendance" % meeting.id, data={"status-%d" % attendee.id: "asleep"},
                          headers=HX)
    assert "Choose present, absent or excused" in _text(refused)
    assert meeting.attendance()[attendee.id] == "present"


def test_only_the_coordinator_arranges_the_agenda_and_closes(client, weekly, coordinator, attendee, colleague):
    series, meeting = weekly
    item = meeting.add_agenda_item(coordinator, "other", "Budget")
    client.login(colleague)
    assert "Close and send" not in _text(client.get("/meetings/%d" % meeting.id))
    assert client.post("/meetings/agenda/%d/remove" % item.id).status_code == 403
    added = client.post("/meetings/%d/agenda" % meeting.id, data={"title": "Mine", "section": "other"})
    assert added.status_code == 403
    assert client.post("/meetings/%d/close" % meeting.id, data={"recipients": [str(attendee.id)]}).status_code == 403
    assert Meeting.get_by_id(meeting.id).state == "open" and AgendaItem.get_by_id(item.id).removed_at is None


def test_the_coordinator_closes_once_and_a_second_click_lands_where_the_first_went(
        client, weekly, coordinator, attendee, colleague):
    series, meeting = weekly
    client.login(coordinator)
    close_page = _text(client.get("/meetings/%d/close" % meeting.id))
    assert "Li Na" in close_page and "Chen Chen" in close_page
    form = {"recipients": [str(attendee.id)], "confirm": "yes"}
    first = client.post("/meetings/%d/close" % meeting.id, data=form)
    assert first.status_code == 303 and first.headers["Location"] == "/meetings/%d/delivery" % meeting.id
    second = client.post("/meetings/%d/close" % meeting.id, data=form)
    assert second.status_code == 303 and second.headers["Location"] == first.headers["Location"]
    assert "These minutes were already closed and sent." in _text(client.get(second.headers["Location"]))
    assert client.get("/meetings/%d/close" % meeting.id).headers["Location"] == first.headers["Location"]
    assert [m.to_address for m in OutboxMessage.select()] == [attendee.email], "only the chosen recipient, once"


def test_closing_minutes_before_the_meeting_begins_asks_first_and_keeps_the_choice(
        client, weekly, coordinator, attendee, colleague):
    series, meeting = weekly
    client.login(coordinator)
    asked = client.post("/meetings/%d/close" % meeting.id, data={"recipients": [str(colleague.id)]})
    page = _text(asked)
    assert asked.status_code == 200 and "has not begun. Close the minutes and send them now?" in page
    assert 'name="confirm" value="yes"' in page and "Close and send now" in page
    ticked = re.findall(r'<input checked[^>]*value="(\d+)"', page)
    assert ticked == [str(colleague.id)], "the chosen recipients are kept"
    assert Meeting.get_by_id(meeting.id).state == "open"
    confirmed = client.post("/meetings/%d/close" % meeting.id,
                            data={"recipients": [str(colleague.id)], "confirm": "yes"})
    assert confirmed.status_code == 303 and Meeting.get_by_id(meeting.id).state == "closed"


def test_an_action_item_due_in_the_past_is_asked_about_then_kept(client, weekly, coordinator, attendee):
    series, meeting = weekly
    client.login(coordinator)
    form = {"what": "Send the signed contract", "owner": str(attendee.id), "due_on": "2025-11-03"}
    asked = client.post("/meetings/%d/action-items" % meeting.id, data=form, headers={"HX-Request": "true"})
    page = _text(asked)
    assert "November 3, 2025 has passed" in page and "Li Na is told so" in page and "Keep this date" in page
    assert 'value="Send the signed contract"' in page and ActionItem.select().count() == 0
    kept = client.post("/meetings/%d/action-items" % meeting.id, data={**form, "confirm": "yes"})
    assert kept.status_code == 303 and ActionItem.get().due_on.isoformat() == "2025-11-03"


def test_closing_without_recipients_is_refused(client, weekly, coordinator):
    series, meeting = weekly
    client.login(coordinator)
    response = client.post("/meetings/%d/close" % meeting.id, data={"csrf_token": "", "recipients": []})
    assert "Choose at least one person to send the minutes to." in _text(response)
    assert Meeting.get_by_id(meeting.id).state == "open"


def test_editing_closed_minutes_is_refused_with_a_clear_message(client, weekly, coordinator, attendee, colleague):
    series, meeting = weekly
    decision = meeting.record_decision(attendee, "Original")
    meeting.close(coordinator, [attendee], confirmed=True)
    client.login(colleague)
    page = _text(client.get("/meetings/%d" % meeting.id))
    assert "These minutes are closed." in page and "Record the decision" not in page
    response = client.post("/meetings/decisions/%d" % decision.id, data={"text": "Changed", "version": "1"},
                           headers=HX)
    assert "closed and can no longer be edited" in _text(response)
    assert Decision.get_by_id(decision.id).text == "Original"


def test_the_coordinator_corrects_closed_minutes_as_a_new_version_in_the_history(client, weekly, coordinator,
                                                                                 attendee):
    series, meeting = weekly
    decision = meeting.record_decision(attendee, "Budget 10k")
    meeting.close(coordinator, [attendee], confirmed=True)
    client.login(coordinator)
    client.post("/meetings/decisions/%d" % decision.id,
                data={"text": "Budget 12k", "version": "1", "reason": "wrong amount"})
    page = _text(client.get("/meetings/%d" % meeting.id))
    assert "Version 2" in page and "wrong amount" in page and "Budget 12k" in page
    version_one = meeting.versions()[-1]
    old = _text(client.get("/meetings/versions/%d" % version_one.id))
    assert "Budget 10k" in old and "Version 1 of the minutes" in old


def test_a_correction_without_a_reason_is_refused_and_keeps_what_was_typed(client, weekly, coordinator, attendee):
    series, meeting = weekly
    item = meeting.add_agenda_item(coordinator, "other", "Pricing")
    item.write_notes(coordinator, "Raise 5%", version=0)
    meeting.close(coordinator, [attendee], confirmed=True)
    client.login(coordinator)
    response = client.post("/meetings/agenda/%d/notes" % item.id, data={"notes": "Raise 6%", "version": "1"},
                           headers=HX)
    fragment = _text(response)
    assert 'id="notes-%d-reason"' % item.id in fragment and "has-error" in fragment
    assert ">Raise 6%</textarea>" in fragment
    assert AgendaItem.get_by_id(item.id).notes == "Raise 5%"


def test_the_delivery_page_shows_each_recipient_and_resends_to_those_who_failed(
        client, weekly, coordinator, attendee, colleague):
    series, meeting = weekly
    meeting.close(coordinator, [attendee, colleague], confirmed=True)
    failed = OutboxMessage.get(OutboxMessage.to_address == colleague.email)
    OutboxMessage.update(state="failed", last_error="550 no such user").where(OutboxMessage.id == failed.id).execute()
    client.login(coordinator)
    fragment = _text(client.get("/meetings/%d/delivery" % meeting.id, headers=HX))
    assert fragment.startswith('<div id="delivery">') and "550 no such user" in fragment and "Chen Chen" in fragment
    response = client.post("/meetings/%d/delivery/resend" % meeting.id, headers=HX, follow_redirects=True)
    assert "Queued again to %s" % colleague.email in response.headers["HX-Trigger"]
    assert OutboxMessage.get_by_id(failed.id).state != "failed"
    client.post("/logout")
    client.login(attendee)
    assert client.get("/meetings/%d/delivery" % meeting.id).status_code == 403


def test_the_series_archive_shows_past_decisions_and_how_action_items_turned_out(client, weekly, coordinator,
                                                                                 attendee, colleague):
    series, meeting = weekly
    meeting.record_decision(coordinator, "Open a Shenzhen office")
    action = meeting.assign_action(coordinator, "Find a lease", colleague, NEXT_WEEK)
    meeting.close(coordinator, [attendee], confirmed=True)
    client.login(colleague)
    refused = client.post("/meetings/action-items/%d/status" % action.id, data={"status": "done"},
                          follow_redirects=True)
    assert "This action item is a task now: follow it up there." in _text(refused)
    task = Task.get_by_id(ActionItem.get_by_id(action.id).task_id)
    client.post("/boards/mine/tasks/%d/move" % task.id, data={"status": "done", "version": task.version})
    archive = _text(client.get("/meetings/series/%d" % series.id))
    assert "Open a Shenzhen office" in archive and "Find a lease" in archive
    assert 'outcome-done">Done' in archive


def _queries_for(app, client, url):
    """How many SQL statements one page costs, counted at the database."""
    executed = []
    database = db.obj
    original = database.execute_sql

    def counting(sql, params=None, *args, **kwargs):
        executed.append(sql)
        return original(sql, params, *args, **kwargs)

    database.execute_sql = counting
    try:
        assert client.get(url).status_code == 200
    finally:
        del database.execute_sql
    return len(executed)


def test_the_meeting_page_and_the_archive_cost_the_same_queries_however_long_the_minutes(
        app, client, weekly, coordinator, attendee, colleague):
    series, meeting = weekly
    client.login(coordinator)

    def grow():
        meeting.add_agenda_item(coordinator, "other", "Topic")
        meeting.record_decision(coordinator, "Decision")
        meeting.assign_action(coordinator, "Task", colleague, NEXT_WEEK)
    grow()
    few = _queries_for(app, client, "/meetings/%d" % meeting.id)
    for _ in range(4):
        grow()
    assert _queries_for(app, client, "/meetings/%d" % meeting.id) == few
    meeting.close(coordinator, [colleague], confirmed=True)
    archive = _queries_for(app, client, "/meetings/series/%d" % series.id)
    following = meeting.following()
    following.record_decision(coordinator, "Another")
    following.close(coordinator, [colleague], confirmed=True)
    assert _queries_for(app, client, "/meetings/series/%d" % series.id) == archive


def test_the_coordinator_edits_the_series_and_its_upcoming_meeting_moves(client, weekly, coordinator, sales,
                                                                          colleague):
    series, meeting = weekly
    client.login(coordinator)
    page = _text(client.get("/meetings/series/%d/edit" % series.id))
    assert 'value="Weekly alignment"' in page and 'value="10:00"' in page
    assert re.search(r'<input checked id="departments-\d+" name="departments" type="checkbox" value="%d">' % sales.id,
                     page)
    day = NEXT_WEEK + datetime.timedelta(days=1)
    response = client.post("/meetings/series/%d" % series.id, data=_series_form(
        sales, title="Weekly alignment", coordinator=str(coordinator.id), day=day.isoformat(), start_time="15:30",
        people=[str(colleague.id)]))
    assert response.status_code == 303
    moved = Meeting.get_by_id(meeting.id)
    assert moved.local_start.strftime("%Y-%m-%d %H:%M") == "%s 15:30" % day.isoformat() and moved.sequence == 1
    assert [u.name for u in MeetingSeries.get_by_id(series.id).people()] == ["Chen Chen"]


def test_the_coordinator_adds_and_reorders_topics_and_a_foreign_link_is_refused(client, weekly, coordinator):
    series, meeting = weekly
    client.login(coordinator)
    for title in ("Budget", "Hiring"):
        added = client.post("/meetings/%d/agenda" % meeting.id, data={"title": title, "section": "other"},
                            headers=HX, follow_redirects=True)
        assert _text(added).startswith('<section id="agenda"') and title in _text(added)
    hiring = AgendaItem.get(AgendaItem.title == "Hiring")
    moved = client.post("/meetings/agenda/%d/move" % hiring.id, data={"direction": "up"}, headers=HX,
                        follow_redirects=True)
    assert _text(moved).index("Hiring") < _text(moved).index("Budget")
    refused = client.post("/meetings/%d/agenda" % meeting.id, headers=HX,
                          data={"title": "Phish", "section": "other", "link": "//evil.example/login"})
    assert "A link starts with http://, https:// or /." in _text(refused)
    assert not AgendaItem.select().where(AgendaItem.title == "Phish").exists()


def test_each_agenda_item_names_itself_escaped_in_controls_leading_to_its_own_routes(client, weekly, coordinator):
    series, meeting = weekly
    item = meeting.add_agenda_item(coordinator, "other", "R&D <b>pay</b>")
    client.login(coordinator)
    for page in (_text(client.get("/meetings/%d/agenda" % meeting.id, headers=HX)),
                 _text(client.get("/meetings/agenda/%d" % item.id, headers=HX))):
        assert all('action="/meetings/agenda/%d/%s"' % (item.id, route) in page
                   for route in ("move", "remove", "notes"))
        assert 'aria-label="Move “R&amp;D &lt;b&gt;pay&lt;/b&gt;” down"' in page and "<b>pay" not in page
        assert 'aria-label="Remove “R&amp;D &lt;b&gt;pay&lt;/b&gt;”"' in page and "Take notes" in page


@pytest.mark.parametrize("link", ["/\\evil.example", "/\t/evil.example", "/\n/evil.example", "\\\\evil.example",
                                  "/\\/evil.example/login", "http:evil.example", "/..//evil.example",
                                  "javascript:alert(1)"])
def test_an_agenda_link_a_browser_would_follow_to_another_site_is_refused(client, weekly, coordinator, link):
    series, meeting = weekly
    client.login(coordinator)
    refused = client.post("/meetings/%d/agenda" % meeting.id, headers=HX,
                          data={"title": "Phish", "section": "other", "link": link})
    assert "A link starts with http://, https:// or /." in _text(refused)
    assert not AgendaItem.select().where(AgendaItem.title == "Phish").exists()


@pytest.mark.parametrize("link", ["/projects/3", "/tasks/?x=1#top", "https://example.com/plan", "HTTP://example.com"])
def test_an_agenda_link_to_a_page_here_or_a_web_address_is_kept(client, weekly, coordinator, link):
    series, meeting = weekly
    client.login(coordinator)
    client.post("/meetings/%d/agenda" % meeting.id, headers=HX,
                data={"title": "Plan", "section": "other", "link": link})
    assert AgendaItem.get(AgendaItem.title == "Plan").link == link
