"""The search page: the whole page, or only its results as someone types (htmx)."""
import datetime
import zoneinfo

from flask import Blueprint, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from peewee import JOIN

from portal import search
from portal.accounts.models import Department, User
from portal.db import Invalid
from portal.finder import FILE_KINDS, KINDS, shown_kind, visibility
from portal.finder.forms import SearchForm
from portal.meetings.models import Meeting, MeetingSeries
from portal.pagecache import kept
from portal.params import page_number
from portal.permissions import authorize
from portal.projects.models import Project
from portal.reports.models import Report
from portal.render import render
from portal.requests.models import ResourceRequest
from portal.tasks.models import Task

finder = Blueprint("finder", __name__)
PAGE = 20
MEETING_KINDS = ("decision", "agenda_item", "action_item", "meeting_file")


@finder.route("/search")
@kept
def index():
    authorize("search")
    form = SearchForm(request.args, current_user)
    page = page_number(PAGE)
    results = None
    if form.q.data and form.validate():
        try:
            results = search.query(form.q.data, visibility(current_user), **form.filters(),
                                   **_period(form.since.data, form.until.data), limit=PAGE, offset=(page - 1) * PAGE)
        except Invalid as invalid:
            form.show_error(invalid)
    counts = {}
    for kind, n in (results.counts.items() if results else ()):
        counts[shown_kind(kind)] = counts.get(shown_kind(kind), 0) + n
    return render("finder/index.html", "finder/_results.html", form=form, results=results, page=page, counts=counts,
                  places=places(results.hits, current_user) if results else {}, kinds=KINDS, shown_kind=shown_kind)


def _period(since, until):
    """Local dates (the reader's) as the naive UTC moments the index keeps."""
    zone = zoneinfo.ZoneInfo(current_user.timezone)

    def moment(day):
        return datetime.datetime.combine(day, datetime.time(), zone).astimezone(datetime.UTC).replace(tzinfo=None)
    return {"since": moment(since) if since else None,
            "until": moment(until + datetime.timedelta(days=1)) if until else None}


def places(hits, reader):
    """{(kind, id): (link, where it is)} for a page of hits: a few queries, whatever the page holds.
    A hit the reader may see can lie in a project they may not (their own task in a restricted
    project): that project stays unnamed."""
    project_ids = [hit.project_id for hit in hits if hit.project_id]
    projects = dict(Project.select(Project.id, Project.name)
                    .where(Project.id.in_(project_ids) & Project.visibility_for(reader)).tuples())
    meeting_ids = [hit.parent_id for hit in hits if hit.kind in MEETING_KINDS]
    meetings = {m.id: m for m in Meeting.select(Meeting, MeetingSeries).join(MeetingSeries)
                .where(Meeting.id.in_(meeting_ids))}
    tasks = {task_id: "#%d %s" % (task_id, title) for task_id, title in Task.select(Task.id, Task.title)
             .where(Task.id.in_([hit.parent_id for hit in hits if hit.kind == "task_file"])).tuples()}
    request_titles = {request_id: "#%d %s" % (request_id, title) for request_id, title in ResourceRequest.select(
        ResourceRequest.id, ResourceRequest.title).where(ResourceRequest.id.in_(
            [hit.parent_id for hit in hits if hit.kind == "request_file"])).tuples()}
    reports = {report.id: report for report in Report.select(Report.id, Report.state, Report.late, Report.department,
                                                             Department)
               .join(Department, JOIN.LEFT_OUTER, on=(Report.department == Department.id))
               .where(Report.id.in_([hit.object_id for hit in hits if hit.kind == "report"]))}
    person_ids = [hit.object_id for hit in hits if hit.kind == "person"]
    departments = dict(User.select(User.id, User.department).where(User.id.in_(person_ids)).tuples())
    found = {}
    for hit in hits:
        where = projects.get(hit.project_id, "")
        if hit.kind in MEETING_KINDS:
            meeting = meetings.get(hit.parent_id)
            where = str(meeting) if meeting else ""
        elif hit.kind == "task_file":
            where = tasks.get(hit.parent_id, "")
        elif hit.kind == "request_file":
            where = request_titles.get(hit.parent_id, "")
        elif hit.kind == "report":
            where = _report_place(reports.get(hit.object_id))
        found[hit.kind, hit.object_id] = (_link(hit, departments), where)
    return found


def _report_place(report):
    """Its department, and whether it is a draft or came late."""
    if report is None:
        return ""
    state = _("late") if report.submitted and report.late else ("" if report.submitted else str(report.state_label))
    department = report.department.display_name if report.department_id else ""
    return " · ".join(part for part in (department, state) if part)


def _link(hit, departments):
    kind, object_id = hit.kind, hit.object_id
    if kind == "project":
        return url_for("projects.show", project_id=object_id)
    if kind == "target":
        return url_for("targets.show", target_id=object_id)
    if kind == "project_update":
        return url_for("projects.show", project_id=hit.project_id, _anchor="update-%d" % object_id)
    if kind == "task":
        return url_for("tasks.show", task_id=object_id)
    if kind == "request":
        return url_for("requests.show", request_id=object_id)
    if kind in FILE_KINDS:
        return url_for("files.show", file_id=object_id)
    if kind == "report":
        return url_for("reports.show", report_id=object_id)
    if kind == "person":
        return url_for("boards.show", scope="department", department=departments.get(object_id) or None,
                       owner=object_id)
    anchor = {"decision": "decision-%d", "agenda_item": "agenda-item-%d", "action_item": "action-%d"}[kind]
    return url_for("meetings.show", meeting_id=hit.parent_id, _anchor=anchor % object_id)
