"""Tasks with one owner each: priorities, dependencies across departments, checklists, comments,
and the one filterable query every board is built from."""
import collections
import datetime
import json
import re
import zoneinfo
from urllib.parse import urlsplit

from flask_babel import force_locale, gettext, lazy_pgettext
from flask_babel import lazy_gettext as _l
from peewee import (JOIN, BooleanField, Case, CharField, DateField, DateTimeField, ForeignKeyField,
                    SQL, IntegerField, TextField, fn)

from portal import mail, search
from portal.accounts.models import Department, User
from portal.audit import AuditEntry, apply_changes
from portal.db import BaseModel, ExactDecimalField, Invalid, Shapes, Stale, db, lock, utcnow
from portal.notifications.models import notify
from portal.permissions import Reader, can
from portal.tasks import announcements
from portal.projects.models import RESTRICTED_IN_TEXT as RESTRICTED_PROJECT
from portal.projects.models import Project

PRIORITIES = {"P0": _l("P0 Urgent"), "P1": _l("P1 High"), "P2": _l("P2 Medium"), "P3": _l("P3 Low")}
URGENT = ("P0", "P1")
STATUSES = {"todo": _l("To do"), "doing": _l("In progress"), "blocked": _l("Blocked"),
            "review": lazy_pgettext("task status", "In review"), "done": _l("Done")}
# Written as the columns of open work, not "not done": so the (status, priority, due_date) index
# finds open P0s among twenty thousand tasks without reading the rest.
OPEN = tuple(status for status in STATUSES if status != "done")
VERSIONED = ("task.create", "task.update", "task.move")
EDITABLE = ("title", "description", "owner", "requesting_department", "project", "priority", "status", "due_date",
            "estimate_hours")
# The changes that alter what search finds the task by (Task.search_document); others only restamp it.
SEARCHED = {"title", "description", "owner", "department", "requesting_department", "project"}
# This many open P0s due in one week in one department cannot all come first: a collision.
COLLISION_AT = 2
MAX_TAGS = 10
TAG_LENGTH = 30
_TAG_SEPARATORS = re.compile(r"[,，、;；]")
ONE_DAY = datetime.timedelta(days=1)
# What someone who may not see a task reads where visible work mentions it: that it exists (a
# blocker still blocks), never its number, title, owner or department.
RESTRICTED = _l("A restricted task")
RESTRICTED_IN_TEXT = _l("a restricted task")
# A history line naming a task does so as str(task): "#12 Title".
_NAMED_TASK = re.compile(r"^#(\d+) ")
NEEDS_REASON = _l("Say briefly why: raising another department's task to P0/P1 or moving its due date "
                  "needs a reason, which is kept in the history.")


# The kinds of origin a task can have: the sentence, the endpoint of its page and that page's argument.
ORIGINS = {
    "meeting": (_l("Agreed in a meeting: [see its minutes](%(link)s)."), "meetings.show", "meeting_id"),
    "request": (_l("Approved resource request [#%(id)d](%(link)s)."), "requests.show", "request_id"),
}


def local_today(user, now=None):
    """Today's date where `user` is."""
    now = now or utcnow()
    return now.replace(tzinfo=datetime.UTC).astimezone(zoneinfo.ZoneInfo(user.timezone)).date()


def parse_tags(text):
    """Tag names from free text split at commas (also ，、;), trimmed, latin letters lowercased."""
    names = []
    for part in _TAG_SEPARATORS.split(text or ""):
        name = " ".join(part.split()).lower()
        if name and name not in names:
            names.append(name)
    if any(len(name) > TAG_LENGTH for name in names):
        raise Invalid(_l("Keep each tag under %(n)d characters.", n=TAG_LENGTH), "tags")
    if len(names) > MAX_TAGS:
        raise Invalid(_l("A task takes at most %(n)d tags.", n=MAX_TAGS), "tags")
    return names


def _stale(current):
    """Refuse a change made from an older copy of the task, naming who changed it since."""
    # Comments and checklists do not change the version, so their authors are not the ones to name.
    last = AuditEntry.for_object(current).where(AuditEntry.action.in_(VERSIONED)).first()
    return Stale(gettext("%(name)s changed this task since you opened it, so nothing was saved. This is how it "
                         "is now; make your change again if it still applies.",
                         name=last.actor_name if last and last.actor_name else gettext("Someone")), current)


class Task(BaseModel):
    title = CharField(max_length=200)
    description = TextField(default="")
    owner = ForeignKeyField(User, backref="owned_tasks", on_delete="RESTRICT")
    # The owner's department at assignment, so boards and history stay put when people move.
    department = ForeignKeyField(Department, null=True, backref="tasks", on_delete="SET NULL")
    requesting_department = ForeignKeyField(Department, null=True, backref="requested_tasks", on_delete="SET NULL")
    project = ForeignKeyField(Project, null=True, backref="tasks", on_delete="SET NULL", index=False)
    created_by = ForeignKeyField(User, null=True, backref="created_tasks", on_delete="SET NULL")
    priority = CharField(max_length=2, default="P2")
    status = CharField(max_length=10, default="todo")
    due_date = DateField(null=True)
    estimate_hours = ExactDecimalField(max_digits=7, decimal_places=1, null=True, auto_round=True)
    # Raised by every edit and move: a change made on an older version is refused, never merged.
    version = IntegerField(default=1)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    done_at = DateTimeField(null=True)
    # Where the system made this task (an action item of a meeting, an approved request): stored as
    # facts, said in the reader's language when shown (`origin_text`).
    origin_kind = CharField(max_length=20, null=True)
    origin_id = IntegerField(null=True)

    class Meta:
        # (status, done_at): what was finished in a period (the scorecard) is read by date, not by
        # walking every task ever done. (project, status): a project board's column counts, read
        # from the index alone.
        indexes = ((("status", "priority", "due_date"), False), (("status", "done_at"), False),
                   (("project", "status"), False))

    def __str__(self):
        return "#%d %s" % (self.id, self.title)

    @property
    def origin_text(self):
        """Where the task came from, as Markdown in the reader's language ("" for a task people made).
        The meeting is not named: the task is open to the company, the minutes to the participants."""
        if self.origin_kind not in ORIGINS:
            return ""
        message, endpoint, argument = ORIGINS[self.origin_kind]
        link = urlsplit(mail.absolute_url(endpoint, **{argument: self.origin_id})).path
        return gettext(message, id=self.origin_id, link=link)

    @classmethod
    def waiting_on(cls, owner, until):
        """The owner's unfinished tasks due on or before `until`, soonest first."""
        return (cls.select().where((cls.owner == owner) & (cls.status != "done") & (cls.due_date <= until))
                .order_by(cls.due_date, cls.priority, cls.id))

    def done_note(self, status_before, viewer):
        """A word when a task that was waiting goes to done: not refused (work gets finished other
        ways), but said, naming only the blockers `viewer` may see. None otherwise."""
        if self.status != "done" or status_before == "done":
            return None
        waiting = [task for task in self.blockers(viewer) if task.status != "done"]
        if waiting:
            names = [str(task) if task.visible else str(RESTRICTED_IN_TEXT) for task in waiting]
            return gettext("%(task)s is done, though it still waits for %(tasks)s. Check that they are still needed.",
                           task="#%d" % self.id, tasks=gettext(", ").join(names))
        if status_before == "blocked":
            return gettext("%(task)s is done; it was marked blocked until now.", task="#%d" % self.id)
        return None

    @property
    def link(self):
        """The task's path, also outside a request (reminders are sent by a job)."""
        return urlsplit(mail.absolute_url("tasks.show", task_id=self.id)).path

    @property
    def priority_label(self):
        return PRIORITIES.get(self.priority, self.priority)

    @property
    def status_label(self):
        return STATUSES.get(self.status, self.status)

    def overdue(self, today):
        return self.due_date is not None and self.status != "done" and self.due_date < today

    def due_soon(self, today):
        return self.due_date is not None and self.status != "done" and today <= self.due_date <= today + ONE_DAY

    # -- what hangs off a task ---------------------------------------------------------------

    def tag_names(self):
        return [tag.name for tag in Tag.select().join(TaskTag).where(TaskTag.task == self.id).order_by(Tag.name)]

    def watchers(self):
        return User.select().join(TaskWatcher).where(TaskWatcher.task == self.id).order_by(User.name)

    def watched_by(self, user):
        return TaskWatcher.select().where((TaskWatcher.task == self.id) & (TaskWatcher.user == user.id)).exists()

    def blockers(self, viewer):
        """The tasks this one waits for, open ones first, with owner and department; each knows
        whether `viewer` may see it (`visible`): all of them count, not all of them are named."""
        return (_with_people(Task.select(Task, User, Department, _seen_by(viewer)).join(
                    TaskDependency, on=(TaskDependency.blocked_by == Task.id)))
                .where(TaskDependency.task == self.id)
                .order_by(Task.status == "done", Task.due_date.asc(nulls="LAST"), Task.id))

    def dependents(self, viewer):
        """The tasks waiting for this one, each knowing whether `viewer` may see it."""
        return (_with_people(Task.select(Task, User, Department, _seen_by(viewer)).join(
                    TaskDependency, on=(TaskDependency.task == Task.id)))
                .where(TaskDependency.blocked_by == self.id).order_by(Task.id))

    def history_for(self, viewer, limit=50):
        """The task's audit entries as `viewer` may read them: a line naming a task or a project
        they may not see says that it was a restricted one instead."""
        entries = list(AuditEntry.for_object(self).limit(limit))
        named = {int(found[1]) for entry in entries for text in _task_mentions(entry)
                 if (found := _NAMED_TASK.match(text))}
        seen = {task_id for task_id, in Task.select(Task.id).join(Project, JOIN.LEFT_OUTER, on=Task.project)
                .where(Task.id.in_(list(named)) & Task.visibility_for(viewer)).tuples()} if named else set()
        projects = {value for entry in entries for value in json.loads(entry.changes).get("project", ()) if value}
        hidden_projects = Project.hidden_names(viewer, projects)

        def task_named(text):
            found = _NAMED_TASK.match(text) if isinstance(text, str) else None
            return text if found is None or int(found[1]) in seen else str(RESTRICTED_IN_TEXT)

        for entry in entries:
            changes = json.loads(entry.changes)
            if "blocked_by" in changes:
                changes["blocked_by"] = [task_named(value) for value in changes["blocked_by"]]
            if "project" in changes:
                changes["project"] = [str(RESTRICTED_PROJECT) if value in hidden_projects else value
                                      for value in changes["project"]]
            # Read only: the entry is shown, never saved again.
            entry.changes = json.dumps(changes, ensure_ascii=False)
            if entry.action == "task.unblocked":
                entry.summary = task_named(entry.summary)
        return entries

    def checklist_items(self):
        return ChecklistItem.select().where(ChecklistItem.task == self.id).order_by(ChecklistItem.position,
                                                                                   ChecklistItem.id)

    def discussion(self):
        return (TaskComment.select(TaskComment, User).join(User, JOIN.LEFT_OUTER, on=TaskComment.author)
                .where(TaskComment.task == self.id).order_by(TaskComment.id))

    # -- behaviours ---------------------------------------------------------------------------

    @classmethod
    def open(cls, by, title, owner, priority="P2", status="todo", description="", requesting_department=None,
             due_date=None, estimate_hours=None, tags=(), reason="", project=None, origin=None):
        """Create a task for `owner`; `tags` is a list of names or text to split; `origin` is
        (kind, id) of what made it, a key of ORIGINS."""
        _check_choices(priority=priority, status=status)
        _check_owner(owner)
        _check_project(project)
        names = parse_tags(tags) if isinstance(tags, str) else list(tags)
        with db.atomic():
            task = cls(title=title, description=description, owner=owner, department=owner.department,
                       requesting_department=requesting_department, project=project, created_by=by,
                       priority=priority, status=status, due_date=due_date, estimate_hours=estimate_hours,
                       done_at=utcnow() if status == "done" else None)
            if origin is not None:
                task.origin_kind, task.origin_id = origin
            if priority in URGENT and _foreign(by, task) and not reason:
                raise Invalid(NEEDS_REASON, "reason")
            task.save()
            changes = {"title": [None, title], "owner": [None, owner.name], "priority": [None, priority],
                       "status": [None, status]}
            if project is not None:
                changes["project"] = [None, project.name]
            if due_date:
                changes["due_date"] = [None, due_date.isoformat()]
            tag_change = task._set_tags(names)
            if tag_change:
                changes["tags"] = tag_change
            AuditEntry.record(by, "task.create", task, changes, summary=reason)
            if priority in URGENT and status != "done":
                announcements.priority(task, by, reason=reason)
            task.index_for_search(comments=())
            if by.id != owner.id:
                # Whoever asks for the work wants to hear how it goes.
                TaskWatcher.create(task=task, user=by)
                notify(owner, "task.assigned", link=task.link, subject=task, actor=by.name, title=title)
        return task

    def revise(self, by, version, reason="", tags=None, **values):
        """Apply a change made on `version` of this task; return the task as saved.

        A change made on an older version raises Stale: nothing is overwritten.
        """
        unknown = set(values) - set(EDITABLE)
        if unknown:
            raise TypeError("not editable: %s" % ", ".join(sorted(unknown)))
        _check_choices(**{k: v for k, v in values.items() if k in ("priority", "status")})
        names = parse_tags(tags) if isinstance(tags, str) else tags
        with db.atomic():
            task = self._in_hand(version) if names is None else None
            if task is None:
                task = Task.locked(self.id)
                if task.version != version:
                    raise _stale(task)
            if "owner" in values and values["owner"].id != task.owner_id:
                _check_owner(values["owner"])
                values["department"] = values["owner"].department
            if "project" in values and (values["project"].id if values["project"] else None) != task.project_id:
                _check_project(values["project"])
            changes = apply_changes(task, **values)
            if "estimate_hours" in changes:
                changes["estimate_hours"] = [None if v is None else str(v) for v in changes["estimate_hours"]]
            if names is not None:
                tag_change = task._set_tags(names)
                if tag_change:
                    changes["tags"] = tag_change
            if not changes:
                return task
            if _needs_reason(by, task, changes) and not reason:
                raise Invalid(NEEDS_REASON, "reason")
            if "status" in changes:
                task.done_at = utcnow() if task.status == "done" else None
            task._save_over(version, changes)
            AuditEntry.record(by, "task.move" if set(changes) == {"status"} else "task.update", task, changes,
                              summary=reason)
            if SEARCHED.isdisjoint(changes):
                search.restamp("task", task.id, task.updated_at)
            else:
                task.index_for_search()
            task._tell(by, changes)
            if _raised(changes) and task.status != "done" and (task.priority in URGENT or _foreign(by, task)):
                announcements.priority(task, by, old=changes["priority"][0], reason=reason)
            if task.status == "done" and "status" in changes:
                task._release_dependents(by)
        return task

    def _in_hand(self, version):
        """A copy of this row to change, when it is whole and at `version`; else None (read it under
        the lock). A change that writes no row but the task's own needs no re-read: the
        compare-and-set of `_save_over` refuses it if anyone wrote the task since this row was read
        (every write of a task moves its version), and the re-read was a fifth of a card move's
        statements. Tags are rows of their own, written before that check: a change of tags reads
        the task under the lock first, so a concurrent one waits instead of colliding on them. The
        copy keeps the caller's object as read if the change is refused."""
        if self.version != version or not self.__data__.keys() >= Task._meta.fields.keys():
            return None
        task = Task(__no_default__=True)
        task.__data__, task.__rel__ = dict(self.__data__), dict(self.__rel__)
        return task

    def move(self, by, version, status):
        """Put the task in another column of the board."""
        return self.revise(by, version, status=status)

    def _save_over(self, version, changes):
        """Write the fields `changes` names, with the new version, if the row is still at `version`."""
        # Compare-and-set: whatever the database's isolation, a second writer of the same version loses.
        self.version = version + 1
        self.updated_at = utcnow()
        fields = Task._meta.fields
        written = tuple(name for name in (*changes, "version", "updated_at", "done_at") if name in fields)
        saved = _SAVE_OVER(written, *(fields[name].db_value(self.__data__.get(name)) for name in written),
                           self.id, version)
        if not saved.cursor.rowcount:
            raise _stale(Task.get_by_id(self.id))

    def _tell(self, by, changes):
        told = set()
        if "owner" in changes and self.owner_id != by.id:
            notify(self.owner, "task.assigned", link=self.link, subject=self, actor=by.name, title=self.title)
            told.add(self.owner_id)
        described = ["%s → %s" % (old or "—", new or "—") for name, (old, new) in sorted(changes.items())
                     if name in ("priority", "due_date")]
        if not described:
            return
        audience = {self.owner_id: self.owner, **{user.id: user for user in self.watchers()}}
        for user_id, user in audience.items():
            if user_id != by.id and user_id not in told:
                notify(user, "task.changed", link=self.link, subject=self, actor=by.name, title=self.title,
                       change="; ".join(described))

    def _release_dependents(self, by):
        """Tell the owners of tasks that waited for this one and nothing else that they can go."""
        still_waiting = (TaskDependency.select(TaskDependency.id)
                         .join(_BLOCKER, on=(TaskDependency.blocked_by == _BLOCKER.id))
                         .where((TaskDependency.task == Task.id) & (_BLOCKER.status != "done")))
        released = (Task.select(Task, User).join(User, on=Task.owner)
                    .where(Task.id.in_(TaskDependency.select(TaskDependency.task)
                                       .where(TaskDependency.blocked_by == self.id))
                           & (Task.status != "done") & ~fn.EXISTS(still_waiting)))
        for task in released:
            AuditEntry.record(by, "task.unblocked", task, summary=str(self))
            if can(task.owner, "view", self):
                blocker = str(self)
            else:
                with force_locale(task.owner.mail_language):
                    blocker = str(RESTRICTED)
            notify(task.owner, "blocker.done", link=task.link, subject=task, blocker=blocker, title=task.title)

    def _set_tags(self, names):
        """Replace the tags; return [old, new] as text when they changed."""
        before = self.tag_names()
        after = sorted(names)
        if before == after:
            return None
        TaskTag.delete().where(TaskTag.task == self.id).execute()
        for name in after:
            tag, _ = Tag.get_or_create(name=name)
            TaskTag.create(task=self, tag=tag)
        return [", ".join(before) or None, ", ".join(after) or None]

    def add_blocker(self, by, blocker):
        """Make this task wait for `blocker`; refuse itself, repeats and circles."""
        if blocker.id == self.id:
            raise Invalid(_l("A task cannot wait for itself."), "blocker")
        with db.atomic():
            # The circle check reads chains through many tasks: two links added at once (A waits
            # for B, B for A) must not each miss the other.
            lock("task.dependencies")
            if TaskDependency.select().where((TaskDependency.task == self.id)
                                             & (TaskDependency.blocked_by == blocker.id)).exists():
                raise Invalid(gettext("This task already waits for %(task)s.", task=str(blocker)), "blocker")
            chain = blocker.waiting_chain(self)
            if chain:
                # The circle may pass through work `by` may not see: it is named only as restricted.
                titles = {t.id: str(t) for t in Task.select(Task.id, Task.title).join(
                    Project, JOIN.LEFT_OUTER, on=Task.project).where(Task.id.in_(chain) & Task.visibility_for(by))}
                raise Invalid(gettext("That would make these tasks wait for each other in a circle: %(cycle)s.",
                                      cycle=" → ".join(titles.get(i, str(RESTRICTED_IN_TEXT))
                                                       for i in [self.id, *chain])), "blocker")
            TaskDependency.create(task=self, blocked_by=blocker)
            AuditEntry.record(by, "task.blocker_add", self, {"blocked_by": [None, str(blocker)]})

    def remove_blocker(self, by, blocker):
        with db.atomic():
            removed = (TaskDependency.delete().where((TaskDependency.task == self.id)
                                                     & (TaskDependency.blocked_by == blocker.id)).execute())
            if removed:
                AuditEntry.record(by, "task.blocker_remove", self, {"blocked_by": [str(blocker), None]})
        return removed

    def waiting_chain(self, goal):
        """The ids from this task to `goal` following "waits for", or None when it never waits for goal."""
        came_from = {self.id: None}
        frontier = [self.id]
        while frontier and goal.id not in came_from:
            edges = (TaskDependency.select(TaskDependency.task, TaskDependency.blocked_by)
                     .where(TaskDependency.task.in_(frontier)).tuples())
            frontier = []
            for waiting, blocker in edges:
                if blocker not in came_from:
                    came_from[blocker] = waiting
                    frontier.append(blocker)
        if goal.id not in came_from:
            return None
        chain = [goal.id]
        while came_from[chain[-1]] is not None:
            chain.append(came_from[chain[-1]])
        return chain[::-1]

    def comment(self, by, body):
        if not body.strip():
            raise Invalid(_l("Write something first."), "body")
        with db.atomic():
            comment = TaskComment.create(task=self, author=by, body=body)
            AuditEntry.record(by, "task.comment", self, summary="comment %d" % comment.id)
            self.index_for_search()
        return comment

    def search_document(self, comments=None):
        """What search finds the task by: its title, description and comments (`comments`, their
        texts in order, are read when not given)."""
        if comments is None:
            comments = [body for body, in TaskComment.select(TaskComment.body).where(TaskComment.task == self.id)
                        .order_by(TaskComment.id).tuples()]
        return dict(kind="task", object_id=self.id, title=self.title, body="\n".join([self.description, *comments]),
                    at=self.updated_at, project_id=self.project_id, owner_id=self.owner_id,
                    creator_id=self.created_by_id, department_id=self.department_id,
                    other_department_id=self.requesting_department_id)

    def index_for_search(self, comments=None):
        search.index(**self.search_document(comments))

    def add_item(self, by, text):
        with db.atomic():
            Task.locked(self.id)  # the next position is this item's alone
            last = ChecklistItem.select(fn.MAX(ChecklistItem.position)).where(ChecklistItem.task == self.id).scalar()
            item = ChecklistItem.create(task=self, text=text, position=(last or 0) + 1)
            AuditEntry.record(by, "task.checklist", self, {"item": [None, text]})
        return item

    def check_item(self, by, item, done):
        with db.atomic():
            item.refresh()
            changes = apply_changes(item, done=done)
            if changes:
                item.save()
                AuditEntry.record(by, "task.checklist", self, {"checked": changes["done"]}, summary=item.text)

    def remove_item(self, by, item):
        with db.atomic():
            if item.delete_instance():  # not already removed in another tab
                AuditEntry.record(by, "task.checklist", self, {"item": [item.text, None]})

    def watch(self, user):
        with db.atomic():
            Task.locked(self.id)
            if not self.watched_by(user):
                TaskWatcher.create(task=self, user=user)
                AuditEntry.record(user, "task.watch", self)

    def unwatch(self, user):
        with db.atomic():
            if TaskWatcher.delete().where((TaskWatcher.task == self.id) & (TaskWatcher.user == user.id)).execute():
                AuditEntry.record(user, "task.unwatch", self)

    # -- boards -------------------------------------------------------------------------------

    @classmethod
    def board(cls, viewer, **narrowing):
        """The tasks `viewer` may see, with owner, departments and blocker counts joined in one query;
        `narrowing` as in narrowed()."""
        # Counted for each row the query returns, from the dependency index: a board shows a few
        # dozen cards of thousands, and counts its columns without them.
        query = (cls.select(*CARD_FIELDS, User.id, User.name, User.department, User.role, User.timezone, User.active,
                            Department, _REQUESTING, cls.blocker_count(open_only=True).alias("open_blockers"),
                            cls.blocker_count().alias("all_blockers"))
                 .join(User, on=cls.owner)
                 .switch(cls).join(Department, JOIN.LEFT_OUTER, on=cls.department)
                 .switch(cls).join(_REQUESTING, JOIN.LEFT_OUTER, on=cls.requesting_department)
                 .switch(cls).join(Project, JOIN.LEFT_OUTER, on=cls.project)
                 .switch(cls))
        return cls.narrowed(query, viewer, **narrowing)

    @classmethod
    def narrowed(cls, query, viewer, department=None, requesting_department=None, cross=False, owner=None,
                 priority=None, tag=None, overdue=False, blocked=False, open_only=False, project=None, status=None,
                 seen_project=None):
        """`query`, of tasks joined (outer) to their project, kept to those `viewer` may see; each
        argument narrows it. `cross`: only work one department asks of another. `overdue`: True, or
        the day before which open tasks are overdue (the reader's today, bound into a statement
        compiled once). `seen_project`: a project the viewer may see, as Project.seen_by or
        visible_to read it (not merely named in a request): its tasks, all of which the view rule
        shows to whoever sees the project, so the statement needs no condition of its own for that
        (nor the project joined) and a board's counts come from the index alone."""
        if seen_project is not None:
            query = query.where(cls.project == seen_project)
        else:
            query = query.where(cls.visibility_for(viewer))
        if project is not None:
            query = query.where(cls.project == project)
        if department is not None:
            query = query.where(cls.department == department)
        if requesting_department is not None:
            query = query.where(cls.requesting_department == requesting_department)
        if cross:
            query = query.where(cls.requesting_department.is_null(False)
                                & (cls.department.is_null() | (cls.department != cls.requesting_department)))
        if owner is not None:
            query = query.where(cls.owner == owner)
        if priority:
            query = query.where(cls.priority.in_([priority] if isinstance(priority, str) else list(priority)))
        if tag:
            query = query.where(cls.id.in_(TaskTag.select(TaskTag.task).join(Tag).where(Tag.name == tag)))
        if overdue:
            query = query.where((cls.due_date < (local_today(viewer) if overdue is True else overdue))
                                & cls.status.in_(OPEN))
        if blocked:
            query = query.where((cls.status == "blocked") | (cls.blocker_count(open_only=True) > 0))
        if open_only:
            # One rule in two spellings, for SQLite's planner (large company): with priorities asked,
            # the list of open statuses lets the (status, priority, due date) index find the few
            # urgent open tasks (company priorities: 12 ms; 23 with "not done"); without, it made
            # SQLite read most tasks through that index and sort them all to keep a page, where "not
            # done" lets it walk the tasks in order and stop (the API's list: 18 -> 0.7 ms).
            query = query.where(cls.status.in_(OPEN) if priority else cls.status != "done")
        if status is not None:
            query = query.where(cls.status == status)
        return query

    @classmethod
    def blocker_count(cls, open_only=False):
        """How many tasks the task of the enclosing query waits for (those not done yet), as SQL."""
        count = (TaskDependency.select(fn.COUNT(TaskDependency.id))
                 .join(_BLOCKER, on=(TaskDependency.blocked_by == _BLOCKER.id)).where(TaskDependency.task == cls.id))
        return count.where(_BLOCKER.status != "done") if open_only else count

    @classmethod
    def for_permissions(cls):
        # The view rule reads the task's project.
        return cls.select(cls, Project).join(Project, JOIN.LEFT_OUTER, on=cls.project)

    @classmethod
    def visibility_for(cls, user):
        """The SQL condition, on Task joined to Project, of the view rule in portal.permissions."""
        return (cls.project.is_null() | (cls.owner == user.id) | (cls.created_by == user.id)
                | Project.visibility_for(user))

    @classmethod
    def finished_by(cls, user, start, end):
        """Tasks `user` owns that were done between `start` and `end` (naive UTC), in that order, with
        their project (None for most)."""
        return (cls.select(cls, Project).join(Project, JOIN.LEFT_OUTER)
                .where((cls.owner == user.id) & (cls.status == "done") & (cls.done_at >= start) & (cls.done_at < end))
                .order_by(cls.done_at, cls.id))

    @classmethod
    def raised_to_urgent_since(cls, since):
        """Ids of tasks created as P0/P1, or raised to P0/P1 from below, since `since` (from the trail)."""
        entries = (AuditEntry.select(AuditEntry.object_id, AuditEntry.changes)
                   .where((AuditEntry.object_type == "Task") & (AuditEntry.at >= since)
                          & AuditEntry.action.in_(("task.create", "task.update"))
                          & AuditEntry.changes.contains('"priority"')))
        raised = set()
        for entry in entries:
            old, new = json.loads(entry.changes)["priority"]
            if new in URGENT and old not in URGENT:
                raised.add(entry.object_id)
        return raised

    @classmethod
    def card_order(cls):
        return (cls.priority, cls.due_date.asc(nulls="LAST"), cls.id)

    @classmethod
    def card(cls, viewer, task_id, **narrowing):
        """The card `task_id` as board(viewer, **narrowing) shows it, with its project (what the view
        rule reads), or None when that board does not show it."""
        shape, values = _board_shape(viewer, narrowing)
        return next(iter(_CARD(shape, *values, task_id)), None)

    @classmethod
    def counts(cls, viewer, key, **narrowing):
        """{column: number of cards} of a board grouped by `key` (`narrowing` as in narrowed()), in
        one GROUP BY that joins only what narrows the tasks."""
        shape, values = _board_shape(viewer, narrowing)
        return dict(_COUNTS((key.name, shape), *values))

    @classmethod
    def first_cards(cls, query, key, limit):
        """{column: its first `limit` cards} for a board grouped by `key`, in one query; each card
        knows how many its column holds (`column_total`), so a board needs no separate count."""
        ranked = (query.select(cls.id.alias("ranked_id"),
                               fn.ROW_NUMBER().over(partition_by=[key], order_by=cls.card_order()).alias("place"),
                               fn.COUNT(cls.id).over(partition_by=[key]).alias("column_total"))
                  .alias("ranked"))
        # An expression rather than the bare column, so the number lands on the card itself (a bare
        # column of the subquery would be read as a second task joined to it).
        total = fn.COALESCE(ranked.c.column_total, 0).alias("column_total")
        rows = (query.select_extend(total).join(ranked, on=(ranked.c.ranked_id == cls.id)).switch(cls)
                .where(ranked.c.place <= limit).order_by(*cls.card_order()))
        columns = collections.defaultdict(list)
        for task in rows:
            columns[task.__data__[key.name]].append(task)
        return columns

    @classmethod
    def more_cards(cls, query, key, value, offset, limit):
        """Cards of one column after the first `offset`."""
        where = key.is_null() if value is None else key == value
        return list(query.where(where).order_by(*cls.card_order()).offset(offset).limit(limit))

    @classmethod
    def collisions(cls, query, today):
        """{department id: [(Monday, n)]}: weeks in which a department has COLLISION_AT or more open P0s due.

        An overdue P0 counts in this week: it still competes for this week's time.
        """
        monday = today - datetime.timedelta(days=today.weekday())
        weeks = collections.Counter()
        rows = (query.select(cls.department, cls.due_date)
                .where((cls.priority == "P0") & cls.status.in_(OPEN) & cls.due_date.is_null(False)).tuples())
        for department_id, due in rows:
            weeks[department_id, max(due - datetime.timedelta(days=due.weekday()), monday)] += 1
        found = collections.defaultdict(list)
        for (department_id, week), n in sorted(weeks.items(), key=lambda item: item[0][1]):
            if n >= COLLISION_AT:
                found[department_id].append((week, n))
        return found


# What a card shows and its permission checks read: boards load thousands of rows' worth of these.
# Aliases made once: peewee makes a class for each column of an alias the first time it is named,
# and a board's query named eight afresh every time it was built.
_REQUESTING = Department.alias()
_BLOCKER = Task.alias()
CARD_FIELDS = (Task.id, Task.title, Task.owner, Task.department, Task.requesting_department, Task.project,
               Task.created_by, Task.priority, Task.status, Task.due_date, Task.version)


def _with_people(query):
    return (query.switch(Task).join(User, on=Task.owner).switch(Task).join(Department, JOIN.LEFT_OUTER,
                                                                           on=Task.department)
            .switch(Task).join(Project, JOIN.LEFT_OUTER, on=Task.project))


def _board_shape(viewer, narrowing):
    """(shape, values) of a board's statements: what decides their text (who reads; which filters
    are set, and with how many values) and the values bound into it, in order."""
    shape, values = Reader.shape(viewer)
    shape = list(shape)
    for name, value in sorted(narrowing.items()):
        if value is None or value is False or value == "":
            continue
        if name == "overdue":
            value = local_today(viewer)  # the day moves on, the statement's text does not
        elif name == "priority" and isinstance(value, str):
            value = [value]
        if value is True:
            shape.append(name)
        elif isinstance(value, (list, tuple)):
            shape.append((name, len(value)))
            values.extend(value)
        else:
            shape.append((name, None))
            values.append(value.id if isinstance(value, BaseModel) else value)
    return tuple(shape), values


def _from_shape(shape, places):
    """The reader and narrowing that build the statement of `shape`, with places for values."""
    reader = Reader.from_shape(shape, places)
    narrowing, rest = {}, iter(places[2:])
    for item in shape[2:]:
        if isinstance(item, str):
            narrowing[item] = True
        else:
            name, length = item
            narrowing[name] = next(rest) if length is None else [next(rest) for _ in range(length)]
    return reader, narrowing


def _card_statement(shape, *places):
    reader, narrowing = _from_shape(shape, places[:-1])
    return Task.board(reader, **narrowing).select_extend(Project).where(Task.id == places[-1]).limit(1)


def _count_statement(keyed, *places):
    key, shape = keyed
    field = getattr(Task, key)
    reader, narrowing = _from_shape(shape, places)
    query = Task.select(field, fn.COUNT(SQL("*")))
    if "seen_project" not in narrowing:
        query = query.join(Project, JOIN.LEFT_OUTER, on=Task.project)
    return Task.narrowed(query, reader, **narrowing).group_by(field).tuples()


_CARD = Shapes(_card_statement)
_COUNTS = Shapes(_count_statement)


def _save_over_statement(written, *places):
    """The compare-and-set of `_save_over`, one shape per set of fields written: compiling it took
    longer than running it, and most changes are moves (status, version, updated_at, done_at)."""
    *values, task_id, version = places
    return Task.update(dict(zip((Task._meta.fields[name] for name in written), values, strict=True))).where(
        (Task.id == task_id) & (Task.version == version))


_SAVE_OVER = Shapes(_save_over_statement)


def _seen_by(viewer):
    """A column saying whether `viewer` may see the task of its row (Task joined to Project)."""
    return Case(None, [(Task.visibility_for(viewer), True)], False).alias("visible")


def _task_mentions(entry):
    """The texts of an audit entry that may name another task."""
    if entry.action == "task.unblocked":
        return [entry.summary]
    if entry.action in ("task.blocker_add", "task.blocker_remove"):
        return [value for value in json.loads(entry.changes).get("blocked_by", ()) if value]
    return []


# Messages that quote what someone typed or named are formatted at once with gettext: a lazy
# string counts as safe HTML in templates, so the quoted text would not be escaped.
def _check_choices(priority="P2", status="todo"):
    if priority not in PRIORITIES:
        raise Invalid(gettext("There is no priority “%(value)s”; choose P0, P1, P2 or P3.", value=priority),
                      "priority")
    if status not in STATUSES:
        raise Invalid(gettext("There is no status “%(value)s”; choose one of the board's columns.", value=status),
                      "status")


def _check_owner(owner):
    if owner is None:
        raise Invalid(_l("Every task needs exactly one owner."), "owner")
    if not owner.active:
        raise Invalid(gettext("%(name)s has been deactivated; choose an active owner.", name=owner.name), "owner")


def _check_project(project):
    if project is not None and project.read_only:
        raise Invalid(gettext("“%(name)s” is archived; its work cannot change.", name=project.name), "project")


def _foreign(by, task):
    """The task belongs to another department than the person changing it."""
    return by.department_id != task.department_id


def _raised(changes):
    """The priority went up: P0 is the highest, so the new one sorts first."""
    return "priority" in changes and changes["priority"][1] < changes["priority"][0]


def _needs_reason(by, task, changes):
    if not _foreign(by, task):
        return False
    if _raised(changes) and changes["priority"][1] in URGENT:
        return True
    return "due_date" in changes and changes["due_date"][0] is not None


class TaskDependency(BaseModel):
    """`task` waits for `blocked_by` to be done."""

    task = ForeignKeyField(Task, backref="dependencies", on_delete="CASCADE")
    blocked_by = ForeignKeyField(Task, backref="dependent_links", on_delete="CASCADE")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("task", "blocked_by"), True),)


class TaskWatcher(BaseModel):
    task = ForeignKeyField(Task, backref="watcher_links", on_delete="CASCADE")
    user = ForeignKeyField(User, backref="watched_tasks", on_delete="CASCADE")

    class Meta:
        indexes = ((("task", "user"), True),)


class Tag(BaseModel):
    name = CharField(max_length=TAG_LENGTH, unique=True)


class TaskTag(BaseModel):
    task = ForeignKeyField(Task, backref="tag_links", on_delete="CASCADE")
    tag = ForeignKeyField(Tag, backref="task_links", on_delete="CASCADE")

    class Meta:
        indexes = ((("task", "tag"), True),)


class ChecklistItem(BaseModel):
    task = ForeignKeyField(Task, backref="checklist", on_delete="CASCADE")
    text = CharField(max_length=200)
    done = BooleanField(default=False)
    position = IntegerField(default=0)


class TaskComment(BaseModel):
    task = ForeignKeyField(Task, backref="comments", on_delete="CASCADE")
    author = ForeignKeyField(User, null=True, backref="task_comments", on_delete="SET NULL")
    body = TextField()
    created_at = DateTimeField(default=utcnow)
