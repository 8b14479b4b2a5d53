"""The collaboration scorecard on a hand-built company in May 2026, every figure's number written out;
then who sees which figures over HTTP."""
import csv
import datetime
import io
import re
from types import SimpleNamespace

import pytest
import time_machine

from portal.meetings.models import MeetingSeries
from portal.projects.models import Project, Target
from portal.reports.models import Report, ReportHelp
from portal.reports.plans import Period as Week
from portal.reports.plans import ReportPlan
from portal.scorecard.figures import FIGURES, Period, Scorecard
from portal.sheets import XLSX
from portal.tasks.models import Task
from tests.reports.conftest import signed_in

MAY = Period.parse("2026-05", datetime.date(2026, 5, 1))


def at(moment):
    """Travel to a wall-clock time in Shanghai."""
    return time_machine.travel(moment + " +0800", tick=False)


@pytest.fixture
def company(make_department, make_user):
    sales, rnd, finance = (make_department("销售部", "Sales"), make_department("研发部", "R&D"),
                           make_department("财务部", "Finance"))
    people = SimpleNamespace(sales=sales, rnd=rnd, finance=finance)
    people.sales_head = make_user(department=sales, head_of=True, name="Li Na")
    people.seller = make_user(department=sales, name="Chen Chen")
    people.rnd_head = make_user(department=rnd, head_of=True, name="Zhang Wei")
    people.developer = make_user(department=rnd, name="Zhou Jie")
    people.finance_head = make_user(department=finance, head_of=True, name="Wang Fang")
    people.coordinator = make_user(department=False, role="coordinator", name="Cora Coordinator")
    people.admin = make_user(department=False, role="admin", name="Ada Admin")
    return people


def _read(period):
    """The whole scorecard, after checking that the card one figure's item list reads for itself
    (only the records behind that figure) holds the same items, hours and weeks for it."""
    card = Scorecard(period)
    for figure in FIGURES:
        alone = Scorecard(period, figure)
        for whole, part in [(card.company, alone.company),
                            *((card.by_department[k], alone.department(k)) for k in list(card.by_department)),
                            *((card.by_person[k], alone.person(k)) for k in list(card.by_person))]:
            assert part.items[figure] == whole.items[figure], figure
            assert figure != "decisions" or part.hours == whole.hours
            assert figure != "checkins" or part.weeks == whole.weeks
        assert figure != "decisions" or alone.decision_hours == card.decision_hours
        assert figure != "checkins" or alone.target_weeks == card.target_weeks
    return card


def _done(by, title, owner, asked_by, due, when, **kw):
    with at(when):
        task = Task.open(by, title, owner, requesting_department=asked_by, due_date=due, **kw)
        return task.move(owner, task.version, "done")


@pytest.fixture
def cross_work(company):
    c = company
    may = datetime.date
    return {
        "on_time": _done(c.seller, "Quote tool fix", c.developer, c.sales, may(2026, 5, 10), "2026-05-08 11:00"),
        "late": _done(c.seller, "Demo unit", c.developer, c.sales, may(2026, 5, 12), "2026-05-14 11:00"),
        "own": _done(c.rnd_head, "R&D's own work", c.developer, c.rnd, None, "2026-05-09 11:00"),
        "no_due": _done(c.finance_head, "Customer list", c.seller, c.finance, None, "2026-05-20 11:00"),
        "april": _done(c.seller, "April's work", c.developer, c.sales, None, "2026-04-30 23:59"),
        "first_minute": _done(c.seller, "Midnight work", c.developer, c.sales, None, "2026-05-01 00:00"),
    }


def test_work_for_other_departments_is_counted_for_the_doer_on_time_or_late(company, cross_work):
    card = _read(MAY)
    rnd, sales = card.department(company.rnd.id), card.department(company.sales.id)
    assert rnd.items["cross_on_time"] == [cross_work["first_minute"].id, cross_work["on_time"].id]
    assert rnd.items["cross_late"] == [cross_work["late"].id]
    assert sales.items["cross_on_time"] == [cross_work["no_due"].id] and sales.items["cross_late"] == []
    assert card.person(company.developer.id).cross_done == 3
    assert (card.company.count("cross_on_time"), card.company.count("cross_late")) == (3, 1)


@pytest.fixture
def expense_type(company):
    from portal.requests.types import RequestType
    from tests.requests.conftest import step
    request_type = RequestType.add(company.admin, name="报销", name_en="Expense", description="",
                                   provider=company.finance, allocation_step=False, allocation_hours=None)
    request_type.add_field(company.admin, label="人天", label_en="People-days", kind="number", required=True,
                           min_value=1, max_value=200, measure="people_days")
    request_type.add_step(company.admin, **step(name="财务审批", approvers=[{"kind": "provider_head"}]))
    request_type.publish(company.admin)
    return RequestType.get_by_id(request_type.id)


def _decided(company, expense_type, filed, decided):
    from portal.requests.models import ResourceRequest
    version = expense_type.latest_version()
    with at(filed):
        request = ResourceRequest.file(company.seller, version, "Trade fair", {version.fields[0].key: "2"})
    with at(decided):
        return request.decide(company.finance_head, request.active_step().id, "approve")


def test_requests_provided_and_decision_times_count_office_hours_only(company, expense_type):
    # Office hours are 09:00-12:00, 13:00-18:00: Tuesday 09:00 to 15:00 holds 3 + 2 hours.
    _decided(company, expense_type, "2026-05-12 09:00", "2026-05-12 15:00")
    # Friday 17:00 to Monday 09:00: Friday's last hour; the weekend and Monday before 09:00 not at all.
    _decided(company, expense_type, "2026-05-15 17:00", "2026-05-18 09:00")
    card = _read(MAY)
    finance = card.department(company.finance.id)
    assert finance.count("provided") == 2 and finance.count("decisions") == 2
    assert finance.hours == [5.0, 1.0] and finance.average_hours == 3.0
    assert card.person(company.finance_head.id).average_hours == 3.0
    assert card.department(company.sales.id).count("provided") == 0


def test_decision_times_follow_the_company_office_hours_across_holidays_and_a_make_up_saturday(
        company, expense_type):
    from portal.calendar import CompanyCalendar
    CompanyCalendar.current().update_settings(company.admin, office_hours="08:00-12:00, 14:00-17:00")
    # Thursday 30 April 16:00 to Saturday 9 May 10:00: the Thursday's last hour, Labour Day and its
    # bridge (1–5 May) not at all, Wednesday to Friday whole (7 hours each), and the make-up
    # Saturday (调休) from 08:00 to 10:00.
    _decided(company, expense_type, "2026-04-30 16:00", "2026-05-09 10:00")
    card = _read(MAY)
    assert card.department(company.finance.id).hours == [1 + 3 * 7 + 2]
    assert list(card.decision_hours.values()) == [24.0]


def test_action_items_closed_on_time_settled_or_done_as_tasks(company):
    with at("2026-05-01 09:00"):
        series, meeting = MeetingSeries.plan(
            company.coordinator, departments=[company.sales, company.rnd], people=[], day=datetime.date(2026, 5, 4),
            start_time=datetime.time(10), timezone="Asia/Shanghai", recurring=False, title="Alignment",
            coordinator=company.coordinator, duration_minutes=60, location="", video_link="", reminder_minutes=0)
    with at("2026-05-04 10:30"):
        settled = meeting.assign_action(company.coordinator, "Price list", company.seller,
                                        datetime.date(2026, 5, 10))
        as_task = meeting.assign_action(company.coordinator, "Call dealer", company.seller, datetime.date(2026, 5, 5))
        cancelled = meeting.assign_action(company.coordinator, "Old idea", company.developer,
                                          datetime.date(2026, 5, 20))
    with at("2026-05-04 11:00"):
        settled.settle(company.seller, "done")
        cancelled.settle(company.developer, "cancelled")
        meeting.close(company.coordinator, [company.coordinator])
    with at("2026-05-07 16:00"):
        task = Task.get(Task.title == "Call dealer")
        task.move(company.seller, task.version, "done")
    card = _read(MAY)
    seller = card.person(company.seller.id)
    assert seller.items["actions_closed"] == [settled.id, as_task.id]
    assert seller.items["actions_on_time"] == [settled.id]
    assert card.department(company.rnd.id).count("actions_closed") == 0


def test_check_in_regularity_counts_weeks_with_a_working_day_on_shared_targets(company):
    shared = Project.start(None, name="X200", goal="", coordinator=company.coordinator,
                           departments=[company.sales, company.rnd], start_date=datetime.date(2026, 4, 1),
                           end_date=datetime.date(2026, 6, 30), status="active", visibility="company")
    alone = Project.start(None, name="Sales only", goal="", coordinator=company.coordinator,
                          departments=[company.sales], start_date=datetime.date(2026, 4, 1),
                          end_date=datetime.date(2026, 6, 30), status="active", visibility="company")
    values = dict(unit="", baseline="0", target_value="40", direction="raise", start_date=datetime.date(2026, 4, 1),
                  due_date=datetime.date(2026, 6, 30), department=company.sales, owner=company.seller, weight=1)
    dealers = Target.define(None, shared, title="Dealers", **values)
    Target.define(None, alone, title="Not shared", **values)
    for day in ("2026-05-07", "2026-05-13", "2026-05-14", "2026-05-28"):
        with at(day + " 10:00"):
            dealers.check_in(company.seller, "5")
    card = _read(MAY)
    # May's weeks with a working day: 4–10 (from Wednesday 6th), 11–17, 18–24, 25–31; the days 1–3 are
    # Labour Day. Check-ins came in three of them.
    assert card.target_weeks == {dealers.id: (3, 4)}
    assert card.department(company.sales.id).regularity == 75
    assert card.person(company.seller.id).items["checkins"] == [dealers.id]


def test_help_asked_and_given_through_reports(company):
    plan = ReportPlan.configure(company.admin, company.sales, active=True, cadence="weekly", due_weekday=4,
                                due_time=datetime.time(18), sections=[])
    with at("2026-05-15 16:00"):
        report = Report.start(company.seller, plan, Week("weekly", datetime.date(2026, 5, 11)))
        report.submit(company.seller, report.version, ["Done"] + [""] * 3,
                      [(company.finance, None, "Rebate numbers"), (None, company.developer, "Demo unit")])
    by_finance, by_developer = ReportHelp.select().order_by(ReportHelp.id)
    with at("2026-05-18 10:00"):
        by_finance.give(company.finance_head)
    with at("2026-06-01 10:00"):  # June: not May's help
        by_developer.give(company.developer)
    card = _read(MAY)
    assert card.person(company.seller.id).items["help_asked"] == [by_finance.id, by_developer.id]
    assert card.department(company.sales.id).count("help_asked") == 2
    assert card.department(company.finance.id).items["help_given"] == [by_finance.id]
    assert card.department(company.rnd.id).count("help_given") == 0


def test_a_period_is_a_month_or_a_quarter_and_nonsense_means_this_month():
    today = datetime.date(2026, 5, 20)
    assert (MAY.first, MAY.after) == (datetime.date(2026, 5, 1), datetime.date(2026, 6, 1))
    quarter = Period.parse("2026-q4", today)
    assert (quarter.key, quarter.first, quarter.after) == ("2026-Q4", datetime.date(2026, 10, 1),
                                                           datetime.date(2027, 1, 1))
    assert Period.parse("2026-13", today).key == Period.parse("../../etc", today).key == "2026-05"
    assert (MAY.previous().key, MAY.following().key, MAY.quarter().key) == ("2026-04", "2026-06", "2026-Q2")
    assert (quarter.following().key, Period.parse("2026-Q1", today).previous().key) == ("2027-Q1", "2025-Q4")


# -- who sees which figures ----------------------------------------------------------------------

def _cards(page):
    return re.findall(r'<section class="card figures" id="([\w-]+)">', page)


def test_a_member_sees_their_own_figures_only(client, company, cross_work):
    member = signed_in(client, company.developer)
    page = member.get("/scorecard/?period=2026-05").get_data(as_text=True)
    assert _cards(page) == ["mine"]
    assert member.get("/scorecard/?department=%d" % company.rnd.id).status_code == 403
    assert member.get("/scorecard/items?figure=cross_late&person=%d" % company.developer.id).status_code == 200
    assert member.get("/scorecard/items?figure=cross_late&person=%d" % company.seller.id).status_code == 403
    assert member.get("/scorecard/items?figure=cross_late").status_code == 403


def test_a_head_sees_their_department_its_people_and_the_company_totals(client, company, cross_work):
    head = signed_in(client, company.rnd_head)
    page = head.get("/scorecard/?period=2026-05").get_data(as_text=True)
    assert _cards(page) == ["company", "department-%d" % company.rnd.id, "person-%d" % company.rnd_head.id,
                            "person-%d" % company.developer.id]
    assert '<svg class="bars"' in page and "Zhou Jie: 2 on time, 1 late" in page
    assert head.get("/scorecard/?department=%d" % company.sales.id).status_code == 403
    assert head.get("/scorecard/items?figure=cross_on_time&person=%d" % company.seller.id).status_code == 403


def test_coordinators_compare_departments_and_admins_see_everyone(client, company, cross_work):
    coordinator = signed_in(client, company.coordinator)
    page = coordinator.get("/scorecard/?period=2026-05").get_data(as_text=True)
    assert _cards(page) == ["company"] + ["department-%d" % d.id for d in (company.rnd, company.finance,
                                                                             company.sales)] + ["mine"]
    assert "R&amp;D: 2 on time, 1 late" in page
    assert coordinator.get("/scorecard/items?figure=cross_late&person=%d" % company.developer.id).status_code == 403
    admin = signed_in(client, company.admin)
    page = admin.get("/scorecard/?period=2026-05&department=%d" % company.rnd.id).get_data(as_text=True)
    assert "person-%d" % company.developer.id in _cards(page)
    items = admin.get("/scorecard/items?figure=cross_on_time&period=2026-05&person=%d" % company.developer.id)
    assert "Quote tool fix" in items.get_data(as_text=True) and "Midnight work" in items.get_data(as_text=True)


def _csv_rows(answer):
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))


def test_the_export_holds_the_rows_the_page_shows_each_reader_and_no_more(client, company, cross_work):
    head = signed_in(client, company.rnd_head)
    header, *rows = _csv_rows(head.get("/scorecard/export?period=2026-05&format=csv"))
    assert header[:4] == ["Name", "Kind", "Work done for other departments, on time",
                          "Work done for other departments, late"]
    assert [row[:5] for row in rows] == [["The whole company", "Company", "3", "1", "0"],
                                         ["R&D", "Department", "2", "1", "0"],
                                         ["Zhang Wei", "Person", "0", "0", ""],
                                         ["Zhou Jie", "Person", "2", "1", ""]]
    member = signed_in(client, company.seller)
    assert [row[:4] for row in _csv_rows(member.get("/scorecard/export?period=2026-05&format=csv"))[1:]] == [
        ["Chen Chen", "Person", "1", "0"]]
    assert member.get("/scorecard/export?department=%d" % company.rnd.id).status_code == 403
    coordinator = signed_in(client, company.coordinator)
    workbook = coordinator.get("/scorecard/export?period=2026-Q2")
    assert workbook.status_code == 200 and workbook.mimetype == XLSX
    assert "scorecard-2026-Q2.xlsx" in workbook.headers["Content-Disposition"]


def test_the_items_behind_a_figure_never_name_what_the_reader_may_not_see(client, company):
    secret = Project.start(None, name="Secret chip", goal="", coordinator=company.rnd_head, departments=[company.rnd],
                           start_date=datetime.date(2026, 4, 1), end_date=datetime.date(2026, 12, 31),
                           status="active", visibility="participants")
    _done(company.seller, "Hidden prototype", company.developer, company.sales, None, "2026-05-06 10:00",
          project=secret)
    head = signed_in(client, company.sales_head)
    page = head.get("/scorecard/items?figure=cross_on_time&period=2026-05").get_data(as_text=True)
    assert "Hidden prototype" not in page and "1 more that you may not see." in page
    assert "1 item" in page
    rnd_head = signed_in(client, company.rnd_head)
    assert "Hidden prototype" in rnd_head.get("/scorecard/items?figure=cross_on_time&period=2026-05").get_data(
        as_text=True)


@pytest.mark.parametrize("query", ["figure=cross_late&person=abc",
                                   "figure=cross_late&department=99999999999999999999999"])
def test_an_address_naming_no_one_is_not_found(client, company, query):
    assert signed_in(client, company.admin).get("/scorecard/items?" + query).status_code == 404


@pytest.mark.parametrize("query", ["", "figure=nothing", "figure=nothing&department=%d"])
def test_an_unknown_figure_is_a_bad_request(client, company, query):
    admin = signed_in(client, company.admin)
    assert admin.get("/scorecard/items?" + query.replace("%d", str(company.rnd.id))).status_code == 400
