"""The company calendar: public holidays and make-up working days of the chosen country, the
company's own closed and extra working days, office hours, quiet hours, and working time."""
import datetime
import functools
import itertools
import re
import unicodedata
import zoneinfo

import holidays
from holidays.registry import EntityLoader
from flask_babel import lazy_gettext as _l
from peewee import CharField, DateField, IntegerField

from portal.audit import AuditEntry, apply_changes
from portal.db import BaseModel, Invalid, db, lock

DEFAULT_OFFICE_HOURS = "09:00-12:00, 13:00-18:00"
# Far enough for any run of holidays; a calendar an admin closed for longer stops counting there.
SEARCH_DAYS = 1000
_PERIOD = re.compile(r"(\d{1,2}):(\d{2})\s*(?:-|~|到|至)\s*(\d{1,2}):(\d{2})", re.ASCII)
_SEPARATORS = re.compile(r"[\s,;、]+")


def parse_office_hours(text):
    """[(start, end)] minutes after midnight from "09:00-12:00, 13:00-18:00" (full-width signs,
    en dashes, 至 and ～ accepted); Invalid with a translated message otherwise."""
    text = unicodedata.normalize("NFKC", text or "").replace("–", "-").replace("—", "-").strip()
    periods, position = [], 0
    for match in _PERIOD.finditer(text):
        between = text[position:match.start()]
        if _SEPARATORS.sub("", between):
            raise Invalid(_l("“%(piece)s” is not a period like 09:00-12:00.", piece=between.strip(" ,;、")),
                          "office_hours")
        position = match.end()
        start_h, start_m, end_h, end_m = map(int, match.groups())
        if start_h > 23 or end_h > 24 or start_m > 59 or end_m > 59 or (end_h == 24 and end_m):
            raise Invalid(_l("“%(piece)s” is not a time of day.", piece=match.group()), "office_hours")
        start, end = start_h * 60 + start_m, end_h * 60 + end_m
        if end <= start:
            raise Invalid(_l("In “%(piece)s” the end comes before the start.", piece=match.group()),
                          "office_hours")
        periods.append((start, end))
    if _SEPARATORS.sub("", text[position:]):
        raise Invalid(_l("“%(piece)s” is not a period like 09:00-12:00.", piece=text[position:].strip(" ,;、")),
                      "office_hours")
    if not periods:
        raise Invalid(_l("Give the office hours, for example 09:00-12:00, 13:00-18:00."), "office_hours")
    periods.sort()
    for (_, end), (start, _) in itertools.pairwise(periods):
        if start < end:
            raise Invalid(_l("The periods overlap; list each hour once."), "office_hours")
    return periods


def format_office_hours(periods):
    return ", ".join("%02d:%02d-%02d:%02d" % (s // 60, s % 60, e // 60, e % 60) for s, e in periods)


class CompanyCalendar(BaseModel):
    """The one row of company-wide timing rules, set by an admin."""

    country = CharField(max_length=2, default="CN")
    quiet_start = IntegerField(default=21)
    quiet_end = IntegerField(default=8)
    digest_hour = IntegerField(default=9)
    stale_checkin_days = IntegerField(default=14)
    # The hours time limits count, on working days: "09:00-12:00, 13:00-18:00".
    office_hours = CharField(max_length=200, default=DEFAULT_OFFICE_HOURS)

    @classmethod
    def current(cls):
        return cls.get_or_none() or cls(country="CN")

    def update_settings(self, by, **values):
        if "office_hours" in values:
            values["office_hours"] = format_office_hours(parse_office_hours(values["office_hours"]))
        with db.atomic():
            if self.id is not None:
                self.refresh()
            changes = apply_changes(self, **values)
            if changes:
                self.save()
                AuditEntry.record(by, "calendar.update", self, changes)
        return changes

    @property
    def office_periods(self):
        return parse_office_hours(self.office_hours)

    # Read once per calendar read (CompanyCalendar.current()): a reminder run asks of every task's
    # days, a report's due time of every day of its period. Whoever changes the days reads anew.
    @functools.cached_property
    def closed_days(self):
        return frozenset(row.day for row in ClosedDay.select(ClosedDay.day))

    @functools.cached_property
    def extra_working_days(self):
        return frozenset(row.day for row in WorkingDay.select(WorkingDay.day))

    def is_working_day(self, day):
        if day in self.closed_days:
            return False
        return day in self.extra_working_days or day in _public_working_days(self.country, day.year)

    def holiday_name(self, day):
        return _public_calendar(self.country, day.year).get(day)

    def first_working_day_of_week(self, day):
        """The first working day of the ISO week holding `day` (a make-up Sunday counts)."""
        monday = day - datetime.timedelta(days=day.weekday())
        for offset in range(7):
            candidate = monday + datetime.timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        return None

    def is_quiet(self, local_time):
        """True in the night hours, when nobody is reminded of anything."""
        hour = local_time.hour
        if self.quiet_start > self.quiet_end:
            return hour >= self.quiet_start or hour < self.quiet_end
        return self.quiet_start <= hour < self.quiet_end

    def is_quiet_at(self, moment, timezone):
        """Whether `moment` (naive UTC) falls in quiet hours or on a day off in `timezone`: no
        reminder, nudge or escalation goes out then."""
        local = moment.replace(tzinfo=datetime.UTC).astimezone(zoneinfo.ZoneInfo(timezone))
        return self.is_quiet(local) or not self.is_working_day(local.date())

    def working_time(self, timezone):
        return WorkingTime(self, timezone)

    def working_deadline(self, start, hours, timezone):
        """`hours` after `start` (naive UTC), counting only office hours of working days in `timezone`."""
        return self.working_time(timezone).deadline(start, hours)


class WorkingTime:
    """Office hours on the company's working days in one time zone: when a time limit runs out,
    and how much working time lies between two moments. Moments are naive UTC, as stored."""

    def __init__(self, calendar, timezone):
        self.calendar, self.zone = calendar, zoneinfo.ZoneInfo(timezone)
        self.periods = calendar.office_periods
        self._days = {}

    def periods_on(self, day):
        """The office periods of `day` (a local date) as naive UTC (start, end); none on a day off."""
        if day not in self._days:
            midnight = datetime.datetime.combine(day, datetime.time())
            self._days[day] = () if not self.calendar.is_working_day(day) else tuple(
                (self._utc(midnight + datetime.timedelta(minutes=start)),
                 self._utc(midnight + datetime.timedelta(minutes=end))) for start, end in self.periods)
        return self._days[day]

    def _utc(self, local):
        return local.replace(tzinfo=self.zone).astimezone(datetime.UTC).replace(tzinfo=None)

    def _local_day(self, moment):
        return moment.replace(tzinfo=datetime.UTC).astimezone(self.zone).date()

    def deadline(self, start, hours):
        remaining = datetime.timedelta(hours=hours)
        day = self._local_day(start)
        for _ in range(SEARCH_DAYS):
            for begins, ends in self.periods_on(day):
                begins = max(begins, start)
                if begins >= ends:
                    continue
                if remaining <= ends - begins:
                    return begins + remaining
                remaining -= ends - begins
            day += datetime.timedelta(days=1)
        return start + datetime.timedelta(days=SEARCH_DAYS)

    def between(self, start, end):
        """The working time from `start` to `end`, a timedelta (zero when end is not later)."""
        total = datetime.timedelta()
        day, last = self._local_day(start), self._local_day(end)
        while day <= last:
            for begins, ends in self.periods_on(day):
                overlap = min(ends, end) - max(begins, start)
                if overlap > datetime.timedelta():
                    total += overlap
            day += datetime.timedelta(days=1)
        return total


class _SpecialDay(BaseModel):
    """A day the company sets apart from the public calendar; one row per day."""

    day = DateField(unique=True)
    label = CharField(max_length=100, default="")

    @classmethod
    def add(cls, by, day, label):
        with db.atomic():
            lock("closed days")  # closed and extra working days: each checks the other
            other = WorkingDay if cls is ClosedDay else ClosedDay
            if cls.select().where(cls.day == day).exists():
                raise Invalid(cls.TAKEN, "day")
            if other.select().where(other.day == day).exists():
                raise Invalid(_l("This day is already set apart the other way; open it again first."), "day")
            row = cls.create(day=day, label=label)
            AuditEntry.record(by, cls.ACTIONS[0], row, {"day": [None, day.isoformat()]}, summary=label)
        return row

    def remove(self, by):
        with db.atomic():
            if self.delete_instance():  # not already removed in another tab
                AuditEntry.record(by, self.ACTIONS[1], self, {"day": [self.day.isoformat(), None]})


class ClosedDay(_SpecialDay):
    """A day the company is closed beyond the public holidays (company trip, local holiday)."""

    TAKEN = _l("This day is already closed.")
    ACTIONS = ("calendar.close_day", "calendar.open_day")


class WorkingDay(_SpecialDay):
    """A day the company works although the public calendar has it off: a make-up working day
    (调休上班) the holidays library does not know yet, or the company's own."""

    TAKEN = _l("This day is already a working day.")
    ACTIONS = ("calendar.work_day", "calendar.unwork_day")


@functools.lru_cache(maxsize=32)
def _public_calendar(country, year):
    return holidays.country_holidays(country, years=year)


@functools.lru_cache(maxsize=32)
def _public_working_days(country, year):
    """The working days of `year` by the public calendar, as a set: the holidays library takes
    microseconds to decide one day, and a scorecard asks about thousands."""
    public, first = _public_calendar(country, year), datetime.date(year, 1, 1)
    days = (first + datetime.timedelta(days=offset) for offset in range(366))
    return frozenset(day for day in days if day.year == year and public.is_working_day(day))


def preload():
    """Read now what each process reads on its first question about a working day: the holidays
    library's module of the default country and this year's working days (140-200 ms of CPU in each
    gunicorn worker's first page). Loaded before forking (gunicorn --preload), once for them all."""
    _public_working_days(CompanyCalendar.country.default, datetime.date.today().year)


# The registry's codes, not `holidays.list_supported_countries()`: that imports every country's
# module (about 300) for its subdivisions, 2 MiB in every process, to answer with the same codes.
SUPPORTED_COUNTRIES = sorted(EntityLoader.get_country_codes())
