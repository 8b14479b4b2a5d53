"""Each department's report plan: weekly or daily, when it is due, its sections; the periods and due
times the company calendar allows; who has handed in, and reminding those who have not."""
import datetime
import json
import zoneinfo
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from babel.dates import format_skeleton
from flask_babel import force_locale, format_date, get_locale, gettext
from flask_babel import lazy_gettext as _l
from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField, TimeField

from portal import mail
from portal.accounts.models import Department
from portal.audit import AuditEntry, apply_changes
from portal.calendar import CompanyCalendar
from portal.db import BaseModel, Invalid, db, utcnow
from portal.notifications.models import Notification, notify

CADENCES = {"weekly": _l("Weekly report (周报)"), "daily": _l("Daily report (日报)")}
WEEKDAYS = [_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"),
            _l("Sunday")]
MAX_SECTIONS = 6
# The first section is pre-filled with what the writer did in the period.
DEFAULT_SECTIONS = {
    "weekly": [{"zh": "本周完成", "en": "Done this week"}, {"zh": "下周计划", "en": "Plan for next week"},
               {"zh": "需要协调", "en": "Needs coordination"}, {"zh": "风险", "en": "Risks"}],
    "daily": [{"zh": "今日完成", "en": "Done today"}, {"zh": "明日计划", "en": "Plan for tomorrow"},
              {"zh": "需要协调", "en": "Needs coordination"}, {"zh": "风险", "en": "Risks"}],
}


def company_zone():
    return zoneinfo.ZoneInfo(current_app.config["DEFAULT_TIMEZONE"])


def company_today(now=None):
    return (now or utcnow()).replace(tzinfo=datetime.UTC).astimezone(company_zone()).date()


def utc_at(day, time):
    """Naive UTC of a wall-clock time on `day` in the company's time zone."""
    local = datetime.datetime.combine(day, time, tzinfo=company_zone())
    return local.astimezone(datetime.UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Period:
    """The days one report covers: a week from Monday, or one day."""

    cadence: str
    start: datetime.date

    @property
    def end(self):
        """The day after the last day."""
        return self.start + datetime.timedelta(days=7 if self.cadence == "weekly" else 1)

    @property
    def days(self):
        return [self.start + datetime.timedelta(days=n) for n in range((self.end - self.start).days)]

    @property
    def utc_range(self):
        """(start, end) as naive UTC: company midnights."""
        return utc_at(self.start, datetime.time()), utc_at(self.end, datetime.time())

    def label(self):
        if self.cadence == "daily":
            return format_date(self.start, "medium")
        year, week, _ = self.start.isocalendar()
        locale = get_locale()
        return gettext("Week %(week)d of %(year)d (%(first)s – %(last)s)", week=week, year=year,
                       first=format_skeleton("MMMd", self.start, locale=locale),
                       last=format_skeleton("MMMd", self.end - datetime.timedelta(days=1), locale=locale))

    def previous(self):
        return Period(self.cadence, self.start - datetime.timedelta(days=7 if self.cadence == "weekly" else 1))

    def following(self):
        return Period(self.cadence, self.end)


def period_of(cadence, day):
    """The period of `cadence` that holds `day`."""
    if cadence == "weekly":
        return Period(cadence, day - datetime.timedelta(days=day.weekday()))
    return Period(cadence, day)


class ReportPlan(BaseModel):
    """How one department reports: an admin or its head turns it on and shapes it."""

    department = ForeignKeyField(Department, unique=True, backref="report_plans", on_delete="CASCADE")
    active = BooleanField(default=True)
    cadence = CharField(max_length=10, default="weekly")
    due_weekday = IntegerField(default=4)  # weekly reports: Friday
    due_time = TimeField(default=datetime.time(18, 0))
    sections = TextField(default="[]")  # [{"zh": …, "en": …}]; the first is pre-filled
    updated_at = DateTimeField(default=utcnow)

    def __str__(self):
        return str(self.department)

    @property
    def cadence_label(self):
        return CADENCES.get(self.cadence, self.cadence)

    @property
    def section_list(self):
        return json.loads(self.sections)

    def due_label(self):
        if self.cadence == "daily":
            return gettext("each working day by %(time)s", time=self.due_time.strftime("%H:%M"))
        return gettext("%(day)s by %(time)s", day=WEEKDAYS[self.due_weekday],
                       time=self.due_time.strftime("%H:%M"))

    @classmethod
    def of(cls, department_id):
        return cls.get_or_none(cls.department == department_id) if department_id else None

    @classmethod
    def blank(cls, department):
        """The plan a department starts from: weekly, Friday 18:00, the usual four sections."""
        return cls(department=department, active=False, cadence="weekly",
                   sections=json.dumps(DEFAULT_SECTIONS["weekly"], ensure_ascii=False))

    @classmethod
    def configure(cls, by, department, *, active, cadence, due_weekday, due_time, sections):
        """Create or change the department's plan; `sections` is [{"zh", "en"}], empty ones dropped."""
        if cadence not in CADENCES:
            raise Invalid(_l("Choose weekly or daily."), "cadence")
        if not 0 <= due_weekday <= 6:
            raise Invalid(_l("Choose a weekday from the list."), "due_weekday")
        cleaned = [{"zh": (s.get("zh") or "").strip() or (s.get("en") or "").strip(),
                    "en": (s.get("en") or "").strip() or (s.get("zh") or "").strip()} for s in sections]
        cleaned = [s for s in cleaned if s["zh"]]
        if not cleaned:
            cleaned = DEFAULT_SECTIONS[cadence]
        if len(cleaned) > MAX_SECTIONS:
            raise Invalid(_l("A report has at most %(n)d sections.", n=MAX_SECTIONS))
        with db.atomic():
            plan = cls.get_or_none(cls.department == department.id)
            created = plan is None
            if created:
                plan = cls(department=department)
            changes = apply_changes(plan, active=active, cadence=cadence, due_weekday=due_weekday,
                                    due_time=due_time, sections=json.dumps(cleaned, ensure_ascii=False))
            if changes or created:
                plan.updated_at = utcnow()
                plan.save()
                AuditEntry.record(by, "report_plan.create" if created else "report_plan.update", plan, changes)
        return plan

    # -- when reports are due -------------------------------------------------------------------

    def period_of(self, day):
        return period_of(self.cadence, day)

    def current_period(self, now=None):
        return self.period_of(company_today(now))

    def due_at(self, period, calendar=None):
        """When the report of `period` is due (naive UTC), or None: no report is due in a week
        without a working day, nor for a day the company is closed. A weekly report whose weekday
        is a day off is due on the working day before it that week, else the first one after it.
        `calendar`: the company's, when the caller has read it already."""
        calendar = calendar or CompanyCalendar.current()
        working = [day for day in period.days if calendar.is_working_day(day)]
        if not working:
            return None
        if self.cadence == "daily":
            return utc_at(period.start, self.due_time)
        chosen = period.start + datetime.timedelta(days=self.due_weekday)
        before = [day for day in working if day <= chosen]
        return utc_at(before[-1] if before else working[0], self.due_time)

    def reminded_today(self, people, now=None):
        """Ids of `people` reminded today (in their own time zone) about their report."""
        keys = {_reminder_key(person, now): person.id for person in people}
        sent = Notification.select(Notification.key).where(Notification.key.in_(list(keys)))
        return {keys[key] for (key,) in sent.tuples()}

    def remind(self, by, people, period, now=None):
        """Remind `people` that their report of `period` is due: once a day each, never in quiet hours
        or on a day off where they are. Returns (reminded, not now, already reminded today)."""
        now = now or utcnow()
        calendar = CompanyCalendar.current()
        due = self.due_at(period, calendar)
        if due is None:
            raise Invalid(_l("No report is due for this period: the company is closed."))
        reminded, quiet, already = [], [], []
        with db.atomic():
            for person in people:
                local = now.replace(tzinfo=datetime.UTC).astimezone(zoneinfo.ZoneInfo(person.timezone))
                if calendar.is_quiet(local) or not calendar.is_working_day(local.date()):
                    quiet.append(person)
                    continue
                with force_locale(person.mail_language):  # the kind of report is named in their language
                    kind = str(CADENCES[self.cadence])
                sent = notify(person, "report.reminder", link=_write_path(), key=_reminder_key(person, now),
                              kind=kind, period=period.start.isoformat(),
                              due=_local(due, person).strftime("%Y-%m-%d %H:%M"))
                (reminded if sent else already).append(person)
            if reminded:
                AuditEntry.record(by, "report.remind", self, summary="reminded %s" % ", ".join(
                    person.name for person in reminded))
        return reminded, quiet, already


def _reminder_key(person, now=None):
    local = (now or utcnow()).replace(tzinfo=datetime.UTC).astimezone(zoneinfo.ZoneInfo(person.timezone))
    return "report.reminder:%d:%s" % (person.id, local.date().isoformat())


def _local(moment, person):
    return moment.replace(tzinfo=datetime.UTC).astimezone(zoneinfo.ZoneInfo(person.timezone))


def _write_path():
    return urlsplit(mail.absolute_url("reports.index")).path
