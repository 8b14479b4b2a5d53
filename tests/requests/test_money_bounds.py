"""Money asked for or committed is never below zero, unless a request type says it may be."""
import pytest

from portal.db import Invalid
from portal.requests.models import Allocation, ResourceRequest
from portal.requests.types import RequestType
from tests.requests.conftest import login
from tests.requests.test_views import form_for


def test_a_negative_amount_is_refused_where_the_type_sets_no_minimum(client, make_type, company):
    version = make_type().latest_version()
    login(client, company.seller)
    refused = client.post("/requests/new/%d" % version.type_id,
                          data=form_for(version, **{"People-days": "3", "Budget": "-50,000.00"}))
    assert refused.status_code == 200
    assert "Enter at least 0." in refused.get_data(as_text=True)
    assert not ResourceRequest.select().exists()


def test_a_type_that_sets_a_negative_minimum_takes_a_refund(client, make_type, company):
    request_type = make_type(publish=False)
    budget = next(f for f in request_type.ordered_fields() if f.kind == "money")
    budget.update_settings(company.admin, **dict(_settings(budget), min_value=-100000))
    request_type.publish(company.admin)
    version = RequestType.get_by_id(request_type.id).latest_version()
    login(client, company.seller)
    response = client.post("/requests/new/%d" % version.type_id,
                           data=form_for(version, **{"People-days": "3", "Budget": "-500.00"}))
    assert response.status_code == 303
    assert ResourceRequest.get().amount_cents == -50000


@pytest.fixture
def allocating(make_type, file_request, company):
    request = file_request(make_type(allocation=True))
    for approver in (company.sales_head, company.rnd_head):
        request.decide(approver, request.active_step().id, "approve")
    return ResourceRequest.get_by_id(request.id)


@pytest.mark.parametrize("field, value", [("amount", "-1.00"), ("people_days", "-8")])
def test_an_allocation_below_zero_is_refused_on_its_field(client, allocating, company, field, value):
    login(client, company.rnd_head)
    refused = client.post("/requests/%d/steps/%d/allocate" % (allocating.id, allocating.active_step().id),
                          data={"commitment": "Zhou Jie", field: value})
    assert refused.status_code == 200
    assert 'id="%s-error"' % field in refused.get_data(as_text=True)
    assert not Allocation.select().exists()


def test_the_model_refuses_a_negative_allocation_whatever_the_form(allocating, company):
    with pytest.raises(Invalid) as refused:
        allocating.record_allocation(company.rnd_head, allocating.active_step().id, "Nobody", amount=-1)
    assert refused.value.field == "amount"


def _settings(field):
    return {name: getattr(field, name) for name in ("label", "label_en", "help", "required", "min_value",
                                                    "max_value", "max_length", "choices", "currency", "measure")}
