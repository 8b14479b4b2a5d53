"""In-app notifications and each person's choice of where each kind of event reaches them.

A core module: it names no area. Its rows point at a person through a deferred foreign key,
resolved when the application assembles its models (portal.all_models), and at what they are about
by type and id: whoever may no longer see that (a task moved into a project closed to them) is
neither told of it nor shown what they were told before (the view rule in portal.permissions).
"""
import collections
import datetime
import functools
import json

from flask_babel import gettext, lazy_gettext as _l
from peewee import CharField, DateTimeField, DeferredForeignKey, IntegerField, IntegrityError, TextField

from portal import jobs, mail
from portal.audit import AuditEntry
from portal.db import BaseModel, Invalid, db, lock, model_named, utcnow
from portal.notifications.events import CHANNELS, EVENTS
from portal.permissions import can

ARCHIVE_AFTER = datetime.timedelta(days=30)


class Notification(BaseModel):
    user = DeferredForeignKey("User", backref="notifications", on_delete="CASCADE")
    event = CharField(max_length=40)
    level = CharField(max_length=10)
    channel = CharField(max_length=10)
    params = TextField(default="{}")
    link = CharField(max_length=500, default="")
    # What it is about ("Task", 12): checked against the reader's view rule each time it is shown.
    subject_type = CharField(max_length=40, default="")
    subject_id = IntegerField(null=True)
    # A reminder's idempotency key: two workers, or a retried job, insert it once only.
    key = CharField(max_length=200, null=True, unique=True)
    created_at = DateTimeField(default=utcnow)
    read_at = DateTimeField(null=True)
    archived_at = DateTimeField(null=True)
    digested_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("user", "read_at"), False),)

    @property
    def text(self):
        """The message in the reader's language (whatever it was when this was sent)."""
        try:
            return gettext(EVENTS[self.event].message, **json.loads(self.params))
        except (KeyError, ValueError):
            return self.event

    @functools.cached_property
    def subject(self):
        """What this is about, None when it says nothing about anything, or False when that is gone."""
        if not self.subject_type:
            return None
        model = model_named(self.subject_type)
        return (model.get_or_none(model.id == self.subject_id) if model else None) or False

    @classmethod
    def shown_to(cls, user, notifications):
        """Those of `notifications` the view rule lets `user` read now, their subjects loaded in one
        query per kind; the unread ones hidden from them are marked read, so the bell stops counting them."""
        notifications = list(notifications)
        wanted = collections.defaultdict(set)
        for notification in notifications:
            if notification.subject_type:
                wanted[notification.subject_type].add(notification.subject_id)
        found = {}
        for name, ids in wanted.items():
            model = model_named(name)
            if model is not None:
                found.update(((name, row.id), row) for row in model.select().where(model.id.in_(list(ids))))
        for notification in notifications:
            if notification.subject_type:
                notification.subject = found.get((notification.subject_type, notification.subject_id), False)
        shown = [n for n in notifications if can(user, "view", n)]
        hidden = [n.id for n in notifications if n not in shown and n.read_at is None]
        if hidden:
            cls.update(read_at=utcnow()).where(cls.id.in_(hidden)).execute()
        return shown

    @classmethod
    def unread(cls, user):
        return cls.select().where((cls.user == user) & cls.read_at.is_null())

    @classmethod
    def unread_count(cls, user):
        return cls.unread(user).count()

    @classmethod
    def listing(cls, user, level=None, state=None):
        query = cls.select().where(cls.user == user)
        query = query.where(cls.archived_at.is_null(state != "archived"))
        if state == "unread":
            query = query.where(cls.read_at.is_null())
        if level in ("normal", "important", "urgent"):
            query = query.where(cls.level == level)
        return query.order_by(cls.id.desc())

    @classmethod
    def mark_read(cls, user, notification_id=None):
        """Mark one (or, without an id, every) unread notification of this user as read."""
        query = cls.update(read_at=utcnow()).where((cls.user == user) & cls.read_at.is_null())
        if notification_id is not None:
            query = query.where(cls.id == notification_id)
        return query.execute()

    @classmethod
    def archive_old(cls, now=None):
        cutoff = (now or utcnow()) - ARCHIVE_AFTER
        return (cls.update(archived_at=now or utcnow())
                .where(cls.archived_at.is_null() & (cls.read_at < cutoff)).execute())


class Preference(BaseModel):
    user = DeferredForeignKey("User", backref="preferences", on_delete="CASCADE")
    event = CharField(max_length=40)
    channel = CharField(max_length=10)

    class Meta:
        indexes = ((("user", "event"), True),)

    @classmethod
    def channels_for(cls, user):
        """{event: channel} for every event: the user's choice, else the event's default."""
        chosen = {p.event: p.channel for p in cls.select().where(cls.user == user)}
        return {event: chosen.get(event, spec.channel) for event, spec in EVENTS.items()}

    @classmethod
    def save_for(cls, user, channels):
        if set(channels) - set(EVENTS) or set(channels.values()) - set(CHANNELS):
            raise Invalid(_l("Choose one of the offered channels for each event."))
        with db.atomic():
            lock("preferences:%d" % user.id)  # two saves at once: one after the other, not a mix
            before = cls.channels_for(user)
            cls.delete().where(cls.user == user).execute()
            rows = [{"user": user, "event": e, "channel": c} for e, c in channels.items()
                    if c != EVENTS[e].channel]
            if rows:
                cls.insert_many(rows).execute()
            changes = {e: [before[e], c] for e, c in channels.items() if before[e] != c}
            if changes:
                AuditEntry.record(user, "notifications.preferences", user, changes)
        return changes


def notify(user, event, link="", key=None, subject=None, **params):
    """Tell `user` about `event` concerning `subject` (a row): in the portal always, and by mail now
    if they chose so; nothing when they may not see the subject.

    Call it inside the transaction of the change. With a `key`, a second call with the same
    key does nothing and returns None (how reminders stay single under retries and two workers).
    """
    spec = EVENTS[event]
    if user is None or not user.active or (subject is not None and not can(user, "view", subject)):
        return None
    channel = Preference.channels_for(user)[event]
    values = {"user": user, "event": event, "level": spec.level, "channel": channel, "link": link,
              "subject_type": type(subject).__name__ if subject is not None else "",
              "subject_id": subject.id if subject is not None else None,
              "params": json.dumps({k: str(v) for k, v in params.items()}, ensure_ascii=False)}
    if key is not None and Notification.select().where(Notification.key == key).exists():
        return None
    try:
        with db.atomic():
            notification = Notification.create(key=key, **values)
    except IntegrityError:  # another worker inserted the same key in between
        return None
    if channel == "email" and user.email:
        mail.queue("notification", user, ref="notification:%d" % notification.id, notification=notification,
                   preferences=mail.absolute_url("notifications.preferences"))
    return notification


@jobs.periodic_task(jobs.crontab(minute="7", hour="3"))
def archive_read_notifications():
    Notification.archive_old()
