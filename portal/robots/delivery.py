"""Delivery of queued robot messages: claimed once, sent, retried with back-off, paced per channel.

The platforms allow a robot about 20 messages a minute; a channel's twenty-first message of
a minute is not dropped but waits (its next_attempt_at moves) until the minute has passed.
A message is claimed with a conditional UPDATE, so two workers never send it both; a claim
left by a worker that died is taken back after STALE_SECONDS and the message sent again.
"""
import datetime

from flask import current_app
from peewee import fn

from portal import jobs
from portal.db import db, utcnow
from portal.robots import transport
from portal.robots.models import Channel, RobotMessage
from portal.robots.platforms import TEMPORARY, outcome, signed_request

MAX_ATTEMPTS = 20
PER_MINUTE = 20
WINDOW = datetime.timedelta(minutes=1)
# Far above transport.TIMEOUT: a claim this old belongs to a worker that died mid-send.
STALE_SECONDS = 120


def deliver_due(now=None, batch=100):
    """Send what is due; return how many were delivered. Safe in several workers at once."""
    now = now or utcnow()
    (RobotMessage.update(state="queued")
     .where((RobotMessage.state == "sending")
            & (RobotMessage.claimed_at < now - datetime.timedelta(seconds=STALE_SECONDS)))
     .execute())
    due = (RobotMessage.select(RobotMessage.id, RobotMessage.channel).join(Channel)
           .where((RobotMessage.state == "queued") & (RobotMessage.next_attempt_at <= now) & Channel.active)
           .order_by(RobotMessage.id).limit(batch))
    delivered, held = 0, set()
    for row in list(due):
        if row.channel_id in held:
            continue  # an earlier message of this channel waits: keep the channel's order
        message = send(row.id, now)
        if message is None or message.state != "sent":
            held.add(row.channel_id)
        else:
            delivered += 1
    return delivered


def send(message_id, now=None):
    """Claim and send one message now; the message as it then stands, or None if another
    worker has it or the channel has had its twenty messages this minute (it then waits)."""
    now = now or utcnow()
    message = _claim(message_id, now)
    if message is None:
        return None
    channel = message.channel
    url, body, headers = signed_request(channel.kind, channel.url, message.body, channel.secret, message.event,
                                        message.delivery)
    try:
        answer = transport.post(url, body, headers, current_app.config["WEBHOOK_ALLOW_NETWORKS"])
    except transport.Refused as refused:
        _record(message, refused.reason, "", temporary=refused.reason in TEMPORARY)
    else:
        result = outcome(channel.kind, answer)
        excerpt = answer.body[:2000].decode("utf-8", "replace")
        if result.delivered:
            (RobotMessage.update(state="sent", sent_at=utcnow(), reason="", answer=excerpt[:500])
             .where((RobotMessage.id == message.id) & (RobotMessage.state == "sending")).execute())
        else:
            _record(message, result.reason, excerpt, result.temporary, result.wait_minutes)
    return RobotMessage.get_by_id(message.id)


@jobs.task()
def deliver_robot_messages():
    deliver_due()


@jobs.periodic_task(jobs.crontab(minute="*"))
def deliver_robot_messages_periodically():
    deliver_due()


def _claim(message_id, now):
    with db.atomic():
        message = RobotMessage.get_or_none((RobotMessage.id == message_id) & (RobotMessage.state == "queued"))
        if message is None:
            return None
        # Touching the channel first makes it the lock that orders claims of its messages.
        Channel.update(last_attempt_at=now).where(Channel.id == message.channel_id).execute()
        recent = (RobotMessage.select(fn.COUNT(RobotMessage.id), fn.MIN(RobotMessage.claimed_at))
                  .where((RobotMessage.channel == message.channel_id) & (RobotMessage.claimed_at > now - WINDOW))
                  .scalar(as_tuple=True))
        if recent[0] >= PER_MINUTE:
            _postpone(message, _as_datetime(recent[1]) + WINDOW)
            return None
        claimed = (RobotMessage.update(state="sending", claimed_at=now, attempts=RobotMessage.attempts + 1)
                   .where((RobotMessage.id == message_id) & (RobotMessage.state == "queued")).execute())
    return RobotMessage.get_by_id(message_id) if claimed else None


def _record(message, reason, excerpt, temporary, wait_minutes=0):
    give_up = not temporary or message.attempts >= MAX_ATTEMPTS
    delay = datetime.timedelta(minutes=max(wait_minutes, min(2 ** message.attempts, 60)))
    retry_at = utcnow() + delay
    (RobotMessage.update(state="failed" if give_up else "queued", reason=reason, answer=excerpt[:500],
                         next_attempt_at=retry_at)
     .where((RobotMessage.id == message.id) & (RobotMessage.state == "sending")).execute())
    if not give_up:
        _postpone(message, retry_at)


def _postpone(message, until):
    """This message, and the channel's later ones, wait until `until`, keeping their order."""
    (RobotMessage.update(next_attempt_at=until)
     .where((RobotMessage.channel == message.channel_id) & (RobotMessage.state == "queued")
            & (RobotMessage.id >= message.id) & (RobotMessage.next_attempt_at < until))
     .execute())


def _as_datetime(value):
    # SQLite hands an aggregate of a datetime column back as text.
    if isinstance(value, str):
        return datetime.datetime.fromisoformat(value)
    return value
