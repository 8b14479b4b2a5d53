"""The canary crawl: with every kind of restricted thing planted (canaries.py), each role reads
everything it can reach (every page and its htmx fragment, found from the URL map and by
following every link, every download, a workbook read from inside, its mail in the outbox, its notifications, its weekly
digest and what its groups' robots were told) and no canary turns up where the permissions
module hides what holds it.

A new kind of page needs nothing: the crawl starts from every GET route and follows every link.
A new kind of output (an export) is one line in OUTPUTS: a function
(client, user, start) → [(where, text)] returning what that role receives; `start` is the crawl's
start URLs, one for every GET route and canary. The JSON API is read with the role's own
read-only token (every list to its last page), the calendar feeds at the role's own address.
"""
import collections
import datetime
import html
import io
import itertools
import re
import urllib.parse
import zipfile

import pytest
from flask import url_for
from flask_babel import force_locale

from portal.accounts.tokens import AccessToken, feed_key
from portal import digest
from portal.mail import OutboxMessage
from portal.meetings.models import MeetingSeries
from portal.notifications.models import Notification
from portal.permissions import can
from portal.projects.models import Project
from portal.robots import RobotMessage
from portal.sheets import XLSX
from tests.security.canaries import plant
from tests.security.samples import ROLES, samples_for

# Where a page points: links, htmx fetches, images and GET forms.
_POINTERS = re.compile(r"""(?:href|hx-get|src|action)="([^"]*)\"""")
_SKIPPED = ("/static/", "/logout")
# Read with their own credential (a bearer token, the address's key), not crawled as pages.
_API, _FEEDS = "/api/v1/", "/calendar/"
MAX_PAGES = 1500  # per role: far above what the canary world links to, low enough to stop a loop


def _start(app, world, canaries, user):
    """A URL for every GET route: each object of the canary world its arguments name, else the
    suite's samples (a route with no way to fill its arguments fails, as in the matrix). A sample
    value that depends on who asks (a calendar address) is the role's own."""
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
            combinations = [{name: value(user) if callable(value) else value
                             for name, value in (factory(world).values if factory else {}).items()}
                            for factory in factories]
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
    start = [url for url in start if not url.startswith((_API, _FEEDS))]
    seen, queue = set(start), list(start)
    while queue:
        url = queue.pop(0)
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers)
            assert response.status_code < 500, "%s answered %d" % (url, response.status_code)
            body = _text_of(response)
            yield "%s%s" % (url, " (htmx)" if headers else ""), body
            if response.mimetype != "text/html":
                break
            for found in _pointers(body):
                if found not in seen and len(seen) < MAX_PAGES:
                    seen.add(found)
                    queue.append(found)


def _text_of(response):
    """What a reader finds in an answer; a workbook is compressed XML, read from inside."""
    if response.mimetype == XLSX:
        with zipfile.ZipFile(io.BytesIO(response.get_data())) as book:
            return html.unescape(" ".join(book.read(name).decode("utf-8") for name in book.namelist()
                                          if name.endswith(".xml")))
    return response.get_data().decode("utf-8", "replace")


def api(client, user, start):
    """Every API answer the role's read-only token gets: each object of the world, each list to its end."""
    headers = {"Authorization": "Bearer " + AccessToken.issue(None, user, "canary crawl")[1]}
    for url in start:
        if not url.startswith(_API):
            continue
        cursor = None
        while True:
            answer = client.get(url, headers=headers, query_string={"cursor": cursor} if cursor else {})
            assert answer.status_code < 500 and answer.status_code != 429, "%s answered %d" % (
                url, answer.status_code)
            yield "api %s" % url, answer.get_data(as_text=True)
            cursor = (answer.json or {}).get("next_cursor") if answer.is_json else None
            if not cursor:
                break


def feeds(client, user, start):
    """The role's calendar feed and the project feeds at its address, unfolded (RFC 5545 folds
    long lines, which could split a canary)."""
    for url in start:
        if url.startswith(_FEEDS):
            answer = client.get(url)
            assert answer.status_code in (200, 403, 404), "%s answered %d" % (url, answer.status_code)
            yield "feed %s" % url, answer.get_data(as_text=True).replace("\r\n ", "").replace("\r\n\t", "")


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


# What a role receives, by kind. Pages, the API and feeds take the crawl's start URLs; the others
# need only the user.
OUTPUTS = {"pages": pages, "api": api, "feeds": feeds, "search": search_results, "mail": mail,
           "notifications": notifications, "digest": weekly_digest, "group messages": group_messages}
_CRAWLED = {"pages", "api", "feeds"}


@pytest.mark.parametrize("role", ROLES)
def test_no_canary_reaches_a_role_that_may_not_see_what_holds_it(app, world, role, security_report):
    canaries = plant(world)
    user = world.user(role)
    client = app.test_client()
    if user is not None:
        client.login(user)
        # Each role reads its own calendar at its own address.
        canaries.ids["key"] = [feed_key(user)]
    app.config["API_RATE_PER_MINUTE"] = 10 ** 6  # reading everything once is no abuse of a token
    hidden = {canary: holders for canary, holders in canaries.holders.items()
              if not any(user is not None and can(user, canaries.actions.get(canary, "view"), model.get_by_id(pk))
                         for model, pk in holders)}
    start = list(_start(app, world, canaries, user))
    found, read, searched = collections.defaultdict(list), collections.Counter(), set()
    for kind, output in OUTPUTS.items():
        if user is None and kind != "pages":
            continue
        received = output(client, user, start) if kind in _CRAWLED else output(client, user)
        for where, text in received:
            read[kind] += 1
            text = text.lower()
            if kind == "search":
                searched.update(canary for canary in canaries.holders if canary in text)
            for canary in hidden:
                if canary in text:
                    found[canary].append(where)
    security_report["canary crawl: pages x roles crawled"] += read["pages"]
    security_report["canary crawl: API answers x roles read"] += read["api"]
    security_report["canary crawl: calendar feeds x roles read"] += read["feeds"]
    security_report["canary crawl: canaries planted"] = len(canaries.holders)
    security_report["canary crawl: canaries found where hidden"] += len(found)
    assert len(canaries.holders) >= 30 and read["pages"] >= 100, "the crawl planted or read suspiciously little"
    if user is not None:
        assert read["api"] >= 20 and read["feeds"] >= 2, "the crawl read suspiciously little of the API or feeds"
    assert RobotMessage.select().count() >= 5, "the canary world's groups were told suspiciously little"
    # The outsider planted everything: their search must reach the canaries, or it proves nothing.
    assert role != "outsider" or len(searched) >= 10, "searching for the canaries found %d" % len(searched)
    assert not found, "\n".join("%s reached the %s in %d places (held by %s), e.g. %s" % (
        canary, role, len(places), ", ".join("%s %d" % (model.__name__, pk) for model, pk in hidden[canary]),
        "; ".join(places[:4])) for canary, places in sorted(found.items()))
