"""The collaboration scorecard: what each department and person did for others in a month or a
quarter, computed from what the portal records (tasks, the request trail, minutes, check-ins,
reports), never typed in. Each figure keeps the ids of the items behind it.

Working hours: a step's decision time counts the office hours of the company's working days in
its time zone (CompanyCalendar.working_time), the measure the request time limits and the request
reports use, so the same step takes as long on every page."""
import datetime
import re
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from peewee import JOIN, fn

from portal.accounts.models import User
from portal.calendar import CompanyCalendar
from portal.meetings.models import ActionItem
from portal.projects.models import CheckIn, Project, ProjectDepartment, Target
from portal.reports.models import Report, ReportHelp
from portal.requests.models import RequestStep, ResourceRequest, StepApprover
from portal.tasks.models import Task

FIGURES = {
    "cross_on_time": _l("Work done for other departments, on time"),
    "cross_late": _l("Work done for other departments, late"),
    "provided": _l("Requests provided"),
    "decisions": _l("Approval steps decided"),
    "actions_on_time": _l("Action items closed on time"),
    "actions_closed": _l("Action items closed"),
    "checkins": _l("Check-in weeks on shared targets"),
    "help_asked": _l("Help asked through reports"),
    "help_given": _l("Help given through reports"),
}
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


@dataclass(frozen=True)
class Period:
    """A calendar month ("2026-05") or quarter ("2026-Q2") in the company's time zone."""

    key: str
    first: datetime.date
    after: datetime.date  # the day after the last

    @classmethod
    def parse(cls, text, today):
        """The period `text` names; the current month when it names none."""
        text = (text or "").strip().upper()
        month, quarter = _MONTH.match(text), _QUARTER.match(text)
        if month and 1 <= int(month[2]) <= 12 and 2000 <= int(month[1]) <= 2999:
            return cls.month(int(month[1]), int(month[2]))
        if quarter and 2000 <= int(quarter[1]) <= 2999:
            year, number = int(quarter[1]), int(quarter[2])
            return cls("%d-Q%d" % (year, number), datetime.date(year, 3 * number - 2, 1),
                       _month_after(year, 3 * number))
        return cls.month(today.year, today.month)

    @classmethod
    def month(cls, year, month):
        return cls("%d-%02d" % (year, month), datetime.date(year, month, 1), _month_after(year, month))

    @property
    def is_quarter(self):
        return "Q" in self.key

    def label(self):
        if self.is_quarter:
            return gettext("Q%(n)s %(year)d", n=self.key[-1], year=self.first.year)
        return gettext("%(month)d/%(year)d", month=self.first.month, year=self.first.year)

    def previous(self):
        return Period.parse(self._shifted(-1), self.first)

    def following(self):
        return Period.parse(self._shifted(1), self.first)

    def quarter(self):
        return Period.parse("%d-Q%d" % (self.first.year, (self.first.month - 1) // 3 + 1), self.first)

    def _shifted(self, step):
        if self.is_quarter:
            number = self.first.year * 4 + (self.first.month - 1) // 3 + step
            return "%d-Q%d" % (number // 4, number % 4 + 1)
        number = self.first.year * 12 + self.first.month - 1 + step
        return "%d-%02d" % (number // 12, number % 12 + 1)

    def utc_range(self, zone):
        return _utc(self.first, zone), _utc(self.after, zone)


def _month_after(year, month):
    return datetime.date(year + month // 12, month % 12 + 1, 1)


def _utc(day, zone):
    return datetime.datetime.combine(day, datetime.time(), tzinfo=zone).astimezone(datetime.UTC).replace(tzinfo=None)


@dataclass
class Figures:
    """One department's, one person's or the company's figures, each with the ids behind it."""

    items: dict = field(default_factory=lambda: defaultdict(list))
    hours: list = field(default_factory=list)  # working hours of each decision
    weeks: list = field(default_factory=lambda: [0, 0])  # [weeks with a check-in, weeks expected]

    def count(self, figure):
        return len(self.items[figure])

    @property
    def cross_done(self):
        return self.count("cross_on_time") + self.count("cross_late")

    @property
    def average_hours(self):
        return sum(self.hours) / len(self.hours) if self.hours else None

    @property
    def regularity(self):
        """Percent of the expected weeks with a check-in; None without shared targets."""
        covered, expected = self.weeks
        return covered * 100 / expected if expected else None


class Scorecard:
    """Every figure of a period, read in one query per kind of record; per department and person."""

    def __init__(self, period, figure=None):
        """With a figure, only the kind of record behind it is read: a list of one figure's items
        needs no other."""
        self.period = period
        self.zone = zoneinfo.ZoneInfo(current_app.config["DEFAULT_TIMEZONE"])
        self.start, self.end = period.utc_range(self.zone)
        self.calendar = CompanyCalendar.current()
        self.clock = self.calendar.working_time(current_app.config["DEFAULT_TIMEZONE"])
        days = (period.first + datetime.timedelta(days=offset) for offset in range((period.after - period.first).days))
        self.working_days = [day for day in days if self.calendar.is_working_day(day)]
        self.by_department = defaultdict(Figures)
        self.by_person = defaultdict(Figures)
        self.company = Figures()
        self.decision_hours = {}
        self.target_weeks = {}
        for reader in dict.fromkeys(_READERS.values()) if figure is None else [_READERS[figure]]:
            getattr(self, reader)()

    def _add(self, figure, item_id, department_id, person_id):
        for figures in (self.company, self.by_department[department_id], self.by_person[person_id]):
            figures.items[figure].append(item_id)

    def _local_date(self, moment):
        return moment.replace(tzinfo=datetime.UTC).astimezone(self.zone).date()

    def _cross_department_work(self):
        """Tasks finished in the period that another department asked for; on time when done on or
        before their due date (or without one)."""
        rows = (Task.select(Task.id, Task.owner, Task.department, Task.due_date, Task.done_at)
                .where((Task.status == "done") & (Task.done_at >= self.start) & (Task.done_at < self.end)
                       & Task.requesting_department.is_null(False)
                       & (Task.department.is_null() | (Task.department != Task.requesting_department)))
                .order_by(Task.done_at, Task.id).tuples())
        for task_id, owner_id, department_id, due, done_at in rows:
            late = due is not None and self._local_date(done_at) > due
            self._add("cross_late" if late else "cross_on_time", task_id, department_id, owner_id)

    def _requests(self):
        """Requests approved in the period, for their providing department; each approval seat decided
        in the period, for the person deciding, with its working hours."""
        provided = (ResourceRequest.select(ResourceRequest.id, ResourceRequest.provider)
                    .where((ResourceRequest.state == "approved") & (ResourceRequest.finished_at >= self.start)
                           & (ResourceRequest.finished_at < self.end)).order_by(ResourceRequest.id).tuples())
        for request_id, provider_id in provided:
            for figures in (self.company, self.by_department[provider_id]):
                figures.items["provided"].append(request_id)
        seats = (StepApprover.select(StepApprover.id, StepApprover.user, User.department, RequestStep.started_at,
                                     StepApprover.decided_at)
                 .join(RequestStep).switch(StepApprover).join(User, on=(StepApprover.user == User.id))
                 .where(StepApprover.state.in_(["approved", "rejected", "returned"])
                        & (StepApprover.decided_at >= self.start) & (StepApprover.decided_at < self.end)
                        & RequestStep.started_at.is_null(False))
                 .order_by(StepApprover.decided_at, StepApprover.id).tuples())
        for seat_id, user_id, department_id, started, decided in seats:
            hours = self.clock.between(started, decided).total_seconds() / 3600
            self.decision_hours[seat_id] = hours
            self._add("decisions", seat_id, department_id, user_id)
            for figures in (self.company, self.by_department[department_id], self.by_person[user_id]):
                figures.hours.append(hours)

    def _action_items(self):
        """Action items closed in the period (settled as done, or done as the task each became), for
        their owner; on time when closed on or before the day agreed."""
        rows = (ActionItem.select(ActionItem.id, ActionItem.owner, User.department, ActionItem.due_on,
                                  ActionItem.settled_at, Task.status, Task.done_at)
                .join(User, on=(ActionItem.owner == User.id))
                .join_from(ActionItem, Task, JOIN.LEFT_OUTER, on=(ActionItem.task_id == Task.id))
                .where(((ActionItem.status == "done") & (ActionItem.settled_at >= self.start)
                        & (ActionItem.settled_at < self.end))
                       | ((Task.status == "done") & (Task.done_at >= self.start) & (Task.done_at < self.end)))
                .order_by(ActionItem.id).tuples())
        for item_id, owner_id, department_id, due, settled, task_status, done_at in rows:
            closed = done_at if task_status == "done" else settled
            self._add("actions_closed", item_id, department_id, owner_id)
            if self._local_date(closed) <= due:
                self._add("actions_on_time", item_id, department_id, owner_id)

    def _check_ins(self):
        """Targets of projects two or more departments share, live in the period: the weeks with a
        working day in which someone checked in, against those weeks, for the owner and the department."""
        shared = (ProjectDepartment.select(ProjectDepartment.project).group_by(ProjectDepartment.project)
                  .having(fn.COUNT(ProjectDepartment.id) >= 2))
        targets = list(Target.select(Target.id, Target.owner, Target.department, Target.start_date, Target.due_date)
                       .join(Project).where(Project.id.in_(shared) & (Project.status != "planned")
                                            & (Target.start_date < self.period.after)
                                            & (Target.due_date >= self.period.first))
                       .order_by(Target.id).tuples())
        checked = defaultdict(set)
        for target_id, created in (CheckIn.select(CheckIn.target, CheckIn.created_at)
                                   .where(CheckIn.target.in_([t[0] for t in targets])
                                          & (CheckIn.created_at >= self.start) & (CheckIn.created_at < self.end))
                                   .tuples()):
            checked[target_id].add(_week(self._local_date(created)))
        for target_id, owner_id, department_id, first, last in targets:
            expected = self._working_weeks(max(first, self.period.first), min(last, self.period.after
                                                                              - datetime.timedelta(days=1)))
            covered = len(expected & checked[target_id])
            self.target_weeks[target_id] = (covered, len(expected))
            if not expected:
                continue
            self._add("checkins", target_id, department_id, owner_id)
            for figures in (self.company, self.by_department[department_id], self.by_person[owner_id]):
                figures.weeks[0] += covered
                figures.weeks[1] += len(expected)

    def _working_weeks(self, first, last):
        return {_week(day) for day in self.working_days if first <= day <= last}

    def _help(self):
        """Asks for help that reports sent in the period, for their author; asks marked as helped in
        the period, for whoever helped."""
        asked = (ReportHelp.select(ReportHelp.id, Report.author, Report.department).join(Report)
                 .where((ReportHelp.sent_at >= self.start) & (ReportHelp.sent_at < self.end))
                 .order_by(ReportHelp.id).tuples())
        for ask_id, author_id, department_id in asked:
            self._add("help_asked", ask_id, department_id, author_id)
        given = (ReportHelp.select(ReportHelp.id, ReportHelp.given_by, User.department)
                 .join(User, on=(ReportHelp.given_by == User.id))
                 .where((ReportHelp.given_at >= self.start) & (ReportHelp.given_at < self.end))
                 .order_by(ReportHelp.id).tuples())
        for ask_id, helper_id, department_id in given:
            self._add("help_given", ask_id, department_id, helper_id)

    def department(self, department_id):
        return self.by_department.get(department_id) or Figures()

    def person(self, user_id):
        return self.by_person.get(user_id) or Figures()


# Which of Scorecard's readers counts each figure.
_READERS = {"cross_on_time": "_cross_department_work", "cross_late": "_cross_department_work",
            "provided": "_requests", "decisions": "_requests", "actions_on_time": "_action_items",
            "actions_closed": "_action_items", "checkins": "_check_ins", "help_asked": "_help",
            "help_given": "_help"}


def _week(day):
    year, week, _ = day.isocalendar()
    return year, week

