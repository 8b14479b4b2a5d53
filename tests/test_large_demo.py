"""`flask demo --size large`: the benchmark's company, at full size, shaped as the behaviours would
have left it, loaded once; and the portal's own behaviours carry on from it."""
import collections
import datetime

import pytest
from peewee import fn

import demo
from portal import create_app
from portal.accounts.models import Department, User
from portal.audit import AuditEntry
from portal.db import utcnow
from portal.meetings.models import Attendance, Decision, Meeting, MeetingSeries, MinutesVersion
from portal.projects.models import CheckIn, Project, Target
from demo.requests import REQUESTS
from portal.requests.models import (OPEN_STATES, STATES, Allocation, RequestEvent, RequestRound, RequestStep,
                                    ResourceRequest, StepApprover)
from portal.tasks.models import PRIORITIES, STATUSES, VERSIONED, Task, TaskComment, TaskDependency, TaskTag
from tests.conftest import release_connections


@pytest.fixture(scope="module")
def migrated_database(engine, schema_database, tmp_path_factory):
    """The large company loaded once (a quarter of a minute), and copied for each test like the empty one."""
    folder = tmp_path_factory.mktemp("large")
    url = engine.copy(schema_database, folder)
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "INSTANCE_PATH": str(folder / "instance"),
                      "DATABASE_URL": url, "DEFAULT_LOCALE": "en", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    demo.register(app)
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["demo", "--size", "large"])
    assert result.exit_code == 0, result.output
    release_connections()
    yield url
    engine.drop(url)


@pytest.fixture
def large(app):
    return app


def _counts():
    return [model.select().count() for model in (User, Department, Project, Target, CheckIn, Task, TaskComment,
                                                 Meeting, Decision, ResourceRequest, RequestEvent, AuditEntry)]


def test_the_large_company_has_the_size_the_benchmark_names_and_loads_once(large, runner):
    counts = _counts()
    assert counts[:3] == [300, 12, 60]
    assert counts[5] == 20_000 and counts[7] == 600 and counts[9] == 5_000 and counts[11] == 200_000
    assert runner.invoke(args=["demo", "--size", "large"]).exit_code == 0
    assert _counts() == counts
    assert all(d.head_id for d in Department.select())


def test_projects_have_departments_targets_and_check_ins_whose_latest_is_the_targets_value(large):
    assert all(len(p.department_ids) >= 2 and p.targets.count() >= 1 for p in Project.select())
    assert {t.status for t in Target.select()} == {"on_track", "at_risk", "off_track"}
    latest = (CheckIn.select(CheckIn.target, CheckIn.value, CheckIn.created_at)
              .order_by(CheckIn.created_at, CheckIn.id).tuples())
    values = {target: (value, at) for target, value, at in latest}
    tracked = list(Target.select().where(Target.checked_in_at.is_null(False)))
    assert len(tracked) > 200
    assert all(values[t.id] == (t.current_value, t.checked_in_at) for t in tracked)
    assert CheckIn.select().count() == AuditEntry.select().where(AuditEntry.action == "target.check_in").count()


def test_tasks_spread_over_the_year_departments_owners_statuses_and_projects(large):
    tasks = Task.select()
    assert {t.status for t in tasks} == set(STATUSES) and {t.priority for t in tasks} == set(PRIORITIES)
    assert Task.select(fn.COUNT(Task.owner.distinct())).scalar() > 250
    assert Task.select(fn.COUNT(Task.department.distinct())).scalar() == 12
    assert Task.select().where(Task.project.is_null(False)).count() > 12_000
    oldest, newest = Task.select(fn.MIN(Task.created_at), fn.MAX(Task.created_at)).tuples().get()
    assert utcnow() - oldest > datetime.timedelta(days=300) and utcnow() - newest < datetime.timedelta(days=7)
    assert TaskComment.select().count() > 10_000 and TaskTag.select().count() > 15_000
    assert Task.select().where((Task.status == "done") & Task.done_at.is_null()).count() == 0


def test_each_tasks_version_counts_its_changes_and_no_tasks_wait_for_each_other_in_a_circle(large):
    changes = (AuditEntry.select(AuditEntry.object_id, fn.COUNT(AuditEntry.id))
               .where((AuditEntry.object_type == "Task") & AuditEntry.action.in_(VERSIONED))
               .group_by(AuditEntry.object_id).tuples())
    versions = dict(Task.select(Task.id, Task.version).tuples())
    assert dict(changes) == versions
    waits = collections.defaultdict(list)
    for task, blocker in TaskDependency.select(TaskDependency.task, TaskDependency.blocked_by).tuples():
        waits[task].append(blocker)
    assert sum(map(len, waits.values())) > 2_000
    done, visiting = set(), set()

    def circular(task):
        if task in visiting:
            return True
        if task in done:
            return False
        visiting.add(task)
        found = any(circular(blocker) for blocker in waits[task])
        visiting.discard(task)
        done.add(task)
        return found
    assert not any(circular(task) for task in list(waits))


def test_each_series_holds_a_year_of_closed_minutes_and_its_next_meeting_open(large):
    assert MeetingSeries.select().count() == 12
    for series in MeetingSeries.select():
        meetings = list(series.meetings.order_by(Meeting.starts_at))
        assert [m.state for m in meetings[:-1]] == ["closed"] * (len(meetings) - 1)
        assert meetings[-1].state == "open" and meetings[-1].starts_at > utcnow()
    closed = Meeting.select().where(Meeting.state == "closed")
    assert closed.count() == MinutesVersion.select().count() == 588
    assert not closed.where(~fn.EXISTS(Decision.select().where(Decision.meeting == Meeting.id))).exists()
    assert not closed.where(~fn.EXISTS(Attendance.select().where(Attendance.meeting == Meeting.id))).exists()


def test_requests_in_every_state_each_where_its_flow_leaves_it(large):
    states = dict(ResourceRequest.select(ResourceRequest.state, fn.COUNT(ResourceRequest.id))
                  .group_by(ResourceRequest.state).tuples())
    # Revocation (撤销) is not seeded yet: the bulk writer has no replay of it to be proven against.
    assert set(states) == set(STATES) - {"revoking", "revoked"} and states["approved"] > 3_000
    active = RequestStep.select(RequestStep.request).where(RequestStep.state == "active")
    waiting = ResourceRequest.select().where(ResourceRequest.state.in_(["in_review", "allocating"]))
    assert sorted(r.id for r in waiting) == sorted(s.request_id for s in active)
    # The dozen small-company requests are overdue on purpose; the large company's wait within their limits.
    small = ResourceRequest.select(ResourceRequest.id).where(ResourceRequest.title.in_([r[2] for r in REQUESTS]))
    assert not RequestStep.select().where((RequestStep.state == "active") & (RequestStep.due_at < utcnow())
                                          & RequestStep.request.not_in(small)).exists()
    pending = StepApprover.select().join(RequestStep).where(StepApprover.state == "pending")
    assert pending.count() >= waiting.count() and all(seat.step.state == "active" for seat in pending)
    assert Allocation.select().count() == states["approved"]
    finished = ResourceRequest.select().where(ResourceRequest.state.not_in(OPEN_STATES))
    assert not finished.where(ResourceRequest.finished_at.is_null()).exists()
    decided = StepApprover.select().where(StepApprover.state == "approved").count()
    approvals = AuditEntry.select().where(AuditEntry.action.in_(["request.approve", "request.allocate"])).count()
    assert decided == approvals
    filed = RequestEvent.select().where(RequestEvent.action == "filed").count()
    assert filed == ResourceRequest.select().count()
    sent = RequestRound.select().join(ResourceRequest).where((RequestRound.number == ResourceRequest.round)
                                                              & (RequestRound.values == ResourceRequest.values))
    assert sent.count() == ResourceRequest.select().count(), "each request's latest round holds its values"


def test_the_portals_behaviours_carry_on_from_the_seeded_company(large):
    seat = (StepApprover.select().join(RequestStep)
            .where((StepApprover.state == "pending") & (RequestStep.kind == "approval") & (RequestStep.mode == "any"))
            .order_by(StepApprover.id)
            .first())
    request = seat.step.request
    request.decide(seat.user, seat.step_id, "approve")
    assert RequestStep.get_by_id(seat.step_id).state == "approved"
    task = Task.select().where(Task.status == "doing").order_by(Task.id.desc()).first()
    moved = task.move(task.owner, task.version, "review")
    assert moved.version == task.version + 1 and moved.status == "review"
