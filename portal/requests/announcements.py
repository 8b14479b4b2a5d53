"""What a resource request tells the groups' robots: waiting past half its limit or nudged by its
requester (催办), escalated, decided.

A request is seen by its two departments (and coordinators and admins), so only those two
departments' channels hear of it; for a restricted project, only those of them in the project.
The approvers it waits on are @-mentioned, so their phones ring.
"""
from flask_babel import gettext as _

from portal import robots
from portal.requests.notices import request_path


def _where(request):
    departments = frozenset({request.department_id, request.provider_id} - {None})
    project = request.project if request.project_id else None
    return robots.Where(restricted=bool(project and project.restricted),
                        project_department_ids=frozenset(project.department_ids) if project else frozenset(),
                        department_ids=departments, everyone=False)


def _message(request, title, lines, waiting_on=()):
    lines = [_("Requested by %(name)s", name=request.requester.name), *lines]
    if waiting_on:
        lines.append(_("Waiting for: %(names)s", names="、".join(user.name for user in waiting_on)))
    return robots.Message(title=title, blocks=[robots.Block("", lines)],
                          mentions=[robots.Mention(user.name, user.mobile) for user in waiting_on],
                          link=request_path(request), link_text=_("Open the request"))


def _announce(event, request, build):
    return robots.announce(event, _where(request), build, ref="request:%d" % request.id)


def waiting(step, hours):
    request = step.request
    waiting_on = [seat.user for seat in step.pending_seats()]
    return _announce("request.waiting", request, lambda: _message(
        request, _("Waiting %(hours)d hours for a decision: %(request)s", hours=hours, request=str(request)),
        [_("Step: %(step)s", step=step.display_name)], waiting_on))


def urged(step, by):
    """催办: told to the channels that hear waiting requests, the approvers @-mentioned."""
    request = step.request
    waiting_on = [seat.user for seat in step.pending_seats()]
    return _announce("request.waiting", request, lambda: _message(
        request, _("%(name)s asks for a decision (催办): %(request)s", name=by.name, request=str(request)),
        [_("Step: %(step)s", step=step.display_name)], waiting_on))


def escalated(step, added):
    request = step.request
    return _announce("request.escalated", request, lambda: _message(
        request, _("Escalated: %(request)s", request=str(request)),
        [_("Step: %(step)s", step=step.display_name)], added))


def decided(request, state, by):
    def build():
        title = (_("Approved: %(request)s", request=str(request)) if state == "approved"
                 else _("Rejected: %(request)s", request=str(request)))
        return _message(request, title, [_("Decided by %(name)s", name=by.name)] if by is not None else [])
    return _announce("request.decided", request, build)
