"""Every state-changing route in the URL map refuses a request without this session's CSRF
token, before anything changes; generated, so routes added later are covered. A route with a
credential of its own (the API's bearer token) never reads the session, so a forged request
carrying only the cookie is refused as unauthenticated (401) instead."""
import pytest
from flask import url_for
from itsdangerous import URLSafeTimedSerializer
from werkzeug.routing import IntegerConverter

from portal import all_models as models

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
TOKENS = {
    "no token": None,
    "a garbled token": "not-a-token",
    # Correctly signed by this portal, but for another session: what a forged form would carry.
    "another session's token": URLSafeTimedSerializer("test-secret", salt="wtf-csrf-token").dumps("someone-else"),
}


def _unsafe_routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        for method in sorted(rule.methods & UNSAFE):
            arguments = {name: 1 if isinstance(converter, IntegerConverter) else "sample"
                         for name, converter in rule._converters.items()}
            own = getattr(app.view_functions[rule.endpoint], "own_credentials", False)
            with app.test_request_context():
                yield method, url_for(rule.endpoint, **arguments), own


def _row_counts():
    return {model.__name__: model.select().count() for model in models()}


@pytest.mark.parametrize("token", TOKENS)
def test_every_state_changing_route_refuses_a_request_without_this_sessions_token(
        app, client, admin, token, security_report):
    client.login(admin)
    before, tried = _row_counts(), 0
    headers = {"X-CSRFToken": TOKENS[token]} if TOKENS[token] else {}
    for method, url, own in _unsafe_routes(app):
        response = client.open(url, method=method, data={"name": "Forged"}, headers=headers, csrf=False)
        if own:
            assert response.status_code == 401, (method, url, response.status_code)
            assert response.mimetype == "application/problem+json", (method, url)
        else:
            assert response.status_code == 400, (method, url, response.status_code)
            assert "Form expired" in response.get_data(as_text=True), (method, url)
        tried += 1
    assert tried >= 10, "the walk found suspiciously few state-changing routes"
    assert _row_counts() == before, "a refused request changed something"
    assert client.get("/settings").status_code == 200, "the forged sign-out did not sign the admin out"
    security_report["csrf: state-changing routes x bad tokens refused"] += tried


def test_the_same_requests_with_the_sessions_token_get_past_the_check(app, client, admin):
    """The refusals above are the token's doing: with it, no route answers 'Form expired'."""
    client.login(admin)
    for method, url, _own in _unsafe_routes(app):
        if url.endswith("/logout"):
            continue
        response = client.open(url, method=method, data={})
        assert "Form expired" not in response.get_data(as_text=True), (method, url)
