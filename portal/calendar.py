"""The company calendar: public holidays and make-up working days of the chosen country, the
company's own closed days, quiet hours, and time counted in working days."""
import datetime
import functools
import zoneinfo

import holidays
from flask_babel import lazy_gettext as _l
from peewee import CharField, DateField, IntegerField

from portal.audit import AuditEntry, apply_changes
from portal.db import BaseModel, Invalid, db, lock


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


@functools.lru_cache(maxsize=32)
def _public_calendar(country, year):
    return holidays.country_holidays(country, years=year)


SUPPORTED_COUNTRIES = sorted(holidays.list_supported_countries())
