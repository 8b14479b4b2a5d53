"""Projects and their departments, targets with check-ins, milestones, and the updates feed."""
import datetime
import functools
import zoneinfo
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_pgettext
from flask_babel import lazy_gettext as _l
from peewee import (JOIN, Case, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField,
                    Load, PREFETCH_TYPE, SqliteDatabase, TextField, Value, fn)

from portal import mail, robots, search
from portal.accounts.models import Department, User
from portal.audit import AuditEntry, apply_changes
from portal.db import BaseModel, ExactDecimalField, Invalid, Prepared, Shapes, db, lock, utcnow
from portal.notifications.models import notify
from portal.permissions import Reader
from portal.projects import announcements

STATUSES = {"planned": _l("Planned"), "active": lazy_pgettext("project status", "Active"), "on_hold": _l("On hold"),
            "done": _l("Done"), "archived": _l("Archived")}
LIVE = ("planned", "active", "on_hold")
VISIBILITIES = {"company": _l("Whole company"), "participants": _l("Participating departments only")}
# Where something visible mentions a project its reader may not see: that it is one, not its name.
RESTRICTED_IN_TEXT = _l("a restricted project")
DIRECTIONS = {"raise": _l("Raise"), "lower": _l("Lower")}

# The status rule, stated on every target page: progress is compared with the straight line
# from the baseline on the start date to the target on the due date.
ON_TRACK, AT_RISK, OFF_TRACK = "on_track", "at_risk", "off_track"
TARGET_STATUSES = {ON_TRACK: _l("On track"), AT_RISK: _l("At risk"), OFF_TRACK: _l("Off track")}
SEVERITY = {ON_TRACK: 0, AT_RISK: 1, OFF_TRACK: 2}
AT_RISK_LAG = 10
OFF_TRACK_LAG = 25
GRACE_DAYS = 14

# Values keep four decimals and stay below 10¹¹ so that SQLite, which stores them as doubles,
# gives back exactly what was written.
LARGEST = Decimal("99999999999.9999")
QUANTUM = Decimal("0.0001")


def today():
    """The date in the company's time zone: the day targets are measured against."""
    zone = zoneinfo.ZoneInfo(current_app.config["DEFAULT_TIMEZONE"])
    return datetime.datetime.now(zone).date()


def local_date(moment):
    """The company-time date of a naive UTC timestamp."""
    zone = zoneinfo.ZoneInfo(current_app.config["DEFAULT_TIMEZONE"])
    return moment.replace(tzinfo=datetime.UTC).astimezone(zone).date()


def week_start(zone_name):
    """Monday 00:00 of this week in a time zone, as naive UTC."""
    now = datetime.datetime.now(zoneinfo.ZoneInfo(zone_name))
    monday = (now - datetime.timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    return monday.astimezone(datetime.UTC).replace(tzinfo=None)


def exact_number(value, field):
    """A finite decimal in range, rounded to four places; anything else is refused on `field`."""
    try:
        number = Decimal(str(value) if isinstance(value, float) else value)
    except (InvalidOperation, TypeError, ValueError):
        number = None
    if number is None or not number.is_finite() or abs(number) > LARGEST:
        raise Invalid(_l("Enter a number between -99,999,999,999 and 99,999,999,999."), field)
    return number.quantize(QUANTUM)


def overall_progress(targets):
    """Weighted mean of the targets' progress, each capped to 0–100; None without targets."""
    targets = list(targets)
    if not targets:
        return None
    return sum(t.weight * t.capped_progress for t in targets) / sum(t.weight for t in targets)


def _days(later, earlier):
    """Whole days from `earlier` to `later`, as SQL."""
    if isinstance(db.obj, SqliteDatabase):
        return fn.julianday(later) - fn.julianday(earlier)
    return later - earlier  # PostgreSQL: date minus date is a number of days.


class Project(BaseModel):
    name = CharField(max_length=200)
    goal = TextField(default="")
    coordinator = ForeignKeyField(User, backref="coordinated_projects", on_delete="RESTRICT")
    start_date = DateField()
    end_date = DateField()
    status = CharField(max_length=20, default="planned", index=True)
    visibility = CharField(max_length=20, default="company")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        # A save writes only what the change set, never a stale copy of the rest of the row.
        only_save_dirty = True

    def __str__(self):
        return self.name

    def path(self):
        """The project's page, also outside a web request (jobs, notifications)."""
        return urlsplit(mail.absolute_url("projects.show", project_id=self.id)).path

    @property
    def status_label(self):
        return STATUSES.get(self.status, self.status)

    @property
    def visibility_label(self):
        return VISIBILITIES.get(self.visibility, self.visibility)

    @property
    def restricted(self):
        return self.visibility == "participants"

    @property
    def read_only(self):
        return self.status == "archived"

    # -- who sees it ------------------------------------------------------------------------

    @functools.cached_property
    def department_ids(self):
        return {row.department_id for row in ProjectDepartment.select(ProjectDepartment.department)
                .where(ProjectDepartment.project == self.id)}

    def heard_by(self, department_ids=()):
        """Where group robots may tell of something in this project that concerns `department_ids`."""
        return robots.Where(project_id=self.id, restricted=self.restricted,
                            project_department_ids=frozenset(self.department_ids),
                            department_ids=frozenset(department_ids))

    def takes_part(self, user):
        """The coordinator and members of participating departments: who posts updates."""
        return user.id == self.coordinator_id or user.department_id in self.department_ids

    @classmethod
    def visibility_for(cls, user, alias=None):
        """The SQL twin of the view rule (portal.permissions) for `user`, a condition on Project (or
        on `alias` of it, when a query joins two projects)."""
        if user.is_admin:
            return Value(True)
        if user.department_id is None:
            return _SEEN_BY_OUTSIDER((alias or cls,), user.id)
        return _SEEN_BY_MEMBER((alias or cls, ProjectDepartment), user.id, user.department_id)

    @classmethod
    def visible_to(cls, user):
        return cls.select().where(cls.visibility_for(user))

    @classmethod
    def seen_by(cls, user, project_id):
        """The project `project_id` (its id, name and status: what a filter names) if `user` may see
        it, else None. Every board of a project and every card moved on one asks, so the statement
        is compiled once per kind of reader."""
        shape, values = Reader.shape(user)
        return next(iter(_SEEN_ONE(shape, *values, project_id)), None)

    @classmethod
    def open_to_everyone(cls, alias=None):
        """The SQL twin of the view rule for someone who takes no part: what any employee sees."""
        return (alias or cls).visibility == "company"

    @classmethod
    def hidden_names(cls, user, names):
        """Of these names (as a history recorded them), those of projects `user` may not see only."""
        if not names:
            return set()
        rows = cls.select(cls.name, cls.visibility_for(user).alias("seen")).where(cls.name.in_(list(names))).tuples()
        seen, hidden = set(), set()
        for name, visible in rows:
            (seen if visible else hidden).add(name)
        return hidden - seen

    def audience(self):
        """Active people who may see this project, by name."""
        query = User.select().where(User.active == True).order_by(User.name)  # noqa: E712
        if self.visibility == "company":
            return query
        return query.where((User.role == "admin") | (User.id == self.coordinator_id)
                           | User.department.in_(list(self.department_ids)))

    # -- lists ------------------------------------------------------------------------------

    @classmethod
    def listing(cls, user, status="current", search=""):
        """Projects the user may see, with coordinator; `current` means all but archived."""
        query = (cls.visible_to(user).select_extend(User).join(User, on=(cls.coordinator == User.id))
                 .order_by(cls.status == "archived", cls.end_date, cls.name))
        if status == "current":
            query = query.where(cls.status != "archived")
        elif status in STATUSES:
            query = query.where(cls.status == status)
        if search:
            query = query.where(cls.name.contains(search) | cls.goal.contains(search))
        return query

    @classmethod
    def mine(cls, user):
        """Live projects the user coordinates or whose departments include theirs: their names and
        statuses, what the start page shows of them."""
        mine = cls.coordinator == user.id
        if user.department_id is not None:
            mine |= cls.id.in_(ProjectDepartment.select(ProjectDepartment.project)
                               .where(ProjectDepartment.department == user.department_id))
        return (cls.visible_to(user).select(cls.id, cls.name, cls.status)
                .where(mine & cls.status.in_(LIVE)).order_by(cls.end_date, cls.name))

    @staticmethod
    def with_details(query, departments=True, targets=True):
        """Attach targets and departments to each project of `query`: a query each, not one per project."""
        loads = [Load(Project.targets)] if targets else []
        if departments:
            participants = ProjectDepartment.select(ProjectDepartment, Department).join(Department)
            loads.insert(0, Load(Project.participants, participants))
        return query.with_related(*loads)

    @staticmethod
    def with_progress(query):
        """Attach to each project of `query` what `progress` and `status_counts` read of its targets,
        in one query by the projects' ids: reading whole targets was a quarter of the start page's projects."""
        fields = (Target.id, Target.project, Target.weight, Target.baseline, Target.target_value,
                  Target.current_value, Target.start_date, Target.due_date)
        return query.with_related(Load(Project.targets, Target.select(*fields), strategy=PREFETCH_TYPE.MATERIALIZE))

    @property
    def departments(self):
        links = self.participants
        if not isinstance(links, list):  # not attached by with_details(): fetch them joined
            links = links.select(ProjectDepartment, Department).join(Department)
        return sorted((link.department for link in links), key=lambda d: d.name)

    @property
    def progress(self):
        return overall_progress(self.targets)

    def status_counts(self, on=None):
        counts = dict.fromkeys(TARGET_STATUSES, 0)
        for target in self.targets:
            counts[target.status_on(on or today())] += 1
        return counts

    def history(self):
        """Audit entries of the project and of its targets, milestones and updates, newest first."""
        from portal.projects.feed import ProjectUpdate  # the feed's module imports this one

        def of(model, ids):
            return (AuditEntry.object_type == model.__name__) & AuditEntry.object_id.in_(ids)
        return (AuditEntry.select()
                .where((AuditEntry.object_type == "Project") & (AuditEntry.object_id == self.id)
                       | of(Target, Target.select(Target.id).where(Target.project == self.id))
                       | of(Milestone, Milestone.select(Milestone.id).where(Milestone.project == self.id))
                       | of(ProjectUpdate, ProjectUpdate.select(ProjectUpdate.id)
                            .where(ProjectUpdate.project == self.id)))
                .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()))

    def history_labels(self):
        """{(object type, id): title} for the targets and milestones in `history()`."""
        labels = {("Target", t.id): t.title for t in Target.select(Target.id, Target.title)
                  .where(Target.project == self.id)}
        labels.update({("Milestone", m.id): m.title for m in Milestone.select(Milestone.id, Milestone.title)
                       .where(Milestone.project == self.id)})
        return labels

    # -- behaviours -------------------------------------------------------------------------

    @classmethod
    def start(cls, by, *, name, goal, coordinator, departments, start_date, end_date, status="planned",
              visibility="company"):
        values = dict(name=name, goal=goal, coordinator=coordinator, start_date=start_date, end_date=end_date,
                      status=status, visibility=visibility)
        cls._check(values, departments)
        with db.atomic():
            project = cls.create(**values)
            ProjectDepartment.insert_many([{"project": project, "department": d} for d in departments]).execute()
            AuditEntry.record(by, "project.create", project, {
                **{key: [None, shown(value)] for key, value in values.items() if key != "goal"},
                "departments": [None, names(departments)]})
            project.index_for_search()
        return project

    def update_details(self, by, *, departments, **values):
        self._check(values, departments)
        with db.atomic():
            self.refresh()
            self.refuse_if_archived()
            old = {d.id: d for d in Department.select().where(Department.id.in_(list(self.department_ids)))}
            new = {d.id: d for d in departments}
            owning = Target.select(Target.department).where((Target.project == self.id)
                                                            & Target.department.in_(list(old.keys() - new.keys())))
            target = owning.first()
            if target is not None:
                raise Invalid(_l("%(department)s owns targets in this project; give them to another "
                                 "department before removing it.", department=old[target.department_id]),
                              "departments")
            changes = apply_changes(self, **values)
            if old.keys() != new.keys():
                ProjectDepartment.delete().where((ProjectDepartment.project == self.id)
                                                 & ProjectDepartment.department.in_(list(old.keys() - new.keys()))
                                                 ).execute()
                added = [{"project": self, "department": new[i]} for i in new.keys() - old.keys()]
                if added:
                    ProjectDepartment.insert_many(added).execute()
                changes["departments"] = [names(old.values()), names(new.values())]
                self.__dict__.pop("department_ids", None)
            if changes:
                self.save()
                AuditEntry.record(by, "project.update", self, changes)
                self.index_for_search()
        return changes

    def archive(self, by):
        with db.atomic():
            self.refresh()
            self.refuse_if_archived()
            changes = apply_changes(self, status="archived")
            self.save()
            AuditEntry.record(by, "project.archive", self, changes)
            self.index_for_search()

    def restore(self, by):
        """Bring an archived project back as on hold: its coordinator decides whether it goes on."""
        with db.atomic():
            if not self.refresh().read_only:
                raise Invalid(_l("This project is not archived."))
            changes = apply_changes(self, status="on_hold")
            self.save()
            AuditEntry.record(by, "project.restore", self, changes)
            self.index_for_search()

    def search_document(self):
        """What search finds the project by (portal.search.index's arguments)."""
        return dict(kind="project", object_id=self.id, title=self.name, body=self.goal, at=self.created_at,
                    project_id=self.id)

    def index_for_search(self):
        search.index(**self.search_document())

    def refuse_if_archived(self, message=None, field=None):
        """Refuse a change to an archived (read-only) project. Call it inside the change's
        transaction: the row is read again there, and an archive waits until the change is done, so
        an archive that just happened counts and one that comes after sees the change."""
        if Project.locked(self.id, shared=True).status == "archived":
            raise Invalid(message or _l("This project is archived and can no longer be changed."), field)

    @staticmethod
    def _check(values, departments):
        if not (values.get("name") or "").strip():
            raise Invalid(_l("Give the project a name."), "name")
        coordinator = values["coordinator"]
        if coordinator is None or not coordinator.active:
            raise Invalid(_l("Choose an active person as coordinator."), "coordinator")
        if not departments:
            raise Invalid(_l("Choose at least one participating department."), "departments")
        if values["end_date"] < values["start_date"]:
            raise Invalid(_l("The end date cannot be before the start date."), "end_date")
        if values["status"] not in LIVE + ("done",):
            raise Invalid(_l("Choose a status from the list."), "status")
        if values["visibility"] not in VISIBILITIES:
            raise Invalid(_l("Choose who may see the project."), "visibility")


def _seen_by_outsider(project, user_id):
    return (project.visibility == "company") | (project.coordinator == user_id)


def _seen_by_member(project, participant, user_id, department_id):
    return _seen_by_outsider(project, user_id) | project.id.in_(
        participant.select(participant.project).where(participant.department == department_id))


_SEEN_BY_OUTSIDER = Prepared(_seen_by_outsider, places=1)
_SEEN_BY_MEMBER = Prepared(_seen_by_member, places=2)


def _seen_one(shape, *places):
    return (Project.select(Project.id, Project.name, Project.status)
            .where(Project.visibility_for(Reader.from_shape(shape, places)) & (Project.id == places[2])).limit(1))


_SEEN_ONE = Shapes(_seen_one)


class ProjectDepartment(BaseModel):
    project = ForeignKeyField(Project, backref="participants", on_delete="CASCADE")
    department = ForeignKeyField(Department, backref="project_links", on_delete="RESTRICT")

    class Meta:
        indexes = ((("project", "department"), True),)


class Target(BaseModel):
    """A measurable target. Inside a project it is owned by one of the project's departments; without
    a project it is a goal: a department's (with a department) or the company's (without one)."""

    project = ForeignKeyField(Project, null=True, backref="targets", on_delete="CASCADE")
    title = CharField(max_length=200)
    unit = CharField(max_length=30, default="")
    baseline = ExactDecimalField(max_digits=15, decimal_places=4)
    target_value = ExactDecimalField(max_digits=15, decimal_places=4)
    direction = CharField(max_length=10, default="raise")
    start_date = DateField()
    due_date = DateField()
    department = ForeignKeyField(Department, null=True, backref="targets", on_delete="RESTRICT")
    owner = ForeignKeyField(User, backref="owned_targets", on_delete="RESTRICT")
    weight = IntegerField(default=1)
    # The target this one helps to reach (the alignment map); its weight counts in that one's roll-up.
    serves = ForeignKeyField("self", null=True, backref="served_by", on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    # The latest check-in, kept with it in the same transaction, so lists need no subquery.
    current_value = ExactDecimalField(max_digits=15, decimal_places=4, null=True)
    checked_in_at = DateTimeField(null=True, index=True)
    checked_in_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")

    class Meta:
        only_save_dirty = True

    def __str__(self):
        return self.title

    def path(self):
        """The target's page, also outside a web request."""
        return urlsplit(mail.absolute_url("targets.show", target_id=self.id)).path

    @property
    def direction_label(self):
        return DIRECTIONS.get(self.direction, self.direction)

    @property
    def is_goal(self):
        """A target of no project: the company's goal, or a department's."""
        return self.project_id is None

    @property
    def level(self):
        if self.project_id is not None:
            return "project"
        return "company" if self.department_id is None else "department"

    @property
    def read_only(self):
        return self.project_id is not None and self.project.read_only

    def refuse_if_archived(self, message=None, field=None):
        """A goal is never archived; a project's target follows its project (read in the transaction)."""
        if self.project_id is not None:
            self.project.refuse_if_archived(message, field)

    # -- progress and status ----------------------------------------------------------------

    def progress_of(self, value):
        """Percent of the way from baseline to target that `value` stands at (may pass 100 or go below 0)."""
        return (value - self.baseline) * 100 / (self.target_value - self.baseline)

    @property
    def progress(self):
        """Progress at the latest check-in; None before the first."""
        return None if self.current_value is None else self.progress_of(self.current_value)

    @property
    def capped_progress(self):
        return min(max(self.progress or Decimal(0), Decimal(0)), Decimal(100))

    def expected_progress(self, on=None):
        """Where the straight line from baseline to target stands on a date, in percent."""
        on = on or today()
        if on <= self.start_date:
            return Decimal(0)
        if on >= self.due_date:
            return Decimal(100)
        return Decimal((on - self.start_date).days * 100) / (self.due_date - self.start_date).days

    def lag(self, on=None):
        """Points by which progress trails the line (negative: ahead)."""
        return self.expected_progress(on) - (self.progress or Decimal(0))

    def status_on(self, on):
        return self.status_at(on, self.current_value)

    def status_at(self, on, value):
        """The status on `on` had `value` been the latest check-in (None: none yet)."""
        if value is None and (on - self.start_date).days < GRACE_DAYS:
            return ON_TRACK
        lag = self.expected_progress(on) - (Decimal(0) if value is None else self.progress_of(value))
        if lag > OFF_TRACK_LAG:
            return OFF_TRACK
        if lag > AT_RISK_LAG:
            return AT_RISK
        return ON_TRACK

    @property
    def status(self):
        return self.status_on(today())

    @property
    def status_label(self):
        return TARGET_STATUSES[self.status]

    @classmethod
    def status_sql(cls, on=None):
        """The same rule as `status_on`, as a SQL expression over Target's columns."""
        return _STATUS((cls,), on or today())

    @classmethod
    def visible_to(cls, user):
        """Goals and the targets of projects the user may see, with their project (None for a goal)."""
        return cls.select(cls, Project).join(Project, JOIN.LEFT_OUTER).where(cls.visibility_for(user))

    @classmethod
    def visibility_for(cls, user):
        """The SQL twin of the view rule, a condition on Target joined (outer) to Project."""
        return cls.project.is_null() | Project.visibility_for(user)

    @classmethod
    def for_permissions(cls):
        # The rules read the target's project (none for a goal).
        return cls.select(cls, Project).join(Project, JOIN.LEFT_OUTER)

    @classmethod
    def at_risk(cls, on=None):
        return cls.select().where(cls.status_sql(on) == AT_RISK)

    @classmethod
    def off_track(cls, on=None):
        return cls.select().where(cls.status_sql(on) == OFF_TRACK)

    @classmethod
    def needing_check_in(cls, on, stale_before, owner=None):
        """Running targets of live projects that want a check-in: off track, never checked in, or
        not since `stale_before`; with project and owner, optionally of one owner."""
        status = cls.status_sql(on)
        query = (cls.select(cls, User, Project, status.alias("status_now")).join(User, on=cls.owner)
                 .switch(cls).join(Project)
                 .where(Project.status.in_(LIVE) & (User.active == True)  # noqa: E712
                        & (cls.start_date <= on) & (cls.due_date >= on)
                        & ((status == OFF_TRACK) | cls.checked_in_at.is_null() | (cls.checked_in_at < stale_before)))
                 .order_by(cls.id))
        return query if owner is None else query.where(cls.owner == owner)

    @classmethod
    def needing_attention(cls, user, department=None, on=None):
        """At-risk and off-track targets of live projects the user sees, worst first, with who
        owns them, who last checked in and their status on `on` (`status_now`)."""
        Owner, Reporter = User.alias(), User.alias()
        status = cls.status_sql(on)
        # Names only: the home page shows these, and reading whole accounts was half its time.
        query = (cls.visible_to(user).select(cls, status.alias("status_now"), Project.id, Project.name, Owner.id,
                                             Owner.name, Reporter.id, Reporter.name)
                 .join_from(cls, Owner, on=(cls.owner == Owner.id))
                 .join_from(cls, Reporter, JOIN.LEFT_OUTER, on=(cls.checked_in_by == Reporter.id))
                 .where(Project.status.in_(LIVE) & status.in_([AT_RISK, OFF_TRACK]))
                 .order_by(status.desc(), cls.due_date, cls.id))  # "off_track" sorts after "at_risk"
        if department is not None:
            query = query.where(cls.department == department)
        return query

    @classmethod
    def of_project(cls, project):
        """The project's targets with owning department, owner and who last checked in."""
        Owner, Reporter = User.alias(), User.alias()
        return (cls.select(cls, Department, Owner, Reporter).join(Department)
                .join_from(cls, Owner, on=(cls.owner == Owner.id))
                .join_from(cls, Reporter, JOIN.LEFT_OUTER, on=(cls.checked_in_by == Reporter.id))
                .where(cls.project == project.id).order_by(cls.due_date, cls.id))

    def check_ins(self):
        return (CheckIn.select(CheckIn, User).join(User).where(CheckIn.target == self.id)
                .order_by(CheckIn.created_at.desc(), CheckIn.id.desc()))

    # -- behaviours -------------------------------------------------------------------------

    @classmethod
    def define(cls, by, project, **values):
        """A target of `project`, or a goal when `project` is None."""
        values = cls._checked(project, values)
        with db.atomic():
            if project is not None:
                project.refuse_if_archived()
            if values.get("serves") is not None:
                values["serves"] = cls._fresh_parent(values["serves"])
            target = cls.create(project=project, **values)
            AuditEntry.record(by, "target.create", target, {key: [None, shown(value)]
                                                            for key, value in values.items() if value is not None})
            target.index_for_search()
        return target

    def update_details(self, by, **values):
        values = self._checked(self.project, values)
        with db.atomic():
            self.refuse_if_archived()
            if values.get("serves") is not None:
                # One alignment change at a time (SQLite's write lock does this by itself): two
                # edits at once cannot close a circle between them.
                lock("target.serves")
            self.refresh()
            if values.get("serves") is not None:
                values["serves"] = self._fresh_parent(values["serves"])
                if values["serves"].id == self.id or self.id in values["serves"].chain_upwards():
                    raise Invalid(_l("That target already serves this one, directly or through others: "
                                     "a target cannot serve itself."), "serves")
            changes = apply_changes(self, **values)
            if changes:
                self.save()
                AuditEntry.record(by, "target.update", self, changes)
                self.index_for_search()
        return changes

    def search_document(self):
        return dict(kind="target", object_id=self.id, title=self.title, at=self.created_at,
                    project_id=self.project_id, owner_id=self.owner_id, department_id=self.department_id)

    def index_for_search(self):
        search.index(**self.search_document())

    @classmethod
    def _fresh_parent(cls, parent):
        found = cls.get_or_none(cls.id == parent.id)
        if found is None:
            raise Invalid(_l("That target no longer exists."), "serves")
        return found

    def neighbours(self, user):
        """(the target this one serves, [the targets serving it]) that `user` may see, in one query;
        one the user may not see is not named."""
        related = list(Target.visible_to(user).where((Target.id == self.serves_id) | (Target.serves == self.id))
                       .order_by(Target.title, Target.id))
        parent = next((target for target in related if target.id == self.serves_id), None)
        return parent, [target for target in related if target.serves_id == self.id]

    def chain_upwards(self, limit=100):
        """Ids of the targets this one serves, its parent first, up to the top (a circle stops it)."""
        chain, current = [], self.serves_id
        while current is not None and current not in chain and len(chain) < limit:
            chain.append(current)
            current = Target.select(Target.serves).where(Target.id == current).scalar()
        return chain

    def check_in(self, by, value, note="", at=None):
        """Record a new value. History is never edited: a correction is another check-in.
        `at` backdates it, for importing a record kept elsewhere."""
        value = exact_number(value, "value")
        note = (note or "").strip()
        if len(note) > 500:
            raise Invalid(_l("Keep the note under 500 characters."), "note")
        with db.atomic():
            self.refuse_if_archived(_l("This project is archived: it takes no new check-ins."), "value")
            previous = Target.locked(self.id).current_value
            # Stamped once the write lock is held, so check-ins are stamped in the order they are written.
            at = at or utcnow()
            check_in = CheckIn.create(target=self, author=by, value=value, note=note, created_at=at)
            # One statement, so a check-in arriving at the same moment cannot be overwritten by
            # an older one; the latest by time stays the current value.
            latest = (Target.update(current_value=value, checked_in_at=at, checked_in_by=by)
                      .where((Target.id == self.id)
                             & (Target.checked_in_at.is_null() | (Target.checked_in_at <= at))).execute())
            AuditEntry.record(by, "target.check_in", self, {"value": [shown(previous), shown(value)]},
                              summary=note)
            if latest:
                self.current_value, self.checked_in_at, self.checked_in_by = value, at, by
                self._dirty.clear()
                if self.status == OFF_TRACK:
                    self.warn_owner()
                before = self.status_at(today(), previous)
                if SEVERITY[self.status] > SEVERITY[before]:
                    announcements.target_worsened(self, check_in)
        return check_in

    def warn_owner(self, on=None):
        """Tell the owner their target is off track, once a week at most (the key is the week)."""
        year, week, _ = (on or today()).isocalendar()
        return notify(self.owner, "target.off_track", link=self.path(),
                      key="target.off_track:%d:%d-W%02d" % (self.id, year, week), subject=self, title=self.title)

    @staticmethod
    def _checked(project, values):
        values = dict(values)
        if not (values.get("title") or "").strip():
            raise Invalid(_l("Give the target a title."), "title")
        values["baseline"] = exact_number(values["baseline"], "baseline")
        values["target_value"] = exact_number(values["target_value"], "target_value")
        if values["target_value"] == values["baseline"]:
            raise Invalid(_l("The target must differ from the baseline, or there is nothing to reach."),
                          "target_value")
        if values["direction"] not in DIRECTIONS:
            raise Invalid(_l("Choose whether the value should go up or down."), "direction")
        if values["direction"] == "raise" and values["target_value"] < values["baseline"]:
            raise Invalid(_l("To raise a value, the target must be above the baseline."), "target_value")
        if values["direction"] == "lower" and values["target_value"] > values["baseline"]:
            raise Invalid(_l("To lower a value, the target must be below the baseline."), "target_value")
        if values["due_date"] <= values["start_date"]:
            raise Invalid(_l("The due date must be after the start date."), "due_date")
        department, owner = values["department"], values["owner"]
        if project is not None and (department is None or department.id not in project.department_ids):
            raise Invalid(_l("The owning department must take part in the project."), "department")
        if department is not None and (owner is None or not owner.active or owner.department_id != department.id):
            raise Invalid(_l("The owner must be an active member of the owning department."), "owner")
        if owner is None or not owner.active:
            raise Invalid(_l("Choose an active person as owner."), "owner")
        if not 1 <= values["weight"] <= 100:
            raise Invalid(_l("The weight is a whole number from 1 to 100."), "weight")
        return values


def _status(target, on):
    elapsed = _days(on, target.start_date)
    expected = Case(None, [(target.start_date >= on, 0), (target.due_date <= on, 100)],
                    elapsed * 100.0 / _days(target.due_date, target.start_date))
    progress = ((fn.COALESCE(target.current_value, target.baseline) - target.baseline) * 100.0
                / (target.target_value - target.baseline))
    lag = expected - progress
    return Case(None, [(target.current_value.is_null() & (elapsed < GRACE_DAYS), ON_TRACK),
                       (lag > OFF_TRACK_LAG, OFF_TRACK), (lag > AT_RISK_LAG, AT_RISK)], ON_TRACK)


_STATUS = Prepared(_status, places=1)


class CheckIn(BaseModel):
    target = ForeignKeyField(Target, backref="check_in_rows", on_delete="CASCADE")
    author = ForeignKeyField(User, backref="check_ins", on_delete="RESTRICT")
    value = ExactDecimalField(max_digits=15, decimal_places=4)
    note = CharField(max_length=500, default="")
    created_at = DateTimeField(default=utcnow, index=True)

    @classmethod
    def recorded_by(cls, user, start, end):
        """Check-ins `user` recorded between `start` and `end` (naive UTC), with their targets and the
        targets' projects (None for a goal)."""
        return (cls.select(cls, Target, Project).join(Target).join(Project, JOIN.LEFT_OUTER)
                .where((cls.author == user.id) & (cls.created_at >= start) & (cls.created_at < end))
                .order_by(cls.created_at, cls.id))

    @classmethod
    def activity_since(cls, user, since):
        """Each department's check-ins since a moment, on targets the user may see: how many,
        by how many people, and the latest."""
        # Joined rather than "target in (the visible ones)": SQLite then reads this week's check-ins
        # by date, where the list made it read every check-in ever made on a visible target and
        # keep this week's, a cost growing with every week of history (large company: 1.6 -> 0.8 ms).
        check_ins = (cls.select(User.department.alias("department_id"), fn.COUNT(cls.id).alias("count"),
                                fn.COUNT(cls.author.distinct()).alias("people"),
                                fn.MAX(cls.created_at).alias("latest"))
                     .join(User).switch(cls).join(Target).join(Project)
                     .where((cls.created_at >= since) & Project.visibility_for(user))
                     .group_by(User.department))
        counts = {row["department_id"]: row for row in check_ins.dicts()}
        rows = []
        for department in Department.ordered():
            row = counts.get(department.id, {})
            latest = row.get("latest")
            if isinstance(latest, str):
                latest = datetime.datetime.fromisoformat(latest)
            rows.append((department, row.get("count", 0), row.get("people", 0), latest))
        return sorted(rows, key=lambda r: -r[1])


ALREADY_CLOSED = _l("This milestone is already closed.")


class Milestone(BaseModel):
    project = ForeignKeyField(Project, backref="milestones", on_delete="CASCADE")
    title = CharField(max_length=200)
    due_date = DateField()
    closed_at = DateTimeField(null=True)
    closed_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    review_note = TextField(default="")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        only_save_dirty = True

    def __str__(self):
        return self.title

    @property
    def closed(self):
        return self.closed_at is not None

    @property
    def overdue(self):
        return not self.closed and self.due_date < today()

    @classmethod
    def plan(cls, by, project, title, due_date):
        if not (title or "").strip():
            raise Invalid(_l("Give the milestone a title."), "title")
        with db.atomic():
            project.refuse_if_archived()
            milestone = cls.create(project=project, title=title.strip(), due_date=due_date)
            AuditEntry.record(by, "milestone.create", milestone, {"title": [None, milestone.title],
                                                                  "due_date": [None, shown(due_date)]})
        return milestone

    def close(self, by, review_note):
        """Close with a review (复盘): what went well, what did not, what to change."""
        if self.closed:
            raise Invalid(ALREADY_CLOSED, "review_note")
        review_note = (review_note or "").strip()
        if not review_note:
            raise Invalid(_l("Write a short review before closing the milestone."), "review_note")
        with db.atomic():
            self.project.refuse_if_archived()
            if self.refresh().closed:  # closed in another tab meanwhile
                raise Invalid(ALREADY_CLOSED, "review_note")
            changes = apply_changes(self, closed_at=utcnow(), closed_by=by, review_note=review_note)
            self.save()
            AuditEntry.record(by, "milestone.close", self, changes)


def shown(value):
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, BaseModel):
        return str(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


def names(items):
    """People or departments by their recorded name (not the reader's language), for the audit log."""
    return ", ".join(sorted(item.name for item in items)) or None
