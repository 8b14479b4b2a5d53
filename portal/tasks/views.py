"""A task's own pages: create, show, edit; its blockers, checklist, comments, watchers and history."""
from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.db import Invalid, Stale
from portal.params import query_int
from portal.permissions import authorize, authorized, can
from portal.render import render, trigger
from portal.tasks.forms import BlockerForm, ChecklistItemForm, CommentForm, TaskForm
from portal.tasks.models import PRIORITIES, STATUSES, ChecklistItem, Task, local_today

tasks = Blueprint("tasks", __name__, url_prefix="/tasks")


@tasks.route("/new")
def new():
    authorize("create_task")
    form = TaskForm(owner=current_user.id, requesting_department=current_user.department_id or 0,
                    project=query_int("project", 0))
    return _form_page(form, None)


@tasks.route("/", methods=["POST"])
def create():
    authorize("create_task")
    form = TaskForm()
    if form.validate_on_submit():
        try:
            task = Task.open(current_user, owner=form.chosen_owner(), tags=form.tags.data or "",
                             reason=form.reason.data or "", **form.values())
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            flash(_("Task %(task)s is on %(name)s's board.", task="#%d" % task.id, name=task.owner.name), "success")
            return redirect(url_for("tasks.show", task_id=task.id), 303)
    return _form_page(form, None)


@tasks.route("/<int:task_id>")
def show(task_id):
    return render("tasks/show.html", **_page(authorized(Task, task_id)))


@tasks.route("/<int:task_id>/edit")
def edit(task_id):
    task = authorized(Task, task_id, "edit")
    return _form_page(TaskForm.of(task), task)


@tasks.route("/<int:task_id>", methods=["POST"])
def update(task_id):
    task = authorized(Task, task_id, "edit")
    form = TaskForm(task=task)
    current, status_before = None, task.status
    if form.validate_on_submit():
        try:
            task = task.revise(current_user, form.version.data, reason=form.reason.data or "",
                               tags=form.tags.data or "", owner=form.chosen_owner(), **form.values())
        except Stale as stale:
            form.show_error(stale)
            current = stale.current
            form.rebase(current.version)
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            flash(_("Saved."), "success")
            note = task.done_note(status_before, current_user)
            if note:
                flash(note, "info")
            return redirect(url_for("tasks.show", task_id=task.id), 303)
    return _form_page(form, task, current)


@tasks.route("/<int:task_id>/blockers")
def blockers(task_id):
    task = authorized(Task, task_id)
    return trigger(render("tasks/show.html", "tasks/_blockers.html", **_page(task)), "taskChanged")


@tasks.route("/<int:task_id>/blockers", methods=["POST"])
def add_blocker(task_id):
    task = authorized(Task, task_id, "edit")
    form = BlockerForm()
    if form.validate_on_submit():
        blocker = Task.get_or_none(Task.id == form.blocker_id)
        try:
            if blocker is None or not can(current_user, "view", blocker):
                raise Invalid(_("There is no task #%(n)d.", n=form.blocker_id), "blocker")
            task.add_blocker(current_user, blocker)
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            flash(_("%(task)s now waits for %(blocker)s.", task="#%d" % task.id, blocker=str(blocker)), "success")
            return redirect(url_for("tasks.blockers", task_id=task.id), 303)
    return render("tasks/show.html", "tasks/_blockers.html", **_page(task, blocker_form=form))


@tasks.route("/<int:task_id>/blockers/<int:blocker_id>/delete", methods=["POST"])
def remove_blocker(task_id, blocker_id):
    task = authorized(Task, task_id, "edit")
    if not task.remove_blocker(current_user, authorized(Task, blocker_id)):
        abort(404)
    return redirect(url_for("tasks.blockers", task_id=task.id), 303)


@tasks.route("/<int:task_id>/checklist")
def checklist(task_id):
    task = authorized(Task, task_id)
    return trigger(render("tasks/show.html", "tasks/_checklist.html", **_page(task)), "taskChanged")


@tasks.route("/<int:task_id>/checklist", methods=["POST"])
def add_item(task_id):
    task = authorized(Task, task_id, "edit")
    form = ChecklistItemForm()
    if form.validate_on_submit():
        task.add_item(current_user, form.text.data)
        return redirect(url_for("tasks.checklist", task_id=task.id), 303)
    return render("tasks/show.html", "tasks/_checklist.html", **_page(task, item_form=form))


@tasks.route("/<int:task_id>/checklist/<int:item_id>/check", methods=["POST"])
def check_item(task_id, item_id):
    task = authorized(Task, task_id, "edit")
    task.check_item(current_user, _item(task, item_id), done=True)
    return redirect(url_for("tasks.checklist", task_id=task.id), 303)


@tasks.route("/<int:task_id>/checklist/<int:item_id>/uncheck", methods=["POST"])
def uncheck_item(task_id, item_id):
    task = authorized(Task, task_id, "edit")
    task.check_item(current_user, _item(task, item_id), done=False)
    return redirect(url_for("tasks.checklist", task_id=task.id), 303)


@tasks.route("/<int:task_id>/checklist/<int:item_id>/delete", methods=["POST"])
def remove_item(task_id, item_id):
    task = authorized(Task, task_id, "edit")
    task.remove_item(current_user, _item(task, item_id))
    return redirect(url_for("tasks.checklist", task_id=task.id), 303)


@tasks.route("/<int:task_id>/comments")
def comments(task_id):
    task = authorized(Task, task_id)
    return trigger(render("tasks/show.html", "tasks/_comments.html", **_page(task)), "taskChanged")


@tasks.route("/<int:task_id>/comments", methods=["POST"])
def add_comment(task_id):
    task = authorized(Task, task_id, "comment")
    form = CommentForm()
    if form.validate_on_submit():
        try:
            task.comment(current_user, form.body.data)
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            return redirect(url_for("tasks.comments", task_id=task.id), 303)
    return render("tasks/show.html", "tasks/_comments.html", **_page(task, comment_form=form))


@tasks.route("/<int:task_id>/history")
def history(task_id):
    return render("tasks/show.html", "tasks/_history.html", **_page(authorized(Task, task_id)))


@tasks.route("/<int:task_id>/watch", methods=["POST"])
def watch(task_id):
    task = authorized(Task, task_id, "watch")
    task.watch(current_user)
    flash(_("You will hear when its priority or due date changes."), "success")
    return redirect(url_for("tasks.show", task_id=task.id), 303)


@tasks.route("/<int:task_id>/unwatch", methods=["POST"])
def unwatch(task_id):
    task = authorized(Task, task_id, "watch")
    task.unwatch(current_user)
    flash(_("You no longer watch this task."), "success")
    return redirect(url_for("tasks.show", task_id=task.id), 303)


def _form_page(form, task, current=None):
    """The task form; after a refused stale edit, `current` is the task as it now is."""
    return render("tasks/form.html", form=form, task=task, current=current, today=local_today(current_user),
                  statuses=STATUSES, priorities=PRIORITIES)


def _item(task, item_id):
    item = ChecklistItem.get_or_none((ChecklistItem.id == item_id) & (ChecklistItem.task == task.id))
    if item is None:
        abort(404)
    return item


def _page(task, blocker_form=None, item_form=None, comment_form=None):
    """Everything the task page shows; each fragment route renders one part of it."""
    blockers = list(task.blockers(current_user))
    return {
        "task": task, "today": local_today(current_user), "priorities": PRIORITIES, "statuses": STATUSES,
        "can_edit": can(current_user, "edit", task), "watching": task.watched_by(current_user),
        "tags": task.tag_names(), "watchers": list(task.watchers()),
        "blockers": blockers, "open_blockers": [b for b in blockers if b.status != "done"],
        "dependents": list(task.dependents(current_user)), "items": list(task.checklist_items()),
        "comments": list(task.discussion()), "history": task.history_for(current_user),
        "blocker_form": blocker_form or BlockerForm(formdata=None),
        "item_form": item_form or ChecklistItemForm(formdata=None),
        "comment_form": comment_form or CommentForm(formdata=None),
    }
