"""The per-token rate limit: so many requests a minute, all at once or spread out; past it, 429 with
Retry-After, until the allowance comes back. The allowance is kept off the main database: in a file
of its own on the server, or in Redis with the job queue; both are tested."""
import datetime
import threading

import pytest
import time_machine

from portal.accounts.tokens import AccessToken
from tests.conftest import free_port, statements

START = datetime.datetime(2026, 5, 4, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture(params=["file", "redis"])
def kept_in(request, app):
    """Three requests a minute, the allowances kept in a file or in Redis (the app's settings are
    put back after the test; the allowances' place is looked up on each request)."""
    app.config["API_RATE_PER_MINUTE"] = 3
    app.config["JOBS_URL"] = None
    if request.param == "redis":
        redis_server = request.getfixturevalue("redis_server")
        redis_server.flush()  # token ids start again at 1 in each test's database
        app.config["JOBS_URL"] = redis_server.url
    return request.param


def test_a_token_past_its_rate_answers_429_with_retry_after_until_its_allowance_returns(kept_in, company, token_for,
                                                                                       script):
    secret, other = token_for(company.seller), token_for(company.seller)
    with time_machine.travel(START, tick=False) as clock:
        assert [script(secret=secret).get("/me").status_code for _ in range(3)] == [200, 200, 200]
        refused = script(secret=secret).get("/me")
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "20"
        assert script(secret=other).get("/me").status_code == 200, "the limit is per token"
        clock.shift(19)
        assert script(secret=secret).get("/me").status_code == 429
        clock.shift(1)
        assert script(secret=secret).get("/me").status_code == 200


def test_requests_of_one_token_let_go_together_never_spend_more_than_its_allowance(kept_in, app, company, token_for):
    secret = token_for(company.seller)
    clients = [app.test_client() for _ in range(9)]
    start, answers = threading.Barrier(len(clients)), []

    def ask(client):
        start.wait()
        answers.append(client.get("/api/v1/me", headers={"Authorization": "Bearer " + secret}).status_code)
    with time_machine.travel(START, tick=False):
        threads = [threading.Thread(target=ask, args=(client,)) for client in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(answers) == [200] * 3 + [429] * 6


@pytest.mark.parametrize("kept_in", ["file"], indirect=True)
def test_a_token_used_again_within_the_minute_writes_nothing_to_the_database(kept_in, company, token_for, script):
    client = script(secret=token_for(company.seller))
    with time_machine.travel(START, tick=False) as clock:
        client.get("/me")
        clock.shift(59)
        with statements() as seen:
            assert client.get("/me").status_code == 200
        assert not [sql for sql, _ in seen if not sql.lstrip().upper().startswith("SELECT")]
        assert AccessToken.get().last_used_at == START.replace(tzinfo=None)
        clock.shift(1)
        client.get("/me")
        assert AccessToken.get().last_used_at == (START + datetime.timedelta(seconds=60)).replace(tzinfo=None)


@pytest.mark.parametrize("kept_in", ["redis"], indirect=True)
def test_with_its_redis_unreachable_the_api_answers_503_and_lets_nothing_past_the_limit(kept_in, app, company,
                                                                                        token_for, script):
    client = script(secret=token_for(company.seller))
    app.config["JOBS_URL"] = "redis://127.0.0.1:%d/0" % free_port()
    answer = client.get("/me")
    assert answer.status_code == 503 and answer.json["title"] == "Unavailable for a moment"


def test_a_rate_of_many_requests_a_millisecond_spends_without_error(kept_in, app, company, token_for, script):
    app.config["API_RATE_PER_MINUTE"] = 10**9  # each request's share ends sooner than Redis can expire a key
    client = script(secret=token_for(company.seller))
    assert [client.get("/me").status_code for _ in range(3)] == [200, 200, 200]
