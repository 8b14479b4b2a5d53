"""Every rule of portal.permissions that lists also answer in SQL has a twin; the two must agree.

A random company (roles, heads, people without a department, deactivated people) is built through
the real behaviours, then for every person the SQL list is compared with the Python rule asked of
every object. A new twin joins TWINS."""
import datetime
import random

import pytest
from peewee import JOIN

from portal import search
from portal.finder import visibility
from portal.meetings.agenda import REF_MODELS, hidden_refs
from portal.meetings.models import ActionItem, Decision, MeetingSeries
from portal.permissions import can
from portal.projects.alignment import Tension
from portal.projects.models import Project, Target
from portal.requests.models import ResourceRequest
from portal.requests.types import RequestType
from portal.reports.models import Report
from portal.reports.plans import Period, ReportPlan
from portal.tasks.models import Task
from tests.requests.conftest import step

START = datetime.date(2026, 1, 5)


def _projects(user):
    return Project.visible_to(user)


def _targets(user):
    return Target.visible_to(user)


def _tasks(user):
    return (Task.select(Task.id).join(Project, JOIN.LEFT_OUTER, on=(Task.project == Project.id))
            .where(Task.visibility_for(user)))


def _series(user):
    return MeetingSeries.visible_to(user)


def _requests(user):
    return ResourceRequest.visible_to(user)


def _action_items(user):
    return ActionItem.visible_to(user)


def _tensions(user):
    return Tension.visible_to(user)


def _reports(user):
    return Report.visible_to(user)


TWINS = [(Project, _projects), (Target, _targets), (Tension, _tensions), (Report, _reports), (Task, _tasks),
         (MeetingSeries, _series), (ResourceRequest, _requests), (ActionItem, _action_items)]


@pytest.fixture(params=[1, 2, 3])
def company(request, app, make_department, make_user):
    pick = random.Random(request.param)
    departments = [make_department() for _ in range(4)]
    people = [make_user(department=False, role="admin")] + [make_user(department=d) for d in departments]
    for _ in range(10):
        department = pick.choice(departments + [None])
        role = pick.choice(["member"] * 4 + ["coordinator", "admin"])
        people.append(make_user(department=department or False, role=role,
                                head_of=department is not None and department.head_id is None and pick.random() < .5))
    people[-1].deactivate(people[0])
    projects = []
    for n in range(6):
        coordinator = pick.choice([p for p in people if p.role in ("coordinator", "admin")] or people)
        chosen = pick.sample(departments, pick.randint(1, 2))
        project = Project.start(None, name="P%d" % n, goal="", coordinator=coordinator, departments=chosen,
                                start_date=START, end_date=START + datetime.timedelta(days=90), status="active",
                                visibility=pick.choice(["company", "participants"]))
        projects.append(project)
        owner = pick.choice([p for p in people if p.active and p.department_id == chosen[0].id])
        Target.define(None, project, title="T%d" % n, unit="", baseline="0", target_value="10", direction="raise",
                      start_date=START, due_date=START + datetime.timedelta(days=60), department=chosen[0],
                      owner=owner, weight=1)
    goals = [Target.define(None, None, title="G%d" % n, unit="", baseline="0", target_value="10", direction="raise",
                           start_date=START, due_date=START + datetime.timedelta(days=60),
                           department=department, owner=pick.choice([p for p in people if p.active
                                                                     and p.department_id == department.id]),
                           weight=1)
             for n, department in enumerate(pick.sample(departments, 2))]
    targets = list(Target.select())
    for n in range(8):
        one, other = pick.sample(targets, 2)
        if not Tension.select().where(((Tension.target == one.id) & (Tension.other == other.id))
                                      | ((Tension.target == other.id) & (Tension.other == one.id))).exists():
            Tension.name(None, one, other, "tension %d" % n)
    assert goals and Tension.select().exists()
    active = [p for p in people if p.active and p.department_id]
    week = Period("weekly", datetime.date(2026, 5, 11))
    for department in departments:
        plan = ReportPlan.configure(None, department, active=True, cadence="weekly", due_weekday=4,
                                    due_time=datetime.time(18), sections=[])
        for author in [p for p in active if p.department_id == department.id]:
            report = Report.start(author, plan, week)
            if pick.random() < .7:
                helpers = [(pick.choice(departments), None, "help"), (None, pick.choice(
                    [p for p in active if p.id != author.id]), "help")]
                report.submit(author, report.version, ["done"] + [""] * 3, pick.sample(helpers, pick.randint(0, 2)))
    for n in range(20):
        owner, by = pick.choice(active), pick.choice(active)
        Task.open(by, "Task %d" % n, owner=owner, reason="parity", project=pick.choice(projects + [None]))
    for n in range(4):
        coordinator = pick.choice([p for p in people if p.active and p.role in ("coordinator", "admin")] or active)
        _, meeting = MeetingSeries.plan(coordinator, departments=pick.sample(departments, pick.randint(1, 2)),
                           people=pick.sample(active, pick.randint(0, 2)), day=START, start_time=datetime.time(10),
                           timezone="Asia/Shanghai", recurring=False, title="S%d" % n, duration_minutes=30,
                           coordinator=coordinator,
                           location="", video_link="", reminder_minutes=60, now=datetime.datetime(2026, 1, 1))
        meeting.record_decision(coordinator, "Decision %d" % n)
        meeting.assign_action(coordinator, "Action %d" % n, coordinator, START + datetime.timedelta(days=7),
                              now=datetime.datetime(2026, 1, 1))
    _requests_between(pick, people, departments)
    return people


def _requests_between(pick, people, departments):
    """Request types whose steps copy (抄送) random people, one only above an amount; requests
    filed by anyone, some decided or sent back."""
    admin = people[0]
    versions = []
    for n in range(2):
        request_type = RequestType.add(admin, name="R%d" % n, provider=pick.choice(departments))
        amount = request_type.add_field(admin, label="Amount", kind="money", currency="CNY")
        copy = lambda: [p.id for p in pick.sample(people, 2)]  # noqa: E731
        request_type.add_step(admin, **step("Head", [{"kind": "requester_head"}], copied=copy()))
        request_type.add_step(admin, **step("Big", [{"kind": "people", "ids": [pick.choice(people).id]}],
                                            condition_field=amount, condition_op=">", condition_value="100",
                                            copied=copy()))
        request_type.add_step(admin, **step("Provider", [{"kind": "provider_head"}], copied=copy()))
        versions.append(request_type.publish(admin))
    for n in range(12):
        version = pick.choice(versions)
        request = ResourceRequest.file(pick.choice([p for p in people if p.active]), version, "Ask %d" % n,
                                       {version.fields[0].key: pick.choice(["50.00", "500.00", None])})
        for _ in range(pick.randint(0, 3)):
            waiting = request.active_step()
            if waiting is None or not waiting.pending_seats():
                break
            decision = pick.choice(["approve", "approve", "return"])
            request.decide(waiting.pending_seats()[0].user, waiting.id, decision, "because")
            if decision == "return":
                break


def test_each_sql_list_holds_exactly_what_the_view_rule_allows_for_everyone(company):
    for model, listing in TWINS:
        objects = list(model.select())
        assert objects
        for user in [p for p in company if p.active]:  # a deactivated person is signed out everywhere
            allowed = {obj.id for obj in objects if can(user, "view", obj)}
            listed = {row.id for row in listing(user)}
            assert listed == allowed, (model.__name__, user.name, user.role)
    # A board's column counts read the twin through a narrower query of their own.
    tasks = list(Task.select())
    for user in [p for p in company if p.active]:
        assert sum(Task.counts(user, Task.status).values()) == sum(can(user, "view", task) for task in tasks), user.name
        # Both are statements compiled once per shape (who reads, which filters) and shared by
        # everyone of that shape: each call's own reader and filters are bound into them.
        for project in Project.select():
            assert (sum(Task.counts(user, Task.department, project=project).values())
                    == sum(task.project_id == project.id and can(user, "view", task) for task in tasks))
            assert (Project.seen_by(user, project.id) is not None) == can(user, "view", project)
            if can(user, "view", project):  # a project board's: no condition but the project
                shown = {task.id for task in tasks if task.project_id == project.id and can(user, "view", task)}
                assert {task.id for task in Task.board(user, seen_project=project)} == shown
                assert sum(Task.counts(user, Task.status, seen_project=project).values()) == len(shown)
        assert ({task.id for task in tasks if Task.card(user, task.id) is not None}
                == {task.id for task in tasks if can(user, "view", task)}), user.name
    for project in Project.select():
        assert set(project.audience()) == {p for p in company if p.active and can(p, "view", project)}
    # An agenda hides the refs its reader may not see by the same twins, one query per kind.
    models = {model.__name__: model for model, _ in TWINS}
    refs = {"%s:%d" % (kind, obj.id): obj for kind, name in REF_MODELS.items() for obj in models[name].select()}
    for user in [p for p in company if p.active]:
        assert hidden_refs([*refs, "task:0", "task:x", None], user) == {
            ref for ref, obj in refs.items() if not can(user, "view", obj)} | {"task:0", "task:x"}, user.name


SEARCHED = {"project": Project, "target": Target, "task": Task, "decision": Decision, "report": Report}


def test_search_finds_of_each_kind_exactly_what_the_view_rule_allows_for_everyone(company):
    seen = set()
    for user in [p for p in company if p.active]:
        conditions = visibility(user)
        for kind, model in SEARCHED.items():
            condition = conditions[kind]
            found = {object_id for object_id, in search.SearchDocument.select(search.SearchDocument.object_id)
                     .where((search.SearchDocument.kind == kind) & (True if condition is True else condition))
                     .tuples()}
            allowed = {obj.id for obj in model.select() if can(user, "view", obj)}
            assert found == allowed, (kind, user.name, user.role)
            seen.update([(kind, "hidden")] if len(allowed) < model.select().count() else [])
            seen.update([(kind, "shown")] if allowed else [])
    # Each kind was hidden from someone and shown to someone, or the comparison proved little.
    assert seen == {(kind, how) for kind in SEARCHED for how in ("hidden", "shown")}
