"""The reliability suite's writers: each kind of concurrent write the portal must not lose.

A writer makes its objects (`prepare`), names the change each client sends over HTTP
(`change`), says how each answer counts (`answered`: acknowledged, or a refusal the protocol
expects, such as a stale card move), and afterwards compares what the server acknowledged with
the data and the audit trail (`problems`). A feature adds its writes as a class in WRITERS; the
concurrency and crash tests then run it with every other writer.
"""
import collections
import datetime
import itertools
import json
import re

import pytest
from peewee import fn

from portal.accounts.models import Department, User
from portal.audit import AuditEntry
from portal.projects.models import CheckIn, Project, Target, shown
from portal.reports.models import Report
from portal.reports.plans import Period, ReportPlan
from portal.requests.models import RequestEvent, ResourceRequest, StepApprover
from portal.requests.types import RequestType
from portal.tasks.models import Task
from tests.conftest import PASSWORD

REPORT = collections.Counter()
_serial = itertools.count(1)


@pytest.fixture
def reliability_report():
    return REPORT


def pytest_terminal_summary(terminalreporter):
    if REPORT:
        terminalreporter.section("reliability figures")
        for key in sorted(REPORT):
            terminalreporter.write_line("%-62s %d" % (key, REPORT[key]))


def person(department=None, role="member"):
    n = next(_serial)
    return User.invite(None, "writer%d@example.com" % n, "Writer %d" % n, department, role, password=PASSWORD)


def last_audit_id():
    return AuditEntry.select(fn.MAX(AuditEntry.id)).scalar() or 0


def audit_trail(obj, field, after):
    """(old, new) of `field` in each audit row of obj written after the row `after`, oldest first."""
    rows = (AuditEntry.select().where((AuditEntry.object_type == type(obj).__name__)
                                      & (AuditEntry.object_id == obj.id) & (AuditEntry.id > after))
            .order_by(AuditEntry.id))
    return [tuple(changes[field]) for changes in (json.loads(row.changes) for row in rows) if field in changes]


def trail_problems(what, trail, initial, final, acked, in_flight, distinct=True):
    """What is wrong between acknowledged writes, the audit trail and the final data.

    Each row's old value must be the previous row's new one (else a write worked from a stale
    read), the last new value must be the data, every acknowledged write must be in the trail,
    and the trail may hold nothing else but writes whose answer never came (in flight).
    """
    problems, current = [], initial
    for old, new in trail:
        if old != current:
            problems.append("%s: the audit trail says %r → %r, but it was %r" % (what, old, new, current))
        current = new
    if current != final:
        problems.append("%s: the data holds %r, the audit trail ends at %r" % (what, final, current))
    written = [new for _, new in trail]
    lost = [value for value in acked if value not in written] if distinct else acked[len(written):]
    problems += ["%s: the acknowledged write %r is lost" % (what, value) for value in lost]
    if len(written) > len(acked) + len(in_flight):
        problems.append("%s: %d audit rows for %d writes" % (what, len(written), len(acked) + len(in_flight)))
    return problems, len(lost)


class Writer:
    clients = 2
    headers = {}
    follows = False  # whether the client follows a 303 to read what the change led to

    def prepare(self):
        """Make the objects; return the users the clients sign in as, one per client."""
        raise NotImplementedError

    def change(self, client, n):
        """(value, path, form) of client's n-th write: the value identifies it afterwards."""
        raise NotImplementedError

    def answered(self, client, value, response):
        """How an answer counts: "acked" (written), "declined" (refused as the protocol expects, with
        a message; nothing written) or "refused" (a problem)."""
        return "acked" if response.status == 303 else "refused"

    def problems(self, acked, in_flight):
        """([problems], number of lost writes), given the values acknowledged and in flight."""
        raise NotImplementedError


class RenameOneDepartment(Writer):
    """Two admins rename the same department at once."""

    def prepare(self):
        self.department = Department.add(None, "Contested %d" % next(_serial))
        self.head = person(self.department)
        self.department.update_details(None, self.department.name, "", self.head)
        admins = [person(role="admin") for _ in range(self.clients)]
        self.initial, self.after = self.department.name, last_audit_id()
        return admins

    def change(self, client, n):
        name = "Renamed %d-%d" % (client, n)
        return name, "/admin/departments/%d" % self.department.id, {
            "name": name, "name_en": "", "head": self.head.id}

    def problems(self, acked, in_flight):
        final = Department.get_by_id(self.department.id)
        return trail_problems("department name", audit_trail(final, "name", self.after), self.initial, final.name,
                              acked, in_flight)


class EditOnePerson(Writer):
    """Two admins edit the same person's name and role at once."""

    def prepare(self):
        self.department = Department.add(None, "Edited %d" % next(_serial))
        self.person = person(self.department)
        admins = [person(role="admin") for _ in range(self.clients)]
        self.initial, self.after = self.person, last_audit_id()
        return admins

    def change(self, client, n):
        name = "Edited %d-%d" % (client, n)
        return name, "/admin/users/%d" % self.person.id, {
            "name": name, "department": self.department.id, "role": ("member", "coordinator")[n % 2]}

    def problems(self, acked, in_flight):
        final = User.get_by_id(self.person.id)
        problems, lost = trail_problems("person's name", audit_trail(final, "name", self.after), self.initial.name,
                                        final.name, acked, in_flight)
        role_problems, _ = trail_problems("person's role", audit_trail(final, "role", self.after), self.initial.role,
                                          final.role, [], [None] * (len(acked) + len(in_flight)), distinct=False)
        return problems + role_problems, lost


class OwnPreferences(Writer):
    """Several people change their own time zone, all at once."""

    clients = 4
    ZONES = ("Asia/Tokyo", "Europe/Berlin")

    def prepare(self):
        self.people = [person() for _ in range(self.clients)]
        self.after = last_audit_id()
        return self.people

    def change(self, client, n):
        zone = self.ZONES[n % 2]
        return (client, n), "/settings", {"language": "", "timezone": zone}

    def problems(self, acked, in_flight):
        problems, lost = [], 0
        for client, user in enumerate(self.people):
            final = User.get_by_id(user.id)
            mine = [self.ZONES[n % 2] for c, n in acked if c == client]
            pending = [n for c, n in in_flight if c == client]
            found, missing = trail_problems("%s's time zone" % user.name, audit_trail(final, "timezone", self.after),
                                            user.timezone, final.timezone, mine, pending, distinct=False)
            problems += found
            lost += missing
        return problems, lost


class MoveOneCard(Writer):
    """Two people move the same card on their department's board at once, as the board's script
    does: each move names the version its client last read, and htmx follows the answer to the card
    as it now is. A move made on an older version is refused (an error toast) and never applied;
    each client goes on from what it was shown."""

    headers = {"HX-Request": "true"}
    follows = True
    VERSION = re.compile(r'name="version" value="(\d+)"')
    COLUMN = re.compile(r'<option value="(\w+)" selected')

    def prepare(self):
        self.department = Department.add(None, "Board %d" % next(_serial))
        owner = person(self.department)
        self.task = Task.open(owner, "Contested card", owner)
        self.seen = {}
        self.initial, self.after = (self.task.version, self.task.status), last_audit_id()
        return [person(self.department, role="coordinator") for _ in range(self.clients)]

    def change(self, client, n):
        version, status = self.seen.get(client, self.initial)
        column = "todo" if status == "doing" else "doing"
        return (version, column), "/boards/department/tasks/%d/move?department=%d" % (
            self.task.id, self.department.id), {"version": version, "status": column, "column": status}

    def answered(self, client, value, response):
        if response.status != 200 or not self.VERSION.search(response.text):
            return "refused"
        self.seen[client] = (int(self.VERSION.search(response.text).group(1)),
                             self.COLUMN.search(response.text).group(1))
        toasts = json.loads(response.headers.get("HX-Trigger") or "{}").get("showMessage", [])
        return "declined" if any(toast["level"] == "error" for toast in toasts) else "acked"

    def problems(self, acked, in_flight):
        final = Task.get_by_id(self.task.id)
        trail = audit_trail(final, "status", self.after)
        initial_version, initial_status = self.initial
        problems, _ = trail_problems("card's column", trail, initial_status, final.status, [], [None] * len(trail),
                                     distinct=False)
        if final.version - initial_version != len(trail):
            problems.append("card: version %d after %d moves from %d" % (final.version, len(trail), initial_version))
        # A move acknowledged on version v made version v + 1: the v-th move of the trail is it.
        lost = [(version, column) for version, column in acked
                if not 0 <= version - initial_version < len(trail) or trail[version - initial_version][1] != column]
        problems += ["card: the acknowledged move to %r on version %d is lost" % (column, version)
                     for version, column in lost]
        if len({version for version, _ in acked}) != len(acked):
            problems.append("card: two moves acknowledged on the same version")
        if len(trail) > len(acked) + len(in_flight):
            problems.append("card: %d moves in the trail for %d acknowledged" % (len(trail), len(acked)))
        return problems, len(lost)


class CheckInOneTarget(Writer):
    """The target's owner and a colleague check in at once, over and over: every check-in is kept
    (history is never edited), the audit trail chains them in order, and the target's value is
    the latest."""

    def prepare(self):
        department = Department.add(None, "Targets %d" % next(_serial))
        owner, colleague = person(department), person(department)
        today = datetime.date.today()
        project = Project.start(None, name="Checked %d" % next(_serial), goal="", coordinator=owner,
                                departments=[department], start_date=today - datetime.timedelta(days=30),
                                end_date=today + datetime.timedelta(days=60), status="active")
        self.target = Target.define(None, project, title="Contested target", unit="", baseline="0",
                                    target_value="1000000", direction="raise", start_date=project.start_date,
                                    due_date=project.end_date, department=department, owner=owner, weight=1)
        self.after = last_audit_id()
        return [owner, colleague]

    def change(self, client, n):
        value = str(client * 100_000 + n)
        return value, "/targets/%d/check-ins" % self.target.id, {"value": value, "note": ""}

    def problems(self, acked, in_flight):
        final = Target.get_by_id(self.target.id)
        trail = audit_trail(final, "value", self.after)
        problems, lost = trail_problems("target's value", trail, None, shown(final.current_value), acked, in_flight)
        kept = [shown(value) for value in CheckIn.select(CheckIn.value).where(CheckIn.target == final.id)
                .order_by(CheckIn.created_at, CheckIn.id).scalars()]
        if kept != [new for _, new in trail]:
            problems.append("target: the check-ins kept are not those the audit trail names, in its order")
        return problems, lost


class DecideOneStep(Writer):
    """An approver decides the same requests in two tabs at once: of the two approvals of a step
    exactly one counts; the other tab is told the step was already decided."""

    REQUESTS = 120
    headers = {"Accept-Language": "en"}  # the refusal is read in English

    def prepare(self):
        requesters, provider = Department.add(None, "Asking %d" % next(_serial)), Department.add(None, "Giving")
        requester, approver = person(requesters), person(provider)
        request_type = RequestType.add(None, name="Contested %d" % next(_serial), provider=provider)
        request_type.add_step(None, name="Approve", approvers=json.dumps([{"kind": "people", "ids": [approver.id]}]),
                              mode="any", copied="[]", on_timeout="remind")
        version = request_type.publish(None)
        self.requests = [ResourceRequest.file(requester, version, "Ask %d" % n, {}) for n in range(self.REQUESTS)]
        self.steps = {r.id: r.active_step().id for r in self.requests}
        self.after = last_audit_id()
        return [approver] * self.clients

    def change(self, client, n):
        request = self.requests[(n - 1) % len(self.requests)]
        return request.id, "/requests/%d/steps/%d/approve" % (request.id, self.steps[request.id]), {"comment": ""}

    def answered(self, client, value, response):
        if response.status == 303:
            return "acked"
        return "declined" if response.status == 200 and "already decided" in response.text else "refused"

    def problems(self, acked, in_flight):
        ids = list(self.steps)
        approved = {r.id for r in ResourceRequest.select().where(ResourceRequest.id.in_(ids)
                                                                  & (ResourceRequest.state == "approved"))}
        seats = collections.Counter(StepApprover.select(StepApprover.step).where(
            StepApprover.step.in_(list(self.steps.values())) & (StepApprover.state == "approved")).scalars())
        audited = collections.Counter(AuditEntry.select(AuditEntry.object_id).where(
            (AuditEntry.id > self.after) & (AuditEntry.action == "request.approve")).scalars())
        noted = collections.Counter(RequestEvent.select(RequestEvent.request).where(
            RequestEvent.request.in_(ids) & (RequestEvent.action == "approved")).scalars())
        problems = ["request %d: approved %d times" % (i, n) for i, n in collections.Counter(acked).items() if n > 1]
        lost = [i for i in set(acked) if i not in approved]
        problems += ["request %d: the acknowledged approval is lost" % i for i in lost]
        problems += ["request %d: approved without an acknowledged decision" % i
                     for i in approved - set(acked) - set(in_flight)]
        for request_id in approved:
            counts = (seats[self.steps[request_id]], audited[request_id], noted[request_id])
            if counts != (1, 1, 1):
                problems.append("request %d: %d decisions, %d audit rows, %d trail lines" % (request_id, *counts))
        return problems, len(lost)


class HandInOneReport(Writer):
    """A person hands in the same reports from two windows at once: each report is handed in once,
    with one audit row; the other window is told it was handed in already (or may no longer write
    it), and nothing it sent is stored."""

    REPORTS = 60
    headers = {"Accept-Language": "en"}  # the refusal is read in English

    def prepare(self):
        department = Department.add(None, "Reporting %d" % next(_serial))
        writer = person(department)
        plan = ReportPlan.configure(None, department, active=True, cadence="weekly", due_weekday=4,
                                    due_time=datetime.time(18), sections=[])
        week, self.reports = Period("weekly", datetime.date(2025, 1, 6)), []
        while len(self.reports) < self.REPORTS:
            if plan.due_at(week) is not None:
                self.reports.append(Report.start(writer, plan, week))
            week = week.following()
        self.after = last_audit_id()
        return [writer] * self.clients

    def change(self, client, n):
        report = self.reports[(n - 1) % len(self.reports)]
        return report.id, "/reports/%d/edit" % report.id, {
            "version": report.version, "copy": "window-%d" % client, "submit": "1",
            "texts-0": "Handed in from window %d" % client, "texts-1": "", "texts-2": "", "texts-3": ""}

    def answered(self, client, value, response):
        if response.status == 303:
            return "acked"
        declined = response.status == 403 or (response.status == 200 and "handed in already" in response.text)
        return "declined" if declined else "refused"

    def problems(self, acked, in_flight):
        ids = [report.id for report in self.reports]
        handed = {r.id: r for r in Report.select().where(Report.id.in_(ids) & (Report.state == "submitted"))}
        audited = collections.Counter(AuditEntry.select(AuditEntry.object_id).where(
            (AuditEntry.id > self.after) & (AuditEntry.action == "report.submit")).scalars())
        problems = ["report %d: handed in %d times" % (i, n) for i, n in collections.Counter(acked).items() if n > 1]
        lost = [i for i in set(acked) if i not in handed]
        problems += ["report %d: the acknowledged hand-in is lost" % i for i in lost]
        problems += ["report %d: handed in without an acknowledged answer" % i
                     for i in set(handed) - set(acked) - set(in_flight)]
        problems += ["report %d: %d audit rows for one hand-in" % (i, audited[i]) for i in handed if audited[i] != 1]
        problems += ["report %d: a text from two windows" % i for i, report in handed.items()
                     if len({text for _, text in report.section_items() if text}) > 1]
        return problems, len(lost)


WRITERS = [RenameOneDepartment, EditOnePerson, OwnPreferences, MoveOneCard, CheckInOneTarget, DecideOneStep,
           HandInOneReport]
