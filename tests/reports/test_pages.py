"""Report pages over HTTP: writing and handing in, the missing list with its reminders, who reads what,
the plan, the company view."""
import csv
import io
import re

import pytest
import time_machine

from portal.notifications.models import Notification
from portal.reports.models import Report, ReportHelp
from portal.reports.plans import ReportPlan
from tests.reports.conftest import signed_in

FRIDAY_AFTERNOON = "2026-05-15 15:00 +0800"


@pytest.fixture(autouse=True)
def friday():
    with time_machine.travel(FRIDAY_AFTERNOON, tick=False):
        yield


def _form(page, **changes):
    """The fields of the report form as the page holds them, with `changes`."""
    fields = dict(re.findall(r'name="([\w-]+)"[^>]*value="([^"]*)"', page))
    fields.update({name: text for name, text in re.findall(r'<textarea[^>]*name="([\w-]+)"[^>]*>([^<]*)</textarea>',
                                                         page)})
    fields.pop("submit", None), fields.pop("save", None)
    fields.update(changes)
    return fields


def test_a_member_writes_saves_and_hands_in_a_report(client, company, plan):
    seller = signed_in(client, company.seller)
    assert "Write it now" in seller.get("/reports/").get_data(as_text=True)
    started = seller.post("/reports/", data={"period": "2026-05-11"})
    assert started.status_code == 303
    report = Report.get()
    assert started.headers["Location"] == "/reports/%d/edit" % report.id
    page = seller.get("/reports/%d/edit" % report.id).get_data(as_text=True)
    assert "Done this week" in page and "Need help from" in page
    saved = seller.post("/reports/%d/edit" % report.id, data=_form(page, **{"texts-0": "Closed the deal",
                                                                            "save": "1"}))
    assert saved.status_code == 303 and Report.get().state == "draft"
    page = seller.get("/reports/%d/edit" % report.id).get_data(as_text=True)
    assert "Closed the deal" in page
    handed = seller.post("/reports/%d/edit" % report.id, data=_form(page, **{
        "submit": "1", "asks-0-who": "department:%d" % company.finance.id, "asks-0-what": "Rebate numbers"}))
    assert handed.status_code == 303 and handed.headers["Location"] == "/reports/%d" % report.id
    shown = seller.get("/reports/%d" % report.id).get_data(as_text=True)
    assert "Closed the deal" in shown and "Rebate numbers" in shown and "Handed in" in shown
    assert seller.get("/reports/%d/edit" % report.id).status_code == 403


def test_the_form_keeps_the_draft_as_it_is_typed_and_refuses_a_copy_another_window_saved_over(client, company,
                                                                                             plan):
    report = Report.start(company.seller, plan, plan.current_period())
    seller = signed_in(client, company.seller)
    page = seller.get("/reports/%d/edit" % report.id).get_data(as_text=True)
    assert 'hx-post="/reports/%d/draft"' % report.id in page
    for text in ("Visit", "Visit Suzhou"):  # the same open form saves again and again as it is typed
        kept = seller.post("/reports/%d/draft" % report.id, data=_form(page, **{"texts-1": text}),
                           headers={"HX-Request": "true"})
        status = kept.get_data(as_text=True)  # the status line, in the POST's own answer
        assert kept.status_code == 200 and "Location" not in kept.headers
        assert status.lstrip().startswith('<p id="draft-status"') and "Draft kept at" in status
    assert Report.get_by_id(report.id).section_items()[1][1] == "Visit Suzhou"
    phone = signed_in(client, company.seller)
    other_window = phone.get("/reports/%d/edit" % report.id).get_data(as_text=True)
    assert "Draft kept at" in phone.post("/reports/%d/draft" % report.id,
                                         data=_form(other_window, **{"texts-1": "From the phone"}),
                                         headers={"HX-Request": "true"}).get_data(as_text=True)
    stale = seller.post("/reports/%d/draft" % report.id, data=_form(page, **{"texts-1": "Older copy"}),
                        headers={"HX-Request": "true"})
    assert stale.status_code == 409 and "another window" in stale.get_data(as_text=True)
    assert Report.get_by_id(report.id).section_items()[1][1] == "From the phone"


def test_two_windows_opened_one_after_the_other_are_two_copies_though_the_second_page_was_kept(client, company,
                                                                                                  plan):
    report = Report.start(company.seller, plan, plan.current_period())
    seller = signed_in(client, company.seller)
    first, second = (seller.get("/reports/%d/edit" % report.id).get_data(as_text=True) for _ in range(2))
    assert _form(first)["copy"] != _form(second)["copy"]
    assert "Draft kept at" in seller.post("/reports/%d/draft" % report.id,
                                          data=_form(second, **{"texts-1": "From the second"}),
                                          headers={"HX-Request": "true"}).get_data(as_text=True)
    stale = seller.post("/reports/%d/draft" % report.id, data=_form(first, **{"texts-1": "From the first"}),
                        headers={"HX-Request": "true"})
    assert stale.status_code == 409 and "another window" in stale.get_data(as_text=True)


def test_handing_in_from_an_older_copy_shows_what_was_typed_beside_the_saved_draft(client, company, plan):
    report = Report.start(company.seller, plan, plan.current_period())
    seller = signed_in(client, company.seller)
    page = seller.get("/reports/%d/edit" % report.id).get_data(as_text=True)
    report.save_draft(company.seller, report.version, ["From the phone", "", "", ""], [])
    answer = seller.post("/reports/%d/edit" % report.id, data=_form(page, **{"texts-0": "From the laptop",
                                                                             "submit": "1"}))
    body = answer.get_data(as_text=True)
    assert answer.status_code == 409 and "From the laptop" in body and "From the phone" in body
    assert Report.get_by_id(report.id).state == "draft"


def test_an_ask_without_a_helper_is_explained_and_nothing_is_lost(client, company, plan):
    report = Report.start(company.seller, plan, plan.current_period())
    seller = signed_in(client, company.seller)
    page = seller.get("/reports/%d/edit" % report.id).get_data(as_text=True)
    answer = seller.post("/reports/%d/edit" % report.id, data=_form(page, **{
        "texts-0": "Typed text", "asks-0-what": "Rebate numbers", "submit": "1"}))
    body = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "Say whose help you need." in body and "Typed text" in body
    assert Report.get_by_id(report.id).state == "draft"


def _handed_in(plan, author, asks=()):
    report = Report.start(author, plan, plan.current_period())
    return report.submit(author, report.version, ["Done"] + [""] * 3, list(asks))


def test_who_reads_a_report(client, company, plan):
    report = _handed_in(plan, company.seller, [(None, company.accountant, "Invoices")])
    draft = Report.start(company.other_seller, plan, plan.current_period())
    path = "/reports/%d" % report.id
    for reader in (company.head, company.coordinator, company.admin, company.accountant, company.seller):
        assert signed_in(client, reader).get(path).status_code == 200, reader.name
    for stranger in (company.other_seller, company.finance_head):
        assert signed_in(client, stranger).get(path).status_code == 404, stranger.name
    assert signed_in(client, company.head).get("/reports/%d" % draft.id).status_code == 404, "a draft is private"


def test_the_head_sees_who_has_not_handed_in_and_reminds_them_in_one_tap(client, company, plan):
    _handed_in(plan, company.seller)
    head = signed_in(client, company.head)
    page = head.get("/reports/departments/%d" % company.sales.id).get_data(as_text=True)
    roster = page[page.index('id="roster"'):page.index("</section>", page.index('id="roster"'))]
    assert "Wang Fang" in roster and "Li Na" in roster and "2 / 3" in roster
    assert "Remind all 2" in roster
    answer = head.post("/reports/departments/%d/remind" % company.sales.id, data={"period": "2026-05-11"},
                       headers={"HX-Request": "true"})
    fragment = answer  # the roster, in the POST's own answer
    body = fragment.get_data(as_text=True)
    assert body.lstrip().startswith('<section class="card" id="roster"') and body.count("reminded today") == 2
    assert "Reminded: Li Na, Wang Fang." in fragment.headers["HX-Trigger"].encode().decode("unicode_escape")
    again = head.post("/reports/departments/%d/remind" % company.sales.id, data={"period": "2026-05-11"})
    assert again.status_code == 303
    assert Notification.select().where(Notification.event == "report.reminder").count() == 2


@pytest.mark.parametrize("period", ["not-a-date", "9999-12-31", "0001-01-01"])
def test_a_period_no_one_reports_in_shows_the_current_one(client, company, plan, period):
    head = signed_in(client, company.head)
    page = head.get("/reports/departments/%d?period=%s" % (company.sales.id, period))
    shown = 'period=%s" aria-current="page"' % plan.current_period().start.isoformat()
    assert page.status_code == 200 and shown in page.get_data(as_text=True)
    assert head.post("/reports/departments/%d/remind" % company.sales.id, data={"period": period}).status_code == 303


def test_the_department_page_is_also_its_roster_fragment(client, company, plan):
    head = signed_in(client, company.head)
    full = head.get("/reports/departments/%d?period=not-a-date" % company.sales.id)
    part = head.get("/reports/departments/%d" % company.sales.id, headers={"HX-Request": "true"})
    assert full.status_code == part.status_code == 200
    assert "<html" in full.get_data(as_text=True) and "<html" not in part.get_data(as_text=True)
    assert 'id="roster"' in part.get_data(as_text=True)


def test_only_the_head_coordinators_and_admins_follow_a_department(client, company, plan):
    path = "/reports/departments/%d" % company.sales.id
    assert signed_in(client, company.seller).get(path).status_code == 403
    assert signed_in(client, company.finance_head).get(path).status_code == 403
    assert signed_in(client, company.coordinator).get(path).status_code == 200
    remind = "/reports/departments/%d/remind" % company.sales.id
    assert signed_in(client, company.coordinator).post(remind, data={}).status_code == 403
    assert signed_in(client, company.seller).get("/reports/company").status_code == 403
    assert signed_in(client, company.coordinator).get("/reports/company").status_code == 200


def test_a_head_plans_their_departments_reports(client, company):
    head = signed_in(client, company.head)
    page = head.get("/reports/departments/%d/plan" % company.sales.id).get_data(as_text=True)
    assert "本周完成" in page and "Done this week" in page
    saved = head.post("/reports/departments/%d/plan" % company.sales.id, data={
        "active": "y", "cadence": "daily", "due_weekday": "4", "due_time": "17:30",
        "sections-0-zh": "今日完成", "sections-0-en": "Done today", "sections-1-zh": "明日计划", "sections-1-en": ""})
    assert saved.status_code == 303
    plan = ReportPlan.get()
    assert (plan.cadence, plan.due_time.isoformat(), plan.section_list) == ("daily", "17:30:00", [
        {"zh": "今日完成", "en": "Done today"}, {"zh": "明日计划", "en": "明日计划"}])
    bad = head.post("/reports/departments/%d/plan" % company.sales.id, data={"cadence": "weekly",
                                                                            "due_weekday": "4", "due_time": "25:00"})
    assert bad.status_code == 200 and "Enter a time between 00:00 and 23:59" in bad.get_data(as_text=True)
    assert signed_in(client, company.seller).get("/reports/departments/%d/plan" % company.sales.id).status_code == 403
    other = signed_in(client, company.finance_head)
    assert other.post("/reports/departments/%d/plan" % company.sales.id, data={}).status_code == 403


def test_the_head_comments_and_the_author_hears_of_it(client, company, plan):
    report = _handed_in(plan, company.seller)
    head = signed_in(client, company.head)
    answer = head.post("/reports/%d/comments" % report.id, data={"body": "Good week, **thanks**"},
                       headers={"HX-Request": "true"})
    comments = answer.get_data(as_text=True)
    assert comments.lstrip().startswith('<section class="card" id="comments"')
    assert "<strong>thanks</strong>" in comments
    assert head.post("/reports/%d/comments" % report.id, data={"body": ""}).status_code == 200
    assert Notification.get(Notification.event == "report.comment").user_id == company.seller.id
    assert signed_in(client, company.other_seller).post("/reports/%d/comments" % report.id,
                                                        data={"body": "x"}).status_code == 404


def test_the_person_asked_marks_the_ask_as_helped(client, company, plan):
    _handed_in(plan, company.seller, [(company.finance, None, "Rebate numbers")])
    ask = ReportHelp.get()
    assert signed_in(client, company.accountant).post("/reports/help/%d/given" % ask.id).status_code == 404
    finance_head = signed_in(client, company.finance_head)
    assert "Mark as helped" in finance_head.get("/reports/%d" % ask.report_id).get_data(as_text=True)
    assert finance_head.post("/reports/help/%d/given" % ask.id).status_code == 303
    assert ReportHelp.get().given_by_id == company.finance_head.id
    assert finance_head.post("/reports/help/%d/given" % ask.id).status_code == 403


def _csv_rows(answer):
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))


def test_the_export_has_a_row_per_report_the_reader_may_read_and_a_column_per_section(client, company, plan):
    _handed_in(plan, company.seller, [(company.finance, None, "Rebate numbers")])
    last_week = plan.current_period().previous()
    earlier = Report.start(company.other_seller, plan, last_week)
    earlier.submit(company.other_seller, earlier.version, ["", "Visit Suzhou", "", "=1+1"], [])
    Report.start(company.head, plan, plan.current_period())  # the head's own draft: theirs to read
    head = signed_in(client, company.head)
    page = head.get("/reports/departments/%d" % company.sales.id).get_data(as_text=True)
    assert "/reports/departments/%d/export?" % company.sales.id in page
    path = "/reports/departments/%d/export?period=2026-05-11&format=csv" % company.sales.id
    header, *rows = _csv_rows(head.get(path))
    assert header == ["Period starting", "Author", "State", "Handed in", "Late", "Done this week",
                      "Plan for next week", "Needs coordination", "Risks", "Need help from"]
    assert [row[:3] + row[5:] for row in rows] == [
        ["2026-05-11", "Chen Chen", "Handed in", "Done", "", "", "", "Finance: Rebate numbers"],
        ["2026-05-11", "Li Na", "Draft", "", "", "", "", ""]]
    month = _csv_rows(head.get(path + "&span=month"))[1:]
    assert [row[1] for row in month] == ["Wang Fang", "Chen Chen", "Li Na"] and month[0][8] == "'=1+1"
    workbook = head.get("/reports/departments/%d/export?span=month" % company.sales.id)
    assert workbook.status_code == 200 and "reports-%d-2026-05.xlsx" % company.sales.id in workbook.headers[
        "Content-Disposition"]
    assert signed_in(client, company.seller).get(path).status_code == 403
    coordinator_rows = _csv_rows(signed_in(client, company.coordinator).get(path))[1:]
    assert [row[1] for row in coordinator_rows] == ["Chen Chen"], "a draft is its author's alone"


def test_search_finds_a_report_by_what_it_says_only_for_who_may_read_it(client, company, plan):
    report = _handed_in(plan, company.seller, [(None, company.accountant, "经销商返利数据")])
    draft = Report.start(company.other_seller, plan, plan.current_period())
    draft.save_draft(company.other_seller, draft.version, ["", "拜访苏州经销商", "", ""], [])
    for reader in (company.head, company.coordinator, company.accountant, company.seller):
        page = signed_in(client, reader).get("/search?q=返利").get_data(as_text=True)
        assert "/reports/%d" % report.id in page, reader.name
        assert "Chen Chen · 周报 Weekly report · 2026-05-11" in re.sub(r"</?mark>", "", page)
    for stranger in (company.other_seller, company.finance_head):
        page = signed_in(client, stranger).get("/search?q=返利").get_data(as_text=True)
        assert "Nothing you can see matches" in page, stranger.name
    assert "/reports/%d" % draft.id in signed_in(client, company.other_seller).get(
        "/search?q=苏州经销商").get_data(as_text=True)
    assert "/reports/%d" % draft.id not in signed_in(client, company.head).get("/search?q=苏州经销商").get_data(
        as_text=True)


def test_on_friday_afternoon_the_start_page_brings_up_the_report_due_and_who_still_owes_one(client, company, plan):
    with time_machine.travel("2026-05-13 15:00 +0800", tick=False):  # Wednesday: not yet
        assert 'id="report-due"' not in signed_in(client, company.seller).get("/").get_data(as_text=True)
    _handed_in(plan, company.other_seller)
    seller = signed_in(client, company.seller)
    page = seller.get("/").get_data(as_text=True)
    assert 'id="report-due"' in page and "/reports/" in page and 'id="reports-missing"' not in page
    draft = Report.start(company.seller, plan, plan.current_period())
    assert "/reports/%d/edit" % draft.id in seller.get("/").get_data(as_text=True)
    assert 'id="report-due"' not in signed_in(client, company.other_seller).get("/").get_data(as_text=True)
    head = signed_in(client, company.head)
    page = head.get("/").get_data(as_text=True)
    missing = page[page.index('id="reports-missing"'):page.index("</li>", page.index('id="reports-missing"'))]
    assert "2 people still owe their report" in missing and "Chen Chen, Li Na" in missing
    assert "Remind all 2" in missing and "Wang Fang" not in missing
    tapped = head.post("/reports/departments/%d/remind" % company.sales.id, data={"period": "2026-05-11"})
    assert tapped.status_code == 303 and tapped.headers["Location"].startswith(
        "/reports/departments/%d" % company.sales.id)
    assert "All reminded today." in head.get("/").get_data(as_text=True)
    with time_machine.travel("2026-05-15 19:00 +0800", tick=False):
        assert "overdue since" in seller.get("/").get_data(as_text=True)
