"""In-app notifications, each person's channel choices, digests sent, and the company calendar."""
import datetime
import functools
import json
import zoneinfo

import holidays
from flask_babel import gettext, lazy_gettext as _l
from peewee import (BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField,
                    IntegrityError, TextField)

from portal import mail
from portal.accounts.models import User
from portal.audit import AuditEntry, apply_changes
from portal.db import BaseModel, Invalid, db, lock, utcnow
from portal.notifications.events import CHANNELS, EVENTS

ARCHIVE_AFTER = datetime.timedelta(days=30)


class Notification(BaseModel):
    user = ForeignKeyField(User, backref="notifications", on_delete="CASCADE")
    event = CharField(max_length=40)
    level = CharField(max_length=10)
    channel = CharField(max_length=10)
    params = TextField(default="{}")
    link = CharField(max_length=500, default="")
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

    @classmethod
    def unread_count(cls, user):
        return cls.select().where((cls.user == user) & cls.read_at.is_null()).count()

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
    user = ForeignKeyField(User, backref="preferences", on_delete="CASCADE")
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


def notify(user, event, link="", key=None, **params):
    """Tell `user` about `event`: in the portal always, and by mail now if they chose so.

    Call it inside the transaction of the change. With a `key`, a second call with the same
    key does nothing and returns None (how reminders stay single under retries and two workers).
    """
    spec = EVENTS[event]
    if user is None or not user.active:
        return None
    channel = Preference.channels_for(user)[event]
    values = {"user": user, "event": event, "level": spec.level, "channel": channel, "link": link,
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


class CompanyCalendar(BaseModel):
    """The one row of company-wide timing rules, set by an admin."""

    country = CharField(max_length=2, default="CN")
    quiet_start = IntegerField(default=21)
    quiet_end = IntegerField(default=8)
    digest_hour = IntegerField(default=9)
    stale_checkin_days = IntegerField(default=14)

    @classmethod
    def current(cls):
        return cls.get_or_none() or cls(country="CN")

    def update_settings(self, by, **values):
        with db.atomic():
            if self.id is not None:
                self.refresh()
            changes = apply_changes(self, **values)
            if changes:
                self.save()
                AuditEntry.record(by, "calendar.update", self, changes)
        return changes

    def closed_days(self):
        return {row.day for row in ClosedDay.select(ClosedDay.day)}

    def is_working_day(self, day, closed=None):
        closed = self.closed_days() if closed is None else closed
        return day not in closed and _public_calendar(self.country, day.year).is_working_day(day)

    def holiday_name(self, day):
        return _public_calendar(self.country, day.year).get(day)

    def first_working_day_of_week(self, day, closed=None):
        """The first working day of the ISO week holding `day` (a make-up Sunday counts)."""
        closed = self.closed_days() if closed is None else closed
        monday = day - datetime.timedelta(days=day.weekday())
        for offset in range(7):
            candidate = monday + datetime.timedelta(days=offset)
            if self.is_working_day(candidate, closed):
                return candidate
        return None

    def is_quiet(self, local_time):
        """True in the night hours, when nobody is reminded of anything."""
        hour = local_time.hour
        if self.quiet_start > self.quiet_end:
            return hour >= self.quiet_start or hour < self.quiet_end
        return self.quiet_start <= hour < self.quiet_end

    def working_deadline(self, start, hours, timezone):
        """`hours` after `start` (naive UTC), counting only the hours of working days in `timezone`."""
        zone = zoneinfo.ZoneInfo(timezone)
        closed = self.closed_days()
        moment = start.replace(tzinfo=datetime.UTC).astimezone(zone)
        remaining = datetime.timedelta(hours=hours)
        while True:
            midnight = datetime.datetime.combine(moment.date() + datetime.timedelta(days=1), datetime.time(),
                                                 tzinfo=zone)
            if self.is_working_day(moment.date(), closed):
                left_today = midnight - moment
                if remaining <= left_today:
                    return (moment + remaining).astimezone(datetime.UTC).replace(tzinfo=None)
                remaining -= left_today
            moment = midnight


class ClosedDay(BaseModel):
    """A day the company is closed beyond the public holidays (company trip, local holiday)."""

    day = DateField(unique=True)
    label = CharField(max_length=100, default="")

    @classmethod
    def add(cls, by, day, label):
        with db.atomic():
            lock("closed days")
            if cls.select().where(cls.day == day).exists():
                raise Invalid(_l("This day is already closed."), "day")
            closed = cls.create(day=day, label=label)
            AuditEntry.record(by, "calendar.close_day", closed, {"day": [None, day.isoformat()]})
        return closed

    def remove(self, by):
        with db.atomic():
            if self.delete_instance():  # not already opened in another tab
                AuditEntry.record(by, "calendar.open_day", self, {"day": [self.day.isoformat(), None]})


class Digest(BaseModel):
    """One weekly digest per person per week, whether or not there was anything to say."""

    user = ForeignKeyField(User, on_delete="CASCADE")
    week = CharField(max_length=8)
    created_at = DateTimeField(default=utcnow)
    sent = BooleanField(default=False)

    class Meta:
        indexes = ((("user", "week"), True),)


@functools.lru_cache(maxsize=32)
def _public_calendar(country, year):
    return holidays.country_holidays(country, years=year)


SUPPORTED_COUNTRIES = sorted(holidays.list_supported_countries())
