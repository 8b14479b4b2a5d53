"""The outbox of robot messages: delayed, never lost, never sent twice, paced per channel."""
import datetime
import threading

import time_machine

from portal import robots
from portal.db import db, utcnow
from portal.robots import RobotMessage
from portal.robots.delivery import STALE_SECONDS, deliver_due
from tests.robots.conftest import Receiver


def note(n=1):
    return robots.Message(title="Note %d" % n, blocks=[robots.Block("", ["line"])])


def test_a_receiver_down_then_back_gets_the_message_exactly_once(app, make_channel):
    receiver = Receiver("dingtalk", secret="SECabc")  # not started: its port refuses connections
    channel = make_channel(receiver)
    [row] = robots.queue(channel, "task.priority", note())
    row = RobotMessage.get_by_id(row.id)
    assert (row.state, row.reason, row.attempts) == ("queued", "unreachable", 1)
    receiver.start()
    try:
        assert deliver_due() == 0  # its back-off has not passed yet
        with time_machine.travel(row.next_attempt_at + datetime.timedelta(seconds=1), tick=False):
            assert deliver_due() == 1
            assert deliver_due() == 0
        with time_machine.travel(row.next_attempt_at + datetime.timedelta(hours=3), tick=False):
            assert deliver_due() == 0
    finally:
        receiver.stop()
    assert len(receiver.accepted) == 1
    assert RobotMessage.get_by_id(row.id).state == "sent"


def test_twenty_five_messages_go_twenty_in_the_first_minute_and_the_rest_after(receivers, make_channel):
    receiver = receivers("wecom")
    channel = make_channel(receiver)
    start = datetime.datetime(2026, 6, 1, 2, 0, 0)
    with time_machine.travel(start, tick=False):
        with db.atomic():
            for n in range(25):
                robots.queue(channel, "task.priority", note(n))
        deliver_due()
        assert len(receiver.accepted) == 20
        waiting = RobotMessage.select().where(RobotMessage.state == "queued")
        assert waiting.count() == 5 and all(row.attempts == 0 for row in waiting)
    with time_machine.travel(start + datetime.timedelta(seconds=59), tick=False):
        assert deliver_due() == 0
    with time_machine.travel(start + datetime.timedelta(seconds=61), tick=False):
        assert deliver_due() == 5
    titles = [body["markdown"]["content"].split("\n")[0] for body in receiver.accepted]
    assert titles == ["**Note %d**" % n for n in range(25)]  # in the order they were queued


def test_a_claim_left_by_a_dead_worker_is_taken_back_and_sent(receivers, make_channel):
    receiver = receivers("feishu")
    channel = make_channel(receiver)
    with time_machine.travel(datetime.datetime(2026, 6, 1, 2, 0), tick=False):
        with db.atomic():
            [row] = robots.queue(channel, "task.priority", note())
            # A worker claimed it, then died before sending.
            RobotMessage.update(state="sending", claimed_at=utcnow(), attempts=1).where(
                RobotMessage.id == row.id).execute()
        assert deliver_due() == 0
    later = datetime.datetime(2026, 6, 1, 2, 0) + datetime.timedelta(seconds=STALE_SECONDS + 1)
    with time_machine.travel(later, tick=False):
        assert deliver_due() == 1
    assert len(receiver.accepted) == 1


def test_two_workers_at_once_send_each_message_once(app, receivers, make_channel):
    receiver = receivers("webhook", secret="s3cret")
    channel = make_channel(receiver)
    with db.atomic():
        for n in range(12):
            robots.queue(channel, "task.priority", note(n))
    # The rows went out at commit (immediate jobs); queue them again for two racing workers.
    receiver.requests.clear()
    RobotMessage.update(state="queued", claimed_at=None, sent_at=None).execute()
    barrier = threading.Barrier(2)
    errors = []

    def worker():
        try:
            with app.app_context(), db.connection_context():
                barrier.wait()
                deliver_due(now=utcnow() + datetime.timedelta(minutes=5))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    deliveries = [body["delivery"] for body in receiver.accepted]
    assert len(deliveries) == 12 and len(set(deliveries)) == 12


def test_an_inactive_channel_keeps_its_messages_waiting(receivers, make_channel):
    receiver = receivers("wecom")
    channel = make_channel(receiver)
    channel.update_settings(None, name=channel.name, language="en", events=channel.event_set, active=False)
    robots.queue(channel, "task.priority", note())
    assert receiver.requests == []
    assert RobotMessage.select().where(RobotMessage.state == "queued").count() == 1
