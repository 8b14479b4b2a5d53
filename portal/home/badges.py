"""The counts the page header shows on every page: unread notifications, decisions waiting, overdue tasks."""
import datetime
from typing import NamedTuple

from flask import g
from flask_login import current_user
from peewee import SQL, NodeList, Select, fn

from portal.db import Prepared, db
from portal.notifications.models import Notification
from portal.requests.models import StepApprover
from portal.tasks.models import Task, local_today


class Badges(NamedTuple):
    unread: int
    approvals: int
    overdue: int


def badges():
    """The signed-in person's counts, read once per request (the header and the start page both
    show them); nothing for someone signed out."""
    if not current_user.is_authenticated:
        return Badges(0, 0, 0)
    if "badges" not in g:
        g.badges = counts_of(current_user)
    return g.badges


def _counts(user_id, yesterday):
    return NodeList([query.select(fn.COUNT(SQL("1"))).order_by() for query in (
        Notification.unread(user_id), StepApprover.waiting(user_id), Task.waiting_on(user_id, yesterday))], glue=", ")


# One statement compiled once: three counts of their own cost every page a millisecond, two thirds
# of it compiling.
_COUNTS = Prepared(_counts, places=2)


def counts_of(user):
    yesterday = local_today(user) - datetime.timedelta(days=1)
    return Badges(*db.execute(Select(columns=[_COUNTS((), user.id, yesterday)])).fetchone())
