"""Importing a project's tasks from a spreadsheet: the columns understood, and how each row is
matched (by title, within the project) to a task to create, update or leave as it is."""
import decimal

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from portal import imports
from portal.accounts.models import User
from portal.audit import apply_changes
from portal.db import Invalid, db, utcnow
from portal.tasks.models import PRIORITIES, STATUSES, Task


def _title(text):
    if len(text) > 200:
        raise Invalid(_l("Keep the title under 200 characters."))
    return text


def _priority(text):
    key = text.strip().upper()[:2]
    if key not in PRIORITIES:
        raise Invalid(gettext("There is no priority “%(value)s”; choose P0, P1, P2 or P3.", value=text))
    return key


def _status(text):
    key = imports.choice_cell(STATUSES, text)
    if key is None:
        raise Invalid(gettext("There is no status “%(value)s”; choose one of the board's columns.", value=text))
    return key


def _hours(text):
    try:
        hours = decimal.Decimal(text.strip())
    except decimal.InvalidOperation:
        raise Invalid(_l("Enter the estimate as a number of hours.")) from None
    if not hours.is_finite() or not 0 <= hours <= 100000:
        raise Invalid(_l("Enter the estimate as a number of hours."))
    return hours.quantize(decimal.Decimal("0.1"))


FIELDS = [
    imports.Field("title", _l("Title"), ("title", "task", "标题", "任务", "任务名称"), _title, required=True,
                  matches=True),
    imports.Field("owner", _l("Owner"), ("owner", "owner email", "负责人", "负责人邮箱", "email", "邮箱"), User.named,
                  required=True),
    imports.Field("priority", _l("Priority"), ("priority", "优先级"), _priority),
    imports.Field("status", _l("Status"), ("status", "状态"), _status),
    imports.Field("due_date", _l("Due date"), ("due date", "due", "deadline", "截止日期", "截止", "到期日"),
                  imports.date_cell),
    imports.Field("estimate_hours", _l("Estimate (hours)"), ("estimate (hours)", "estimate", "hours", "预计工时",
                                                            "预计工时（小时）", "工时"), _hours),
    imports.Field("description", _l("Description"), ("description", "notes", "描述", "说明", "备注"), str),
]
# The template's one example row, under the headers in the reader's language.
EXAMPLE = ["确认供应商合同 / Confirm the supplier contract", "coordinator@example.com", "P1", "todo", "2026-06-30",
           "4", ""]
UPDATED = ("owner", "priority", "status", "due_date", "estimate_hours", "description")


def planner(project):
    """`decide` for imports.plan: a row names an existing task of the project by its title."""
    existing = {task.title: task for task in Task.select().where(Task.project == project.id)}

    def decide(row):
        title = row.values["title"]
        task = existing.get(title)
        if task is None:
            return
        row.existing = task
        wanted = {key: row.values[key] for key in UPDATED if key in row.values}
        if "owner" in wanted:
            wanted["owner"] = wanted["owner"].id
        current = {key: (task.owner_id if key == "owner" else getattr(task, key)) for key in wanted}
        row.changes = {key: value for key, value in wanted.items() if current[key] != value}
        row.action = "update" if row.changes else "unchanged"
    return decide


def apply(by, project, rows, mapping, source):
    """Create and update the project's tasks as the rows say, in one transaction with one audit
    entry, planned again under the write lock. Returns (created, updated)."""
    now = utcnow()

    def save_row(row):
        values = dict(row.values)
        owner = values.pop("owner")
        if row.action == "create":
            task = Task.create(created_by=by, project=project, owner=owner, department=owner.department_id,
                               done_at=now if values.get("status") == "done" else None, **values)
            task.index_for_search(comments=())
            return
        task = Task.get_by_id(row.existing.id)
        changed = {key: owner if key == "owner" else values[key] for key in row.changes}
        if "owner" in changed:
            changed["department"] = owner.department
        changes = apply_changes(task, **changed)
        if "status" in changes:
            task.done_at = now if task.status == "done" else None
        task.version += 1
        task.updated_at = now
        task.save()
        task.index_for_search()

    with db.atomic():
        project.refuse_if_archived()
        return imports.save(by, project, "task.import", rows, mapping, FIELDS, planner(project), save_row, source)
