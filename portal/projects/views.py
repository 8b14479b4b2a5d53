"""Project pages: the list, one project with its targets, milestones and feed, editing, archiving."""
from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.tokens import feed_key
from portal.db import Invalid
from portal.mail import absolute_url
from portal.pagecache import kept
from portal.pagination import paginate
from portal.permissions import authorize, authorized
from portal.projects.feed import ProjectUpdate
from portal.projects.forms import CloseMilestoneForm, MilestoneForm, ProjectForm, UpdateForm
from portal.projects.models import STATUSES, TARGET_STATUSES, Milestone, Project, Target, overall_progress, today
from portal.render import render

projects = Blueprint("projects", __name__, url_prefix="/projects")
PAGE_SIZE = 30
FILTERS = ["current", *STATUSES, "all"]
projects.add_app_template_global(STATUSES, "statuses")
projects.add_app_template_global(TARGET_STATUSES, "target_statuses")


@projects.route("/")
def index():
    status = request.args.get("status", "current")
    status = status if status in FILTERS else "current"
    search = request.args.get("q", "").strip()[:100]
    page = paginate(Project.with_details(Project.listing(current_user, status, search)), PAGE_SIZE)
    return render("projects/index.html", "projects/_list.html", projects=page, shown=status, search=search,
                  filters=FILTERS, today=today())


@projects.route("/new")
def new():
    authorize("start_project")
    form = ProjectForm(coordinator=current_user.id, status="planned", start_date=today(),
                       departments=[current_user.department_id] if current_user.department_id else [])
    return render("projects/form.html", form=form, project=None)


@projects.route("/", methods=["POST"])
def create():
    authorize("start_project")
    form = ProjectForm()
    if form.validate_on_submit():
        try:
            project = Project.start(current_user, **form.values())
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            flash(_("Project %(name)s started. Add its targets next.", name=project.name), "success")
            return redirect(url_for("projects.show", project_id=project.id), 303)
    return render("projects/form.html", form=form, project=None)


@projects.route("/<int:project_id>")
@kept
def show(project_id):
    project = authorized(Project, project_id)
    return project_page(project)


def project_page(project, fragment=None, update_form=None, milestone_form=None, posted=None):
    """The project page, or one of its fragments; the forms passed in keep what was typed."""
    targets = list(Target.of_project(project))
    updates, more = ProjectUpdate.feed(project)
    milestones = list(project.milestones.order_by(Milestone.due_date, Milestone.id))
    for milestone in milestones:
        milestone.project = project  # whether one may close it is asked of its project: not a query each
    # The address carries the reader's own feed key: it stops showing the project once they lose access.
    milestone_feed = absolute_url("feeds.project", key=feed_key(current_user), project_id=project.id)
    return render("projects/show.html", fragment, project=project, targets=targets, milestone_feed=milestone_feed,
                  progress=overall_progress(targets), milestones=milestones,
                  updates=updates, more=more, today=today(), posted=posted,
                  update_form=update_form or UpdateForm(formdata=None),
                  milestone_form=milestone_form or MilestoneForm(formdata=None),
                  close_form=CloseMilestoneForm(formdata=None))


@projects.route("/<int:project_id>/edit")
def edit(project_id):
    project = authorized(Project, project_id, "edit")
    form = ProjectForm(obj=project, coordinator=project.coordinator_id, departments=sorted(project.department_ids))
    return render("projects/form.html", form=form, project=project)


@projects.route("/<int:project_id>/edit", methods=["POST"])
def update(project_id):
    project = authorized(Project, project_id, "edit")
    form = ProjectForm()
    if form.validate_on_submit():
        try:
            project.update_details(current_user, **form.values())
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("projects.show", project_id=project.id), 303)
    return render("projects/form.html", form=form, project=project)


@projects.route("/<int:project_id>/archive", methods=["POST"])
def archive(project_id):
    project = authorized(Project, project_id, "archive")
    project.archive(current_user)
    flash(_("%(name)s is archived: still visible and searchable, no longer changeable.", name=project.name),
          "success")
    return redirect(url_for("projects.show", project_id=project.id), 303)


@projects.route("/<int:project_id>/restore", methods=["POST"])
def restore(project_id):
    project = authorized(Project, project_id, "restore")
    project.restore(current_user)
    flash(_("%(name)s is back, on hold. Set its status when work resumes.", name=project.name), "success")
    return redirect(url_for("projects.show", project_id=project.id), 303)


@projects.route("/<int:project_id>/history")
def history(project_id):
    project = authorized(Project, project_id)
    return render("projects/history.html", project=project, entries=project.history().limit(200),
                  labels=project.history_labels())


@projects.route("/<int:project_id>/milestones", methods=["POST"])
def add_milestone(project_id):
    project = authorized(Project, project_id, "edit")
    form = MilestoneForm()
    if form.validate_on_submit():
        try:
            Milestone.plan(current_user, project, form.title.data, form.due_date.data)
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            flash(_("Milestone added."), "success")
            return redirect(url_for("projects.show", project_id=project.id, _anchor="milestones"), 303)
    return project_page(project, milestone_form=form)


@projects.route("/milestones/<int:milestone_id>/close", methods=["POST"])
def close_milestone(milestone_id):
    milestone = authorized(Milestone, milestone_id, "close")
    form = CloseMilestoneForm()
    if form.validate_on_submit():
        try:
            milestone.close(current_user, form.review_note.data)
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            flash(_("Milestone closed with its review."), "success")
            return redirect(url_for("projects.show", project_id=milestone.project_id, _anchor="milestones"), 303)
    return render("projects/close_milestone.html", milestone=milestone, form=form)
