"""The security suite's registry of sample objects, and the world they live in.

The authorization matrix walks every route of the app. A route with URL arguments needs an
object to point at: `@sample("project_id")` below registers how to make one (with the
people around it) and which strings identify it, so no page may show them to someone the
permissions module hides the object from. A feature adds its samples here; a route whose
arguments have none fails the matrix with a message naming them.
"""
import dataclasses
import itertools
import json

from portal.accounts.models import Department, User
from portal.mail import OutboxMessage
from tests.conftest import PASSWORD

ROLES = ("anonymous", "outsider", "member", "head", "coordinator", "admin")

# Signed-in routes that act only on the signed-in user, so there is nothing to ask about.
# Every other route must call the permissions module; add one here only with its reason.
SELF_SERVICE = {
    "home.index": "shows the signed-in user their own department",
    "accounts.settings": "changes the signed-in user's own preferences",
    "accounts.me": "links to the pages the signed-in user may open (admin pages for admins only)",
    "accounts.change_password": "changes the signed-in user's own password, knowing the current one",
    "accounts.update_mobile": "changes the signed-in user's own mobile number",
    "notifications.index": "lists the signed-in user's own notifications",
    "notifications.bell": "counts the signed-in user's own unread notifications",
    "notifications.read_all": "marks the signed-in user's own notifications read",
    "notifications.preferences": "changes the signed-in user's own notification channels",
    "requests.index": "lists requests the signed-in user filed or handled; wider tabs ask can()",
    "requests.approvals": "the signed-in user's own approval inbox",
    "requests.approve_selected": "approves only the signed-in user's own seats, each decided under the write lock",
    "requests.choose_type": "lists the request types open to everyone for filing",
    "projects.index": "lists only the projects the view rule lets the user see (Project.visible_to, in SQL)",
    "boards.show": "shows only the tasks the view rule lets the user see (Task.board, in SQL)",
    "boards.export": "downloads only the board's tasks the view rule lets the user see (Task.board, in SQL)",
    "boards.column": "shows only the tasks the view rule lets the user see (Task.board, in SQL)",
    "accounts.new_calendar_address": "replaces the signed-in user's own calendar address",
    "tokens.create": "makes an access token for the signed-in user only",
    "api.me": "tells the token's owner about themselves and their token",
    "api.projects": "lists only the projects the view rule lets the owner see (Project.visible_to, in SQL)",
    "api.tasks": "lists only the tasks the view rule lets the owner see (Task.board, in SQL)",
    "api.requests": "lists only the requests the view rule lets the owner see (ResourceRequest.visible_to, in SQL)",
    "api.meetings": "lists only meetings of series the owner may see (MeetingSeries.visible_to, in SQL)",
    "api.notifications": "lists the token owner's own notifications",
    "feeds.personal": "the address's owner's own calendar; each item is checked with can() as it is written",
    "reports.index": "the signed-in user's own reports and the report due from them",
    "reports.start": "starts the signed-in user's own report of their department's plan",
}

_serial = itertools.count(1)


@dataclasses.dataclass
class World:
    """Our department (its head and a member), another department (an outsider in it), and an
    office holding the coordinator and the admin."""

    ours: Department
    theirs: Department
    office: Department
    people: dict

    def user(self, role):
        return self.people.get(role)

    def unique(self, label):
        """A string found nowhere else in the portal, to recognise an object in a page. Of one width,
        so that no such string is the start of another ("Secret 12" of "Secret 120")."""
        return "%s %06d" % (label, next(_serial))

    def person(self, department, role="member", name=None):
        n = next(_serial)
        return User.invite(None, "person%d@example.com" % n, name or "Person %d" % n, department, role,
                           password=PASSWORD)


@dataclasses.dataclass
class Sample:
    label: str
    values: dict  # URL argument → value
    objects: list  # what the URL names; each is checked with can(user, "view", obj)
    secrets: tuple = ()  # strings identifying the objects, never shown to who may not see them
    # What the object mentions without the URL naming it: [(object, its secrets)]. A reader who may
    # see the object but not what it mentions gets the page, without those secrets.
    mentions: list = dataclasses.field(default_factory=list)

    def exposures(self):
        """(label, object, secrets) for everything whose secrets this sample's pages may carry."""
        return ([(self.label, obj, self.secrets) for obj in self.objects]
                + [("%s, mentioned by %s" % (type(obj).__name__, self.label), obj, secrets)
                   for obj, secrets in self.mentions])


def make_world():
    ours, theirs, office = (Department.add(None, "%s %d" % (name, next(_serial)))
                            for name in ("Ours", "Theirs", "Office"))
    world = World(ours, theirs, office, {})
    people = world.people
    people["member"] = world.person(ours, name="Mia Member")
    people["head"] = world.person(ours, name="Hu Head")
    ours.update_details(None, ours.name, "", people["head"])
    people["outsider"] = world.person(theirs, name="Otto Outsider")
    people["coordinator"] = world.person(office, "coordinator", name="Cora Coordinator")
    people["admin"] = world.person(office, "admin", name="Ada Admin")
    return world


SAMPLES = {}


def sample(*arguments):
    """Register a factory `(world) → Sample` for a route whose URL has these arguments."""
    def register(factory):
        SAMPLES.setdefault(frozenset(arguments), []).append(factory)
        return factory
    return register


def samples_for(arguments):
    """The factories for the smallest registered argument set covering `arguments`."""
    arguments = frozenset(arguments)
    if not arguments:
        return [None]
    covering = [key for key in SAMPLES if key >= arguments]
    if not covering:
        return []
    smallest = min(len(key) for key in covering)
    return [factory for key in covering if len(key) == smallest for factory in SAMPLES[key]]


# -- samples of the foundation's objects ----------------------------------------------------

@sample("user_id")
def _colleague(world):
    user = world.person(world.ours, name=world.unique("Sam Subject"))
    return Sample("a colleague", {"user_id": user.id}, [user], (user.name,))


@sample("department_id")
def _own_department(world):
    return Sample("our department", {"department_id": world.ours.id}, [world.ours], ())


@sample("department_id")
def _other_department(world):
    return Sample("another department", {"department_id": world.theirs.id}, [world.theirs], ())


def _failed_mail(world, recipient):
    subject = world.unique("Private subject")
    message = OutboxMessage.create(
        template="set_password", recipient_id=recipient.id, to_address=recipient.email, language="en",
        subject=subject, body_text=subject, body_html="<p>%s</p>" % subject, state="failed",
        last_error=world.unique("SMTP refusal"))
    return Sample("mail to the %s" % recipient.name, {"message_id": message.id}, [message],
                  (subject, message.last_error))


@sample("message_id")
def _mail_to_the_member(world):
    return _failed_mail(world, world.user("member"))


@sample("message_id")
def _mail_to_the_admin(world):
    return _failed_mail(world, world.user("admin"))


@sample("token")
def _set_password_link(world):
    user = world.person(world.ours)
    return Sample("a set-password link", {"token": user.password_token()}, [user], ())


# -- notifications and the company calendar --------------------------------------------------

def _notification_for(world, role):
    from portal.notifications.models import notify
    place = world.unique("Secret place")
    notification = notify(world.user(role), "mention", link="/", actor="Someone", place=place)
    return Sample("a notification of the %s" % role, {"notification_id": notification.id}, [notification], (place,))


@sample("notification_id")
def _members_notification(world):
    return _notification_for(world, "member")


@sample("notification_id")
def _admins_notification(world):
    return _notification_for(world, "admin")


@sample("day_id")
def _closed_day(world):
    import datetime

    from portal.calendar import ClosedDay
    day = ClosedDay.create(day=datetime.date(2030, 1, 1) + datetime.timedelta(days=next(_serial)), label="closed")
    return Sample("a closed day", {"day_id": day.id}, [day], ())


@sample("working_day_id")
def _working_day(world):
    import datetime

    from portal.calendar import WorkingDay
    day = WorkingDay.create(day=datetime.date(2030, 1, 1) + datetime.timedelta(days=next(_serial)), label="worked")
    return Sample("an extra working day", {"working_day_id": day.id}, [day], ())


# -- meetings ---------------------------------------------------------------------------------

def _series(world, side):
    """A weekly series: ours (our department, run by the coordinator) or theirs (run by the outsider)."""
    import datetime

    from portal.db import utcnow
    from portal.meetings.models import MeetingSeries
    coordinator = world.user("coordinator") if side == "ours" else world.user("outsider")
    department = world.ours if side == "ours" else world.theirs
    title = world.unique("Meeting about %s" % side)
    series, meeting = MeetingSeries.plan(
        coordinator, departments=[department], people=[], day=utcnow().date() + datetime.timedelta(days=7),
        start_time=datetime.time(10, 0), timezone="Asia/Shanghai", recurring=True, title=title,
        coordinator=coordinator, duration_minutes=60, location="Room", video_link="", reminder_minutes=60)
    return series, meeting, title


def _meeting_sample(world, side, build):
    series, meeting, title = _series(world, side)
    values, objects, secrets = build(world, series, meeting)
    return Sample("%s (%s meeting)" % (", ".join(sorted(values)), side), values, objects, (title, *secrets))


def _series_values(world, series, meeting):
    return {"series_id": series.id}, [series], ()


def _meeting_values(world, series, meeting):
    return {"meeting_id": meeting.id}, [meeting], ()


def _agenda_item_values(world, series, meeting):
    topic = world.unique("Secret topic")
    item = meeting.add_agenda_item(series.coordinator, "other", topic)
    return {"item_id": item.id}, [item], (topic,)


def _decision_values(world, series, meeting):
    text = world.unique("Secret decision")
    decision = meeting.record_decision(series.coordinator, text)
    return {"decision_id": decision.id}, [decision], (text,)


def _action_values(world, series, meeting):
    import datetime
    what = world.unique("Secret action")
    item = meeting.assign_action(series.coordinator, what, series.coordinator, datetime.date(2030, 1, 1))
    return {"action_id": item.id}, [item], (what,)


def _version_values(world, series, meeting):
    meeting.close(series.coordinator, [series.coordinator], confirmed=True)
    version = meeting.versions().first()
    return {"version_id": version.id}, [version], ()


for _argument, _build in (("series_id", _series_values), ("meeting_id", _meeting_values),
                          ("item_id", _agenda_item_values), ("decision_id", _decision_values),
                          ("action_id", _action_values), ("version_id", _version_values)):
    for _side in ("ours", "theirs"):
        sample(_argument)(lambda world, side=_side, build=_build: _meeting_sample(world, side, build))


# -- resource requests --------------------------------------------------------------------------

def _request_type(world, published=True, provider=None):
    import json

    from portal.requests.types import RequestType
    admin = world.user("admin")
    name = world.unique("Secret type")
    request_type = RequestType.add(admin, name=name, name_en="", description="", provider=provider or world.theirs,
                                   allocation_step=False, allocation_hours=None)
    request_type.add_field(admin, label=world.unique("Secret field"), label_en="", kind="number", required=True,
                           min_value=1, max_value=100, measure="people_days")
    request_type.add_step(admin, name=world.unique("Secret step"), name_en="", mode="any",
                          approvers=json.dumps([{"kind": "requester_head"}]), condition_field=None,
                          condition_op="", condition_value="", copied="[]", time_limit_hours=None,
                          on_timeout="remind")
    if published:
        request_type.publish(admin)
    return request_type, name


@sample("type_id")
def _published_type(world):
    request_type, _ = _request_type(world)
    return Sample("a published request type", {"type_id": request_type.id}, [request_type], ())


@sample("type_id")
def _draft_type(world):
    request_type, name = _request_type(world, published=False)
    return Sample("a draft request type", {"type_id": request_type.id}, [request_type], (name,))


@sample("type_id", "field_id")
def _type_field(world):
    request_type, _ = _request_type(world)
    field = request_type.fields.first()
    return Sample("a request type's field", {"type_id": request_type.id, "field_id": field.id}, [request_type], ())


@sample("type_id", "step_id")
def _type_step(world):
    request_type, _ = _request_type(world)
    step = request_type.steps.first()
    return Sample("a request type's step", {"type_id": request_type.id, "step_id": step.id}, [request_type], ())


def _filed_request(world, requester_role):
    from portal.requests.models import ResourceRequest
    request_type, _ = _request_type(world)
    version = request_type.latest_version()
    title = world.unique("Secret request")
    request = ResourceRequest.file(world.user(requester_role), version, title, {version.fields[0].key: "5"})
    return request, title


@sample("delegation_id")
def _members_delegation(world):
    """The member's approvals, delegated to the head for some days to come."""
    import datetime

    from portal.projects.models import today
    from portal.requests.delegation import Delegation
    reason = world.unique("Secret leave")
    start = today() + datetime.timedelta(days=next(_serial))  # a day of its own: delegations never overlap
    delegation = Delegation.add(world.user("member"), world.user("head"), start, start, reason)
    return Sample("the member's delegation", {"delegation_id": delegation.id}, [delegation], (reason,))


@sample("request_id")
def _members_request(world):
    request, title = _filed_request(world, "member")
    return Sample("the member's request", {"request_id": request.id}, [request], (title,))


@sample("request_id")
def _request_for_a_restricted_project(world):
    """The outsider's request to our department, for their restricted project."""
    from portal.requests.models import ResourceRequest
    project, name = _theirs_only_project(world)
    request_type, _ = _request_type(world, provider=world.ours)
    version = request_type.latest_version()
    title = world.unique("Request")
    request = ResourceRequest.file(world.user("outsider"), version, title, {version.fields[0].key: "5"},
                                   project=project)
    return Sample("a request for a restricted project", {"request_id": request.id}, [request], (),
                  mentions=[(project, (name,))])


@sample("request_id")
def _outsiders_request(world):
    request, title = _filed_request(world, "outsider")
    return Sample("the outsider's request", {"request_id": request.id}, [request], (title,))


@sample("request_id", "step_id")
def _members_request_step(world):
    request, title = _filed_request(world, "member")
    return Sample("a step of the member's request", {"request_id": request.id, "step_id": request.active_step().id},
                  [request], (title,))


@sample("request_id", "step_id")
def _outsiders_request_step(world):
    request, title = _filed_request(world, "outsider")
    return Sample("a step of the outsider's request",
                  {"request_id": request.id, "step_id": request.active_step().id}, [request], (title,))


# -- projects and targets -------------------------------------------------------------------------

def _project(world, visibility):
    """A project of our department and the office, open to the company or to its participants only."""
    import datetime

    from portal.projects.models import Project, Target
    name = world.unique("Secret project" if visibility == "participants" else "Open project")
    project = Project.start(None, name=name, goal="", coordinator=world.user("coordinator"),
                            departments=[world.ours, world.office], start_date=datetime.date(2026, 1, 1),
                            end_date=datetime.date(2026, 12, 31), status="active", visibility=visibility)
    target_title = world.unique("Secret target")
    target = Target.define(None, project, title=target_title, unit="units", baseline="100", target_value="200",
                           direction="raise", start_date=datetime.date(2026, 1, 1),
                           due_date=datetime.date(2026, 12, 31), department=world.ours, owner=world.user("member"),
                           weight=1)
    return project, target, name, target_title


def _theirs_only_project(world):
    """A participants-only project of the other department, coordinated by the outsider."""
    import datetime

    from portal.projects.models import Project
    name = world.unique("Their secret project")
    return Project.start(None, name=name, goal="", coordinator=world.user("outsider"), departments=[world.theirs],
                         start_date=datetime.date(2026, 1, 1), end_date=datetime.date(2026, 12, 31),
                         status="active", visibility="participants"), name


@sample("project_id")
def _open_project(world):
    project, _, name, _ = _project(world, "company")
    return Sample("a company-wide project", {"project_id": project.id}, [project], ())


@sample("project_id")
def _restricted_project(world):
    project, name = _theirs_only_project(world)
    return Sample("another department's restricted project", {"project_id": project.id}, [project], (name,))


@sample("target_id")
def _open_target(world):
    _, target, _, _ = _project(world, "company")
    return Sample("a target of a company-wide project", {"target_id": target.id}, [target], ())


@sample("target_id")
def _restricted_target(world):
    _, target, name, title = _project(world, "participants")
    return Sample("a target of a restricted project", {"target_id": target.id}, [target], (name, title))


@sample("target_id")
def _company_goal(world):
    import datetime

    from portal.projects.models import Target
    goal = Target.define(None, None, title=world.unique("Company goal"), unit="", baseline="0", target_value="1",
                         direction="raise", start_date=datetime.date(2026, 1, 1), due_date=datetime.date(2026, 12, 31),
                         department=None, owner=world.user("admin"), weight=1)
    return Sample("a company goal", {"target_id": goal.id}, [goal], ())


@sample("tension_id")
def _open_tension(world):
    from portal.projects.alignment import Tension
    _, one, _, _ = _project(world, "company")
    _, other, _, _ = _project(world, "company")
    tension = Tension.name(None, one, other, world.unique("Speed against cost"))
    return Sample("a tension between company-wide targets", {"tension_id": tension.id}, [tension], ())


@sample("tension_id")
def _restricted_tension(world):
    from portal.projects.alignment import Tension
    _, open_target, _, _ = _project(world, "company")
    project, name = _theirs_only_project(world)
    from portal.projects.models import Target
    title = world.unique("Their secret target")
    hidden = Target.define(None, project, title=title, unit="", baseline="0", target_value="1", direction="raise",
                           start_date=project.start_date, due_date=project.end_date, department=world.theirs,
                           owner=world.user("outsider"), weight=1)
    note = world.unique("Secret tension")
    tension = Tension.name(None, hidden, open_target, note)
    return Sample("a tension with a target of a restricted project", {"tension_id": tension.id}, [tension],
                  (name, title, note))


@sample("milestone_id")
def _restricted_milestone(world):
    import datetime

    from portal.projects.models import Milestone
    project, _, name, _ = _project(world, "participants")
    title = world.unique("Secret milestone")
    milestone = Milestone.plan(None, project, title, datetime.date(2026, 6, 30))
    return Sample("a milestone of a restricted project", {"milestone_id": milestone.id}, [milestone], (name, title))


@sample("photo_id")
def _restricted_photo(world):
    import io

    from PIL import Image
    from werkzeug.datastructures import FileStorage

    from portal.projects import photos
    from portal.projects.feed import ProjectUpdate
    project, _, name, _ = _project(world, "participants")
    data = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 120, 200)).save(data, "JPEG")
    picture = photos.prepare(FileStorage(stream=io.BytesIO(data.getvalue()), filename="p.jpg"))
    text = world.unique("Secret update")
    update = ProjectUpdate.post(world.user("member"), project, text, [picture])
    photo = update.photos.first()
    return Sample("a photo of a restricted project", {"photo_id": photo.id}, [photo], (name, text))


@sample("update_id")
def _open_update(world):
    from portal.projects.feed import ProjectUpdate
    project, _, _, _ = _project(world, "company")
    update = ProjectUpdate.post(world.user("member"), project, world.unique("Update"))
    return Sample("someone's update in a company-wide project", {"update_id": update.id}, [update], ())


@sample("update_id")
def _restricted_update(world):
    from portal.projects.feed import ProjectUpdate
    project, _, name, _ = _project(world, "participants")
    text = world.unique("Secret update")
    update = ProjectUpdate.post(world.user("member"), project, text)
    return Sample("an update of a restricted project", {"update_id": update.id}, [update], (name, text))


# -- tasks and boards --------------------------------------------------------------------------------

def _task(world, owner_role="member", by_role=None):
    from portal.tasks.models import Task
    owner = world.user(owner_role)
    return Task.open(world.user(by_role or owner_role), title=world.unique("Task"), owner=owner)


@sample("task_id")
def _members_task(world):
    task = _task(world)
    return Sample("the member's task", {"task_id": task.id}, [task], ())


@sample("task_id")
def _outsiders_task(world):
    task = _task(world, "outsider")
    return Sample("the outsider's task", {"task_id": task.id}, [task], ())


@sample("task_id", "blocker_id")
def _blocked_task(world):
    task, blocker = _task(world), _task(world, "outsider")
    task.add_blocker(world.user("member"), blocker)
    return Sample("a task blocked by another department's", {"task_id": task.id, "blocker_id": blocker.id},
                  [task, blocker], ())


@sample("task_id", "item_id")
def _checklist_item(world):
    task = _task(world)
    item = task.add_item(world.user("member"), world.unique("Step"))
    return Sample("a checklist item", {"task_id": task.id, "item_id": item.id}, [task], ())


@sample("scope")
def _board_scopes(world):
    return Sample("the company priorities board", {"scope": "priorities"}, [], ())


@sample("scope", "key")
def _board_column(world):
    return Sample("a column of my board", {"scope": "mine", "key": "todo"}, [], ())


@sample("scope", "task_id")
def _move_on_my_board(world):
    task = _task(world)
    return Sample("a card on my board", {"scope": "mine", "task_id": task.id}, [task], ())


@sample("task_id")
def _members_task_in_a_project_they_cannot_see(world):
    """Asked of our member by the outsider for their restricted project: the member sees and edits
    the task, never the project (its name, or a form that drops the task out of it)."""
    from portal.tasks.models import Task
    project, name = _theirs_only_project(world)
    task = Task.open(world.user("outsider"), title=world.unique("Task"), owner=world.user("member"), project=project)
    return Sample("the member's task in another department's restricted project", {"task_id": task.id}, [task],
                  (), mentions=[(project, (name,))])


@sample("task_id")
def _public_task_tied_to_restricted_ones(world):
    """A public task waiting for a task of a restricted project, and waited for by another."""
    from portal.tasks.models import Task
    project, name = _theirs_only_project(world)
    outsider = world.user("outsider")
    public = _task(world, "outsider")
    blocker_title, waiting_title = world.unique("Secret blocker"), world.unique("Secret waiting")
    blocker = Task.open(outsider, title=blocker_title, owner=outsider, project=project)
    waiting = Task.open(outsider, title=waiting_title, owner=outsider, project=project)
    public.add_blocker(outsider, blocker)
    waiting.add_blocker(outsider, public)
    return Sample("a public task tied to restricted ones", {"task_id": public.id}, [public], (),
                  mentions=[(blocker, (blocker_title, name)), (waiting, (waiting_title,))])


@sample("task_id")
def _task_of_a_restricted_project(world):
    from portal.tasks.models import Task
    project, name = _theirs_only_project(world)
    title = world.unique("Secret task")
    task = Task.open(world.user("outsider"), title=title, owner=world.user("outsider"), project=project)
    return Sample("a task of another department's restricted project", {"task_id": task.id}, [task], (title, name))


# -- access tokens and calendar feeds -------------------------------------------------------------

def _token_of(world, role):
    from portal.accounts.tokens import AccessToken
    name = world.unique("Secret token")
    token, _ = AccessToken.issue(None, world.user(role), name)
    return Sample("an access token of the %s" % role, {"token_id": token.id}, [token], (name,))


@sample("token_id")
def _members_token(world):
    return _token_of(world, "member")


@sample("token_id")
def _admins_token(world):
    return _token_of(world, "admin")


def _calendar_address(user):
    """Each role fetches its own feed (the address is the credential); a stranger has a forged one."""
    from portal.accounts.tokens import feed_key
    return feed_key(user) if user is not None else "1.forged"


@sample("key")
def _own_calendar(world):
    return Sample("one's own calendar feed", {"key": _calendar_address}, [], ())


@sample("key", "project_id")
def _open_project_feed(world):
    project, _, _, _ = _project(world, "company")
    return Sample("the milestones of a company-wide project", {"key": _calendar_address, "project_id": project.id},
                  [project], ())


@sample("key", "project_id")
def _restricted_project_feed(world):
    import datetime

    from portal.projects.models import Milestone
    project, name = _theirs_only_project(world)
    title = world.unique("Secret milestone")
    Milestone.plan(None, project, title, datetime.date(2026, 6, 30))
    return Sample("the milestones of another department's restricted project",
                  {"key": _calendar_address, "project_id": project.id}, [project], (name, title))
# -- group robots and webhooks ------------------------------------------------------------------------
# A channel's pages are guarded by its scope: the project, series or department (none: the company).

def _scope_of(world, kind):
    if kind == "project":
        project, name = _theirs_only_project(world)
        return project, (name,)
    if kind == "series":
        series, _, title = _series(world, "theirs")
        return series, (title,)
    if kind == "department":
        return world.ours, ()
    return None, ()


def _channel_sample(world, kind):
    from portal.robots import Channel
    scope, secrets = _scope_of(world, kind)
    name = world.unique("Secret robot")
    # Loopback: a test message sent during the walk is refused at once, without the network.
    channel = Channel.add(None, name=name, kind="dingtalk", url="https://127.0.0.1/robot/send?access_token=abc",
                          secret="SECsample", scope_kind=kind, scope_id=scope.id if scope else None, language="en")
    return Sample("a %s channel" % kind, {"channel_id": channel.id}, [scope] if scope else [], (name, *secrets))


def _channel_scope_sample(world, kind):
    scope, secrets = _scope_of(world, kind)
    values = {"scope_kind": kind, "scope_id": scope.id if scope else None}
    return Sample("the channels of a %s" % kind, values, [scope] if scope else [], secrets)


for _kind in ("company", "project", "series", "department"):
    sample("channel_id")(lambda world, kind=_kind: _channel_sample(world, kind))
    sample("scope_kind", "scope_id")(lambda world, kind=_kind: _channel_scope_sample(world, kind))


# -- files ----------------------------------------------------------------------------------------

def _kept_file(world, place):
    """A photo kept in `place` (so that every file route, its preview too, has something to show),
    with a name found nowhere else."""
    import io

    from PIL import Image

    from portal.files.models import File
    name = world.unique("Secret file") + ".png"
    data = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 200)).save(data, "PNG")
    data.seek(0)

    class Upload:
        filename, stream = name, data
    return File.upload(world.user("admin"), place, Upload()), name


@sample("place", "place_id")
def _files_of_an_open_project(world):
    project, _, _, _ = _project(world, "company")
    return Sample("the files of a company-wide project", {"place": "project", "place_id": project.id}, [project], ())


@sample("place", "place_id")
def _files_of_a_restricted_task(world):
    from portal.tasks.models import Task
    project, name = _theirs_only_project(world)
    task = Task.open(world.user("outsider"), world.unique("Secret task"), owner=world.user("outsider"),
                     project=project)
    _, file_name = _kept_file(world, task)
    return Sample("the files of a task of another department's restricted project",
                  {"place": "task", "place_id": task.id}, [task], (name, file_name))


@sample("file_id")
def _file_of_an_open_project(world):
    project, _, _, _ = _project(world, "company")
    kept, _ = _kept_file(world, project)
    return Sample("a file of a company-wide project", {"file_id": kept.id}, [kept], ())


@sample("file_id")
def _file_of_a_restricted_project(world):
    project, name = _theirs_only_project(world)
    kept, file_name = _kept_file(world, project)
    return Sample("a file of another department's restricted project", {"file_id": kept.id}, [kept], (name, file_name))


@sample("file_version_id")
def _version_of_a_restricted_file(world):
    project, name = _theirs_only_project(world)
    kept, file_name = _kept_file(world, project)
    return Sample("a version of a file of another department's restricted project",
                  {"file_version_id": kept.latest().id}, [kept.latest()], (name, file_name))


# -- weekly and daily reports --------------------------------------------------------------------------

def _report(world, role, hand_in=True, asks=()):
    import datetime

    from portal.reports.models import Report
    from portal.reports.plans import Period, ReportPlan
    author = world.user(role)
    plan = ReportPlan.of(author.department_id) or ReportPlan.configure(
        None, author.department, active=True, cadence="weekly", due_weekday=4, due_time=datetime.time(18),
        sections=[])
    # Each sample its own week, one the company works in, so one author may have several reports.
    latest = Report.select(Report.period_start).where(Report.author == author.id).order_by(
        Report.period_start.desc()).limit(1).scalar()
    week = Period("weekly", latest or datetime.date(2026, 1, 5))
    if latest is not None:
        week = week.following()
    while plan.due_at(week) is None:
        week = week.following()
    report = Report.start(author, plan, week)
    text = world.unique("Secret report text")
    # As many sections as the plan has now: the hostile-input round may have edited the plan.
    count = len(json.loads(report.sections))
    texts = ([text] + [""] * count)[:count]
    if hand_in:
        report.submit(author, report.version, texts, list(asks))
    else:
        report.save_draft(author, report.version, texts, list(asks))
    return report, text


@sample("report_id")
def _members_draft(world):
    report, text = _report(world, "member", hand_in=False)
    return Sample("the member's draft report", {"report_id": report.id}, [report], (text,))


@sample("report_id")
def _members_report(world):
    report, text = _report(world, "member")
    return Sample("the member's report, handed in", {"report_id": report.id}, [report], (text,))


@sample("report_id")
def _outsiders_report(world):
    report, text = _report(world, "outsider")
    return Sample("the outsider's report, handed in", {"report_id": report.id}, [report], (text,))


@sample("ask_id")
def _ask_of_the_outsider(world):
    from portal.reports.models import ReportHelp
    what = world.unique("Secret ask")
    report, text = _report(world, "member", asks=[(None, world.user("outsider"), what)])
    ask = ReportHelp.get(ReportHelp.report == report.id)
    return Sample("the member's ask of the outsider", {"ask_id": ask.id}, [ask], (text, what))


@sample("ask_id")
def _ask_of_our_department(world):
    from portal.reports.models import ReportHelp
    what = world.unique("Secret ask")
    report, text = _report(world, "outsider", asks=[(world.ours, None, what)])
    ask = ReportHelp.get(ReportHelp.report == report.id)
    return Sample("the outsider's ask of our department", {"ask_id": ask.id}, [ask], (text, what))
