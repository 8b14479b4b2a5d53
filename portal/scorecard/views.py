"""The scorecard pages: the figures one may see for a period, and the items behind each figure."""
from flask import Blueprint, abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from peewee import JOIN

from portal import sheets
from portal.accounts.models import Department, User
from portal.meetings.models import ActionItem, Meeting, MeetingSeries
from portal.pagecache import kept
from portal.params import LARGEST
from portal.permissions import authorize, authorized, can
from portal.projects.models import Project, Target, today
from portal.render import render
from portal.reports.models import Report, ReportHelp
from portal.requests.models import RequestStep, ResourceRequest, StepApprover
from portal.scorecard.chart import BarChart
from portal.scorecard.figures import FIGURES, Period, Scorecard
from portal.tasks.models import Task

scorecard = Blueprint("scorecard", __name__, url_prefix="/scorecard")


def _period():
    return Period.parse(request.args.get("period"), today())


def _id_argument(name):
    """An id from the query string; absent: None; not an id anyone could have: 404."""
    raw = request.args.get(name)
    if raw is None:
        return None
    if not raw.isdigit() or not 0 < int(raw) <= LARGEST:
        abort(404)
    return int(raw)


def _shown():
    """What the reader may see of the period asked for: the department chosen (or the one they
    head), its people, every department (to compare), the company's totals."""
    authorize("view_scorecard")
    chosen = _id_argument("department")
    department = (authorized(Department, chosen, "view_scorecard") if chosen is not None
                  else current_user.heads)
    people = ([person for person in department.active_members() if can(current_user, "view_scorecard", person)]
              if department is not None else [])
    departments = list(Department.ordered()) if can(current_user, "compare_departments") else []
    return dict(period=_period(), department=department, people=people, departments=departments,
                company=can(current_user, "view_company_scorecard"))


@scorecard.route("/")
@kept
def index():
    shown = _shown()
    card = Scorecard(shown["period"])
    return render("scorecard/index.html", card=card, chart=_chart(card, shown["period"],
                                                                  shown["departments"] or shown["people"]), **shown)


@scorecard.route("/export")
def export():
    """The figures of the page, one row per company, department or person shown."""
    shown = _shown()
    period, card = shown["period"], Scorecard(shown["period"])
    rows = []
    if shown["company"]:
        rows.append((_("The whole company"), _("Company"), card.company, True))
    departments = shown["departments"] or ([shown["department"]] if shown["department"] else [])
    rows += [(department.display_name, _("Department"), card.department(department.id), True)
             for department in departments]
    people = shown["people"] + ([] if current_user in shown["people"] else [current_user])
    # Requests are provided by departments, not people: that column stays empty for a person.
    rows += [(person.name, _("Person"), card.person(person.id), False) for person in people]
    columns = [sheets.Column(_("Name"), width=20), sheets.Column(_("Kind"), width=10),
               *[sheets.Column(str(label), "integer", 12) for label in FIGURES.values()],
               sheets.Column(_("Working hours per decision, on average"), "number", 12),
               sheets.Column(_("Weeks with a check-in (%)"), "percent", 12)]
    return sheets.response([sheets.Sheet(period.label(), columns, (
        [name, kind, *[figures.count(figure) if group or figure != "provided" else None for figure in FIGURES],
         None if figures.average_hours is None else round(figures.average_hours, 1), figures.regularity]
        for name, kind, figures, group in rows))], "scorecard-%s" % period.key, sheets.wanted_kind(request.args))


def _chart(card, period, rows):
    """Work done for other departments, on time and late, per department or per person shown."""
    if not rows:
        return None
    bars = []
    for row in rows:
        kind = "department" if isinstance(row, Department) else "person"
        figures = card.department(row.id) if kind == "department" else card.person(row.id)
        bars.append((row.display_name if kind == "department" else row.name,
                     url_for("scorecard.items", figure="cross_on_time", period=period.key, **{kind: row.id}),
                     figures.count("cross_on_time"), figures.count("cross_late")))
    return BarChart(bars)


@scorecard.route("/items")
def items():
    period = _period()
    department_id, person_id = _id_argument("department"), _id_argument("person")
    if person_id is not None:
        subject = authorized(User, person_id, "view_scorecard")
    elif department_id is not None:
        subject = authorized(Department, department_id, "view_scorecard")
    else:
        authorize("view_company_scorecard")
        subject = None
    # Asked only once the reader may see the subject, so that a bad figure tells nothing about it.
    figure = request.args.get("figure", "")
    if figure not in FIGURES:
        abort(400)
    card = Scorecard(period, figure)
    figures = (card.person(subject.id) if person_id is not None else card.department(subject.id)
               if department_id is not None else card.company)
    ids = figures.items[figure]
    shown = _visible_items(figure, ids)
    return render("scorecard/items.html", period=period, figure=figure, title=FIGURES[figure], subject=subject,
                  rows=shown, hidden=len(ids) - len(shown), card=card)


def _visible_items(figure, ids):
    """The items behind a figure that the reader may see, each through its area's view rule in SQL;
    the others are only counted."""
    if not ids:
        return []
    if figure.startswith("cross_"):
        Requesting = Department.alias()
        return list(Task.select(Task, User, Department, Requesting).join(User, on=(Task.owner == User.id))
                    .switch(Task).join(Department, on=(Task.department == Department.id))
                    .switch(Task).join(Requesting, on=(Task.requesting_department == Requesting.id),
                                       attr="requesting_department")
                    .switch(Task).join(Project, JOIN.LEFT_OUTER, on=(Task.project == Project.id))
                    .where(Task.id.in_(ids) & Task.visibility_for(current_user)).order_by(Task.done_at))
    if figure == "provided":
        return list(ResourceRequest.visible_to(current_user).where(ResourceRequest.id.in_(ids)))
    if figure == "decisions":
        visible = ResourceRequest.visible_to(current_user).select(ResourceRequest.id)
        return list(StepApprover.select(StepApprover, RequestStep, ResourceRequest, User).join(RequestStep)
                    .join(ResourceRequest).switch(StepApprover).join(User, on=(StepApprover.user == User.id))
                    .where(StepApprover.id.in_(ids) & ResourceRequest.id.in_(visible))
                    .order_by(StepApprover.decided_at))
    if figure.startswith("actions_"):
        series = MeetingSeries.visible_to(current_user).select(MeetingSeries.id)
        return list(ActionItem.with_tasks().switch(ActionItem).join(Meeting)
                    .where(ActionItem.id.in_(ids) & Meeting.series.in_(series)).order_by(ActionItem.due_on))
    if figure == "checkins":
        return list(Target.visible_to(current_user).where(Target.id.in_(ids)).order_by(Target.title))
    return list(ReportHelp.select(ReportHelp, Report).join(Report)
                .where(ReportHelp.id.in_(ids) & Report.visibility_for(current_user)).order_by(ReportHelp.id))
