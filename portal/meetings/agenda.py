"""Where a meeting's agenda comes from: a registry of live sources, each one section of the agenda.

A source is a function `(meeting, since) -> [{"title", "link", "ref", "status"}]`: `since` is the
start of the previous meeting of the series, `ref` names the thing reported ("task:12") so it
appears once however often the agenda is rebuilt, `status` is a key of STATUS_LABELS. Sections
show in the order of AGENDA_SOURCES, then the topics the coordinator adds by hand.

The slots below are filled once the areas they read from are merged, in this order, a few lines each:
  "targets"   targets off track or at risk (projects): one item per target, status off_track / at_risk
  "tasks"     overdue and blocked tasks owned in the participating departments (boards)
  "changes"   P0/P1 tasks created or raised to P0/P1 since `since` (boards)
Each adds its statuses to STATUS_LABELS. The "targets" section also goes into the minutes mail
(MAILED_SECTION), so recipients see the targets' status as it stood in the meeting.
"""
from dataclasses import dataclass
from typing import Callable

from flask_babel import lazy_gettext as _l

from portal.requests.models import ResourceRequest
from portal.requests.notices import request_path

REQUEST_WAIT_HOURS = 48
MAILED_SECTION = "targets"
OTHER = "other"

STATUS_LABELS = {
    "open": _l("Open"), "done": _l("Done"), "cancelled": _l("Cancelled"), "overdue": _l("Overdue"),
    "waiting": _l("Waiting"),
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


AGENDA_SOURCES = [
    AgendaSource("actions", _l("Action items from the last meeting"), previous_action_items),
    AgendaSource("requests", _l("Resource requests waiting too long"), waiting_requests),
]


def sections():
    """[(key, title)] of every agenda section, hand-added topics last."""
    return [(source.key, source.title) for source in AGENDA_SOURCES] + [(OTHER, _l("Other topics"))]
