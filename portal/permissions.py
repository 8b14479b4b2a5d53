"""The one place that answers "may this user do this to this object".

Views never decide for themselves: they call `authorize(action, obj)`, which answers 404 for
an object the user may not see (its existence is not confirmed) and 403 for one they may see
but not change. Rules are keyed by (model name, action); a missing rule is a programming
error and raises, so a new route cannot silently fall through to "allowed".
"""
from flask import abort, g
from flask_login import current_user

_RULES = {}


class Reader:
    """Someone as the SQL twins of the rules read them (`visibility_for(user)` and the like): their
    id and department, whether an admin. For a statement compiled once per shape
    (portal.db.Shapes), `id` and `department_id` are its places; being an admin or in no department
    changes the text, so it belongs to the shape."""

    def __init__(self, is_admin, id_, department_id):
        self.is_admin, self.id, self.department_id = is_admin, id_, department_id

    @staticmethod
    def shape(user):
        """(shape, values) of `user` for a statement built by `from_shape()`."""
        return (user.is_admin, user.department_id is None), [user.id, user.department_id]

    @classmethod
    def from_shape(cls, shape, places):
        return cls(shape[0], places[0], None if shape[1] else places[1])


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
    visible = obj is None or action == "view" or can(user, "view", obj)
    allowed = visible and can(user, action, obj)
    # Kept per request so the security suite can prove every route asked, and obeyed.
    g.setdefault("authorizations", []).append((action, obj, allowed))
    if not allowed:
        abort(404 if not visible or action == "view" else 403)


def authorized(model, object_id, action="view"):
    """The object with this id, once the current user may do `action` to it; else 404/403."""
    obj = model.read_for_permissions(object_id)
    if obj is None:
        abort(404)
    authorize(action, obj)
    return obj


# -- company administration ---------------------------------------------------------------

@rule("administer")
def _administer(user, _):
    return user.is_admin


@rule("search")
def _search(user, _):
    return True  # each result is filtered by its own kind's view rule (portal.finder.visibility)


# -- people and departments ---------------------------------------------------------------

@rule("view", "User")
def _see_colleague(user, other):
    return True


@rule("see_mobile", "User")
def _see_mobile(user, other):
    # A private number: its owner sees it, and admins (who may need to say why a phone did not ring).
    return user.is_admin or user.id == other.id


@rule("edit", "User")
def _edit_user(user, other):
    return user.is_admin


@rule("deactivate", "User")
def _deactivate_user(user, other):
    return user.is_admin and other.id != user.id


@rule("view", "AccessToken")
@rule("revoke", "AccessToken")
def _own_token(user, token):
    return user.is_admin or token.user_id == user.id


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
    # Its text names what it is about: shown only while the reader may still see that.
    subject = notification.subject
    return notification.user_id == user.id and subject is not False and (subject is None or can(user, "view", subject))


@rule("read", "Notification")
def _read_notification(user, notification):
    return notification.user_id == user.id


@rule("view", "ClosedDay")
@rule("view", "WorkingDay")
def _see_special_day(user, day):
    return True


@rule("edit", "ClosedDay")
@rule("edit", "WorkingDay")
def _edit_special_day(user, day):
    return user.is_admin


# -- meetings: participants see, the coordinator and admins run them ---------------------------

@rule("browse_meetings")
def _browse_meetings(user, _):
    return True  # the list itself shows only the series each person may see


@rule("create_meeting_series")
def _create_meeting_series(user, _):
    return user.is_admin or user.is_coordinator


@rule("view", "MeetingSeries")
def _see_series(user, series):
    return user.is_admin or series.coordinator_id == user.id or series.includes(user)


@rule("manage", "MeetingSeries")
def _manage_series(user, series):
    return user.is_admin or series.coordinator_id == user.id


@rule("view", "Meeting")
def _see_meeting(user, meeting):
    return _see_series(user, meeting.series)


@rule("manage", "Meeting")
def _manage_meeting(user, meeting):
    """Arrange the agenda, close and send the minutes, follow their delivery."""
    return _manage_series(user, meeting.series)


@rule("contribute", "Meeting")
def _contribute_to_meeting(user, meeting):
    """Notes, decisions, attendance and action items; the model refuses once the minutes are closed."""
    return _see_meeting(user, meeting)


@rule("correct", "Meeting")
def _correct_minutes(user, meeting):
    return meeting.closed and _manage_meeting(user, meeting)


@rule("view", "AgendaItem")
@rule("view", "Decision")
@rule("view", "ActionItem")
@rule("view", "MinutesVersion")
def _see_part_of_meeting(user, part):
    return _see_meeting(user, part.meeting)


@rule("write", "AgendaItem")
@rule("write", "Decision")
@rule("write", "ActionItem")
def _write_part_of_meeting(user, part):
    return _contribute_to_meeting(user, part.meeting)


@rule("arrange", "AgendaItem")
def _arrange_agenda(user, item):
    return _manage_meeting(user, item.meeting)


@rule("follow_up", "ActionItem")
def _follow_up_action(user, item):
    """After the meeting its owner or the coordinator marks it done or cancelled."""
    return item.meeting.closed and (item.owner_id == user.id or _manage_meeting(user, item.meeting))


# -- resource requests --------------------------------------------------------------------

@rule("view", "ResourceRequest")
def _see_request(user, request):
    # What one department asks of another is open to both departments and to the coordinators
    # who settle such asks; lists use the same rule in SQL (ResourceRequest.visible_to).
    if user.is_admin or user.is_coordinator or request.requester_id == user.id:
        return True
    if user.department_id is not None and user.department_id in (request.department_id, request.provider_id):
        return True
    return request.involves(user) or user.id in request.copied_ids()


@rule("view", "RequestStep")
def _see_step(user, step):
    return _see_request(user, step.request)


@rule("decide", "RequestStep")
def _decide_step(user, step):
    """Whoever holds a seat on the step, never the requester; whether the step still waits for
    that seat is the request's state, checked again under the write lock when deciding."""
    return user.id != step.request.requester_id and step.seated(user)


@rule("hand_over", "RequestStep")
def _hand_over_step(user, step):
    """转交 and 加签: the same people as deciding; the behaviour checks the seat still waits."""
    return _decide_step(user, step)


@rule("delegate_approvals")
def _delegate_approvals(user, _):
    return True  # one's own approvals, to a colleague; the behaviour checks whom and when


@rule("view", "Delegation")
def _see_delegation(user, delegation):
    return user.is_admin or user.id in (delegation.user_id, delegation.delegate_id)


@rule("cancel", "Delegation")
def _cancel_delegation(user, delegation):
    return user.is_admin or user.id == delegation.user_id


@rule("withdraw", "ResourceRequest")
def _withdraw_request(user, request):
    return request.requester_id == user.id


@rule("comment", "ResourceRequest")
def _comment_on_request(user, request):
    return _see_request(user, request)


@rule("revoke", "ResourceRequest")
def _revoke_request(user, request):
    return request.requester_id == user.id


@rule("urge", "ResourceRequest")
def _urge_request(user, request):
    return request.requester_id == user.id


@rule("resubmit", "ResourceRequest")
def _resubmit_request(user, request):
    return request.requester_id == user.id


@rule("view", "RequestType")
def _see_request_type(user, request_type):
    return user.is_admin or (request_type.active and request_type.published)


@rule("file", "RequestType")
def _file_request(user, request_type):
    return request_type.active and request_type.published


@rule("edit", "RequestType")
def _edit_request_type(user, request_type):
    return user.is_admin


@rule("list_department_requests")
def _list_department_requests(user, _):
    return user.heads is not None


@rule("list_all_requests")
def _list_all_requests(user, _):
    return user.is_admin


@rule("view_request_reports")
def _see_request_reports(user, _):
    return user.is_admin or user.is_coordinator or user.heads is not None
# -- projects and targets -----------------------------------------------------------------
# A restricted project is seen only by its departments, its coordinator and admins; whoever
# cannot see a project cannot see anything inside it. Archived projects are read-only.

@rule("start_project")
def _start_project(user, _):
    return user.is_admin or user.is_coordinator or user.heads is not None


@rule("view", "Project")
def _see_project(user, project):
    # Lists ask the same in SQL: Project.visibility_for.
    return (user.is_admin or project.visibility == "company" or user.id == project.coordinator_id
            or user.department_id in project.department_ids)


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
    # A goal (a target of no project) is the whole company's to see; lists ask Target.visibility_for.
    return target.project_id is None or _see_project(user, target.project)


@rule("edit", "Target")
def _edit_target(user, target):
    if target.project_id is None:
        return _set_goal_of(user, target.department_id)
    return _edit_project(user, target.project)


@rule("check_in", "Target")
def _check_in(user, target):
    if target.project_id is None and target.department_id is None:
        return user.id == target.owner_id or user.is_admin
    return not target.read_only and (user.id == target.owner_id or user.department_id == target.department_id)


# -- the alignment map: goals, which target serves which, tensions ----------------------------

@rule("view_alignment")
def _see_alignment(user, _):
    return True  # the map shows only what the view rule lets each reader see


@rule("set_goals")
def _set_goals(user, _):
    """Admins set the company's goals and any department's; a head sets their department's."""
    return user.is_admin or user.heads is not None


def _set_goal_of(user, department_id):
    head_of = user.heads
    return user.is_admin or (department_id is not None and head_of is not None and head_of.id == department_id)


@rule("name_tension", "Target")
def _name_tension(user, target):
    """Whoever answers for a target may say what it competes with: its editors, owner, and the head
    of its department."""
    head_of = user.heads
    return not target.read_only and (_edit_target(user, target) or user.id == target.owner_id or (
        head_of is not None and head_of.id == target.department_id))


@rule("view", "Tension")
def _see_tension(user, tension):
    # Lists ask the same in SQL: Tension.visible_to.
    return _see_target(user, tension.target) and _see_target(user, tension.other)


@rule("remove", "Tension")
def _remove_tension(user, tension):
    return (user.is_admin or user.is_coordinator or _name_tension(user, tension.target)
            or _name_tension(user, tension.other))


@rule("view", "Milestone")
def _see_milestone(user, milestone):
    return _see_project(user, milestone.project)


@rule("close", "Milestone")
def _close_milestone(user, milestone):
    return not milestone.closed and _edit_project(user, milestone.project)


@rule("delete", "ProjectUpdate")
def _delete_update(user, update):
    # Its author takes back a post (the wrong photo, from a phone); the coordinator and admins
    # moderate. An archived project keeps its feed as it was.
    project = update.project
    return not project.read_only and (user.id == update.author_id or user.is_admin
                                      or user.id == project.coordinator_id)


@rule("view", "ProjectUpdate")
def _see_update(user, update):
    return _see_project(user, update.project)


@rule("view", "Photo")
def _see_photo(user, photo):
    return _see_project(user, photo.project_update.project)
# -- tasks ----------------------------------------------------------------------------------

@rule("create_task")
def _create_task(user, _):
    return True  # anyone may ask anyone: the point is that every ask has one owner


@rule("view", "Task")
def _see_task(user, task):
    # Company-wide transparency, except work of a project its reader may not see; the owner and
    # whoever asked for it always see it. Boards use the same rule in SQL (Task.visibility_for).
    if task.project_id is None or user.id in (task.owner_id, task.created_by_id):
        return True
    return can(user, "view", task.project)


@rule("edit", "Task")
def _edit_task(user, task):
    if user.is_admin or user.is_coordinator or user.id in (task.owner_id, task.created_by_id):
        return True
    # A head belongs to the department they head, so `heads` costs no query per task.
    head_of = user.heads
    return head_of is not None and head_of.id in (task.department_id, task.requesting_department_id)


@rule("import_tasks", "Project")
def _import_tasks(user, project):
    return _edit_project(user, project)


@rule("comment", "Task")
def _comment_task(user, task):
    return True


@rule("watch", "Task")
def _watch_task(user, task):
    return True


# -- group robots and webhooks: set up by whoever runs the scope they speak for ---------------

@rule("manage_channels")
def _manage_company_channels(user, _):
    return user.is_admin


@rule("manage_channels", "Project")
def _manage_project_channels(user, project):
    return user.is_admin or user.id == project.coordinator_id


@rule("manage_channels", "MeetingSeries")
def _manage_series_channels(user, series):
    return user.is_admin or user.id == series.coordinator_id


@rule("manage_channels", "Department")
def _manage_department_channels(user, department):
    return user.is_admin or user.id == department.head_id


# -- files: whoever may see a file's place sees the file ------------------------------------
# A file is kept in a project, or attached to a task, a request or a meeting; it is shown, added
# to and managed through that place's own rules.

@rule("attach", "Project")
def _attach_to_project(user, project):
    return _post_update(user, project)


@rule("attach", "Task")
def _attach_to_task(user, task):
    return _see_task(user, task) and not (task.project_id and task.project.read_only)


@rule("attach", "ResourceRequest")
def _attach_to_request(user, request):
    return _see_request(user, request)


@rule("attach", "Meeting")
def _attach_to_meeting(user, meeting):
    return _contribute_to_meeting(user, meeting)


def _manages_place(user, place):
    """Who looks after the files of a place: restores what was deleted."""
    kind = type(place).__name__
    if kind == "Project":
        return user.id == place.coordinator_id
    if kind == "Task":
        return user.id == (place.project.coordinator_id if place.project_id else place.created_by_id)
    if kind == "ResourceRequest":
        return user.id == place.requester_id
    return _manage_meeting(user, place)


@rule("view", "File")
def _see_file(user, kept):
    return can(user, "view", kept.place)


@rule("view", "FileVersion")
def _see_file_version(user, version):
    return _see_file(user, version.file)


@rule("add_version", "File")
def _add_file_version(user, kept):
    return not kept.deleted and can(user, "attach", kept.place)


@rule("delete", "File")
def _delete_file(user, kept):
    return not kept.deleted and (user.is_admin or user.id == kept.created_by_id or _manages_place(user, kept.place)) \
        and can(user, "attach", kept.place)


@rule("restore", "File")
def _restore_file(user, kept):
    return kept.deleted and (user.is_admin or _manages_place(user, kept.place))


# -- weekly and daily reports ---------------------------------------------------------------
# A draft is its author's alone. A report handed in is read by the head of its department,
# coordinators and admins, and by whoever it asks for help (a person, or the head of a department).

@rule("view", "Report")
def _see_report(user, report):
    # Lists ask the same in SQL: Report.visibility_for.
    if report.author_id == user.id:
        return True
    if report.state != "submitted":
        return False
    head_of = user.heads
    if user.is_admin or user.is_coordinator or (head_of is not None and head_of.id == report.department_id):
        return True
    return report.asks_help_of(user)


@rule("write", "Report")
def _write_report(user, report):
    return report.author_id == user.id and report.state == "draft"


@rule("comment", "Report")
def _comment_report(user, report):
    return report.state == "submitted" and _see_report(user, report)


@rule("view", "ReportHelp")
def _see_help_ask(user, ask):
    return _see_report(user, ask.report)


@rule("give", "ReportHelp")
def _give_help(user, ask):
    """The person asked, or the head of the department asked, once the report is handed in."""
    head_of = user.heads
    return ask.sent_at is not None and ask.given_at is None and (
        ask.person_id == user.id or (head_of is not None and ask.department_id == head_of.id))


@rule("follow_reports", "Department")
def _follow_reports(user, department):
    """The missing list and the roll-up of a department: its head, coordinators and admins."""
    head_of = user.heads
    return user.is_admin or user.is_coordinator or (head_of is not None and head_of.id == department.id)


@rule("remind", "Department")
def _remind_reports(user, department):
    head_of = user.heads
    return user.is_admin or (head_of is not None and head_of.id == department.id)


@rule("plan_reports", "Department")
def _plan_reports(user, department):
    head_of = user.heads
    return user.is_admin or (head_of is not None and head_of.id == department.id)


@rule("view_company_reports")
def _see_company_reports(user, _):
    return user.is_admin or user.is_coordinator


# -- the collaboration scorecard ------------------------------------------------------------
# Everyone sees their own figures; a head their department's and its people's; coordinators every
# department's; admins everything. The company's totals: admins, coordinators and heads.

@rule("view_scorecard")
def _see_own_scorecard(user, _):
    return True


@rule("view_scorecard", "Department")
def _see_department_scorecard(user, department):
    head_of = user.heads
    return user.is_admin or user.is_coordinator or (head_of is not None and head_of.id == department.id)


@rule("view_scorecard", "User")
def _see_person_scorecard(user, person):
    head_of = user.heads
    return user.is_admin or user.id == person.id or (head_of is not None and head_of.id == person.department_id)


@rule("compare_departments")
def _compare_departments(user, _):
    return user.is_admin or user.is_coordinator


@rule("view_company_scorecard")
def _see_company_scorecard(user, _):
    return user.is_admin or user.is_coordinator or user.heads is not None
