"""Importing a project's plan: its tasks from a spreadsheet, through the shared import pages."""
from flask import url_for
from flask_babel import lazy_gettext as _l

from portal.import_views import Importer, blueprint
from portal.permissions import authorized
from portal.projects.models import Project
from portal.tasks import imports as task_imports


def _names(project):
    return {"title": _l("Import tasks"), "heading": _l("Import tasks into %(project)s", project=project.name),
            "back": url_for("projects.show", project_id=project.id), "back_label": project.name}


TASKS = Importer(
    fields=task_imports.FIELDS, shown=("title", "owner"),
    place=lambda project_id: authorized(Project, project_id, "import_tasks"),
    planner=task_imports.planner, apply=task_imports.apply, page=_names,
    done=lambda project: url_for("boards.show", scope="project", project=project.id),
    example=task_imports.EXAMPLE, sheet_title=_l("Tasks"),
    hint=_l("A task whose title is already in the project is updated, not added again, so importing the same "
            "file twice changes nothing."))
task_imports_bp = blueprint("task_imports", "/projects/<int:project_id>/tasks/import", TASKS)
