"""Requests in a real browser: an admin builds a type with htmx, a member files one, a head
approves on a phone in two taps; the builder works from the keyboard at 360 px."""
import json
import re

import pytest
from playwright.sync_api import expect

from portal.requests.models import ResourceRequest
from portal.requests.types import RequestType
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.requests.conftest import step


@pytest.fixture
def finance(make_department):
    return make_department("财务部", "Finance")


@pytest.fixture
def budget_type(admin, finance):
    request_type = RequestType.add(admin, name="预算申请", name_en="Budget", provider=finance)
    request_type.add_field(admin, label="金额", label_en="Amount", kind="money", currency="CNY", required=True,
                           measure="money")
    request_type.add_step(admin, **step(name="部门负责人审批", approvers=[{"kind": "requester_head"}]))
    request_type.add_step(admin, **step(name="财务审批", approvers=[{"kind": "provider_head"}]))
    request_type.publish(admin)
    return request_type


def test_an_admin_builds_a_type_with_two_fields_and_a_conditional_step(page, admin, finance):
    sign_in(page, admin, PASSWORD)
    page.goto("/admin/request-types/new")
    page.get_by_label("Name", exact=True).fill("设备采购")
    page.get_by_label("English name").fill("Equipment")
    page.get_by_label("Providing department", exact=True).select_option(label="Finance")
    page.get_by_role("button", name="Create and add fields").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Equipment")
    page.evaluate("window.stillTheSameDocument = true")

    fields = page.locator("#type-fields")
    fields.get_by_role("link", name="Add a field").click()
    fields.get_by_role("link", name="Money").click()
    expect(page.get_by_label("Label", exact=True)).to_be_focused()
    page.get_by_label("Label", exact=True).fill("金额")
    page.get_by_label("English label").fill("Amount")
    page.get_by_label("Required").check()
    page.get_by_label("Counts as the amount in reports").check()
    fields.get_by_role("button", name="Save field").click()
    expect(fields.get_by_text("金额")).to_be_visible()
    fields.get_by_role("link", name="Add a field").click()
    fields.get_by_role("link", name="Short text").click()
    page.get_by_label("Label", exact=True).fill("物品")
    fields.get_by_role("button", name="Save field").click()
    expect(fields.locator("li", has_text="物品")).to_be_visible()

    steps = page.locator("#type-steps")
    for name, who, conditional in (("部门负责人审批", "Head of the requester's department", False),
                                   ("财务审批", "Head of the providing department", True)):
        steps.get_by_role("link", name="Add a step").click()
        page.get_by_label("Step name").fill(name)
        page.get_by_label(who).check()
        if conditional:
            page.get_by_label("Only when the field").select_option(label="金额")
            page.get_by_label("Comparison").select_option(label="is more than")
            page.get_by_label("Value", exact=True).fill("10000")
        steps.get_by_role("button", name="Save step").click()
        expect(steps.locator("li", has_text=name)).to_be_visible()
    expect(steps).to_contain_text("金额 is more than 10000")
    expect(page.locator("#type-status")).to_contain_text("There are changes that are not published yet.")
    assert page.evaluate("window.stillTheSameDocument") is True, "the builder swapped sections in place"

    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".message-success")).to_contain_text("Version 1 is published")
    version = RequestType.get(RequestType.name == "设备采购").latest_version()
    assert [spec.label for spec in version.fields] == ["金额", "物品"]
    assert version.steps[1]["condition"]["value"] == "10000"


def test_a_member_files_a_request_and_a_head_approves_it_on_a_phone_in_two_taps(
        phone, budget_type, make_department, make_user):
    sales = make_department("销售部", "Sales")
    head = make_user(department=sales, head_of=True, name="Li Na")
    seller = make_user(department=sales, name="Chen Chen")

    sign_in(phone, seller, PASSWORD)
    phone.goto("/requests/new")
    phone.get_by_role("link", name=re.compile("Budget")).tap()
    phone.get_by_label("Subject").fill("Booth at the trade fair")
    phone.get_by_label("Amount (CNY)").fill("12,000.5")
    phone.get_by_role("button", name="File the request").tap()
    expect(phone.get_by_text("Now at: 部门负责人审批")).to_be_visible()
    expect(phone.get_by_text("Waiting for Li Na")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.get_by_role("navigation", name="Tabs").get_by_role("link", name="Me", exact=True).tap()
    phone.get_by_role("button", name="Sign out").tap()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Sign in")

    sign_in(phone, head, PASSWORD)
    approvals_tab = phone.get_by_role("navigation", name="Tabs").get_by_role("link", name=re.compile("Approvals"))
    expect(approvals_tab).to_contain_text("1")
    approvals_tab.tap()
    item = phone.locator(".approval", has_text="Booth at the trade fair")
    expect(item).to_contain_text("CN¥12,000.50")
    item.get_by_role("link", name="Approve", exact=True).tap()     # tap one
    confirm = item.get_by_role("button", name="Confirm approval")
    expect(confirm).to_be_focused()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    confirm.tap()                                                  # tap two
    expect(phone.get_by_text("You approved “Booth at the trade fair”.")).to_be_visible()
    expect(phone.get_by_text("Nothing is waiting for your decision.")).to_be_visible()
    assert ResourceRequest.get().active_step().name == "财务审批"


def test_the_flow_builder_works_from_the_keyboard_at_360_px(browser, live_server, budget_type, admin):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 740}, locale="en-US")
    page = context.new_page()
    violations = []
    page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(message.text))
    sign_in(page, admin, PASSWORD)
    page.goto("/admin/request-types/%d" % budget_type.id)
    move_down = page.get_by_role("button", name="Move “部门负责人审批” down")
    move_down.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#type-steps li").first).to_contain_text("财务审批")
    # The moved step's remaining control keeps the focus, so the keyboard user carries on from there.
    expect(page.get_by_role("button", name="Move “部门负责人审批” up")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#type-steps li").first).to_contain_text("部门负责人审批")
    expect(move_down).to_be_focused()

    page.locator("#type-steps").get_by_role("link", name="Add a step").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Step name")).to_be_focused()
    page.keyboard.type("总经理审批")
    page.get_by_label("Named people").focus()  # a box to type a name into: Enter takes the first found
    page.keyboard.type("Ada")
    named = page.locator(".people-picker", has=page.get_by_label("Named people"))
    expect(named.locator(".found button.person")).to_have_count(1)
    page.keyboard.press("Enter")
    expect(named.locator(".chosen")).to_contain_text(admin.name)
    page.get_by_role("button", name="Save step").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#type-steps li", has_text="总经理审批")).to_contain_text(admin.name)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    flow = RequestType.get_by_id(budget_type.id).ordered_steps()
    assert [json.loads(s.approvers)[0]["kind"] for s in flow] == ["requester_head", "provider_head", "people"]
    assert violations == []
    context.close()
