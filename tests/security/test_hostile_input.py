"""Hostile and malformed input in every field of every form the portal serves: a clear answer,
never a 5xx, nothing stored half, anything stored shown escaped. The forms are found by
reading every page (as the admin, and the public ones as a stranger), so new forms are covered."""
import html
import itertools
import re
import urllib.parse
from html.parser import HTMLParser

import pytest
from peewee import SQL, Select, fn
from flask import url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import HTTPException

from portal.accounts.models import LoginAttempt, LoginSession, User
from portal.audit import AuditEntry
from portal import all_models as models
from portal.db import db
from tests.security.samples import samples_for

PAYLOADS = {
    "script": "<script>alert('x')</script>",
    "handler": '"><img src=x onerror=alert(1)>',
    "javascript link": "[click](javascript:alert(1)) <a href=\"javascript:alert(1)\">x</a>",
    "sql": "'; DROP TABLE \"user\"; --",
    "nul": "abc\x00def",
    "control": "tab\x07bell",
    "huge": "x" * 1024 * 1024,
    "empty": "",
    "spaces": "   ",
    "unicode": "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ✓ 中文",
    "negative": "-1",
    "huge number": "99999999999999999999",
    "not a number": "1e309",
    "repeated": ["first", "second"],
}
# What must never come back unescaped, whatever was sent: a live tag, not its escaped text.
RAW_MARKUP = re.compile(r"<script>alert\(|<img src=x onerror|<a\b[^<>]*\shref=[\"']?javascript:")
FRAGMENTS = ["<", ">", "\"", "'", "&", "<script>", "</textarea>", "javascript:", "\x00", "\u202e", "%", "{{", "中"]
# Sign-in failures and sessions are bookkeeping, not what a form stores.
BOOKKEEPING = {LoginAttempt, LoginSession}
# Forms whose change answers 200 with its result instead of 303, and why.
SHOWN_ONCE = {
    "tokens.create": "a new access token's secret is shown in this answer only; a redirect would need it kept",
}


class FormFinder(HTMLParser):
    """Every <form method=post> of a page: its action and each named field's valid value."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self._form, self._select, self._textarea = [], None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self._form = {"action": attrs.get("action") or "", "fields": {}}
            self.forms.append(self._form)
        if tag == "option" and self._select is not None:
            if self._select["type"] == "multiple":  # sends only what is selected, maybe nothing
                if "selected" in attrs:
                    self._select["value"] = [*(self._select["value"] or []), attrs.get("value", "")]
            elif self._select["value"] is None or "selected" in attrs:
                self._select["value"] = attrs.get("value", "")
        if self._form is None or not attrs.get("name"):
            return
        fields, name = self._form["fields"], attrs["name"]
        if tag == "input" and attrs.get("type") not in ("checkbox", "radio", "file", "submit"):
            fields.setdefault(name, {"type": attrs.get("type", "text"), "value": attrs.get("value") or ""})
        elif tag == "input" and attrs.get("type") in ("checkbox", "radio"):
            # A browser sends only what is checked (every checked box of a group); an attack may
            # still send the first option.
            field = fields.setdefault(name, {"type": "choice", "value": None, "option": attrs.get("value", "on")})
            if "checked" in attrs and attrs.get("type") == "checkbox":
                field["value"] = [*(field["value"] or []), attrs.get("value", "on")]
            elif "checked" in attrs and field["value"] is None:
                field["value"] = attrs.get("value", "on")
        elif tag == "button":
            fields.setdefault(name, {"type": "button", "value": attrs.get("value", "")})
        elif tag == "select":
            kind = "multiple" if "multiple" in attrs else "select"
            self._select = fields.setdefault(name, {"type": kind, "value": None})
        elif tag == "textarea":
            self._textarea = fields.setdefault(name, {"type": "textarea", "value": ""})

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["value"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _valid(field, n):
    """A value the form should accept: what the page filled in, else one that fits the type."""
    if field["type"] == "choice":
        return field["value"] or field["option"]
    if field["value"] not in (None, "") or field["type"] in ("hidden", "button", "select", "multiple"):
        return field["value"] or ""
    return {"email": "sample%d@example.com" % n, "password": "Sample-password-1", "number": "1",
            "date": "2026-05-04", "time": "09:00"}.get(field["type"], "Sample %d" % n)


def _get_pages(app, client, world, public_only):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions.get(rule.endpoint)
        if "GET" not in rule.methods or rule.endpoint == "static" or view is None:
            continue
        if public_only != getattr(view, "public", False):
            continue
        for factory in samples_for(rule.arguments):
            values = factory(world).values if factory else {}
            with app.test_request_context():
                yield url_for(rule.endpoint, **values)


def _endpoint(app, action):
    path, _, query = action.partition("?")
    try:
        return app.url_map.bind("localhost").match(path, method="POST")[0], query
    except HTTPException:  # Not a route of ours (or not POST): keep the address itself.
        return action, ""


def _discover_forms(app, world, clients):
    """(client, action, fields) for each distinct form, found by reading every page."""
    found = {}
    for who, client in clients.items():
        for url in _get_pages(app, client, world, public_only=(who == "stranger")):
            response = client.get(url)
            assert response.status_code < 500, url
            finder = FormFinder()
            if response.mimetype == "text/html":
                finder.feed(response.get_data(as_text=True))
            for form in finder.forms:
                fields = {name: field for name, field in form["fields"].items() if name != "csrf_token"}
                # The same form of another object (meeting 1's decisions, meeting 2's) is the same code.
                key = (_endpoint(app, form["action"] or url), frozenset(fields))
                if fields and key not in found:
                    found[key] = (client, form["action"] or url, fields)
    return list(found.values())


class RowCounts:
    """The number of rows of every table a form may store into, read by one statement compiled once:
    a count per model per post was half of this suite's time."""

    def __init__(self):
        counted = [model for model in models() if model not in BOOKKEEPING]
        self.names = [model.__name__ for model in counted]
        query = Select(columns=[model.select(fn.COUNT(SQL("*"))) for model in counted])
        self.sql, self.params = db.get_sql_context().sql(query).query()

    def __call__(self):
        return dict(zip(self.names, db.execute_sql(self.sql, self.params).fetchone(), strict=True))


class Attack:
    """Posts payloads into one form and notes what went wrong."""

    def __init__(self, client, action, fields, report, endpoint, row_counts):
        self.client, self.action, self.fields, self.report = client, action, fields, report
        self.row_counts = row_counts
        # What a change answers: 303, or 200 with what it made (without an error) for SHOWN_ONCE.
        self.shown_once = endpoint in SHOWN_ONCE
        self.findings, self.n = [], 0

    def valid_data(self):
        self.n += 1
        return {name: _valid(field, self.n) for name, field in self.fields.items()}

    def post(self, field, label, value=None, raw_body=None):
        before = self.row_counts()
        if raw_body is not None:
            response = self.client.post(self.action, data=raw_body, content_type="application/x-www-form-urlencoded")
        else:
            response = self.client.post(self.action, data=dict(self.valid_data(), **{field: value}))
        self.report["hostile input: payloads x fields tried"] += 1
        where = "%s [%s] %s" % (self.action, field, label)
        body = response.get_data(as_text=True)
        if response.status_code >= 500:
            self.report["hostile input: 5xx seen"] += 1
            self.findings.append("%s: answered %d" % (where, response.status_code))
        if RAW_MARKUP.search(body):
            self.findings.append("%s: the answer carries the payload unescaped" % where)
        refused = 'class="error"' in body or "message-error" in body
        changed = response.status_code == 303 or (self.shown_once and response.status_code == 200 and not refused)
        if response.status_code == 200 and not refused and not changed:
            self.findings.append("%s: refused without saying why" % where)
        if not changed and self.row_counts() != before:
            self.findings.append("%s: refused, yet stored something" % where)

    def round_trip(self):
        """Sent back as the page filled it in, an edit form changes nothing."""
        if any(field["type"] == "button" for field in self.fields.values()):
            return  # The button's value is the change (a language switch): not a round trip.
        if not any(str(field["value"] or "").strip() for field in self.fields.values()
                   if field["type"] not in ("hidden", "choice", "multiple")):
            return  # Nothing filled in to edit: an action (close, send) whose sending is the change.
        before = AuditEntry.select().count()
        self.client.post(self.action, data={name: field["value"] or "" for name, field in self.fields.items()
                                            if field["value"] is not None})
        changes = [entry.changes for entry in AuditEntry.select().where(AuditEntry.id > before)]
        if changes:
            self.findings.append("%s: sent back unchanged, it changed %s" % (self.action, changes))

    def invalid_utf8(self, field):
        data = dict(self.valid_data())
        data.pop(field)
        self.post(field, "invalid UTF-8", raw_body=urllib.parse.urlencode(data) + "&%s=%%FF%%FE%%C3%%28" % field)

    def generated(self, field):
        @settings(max_examples=4, derandomize=True, database=None, deadline=None,
                  suppress_health_check=list(HealthCheck))
        @given(st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=6), max_size=5).map("".join))
        def attack(value):
            self.post(field, "generated %r" % value[:40], value)
        attack()


@pytest.fixture
def signed_in_admin(client, admin, member):
    client.login(admin)
    return client


def test_every_field_of_every_form_answers_hostile_input_clearly(app, world, security_report):
    admin, stranger = app.test_client(), app.test_client()
    admin.login(world.user("admin"))
    forms = _discover_forms(app, world, {"admin": admin, "stranger": stranger})
    actions = {action.split("?")[0] for _, action, _ in forms}
    assert {"/login", "/admin/users/", "/admin/departments/", "/settings/password"} <= actions, actions
    row_counts = RowCounts()
    attacks = [Attack(client, action, fields, security_report, _endpoint(app, action)[0], row_counts)
               for client, action, fields in forms]
    for attack in attacks:  # Before any payload changes what the pages showed.
        attack.round_trip()
    for attack in attacks:
        for field in attack.fields:
            for label, payload in PAYLOADS.items():
                attack.post(field, label, payload)
            attack.invalid_utf8(field)
            attack.generated(field)
    findings = [finding for attack in attacks for finding in attack.findings]
    security_report.setdefault("hostile input: 5xx seen", 0)
    # What was stored is shown escaped on every page that shows it.
    for url in _get_pages(app, admin, world, public_only=False):
        body = admin.get(url).get_data().decode("utf-8", "replace")
        findings += ["%s shows a stored payload unescaped" % url] if RAW_MARKUP.search(body) else []
    assert not findings, "\n".join(findings)


@pytest.mark.parametrize("field, value", [("department", "abc"), ("department", "99999"), ("role", "superuser"),
                                          ("department", "-1"), ("role", "")])
def test_wrong_types_and_unknown_choices_are_refused_on_their_field(signed_in_admin, member, field, value):
    before = AuditEntry.select().count()
    response = signed_in_admin.post("/admin/users/%d" % member.id,
                                    data={"name": "X", "department": "0", "role": "member", field: value})
    assert response.status_code == 200
    assert 'class="error" id="%s-error"' % field in response.get_data(as_text=True)
    assert AuditEntry.select().count() == before


def test_invalid_utf8_in_a_form_is_answered_not_crashed(client):
    response = client.post("/login", data=b"email=%FF%FE%FD&password=%C3%28",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200


def test_missing_fields_and_repeated_fields_are_answered(signed_in_admin):
    assert signed_in_admin.post("/admin/users/", data={}).status_code == 200
    response = signed_in_admin.post("/admin/users/", data={"email": ["a@example.com", "b@example.com"],
                                                           "name": "Twice", "department": "0", "role": "member",
                                                           "language": ""})
    assert response.status_code in (200, 303)


def test_a_hostile_name_is_stored_as_typed_and_shown_escaped(signed_in_admin, member):
    signed_in_admin.post("/admin/users/%d" % member.id, data={"name": PAYLOADS["handler"], "department": "0",
                                                             "role": "member"})
    assert User.get_by_id(member.id).name == PAYLOADS["handler"]
    page = signed_in_admin.get("/admin/users/").get_data(as_text=True)
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in page


def test_a_set_password_token_of_garbage_is_a_404_not_a_crash(client):
    for token in ("x", "a.b.c", "%00", "é" * 500):
        assert client.get("/password/set/" + token).status_code == 404


# Query parameters the portal reads as numbers, and any other a page links to with a number in it.
QUERY_INTEGERS = {"page", "before", "offset", "owner", "project", "department", "months"}
EDGES = (2 ** 63 - 1, 2 ** 63)  # the largest a database integer holds, and one past it


def test_every_number_in_a_query_at_the_64_bit_edge_is_answered_without_a_server_error(app, world,
                                                                                        security_report):
    admin = app.test_client()
    admin.login(world.user("admin"))
    urls, names = [], set(QUERY_INTEGERS)
    for url in _get_pages(app, admin, world, public_only=False):
        urls.append(url)
        page = admin.get(url).get_data().decode("utf-8", "replace")
        for link in re.findall(r'(?:href|hx-get)="([^"]*\?[^"]*)"', page):
            query = urllib.parse.urlsplit(html.unescape(link)).query
            names.update(name for name, value in urllib.parse.parse_qsl(query) if value.lstrip("-").isdigit())
    findings = []
    for url, name, edge in itertools.product(urls, sorted(names), EDGES):
        asked = url + ("&" if "?" in url else "?") + urllib.parse.urlencode({name: edge})
        security_report["hostile input: query integers at the 64-bit edge tried"] += 1
        try:
            status = admin.get(asked).status_code
        except Exception as error:  # noqa: BLE001 (the test app raises what production answers with 500)
            status = "500 (%s)" % type(error).__name__
        if not isinstance(status, int) or status >= 500:
            findings.append("%s answered %s" % (asked, status))
    assert len(urls) >= 30 and names >= QUERY_INTEGERS
    assert not findings, "\n".join(findings)


@pytest.mark.parametrize("role", ["member", "head"])
def test_a_form_keeps_and_refuses_what_its_editor_may_not_see(app, world, role, security_report):
    """Every form this role is served (the member's task in a project they cannot see among them):
    sent back unchanged it changes nothing, so a choice list that leaves out what the editor may
    not see never drops it; and a choice of something hidden from the role is never taken."""
    from tests.security.samples import SAMPLES
    from tests.security.test_authorization_matrix import Pool
    user = world.user(role)
    client = app.test_client()
    client.login(user)
    pool = Pool(user)
    for factories in SAMPLES.values():
        for factory in factories:
            pool.add(factory(world))
    hidden = {(type(obj), obj.id): (label, obj, secrets) for label, obj, secrets in pool.hidden}
    forms = _discover_forms(app, world, {role: client})
    findings = []
    for client, action, fields in forms:
        attack = Attack(client, action, fields, security_report, _endpoint(app, action)[0], RowCounts())
        attack.round_trip()
        findings += attack.findings
        for name, field in fields.items():
            if field["type"] != "select" or not str(field["value"] or "0").isdigit():
                continue
            for label, obj, secrets in hidden.values():
                before = AuditEntry.select().count()
                response = client.post(action, data=dict(attack.valid_data(), **{name: str(obj.id)}))
                security_report["hostile input: hidden choices x visibility-filtered fields tried"] += 1
                written = " ".join(entry.changes + entry.summary
                                   for entry in AuditEntry.select().where(AuditEntry.id > before))
                if response.status_code >= 500 or any(secret in written for secret in secrets):
                    findings.append("%s [%s] took %s, hidden from the %s (%d)" % (
                        action, name, label, role, response.status_code))
    assert forms, "the %s was served no form" % role
    assert not findings, "\n".join(findings)
