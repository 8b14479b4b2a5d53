"""The one place that answers "may this user do this to this object".

Views never decide for themselves: they call `authorize(action, obj)`, which answers 404 for
an object the user may not see (its existence is not confirmed) and 403 for one they may see
but not change. Rules are keyed by (model name, action); a missing rule is a programming
error and raises, so a new route cannot silently fall through to "allowed".
"""
from flask import abort
from flask_login import current_user

_RULES = {}


def rule(action, model=None):
    def register(predicate):
        _RULES[(model, action)] = predicate
        return predicate
    return register


def can(user, action, obj=None):
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    key = (type(obj).__name__ if obj is not None else None, action)
    try:
        predicate = _RULES[key]
    except KeyError:
        raise LookupError("no permission rule for %r on %s" % (action, key[0])) from None
    return bool(predicate(user, obj))


def authorize(action, obj=None, user=None):
    user = user if user is not None else current_user
    if obj is not None and action != "view" and not can(user, "view", obj):
        abort(404)
    if not can(user, action, obj):
        abort(404 if action == "view" else 403)


def authorized(model, object_id, action="view"):
    """The object with this id, once the current user may do `action` to it; else 404/403."""
    obj = model.get_or_none(model.id == object_id)
    if obj is None:
        abort(404)
    authorize(action, obj)
    return obj


# -- company administration ---------------------------------------------------------------

@rule("administer")
def _administer(user, _):
    return user.is_admin


# -- people and departments ---------------------------------------------------------------

@rule("view", "User")
def _see_colleague(user, other):
    return True


@rule("edit", "User")
def _edit_user(user, other):
    return user.is_admin


@rule("deactivate", "User")
def _deactivate_user(user, other):
    return user.is_admin and other.id != user.id


@rule("view", "Department")
def _see_department(user, department):
    return True


@rule("edit", "Department")
def _edit_department(user, department):
    return user.is_admin


@rule("view", "OutboxMessage")
def _see_mail(user, message):
    return user.is_admin or message.recipient_id == user.id


@rule("resend", "OutboxMessage")
def _resend_mail(user, message):
    return user.is_admin


# -- projects and targets -----------------------------------------------------------------
# A restricted project is seen only by its departments, its coordinator and admins; whoever
# cannot see a project cannot see anything inside it. Archived projects are read-only.

@rule("start_project")
def _start_project(user, _):
    return user.is_admin or user.is_coordinator or user.heads is not None


@rule("view", "Project")
def _see_project(user, project):
    return project.is_visible_to(user)


@rule("edit", "Project")
def _edit_project(user, project):
    return not project.read_only and (user.is_admin or user.id == project.coordinator_id)


@rule("archive", "Project")
def _archive_project(user, project):
    return not project.read_only and (user.is_admin or user.id == project.coordinator_id)


@rule("restore", "Project")
def _restore_project(user, project):
    return project.read_only and (user.is_admin or user.id == project.coordinator_id)


@rule("post_update", "Project")
def _post_update(user, project):
    return not project.read_only and (user.is_admin or project.takes_part(user))


@rule("view", "Target")
def _see_target(user, target):
    return target.project.is_visible_to(user)


@rule("edit", "Target")
def _edit_target(user, target):
    return _edit_project(user, target.project)


@rule("check_in", "Target")
def _check_in(user, target):
    return not target.project.read_only and (user.id == target.owner_id
                                             or user.department_id == target.department_id)


@rule("view", "Milestone")
def _see_milestone(user, milestone):
    return milestone.project.is_visible_to(user)


@rule("close", "Milestone")
def _close_milestone(user, milestone):
    return not milestone.closed and _edit_project(user, milestone.project)


@rule("view", "Photo")
def _see_photo(user, photo):
    return photo.project_update.project.is_visible_to(user)
