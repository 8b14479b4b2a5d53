"""The outbox against a real SMTP server: delivered once, delayed when down, never lost."""
import datetime

import pytest

from portal import mail
from portal.db import utcnow
from portal.mail import OutboxMessage, deliver_due


@pytest.fixture
def app_config(smtp_port):
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_port, "MAIL_TIMEOUT": 5}


@pytest.fixture
def smtp(smtp_port, smtp_server_on):
    return smtp_server_on(smtp_port)


def _queue(user):
    return mail.queue("set_password", user, link="https://portal.example.test/x", user=user, invited_by=None)


def test_a_queued_mail_reaches_the_smtp_server_once_with_its_outbox_id(smtp, member):
    message = _queue(member)
    assert [m["To"] for m in smtp.messages] == [member.email]
    assert smtp.messages[0]["Message-ID"] == "<duiqi-outbox-%d@portal.example.test>" % message.id
    assert OutboxMessage.get_by_id(message.id).state == "sent"
    deliver_due(now=utcnow() + datetime.timedelta(hours=1))
    assert len(smtp.messages) == 1


def test_with_smtp_down_mail_waits_and_goes_out_once_when_it_returns(smtp_port, smtp_server_on, make_user):
    users = [make_user() for _ in range(3)]
    for user in users:
        _queue(user)
    waiting = list(OutboxMessage.select())
    assert {m.state for m in waiting} == {"queued"}
    assert any("Connection refused" in m.last_error or "Errno" in m.last_error for m in waiting)
    server = smtp_server_on(smtp_port)
    deliver_due(now=utcnow() + datetime.timedelta(hours=2))
    deliver_due(now=utcnow() + datetime.timedelta(hours=3))
    assert sorted(m["To"] for m in server.messages) == sorted(u.email for u in users)
    assert {m.state for m in OutboxMessage.select()} == {"sent"}


def test_a_refused_recipient_fails_with_its_reason_and_the_others_still_go(smtp, make_user):
    bounce = make_user(email="bounce@example.com")
    fine = make_user()
    _queue(bounce)
    _queue(fine)
    failed = OutboxMessage.get(OutboxMessage.to_address == bounce.email)
    assert failed.state == "failed" and "no such user" in failed.last_error
    assert [m["To"] for m in smtp.messages] == [fine.email]


def test_a_message_left_sending_by_a_crashed_worker_is_sent_again_later(smtp, member):
    message = _queue(member)
    OutboxMessage.update(state="sending", claimed_at=utcnow()).where(OutboxMessage.id == message.id).execute()
    smtp.messages.clear()
    deliver_due()
    assert smtp.messages == [], "a fresh claim belongs to a worker that may still be sending"
    deliver_due(now=utcnow() + datetime.timedelta(minutes=11))
    assert len(smtp.messages) == 1
    assert smtp.messages[0]["Message-ID"] == "<duiqi-outbox-%d@portal.example.test>" % message.id
