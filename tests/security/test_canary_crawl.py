"""The canary crawl: with every kind of restricted thing planted (canaries.py), each role reads
everything it can reach (every page and its htmx fragment, found from the URL map and by
following every link, every download, its mail in the outbox, its notifications, its weekly
digest and what its groups' robots were told) and no canary turns up where the permissions
module hides what holds it.

A new kind of page needs nothing: the crawl starts from every GET route and follows every link.
A new kind of output (a feed, an API, an export) is one line in OUTPUTS: a
function (client, user) → [(where, text)] returning what that role receives.
"""
import collections
import datetime
import html
import itertools
import re
import urllib.parse

import pytest
from flask import url_for
from flask_babel import force_locale

from portal import digest
from portal.mail import OutboxMessage
from portal.meetings.models import MeetingSeries
from portal.notifications.models import Notification
from portal.permissions import can
from portal.projects.models import Project
from portal.robots import RobotMessage
from tests.security.canaries import plant
from tests.security.samples import ROLES, samples_for

# Where a page points: links, htmx fetches, images and GET forms.
_POINTERS = re.compile(r"""(?:href|hx-get|src|action)="([^"]*)\"""")
_SKIPPED = ("/static/", "/logout")
MAX_PAGES = 1500  # per role: far above what the canary world links to, low enough to stop a loop


def _start(app, world, canaries, client):
    """A URL for every GET route: each object of the canary world its arguments name, else the
    suite's samples (a route with no way to fill its arguments fails, as in the matrix)."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        arguments = sorted(rule.arguments)
        if arguments and all(name in canaries.ids for name in arguments):
            combinations = [dict(zip(arguments, values, strict=True))
                            for values in itertools.product(*(canaries.ids[name] for name in arguments))]
        else:
            factories = samples_for(rule.arguments)
            assert factories, "no way to fill %s of %s: add them to the canary world or samples.py" % (
                arguments, rule.endpoint)
            combinations = [factory(world).values if factory else {} for factory in factories]
        for values in combinations:
            with app.test_request_context():
                yield url_for(rule.endpoint, **values)


def _pointers(body):
    for raw in _POINTERS.findall(body):
        url = urllib.parse.urlsplit(html.unescape(raw))
        if url.scheme or url.netloc or not url.path.startswith("/") or url.path.startswith(_SKIPPED):
            continue
        yield url.path + ("?" + url.query if url.query else "")


def pages(client, user, start):
    """Every page, fragment and download the role reaches from the start URLs by following links."""
    seen, queue = set(start), list(start)
    while queue:
        url = queue.pop(0)
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers)
            assert response.status_code < 500, "%s answered %d" % (url, response.status_code)
            body = response.get_data().decode("utf-8", "replace")
            yield "%s%s" % (url, " (htmx)" if headers else ""), body
            if response.mimetype != "text/html":
                break
            for found in _pointers(body):
                if found not in seen and len(seen) < MAX_PAGES:
                    seen.add(found)
                    queue.append(found)


def search_results(client, user):
    """What searching for every canary at once finds (they share a prefix): each kind, each page,
    as a page and as typed."""
    queue = ["/search?q=cnry"]
    seen = set(queue)
    while queue:
        url = queue.pop(0)
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers)
            assert response.status_code == 200, "%s answered %d" % (url, response.status_code)
            body = response.get_data().decode("utf-8")
            # The matched part is highlighted: <mark>cnry</mark>-task-title-3 still shows the canary.
            yield "%s%s" % (url, " (htmx)" if headers else ""), re.sub(r"</?mark>", "", body)
            for found in _pointers(body):
                if found.startswith("/search?") and found not in seen:
                    seen.add(found)
                    queue.append(found)


def mail(client, user):
    """Every mail queued to the role: subject, both bodies and attachments (calendar invitations)."""
    for message in OutboxMessage.select().where(OutboxMessage.recipient_id == user.id):
        yield "mail %r" % message.subject, "\n".join(
            [message.subject, message.body_text, message.body_html, message.attachments or ""])


def notifications(client, user):
    for notification in Notification.select().where(Notification.user == user.id):
        yield "notification %s" % notification.event, "%s %s" % (notification.text, notification.link)


def weekly_digest(client, user):
    with force_locale(user.mail_language):
        sections = digest.compose(user, datetime.datetime(2000, 1, 1))
    for title, items in sections:
        yield "digest section %s" % title, " ".join("%(text)s %(link)s %(note)s" % item for item in items)


def group_messages(client, user):
    """What the group robots told the groups the role is in: a channel speaks to everyone of its scope."""
    scopes = {"project": Project, "series": MeetingSeries}
    for message in RobotMessage.select():
        channel = message.channel
        kind = channel.scope_kind
        if (kind == "company" or (kind == "department" and user.department_id == channel.scope_id)
                or (kind in scopes and can(user, "view", scopes[kind].get_by_id(channel.scope_id)))):
            yield "group message %s to %s" % (message.event, channel.scope_label()), message.body


# What a role receives, by kind. Pages take the crawl's start URLs; the others need only the user.
OUTPUTS = {"pages": pages, "search": search_results, "mail": mail, "notifications": notifications,
           "digest": weekly_digest, "group messages": group_messages}


@pytest.mark.parametrize("role", ROLES)
def test_no_canary_reaches_a_role_that_may_not_see_what_holds_it(app, world, role, security_report):
    canaries = plant(world)
    user = world.user(role)
    client = app.test_client()
    if user is not None:
        client.login(user)
    hidden = {canary: holders for canary, holders in canaries.holders.items()
              if not any(user is not None and can(user, canaries.actions.get(canary, "view"), model.get_by_id(pk))
                         for model, pk in holders)}
    start = list(_start(app, world, canaries, client))
    found, read, searched = collections.defaultdict(list), 0, set()
    for kind, output in OUTPUTS.items():
        if user is None and kind != "pages":
            continue
        received = output(client, user, start) if kind == "pages" else output(client, user)
        for where, text in received:
            read += kind == "pages"
            text = text.lower()
            if kind == "search":
                searched.update(canary for canary in canaries.holders if canary in text)
            for canary in hidden:
                if canary in text:
                    found[canary].append(where)
    security_report["canary crawl: pages x roles crawled"] += read
    security_report["canary crawl: canaries planted"] = len(canaries.holders)
    security_report["canary crawl: canaries found where hidden"] += len(found)
    assert len(canaries.holders) >= 30 and read >= 100, "the crawl planted or read suspiciously little"
    assert RobotMessage.select().count() >= 5, "the canary world's groups were told suspiciously little"
    # The outsider planted everything: their search must reach the canaries, or it proves nothing.
    assert role != "outsider" or len(searched) >= 10, "searching for the canaries found %d" % len(searched)
    assert not found, "\n".join("%s reached the %s in %d places (held by %s), e.g. %s" % (
        canary, role, len(places), ", ".join("%s %d" % (model.__name__, pk) for model, pk in hidden[canary]),
        "; ".join(places[:4])) for canary, places in sorted(found.items()))
