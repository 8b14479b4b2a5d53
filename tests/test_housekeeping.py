"""A server that runs for years: every table that only grows by itself is cleaned up by a scheduled job."""
import datetime

import time_machine

from portal.accounts.auth import purge_sign_in_records
from portal.accounts.models import LoginAttempt, LoginSession
from portal.jobs import huey
from portal.notifications.models import Notification, archive_read_notifications, notify

NOW = datetime.datetime(2026, 11, 30, 4, 23)

CLEANUPS = {"purge_sign_in_records", "archive_read_notifications"}


def test_every_cleanup_is_on_the_worker_schedule(app):
    scheduled = {task.name for task in huey._registry.periodic_tasks}
    assert CLEANUPS <= scheduled


def test_old_failed_sign_ins_and_idle_sessions_are_purged_and_recent_ones_kept(app, member, admin):
    with time_machine.travel(NOW - datetime.timedelta(days=40), tick=False):
        idle = LoginSession.start(member)
        LoginAttempt.fail(["email:old@example.com"])
    with time_machine.travel(NOW - datetime.timedelta(minutes=5), tick=False):
        recent = LoginSession.start(admin)
        LoginAttempt.fail(["email:new@example.com"])
    with time_machine.travel(NOW, tick=False):
        purge_sign_in_records.call_local()
    assert [a.key for a in LoginAttempt.select()] == ["email:new@example.com"]
    assert LoginSession.user_for(recent) is not None
    assert LoginSession.select().count() == 1 and LoginSession.user_for(idle) is None


def test_notifications_read_a_month_ago_are_archived_and_unread_ones_stay(app, member):
    with time_machine.travel(NOW - datetime.timedelta(days=45), tick=False):
        old = notify(member, "mention", actor="Ann", place="X")
        Notification.mark_read(member, old.id)
        kept = notify(member, "mention", actor="Bo", place="Y")
    with time_machine.travel(NOW, tick=False):
        archive_read_notifications.call_local()
    assert Notification.get_by_id(old.id).archived_at == NOW
    assert Notification.get_by_id(kept.id).archived_at is None
