"""Reports at the service level: due dates on the company calendar, the pre-fill, drafts, handing in
(late is marked late), asks for help, reminders, the missing list and the roll-up."""
import datetime

import pytest
import time_machine

from portal.audit import AuditEntry
from portal.calendar import ClosedDay, WorkingDay
from portal.db import Invalid, Stale, utcnow
from portal.meetings.models import MeetingSeries
from portal.notifications.models import Notification
from portal.projects.models import Project, Target
from portal.reports.models import Report, ReportHelp
from portal.reports.plans import Period, ReportPlan
from portal.tasks.models import Task
from tests.reports.conftest import FRIDAY, MONDAY


def _weekly(**kw):
    return ReportPlan(cadence="weekly", due_weekday=kw.get("weekday", 4), due_time=datetime.time(18, 0))


@pytest.mark.parametrize("monday, weekday, due", [
    ("2026-05-11", 4, "2026-05-15 10:00"),  # an ordinary week: Friday 18:00 in Shanghai
    ("2026-04-27", 4, "2026-04-30 10:00"),  # Labour Day on Friday: Thursday
    ("2026-09-28", 4, "2026-09-30 10:00"),  # National Day from Thursday: Wednesday
    ("2026-10-05", 0, "2026-10-08 10:00"),  # due Monday, closed until Wednesday: the first working day after
    ("2026-10-05", 5, "2026-10-10 10:00"),  # due Saturday, a make-up working day (调休): Saturday itself
    ("2026-02-16", 4, None),  # Spring Festival closes the whole week: nothing is due
])
def test_a_weekly_report_is_due_on_the_last_working_day_up_to_its_weekday(app, monday, weekday, due):
    period = Period("weekly", datetime.date.fromisoformat(monday))
    expected = datetime.datetime.fromisoformat(due) if due else None
    assert _weekly(weekday=weekday).due_at(period) == expected


def test_a_day_the_company_closes_moves_the_due_day_and_a_closed_day_has_no_daily_report(app, company):
    ClosedDay.add(company.admin, FRIDAY, "Company trip")
    assert _weekly().due_at(Period("weekly", MONDAY)) == datetime.datetime(2026, 5, 14, 10, 0)
    daily = ReportPlan(cadence="daily", due_time=datetime.time(18, 0))
    assert daily.due_at(Period("daily", FRIDAY)) is None
    assert daily.due_at(Period("daily", datetime.date(2026, 10, 1))) is None
    assert daily.due_at(Period("daily", datetime.date(2026, 10, 10))) == datetime.datetime(2026, 10, 10, 10, 0)


def test_a_working_day_the_company_adds_to_a_closed_week_is_the_day_its_report_is_due(app, company):
    spring_festival = Period("weekly", datetime.date(2026, 2, 16))
    WorkingDay.add(company.admin, datetime.date(2026, 2, 21), "调休上班")
    assert _weekly().due_at(spring_festival) == datetime.datetime(2026, 2, 21, 10, 0)


def test_no_report_can_be_started_for_a_week_the_calendar_closes(company, plan):
    with time_machine.travel("2026-02-18 10:00 +0800", tick=False):
        period = plan.current_period()
        assert period.start == datetime.date(2026, 2, 16)
        with pytest.raises(Invalid, match="company is closed"):
            Report.start(company.seller, plan, period)


def test_the_draft_opens_with_what_the_writer_did_that_week_and_nothing_else(company, plan, file_request):
    seller = company.seller
    with time_machine.travel("2026-05-08 16:00 +0800", tick=False):  # the week before: not in this report
        earlier = Task.open(seller, "Last week's quote", seller)
        earlier.move(seller, earlier.version, "done")
    with time_machine.travel("2026-05-12 11:00 +0800", tick=False):
        quote = Task.open(company.head, "Send the X200 quote", seller)
        quote.move(seller, quote.version, "done")
        Task.open(seller, "Still open", seller)
        other = Task.open(company.other_seller, "Someone else's", company.other_seller)
        other.move(company.other_seller, other.version, "done")
        secret = Project.start(None, name="Secret pricing", goal="", coordinator=company.head,
                               departments=[company.sales], start_date=MONDAY, end_date=FRIDAY + datetime.timedelta(90),
                               status="active", visibility="participants")
        hidden = Task.open(seller, "Price list B", seller, project=secret)
        hidden.move(seller, hidden.version, "done")
        target = Target.define(None, None, title="Dealers signed", unit="家", baseline="0", target_value="40",
                               direction="raise", start_date=MONDAY, due_date=FRIDAY + datetime.timedelta(90),
                               department=company.sales, owner=seller, weight=1)
        target.check_in(seller, "12")
    with time_machine.travel("2026-05-13 09:00 +0800", tick=False):
        request = file_request(company.accountant, "Trade fair budget")
    with time_machine.travel("2026-05-13 15:00 +0800", tick=False):
        request.decide(company.finance_head, request.active_step().id, "approve")
        series, meeting = MeetingSeries.plan(
            company.coordinator, departments=[company.sales], people=[], day=datetime.date(2026, 5, 14),
            start_time=datetime.time(9), timezone="Asia/Shanghai", recurring=False, title="Sales weekly",
            coordinator=company.coordinator, duration_minutes=60, location="", video_link="", reminder_minutes=0)
        meeting.assign_action(company.coordinator, "Call the Suzhou dealer", seller, FRIDAY)
        meeting.close(company.coordinator, [company.coordinator], confirmed=True)  # minutes kept before it began
    with time_machine.travel("2026-05-15 10:00 +0800", tick=False):
        action_task = Task.get(Task.title == "Call the Suzhou dealer")
        action_task.move(seller, action_task.version, "done")
        report = Report.start(seller, plan, plan.current_period())
        decided = Report.start(company.finance_head, ReportPlan.configure(
            company.admin, company.finance, active=True, cadence="weekly", due_weekday=4,
            due_time=datetime.time(18), sections=[]), Period("weekly", MONDAY))
    (done, *rest) = report.section_items()
    assert done == ("Done this week", "\n".join([
        "- Finished #%d Send the X200 quote" % quote.id,
        "- Closed the action item “Call the Suzhou dealer”",
        "- Checked in “Dealers signed”: 12 家",
        "- 1 more on projects open only to their participants (not named here)"]))
    assert [title for title, _ in rest] == ["Plan for next week", "Needs coordination", "Risks"]
    assert not any(text for _, text in rest)
    assert decided.section_items()[0][1] == "- Decided request #%d “Trade fair budget”: Approved" % request.id
    assert Report.start(seller, plan, plan.period_of(FRIDAY)).id == report.id, "opening it again finds the draft"


@pytest.fixture
def draft(company, plan):
    with time_machine.travel("2026-05-14 10:00 +0800", tick=False):
        return Report.start(company.seller, plan, plan.period_of(MONDAY))


def _texts(report, first="Closed the Suzhou deal"):
    return [first] + [""] * (len(report.section_items()) - 1)


def test_a_draft_is_kept_and_a_copy_saved_from_an_older_version_is_refused(company, draft):
    opened = draft.version
    draft.save_draft(company.seller, opened, _texts(draft, "Closed"), [], copy="phone")
    draft.save_draft(company.seller, opened, _texts(draft, "Closed the Suzhou deal"), [], copy="phone")
    assert Report.get_by_id(draft.id).section_items()[0][1] == "Closed the Suzhou deal"
    for copy in ("laptop", ""):
        with pytest.raises(Stale) as refused:
            draft.save_draft(company.seller, opened, _texts(draft, "from the other tab"), [], copy=copy)
        assert refused.value.current.section_items()[0][1] == "Closed the Suzhou deal"
    assert Report.get_by_id(draft.id).version == opened + 2


def test_a_report_handed_in_after_its_due_time_is_kept_and_marked_late(company, plan, draft):
    with time_machine.travel("2026-05-15 18:30 +0800", tick=False):
        draft.submit(company.seller, draft.version, _texts(draft), [])
    stored = Report.get_by_id(draft.id)
    assert (stored.state, stored.late) == ("submitted", True)
    assert stored.submitted_at == datetime.datetime(2026, 5, 15, 10, 30)
    with pytest.raises(Invalid, match="handed in already"):
        stored.submit(company.seller, stored.version, _texts(stored), [])
    on_time = Report.start(company.other_seller, plan, plan.period_of(MONDAY))
    with time_machine.travel("2026-05-15 17:59 +0800", tick=False):
        on_time.submit(company.other_seller, on_time.version, _texts(on_time), [])
    assert Report.get_by_id(on_time.id).late is False
    assert AuditEntry.select().where(AuditEntry.action == "report.submit").count() == 2


def test_an_empty_report_cannot_be_handed_in(company, draft):
    with pytest.raises(Invalid, match="Write something"):
        draft.submit(company.seller, draft.version, [""] * 4, [])
    assert Report.get_by_id(draft.id).state == "draft"


def test_an_ask_for_help_reaches_the_helper_and_the_next_meeting_they_share(company, plan, draft):
    now = utcnow()
    shared, next_meeting = MeetingSeries.plan(
        company.coordinator, departments=[company.sales, company.finance], people=[],
        day=now.date() + datetime.timedelta(days=3), start_time=datetime.time(10), timezone="Asia/Shanghai",
        recurring=True, title="Alignment weekly", coordinator=company.coordinator, duration_minutes=60,
        location="", video_link="", reminder_minutes=0)
    MeetingSeries.plan(company.coordinator, departments=[company.sales], people=[],
                       day=now.date() + datetime.timedelta(days=1), start_time=datetime.time(10),
                       timezone="Asia/Shanghai", recurring=False, title="Sales only", coordinator=company.coordinator,
                       duration_minutes=60, location="", video_link="", reminder_minutes=0)
    draft.save_draft(company.seller, draft.version, _texts(draft), [
        (company.finance, None, "Numbers for the March rebate"), (None, company.accountant, "Invoice copies")])
    assert Notification.select().where(Notification.event == "report.help").count() == 0, "a draft tells nobody"
    draft.submit(company.seller, draft.version, _texts(draft), [
        (company.finance, None, "Numbers for the March rebate"), (None, company.accountant, "Invoice copies")])
    told = {(n.user_id, n.event) for n in Notification.select()}
    assert (company.finance_head.id, "report.help") in told and (company.accountant.id, "report.help") in told
    topics = [item.title for item in next_meeting.agenda_items if item.section == "other"]
    assert topics == ["Chen Chen → 财务部: Numbers for the March rebate", "Chen Chen → Qian Qi: Invoice copies"]
    assert all(ask.sent_at is not None for ask in ReportHelp.select())


def test_an_ask_needs_someone_and_something(company, draft):
    with pytest.raises(Invalid, match="one department or one person"):
        draft.save_draft(company.seller, draft.version, _texts(draft), [(None, None, "Anything")])
    with pytest.raises(Invalid, match="someone else than yourself"):
        draft.save_draft(company.seller, draft.version, _texts(draft), [(None, company.seller, "Me")])


def test_the_helper_marks_an_ask_as_helped_once(company, draft):
    draft.submit(company.seller, draft.version, _texts(draft), [(company.finance, None, "Rebate numbers")])
    ask = ReportHelp.get()
    ask.give(company.finance_head)
    with pytest.raises(Invalid, match="already"):
        ask.give(company.finance_head)
    assert ReportHelp.get().given_by_id == company.finance_head.id
    assert Notification.select().where((Notification.user == company.seller.id)
                                       & (Notification.event == "report.helped")).count() == 1


def test_the_missing_list_shrinks_as_reports_come_in(company, plan, draft):
    period = plan.period_of(MONDAY)
    missing = lambda: [p.name for p, r in Report.roster(plan, period) if r is None or not r.submitted]  # noqa: E731
    assert missing() == ["Chen Chen", "Li Na", "Wang Fang"]
    draft.submit(company.seller, draft.version, _texts(draft), [])
    assert missing() == ["Li Na", "Wang Fang"]


def test_a_reminder_goes_once_a_day_and_never_at_night_or_on_a_day_off(company, plan):
    period = plan.period_of(MONDAY)
    people = [company.seller, company.other_seller]
    with time_machine.travel("2026-05-15 15:00 +0800", tick=False):
        reminded, quiet, already = plan.remind(company.head, people, period)
        assert (len(reminded), quiet, already) == (2, [], [])
        assert plan.reminded_today(people) == {company.seller.id, company.other_seller.id}
    with time_machine.travel("2026-05-15 17:00 +0800", tick=False):
        assert plan.remind(company.head, people, period) == ([], [], people)
    with time_machine.travel("2026-05-15 22:00 +0800", tick=False):
        assert plan.remind(company.head, people, period) == ([], people, [])
    with time_machine.travel("2026-05-16 10:00 +0800", tick=False):  # Saturday
        assert plan.remind(company.head, people, period) == ([], people, [])
    with time_machine.travel("2026-05-18 10:00 +0800", tick=False):  # late on Monday: reminded again
        assert len(plan.remind(company.head, people, period)[0]) == 2
    assert Notification.select().where(Notification.event == "report.reminder").count() == 4
    assert AuditEntry.select().where(AuditEntry.action == "report.remind").count() == 2
    with pytest.raises(Invalid, match="company is closed"):
        plan.remind(company.head, people, Period("weekly", datetime.date(2026, 2, 16)))


def test_the_roll_up_gathers_each_section_from_everyone_who_handed_in(company, plan, draft):
    draft.submit(company.seller, draft.version, ["Deal A", "Plan A", "", ""], [])
    other = Report.start(company.other_seller, plan, plan.period_of(MONDAY))
    other.submit(company.other_seller, other.version, ["Deal B", "", "", "Risk B"], [])
    reports = Report.handed_in(company.sales, plan.period_of(MONDAY))
    rolled = [(title, [(r.author.name, text) for r, text in entries]) for title, entries in Report.by_section(reports)]
    assert rolled == [("Done this week", [("Chen Chen", "Deal A"), ("Wang Fang", "Deal B")]),
                      ("Plan for next week", [("Chen Chen", "Plan A")]), ("Needs coordination", []),
                      ("Risks", [("Wang Fang", "Risk B")])]


def test_the_company_view_counts_each_departments_current_period(company, plan):
    finance = ReportPlan.configure(company.admin, company.finance, active=True, cadence="daily", due_weekday=4,
                                   due_time=datetime.time(17, 30), sections=[])
    with time_machine.travel("2026-05-15 19:00 +0800", tick=False):
        for person in (company.seller, company.other_seller):
            report = Report.start(person, plan, plan.current_period())
            report.submit(person, report.version, _texts(report), [])
        today = Report.start(company.accountant, finance, finance.current_period())
        today.submit(company.accountant, today.version, _texts(today), [])
        summary = {row["plan"].department_id: row for row in Report.company_summary([plan, finance])}
    assert (summary[company.sales.id]["members"], summary[company.sales.id]["handed_in"],
            summary[company.sales.id]["late"]) == (3, 2, 2)
    assert (summary[company.finance.id]["members"], summary[company.finance.id]["handed_in"],
            summary[company.finance.id]["period"].start) == (2, 1, FRIDAY)


def test_the_digest_reminds_the_writer_and_tells_the_head_who_missed_last_week(company, plan, draft):
    with time_machine.travel("2026-05-18 09:00 +0800", tick=False):
        for_seller = Report.digest_for(company.seller)
        for_head = Report.digest_for(company.head)
    assert for_seller[0]["text"].startswith("Your Weekly report (周报) for Week 21")
    assert for_head[-1]["text"] == ("Not handed in for Week 20 of 2026 (May 11 – May 17): "
                                    "Chen Chen, Li Na, Wang Fang")
