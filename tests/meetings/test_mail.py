"""The minutes mail against a real SMTP server: recipients, languages, the .ics invitation, SMTP
down then up, a worker killed mid-batch, a refused address, and a double close."""
import datetime
from email.header import decode_header, make_header

import pytest
from icalendar import Calendar

from portal.db import utcnow
from portal.mail import OutboxMessage, deliver_due
from portal.meetings.models import Meeting


@pytest.fixture
def app_config(smtp_port):
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_port, "MAIL_TIMEOUT": 5}


@pytest.fixture
def smtp(smtp_port, smtp_server_on):
    return smtp_server_on(smtp_port)


def _subject(message):
    return str(make_header(decode_header(message["Subject"])))


def _part(message, content_type):
    part = next(p for p in message.walk() if p.get_content_type() == content_type)
    return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")


def _held_in_berlin(plan_series, sales, coordinator, attendee):
    series, meeting = plan_series(departments=[sales], day=datetime.date(2026, 10, 20), timezone="Europe/Berlin",
                                  now=datetime.datetime(2026, 10, 1), title="对齐周会")
    meeting.record_decision(coordinator, "Launch in **May**")
    topic = meeting.add_agenda_item(coordinator, "other", "Trade fair")
    topic.write_notes(coordinator, "- Booth *B12* booked\n- Budget [sheet](https://example.com/sheet)", version=0)
    meeting.record_attendance(coordinator, {attendee.id: "present"})
    meeting.assign_action(coordinator, "Book the hall", attendee, datetime.date(2026, 10, 23), confirmed=True)
    meeting.assign_action(coordinator, "Print flyers", attendee, datetime.date(2026, 10, 22), confirmed=True)
    meeting.assign_action(coordinator, "Tell the press", coordinator, datetime.date(2026, 10, 26), confirmed=True)
    return series, meeting


def test_each_recipient_gets_the_minutes_in_their_language_with_an_invitation_to_the_next_meeting(
        smtp, plan_series, sales, coordinator, attendee, colleague):
    series, meeting = _held_in_berlin(plan_series, sales, coordinator, attendee)
    meeting.close(coordinator, [attendee, colleague], now=datetime.datetime(2026, 10, 20, 9, 0), confirmed=True)
    received = {m["To"]: m for m in smtp.messages}
    assert set(received) == {attendee.email, colleague.email}

    chinese, english = received[attendee.email], received[colleague.email]
    assert _subject(chinese) == "会议纪要：对齐周会（2026年10月20日）"
    assert _subject(english) == "Minutes: 对齐周会, Oct 20, 2026"
    zh_text, en_text, en_html = _part(chinese, "text/plain"), _part(english, "text/plain"), _part(english, "text/html")
    assert "决议" in zh_text and "行动项" in zh_text
    assert "Li Na：\r\n  - Print flyers（2026年10月22日 截止）" in zh_text, "Chinese punctuation in Chinese mail"
    assert "德国（柏林）时间" in zh_text and "Germany (Berlin) Time" in en_text, "zones by name, not Europe/Berlin"
    assert "Decisions" in en_text and "Launch in May" in en_text and "<strong>May</strong>" in en_html
    assert "*" not in en_text, "no Markdown marks in the text part"
    assert en_text.index("== Decisions ==") < en_text.index("== Action items ==") < en_text.index("== Notes ==")
    lines = en_text.replace("\r\n", "\n")
    assert "Trade fair\n  - Booth B12 booked\n  - Budget sheet (https://example.com/sheet)" in lines
    assert "- Li Na: Present" in en_text and "- Chen Chen: not recorded" in en_text
    assert "- Li Na：出席" in zh_text and "Booth <em>B12</em> booked" in en_html and "Attendance" in en_html
    assert english["Auto-Submitted"] == "auto-generated"
    assert str(make_header(decode_header(english["From"]))) == "对齐 Duiqi <noreply@localhost>"
    owners = en_text.split("== Action items ==")[1]
    assert owners.index("Cora Coordinator:") < owners.index("Li Na:") < owners.index("Print flyers") < owners.index(
        "Book the hall"), "grouped by owner, each owner's items by due date"
    assert "(due Oct 22, 2026)" in en_text
    assert "https://portal.example.test/meetings/%d" % meeting.id in en_text

    attachment = next(p for p in english.walk() if p.get_filename() == "meeting.ics")
    assert attachment.get_content_type() == "text/calendar" and attachment.get_param("method") == "REQUEST"
    calendar = Calendar.from_ical(attachment.get_payload(decode=True))
    assert str(calendar["method"]) == "REQUEST"
    event = calendar.events[0]
    following = meeting.following()
    assert str(event["uid"]) == "duiqi-meeting-%d@portal.example.test" % following.id
    assert event["dtstart"].params["TZID"] == "Europe/Berlin"
    assert event.DTSTART.replace(tzinfo=None) == datetime.datetime(2026, 10, 27, 10, 0), "10:00 local, now CET"
    assert event.DTSTART.utcoffset() == datetime.timedelta(hours=1)
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Berlin"]
    assert int(event["sequence"]) == 0 and str(event["summary"]) == "对齐周会"
    assert str(event["attendee"]) == "mailto:%s" % colleague.email and "DTSTAMP" in event


def test_the_invitation_uid_stays_the_same_when_the_next_meeting_moves(smtp, plan_series, sales, coordinator,
                                                                       attendee):
    from portal.meetings.invitation import invitation

    series, meeting = _held_in_berlin(plan_series, sales, coordinator, attendee)
    following = series.ensure_next_meeting(after=meeting.starts_at, now=datetime.datetime(2026, 10, 1))
    before = Calendar.from_ical(invitation(following, attendee, utcnow())).events[0]
    following.reschedule(following.starts_at + datetime.timedelta(hours=2), 60)
    after = Calendar.from_ical(invitation(following, attendee, utcnow())).events[0]
    assert str(before["uid"]) == str(after["uid"])
    assert (int(before["sequence"]), int(after["sequence"])) == (0, 1)


def test_a_refused_address_fails_alone_and_the_others_get_their_minutes(smtp, weekly, coordinator, make_user,
                                                                          sales, attendee):
    bounce = make_user(department=sales, email="bounce@example.com", name="Bo Bounce")
    series, meeting = weekly
    meeting.close(coordinator, [attendee, bounce, coordinator], confirmed=True)
    assert sorted(m["To"] for m in smtp.messages) == sorted([attendee.email, coordinator.email])
    failed = OutboxMessage.get(OutboxMessage.to_address == bounce.email)
    assert failed.state == "failed" and "no such user" in failed.last_error
    assert {m.recipient.name: m.state for m in meeting.delivery()} == {
        "Bo Bounce": "failed", "Cora Coordinator": "sent", "Li Na": "sent"}


def test_with_smtp_down_closing_succeeds_and_everyone_gets_the_minutes_once_when_it_returns(
        smtp_port, smtp_server_on, weekly, coordinator, attendee, colleague):
    series, meeting = weekly
    meeting.close(coordinator, [attendee, colleague, coordinator], confirmed=True)
    assert Meeting.get_by_id(meeting.id).state == "closed"
    assert {m.state for m in OutboxMessage.select()} == {"queued"}
    server = smtp_server_on(smtp_port)
    for hours in (2, 3, 4):
        deliver_due(now=utcnow() + datetime.timedelta(hours=hours))
    assert sorted(m["To"] for m in server.messages) == sorted([attendee.email, colleague.email, coordinator.email])


def test_a_worker_killed_mid_batch_leaves_no_duplicates_after_the_restart(
        smtp_port, smtp_server_on, weekly, coordinator, attendee, colleague):
    series, meeting = weekly
    meeting.close(coordinator, [attendee, colleague, coordinator], confirmed=True)  # SMTP down: all queued
    server = smtp_server_on(smtp_port)
    first = OutboxMessage.select().order_by(OutboxMessage.id).first()
    # The killed worker had claimed the first message and died before sending it.
    killed_at = utcnow() + datetime.timedelta(minutes=5)
    OutboxMessage.update(state="sending", claimed_at=killed_at).where(OutboxMessage.id == first.id).execute()
    deliver_due(now=killed_at + datetime.timedelta(minutes=1))
    assert len(server.messages) == 2, "the claimed message waits: its worker might still be sending"
    deliver_due(now=killed_at + datetime.timedelta(minutes=11))
    deliver_due(now=killed_at + datetime.timedelta(minutes=30))
    assert sorted(m["To"] for m in server.messages) == sorted([attendee.email, colleague.email, coordinator.email])
    assert len({m["Message-ID"] for m in server.messages}) == 3


def test_a_double_click_on_close_sends_one_mail_per_recipient(smtp, client, weekly, coordinator, attendee,
                                                               colleague):
    series, meeting = weekly
    client.login(coordinator)
    form = {"recipients": [str(attendee.id), str(colleague.id)], "confirm": "yes"}
    client.post("/meetings/%d/close" % meeting.id, data=form)
    client.post("/meetings/%d/close" % meeting.id, data=form)
    assert sorted(m["To"] for m in smtp.messages) == sorted([attendee.email, colleague.email])
