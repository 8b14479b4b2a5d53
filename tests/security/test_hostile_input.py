"""Hostile and malformed input to the sign-in, set-password, settings and admin forms: a clear
answer, never a 5xx, nothing stored half, anything stored shown escaped."""
import pytest

from portal.accounts.models import Department, User
from portal.audit import AuditEntry

PAYLOADS = {
    "script": "<script>alert('x')</script>",
    "handler": '"><img src=x onerror=alert(1)>',
    "sql": "'; DROP TABLE \"user\"; --",
    "nul": "abc\x00def",
    "control": "tab\x07bell",
    "huge": "x" * 1024 * 1024,
    "empty": "",
    "spaces": "   ",
    "unicode": "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ✓ 中文",
}

# (path template, the form's fields with valid values, which of them are free text)
FORMS = {
    "login": ("/login", {"email": "someone@example.com", "password": "whatever-1"}, ["email", "password"]),
    "settings": ("/settings", {"language": "en", "timezone": "UTC"}, ["language", "timezone"]),
    "password": ("/settings/password", {"current": "x", "password": "new-pass-123", "confirm": "new-pass-123"},
                 ["current", "password", "confirm"]),
    "new user": ("/admin/users/", {"email": "new@example.com", "name": "New", "department": "0",
                                   "role": "member", "language": ""}, ["email", "name", "department", "role"]),
    "edit user": ("/admin/users/{member}", {"name": "Edited", "department": "0", "role": "member"},
                  ["name", "department", "role"]),
    "new department": ("/admin/departments/", {"name": "新部门", "name_en": "New"}, ["name", "name_en"]),
    "edit department": ("/admin/departments/{department}", {"name": "改名", "name_en": "", "head": "0"},
                        ["name", "name_en", "head"]),
}

CASES = [(form, field, payload) for form, (_, _, fields) in FORMS.items() for field in fields
         for payload in PAYLOADS]


@pytest.fixture
def signed_in_admin(client, admin, member):
    client.login(admin)
    return client


@pytest.mark.parametrize("form, field, payload", CASES, ids=["-".join(c) for c in CASES])
def test_hostile_input_gets_an_answer_never_a_server_error(signed_in_admin, member, form, field, payload):
    client = signed_in_admin
    path, data, _ = FORMS[form]
    path = path.format(member=member.id, department=member.department_id)
    data = dict(data, **{field: PAYLOADS[payload]})
    users, departments = User.select().count(), Department.select().count()
    response = client.post(path, data=data)
    assert response.status_code < 500
    body = response.get_data(as_text=True)
    assert "<script>alert('x')</script>" not in body
    assert '<img src=x onerror' not in body
    if payload in ("nul", "control", "huge", "empty", "spaces") and response.status_code == 200:
        assert 'class="error"' in body or 'message-error' in body, "the refusal says why"
    if response.status_code != 303:
        # Refused: nothing was created.
        assert (User.select().count(), Department.select().count()) == (users, departments)


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
