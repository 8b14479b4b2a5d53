"""Requests over HTTP: filing, who may see what, deciding in two taps, withdrawing, the lists."""
import re

import pytest

from portal.mail import OutboxMessage
from portal.requests.models import ResourceRequest
from tests.requests.conftest import login, values

HX = {"HX-Request": "true"}


def form_for(version, **by_label):
    keys = {spec.label_en: spec.key for spec in version.fields}
    data = {"title": "Two testers", "version_id": str(version.id)}
    for label, value in by_label.items():
        if label == "Period":
            data[keys[label] + "-start"], data[keys[label] + "-end"] = value
        else:
            data[keys[label]] = value
    return data


def test_a_member_files_a_request_and_sees_where_it_is_and_who_holds_it(client, make_type, company):
    version = make_type().latest_version()
    login(client, company.seller)
    page = client.get("/requests/new").get_data(as_text=True)
    assert "Staff loan" in page or "人员支援" in page
    response = client.post("/requests/new/%d" % version.type_id, data=form_for(
        version, **{"People-days": "12", "Budget": "12,000.50", "Period": ("2026-06-01", "2026-06-12")}))
    assert response.status_code == 303
    request = ResourceRequest.get()
    assert response.headers["Location"] == "/requests/%d" % request.id
    assert str(request.amount) == "12000.50"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Now at: 部门负责人审批" in page
    assert "Waiting for Li Na" in page
    assert "CN¥12,000.50" in page and "Jun 1, 2026 – Jun 12, 2026 (12 days)" in page


@pytest.mark.parametrize("budget, message", [
    ("12000.505", "An amount has at most two decimal places (fen/cents)."),
    ("12 thousand", "Enter the amount in digits only, for example 12000.50."),
])
def test_money_with_too_many_decimals_or_letters_is_refused_keeping_what_was_typed(
        client, make_type, company, budget, message):
    version = make_type().latest_version()
    login(client, company.seller)
    response = client.post("/requests/new/%d" % version.type_id,
                           data=form_for(version, **{"People-days": "3", "Budget": budget}))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in body
    assert 'value="%s"' % budget in body and 'value="Two testers"' in body
    assert ResourceRequest.select().count() == 0


def test_values_outside_a_fields_limits_are_refused_on_that_field(client, make_type, company):
    version = make_type().latest_version()
    login(client, company.seller)
    for days, message in (("0", "Enter at least 1."), ("201", "Enter at most 200."), ("", "This field is required.")):
        body = client.post("/requests/new/%d" % version.type_id,
                           data=form_for(version, **{"People-days": days})).get_data(as_text=True)
        assert re.search(r'class="error" id="f\d+-error">%s' % re.escape(message), body), days
    body = client.post("/requests/new/%d" % version.type_id, data=form_for(
        version, **{"People-days": "2", "Period": ("2026-06-12", "2026-06-01")})).get_data(as_text=True)
    assert "The last day cannot be before the first." in body
    assert ResourceRequest.select().count() == 0


def test_a_form_filled_in_while_the_type_was_republished_is_checked_again(client, make_type, company):
    request_type = make_type()
    old = request_type.latest_version()
    request_type.update_details(company.admin, description="New rules")
    request_type.publish(company.admin)
    login(client, company.seller)
    body = client.post("/requests/new/%d" % old.type_id, data=form_for(old, **{"People-days": "3"})).get_data(
        as_text=True)
    assert "changed while you were filling it in" in body
    assert ResourceRequest.select().count() == 0


def test_a_closed_or_unpublished_type_cannot_be_filed(client, make_type, company):
    closed = make_type()
    closed.update_details(company.admin, active=False)
    draft = make_type(name="草稿", publish=False)
    login(client, company.seller)
    for request_type in (closed, draft):
        assert client.get("/requests/new/%d" % request_type.id).status_code == 404
    assert "人员支援" not in client.get("/requests/new").get_data(as_text=True)


def test_both_departments_approvers_coordinators_and_admins_see_a_request_and_outsiders_get_404(
        app, file_request, company, make_user, make_department):
    request = file_request(budget="20000")
    request.decide(company.sales_head, request.active_step().id, "approve")
    path = "/requests/%d" % request.id
    for user in (company.seller, company.sales_head, company.finance_head, company.rnd_head, company.admin,
                 company.developer, make_user(department=company.sales), make_user(role="coordinator")):
        client = app.test_client()
        client.login(user)
        assert client.get(path).status_code == 200, user.name
    for user in (company.outsider, make_user(department=make_department("市场部"))):
        client = app.test_client()
        client.login(user)
        response = client.get(path)
        assert response.status_code == 404, user.name
        assert "Two developers" not in response.get_data(as_text=True)
        assert client.post(path + "/withdraw").status_code == 404
        assert client.post(path + "/steps/1/approve").status_code == 404


def test_an_approver_approves_in_two_taps_and_goes_straight_to_the_next_item(client, file_request, company):
    first, second = file_request(title="First"), file_request(title="Second")
    step_id = first.active_step().id
    login(client, company.sales_head)
    page = client.get("/requests/%d" % first.id).get_data(as_text=True)
    confirm_url = "/requests/%d/steps/%d/decision?confirm=approve" % (first.id, step_id)
    assert 'hx-get="%s"' % confirm_url.replace("&", "&amp;") in page
    confirm = client.get(confirm_url, headers=HX)
    body = confirm.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="decision-%d"' % step_id)
    assert "Approve “First”?" in body and "Confirm approval" in body
    response = client.post("/requests/%d/steps/%d/approve" % (first.id, step_id), data={"comment": ""})
    assert response.status_code == 303
    assert response.headers["Location"] == "/requests/%d#decision" % second.id
    assert ResourceRequest.get_by_id(first.id).active_step().name == "提供部门审批"
    assert "You approved “First”." in client.get(response.headers["Location"]).get_data(as_text=True)


def test_the_last_decision_lands_on_an_empty_inbox(client, file_request, company):
    request = file_request()
    login(client, company.sales_head)
    response = client.post("/requests/%d/steps/%d/approve" % (request.id, request.active_step().id))
    assert response.headers["Location"] == "/requests/approvals"
    assert "Nothing is waiting for your decision." in client.get("/requests/approvals").get_data(as_text=True)


def test_the_confirm_step_is_a_fragment_for_htmx_and_a_full_page_without(client, file_request, company):
    request = file_request()
    url = "/requests/%d/steps/%d/decision?confirm=reject" % (request.id, request.active_step().id)
    login(client, company.sales_head)
    fragment, page = client.get(url, headers=HX), client.get(url)
    assert "<html" not in fragment.get_data(as_text=True)
    assert "Reason (required)" in fragment.get_data(as_text=True)
    assert "<html" in page.get_data(as_text=True) and "Reason (required)" in page.get_data(as_text=True)
    assert fragment.headers["Vary"] == page.headers["Vary"] == "HX-Request, Cookie"


def test_rejecting_without_a_reason_is_refused_and_the_confirm_step_stays_open(client, file_request, company):
    request = file_request()
    login(client, company.sales_head)
    response = client.post("/requests/%d/steps/%d/reject" % (request.id, request.active_step().id),
                           data={"comment": "  "})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Say why, so the requester knows what to do next." in body and "Confirm rejection" in body
    assert ResourceRequest.get_by_id(request.id).state == "in_review"


def test_a_second_tab_is_told_who_already_decided(app, file_request, company):
    request = file_request()
    step_id = request.active_step().id
    first_tab, second_tab = app.test_client(), app.test_client()
    first_tab.login(company.sales_head)
    second_tab.login(company.sales_head)
    first_tab.post("/requests/%d/steps/%d/approve" % (request.id, step_id))
    response = second_tab.post("/requests/%d/steps/%d/reject" % (request.id, step_id), data={"comment": "no"},
                               headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "This step was already decided by Li Na." in body
    assert ResourceRequest.get_by_id(request.id).state == "in_review"


def test_the_requester_cannot_decide_and_the_approver_cannot_withdraw(client, file_request, company):
    request = file_request()
    step_id = request.active_step().id
    login(client, company.seller)
    assert client.post("/requests/%d/steps/%d/approve" % (request.id, step_id)).status_code == 403
    login(client, company.sales_head)
    assert client.post("/requests/%d/withdraw" % request.id).status_code == 403
    assert client.get("/requests/%d/withdraw" % request.id).status_code == 403
    assert ResourceRequest.get_by_id(request.id).state == "in_review"


def test_the_requester_withdraws_after_a_confirm_step(client, file_request, company):
    request = file_request()
    step_id = request.active_step().id
    login(client, company.seller)
    confirm = client.get("/requests/%d/withdraw" % request.id, headers=HX).get_data(as_text=True)
    assert confirm.lstrip().startswith('<div id="requester-actions">') and "Confirm withdrawal" in confirm
    assert "<html" in client.get("/requests/%d/withdraw" % request.id).get_data(as_text=True)
    response = client.post("/requests/%d/withdraw" % request.id, data={"comment": "Solved"})
    assert response.status_code == 303
    assert ResourceRequest.get_by_id(request.id).state == "withdrawn"
    login(client, company.sales_head)
    body = client.post("/requests/%d/steps/%d/approve" % (request.id, step_id)).get_data(as_text=True)
    assert "withdrew this request" in body


def test_a_returned_request_is_edited_and_sent_again(client, file_request, company):
    request = file_request()
    request.decide(company.sales_head, request.active_step().id, "return", "Which project?")
    login(client, company.seller)
    page = client.get("/requests/%d/edit" % request.id).get_data(as_text=True)
    assert 'value="Two developers for the CRM"' in page and 'value="10"' in page
    version = request.version
    response = client.post("/requests/%d/edit" % request.id, data=form_for(version, **{"People-days": "14"}))
    assert response.status_code == 303
    request = ResourceRequest.get_by_id(request.id)
    assert (request.state, request.round, str(request.people_days)) == ("in_review", 2, "14")


def test_the_nav_counts_waiting_approvals_and_the_inbox_lists_them(client, file_request, company):
    file_request(title="First")
    file_request(title="Second")
    login(client, company.sales_head)
    page = client.get("/requests/approvals").get_data(as_text=True)
    assert 'My approvals <span class="nav-count">2</span>' in page
    assert page.index("First") < page.index("Second")


def test_list_and_inbox_pages_run_a_fixed_number_of_queries(client, file_request, company, count_queries):
    file_request()
    login(client, company.sales_head)
    pages = ("/requests/approvals", "/requests/?tab=involved", "/requests/?tab=department")
    before = {path: count_queries(lambda path=path: client.get(path)) for path in pages}
    for n in range(5):
        file_request(title="More %d" % n)
    after = {path: count_queries(lambda path=path: client.get(path)) for path in pages}
    assert after == before


def test_an_approver_following_the_mail_link_passes_the_login_page_and_lands_on_the_decision_screen(
        client, file_request, company):
    request = file_request()
    mail = OutboxMessage.get(OutboxMessage.recipient_id == company.sales_head.id)
    path = re.search(r"https://portal\.example\.test(/requests/\d+)", mail.body_text).group(1)
    response = client.get(path)
    assert response.headers["Location"] == "/login?next=/requests/%d" % request.id
    login_response = client.post("/login", data={"email": company.sales_head.email, "password": "correct-horse-1",
                                                 "next": "/requests/%d" % request.id})
    assert login_response.headers["Location"] == path
    assert "Confirm approval" not in client.get(path).get_data(as_text=True)
    assert "Approve" in client.get(path).get_data(as_text=True)


def test_the_allocation_is_recorded_by_the_providers_head(client, make_type, file_request, company):
    request = file_request(make_type(allocation=True))
    request.decide(company.sales_head, request.active_step().id, "approve")
    request.decide(company.rnd_head, request.active_step().id, "approve")
    step_id = ResourceRequest.get_by_id(request.id).active_step().id
    login(client, company.rnd_head)
    page = client.get("/requests/%d" % request.id).get_data(as_text=True)
    assert "Record the allocation" in page and 'value="10"' in page  # prefilled with what was asked
    refused = client.post("/requests/%d/steps/%d/allocate" % (request.id, step_id),
                          data={"commitment": "", "people_days": "x"}).get_data(as_text=True)
    assert "This field is required." in refused and "digits only" in refused
    response = client.post("/requests/%d/steps/%d/allocate" % (request.id, step_id),
                           data={"commitment": "Zhou Jie", "people_days": "8", "starts_on": "2026-06-01"})
    assert response.status_code == 303
    assert ResourceRequest.get_by_id(request.id).state == "approved"


def test_a_chinese_reader_sees_each_meaning_of_an_english_word_in_its_own_words(client, make_type, file_request,
                                                                               company):
    request = file_request(make_type(allocation=True))
    request.decide(company.sales_head, request.active_step().id, "approve")
    request.decide(company.rnd_head, request.active_step().id, "approve")
    company.rnd_head.update_preferences("zh_CN", "Asia/Shanghai")
    login(client, company.rnd_head)
    path = "/requests/%d" % request.id
    form = client.get(path).get_data(as_text=True)
    assert "开始日期" in form and "结束日期" in form and "收件人" not in form
    step_id = ResourceRequest.get_by_id(request.id).active_step().id
    client.post(path + "/steps/%d/allocate" % step_id,
                data={"commitment": "周杰", "people_days": "8", "starts_on": "2026-06-01", "ends_on": "2026-06-12"})
    page = client.get(path).get_data(as_text=True)
    assert "<dt>提交时间</dt>" in page and "· 提交申请" in page
    assert "<dt>起止日期</dt>" in page and "事件" not in page
    assert "已通过" in page and "登记了资源落实" in page


def test_reports_sum_asked_and_provided_per_department_for_heads_but_not_members(client, file_request, company):
    request = file_request(budget="20000")
    for approver in (company.sales_head, company.finance_head, company.rnd_head):
        request.decide(approver, request.active_step().id, "approve")
    file_request(people_days="5", budget="100.25").withdraw(company.seller)
    login(client, company.seller)
    assert client.get("/requests/reports").status_code == 403
    login(client, company.rnd_head)
    page = client.get("/requests/reports").get_data(as_text=True)
    row = re.search(r"<td>R&amp;D</td><td>1</td>(.*?)</tr>", page, re.S).group(1)
    assert re.findall(r"<td>([^<]*)</td>", row) == ["10", "10", "CN¥20,000.00", "CN¥20,000.00"]
    assert "部门负责人审批" in page and "CN¥100.25" not in page


def test_index_tabs_depend_on_the_role_and_swap_as_a_fragment(client, file_request, company):
    file_request()
    login(client, company.seller)
    page = client.get("/requests/").get_data(as_text=True)
    assert "Filed by me" in page and "My department" not in page and "All requests" not in page
    login(client, company.admin)
    fragment = client.get("/requests/?tab=all", headers=HX).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="request-list">') and "Two developers" in fragment


def test_the_request_page_costs_the_same_queries_however_long_its_trail(client, file_request, company,
                                                                       count_queries):
    request = file_request(budget="20000")
    login(client, company.admin)
    path = "/requests/%d" % request.id
    before = count_queries(lambda: client.get(path))
    request.decide(company.sales_head, request.active_step().id, "return", "More detail")
    request.resubmit(company.seller, "Again", request.value_map)
    request.decide(company.sales_head, request.active_step().id, "approve", "Fine now")
    request.decide(company.finance_head, request.active_step().id, "approve")
    page = client.get(path).get_data(as_text=True)
    assert "Earlier round 1" in page and "Fine now" in page
    assert count_queries(lambda: client.get(path)) == before


def test_a_request_is_filed_for_a_project_the_requester_can_see(client, make_type, company):
    import datetime

    from portal.projects.models import Project
    dates = dict(start_date=datetime.date(2026, 1, 1), end_date=datetime.date(2026, 12, 31), status="active")
    crm = Project.start(None, name="CRM rollout", goal="", coordinator=company.sales_head,
                        departments=[company.sales], visibility="company", **dates)
    hidden = Project.start(None, name="Finance secret", goal="", coordinator=company.finance_head,
                           departments=[company.finance], visibility="participants", **dates)
    request_type = make_type()
    version = request_type.latest_version()
    login(client, company.seller)
    form = client.get("/requests/new/%d" % request_type.id).get_data(as_text=True)
    assert "CRM rollout" in form and "Finance secret" not in form
    data = {"title": "Help with the CRM", "version_id": version.id, values(version, people_days="2").popitem()[0]: "2"}
    refused = client.post("/requests/new/%d" % request_type.id, data=dict(data, project=hidden.id))
    assert refused.status_code == 200 and "Not a valid choice" in refused.get_data(as_text=True)
    done = client.post("/requests/new/%d" % request_type.id, data=dict(data, project=crm.id))
    assert done.status_code == 303
    assert ResourceRequest.get(ResourceRequest.title == "Help with the CRM").project == crm
