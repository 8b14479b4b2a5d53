"""Requests in search: found by title and by the text they were filed with, only by who may see
them (portal.finder.visibility follows ResourceRequest.visible_to)."""
from portal import search
from portal.finder import visibility
from portal.permissions import can
from portal.requests.models import ResourceRequest


def test_a_request_is_found_by_its_text_only_by_whom_the_view_rule_lets_see_it(company, make_type, make_user):
    request_type = make_type(publish=False)
    request_type.add_field(company.admin, label="说明", label_en="Notes", kind="long_text")
    request_type.publish(company.admin)
    version = request_type.latest_version()
    keys = {spec.label_en: spec.key for spec in version.fields}
    request = ResourceRequest.file(company.seller, version, "CRM 支援", {
        keys["People-days"]: "5", keys["Notes"]: "客户合同续签需要两名开发"})
    everyone = [company.sales_head, company.seller, company.rnd_head, company.developer, company.finance_head,
                company.admin, company.outsider, make_user(role="coordinator")]
    for user in everyone:
        results = search.query("合同续签", visibility(user))
        expected = [request.id] if can(user, "view", request) else []
        assert [hit.object_id for hit in results.hits] == expected, user.name
        assert results.total == len(expected)
    assert not can(company.outsider, "view", request)
    hits = search.query("合同", visibility(company.seller)).hits
    assert "<mark>合同</mark>" in str(hits[0].snippet)


def test_a_resubmitted_request_is_found_by_its_new_title(company, file_request):
    request = file_request(title="旧标题")
    ResourceRequest.update(state="returned").where(ResourceRequest.id == request.id).execute()
    request.resubmit(company.seller, "新的合同评审", request.value_map)
    assert [hit.object_id for hit in search.query("合同评审", visibility(company.seller)).hits] == [request.id]
    assert search.query("旧标题", visibility(company.seller)).total == 0
