"""Numbering per type: BX-2026-0001, by year in the company's zone, gap-free when filings race."""
import datetime
import threading

import time_machine

from portal.db import db
from portal.requests.models import ResourceRequest
from portal.requests.types import RequestType
from tests.requests.conftest import login


def test_requests_of_a_type_with_a_prefix_are_numbered_by_year_in_the_companys_zone(
        app, make_type, file_request, company):
    request_type = make_type()
    request_type.update_details(company.admin, number_prefix="BX")
    other = make_type(name="另一类")
    # 31 December 16:30 UTC is already 1 January in Shanghai.
    with time_machine.travel(datetime.datetime(2026, 12, 31, 15, 0, tzinfo=datetime.timezone.utc), tick=False):
        first, second = file_request(request_type), file_request(request_type)
    with time_machine.travel(datetime.datetime(2026, 12, 31, 16, 30, tzinfo=datetime.timezone.utc), tick=False):
        third = file_request(request_type)
    plain = file_request(other)
    assert [first.number, second.number, third.number] == ["BX-2026-0001", "BX-2026-0002", "BX-2027-0001"]
    assert plain.number == "" and plain.reference == "#%d" % plain.id


def test_a_prefix_another_type_uses_is_refused_on_the_form_with_what_was_typed(client, make_type, company):
    make_type().update_details(company.admin, number_prefix="BX")
    second = make_type(name="差旅")
    login(client, company.admin)
    data = {"name": "差旅", "provider": company.rnd.id, "number_prefix": " bx ", "active": "y"}
    body = client.post("/admin/request-types/%d" % second.id, data=data).get_data(as_text=True)
    assert "Another request type numbers its requests with this prefix." in body and 'value="BX"' in body
    body = client.post("/admin/request-types/%d" % second.id, data=dict(data, number_prefix="报销")).get_data(
        as_text=True)
    assert "Use up to 10 Latin letters and digits" in body and 'value="报销"' in body
    assert client.post("/admin/request-types/%d" % second.id, data=dict(data, number_prefix="cl")).status_code == 303
    assert RequestType.get_by_id(second.id).number_prefix == "CL"


def test_filings_racing_in_parallel_get_consecutive_numbers_without_gaps_or_twins(app, make_type, company):
    request_type = make_type()
    request_type.update_details(company.admin, number_prefix="BX")
    version = request_type.latest_version()
    days = {next(spec.key for spec in version.fields if spec.measure == "people_days"): "5"}
    with time_machine.travel(datetime.datetime(2026, 6, 1, 2, 0, tzinfo=datetime.timezone.utc)):
        try:
            with db.atomic():
                ResourceRequest.file(company.seller, version, "撤回的", days)
                raise RuntimeError("the filing's transaction fails after its number was taken")
        except RuntimeError:
            pass
        db.close()
        filers = 6
        start, numbers = threading.Barrier(filers, timeout=60), []

        def file(n):
            with app.app_context(), db.connection_context():
                start.wait()
                numbers.append(ResourceRequest.file(company.seller, version, "并发 %d" % n, days).number)

        threads = [threading.Thread(target=file, args=(n,)) for n in range(filers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        db.connect(reuse_if_open=True)
    assert sorted(numbers) == ["BX-2026-%04d" % n for n in range(1, filers + 1)]
    assert ResourceRequest.select().count() == filers
