"""Tasks: the filtered list every board is built from, one task, a new task, and changes of status,
priority, owner or due date made on the version read (a stale one answers 409 with the task now)."""
from flask_babel import get_locale, gettext
from flask_login import current_user
from peewee import JOIN, CommaNodeList, Join, Select

from portal.accounts.models import Department, User
from portal.api import schemas
from portal.api.protocol import answer, api, body, link, links, operation, query, refused
from portal.api.cursor import page
from portal.api.problems import STALE, Problem
from portal.db import Invalid, Prepared, Stale, db
from portal.permissions import authorize, authorized, can
from portal.projects.models import Project
from portal.tasks.models import Task

TAGS = ["tasks"]


@api.route("/tasks")
@operation(query=schemas.TaskQuery, model=schemas.TaskPage, tags=TAGS)
def tasks():
    """Tasks the token's owner may see, narrowed by the filters; oldest first."""
    asked = query(schemas.TaskQuery)
    owner = current_user.id if asked.owner == "me" else asked.owner
    found = Task.narrowed(_rows(), current_user, department=asked.department,
                          requesting_department=asked.requesting_department, owner=owner, priority=asked.priority,
                          tag=asked.tag, overdue=asked.overdue, open_only=asked.open, project=asked.project,
                          status=asked.status)
    rows, cursor = page(found, [Task.id], asked.cursor, asked.limit)
    return answer(schemas.TaskPage.model_validate({"items": _shaped(rows), "next_cursor": cursor}))


@api.route("/tasks/<int:task_id>")
@operation(model=schemas.Task, answers=(404,), tags=TAGS)
def task(task_id):
    return answer(_task(authorized(Task, task_id)))


@api.route("/tasks", methods=["POST"])
@operation(body=schemas.NewTask, model=schemas.Task, status=201, tags=TAGS)
def create():
    """Ask someone for something: the task lands on its owner's board."""
    authorize("create_task")
    sent = body(schemas.NewTask)
    try:
        made = Task.open(current_user, title=sent.title, owner=_person(sent.owner_id, "owner_id"),
                         description=sent.description, priority=sent.priority, status=sent.status,
                         due_date=sent.due_date, project=_project(sent.project_id),
                         requesting_department=_department(sent.requesting_department_id), tags=sent.tags,
                         reason=sent.reason)
    except Invalid as invalid:
        raise refused(invalid) from None
    response = answer(_task(made), 201)
    response.headers["Location"] = link("api.task", task_id=made.id)
    return response


@api.route("/tasks/<int:task_id>", methods=["PATCH"])
@operation(body=schemas.TaskChange, model=schemas.Task, answers=(404, 409), tags=TAGS)
def change(task_id):
    """Change the status, priority, owner or due date of the version read. A change made on an older
    version changes nothing and answers 409 with the task as it is now."""
    found = authorized(Task, task_id, "edit")
    sent = body(schemas.TaskChange)
    values = {name: getattr(sent, name) for name in ("status", "priority", "due_date") if name in sent.model_fields_set}
    if "owner_id" in sent.model_fields_set:
        values["owner"] = _person(sent.owner_id, "owner_id")
    try:
        changed = found.revise(current_user, sent.version, reason=sent.reason, **values)
    except Stale as stale:
        raise Problem(409, stale.message, STALE, current=_task(stale.current).model_dump(mode="json")) from None
    except Invalid as invalid:
        raise refused(invalid) from None
    return answer(_task(changed))


def _person(user_id, field):
    person = User.get_or_none(User.id == user_id) if user_id is not None else None
    if person is None:
        raise refused(Invalid(gettext("There is nobody with the id %(id)s.", id=user_id), field))
    return person


def _project(project_id):
    found = Project.get_or_none(Project.id == project_id) if project_id is not None else None
    if project_id is not None and (found is None or not can(current_user, "view", found)):
        raise refused(Invalid(gettext("There is no project with the id %(id)s.", id=project_id), "project_id"))
    return found


def _department(department_id):
    found = Department.get_or_none(Department.id == department_id) if department_id is not None else None
    if department_id is not None and found is None:
        raise refused(Invalid(gettext("There is no department with the id %(id)s.", id=department_id),
                              "requesting_department_id"))
    return found


def _rows():
    """Tasks as plain rows of all their API shape shows: the owner's and departments' names joined
    in, and the project joined (outer) for the view rule. Rows, not models: five models a row took
    longer than running the query. Values as the driver reads them, which the schema parses as it
    validates the page: peewee's converters parsing them first took a fifth of the request. The
    selection and its joins are compiled once per engine: afresh, they took longer than the query."""
    sources = (Task, User, Department, _REQUESTING, Project)
    return Select([_JOINED(sources)], [_SHOWN(sources)]).bind(db).dicts()


_REQUESTING = Department.alias()
_JOINED = Prepared(lambda task, user, department, requesting, project: Join(Join(Join(Join(
    task, user, JOIN.INNER, task.owner == user.id),
    department, JOIN.LEFT_OUTER, task.department == department.id),
    requesting, JOIN.LEFT_OUTER, task.requesting_department == requesting.id),
    project, JOIN.LEFT_OUTER, task.project == project.id), places=0)
_SHOWN = Prepared(lambda task, user, department, requesting, project: CommaNodeList((
    task.id, task.title, task.description, task.owner.alias("owner_id"), user.name.alias("owner_name"),
    task.department.alias("department_id"), department.name.alias("department_name"),
    department.name_en.alias("department_name_en"), task.requesting_department.alias("requesting_department_id"),
    requesting.name.alias("requesting_name"), requesting.name_en.alias("requesting_name_en"),
    task.project.alias("project_id"), task.priority, task.status, task.due_date, task.estimate_hours, task.version,
    task.created_at, task.updated_at, task.done_at)), places=0)


def _task(task):
    """`task` as the API shows it, read again as the list reads its rows: the one way to that shape."""
    shaped = _shaped(_rows().where(Task.id == task.id))
    if not shaped:
        raise Problem(404)
    return schemas.Task.model_validate(shaped[0])


def _shaped(rows):
    """The rows as the items of the API's answer, to be validated by schemas.Task."""
    locale, url = get_locale(), links("tasks.show", "task_id")
    return [{
        "id": row["id"], "title": row["title"], "description": row["description"],
        "owner": {"id": row["owner_id"], "name": row["owner_name"]},
        "department": _named(locale, row["department_id"], row["department_name"], row["department_name_en"]),
        "requesting_department": _named(locale, row["requesting_department_id"], row["requesting_name"],
                                        row["requesting_name_en"]),
        "project_id": row["project_id"], "priority": row["priority"], "status": row["status"],
        "due_date": row["due_date"], "estimate_hours": _hours(row["estimate_hours"]), "version": row["version"],
        "created_at": row["created_at"], "updated_at": row["updated_at"], "done_at": row["done_at"],
        "url": url(row["id"])} for row in rows]


def _named(locale, department_id, name, name_en):
    return None if department_id is None else {"id": department_id, "name": Department.name_for(locale, name, name_en)}


# As the field reads it: the same decimal from every engine (PostgreSQL pads it to the column's places).
_hours = Task.estimate_hours.python_value
