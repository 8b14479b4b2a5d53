"""Request types as admins build them (fields and flow steps, a draft) and their published versions.

The draft is ordinary rows an admin edits freely; publishing freezes it into a FlowVersion, a
JSON snapshot of fields and steps. Each request points at the version it was filed under, so
editing or republishing a type never changes a request already submitted.
"""
import datetime
import decimal
import functools
import json
import zoneinfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from peewee import (JOIN, BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField,
                    TextField, fn)

from portal.accounts.models import MAX_LEVELS, ROLES, Department, User
from portal.audit import AuditEntry, apply_changes
from portal.db import BaseModel, ExactDecimalField, Invalid, db, lock, utcnow
from portal.i18n import current_language
from portal.requests import approvers, fields

MODES = {"any": _l("Any one of them (或签)"), "all": _l("All of them (会签)")}
ON_TIMEOUT = {"remind": _l("Remind the approvers"), "escalate": _l("Escalate to their department head"),
              "return": _l("Return to the requester")}
IF_EMPTY = {"fails": _l("the condition does not hold: the step is skipped"),
            "holds": _l("the condition holds: the step applies")}
# How a condition joins those before it; AND binds first, so "A and B or C" is "(A and B) or C".
JOINS = {"and": lazy_pgettext("condition", "and"), "or": lazy_pgettext("condition", "or")}


class RequestType(BaseModel):
    name = CharField(max_length=100, unique=True)
    name_en = CharField(max_length=100, default="")
    description = TextField(default="")
    provider = ForeignKeyField(Department, backref="request_types", on_delete="RESTRICT")
    # A final step where the providing department records what it commits.
    allocation_step = BooleanField(default=False)
    allocation_hours = IntegerField(null=True)
    # Once tasks exist, an approved request creates tasks for the providing department.
    creates_tasks = BooleanField(default=False)
    active = BooleanField(default=True)
    # Requests of this type are numbered PREFIX-YEAR-0001 (BX-2026-0001) when a prefix is set.
    number_prefix = CharField(max_length=10, default="")
    version_number = IntegerField(default=0)
    draft_changed = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        return self.name_en if self.name_en and current_language() == "en" else self.name

    @property
    def published(self):
        return self.version_number > 0

    @classmethod
    def for_admin(cls):
        return cls.select(cls, Department).join(Department).order_by(cls.active.desc(), cls.name)

    @classmethod
    def open_for_filing(cls):
        return (cls.select(cls, Department).join(Department)
                .where(cls.active & (cls.version_number > 0)).order_by(cls.name))

    def latest_version(self):
        return FlowVersion.get_or_none((FlowVersion.type == self) & (FlowVersion.number == self.version_number))

    def ordered_fields(self):
        return self.fields.order_by(TypeField.position)

    def ordered_steps(self):
        Field = TypeField.alias()
        return (self.steps.select(FlowStep, Field)
                .join(Field, JOIN.LEFT_OUTER, on=(FlowStep.condition_field == Field.id)).order_by(FlowStep.position))

    # -- behaviours -------------------------------------------------------------------------

    @classmethod
    def add(cls, by, **values):
        with db.atomic():
            cls._refuse_taken(values["name"], prefix=values.get("number_prefix", ""))
            request_type = cls.create(**values)
            AuditEntry.record(by, "request_type.create", request_type, {"name": [None, request_type.name]})
        return request_type

    @classmethod
    def install(cls, by, preset, provider, english=False):
        """A new draft type made from a preset (portal.requests.presets) in one change, named in
        the installer's language (and a free name: 报销 2 when 报销 exists); edited like any other."""
        def pick(pair):
            return pair[1] if english else pair[0]
        with db.atomic():
            lock("request_type.name")
            taken = {name.lower() for (name,) in cls.select(cls.name).tuples()}
            name = next(candidate for candidate in (
                pick(preset["name"]) + ("" if n == 1 else " %d" % n) for n in range(1, len(taken) + 2))
                if candidate.lower() not in taken)
            request_type = cls.create(name=name, name_en=preset["name"][1], description=pick(preset["description"]),
                                      provider=provider)
            made = {}
            for position, item in enumerate(preset["fields"], 1):
                values = {"label": pick(item["label"]), "label_en": item["label"][1], "kind": item["kind"],
                          "required": item.get("required", False), "min_value": _decimal(item.get("min_value")),
                          "max_value": _decimal(item.get("max_value")),
                          "choices": "\n".join(pick(item["choices"])) if "choices" in item else "",
                          "currency": item.get("currency", ""), "measure": item.get("measure", ""),
                          "columns": json.dumps([{"label": pick(c["label"]), "kind": c["kind"]}
                                                 for c in item.get("columns", [])], ensure_ascii=False)}
                _check_field(request_type, values)
                made[item["ref"]] = TypeField.create(type=request_type, position=position, **values)
            for position, item in enumerate(preset["steps"], 1):
                condition = item.get("condition") or {}
                values = _check_step(request_type, {
                    "name": pick(item["name"]), "name_en": item["name"][1], "approvers": json.dumps(item["approvers"]),
                    "mode": "any", "condition_field": made.get(condition.get("field")),
                    "condition_op": condition.get("op", ""), "condition_value": condition.get("value", ""),
                    "condition_if_empty": "fails", "copied": "[]", "time_limit_hours": item.get("time_limit_hours"),
                    "on_timeout": "remind"})
                FlowStep.create(type=request_type, position=position, **values)
            AuditEntry.record(by, "request_type.install", request_type, {"name": [None, name]})
        return request_type

    def update_details(self, by, **values):
        with db.atomic():
            self.refresh()
            self._refuse_taken(values.get("name", self.name), self.id, values.get("number_prefix", self.number_prefix))
            changes = apply_changes(self, **values)
            if changes:
                self.draft_changed = True
                self.save()
                AuditEntry.record(by, "request_type.update", self, changes)
        return changes

    def add_field(self, by, **values):
        with db.atomic():
            self.refresh()  # the type first: each change to it, its fields or its steps locks it
            _check_field(self, values)
            field = TypeField.create(type=self, position=self._next_position(TypeField), **values)
            self._draft_edited(by, "request_type.field_add", {"field": [None, field.label]})
        return field

    def add_step(self, by, **values):
        with db.atomic():
            self.refresh()
            values = _check_step(self, values)
            step = FlowStep.create(type=self, position=self._next_position(FlowStep), **values)
            self._draft_edited(by, "request_type.step_add", {"step": [None, step.name]})
        return step

    def publish(self, by):
        """Freeze the draft into a new version that requests filed from now on follow."""
        with db.atomic():
            self.refresh()
            definition = self._checked_definition()
            self.version_number += 1
            version = FlowVersion.create(type=self, number=self.version_number, published_by=by,
                                         definition=json.dumps(definition, ensure_ascii=False))
            self.draft_changed = False
            self.save()
            AuditEntry.record(by, "request_type.publish", self, {"version": [self.version_number - 1 or None,
                                                                             self.version_number]})
        return version

    def _checked_definition(self):
        field_rows = list(self.ordered_fields())
        step_rows = list(self.ordered_steps())
        if not step_rows:
            raise Invalid(_l("Add at least one approval step before publishing."))
        if all(step.has_condition for step in step_rows) and not self.allocation_step:
            raise Invalid(_l("Every step has a condition, so some requests would pass with nobody "
                             "deciding. Give at least one step no condition."))
        for step in step_rows:
            _check_step(self, step.settings(), step)
        return {
            "name": self.name, "name_en": self.name_en, "description": self.description,
            "provider_id": self.provider_id, "creates_tasks": self.creates_tasks,
            "fields": [field.definition() for field in field_rows],
            "steps": [step.definition() for step in step_rows],
            "allocation": {"time_limit_hours": self.allocation_hours} if self.allocation_step else None,
        }

    def _next_position(self, model):
        return (model.select(fn.MAX(model.position)).where(model.type == self).scalar() or 0) + 1

    def _draft_edited(self, by, action, changes):
        RequestType.update(draft_changed=True).where(RequestType.id == self.id).execute()
        self.draft_changed = True
        AuditEntry.record(by, action, self, changes)

    @classmethod
    def _refuse_taken(cls, name, own_id=0, prefix=""):
        lock("request_type.name")  # unique whatever the case, which no index says
        if cls.select().where((fn.lower(cls.name) == name.lower()) & (cls.id != own_id)).exists():
            raise Invalid(_l("A request type with this name already exists."), "name")
        if prefix and cls.select().where((cls.number_prefix == prefix) & (cls.id != own_id)).exists():
            raise Invalid(_l("Another request type numbers its requests with this prefix."), "number_prefix")

    def next_number(self, at):
        """The next number of this type's series for the year of `at` (in the company's zone), as
        BX-2026-0001; "" without a prefix. Call it inside the transaction that files the request:
        a request that is not filed after all gives its number back, so the series has no gaps."""
        if not self.number_prefix:
            return ""
        year = at.replace(tzinfo=datetime.timezone.utc).astimezone(
            zoneinfo.ZoneInfo(current_app.config["DEFAULT_TIMEZONE"])).year
        lock("request_number.%d" % self.id)  # PostgreSQL: filings of one type take turns; SQLite: already
        counter = RequestCounter.get_or_none((RequestCounter.type == self.id) & (RequestCounter.year == year))
        if counter is None:
            counter = RequestCounter.create(type=self.id, year=year, last=1)
        else:
            counter.last += 1
            counter.save()
        return "%s-%d-%04d" % (self.number_prefix, year, counter.last)


class RequestCounter(BaseModel):
    """The last number given to a type's requests in a year."""

    type = ForeignKeyField(RequestType, backref="+", on_delete="CASCADE")
    year = IntegerField()
    last = IntegerField()

    class Meta:
        indexes = ((("type", "year"), True),)


class _Ordered:
    """Moving and removing rows kept in a 1..n order within their type."""

    def move(self, by, offset):
        model = type(self)
        with db.atomic():
            RequestType.locked(self.type_id)
            self.refresh()
            neighbour = model.get_or_none((model.type == self.type_id) & (model.position == self.position + offset))
            if neighbour is None:
                return False
            model.update(position=self.position).where(model.id == neighbour.id).execute()
            model.update(position=neighbour.position).where(model.id == self.id).execute()
            self.type._draft_edited(by, "request_type.reorder", {str(self): [self.position, neighbour.position]})
            self.position = neighbour.position
        return True

    def _delete_and_close_gap(self, by, action):
        model = type(self)
        if not self.delete_instance():  # removed in another tab meanwhile
            return
        (model.update(position=model.position - 1)
         .where((model.type == self.type_id) & (model.position > self.position)).execute())
        self.type._draft_edited(by, action, {str(self): [str(self), None]})


class TypeField(_Ordered, BaseModel):
    type = ForeignKeyField(RequestType, backref="fields", on_delete="CASCADE")
    position = IntegerField()
    label = CharField(max_length=100)
    label_en = CharField(max_length=100, default="")
    help = CharField(max_length=300, default="")
    kind = CharField(max_length=20)
    required = BooleanField(default=False)
    min_value = ExactDecimalField(max_digits=15, decimal_places=2, null=True)
    max_value = ExactDecimalField(max_digits=15, decimal_places=2, null=True)
    max_length = IntegerField(null=True)
    choices = TextField(default="")
    currency = CharField(max_length=3, default="")
    measure = CharField(max_length=20, default="")
    # A line-item table's columns: [{"label": "金额", "kind": "money"}, ...]
    columns = TextField(default="[]")
    # A calculated field's formula: {"op": "sum" | "product", "fields": [type field ids]}
    formula = TextField(default="{}")

    def __str__(self):
        return self.label

    @property
    def key(self):
        return "f%d" % self.id

    @property
    def kind_label(self):
        return fields.KINDS.get(self.kind, self.kind)

    @property
    def choice_list(self):
        return [line.strip() for line in self.choices.splitlines() if line.strip()]

    @property
    def column_list(self):
        return json.loads(self.columns or "[]")

    @property
    def formula_map(self):
        return json.loads(self.formula or "{}")

    def definition(self):
        return {"key": self.key, "label": self.label, "label_en": self.label_en, "help": self.help,
                "kind": self.kind, "required": self.required,
                "min_value": None if self.min_value is None else str(self.min_value),
                "max_value": None if self.max_value is None else str(self.max_value),
                "max_length": self.max_length, "choices": self.choice_list, "currency": self.currency,
                "measure": self.measure,
                "columns": [dict(column, key="c%d" % n) for n, column in enumerate(self.column_list, 1)],
                "formula": {"op": self.formula_map.get("op"),
                            "fields": ["f%d" % i for i in self.formula_map.get("fields", [])]}}

    def update_settings(self, by, **values):
        with db.atomic():
            RequestType.locked(self.type_id)
            self.refresh()
            _check_field(self.type, dict(values, kind=self.kind), self)
            changes = apply_changes(self, **values)
            if changes:
                self.save()
                self.type._draft_edited(by, "request_type.field_update", changes)
        return changes

    def remove(self, by):
        with db.atomic():
            RequestType.locked(self.type_id)
            user = FlowStep.get_or_none(FlowStep.condition_field == self)
            if user is not None:
                raise Invalid(_l("The step “%(step)s” has a condition on this field. Change that "
                                 "condition first.", step=user.name))
            calculated = next((field for field in TypeField.select().where(
                (TypeField.type == self.type_id) & (TypeField.kind == "calculated"))
                if self.id in field.formula_map.get("fields", [])), None)
            if calculated is not None:
                raise Invalid(_l("The calculated field “%(field)s” uses this field. Change its formula "
                                 "first.", field=calculated.label))
            self._delete_and_close_gap(by, "request_type.field_remove")


def requester_departments(conditions):
    """id → Department for the departments a flow's requester conditions name (None: a step without one),
    read in one query for a page of steps."""
    ids = {condition["department"] for condition in conditions if condition and condition["department"]}
    return {department.id: department for department in Department.select().where(Department.id.in_(list(ids)))}


def requester_condition_text(requester, after_field, departments):
    """A step's requester condition in words, each part led by its AND/OR when a condition precedes it:
    "and the requester is in Sales or the requester’s role is Coordinator". `departments`: see
    requester_departments."""
    words = []
    if requester["department"]:
        department = departments.get(requester["department"])
        if after_field:
            words.append(str(JOINS[requester["department_join"]]))
        words.append(str(_l("the requester is in %(department)s",
                            department=department or "#%d" % requester["department"])))
    if requester["role"]:
        if after_field or requester["department"]:
            words.append(str(JOINS[requester["role_join"]]))
        words.append(str(_l("the requester’s role is %(role)s", role=ROLES.get(requester["role"], requester["role"]))))
    return " ".join(words)


class FlowStep(_Ordered, BaseModel):
    type = ForeignKeyField(RequestType, backref="steps", on_delete="CASCADE")
    position = IntegerField()
    name = CharField(max_length=100)
    name_en = CharField(max_length=100, default="")
    # [{"kind": "requester_head"}, {"kind": "people", "ids": [3]}, {"kind": "role", "role": "admin"}]
    approvers = TextField(default="[]")
    mode = CharField(max_length=3, default="any")
    # RESTRICT: a field a condition uses cannot disappear under it.
    condition_field = ForeignKeyField(TypeField, null=True, backref="conditions", on_delete="RESTRICT")
    condition_op = CharField(max_length=2, default="")
    condition_value = CharField(max_length=100, default="")
    # What an optional field left empty means for the condition: "fails" or "holds".
    condition_if_empty = CharField(max_length=5, default="fails")
    # The requester's department as filed, and their role; each joined to the conditions before it.
    condition_department = ForeignKeyField(Department, null=True, backref="step_conditions", on_delete="RESTRICT")
    condition_department_join = CharField(max_length=3, default="and")
    condition_role = CharField(max_length=20, default="")
    condition_role_join = CharField(max_length=3, default="and")
    copied = TextField(default="[]")
    time_limit_hours = IntegerField(null=True)
    on_timeout = CharField(max_length=10, default="remind")

    def __str__(self):
        return self.name

    @property
    def approver_entries(self):
        return json.loads(self.approvers)

    @property
    def copied_ids(self):
        return json.loads(self.copied)

    def settings(self):
        """The editable values, as add_step and update_settings take them."""
        return {name: getattr(self, name) for name in (
            "name", "name_en", "approvers", "mode", "condition_field", "condition_op", "condition_value",
            "condition_if_empty", "condition_department", "condition_department_join", "condition_role",
            "condition_role_join", "copied",
            "time_limit_hours", "on_timeout")}

    @property
    def has_condition(self):
        return bool(self.condition_field_id or self.condition_department_id or self.condition_role)

    def requester_condition(self):
        """The requester part of the condition as a version stores it; None when there is none."""
        if not (self.condition_department_id or self.condition_role):
            return None
        return {"department": self.condition_department_id, "department_join": self.condition_department_join,
                "role": self.condition_role, "role_join": self.condition_role_join}

    def definition(self):
        condition = None
        if self.condition_field_id:
            condition = {"field": "f%d" % self.condition_field_id, "op": self.condition_op,
                         "value": self.condition_value, "if_empty": self.condition_if_empty}
        return {"name": self.name, "name_en": self.name_en, "approvers": self.approver_entries,
                "mode": self.mode, "condition": condition, "requester": self.requester_condition(),
                "copied": self.copied_ids,
                "time_limit_hours": self.time_limit_hours, "on_timeout": self.on_timeout}

    @property
    def condition_on_optional_field(self):
        """The builder warns: a condition on a field that may be left empty needs a choice of what
        empty means."""
        return self.condition_field_id is not None and not self.condition_field.required

    def update_settings(self, by, **values):
        with db.atomic():
            RequestType.locked(self.type_id)
            self.refresh()
            values = _check_step(self.type, values, self)
            changes = apply_changes(self, **values)
            if changes:
                self.save()
                self.type._draft_edited(by, "request_type.step_update", {
                    name: change for name, change in changes.items()})
        return changes

    def remove(self, by):
        with db.atomic():
            RequestType.locked(self.type_id)
            self._delete_and_close_gap(by, "request_type.step_remove")


class FlowVersion(BaseModel):
    """A published, immutable snapshot of a type's fields and flow."""

    type = ForeignKeyField(RequestType, backref="versions", on_delete="RESTRICT")
    number = IntegerField()
    definition = TextField()
    published_at = DateTimeField(default=utcnow)
    published_by = ForeignKeyField(User, null=True, on_delete="SET NULL")

    class Meta:
        indexes = ((("type", "number"), True),)

    @functools.cached_property
    def data(self):
        return json.loads(self.definition)

    @functools.cached_property
    def fields(self):
        return [fields.FieldSpec(item) for item in self.data["fields"]]

    @property
    def steps(self):
        return self.data["steps"]

    @property
    def allocation(self):
        return self.data.get("allocation")

    def field(self, key):
        return next((spec for spec in self.fields if spec.key == key), None)

    def measure_field(self, measure):
        return next((spec for spec in self.fields if spec.measure == measure), None)


def _check_field(request_type, values, own=None):
    kind = values.get("kind")
    if kind not in fields.KINDS:
        raise Invalid(_l("Choose a kind of field."), "kind")
    low, high = values.get("min_value"), values.get("max_value")
    if low is not None and high is not None and low > high:
        raise Invalid(_l("The smallest value cannot be above the largest."), "max_value")
    if kind in fields.MAX_LENGTH and values.get("max_length"):
        largest = fields.MAX_LENGTH[kind][1]
        if not 1 <= values["max_length"] <= largest:
            raise Invalid(_l("Give a length between 1 and %(n)d characters.", n=largest), "max_length")
    if kind == "choice":
        options = [line.strip() for line in (values.get("choices") or "").splitlines() if line.strip()]
        if not options:
            raise Invalid(_l("List the choices, one per line."), "choices")
        if len(set(options)) != len(options) or len(options) > 50 or max(map(len, options)) > 100:
            raise Invalid(_l("Choices must differ from each other: at most 50, each up to 100 characters."),
                          "choices")
    if kind in ("money", "table") and values.get("currency") not in fields.CURRENCIES:
        raise Invalid(_l("Choose a currency."), "currency")
    if kind == "calculated" and values.get("currency") not in ("", *fields.CURRENCIES):
        raise Invalid(_l("Choose a currency."), "currency")
    if kind == "table":
        _check_columns(json.loads(values.get("columns") or "[]"))
    if kind == "calculated":
        _check_formula(request_type, json.loads(values.get("formula") or "{}"), own)
    measure = values.get("measure") or ""
    if measure:
        if fields.MEASURES.get(kind, (None,))[0] != measure:
            raise Invalid(_l("This kind of field cannot count in reports."), "measure")
        taken = TypeField.select().where((TypeField.type == request_type) & (TypeField.measure == measure)
                                         & (TypeField.id != (own.id if own else 0)))
        if taken.exists():
            raise Invalid(_l("Another field of this type already counts in reports this way."), "measure")


def _decimal(text):
    return None if text is None else decimal.Decimal(text)


def _check_columns(columns):
    if not columns:
        raise Invalid(_l("Give the table at least one column."), "columns")
    if len(columns) > fields.MAX_COLUMNS:
        raise Invalid(_l("A table has at most %(n)d columns.", n=fields.MAX_COLUMNS), "columns")
    if any(column.get("kind") not in fields.COLUMN_KINDS or not column.get("label") for column in columns):
        raise Invalid(_l("Give each column a name and a kind."), "columns")


def _check_formula(request_type, formula, own):
    if formula.get("op") not in fields.FORMULAS:
        raise Invalid(_l("Choose how to calculate."), "formula_op")
    operands = list(TypeField.select().where((TypeField.type == request_type)
                                             & TypeField.id.in_(formula.get("fields") or [])))
    if len(operands) < 2 or len(operands) != len(formula["fields"]):
        raise Invalid(_l("Choose at least two fields to calculate from."), "formula_fields")
    if any(field.kind not in fields.OPERAND_KINDS or (own and field.id == own.id) for field in operands):
        raise Invalid(_l("Calculate from numbers, money and line-item totals only."), "formula_fields")


def _check_step(request_type, values, own=None):
    """The step's settings, with a numeric condition value written plainly; Invalid if they don't hold."""
    entries = json.loads(values.get("approvers") or "[]")
    if not entries:
        raise Invalid(_l("Choose at least one approver for this step."), "kinds")
    for entry in entries:
        if entry.get("kind") not in approvers.KINDS:
            raise Invalid(_l("Choose at least one approver for this step."), "kinds")
    chains = [entry for entry in entries if entry["kind"] in approvers.CHAIN_KINDS]
    if chains and len(entries) > 1:
        raise Invalid(_l("Supervisors level by level make a step for each level: choose nobody else in this step."),
                      "kinds")
    if any(not 1 <= int(entry.get("levels") or 1) <= MAX_LEVELS for entry in chains):
        raise Invalid(_l("Climb between 1 and %(n)d levels.", n=MAX_LEVELS), "levels")
    if values.get("mode") not in MODES:
        raise Invalid(_l("Choose whether one or all approvers decide."), "mode")
    if values.get("on_timeout") not in ON_TIMEOUT:
        raise Invalid(_l("Choose what happens when the time limit passes."), "on_timeout")
    if values.get("condition_if_empty", "fails") not in IF_EMPTY:
        raise Invalid(_l("Choose what an empty field means for the condition."), "condition_if_empty")
    for join in ("condition_department_join", "condition_role_join"):
        if values.get(join, "and") not in JOINS:
            raise Invalid(_l("Join the conditions with “and” or “or”."), join)
    if values.get("condition_role", "") not in ("", *ROLES):
        raise Invalid(_l("Choose one of the roles."), "condition_role")
    department = values.get("condition_department")
    if isinstance(department, int):
        department = Department.get_or_none(Department.id == department)
        if department is None:
            raise Invalid(_l("That department no longer exists. Choose another one."), "condition_department")
        values = dict(values, condition_department=department)
    field = values.get("condition_field")
    if field is None:
        return values
    if isinstance(field, int):
        field = TypeField.get_or_none(TypeField.id == field)
    if field is None or field.type_id != request_type.id:
        raise Invalid(_l("The condition's field no longer exists. Choose another one or remove the "
                         "condition."), "condition_field")
    if field.kind not in fields.CONDITION_KINDS or (
            field.kind == "table" and fields.FieldSpec(field.definition()).total_column is None):
        raise Invalid(_l("Conditions can test numbers, money, choices, calculated fields and line-item "
                         "totals only."), "condition_field")
    op, value = values.get("condition_op"), values.get("condition_value") or ""
    allowed = fields.CHOICE_OPERATORS if field.kind == "choice" else fields.OPERATORS
    if op not in allowed:
        raise Invalid(_l("Choose a comparison that suits this field."), "condition_op")
    if field.kind == "choice":
        if value not in field.choice_list:
            raise Invalid(_l("Choose one of the field's choices: %(choices)s.",
                             choices=" / ".join(field.choice_list)), "condition_value")
        return values
    try:
        number = fields.parse_decimal(value, money=field.kind == "money")
    except (ValueError, decimal.InvalidOperation) as error:
        raise Invalid(error.args[0], "condition_value") from None
    if number is None:
        raise Invalid(_l("Give the value to compare with."), "condition_value")
    return dict(values, condition_value="{:f}".format(number.normalize()))
