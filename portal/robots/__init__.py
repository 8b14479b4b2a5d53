"""Group robots (企业微信, 钉钉, 飞书) and signed webhooks: channels, the messages queued for them.

Areas tell the groups what happened by calling, inside the transaction of the change:

    from portal import robots

    robots.announce(
        "target.at_risk",                      # one of robots.EVENTS
        robots.Where(project_id=p.id, restricted=p.restricted,
                     project_department_ids=p.department_ids, series_id=None,
                     department_ids={...},     # every scope the event belongs to
                     everyone=True),           # may the whole company know? (a company channel)
        build,                                 # () -> robots.Message, or None to say nothing
        ref="target:12")                       # what it is about, shown with each delivery

A channel is taken to speak to everyone of its scope: the company's to all staff, a
department's to its members, a project's to whoever may see the project, a series' to its
participants. So an event reaches the company's channel only when everyone may see what it is
about (`everyone`), and an event of a restricted project never reaches a channel wider than the
project's departments: no company channel, no series channel (a series may take in anyone), no
channel of a department outside the project. Each active channel of the scopes that hears the
event gets one message, built by `build()` under flask_babel.force_locale(channel's language)
(built once per language), rendered for its platform and queued; delivery starts when the
transaction commits (portal.robots.delivery). A 企业微信 message that @-mentions people
goes as two requests: the markdown, then a short text carrying `mentioned_mobile_list`, since
企业微信 markdown can only @ by user id.

`robots.Message(title, blocks=[robots.Block(heading, lines)], mentions=[robots.Mention(name,
mobile)], link, link_text)`: links may be paths ("/meetings/12"), made absolute from
PORTAL_BASE_URL.
"""
import dataclasses
import functools
import operator
import uuid

from flask_babel import force_locale
from flask_babel import gettext as _

from portal.db import db
from portal.robots.delivery import deliver_robot_messages, send
from portal.robots.message import Block, Mention, Message, render
from portal.robots.models import EVENTS, Channel, RobotMessage

__all__ = ["EVENTS", "Block", "Channel", "Mention", "Message", "RobotMessage", "Where", "announce", "queue",
           "send_test"]


@dataclasses.dataclass(frozen=True)
class Where:
    """The scopes an event belongs to, besides the company."""

    project_id: int | None = None
    restricted: bool = False
    project_department_ids: frozenset = frozenset()
    series_id: int | None = None
    department_ids: frozenset = frozenset()
    everyone: bool = True

    def channels(self, event):
        """The active channels that hear `event` here."""
        departments, scopes = set(self.department_ids), []
        if self.project_id is not None:
            scopes.append((Channel.scope_kind == "project") & (Channel.scope_id == self.project_id))
        if self.restricted:
            departments &= set(self.project_department_ids)
        else:
            if self.everyone:
                scopes.append(Channel.scope_kind == "company")
            if self.series_id is not None:
                scopes.append((Channel.scope_kind == "series") & (Channel.scope_id == self.series_id))
        if departments:
            scopes.append((Channel.scope_kind == "department") & Channel.scope_id.in_(sorted(departments)))
        if not scopes:
            return []
        hears = Channel.active & Channel.events.contains(",%s," % event)
        return Channel.select().where(hears & functools.reduce(operator.or_, scopes)).order_by(Channel.id)


def announce(event, where, build, ref=""):
    """Queue `build()`'s message on every channel of `where` that hears `event`; the rows queued."""
    if event not in EVENTS:
        raise LookupError("no such robot event: %r" % event)
    built, queued = {}, []
    for channel in where.channels(event):
        if channel.language not in built:
            with force_locale(channel.language):
                built[channel.language] = build()
        if built[channel.language] is not None:
            queued.extend(queue(channel, event, built[channel.language], ref))
    return queued


def send_test(channel):
    """Send a test message to `channel` now; its delivery rows as they stand afterwards (a row
    still queued waits for the channel's per-minute allowance)."""
    with force_locale(channel.language):
        message = Message(title=_("Test message from Duiqi"), blocks=[Block(_("This channel will hear:"), [
            str(label) for label in channel.event_labels] or [_("nothing yet: choose what it hears")])],
            link="/", link_text=_("Open Duiqi"))
    rows = _create(channel, "test", message, ref="channel:%d" % channel.id)
    return [send(row.id) or RobotMessage.get_by_id(row.id) for row in rows]


def queue(channel, event, message, ref=""):
    """Render `message` for `channel` and queue it; delivery starts once the transaction commits."""
    rows = _create(channel, event, message, ref)
    db.after_commit(deliver_robot_messages)
    return rows


def _create(channel, event, message, ref):
    delivery = str(uuid.uuid4())
    with force_locale(channel.language):
        bodies = render(channel.kind, message, channel.language, event, delivery, ref)
    with db.atomic():
        rows = [RobotMessage.create(channel=channel, event=event, ref=ref[:64], body=body,
                                    delivery=delivery if n == 0 else str(uuid.uuid4()))
                for n, body in enumerate(bodies)]
    return rows
