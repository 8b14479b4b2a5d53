"""Monday's project digest for the group robots: once a week per channel, on the company's first
working day of the week (a holiday Monday moves it, a week the calendar closes has none), from
the people's digest hour, in the company's time zone.

A project's channel hears that project; a department's, the live projects it takes part in
(restricted ones included: the department is one of theirs); the company's, the live projects
open to everyone.
"""
import datetime
import zoneinfo

from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale, format_date, format_percent
from flask_babel import gettext as _

from portal import jobs, mail, robots
from portal.calendar import CompanyCalendar
from portal.db import db, utcnow
from portal.digest import week_of
from portal.projects.models import (AT_RISK, LIVE, OFF_TRACK, ON_TRACK, TARGET_STATUSES, Milestone, Project,
                                    ProjectDepartment)
from portal.projects.models import today as company_today

MILESTONES_AHEAD = datetime.timedelta(days=14)


def send_due(now=None):
    """Queue the week's digest on every channel that hears it and has not had it; return how many."""
    now = now or utcnow()
    calendar = CompanyCalendar.current()
    local = now.replace(tzinfo=datetime.UTC).astimezone(zoneinfo.ZoneInfo(current_app.config["DEFAULT_TIMEZONE"]))
    first = calendar.first_working_day_of_week(local.date())
    # Late is better than never: a worker that was down at nine still sends later that week.
    if first is None or local.date() < first or (local.date() == first and local.hour < calendar.digest_hour):
        return 0
    week = week_of(local.date())
    channels = robots.Channel.select().where(robots.Channel.active & robots.Channel.events.contains(",digest.weekly,")
                                             & (robots.Channel.digest_week != week))
    monday = local.date() - datetime.timedelta(days=local.weekday())
    return sum(_send(channel, week, monday) for channel in channels)


def _send(channel, week, monday):
    projects = list(_projects(channel))
    with db.atomic():
        if not channel.claim_digest(week):
            return 0  # another worker sent it
        if not projects:
            return 0  # nothing live to tell of: the week is marked, the group is spared an empty message
        with force_locale(channel.language):
            message = _message(projects, monday)
        robots.queue(channel, "digest.weekly", message, ref="digest:%s" % week)
    return 1


def _projects(channel):
    query = Project.select().where(Project.status.in_(LIVE)).order_by(Project.end_date, Project.name)
    if channel.scope_kind == "project":
        query = query.where(Project.id == channel.scope_id)
    elif channel.scope_kind == "department":
        query = query.where(Project.id.in_(ProjectDepartment.select(ProjectDepartment.project)
                                           .where(ProjectDepartment.department == channel.scope_id)))
    else:
        query = query.where(Project.open_to_everyone())
    return Project.with_details(query, departments=False)


def _message(projects, monday):
    on = company_today()
    soon = (Milestone.select().where(Milestone.project.in_([p.id for p in projects]) & Milestone.closed_at.is_null()
                                     & (Milestone.due_date <= on + MILESTONES_AHEAD))
            .order_by(Milestone.due_date))
    milestones = {}
    for milestone in soon:
        milestones.setdefault(milestone.project_id, []).append(milestone)
    blocks = []
    for project in projects:
        counts = project.status_counts(on)
        lines = [_("Progress %(progress)s · on track %(on_track)d, at risk %(at_risk)d, off track %(off_track)d",
                   progress=format_percent((project.progress or 0) / 100), on_track=counts[ON_TRACK],
                   at_risk=counts[AT_RISK], off_track=counts[OFF_TRACK])]
        worst_first = sorted((t for t in project.targets if t.status_on(on) in (AT_RISK, OFF_TRACK)),
                             key=lambda t: (t.status_on(on) != OFF_TRACK, t.title))
        lines += [_("%(status)s: %(target)s", status=TARGET_STATUSES[t.status_on(on)], target=t.title)
                  for t in worst_first]
        for milestone in milestones.get(project.id, []):
            due = format_date(milestone.due_date, "medium")
            lines.append(_("Milestone overdue since %(date)s: %(title)s", date=due, title=milestone.title)
                         if milestone.due_date < on else
                         _("Milestone due %(date)s: %(title)s", date=due, title=milestone.title))
        blocks.append(robots.Block(_("%(project)s (%(status)s)", project=project.name, status=project.status_label),
                                   lines))
    return robots.Message(title=_("Projects, week of %(monday)s", monday=format_date(monday, "medium")), blocks=blocks,
                          link=urlsplit(mail.absolute_url("projects.index")).path,
                          link_text=_("All projects in Duiqi"))


@jobs.periodic_task(jobs.crontab(minute="*/15"))
def send_channel_digests():
    send_due()
