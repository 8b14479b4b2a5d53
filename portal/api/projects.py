"""Projects, their targets, and check-ins (read, and posted by whoever may check in)."""
from decimal import Decimal

from flask_login import current_user

from portal.api import schemas
from portal.api.protocol import answer, api, body, links, operation, query, ref, refused
from portal.api.cursor import page
from portal.db import Invalid
from portal.permissions import authorized
from portal.projects.models import CheckIn, Milestone, Project, Target, overall_progress, today

TAGS = ["projects"]


@api.route("/projects")
@operation(query=schemas.ProjectQuery, model=schemas.ProjectPage, tags=TAGS)
def projects():
    """Projects the token's owner may see; `current` leaves out archived ones."""
    asked = query(schemas.ProjectQuery)
    rows, cursor = page(Project.with_details(Project.listing(current_user, asked.status), targets=False),
                        [Project.id], asked.cursor, asked.limit)
    url = links("projects.show", "project_id")
    return answer(schemas.ProjectPage(items=[_project(p, url) for p in rows], next_cursor=cursor))


@api.route("/projects/<int:project_id>")
@operation(model=schemas.ProjectDetail, answers=(404,), tags=TAGS)
def project(project_id):
    """A project with its progress and milestones."""
    found = authorized(Project, project_id)
    milestones = found.milestones.order_by(Milestone.due_date, Milestone.id)
    progress = overall_progress(Target.of_project(found))
    shown = _project(found, links("projects.show", "project_id"))
    return answer(schemas.ProjectDetail(
        **shown.model_dump(), progress=None if progress is None else float(progress),
        milestones=[schemas.Milestone(id=m.id, title=m.title, due_date=m.due_date, closed_at=m.closed_at)
                    for m in milestones]))


@api.route("/projects/<int:project_id>/targets")
@operation(query=schemas.ListQuery, model=schemas.TargetPage, answers=(404,), tags=TAGS)
def targets(project_id):
    """The project's targets, each with its status by the straight-line rule."""
    found = authorized(Project, project_id)
    asked = query(schemas.ListQuery)
    rows, cursor = page(Target.of_project(found), [Target.id], asked.cursor, asked.limit)
    url = links("targets.show", "target_id")
    return answer(schemas.TargetPage(items=[_target(t, url) for t in rows], next_cursor=cursor))


@api.route("/targets/<int:target_id>")
@operation(model=schemas.Target, answers=(404,), tags=TAGS)
def target(target_id):
    return answer(_target(authorized(Target, target_id), links("targets.show", "target_id")))


@api.route("/targets/<int:target_id>/check-ins")
@operation(query=schemas.ListQuery, model=schemas.CheckInPage, answers=(404,), tags=TAGS)
def check_ins(target_id):
    """The target's check-ins, newest first."""
    found = authorized(Target, target_id)
    asked = query(schemas.ListQuery)
    rows, cursor = page(found.check_ins(), [CheckIn.id], asked.cursor, asked.limit, descending=True)
    return answer(schemas.CheckInPage(items=[_check_in(c) for c in rows], next_cursor=cursor))


@api.route("/targets/<int:target_id>/check-ins", methods=["POST"])
@operation(body=schemas.NewCheckIn, model=schemas.CheckIn, status=201, answers=(403, 404), tags=TAGS)
def check_in(target_id):
    """Record the target's value now. History is never edited: a correction is another check-in."""
    found = authorized(Target, target_id, "check_in")
    sent = body(schemas.NewCheckIn)
    try:
        made = found.check_in(current_user, sent.value, sent.note)
    except Invalid as invalid:
        raise refused(invalid) from None
    made.author = current_user
    return answer(_check_in(made), 201)


def _project(p, url):
    return schemas.Project(
        id=p.id, name=p.name, goal=p.goal, status=p.status, visibility=p.visibility, start_date=p.start_date,
        end_date=p.end_date, coordinator=ref(p.coordinator, p.coordinator.name),
        departments=[ref(d, d.display_name) for d in p.departments], url=url(p.id))


def _target(t, url):
    progress = t.progress
    department = ref(t.department, t.department.display_name) if t.department_id else None
    return schemas.Target(
        id=t.id, project_id=t.project_id, title=t.title, unit=t.unit, baseline=_exact(t.baseline),
        target_value=_exact(t.target_value), direction=t.direction, start_date=t.start_date, due_date=t.due_date,
        department=department, owner=ref(t.owner, t.owner.name), weight=t.weight,
        current_value=_exact(t.current_value), checked_in_at=t.checked_in_at,
        progress=None if progress is None else float(progress), status=t.status_on(today()),
        url=url(t.id))


def _check_in(c):
    return schemas.CheckIn(id=c.id, target_id=c.target_id, value=_exact(c.value), note=c.note,
                           author=ref(c.author, c.author.name), created_at=c.created_at)


def _exact(value):
    """A stored measure without the padding of its column (150.5, not 150.5000)."""
    return None if value is None else Decimal(format(value.normalize(), "f"))
