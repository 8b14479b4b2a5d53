"""One search box for everything: who may find what, the search page, and rebuilding the index.

The search core (portal.search) knows no area; this floor tells it, for each kind of document,
which documents a reader may see, in SQL built from the areas' own twins of their view rules.
"""
import click
from flask.cli import AppGroup
from flask_babel import lazy_gettext as _l
from peewee import JOIN, SQL, fn

from portal import search
from portal.db import id_list
from portal.meetings.models import MeetingSeries
from portal.projects.models import Project
from portal.reports.models import Report
from portal.requests.models import ResourceRequest
from portal.search import SearchDocument
from portal.tasks.models import Task

# Every kind the index holds, in the order the page offers them.
KINDS = {
    "task": _l("Tasks"), "project": _l("Projects"), "target": _l("Targets"), "project_update": _l("Project updates"),
    "decision": _l("Decisions"), "agenda_item": _l("Meeting notes"), "action_item": _l("Action items"),
    "request": _l("Requests"), "report": _l("Weekly and daily reports"), "person": _l("People"),
    "file": _l("Files"),
}
# A file is indexed under the kind of place it is kept in, whose rule says who sees it; the page
# shows them as one kind.
FILE_KINDS = ("project_file", "task_file", "request_file", "meeting_file")


def shown_kind(kind):
    """The kind as the page names it."""
    return "file" if kind in FILE_KINDS else kind


def searched_kinds(kind):
    """The kinds of the index that the page's `kind` stands for."""
    return list(FILE_KINDS) if kind == "file" else [kind]


def visibility(user):
    """{kind: SQL condition on SearchDocument} of what `user` may see, for portal.search.query.

    Visible projects and meeting series are read first and passed as lists of ids (see the
    search core's docstring); requests are asked of their own twin, whose rule has more parts."""
    projects = id_list(project_id for project_id, in Project.visible_to(user).select(Project.id).tuples())
    series = id_list(series_id for series_id, in MeetingSeries.visible_to(user).select(MeetingSeries.id).tuples())
    in_projects = SearchDocument.project_id.in_(projects)
    in_series = SearchDocument.series_id.in_(series)
    # Task.visibility_for, on the document's copy of the task's keys.
    task = (SearchDocument.project_id.is_null() | (SearchDocument.owner_id == user.id)
            | (SearchDocument.creator_id == user.id) | in_projects)
    visible_requests = ResourceRequest.visible_to(user).select(ResourceRequest.id).order_by()
    request = SearchDocument.object_id.in_(visible_requests)
    # A task file is seen by who sees its task, asked per candidate: the task's keys are not copied
    # into the file's document, so moving the task needs no reindexing of its files.
    task_file = fn.EXISTS(Task.select(SQL("1")).join(Project, JOIN.LEFT_OUTER, on=(Task.project == Project.id))
                          .where((Task.id == SearchDocument.parent_id) & Task.visibility_for(user)))
    target = SearchDocument.project_id.is_null() | in_projects  # Target.visibility_for: a goal is everyone's
    report = SearchDocument.object_id.in_(Report.select(Report.id).where(Report.visibility_for(user)))
    return {"report": report, "project": in_projects, "target": target, "project_update": in_projects, "task": task,
            "decision": in_series, "agenda_item": in_series, "action_item": in_series, "request": request,
            "person": True, "project_file": in_projects, "meeting_file": in_series, "task_file": task_file,
            "request_file": SearchDocument.parent_id.in_(visible_requests)}


def documents():
    """Every area's documents, as they are now."""
    from portal import accounts, files, meetings, projects, reports, requests, tasks
    for area in (accounts, projects, tasks, requests, meetings, reports, files):
        yield from area.search_documents()


search_cli = AppGroup("search", help="The search index.")


@search_cli.command("rebuild")
def rebuild():
    """Fill the search index from everything stored (once on an existing database; the demo does it)."""
    click.echo("indexed %d documents" % search.rebuild(documents()))


def init_app(app):
    app.cli.add_command(search_cli)
