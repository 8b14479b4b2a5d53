"""The authorization matrix, generated from the URL map: every route, every method (pages also
as htmx fragments), as each role, against sample objects (see samples.py). The expected answer
comes from the permissions module: an object one may not see answers 404, one seen but not
changeable 403, and no page carries the data of an object hidden from its reader.

Routes that check a credential of their own (the API's bearer token, a calendar feed's address)
get each role's own credential instead of the session; a stranger has none and is refused."""
import contextlib
import itertools

import pytest
from flask import g, request_finished, url_for
from werkzeug.routing import IntegerConverter

from portal.accounts.tokens import AccessToken
from portal.audit import AuditEntry
from portal.params import LARGEST
from portal.permissions import can

from tests.security.samples import ROLES, SAMPLES, SELF_SERVICE, samples_for


def _routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        view = app.view_functions.get(rule.endpoint)
        if view is None or getattr(view, "public", False) or rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


@contextlib.contextmanager
def _recorded_checks(app):
    """The (action, object, allowed) checks permissions.authorize() made during a request."""
    checks = []

    def collect(sender, response, **extra):
        checks.extend(g.get("authorizations", []))

    with request_finished.connected_to(collect, app):
        yield checks


class Pool:
    """Every sample made so far, to look for its secrets in every later page."""

    def __init__(self, user):
        self.user = user
        self.hidden = []

    def add(self, sample):
        if sample is not None:
            self.hidden.extend((label, obj, secrets) for label, obj, secrets in sample.exposures()
                               if secrets and not _visible(self.user, obj))

    def leaks(self, body):
        """The hidden objects whose secrets the page carries. A change since (an admin widening
        access, a deletion) may have made one visible: those found are asked again as they are now,
        which costs a query per object found rather than per object after every write."""
        leaked = set()
        for entry in [entry for entry in self.hidden if any(secret in body for secret in entry[2])]:
            if _visible(self.user, entry[1], fresh=True):
                self.hidden.remove(entry)
            else:
                leaked.add(entry[0])
        return sorted(leaked)


def _visible(user, obj, fresh=False):
    if fresh:
        obj = type(obj).get_or_none(type(obj).id == obj.id)
        if obj is None:
            return True  # Deleted: nothing left to leak.
    return user is not None and can(user, "view", obj)


def _own_credentials(app, endpoint):
    return getattr(app.view_functions[endpoint], "own_credentials", False)


def _judge(response, checks, endpoint, user, sample, wrote, own_credentials=False):
    """What is wrong with this answer, as (kind, text) pairs; kind names the report counter."""
    status = response.status_code
    if user is None and own_credentials:
        if status not in (401, 404):
            yield "unexpected successes", "a stranger without a credential was answered %d" % status
        return
    if user is None:
        to = response.headers.get("HX-Redirect" if status == 401 else "Location", "")
        if status not in (302, 303, 401) or not to.startswith("/login"):
            yield "unexpected successes", "a stranger was not sent to sign in (%d)" % status
        return
    if status >= 500:
        yield "server errors", "answered %d" % status
    if not checks and endpoint not in SELF_SERVICE:
        yield "routes that never asked", "never asked the permissions module"
    hidden = [obj for obj in (sample.objects if sample else []) if not _visible(user, obj)]
    refused = [check for check in checks if not check[2]]
    if hidden and status != 404:
        yield ("unexpected successes" if status < 400 else "wrong refusals",
               "answered %d for an object the role may not see (expected 404)" % status)
    elif status < 400 and refused:
        yield "unexpected successes", "answered %d although the permissions module refused %r" % (
            status, refused[-1][0])
    elif status == 403 and not (refused and checks[-1] is refused[-1]
                                and (checks[-1][1] is None or _visible(user, checks[-1][1]))):
        yield "wrong refusals", "answered 403 without a refusal of a visible object"
    elif status == 404 and not hidden and not (refused and checks[-1] is refused[-1]):
        yield "wrong refusals", "answered 404 though the permissions module allowed it"
    if status >= 400 and wrote:
        yield "refusals that wrote", "refused, yet wrote the audit log"


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_the_permissions_module_decides(app, world, role, security_report):
    user = world.user(role)
    client = app.test_client()
    bearer = {}
    if user is not None:
        client.login(user)
        bearer = {"Authorization": "Bearer " + AccessToken.issue(None, user, "matrix", can_write=True)[1]}
    app.config["API_RATE_PER_MINUTE"] = 10 ** 6  # the matrix is no abuse of a token
    pool, findings, tried = Pool(user), [], 0
    for factories in SAMPLES.values():  # One of each up front, so list pages are checked against all.
        for factory in factories:
            pool.add(factory(world))
    for rule, method in _routes(app):
        factories = samples_for(rule.arguments)
        assert factories, ("no sample for the URL arguments %s of %s: register one with @sample(...) in "
                           "tests/security/samples.py" % (sorted(rule.arguments), rule.endpoint))
        for factory in factories:
            sample = factory(world) if factory else None
            pool.add(sample)
            own = _own_credentials(app, rule.endpoint)
            values = {name: value(user) if callable(value) else value
                      for name, value in (sample.values if sample else {}).items()}
            with app.test_request_context():
                url = url_for(rule.endpoint, **values)
            # Pages are also fetched as htmx does: a fragment must hide what its page hides.
            for headers in ({}, {"HX-Request": "true"}) if method == "GET" else ({},):
                headers = {**headers, **(bearer if own else {})}
                audit_rows = AuditEntry.select().count()
                with _recorded_checks(app) as checks:
                    response = client.open(url, method=method, headers=headers)
                tried += 1
                wrote = AuditEntry.select().count() != audit_rows
                where = "%s %s%s as %s%s" % (method, url, " (htmx)" if headers else "", role,
                                             " on %s" % sample.label if sample else "")
                for kind, text in _judge(response, checks, rule.endpoint, user, sample, wrote, own):
                    security_report["authorization matrix: " + kind] += 1
                    findings.append("%s: %s" % (where, text))
                # Photos and other downloads are bytes: look for the secrets in them all the same.
                for label in pool.leaks(response.get_data().decode("utf-8", "replace")):
                    security_report["authorization matrix: responses carrying foreign data"] += 1
                    findings.append("%s: the page carries data of %s" % (where, label))
    security_report["authorization matrix: route x method x role x object tried"] += tried
    security_report.setdefault("authorization matrix: unexpected successes", 0)
    security_report.setdefault("authorization matrix: responses carrying foreign data", 0)
    assert tried >= 15, "the matrix found suspiciously few routes"
    assert not findings, "\n".join(findings)


def test_the_matrix_notices_a_route_that_serves_a_hidden_object(app, world):
    """The judge itself: a 200 for an object the role may not see is an unexpected success."""
    message_sample = SAMPLES[frozenset({"message_id"})][1](world)  # mail to the admin
    member = world.user("member")

    class Answer:
        status_code = 200
    kinds = [kind for kind, _ in _judge(Answer, [("view", message_sample.objects[0], True)], "outbox.resend",
                                        member, message_sample, wrote=False)]
    assert kinds == ["unexpected successes"]
    assert [kind for kind, _ in _judge(Answer, [], "outbox.index", member, None, wrote=False)] == [
        "routes that never asked"]


EDGES = (2 ** 63 - 1, 2 ** 63, 10 ** 30)  # the largest id a database holds, one past it, far past it


def test_every_id_in_a_path_at_the_64_bit_edge_answers_404(app, world, security_report):
    """Each <int:…> of every route and method, at and past what a 64-bit integer holds, as the admin:
    never a server error, and past the bound no route matches (404, or 405 where another method's
    route would take the path, as for any unknown path)."""
    client = app.test_client()
    client.login(world.user("admin"))
    findings, tried = [], 0
    for rule, method in _routes(app):
        integers = [name for name, converter in rule._converters.items() if isinstance(converter, IntegerConverter)]
        if not integers:
            continue
        factory = samples_for(rule.arguments)[0]
        values = factory(world).values if factory else {}
        for name, edge in itertools.product(integers, EDGES):
            url = rule.build(dict(values, **{name: edge}), append_unknown=False)[1]
            response = client.open(url, method=method)
            tried += 1
            if response.status_code >= 500 or (edge > LARGEST and response.status_code not in (404, 405)):
                findings.append("%s %s answered %d" % (method, url, response.status_code))
    security_report["authorization matrix: path integers at the 64-bit edge tried"] += tried
    assert tried >= 50, "the walk found suspiciously few integer arguments"
    assert not findings, "\n".join(findings)
