"""Personal access tokens: made in the settings and shown once, kept only as a hash, named,
read-only or read-write, expiring, revoked by their owner or an admin, dead with their account;
the CLI prints one; a session cookie alone never gets through the API."""
import datetime
import hashlib
import re

import time_machine

from portal.accounts.tokens import AccessToken
from portal.audit import AuditEntry


def test_a_token_made_in_the_settings_is_shown_once_and_kept_only_as_its_hash(client, company, script):
    client.login(company.seller)
    response = client.post("/settings/tokens/", data={"name": "finance export", "access": "read", "days": "90"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    secret = re.search(r'id="new-token"[^>]*value="(dq_[\w-]+)"', page).group(1)
    token = AccessToken.get(AccessToken.user == company.seller)
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest() and secret not in str(token.__data__)
    assert (token.name, token.can_write, token.hint) == ("finance export", False, secret[:7])
    assert AuditEntry.get(AuditEntry.action == "token.create").object_id == token.id
    settings = client.get("/settings").get_data(as_text=True)
    assert "finance export" in settings and secret[:7] in settings and secret not in settings
    assert "Never used" in settings
    assert script(secret=secret).get("/me").json["token"] == {"name": "finance export", "access": "read",
                                                              "expires_at": token.expires_at.isoformat() + "Z"}
    assert "Last used" in client.get("/settings").get_data(as_text=True)


def test_a_token_without_a_name_is_refused_and_the_form_keeps_what_was_chosen(client, company):
    client.login(company.seller)
    response = client.post("/settings/tokens/", data={"name": "  ", "access": "write", "days": "30"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "This field is required." in page
    assert '<option selected value="write">' in page and not AccessToken.select().exists()


def test_the_cli_prints_a_token_that_works_and_refuses_an_unknown_account(runner, company, script):
    result = runner.invoke(args=["token", "create", company.finance_head.email, "--name", "ledger", "--write"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip()
    assert secret.startswith("dq_") and script(secret=secret).get("/me").json["token"]["access"] == "write"
    unknown = runner.invoke(args=["token", "create", "nobody@example.com", "--name", "x"])
    assert unknown.exit_code != 0 and "no account" in unknown.output


def test_a_revoked_token_answers_401_and_only_its_owner_or_an_admin_may_revoke_it(client, company, token_for, script):
    secret = token_for(company.seller)
    token = AccessToken.get(AccessToken.user == company.seller)
    client.login(company.engineer)
    assert client.post("/settings/tokens/%d/revoke" % token.id).status_code == 404
    client.post("/logout")
    client.login(company.admin)
    response = client.post("/settings/tokens/%d/revoke" % token.id)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/admin/users/%d#tokens" % company.seller.id)
    answer = script(secret=secret).get("/me")
    assert answer.status_code == 401 and answer.mimetype == "application/problem+json"
    assert answer.headers["WWW-Authenticate"] == 'Bearer realm="Duiqi", error="invalid_token"'
    assert AuditEntry.get(AuditEntry.action == "token.revoke").actor_id == company.admin.id


def test_an_expired_token_answers_401(company, token_for, script):
    secret = token_for(company.seller, days=30)
    assert script(secret=secret).get("/me").status_code == 200
    with time_machine.travel(datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=30, seconds=1)):
        assert script(secret=secret).get("/me").status_code == 401


def test_a_read_only_token_cannot_write_even_what_its_owner_may(company, script, make_task_for):
    task = make_task_for(company.seller)
    answer = script(company.seller).patch("/tasks/%d" % task.id, {"version": task.version, "status": "doing"})
    assert answer.status_code == 403 and "read-only" in answer.json["detail"]
    assert script(company.seller, write=True).patch(
        "/tasks/%d" % task.id, {"version": task.version, "status": "doing"}).status_code == 200


def test_a_deactivated_persons_tokens_die_and_stay_dead_after_reactivation(company, token_for, script):
    secret = token_for(company.seller, write=True)
    company.seller.deactivate(company.admin)
    assert script(secret=secret).get("/me").status_code == 401
    company.seller.reactivate(company.admin)
    assert script(secret=secret).get("/me").status_code == 401


def test_a_password_change_leaves_tokens_working(client, company, token_for, script):
    secret = token_for(company.seller)
    company.seller.set_password("another-password-1")
    assert script(secret=secret).get("/me").status_code == 200


def test_a_session_cookie_alone_never_gets_through_the_api(client, company, make_task_for):
    task = make_task_for(company.seller)
    client.login(company.seller)
    # With the CSRF token a form would carry, and without: the API does not read the session at all.
    write = client.patch("/api/v1/tasks/%d" % task.id, json={"version": task.version, "status": "done"})
    assert write.status_code == 401 and write.mimetype == "application/problem+json"
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/tasks/%d" % task.id).status_code == 200, "the session itself still works for pages"
    assert task.refresh().status == "todo"


def test_a_bearer_token_opens_no_page_of_the_portal(app, company, token_for):
    secret = token_for(company.seller)
    response = app.test_client().get("/settings", headers={"Authorization": "Bearer " + secret})
    assert response.status_code in (302, 303) and response.headers["Location"].startswith("/login")
