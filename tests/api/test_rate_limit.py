"""The per-token rate limit: so many requests a minute, all at once or spread out; past it, 429 with
Retry-After, until the allowance comes back."""
import datetime

import pytest
import time_machine


@pytest.fixture
def app_config():
    return {"API_RATE_PER_MINUTE": 3}


def test_a_token_past_its_rate_answers_429_with_retry_after_until_its_allowance_returns(company, token_for, script):
    secret, other = token_for(company.seller), token_for(company.seller)
    start = datetime.datetime(2026, 5, 4, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as clock:
        assert [script(secret=secret).get("/me").status_code for _ in range(3)] == [200, 200, 200]
        refused = script(secret=secret).get("/me")
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "20"
        assert script(secret=other).get("/me").status_code == 200, "the limit is per token"
        clock.shift(19)
        assert script(secret=secret).get("/me").status_code == 429
        clock.shift(1)
        assert script(secret=secret).get("/me").status_code == 200
