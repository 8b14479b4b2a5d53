"""The notification centre and the company calendar over HTTP."""
import datetime

from portal.calendar import ClosedDay, CompanyCalendar, WorkingDay
from portal.notifications.models import Notification, Preference, notify


def test_the_bell_counts_unread_notifications_on_every_page_and_as_a_fragment(client, member):
    for n in range(3):
        notify(member, "mention", link="/", actor="A", place=str(n))
    client.login(member)
    assert "3 unread notifications" in client.get("/settings").get_data(as_text=True)
    fragment = client.get("/notifications/bell", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.startswith('<a id="bell"') and '<span class="count">3</span>' in fragment


def test_the_list_filters_by_level_and_read_state(client, member):
    notify(member, "mention", actor="Ann", place="the launch")
    urgent = notify(member, "task.overdue", title="Quote", due="yesterday")
    Notification.mark_read(member, urgent.id)
    client.login(member)
    page = client.get("/notifications/?level=urgent").get_data(as_text=True)
    assert "“Quote” was due yesterday and is not done" in page and "Ann mentioned you" not in page
    unread = client.get("/notifications/?state=unread", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert unread.startswith('<div id="notification-list">')
    assert "Ann mentioned you in the launch" in unread and "Quote" not in unread


def test_marking_one_read_with_htmx_returns_the_list_and_refreshes_the_bell(client, member):
    first = notify(member, "mention", actor="A", place="x")
    notify(member, "mention", actor="B", place="y")
    client.login(member)
    response = client.post("/notifications/%d/read" % first.id, headers={"HX-Request": "true"},
                           follow_redirects=True)
    assert response.get_data(as_text=True).startswith('<div id="notification-list">')
    assert "notificationsChanged" in response.headers["HX-Trigger"]
    assert Notification.unread_count(member) == 1


def test_following_a_notification_marks_it_read_and_opens_its_page(client, member):
    item = notify(member, "mention", link="/settings", actor="A", place="x")
    client.login(member)
    response = client.post("/notifications/%d/follow" % item.id)
    assert response.headers["Location"] == "/settings"
    assert Notification.get_by_id(item.id).read_at is not None


def test_someone_elses_notification_is_not_found(client, member, make_user):
    other = make_user()
    theirs = notify(other, "mention", link="/", actor="A", place="secret place")
    client.login(member)
    assert client.post("/notifications/%d/read" % theirs.id).status_code == 404
    assert client.post("/notifications/%d/follow" % theirs.id).status_code == 404
    assert "secret place" not in client.get("/notifications/").get_data(as_text=True)
    assert Notification.get_by_id(theirs.id).read_at is None


def test_mark_all_read(client, member):
    for n in range(4):
        notify(member, "mention", actor="A", place=str(n))
    client.login(member)
    client.post("/notifications/read-all")
    assert Notification.unread_count(member) == 0


def test_preferences_are_saved_and_unknown_channels_refused(client, member):
    client.login(member)
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert "A task is assigned to me" in page
    client.post("/notifications/preferences", data={"task.assigned": "digest", "mention": "email"})
    channels = Preference.channels_for(member)
    assert (channels["task.assigned"], channels["mention"], channels["task.overdue"]) == ("digest", "email", "email")
    refused = client.post("/notifications/preferences", data={"task.assigned": "fax"})
    assert refused.status_code == 200 and "Not a valid choice" in refused.get_data(as_text=True)
    assert Preference.channels_for(member)["task.assigned"] == "digest"


def test_an_admin_closes_a_day_and_sees_the_coming_holidays(client, admin):
    client.login(admin)
    client.post("/admin/calendar/closed-days", data={"day": "2026-12-31", "label": "年会"})
    assert ClosedDay.get().day == datetime.date(2026, 12, 31)
    bad = client.post("/admin/calendar/closed-days", data={"day": "2026-13-40", "label": ""})
    assert "Enter a date as YYYY-MM-DD." in bad.get_data(as_text=True)
    assert 'value="2026-13-40"' in bad.get_data(as_text=True), "what was typed stays"
    settings = client.post("/admin/calendar/", data={"country": "CN", "quiet_start": "22", "quiet_end": "7",
                                                      "digest_hour": "25", "stale_checkin_days": "10",
                                                      "office_hours": "09:00-12:00"})
    assert "Number must be between 0 and 23." in settings.get_data(as_text=True)


def test_an_admin_sets_office_hours_and_a_make_up_working_day(client, admin):
    client.login(admin)
    settings = {"country": "CN", "quiet_start": "21", "quiet_end": "8", "digest_hour": "9",
                "stale_checkin_days": "14", "office_hours": "09:00-12:00, 11:00-18:00"}
    refused = client.post("/admin/calendar/", data=settings)
    assert refused.status_code == 200 and "The periods overlap" in refused.get_data(as_text=True)
    assert 'value="09:00-12:00, 11:00-18:00"' in refused.get_data(as_text=True), "what was typed stays"
    saved = client.post("/admin/calendar/", data=dict(settings, office_hours="9:00-12:00，13:30-18:00"))
    assert saved.status_code == 303
    assert CompanyCalendar.current().office_hours == "09:00-12:00, 13:30-18:00"
    added = client.post("/admin/calendar/working-days", data={"working-day": "2027-01-09", "working-label": "调休"})
    assert added.status_code == 303
    page = client.get("/admin/calendar/").get_data(as_text=True)
    assert "Extra working days (调休上班)" in page and "调休" in page
    working = WorkingDay.get()
    assert client.post("/admin/calendar/working-days/%d/delete" % working.id).status_code == 303
    assert WorkingDay.select().count() == 0


def test_members_may_not_change_the_calendar(client, member, admin):
    closed = ClosedDay.add(admin, datetime.date(2026, 12, 31), "年会")
    client.login(member)
    assert client.get("/admin/calendar/").status_code == 403
    assert client.post("/admin/calendar/closed-days/%d/delete" % closed.id).status_code == 403
    assert ClosedDay.select().count() == 1
