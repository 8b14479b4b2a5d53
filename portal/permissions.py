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


# -- notifications and the company calendar --------------------------------------------------

@rule("view", "Notification")
def _see_notification(user, notification):
    return notification.user_id == user.id


@rule("read", "Notification")
def _read_notification(user, notification):
    return notification.user_id == user.id


@rule("view", "ClosedDay")
def _see_closed_day(user, day):
    return True


@rule("edit", "ClosedDay")
def _edit_closed_day(user, day):
    return user.is_admin


# -- tasks ----------------------------------------------------------------------------------

@rule("create_task")
def _create_task(user, _):
    return True  # anyone may ask anyone: the point is that every ask has one owner


@rule("view", "Task")
def _see_task(user, task):
    return True  # company-wide transparency: every board shows everyone's work


@rule("edit", "Task")
def _edit_task(user, task):
    if user.is_admin or user.is_coordinator or user.id in (task.owner_id, task.created_by_id):
        return True
    # A head belongs to the department they head, so `heads` costs no query per task.
    head_of = user.heads
    return head_of is not None and head_of.id in (task.department_id, task.requesting_department_id)


@rule("comment", "Task")
def _comment_task(user, task):
    return True


@rule("watch", "Task")
def _watch_task(user, task):
    return True
