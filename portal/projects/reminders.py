"""Owners of off-track targets, and of targets with no check-in for a while, hear of it once a
week, never at night or on a day off."""
import datetime
import zoneinfo
from urllib.parse import urlsplit

from portal import jobs, mail
from portal.calendar import CompanyCalendar
from portal.db import db, utcnow
from portal.notifications.models import notify
from portal.projects.models import OFF_TRACK, Target, today


def remind_target_owners(now=None):
    """Owners of off-track targets, and of targets with no check-in for the company's set number of
    days, hear of it once a week; safe to run often and in two workers (the key is the week)."""
    now = now or utcnow()
    calendar = CompanyCalendar.current()
    on = today()
    stale_before = now - datetime.timedelta(days=calendar.stale_checkin_days)
    targets = Target.needing_check_in(on, stale_before)
    year, week, _ = on.isocalendar()
    sent = 0
    for target in targets:
        local = now.replace(tzinfo=datetime.UTC).astimezone(zoneinfo.ZoneInfo(target.owner.timezone))
        if calendar.is_quiet(local) or not calendar.is_working_day(local.date()):
            continue
        with db.atomic():
            if target.status_now == OFF_TRACK and target.warn_owner(on):
                sent += 1
            last = target.checked_in_at or datetime.datetime.combine(target.start_date, datetime.time())
            idle = (now - last).days
            if idle >= calendar.stale_checkin_days and notify(
                    target.owner, "checkin.stale", link=urlsplit(mail.absolute_url(
                        "targets.show", target_id=target.id)).path,
                    key="checkin.stale:%d:%d-W%02d" % (target.id, year, week), subject=target,
                    title=target.title, days=idle):
                sent += 1
    return sent


@jobs.periodic_task(jobs.crontab(minute="15"))
def send_target_reminders():
    remind_target_owners()
