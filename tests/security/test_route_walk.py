"""Every route is behind the login wall unless it is one of the few public ones, so routes
added later are covered without anyone remembering to."""
import pytest
from flask import url_for
from werkzeug.routing import IntegerConverter, PathConverter

PUBLIC = {"accounts.login", "accounts.logout", "accounts.set_password", "accounts.set_language", "monitoring.livez",
          "monitoring.healthz", "monitoring.metrics", "api.openapi", "home.manifest"}
# Views that check a credential of their own instead of the session: the API (a bearer token) and the
# calendar feeds (the secret in the address). Without it they refuse: 401 for the API, 404 for a feed.
OWN_CREDENTIALS = {"api": 401, "feeds": 404}


def _sample(converter):
    if isinstance(converter, IntegerConverter):
        return 1
    return "sample/path" if isinstance(converter, PathConverter) else "sample"


def _routes(app):
    for rule in app.url_map.iter_rules():
        arguments = {name: _sample(converter) for name, converter in rule._converters.items()}
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method, arguments


def test_exactly_the_intended_views_are_public(app):
    marked = {endpoint for endpoint, view in app.view_functions.items() if getattr(view, "public", False)}
    assert marked == PUBLIC


def test_every_other_route_sends_anonymous_users_to_sign_in(app, client):
    tried = 0
    for rule, method, arguments in _routes(app):
        if rule.endpoint in PUBLIC or getattr(app.view_functions[rule.endpoint], "own_credentials", False):
            continue
        with app.test_request_context():
            url = url_for(rule.endpoint, **arguments)
        plain = client.open(url, method=method)
        assert plain.status_code in (302, 303), (method, url, plain.status_code)
        assert plain.headers["Location"].startswith("/login"), (method, url)
        htmx = client.open(url, method=method, headers={"HX-Request": "true"})
        assert htmx.status_code == 401 and htmx.headers["HX-Redirect"].startswith("/login"), (method, url)
        tried += 1
    assert tried >= 15, "the walk found suspiciously few routes"


def test_every_route_with_a_credential_of_its_own_refuses_a_stranger_and_a_session(app, client, member):
    marked = {rule.endpoint for rule in app.url_map.iter_rules()
              if getattr(app.view_functions[rule.endpoint], "own_credentials", False)}
    assert {endpoint.split(".")[0] for endpoint in marked} == set(OWN_CREDENTIALS)
    client.login(member)  # a session cookie counts for nothing here
    tried = 0
    for rule, method, arguments in _routes(app):
        if rule.endpoint not in marked:
            continue
        with app.test_request_context():
            url = url_for(rule.endpoint, **arguments)
        answer = client.open(url, method=method)
        assert answer.status_code == OWN_CREDENTIALS[rule.endpoint.split(".")[0]], (method, url, answer.status_code)
        tried += 1
    assert tried >= 20


@pytest.mark.parametrize("path", ["/login", "/livez", "/healthz", "/api/v1/openapi.json"])
def test_public_pages_answer_anonymous_users(client, path):
    assert client.get(path).status_code == 200
