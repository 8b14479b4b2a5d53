"""The weekly digest over a simulated week: once per person, at nine their time, in their language."""
import datetime

import pytest
import time_machine

from portal.db import utcnow
from portal.mail import OutboxMessage
from portal import digest
from portal.digest import Digest
from portal.notifications.models import notify


def _run_week(start, days=7, step_minutes=15):
    """Call the digest job as the worker would, every 15 minutes; return {email: sent_at}."""
    sent = {}
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(days * 24 * 60 // step_minutes):
            before = set(OutboxMessage.select(OutboxMessage.id).where(OutboxMessage.template == "digest"))
            digest.send_due()
            for message in OutboxMessage.select().where(OutboxMessage.template == "digest"):
                if message not in before:
                    sent.setdefault(message.to_address, []).append(utcnow())
            clock.shift(datetime.timedelta(minutes=step_minutes))
    return sent


def test_each_person_gets_one_digest_at_nine_on_the_first_working_day_in_their_time_zone(make_user):
    shanghai = make_user(timezone="Asia/Shanghai", language="zh_CN")
    berlin = make_user(timezone="Europe/Berlin", language="en")
    quiet = make_user(timezone="Asia/Shanghai")
    for person in (shanghai, berlin):
        notify(person, "task.changed", actor="A", title="T", change="P2 → P1")
    # The week of 5 October 2026: Monday to Wednesday are National Day holidays in China.
    # Start at Monday 00:00 in Berlin (06:00 in Shanghai), last week's digests long done.
    sent = _run_week(datetime.datetime(2026, 10, 4, 22, 0))
    assert sent[shanghai.email] == [datetime.datetime(2026, 10, 8, 1, 0)], "Thursday 09:00 in Shanghai"
    assert sent[berlin.email] == [datetime.datetime(2026, 10, 8, 7, 0)], "Thursday 09:00 in Berlin (CEST)"
    assert quiet.email not in sent, "nothing to say: no digest"
    assert Digest.select().where(Digest.user == quiet).count() == 1, "but the week is recorded as done"


def test_a_digest_that_was_missed_at_nine_goes_out_later_that_day_once(make_user):
    person = make_user(timezone="Asia/Shanghai")
    notify(person, "task.changed", actor="A", title="T", change="due date")
    # The worker was down from Sunday until Monday 15:00 Shanghai time.
    sent = _run_week(datetime.datetime(2026, 11, 30, 7, 0), days=2)
    assert sent[person.email] == [datetime.datetime(2026, 11, 30, 7, 0)]


def test_a_digest_missed_all_monday_waits_for_the_morning_instead_of_going_out_at_night(make_user):
    person = make_user(timezone="Asia/Shanghai")
    notify(person, "task.changed", actor="A", title="T", change="due date")
    # The worker comes back on Monday 30 November at 22:00 Shanghai time, in the quiet hours.
    sent = _run_week(datetime.datetime(2026, 11, 30, 14, 0), days=1)
    assert sent[person.email] == [datetime.datetime(2026, 12, 1, 0, 0)], "Tuesday 08:00, when quiet hours end"


def test_a_rerun_or_a_second_worker_sends_no_second_digest(make_user):
    person = make_user(timezone="Asia/Shanghai")
    notify(person, "task.changed", actor="A", title="T", change="due date")
    with time_machine.travel(datetime.datetime(2026, 11, 30, 2, 0), tick=False):
        assert digest.send_due() == 1
        assert digest.send_due() == 0
    assert OutboxMessage.select().where(OutboxMessage.template == "digest").count() == 1


def test_news_already_sent_in_a_digest_is_not_repeated_the_next_week(make_user):
    person = make_user(timezone="Asia/Shanghai")
    notify(person, "task.changed", actor="A", title="First", change="due date")
    with time_machine.travel(datetime.datetime(2026, 11, 30, 2, 0), tick=False):
        digest.send_due()
    with time_machine.travel(datetime.datetime(2026, 12, 7, 2, 0), tick=False):
        assert digest.send_due() == 0


@pytest.fixture
def app_config(smtp_port):
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_port}


def test_the_smtp_server_receives_the_digest_in_each_language(smtp_port, smtp_server_on, make_user):
    server = smtp_server_on(smtp_port)
    chinese = make_user(timezone="Asia/Shanghai", language="zh_CN")
    english = make_user(timezone="Asia/Shanghai", language="en")
    for person in (chinese, english):
        notify(person, "task.changed", actor="王芳", title="季度报价", change="P2 → P1")
    with time_machine.travel(datetime.datetime(2026, 11, 30, 2, 0), tick=False):
        digest.send_due()
    received = {m["To"]: m for m in server.messages}
    assert set(received) == {chinese.email, english.email}
    zh_body, en_body = (_plain_text(received[person.email]) for person in (chinese, english))
    assert "以下是您本周的概况" in zh_body and "王芳 修改了“季度报价”：P2 → P1" in zh_body
    assert "here is your week" in en_body and "王芳 changed 季度报价: P2 → P1" in en_body
    assert "/notifications/preferences" in en_body


def _plain_text(message):
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode(part.get_content_charset())
