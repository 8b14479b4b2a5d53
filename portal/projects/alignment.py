"""The alignment map: which target serves which, the roll-up of progress up the tree, and the
tensions between targets that pull against each other. Everything here is read through the view
rule's SQL twins, so a target of a restricted project never shows to who may not see it, neither
in the tree, nor in a roll-up, nor as the other side of a tension."""
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from peewee import JOIN, CharField, DateTimeField, ForeignKeyField

from portal import mail
from portal.accounts.models import Department, User
from portal.audit import AuditEntry
from portal.db import BaseModel, Invalid, db, utcnow
from portal.projects.models import LIVE, Project, Target, today


class Tension(BaseModel):
    """Two targets that pull against each other ("faster launch" against "lower cost"), and why."""

    target = ForeignKeyField(Target, backref="tensions_named", on_delete="CASCADE")
    other = ForeignKeyField(Target, backref="tensions_received", on_delete="CASCADE")
    note = CharField(max_length=500)
    created_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow, index=True)

    class Meta:
        indexes = ((("target", "other"), True),)

    def __str__(self):
        return self.note

    def path(self):
        """Where the tension is shown, also outside a request (the agenda is built by a job)."""
        return urlsplit(mail.absolute_url("alignment.index", _anchor="tension-%d" % self.id)).path

    @classmethod
    def name(cls, by, target, other, note):
        """Record that `target` and `other` compete; either order counts as the same pair."""
        note = " ".join((note or "").split())
        if other is None:
            raise Invalid(_l("Choose the target it competes with."), "other")
        if other.id == target.id:
            raise Invalid(_l("A target cannot compete with itself."), "other")
        if not note:
            raise Invalid(_l("Say in a few words how they pull against each other."), "note")
        if len(note) > 500:
            raise Invalid(_l("Keep the note under 500 characters."), "note")
        with db.atomic():
            target.refuse_if_archived()
            pair = (((cls.target == target.id) & (cls.other == other.id))
                    | ((cls.target == other.id) & (cls.other == target.id)))
            if cls.select().where(pair).exists():
                raise Invalid(_l("This tension is already on the map."), "other")
            tension = cls.create(target=target, other=other, note=note, created_by=by)
            AuditEntry.record(by, "tension.create", tension, {
                "between": [None, "%s ↔ %s" % (target.title, other.title)], "note": [None, note]})
        return tension

    def remove(self, by):
        with db.atomic():
            AuditEntry.record(by, "tension.delete", self, {"note": [self.note, None]})
            self.delete_instance()

    @classmethod
    def visible_to(cls, user):
        """Tensions whose two targets the user may both see (the SQL twin of the view rule), with
        both targets, their projects, departments and owners."""
        One, Other = Target.alias(), Target.alias()
        OneProject, OtherProject = Project.alias(), Project.alias()
        OneDepartment, OtherDepartment = Department.alias(), Department.alias()
        OneOwner, OtherOwner = User.alias(), User.alias()
        return (cls.select(cls, One, Other, OneProject, OtherProject, OneDepartment, OtherDepartment,
                           OneOwner.id, OneOwner.name, OneOwner.department, OtherOwner.id, OtherOwner.name,
                           OtherOwner.department)
                .join_from(cls, One, on=(cls.target == One.id), attr="target")
                .join_from(cls, Other, on=(cls.other == Other.id), attr="other")
                .join_from(One, OneProject, JOIN.LEFT_OUTER, on=(One.project == OneProject.id), attr="project")
                .join_from(Other, OtherProject, JOIN.LEFT_OUTER, on=(Other.project == OtherProject.id),
                           attr="project")
                .join_from(One, OneDepartment, JOIN.LEFT_OUTER, on=(One.department == OneDepartment.id),
                           attr="department")
                .join_from(Other, OtherDepartment, JOIN.LEFT_OUTER, on=(Other.department == OtherDepartment.id),
                           attr="department")
                .join_from(One, OneOwner, on=(One.owner == OneOwner.id), attr="owner")
                .join_from(Other, OtherOwner, on=(Other.owner == OtherOwner.id), attr="owner")
                .where((One.project.is_null() | Project.visibility_for(user, OneProject))
                       & (Other.project.is_null() | Project.visibility_for(user, OtherProject)))
                .order_by(cls.created_at.desc(), cls.id.desc()))

    @classmethod
    def touching(cls, target, user):
        """The tensions of one target that the user may see."""
        return cls.visible_to(user).where((cls.target == target.id) | (cls.other == target.id))


class Node:
    """A target on the map, with the targets serving it that the reader may see."""

    def __init__(self, target, status):
        self.target = target
        self.status = status
        self.children = []
        self.depth = 0

    @property
    def progress(self):
        return self.target.capped_progress if self.target.current_value is not None else None

    @property
    def rollup(self):
        """The weighted mean of the roll-ups of the visible targets serving it; its own progress
        (capped to 0–100, zero before a check-in) when none does."""
        if not self.children:
            return self.target.capped_progress
        total = sum(child.target.weight for child in self.children)
        return sum(child.target.weight * child.rollup for child in self.children) / total

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


class AlignmentMap:
    """The trees of goals and the targets serving them, as one reader may see them."""

    def __init__(self, user, on=None):
        self.on = on or today()
        status = Target.status_sql(self.on).alias("status_now")
        Owner = User.alias()
        served = Target.select(Target.serves).where(Target.serves.is_null(False))
        rows = (Target.visible_to(user)
                .select_extend(status, Department, Owner.id, Owner.name, Owner.department)
                .join_from(Target, Department, JOIN.LEFT_OUTER, on=(Target.department == Department.id))
                .join_from(Target, Owner, on=(Target.owner == Owner.id), attr="owner")
                .where((Target.project.is_null() | Project.status.in_(LIVE))
                       & (Target.project.is_null() | Target.serves.is_null(False) | Target.id.in_(served)))
                .order_by(Target.project.is_null(False), Target.department.is_null(False), Target.title, Target.id))
        self.nodes = {target.id: Node(target, target.status_now) for target in rows}
        self.roots = []
        for node in self.nodes.values():
            parent = self.nodes.get(node.target.serves_id)
            if parent is None or self._serves_through(parent, node):
                self.roots.append(node)
            else:
                parent.children.append(node)
        for root in self.roots:
            self._set_depths(root, 0)

    def _serves_through(self, parent, node):
        """Whether `node` is among `parent`'s own ancestors: a circle left by an old edit is cut."""
        seen, current = set(), parent
        while current is not None and current.target.id not in seen:
            if current is node:
                return True
            seen.add(current.target.id)
            current = self.nodes.get(current.target.serves_id)
        return False

    def _set_depths(self, node, depth):
        node.depth = depth
        for child in node.children:
            self._set_depths(child, depth + 1)

    def ordered(self):
        """Every node, each followed by the targets serving it (the order the tree is drawn in)."""
        for root in self.roots:
            yield from root.walk()

    def goals(self):
        """The roots that are goals, with their roll-up: what the company and departments aim for."""
        return [root for root in self.roots if root.target.is_goal]

    def unaligned_count(self, user):
        """Live project targets the user may see that serve nothing: not yet on the map."""
        return (Target.visible_to(user).where(Target.project.is_null(False) & Project.status.in_(LIVE)
                                              & Target.serves.is_null()
                                              & Target.id.not_in(Target.select(Target.serves)
                                                                 .where(Target.serves.is_null(False))))
                .count())

