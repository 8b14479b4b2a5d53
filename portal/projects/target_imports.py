"""Importing a project's targets from a spreadsheet, each with its baseline and goal: matched by
title within the project to a target to create, update or leave as it is."""
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from portal import imports
from portal.accounts.imports import department_cell
from portal.accounts.models import User
from portal.audit import apply_changes
from portal.db import Invalid, db
from portal.projects.models import DIRECTIONS, Target, exact_number


def _title(text):
    if len(text) > 200:
        raise Invalid(_l("Keep the title under 200 characters."))
    return text


def _number(text):
    return exact_number(text.replace(",", "").replace("，", ""), None)


def _direction(text):
    key = imports.choice_cell(DIRECTIONS, text)
    if key is None:
        raise Invalid(gettext("There is no direction “%(value)s”; write raise or lower.", value=text))
    return key


def _weight(text):
    if not text.strip().isdigit():
        raise Invalid(_l("The weight is a whole number from 1 to 100."))
    return int(text)


def _unit(text):
    if len(text) > 30:
        raise Invalid(_l("Keep the unit under 30 characters."))
    return text


FIELDS = [
    imports.Field("title", _l("Title"), ("title", "target", "标题", "目标", "目标名称", "指标"), _title,
                  required=True, matches=True),
    imports.Field("baseline", _l("Baseline"), ("baseline", "start value", "基线", "基线值", "起始值"), _number,
                  required=True),
    imports.Field("target_value", _l("Target value"), ("target value", "goal", "target", "目标值"), _number,
                  required=True),
    imports.Field("unit", _l("Unit"), ("unit", "单位"), _unit),
    imports.Field("direction", _l("Direction"), ("direction", "方向"), _direction),
    imports.Field("start_date", _l("Start date"), ("start date", "start", "开始日期", "开始"), imports.date_cell,
                  required=True),
    imports.Field("due_date", _l("Due date"), ("due date", "due", "deadline", "截止日期", "截止", "到期日"),
                  imports.date_cell, required=True),
    imports.Field("owner", _l("Owner"), ("owner", "owner email", "负责人", "负责人邮箱", "email", "邮箱"), User.named,
                  required=True),
    imports.Field("department", _l("Department"), ("department", "owning department", "部门", "负责部门"),
                  department_cell),
    imports.Field("weight", _l("Weight"), ("weight", "权重"), _weight),
]
EXAMPLE = ["华东经销商签约数", "10", "40", "家", "raise", "2026-01-01", "2026-12-31", "coordinator@example.com", "",
           "1"]


def _values(row, existing):
    """What the row asks of the target: unstated direction follows from baseline and goal, an
    unstated department is the owner's, an unstated weight stays as it is (1 for a new one)."""
    values = dict(row.values)
    values.setdefault("direction", "lower" if values["target_value"] < values["baseline"] else "raise")
    values.setdefault("department", values["owner"].department)
    values.setdefault("weight", existing.weight if existing else 1)
    values.setdefault("unit", existing.unit if existing else "")
    return values


def planner(project):
    """`decide` for imports.plan: a row names an existing target of the project by its title; the
    row must make a target the project accepts (Target's own checks)."""
    existing = {target.title: target for target in Target.select().where(Target.project == project.id)}

    def decide(row):
        title = row.values["title"]
        target = existing.get(title)
        values = Target._checked(project, _values(row, target))
        if target is None:
            return
        row.existing = target
        current = {key: getattr(target, key + "_id" if key in ("owner", "department") else key) for key in values}
        wanted = {key: value.id if key in ("owner", "department") else value for key, value in values.items()}
        row.changes = {key: value for key, value in wanted.items() if current[key] != value}
        row.action = "update" if row.changes else "unchanged"
    return decide


def apply(by, project, rows, mapping, source):
    """Define and update the project's targets as the rows say, in one transaction with one audit
    entry, planned again under the write lock. Returns (created, updated)."""
    def save_row(row):
        values = Target._checked(project, _values(row, row.existing))
        if row.action == "create":
            target = Target.create(project=project, **values)
        else:
            target = Target.get_by_id(row.existing.id)
            apply_changes(target, **values)
            target.save()
        target.index_for_search()

    with db.atomic():
        project.refuse_if_archived()
        return imports.save(by, project, "target.import", rows, mapping, FIELDS, planner(project), save_row, source)
