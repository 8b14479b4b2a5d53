"""Report pages: mine, writing one (kept as a draft while typed), reading and commenting, a
department's missing list and roll-up, its plan, and the company view."""
import datetime

import json

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import sheets
from portal.accounts.models import Department
from portal.db import Invalid, Stale
from portal.i18n import current_language
from portal.pagecache import kept
from portal.pagination import paginate
from portal.permissions import authorize, authorized
from portal.render import render
from portal.reports.forms import CommentForm, PlanForm, ReportForm
from portal.reports.models import Report, ReportHelp
from portal.reports.plans import ReportPlan, company_today

reports = Blueprint("reports", __name__, url_prefix="/reports")
PAGE_SIZE = 20


def _period(plan, text):
    """The period `text` names (any day inside it), else the current one. Years far from now are
    refused: a week near the ends of the calendar cannot be laid out in UTC."""
    try:
        day = datetime.date.fromisoformat(text or "")
    except ValueError:
        return plan.current_period()
    if not 2000 <= day.year <= 2999:
        return plan.current_period()
    return plan.period_of(day)


@reports.route("/")
def index():
    plan = ReportPlan.of(current_user.department_id)
    current = due = mine = None
    if plan is not None and plan.active:
        current = plan.current_period()
        due = plan.due_at(current)
        mine = Report.get_or_none((Report.author == current_user.id) & (Report.cadence == plan.cadence)
                                  & (Report.period_start == current.start))
    return render("reports/index.html", plan=plan, current=current, due=due, mine=mine,
                  earlier=paginate(Report.mine(current_user), PAGE_SIZE))


@reports.route("/", methods=["POST"])
def start():
    plan = ReportPlan.of(current_user.department_id)
    if plan is None or not plan.active:
        flash(_("Your department does not hand in reports."), "error")
        return redirect(url_for("reports.index"), 303)
    try:
        report = Report.start(current_user, plan, _period(plan, request.form.get("period")))
    except Invalid as invalid:
        flash(invalid.message, "error")
        return redirect(url_for("reports.index"), 303)
    return redirect(url_for("reports.edit", report_id=report.id), 303)


@reports.route("/<int:report_id>")
def show(report_id):
    report = authorized(Report, report_id)
    return _report_page(report, CommentForm(formdata=None))


def _report_page(report, form):
    asks = ReportHelp.of_reports([report.id]).get(report.id, [])
    return render("reports/show.html", "reports/_comments.html", report=report, asks=asks,
                  comments=list(report.comments()), form=form)


@reports.route("/<int:report_id>/edit")
@kept
def edit(report_id):
    report = authorized(Report, report_id, "write")
    return render("reports/form.html", report=report, form=ReportForm(formdata=None, report=report))


@reports.route("/<int:report_id>/edit", methods=["POST"])
def update(report_id):
    report = authorized(Report, report_id, "write")
    form = ReportForm(report=report)
    handing_in = "submit" in request.form
    if form.validate_on_submit():
        texts, asks = form.values()
        try:
            if handing_in:
                report.submit(current_user, form.version_number, texts, asks, copy=form.copy_token)
            else:
                report.save_draft(current_user, form.version_number, texts, asks, copy=form.copy_token)
        except Stale as stale:
            flash(stale.message, "error")
            return render("reports/form.html", report=stale.current, typed=form,
                          form=ReportForm(formdata=None, report=stale.current), status=409)
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            if handing_in:
                flash(_("Report handed in, late.") if report.late else _("Report handed in."), "success")
                return redirect(url_for("reports.show", report_id=report.id), 303)
            flash(_("Draft saved."), "success")
            return redirect(url_for("reports.edit", report_id=report.id), 303)
    return render("reports/form.html", report=report, form=form)


@reports.route("/<int:report_id>/draft", methods=["POST"])
def autosave(report_id):
    """What the form sends as it is typed: the draft is kept on the server, so a lost phone session
    loses nothing. Answers with the status line: kept, or why not."""
    report = authorized(Report, report_id, "write")
    form = ReportForm(report=report)
    if form.validate_on_submit():
        texts, asks = form.values()
        try:
            report.save_draft(current_user, form.version_number, texts, asks, copy=form.copy_token)
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            return redirect(url_for("reports.draft_status", report_id=report.id), 303)
    problems = form.form_errors + [str(error) for errors in form.errors.values() for error in _flat(errors)]
    return render("reports/_draft_status.html", report=report, saved=False, problems=problems, status=409)


@reports.route("/<int:report_id>/draft")
def draft_status(report_id):
    report = authorized(Report, report_id, "write")
    return render("reports/_draft_status.html", report=report, saved=True, problems=[])


def _flat(errors):
    """Field errors as strings, however deeply a list of subforms nests them."""
    if isinstance(errors, dict):
        return [error for value in errors.values() for error in _flat(value)]
    if isinstance(errors, list):
        return [error for value in errors for error in _flat(value)]
    return [errors]


@reports.route("/<int:report_id>/comments", methods=["POST"])
def comment(report_id):
    report = authorized(Report, report_id, "comment")
    form = CommentForm()
    if form.validate_on_submit():
        try:
            report.comment(current_user, form.body.data)
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            return redirect(url_for("reports.show", report_id=report.id, _anchor="comments"), 303)
    return _report_page(report, form)


@reports.route("/help/<int:ask_id>/given", methods=["POST"])
def give(ask_id):
    ask = authorized(ReportHelp, ask_id, "give")
    ask.give(current_user)
    flash(_("Marked as helped: %(name)s hears of it.", name=ask.report.author.name), "success")
    return redirect(url_for("reports.show", report_id=ask.report_id), 303)


# -- a department: who has handed in, the roll-up, the plan --------------------------------------

@reports.route("/departments/<int:department_id>")
@kept
def department(department_id):
    department = authorized(Department, department_id, "follow_reports")
    plan = ReportPlan.of(department.id)
    if plan is None:
        return render("reports/department.html", department=department, plan=None)
    return _department_page(department, plan, _period(plan, request.args.get("period")))


def _department_page(department, plan, period):
    roster = Report.roster(plan, period)
    handed_in = Report.handed_in(department, period)
    return render("reports/department.html", "reports/_roster.html", department=department,
                  plan=plan, period=period, due=plan.due_at(period), roster=roster,
                  missing=[person for person, report in roster if report is None or not report.submitted],
                  reminded=plan.reminded_today([person for person, _ in roster]),
                  sections=Report.by_section(handed_in), asks=[ask for r in handed_in for ask in r.asks])


@reports.route("/departments/<int:department_id>/export")
def export(department_id):
    """The department's reports of a period, or of the month it starts in (`span=month`), one row per
    report the reader may read, a column per section."""
    department = authorized(Department, department_id, "follow_reports")
    plan = ReportPlan.of(department.id)
    period = _period(plan, request.args.get("period")) if plan else None
    first = last = period.start if period else company_today()
    if request.args.get("span") == "month":
        first = first.replace(day=1)
        last = (first + datetime.timedelta(days=31)).replace(day=1) - datetime.timedelta(days=1)
    rows = Report.of_department(current_user, department, first, last)
    return sheets.response([_reports_sheet(department, rows)],
                           "reports-%d-%s" % (department.id, first.isoformat()[:7] if first != last else first),
                           sheets.wanted_kind(request.args))


def _reports_sheet(department, rows):
    # Sections as the reports were started with them: a plan changed within the span adds columns.
    titles = []
    for report in rows:
        for section in json.loads(report.sections):
            if (section["zh"], section["en"]) not in titles:
                titles.append((section["zh"], section["en"]))
    english = current_language() == "en"
    columns = [sheets.Column(_("Period starting"), "date", 12), sheets.Column(_("Author"), width=16),
               sheets.Column(_("State")), sheets.Column(_("Handed in"), "datetime", 17),
               sheets.Column(_("Late"), width=8),
               *[sheets.Column(en if english else zh, width=40) for zh, en in titles],
               sheets.Column(_("Need help from"), width=40)]

    def row(report):
        texts = {(s["zh"], s["en"]): s["text"] for s in json.loads(report.sections)}
        return [report.period_start, report.author.name, str(report.state_label), sheets.local(report.submitted_at),
                _("late") if report.late else "", *[texts.get(title, "") for title in titles],
                "\n".join("%s: %s" % (ask.whom, ask.what) for ask in report.asks)]
    return sheets.Sheet(department.display_name, columns, (row(report) for report in rows))


@reports.route("/departments/<int:department_id>/remind", methods=["POST"])
def remind(department_id):
    department = authorized(Department, department_id, "remind")
    plan = ReportPlan.of(department.id)
    if plan is None:
        return redirect(url_for("reports.department", department_id=department.id), 303)
    period = _period(plan, request.form.get("period"))
    missing = [person for person, report in Report.roster(plan, period)
               if report is None or not report.submitted]
    person_id = request.form.get("person", "")
    if person_id:
        missing = [person for person in missing if str(person.id) == person_id]
    try:
        reminded, quiet, already = plan.remind(current_user, missing, period)
    except Invalid as invalid:
        flash(invalid.message, "error")
    else:
        flash(_reminded_message(reminded, quiet, already), "success" if reminded else "info")
    return redirect(url_for("reports.department", department_id=department.id, period=period.start.isoformat()),
                    303)


def _reminded_message(reminded, quiet, already):
    parts = []
    if reminded:
        parts.append(_("Reminded: %(names)s.", names=_(", ").join(person.name for person in reminded)))
    if already:
        parts.append(_("Already reminded today: %(names)s.", names=_(", ").join(person.name for person in already)))
    if quiet:
        parts.append(_("Not now, it is night or a day off for %(names)s: try again during working hours.",
                       names=_(", ").join(person.name for person in quiet)))
    return " ".join(parts) or _("Everyone has handed in.")


@reports.route("/departments/<int:department_id>/plan")
def plan(department_id):
    department = authorized(Department, department_id, "plan_reports")
    current = ReportPlan.of(department.id) or ReportPlan.blank(department)
    form = PlanForm(formdata=None, active=current.active if current.id else True, cadence=current.cadence,
                    due_weekday=current.due_weekday, due_time=current.due_time.strftime("%H:%M"),
                    sections=current.section_list)
    return render("reports/plan.html", department=department, plan=current, form=form)


@reports.route("/departments/<int:department_id>/plan", methods=["POST"])
def configure(department_id):
    department = authorized(Department, department_id, "plan_reports")
    form = PlanForm()
    if form.validate_on_submit():
        try:
            ReportPlan.configure(current_user, department, **form.values())
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("reports.department", department_id=department.id), 303)
    return render("reports/plan.html", department=department, plan=ReportPlan.of(department.id), form=form)


@reports.route("/company")
def company():
    authorize("view_company_reports")
    plans = (ReportPlan.select(ReportPlan, Department).join(Department).where(ReportPlan.active)
             .order_by(Department.name))
    return render("reports/company.html", summary=Report.company_summary(plans),
                  departments=list(Department.ordered()))
