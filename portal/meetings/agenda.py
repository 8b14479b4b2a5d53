"""Where a meeting's agenda comes from: a registry of live sources, each one section of the agenda.

A source is a function `(meeting, since) -> [{"title", "link", "ref", "status"}]`: `since` is the
start of the previous meeting of the series, `ref` names the thing reported ("task:12") so it
appears once however often the agenda is rebuilt, `status` is a key of STATUS_LABELS. Sections
show in the order of AGENDA_SOURCES, then the topics the coordinator adds by hand.

The "targets" section also goes into the minutes mail (MAILED_SECTION), so recipients see the
targets' status as it stood in the meeting. An agenda is read by everyone taking part, so the
sources report only work of projects open to the whole company: a participants-only project is
discussed among its participants, not in front of a named guest from elsewhere.
"""
import collections
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from peewee import JOIN, fn

from portal import mail
from portal.db import model_named
from portal.accounts.models import User
from portal.projects.alignment import Tension
from portal.projects.models import LIVE, OFF_TRACK, Project, ProjectDepartment, Target, today
from portal.requests.models import ResourceRequest
from portal.requests.notices import request_path
from portal.tasks.models import Task, TaskDependency

REQUEST_WAIT_HOURS = 48
MAILED_SECTION = "targets"
OTHER = "other"
# Enough to discuss in one meeting; the boards hold the rest.
TASKS_LISTED = 30

STATUS_LABELS = {
    "open": _l("Open"), "done": _l("Done"), "cancelled": _l("Cancelled"), "overdue": _l("Overdue"),
    "waiting": _l("Waiting"), "off_track": _l("Off track"), "at_risk": _l("At risk"), "blocked": _l("Blocked"),
    "raised": _l("Raised to P0/P1"), "tension": _l("Tension"),
}


@dataclass(frozen=True)
class AgendaSource:
    key: str
    title: object
    collect: Callable


def previous_action_items(meeting, since):
    """The previous meeting's action items and how each stands now."""
    previous = meeting.previous()
    if previous is None:
        return []
    return [{"title": "%s — %s" % (item.what, item.owner.name), "link": previous.path("action-%d" % item.id),
             "ref": "action:%d" % item.id, "status": item.outcome()}
            for item in previous.action_items_with_owners()]


def waiting_requests(meeting, since):
    """Resource requests to or from the participating departments waiting longer than REQUEST_WAIT_HOURS."""
    departments = [department.id for department in meeting.series.departments()]
    return [{"title": "#%d %s — %s" % (r.id, r.title, ", ".join(r.holders) or r.step.display_name),
             "link": request_path(r), "ref": "request:%d" % r.id, "status": "waiting"}
            for r in ResourceRequest.waiting_longer_than(REQUEST_WAIT_HOURS, departments)]


def _path(endpoint, **values):
    """A page's path, also when the agenda is built by a job outside any request."""
    return urlsplit(mail.absolute_url(endpoint, **values)).path


def targets_needing_attention(meeting, since):
    """Off-track and at-risk targets of live projects the participating departments take part in."""
    departments = [department.id for department in meeting.series.departments()]
    if not departments:
        return []
    status = Target.status_sql(today()).alias("agenda_status")
    rows = (Target.select(Target, Project, status).join(Project)
            .where(Project.status.in_(LIVE) & Project.open_to_everyone()
                   & Project.id.in_(ProjectDepartment.select(ProjectDepartment.project)
                                    .where(ProjectDepartment.department.in_(departments)))
                   & (Target.status_sql(today()) != "on_track"))
            .order_by(Target.status_sql(today()) != OFF_TRACK, Project.name, Target.title))
    return [{"title": "%s — %s" % (target.title, target.project.name),
             "link": _path("targets.show", target_id=target.id), "ref": "target:%d" % target.id,
             "status": target.agenda_status} for target in rows]


def overdue_and_blocked_tasks(meeting, since):
    """Open tasks owned in the participating departments that are overdue, blocked, or wait for others."""
    departments = [department.id for department in meeting.series.departments()]
    if not departments:
        return []
    waiting = (TaskDependency.select(TaskDependency.task).join(Task, on=(TaskDependency.blocked_by == Task.id))
               .where(Task.status != "done"))
    Blocked = Task.alias()
    rows = (Blocked.select(Blocked, User).join(User, on=(Blocked.owner == User.id))
            .switch(Blocked).join(Project, JOIN.LEFT_OUTER, on=(Blocked.project == Project.id))
            .where(Blocked.department.in_(departments) & (Blocked.status != "done")
                   & (Blocked.project.is_null() | Project.open_to_everyone())
                   & ((Blocked.due_date < today()) | (Blocked.status == "blocked") | Blocked.id.in_(waiting)))
            .order_by(Blocked.priority, Blocked.due_date.asc(nulls="LAST"), Blocked.id).limit(TASKS_LISTED))
    return [{"title": "#%d %s — %s" % (task.id, task.title, task.owner.name),
             "link": _path("tasks.show", task_id=task.id), "ref": "task:%d" % task.id,
             "status": "overdue" if task.due_date and task.due_date < today() else "blocked"} for task in rows]


def priority_changes(meeting, since):
    """Tasks of the participating departments created as, or raised to, P0/P1 since the last meeting."""
    departments = {department.id for department in meeting.series.departments()}
    if not departments:
        return []
    raised = Task.raised_to_urgent_since(since)
    if not raised:
        return []
    rows = (Task.select(Task, User).join(User, on=(Task.owner == User.id))
            .switch(Task).join(Project, JOIN.LEFT_OUTER, on=(Task.project == Project.id))
            .where(Task.id.in_(list(raised)) & Task.department.in_(list(departments))
                   & (Task.project.is_null() | Project.open_to_everyone()))
            .order_by(Task.priority, Task.id).limit(TASKS_LISTED))
    return [{"title": "#%d %s (%s) — %s" % (task.id, task.title, task.priority, task.owner.name),
             "link": _path("tasks.show", task_id=task.id), "ref": "raised:%d" % task.id, "status": "raised"}
            for task in rows]


def _shared_target(alias, project, owner, departments):
    """A condition: the target (`alias`, joined to its `project` and `owner`) is open to the whole
    company, live, and a participating department answers for it (a company goal: its owner's)."""
    return ((alias.project.is_null() | (Project.open_to_everyone(project) & project.status.in_(LIVE)))
            & fn.COALESCE(alias.department, owner.department).in_(departments))


def alignment_issues(meeting, since):
    """Tensions named since the last meeting and targets off track that serve another, where a
    participating department answers for either side."""
    departments = [department.id for department in meeting.series.departments()]
    if not departments:
        return []
    found = []
    One, Other, OneOwner, OtherOwner = Target.alias(), Target.alias(), User.alias(), User.alias()
    OneProject, OtherProject = Project.alias(), Project.alias()
    tensions = (Tension.select(Tension, One.id, One.title, Other.id, Other.title)
                .join_from(Tension, One, on=(Tension.target == One.id), attr="target")
                .join_from(Tension, Other, on=(Tension.other == Other.id), attr="other")
                .join_from(One, OneOwner, on=(One.owner == OneOwner.id))
                .join_from(Other, OtherOwner, on=(Other.owner == OtherOwner.id))
                .join_from(One, OneProject, JOIN.LEFT_OUTER, on=(One.project == OneProject.id))
                .join_from(Other, OtherProject, JOIN.LEFT_OUTER, on=(Other.project == OtherProject.id))
                .where((Tension.created_at >= since) & (Tension.created_at < meeting.starts_at)
                       & (One.project.is_null() | Project.open_to_everyone(OneProject))
                       & (Other.project.is_null() | Project.open_to_everyone(OtherProject))
                       & (_shared_target(One, OneProject, OneOwner, departments)
                          | _shared_target(Other, OtherProject, OtherOwner, departments)))
                .order_by(Tension.created_at, Tension.id))
    for tension in tensions:
        found.append({"title": "%s ↔ %s: %s" % (tension.target.title, tension.other.title, tension.note),
                      "link": tension.path(), "ref": "tension:%d" % tension.id, "status": "tension"})
    Parent, ParentProject, Owner = Target.alias(), Project.alias(), User.alias()
    serving = (Target.select(Target.id, Target.title, Parent.id, Parent.title)
               .join_from(Target, Parent, on=(Target.serves == Parent.id), attr="parent")
               .join_from(Target, Owner, on=(Target.owner == Owner.id))
               .join_from(Target, Project, JOIN.LEFT_OUTER, on=(Target.project == Project.id))
               .join_from(Parent, ParentProject, JOIN.LEFT_OUTER, on=(Parent.project == ParentProject.id))
               .where(_shared_target(Target, Project, Owner, departments)
                      & (Parent.project.is_null() | Project.open_to_everyone(ParentProject))
                      & (Target.status_sql(today()) == OFF_TRACK))
               .order_by(Parent.title, Target.title, Target.id))
    for target in serving:
        found.append({"title": "%s → %s" % (target.title, target.parent.title),
                      "link": _path("targets.show", target_id=target.id), "ref": "serving:%d" % target.id,
                      "status": "off_track"})
    return found


AGENDA_SOURCES = [
    AgendaSource("targets", _l("Targets off track or at risk"), targets_needing_attention),
    AgendaSource("alignment", _l("Alignment: new tensions, and off-track targets others rely on"),
                 alignment_issues),
    AgendaSource("tasks", _l("Overdue and blocked work"), overdue_and_blocked_tasks),
    AgendaSource("changes", _l("New P0/P1 work since the last meeting"), priority_changes),
    AgendaSource("requests", _l("Resource requests waiting too long"), waiting_requests),
    AgendaSource("actions", _l("Action items from the last meeting"), previous_action_items),
]


# What a live item's ref names, by the model that holds it (named, not imported: action items live
# in portal.meetings.models, which imports this module).
REF_MODELS = {"task": "Task", "raised": "Task", "request": "ResourceRequest", "target": "Target",
              "action": "ActionItem"}
# The ids of each such model that a reader may see: the SQL twins of the view rules, so an agenda of
# a hundred refs is one query per kind, not a rule asked of every row (tests/test_rule_twins.py).
SEEN_BY = {
    "Task": lambda reader: (Task.select(Task.id).join(Project, JOIN.LEFT_OUTER, on=(Task.project == Project.id))
                            .where(Task.visibility_for(reader))),
    "Target": lambda reader: (Target.select(Target.id).join(Project, JOIN.LEFT_OUTER)
                              .where(Target.visibility_for(reader))),
    "ResourceRequest": lambda reader: (ResourceRequest.select(ResourceRequest.id)
                                       .where(ResourceRequest.visibility_for(reader))),
    "ActionItem": lambda reader: model_named("ActionItem").visible_to(reader),
}


def hidden_refs(refs, reader):
    """Of these refs ("request:12"), those naming something `reader` may not see: a participant from
    another department reads the agenda without the other departments' requests. Topics added by hand
    (no ref) are everyone's."""
    wanted = collections.defaultdict(set)
    for ref in refs:
        kind, _, number = (ref or "").partition(":")
        if kind in REF_MODELS and number.isdigit():
            wanted[REF_MODELS[kind]].add(int(number))
    seen = set()
    # Each kind is asked once as soon as any is named, so what a page costs does not depend on
    # which kinds its agenda happens to hold.
    for name in sorted(SEEN_BY) if wanted else ():
        query = SEEN_BY[name](reader)
        model = query.model
        seen.update((name, row_id) for row_id, in query.where(model.id.in_(sorted(wanted[name]))).tuples())
    hidden = set()
    for ref in refs:
        kind, _, number = (ref or "").partition(":")
        if kind in REF_MODELS and (not number.isdigit() or (REF_MODELS[kind], int(number)) not in seen):
            hidden.add(ref)
    return hidden


def sections():
    """[(key, title)] of every agenda section, hand-added topics last."""
    return [(source.key, source.title) for source in AGENDA_SOURCES] + [(OTHER, _l("Other topics"))]
