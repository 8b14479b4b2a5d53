"""The demo company's requests: four types, a dozen requests in every state, loaded once."""
import datetime

import time_machine

from portal.requests.escalation import enforce_time_limits
from portal.requests.models import ResourceRequest
from portal.requests.types import RequestType


def test_the_demo_has_the_four_types_and_requests_in_every_state_and_loads_once(runner):
    # A Tuesday morning in Shanghai: time limits are acted on in working time only.
    with time_machine.travel(datetime.datetime(2026, 6, 9, 2, 0), tick=False):
        assert runner.invoke(args=["demo"]).exit_code == 0
        assert runner.invoke(args=["demo"]).exit_code == 0
        assert sorted(t.name for t in RequestType.select()) == sorted(["人员支援", "预算申请", "设备物资", "需求变更"])
        assert ResourceRequest.select().count() == 12
        states = {r.state for r in ResourceRequest.select()}
        assert states == {"approved", "rejected", "returned", "withdrawn", "allocating", "in_review"}
        budget = RequestType.get(RequestType.name == "预算申请").latest_version()
        assert budget.steps[1]["condition"]["op"] == ">" and budget.steps[1]["condition"]["value"] == "10000"
        # Requests filed days ago are past their limits: the job has work to do, once.
        assert "escalate" in enforce_time_limits()
        assert "escalate" not in enforce_time_limits()
