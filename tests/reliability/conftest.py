"""The reliability suite's writers: each kind of concurrent write the portal must not lose.

A writer makes its objects (`prepare`), names the change each client sends over HTTP
(`change`), and afterwards compares what the server acknowledged with the data and the audit
trail (`problems`). A feature adds its writes (a card move, a check-in, an approval) as a class
in WRITERS; the concurrency and crash tests then run it with every other writer.
"""
import collections
import itertools
import json

import pytest
from peewee import fn

from portal.accounts.models import Department, User
from portal.audit import AuditEntry
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

    def prepare(self):
        """Make the objects; return the users the clients sign in as, one per client."""
        raise NotImplementedError

    def change(self, client, n):
        """(value, path, form) of client's n-th write: the value identifies it afterwards."""
        raise NotImplementedError

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


WRITERS = [RenameOneDepartment, EditOnePerson, OwnPreferences]
