"""Hostile input to the request and builder forms: shown escaped or refused, never a 5xx, never half-saved."""
import pytest

from portal.requests.models import ResourceRequest
from portal.requests.types import FlowStep, TypeField
from tests.requests.conftest import login

PAYLOADS = {
    "script": "<script>alert('x')</script>",
    "handler": '"><img src=x onerror=alert(1)>',
    "nul": "abc\x00def",
    "huge": "x" * 100_000,
    "unicode": "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ✓ 中文",
}


def _safe(body):
    return "<script>alert('x')</script>" not in body and "<img src=x onerror" not in body


@pytest.mark.parametrize("payload", PAYLOADS)
def test_filing_with_hostile_text_is_escaped_or_refused(client, make_type, company, payload):
    version = make_type().latest_version()
    days = next(spec.key for spec in version.fields if spec.kind == "number")
    login(client, company.seller)
    response = client.post("/requests/new/%d" % version.type_id, data={
        "title": PAYLOADS[payload], "version_id": str(version.id), days: PAYLOADS[payload]})
    assert response.status_code == 200  # the number field refuses every one of them
    assert _safe(response.get_data(as_text=True))
    assert ResourceRequest.select().count() == 0
    response = client.post("/requests/new/%d" % version.type_id, data={
        "title": PAYLOADS[payload], "version_id": str(version.id), days: "3"})
    assert response.status_code in (200, 303)
    if response.status_code == 303:
        assert _safe(client.get(response.headers["Location"]).get_data(as_text=True))
        assert _safe(client.get("/requests/").get_data(as_text=True))
    else:
        assert 'class="error"' in response.get_data(as_text=True)
        assert ResourceRequest.select().count() == 0


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_labels_and_step_names_in_the_builder_are_escaped_or_refused(client, make_type, company, payload):
    request_type = make_type(publish=False)
    login(client, company.admin)
    fields, steps = TypeField.select().count(), FlowStep.select().count()
    for path, data in (("/fields", {"kind": "choice", "label": PAYLOADS[payload], "choices": PAYLOADS[payload]}),
                       ("/steps", {"name": PAYLOADS[payload], "kinds": ["provider_head"], "mode": "any",
                                   "condition_field": "0", "condition_value": PAYLOADS[payload]})):
        response = client.post("/admin/request-types/%d%s" % (request_type.id, path), data=data,
                               headers={"HX-Request": "true"}, follow_redirects=True)
        assert response.status_code == 200
        assert _safe(response.get_data(as_text=True))
    assert _safe(client.get("/admin/request-types/%d" % request_type.id).get_data(as_text=True))
    if payload in ("nul", "huge"):
        assert (TypeField.select().count(), FlowStep.select().count()) == (fields, steps)
