"""Find and share in a real browser at 360 px: search from the header finds only what the reader
may see, as it is typed; a contract is attached to a task and downloaded again."""
import datetime

from playwright.sync_api import expect

from portal.meetings.models import MeetingSeries
from portal.projects.models import Project
from portal.tasks.models import Task
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.files.conftest import pdf_bytes

NARROW = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


def test_on_a_360_px_phone_search_finds_only_allowed_hits_and_a_contract_goes_onto_a_task_and_back(
        browser, live_server, make_department, make_user):
    from tests.browser.conftest import _page
    sales, finance = make_department("销售部", "Sales"), make_department("财务部", "Finance")
    seller = make_user(department=sales, name="Chen Chen")
    coordinator = make_user(department=finance, role="coordinator", name="Cai")
    hidden = Project.start(coordinator, name="2027 定价合同", goal="", coordinator=coordinator, departments=[finance],
                           start_date=datetime.date(2026, 1, 5), end_date=datetime.date(2026, 12, 31),
                           status="active", visibility="participants")
    Task.open(coordinator, "保密合同条款", owner=coordinator, project=hidden)
    task = Task.open(seller, "华东经销商合同", owner=seller)
    _, meeting = MeetingSeries.plan(coordinator, departments=[sales], people=[], day=datetime.date(2026, 1, 5),
                                    start_time=datetime.time(10), timezone="Asia/Shanghai", recurring=False,
                                    title="销售周会", duration_minutes=60, coordinator=coordinator, location="",
                                    video_link="", reminder_minutes=60, now=datetime.datetime(2026, 1, 1))
    meeting.record_decision(coordinator, "合同模板统一由法务出")
    context, phone = _page(browser, live_server, **NARROW)
    try:
        sign_in(phone, seller, PASSWORD)
        phone.get_by_role("link", name="Search").first.tap()
        phone.locator("#search-q").fill("合同")
        results = phone.locator("#search-results")
        expect(results).to_contain_text("华东经销商合同")
        expect(results).to_contain_text("合同模板统一由法务出")
        expect(results).not_to_contain_text("保密")
        expect(results).not_to_contain_text("2027 定价")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360
        assert "q=" in phone.url  # the address keeps the question, to share or go back to

        phone.locator("#search-results a", has_text="华东经销商合同").tap()
        phone.wait_for_url("**/tasks/%d" % task.id)
        phone.set_input_files("#upload-task-%d" % task.id, files=[{
            "name": "框架合同草案.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}])
        phone.get_by_role("button", name="Upload").tap()
        panel = phone.locator("#files-task-%d" % task.id)
        expect(panel).to_contain_text("框架合同草案.pdf")
        with phone.expect_download() as waiting:
            panel.get_by_role("link", name="Download").tap()
        download = waiting.value
        assert download.suggested_filename == "框架合同草案.pdf"
        with open(download.path(), "rb") as got:
            assert got.read() == pdf_bytes()
        assert phone.csp_violations == []
    finally:
        context.close()
