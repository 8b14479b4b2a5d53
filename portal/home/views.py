"""The start page (what waits for me first, then what needs attention across the shared goals)
and the web app manifest."""
import datetime

from flask import Blueprint, jsonify, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts import auth
from portal.calendar import CompanyCalendar
from portal.db import PreparedQuery, Shapes, utcnow
from portal.meetings.models import Meeting
from portal.pagecache import kept
from portal.permissions import Reader
from portal.projects.feed import ProjectUpdate
from portal.projects.models import CheckIn, Project, Target, today, week_start
from portal.home.badges import badges
from portal.i18n import current_language
from portal.render import render, static_url, url_pattern
from portal.reports.models import Report
from portal.requests.models import StepApprover
from portal.tasks.models import Task, local_today

home = Blueprint("home", __name__)
home.add_app_template_global(badges)
ATTENTION_LIMIT = 15
WAITING_LIMIT = 5

# What waits for each reader is asked in the same words for everyone: compiled once per engine, as
# each took longer to compile than to run.
_APPROVALS = PreparedQuery(lambda user_id: StepApprover.inbox(user_id).limit(WAITING_LIMIT + 1), places=1)
_TASKS = PreparedQuery(lambda owner_id, until: Task.waiting_on(owner_id, until).limit(WAITING_LIMIT + 1), places=2)
_CHECK_INS = PreparedQuery(lambda on, stale_before, owner_id: Target.needing_check_in(
    on, stale_before, owner=owner_id).limit(WAITING_LIMIT), places=3)

_NEXT_MEETING = Shapes(lambda shape, *places: Meeting.open_for(Reader.from_shape(shape, places))
                       .where(Meeting.ends_at >= places[2]).limit(1))


def _attention(shape, *places):
    """The targets needing attention in the reader's department (`shape[2]` "mine") or elsewhere."""
    reader, on = Reader.from_shape(shape, places), places[2]
    if shape[2] == "mine":
        return Target.needing_attention(reader, reader.department_id, on).limit(ATTENTION_LIMIT)
    query = Target.needing_attention(reader, on=on)
    if reader.department_id is not None:
        query = query.where(Target.department != reader.department_id)
    return query.limit(ATTENTION_LIMIT)


# Each list took longer to compile than to run: compiled once per kind of reader.
_ATTENTION = Shapes(_attention)


def _needing_attention(user, where, on):
    shape, values = Reader.shape(user)
    return list(_ATTENTION((*shape, where), *values, on))


def waiting_for(user, now=None):
    """What waits for this person, for the top of the start page: decisions, tasks overdue or due by
    tomorrow, the next meeting, own targets that want a check-in, the report due and, for a head,
    who has not handed theirs in."""
    now = now or utcnow()
    day = local_today(user, now)
    calendar = CompanyCalendar.current()
    approvals = list(_APPROVALS(user.id))
    tasks = list(_TASKS(user.id, day + datetime.timedelta(days=1)))
    shape, values = Reader.shape(user)
    meeting = next(iter(_NEXT_MEETING(shape, *values, now)), None)
    stale_before = now - datetime.timedelta(days=calendar.stale_checkin_days)
    targets = list(_CHECK_INS(today(), stale_before, user.id))
    return {"approvals": approvals[:WAITING_LIMIT], "more_approvals": len(approvals) > WAITING_LIMIT,
            "tasks": tasks[:WAITING_LIMIT], "more_tasks": len(tasks) > WAITING_LIMIT, "meeting": meeting,
            "check_ins": targets, "day": day, **Report.waiting_on(user, now, calendar)}


@home.route("/")
@kept
def index():
    on = today()
    mine = _needing_attention(current_user, "mine", on) if current_user.department_id is not None else []
    return render("home/index.html", today=on, waiting=waiting_for(current_user),
                  projects=list(Project.with_progress(Project.mine(current_user))),
                  mine=mine, elsewhere=_needing_attention(current_user, "elsewhere", on), words=_attention_words(),
                  target_url=url_pattern("targets.show", "target_id"),
                  project_url=url_pattern("projects.show", "project_id"),
                  updates=list(ProjectUpdate.latest_for(current_user)),
                  activity=CheckIn.activity_since(current_user, week_start(current_user.timezone)))


def _attention_words():
    """What every target needing attention says, translated once per page rather than per target."""
    return {"progress": _("%(progress)s where the line expects %(expected)s"), "owner": _("Owner") + _(": "),
            "checked_in": _("last check-in %(when)s by %(name)s"), "never_checked_in": _("no check-in yet")}


@home.route("/manifest.webmanifest")
@auth.public
def manifest():
    """What "Add to home screen" installs: the name, the icons, the colour of the bar."""
    icons = [{"src": static_url("icons/duiqi-192.png"), "sizes": "192x192", "type": "image/png"},
             {"src": static_url("icons/duiqi-512.png"), "sizes": "512x512", "type": "image/png"},
             {"src": static_url("icons/duiqi-maskable-512.png"), "sizes": "512x512", "type": "image/png",
              "purpose": "maskable"}]
    body = {"name": _("Duiqi"), "short_name": _("Duiqi"), "start_url": url_for("home.index"), "scope": "/",
            "display": "standalone", "background_color": "#f3f4f6", "theme_color": "#0b5cad",
            "lang": "zh-CN" if current_language() == "zh_CN" else "en", "icons": icons}
    response = jsonify(body)
    response.mimetype = "application/manifest+json"
    return response
