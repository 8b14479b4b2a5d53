"""The canary world: every kind of restricted thing, with a unique string (a canary) in each of
its text fields, mentioned from inside things its readers may see. The crawl
(test_canary_crawl.py) looks for each canary in everything each role can reach.

Each canary knows which objects hold it (`Canaries.holders`): a role may read the canary when the
permissions module lets it view one of them. Where a text is copied on purpose into something
else (an action item becomes a task, a request the task the provider gets), both hold it.

A new kind of restricted thing: plant it in `plant()` below, a `c.new(...)` for each of its text
fields and a `c.held_by(...)` naming what holds them; a `c.add("<url argument>", obj)` lets the
crawl start from its own pages.
"""
import dataclasses
import datetime
import io
import itertools
import json

import docx
from PIL import Image
from werkzeug.datastructures import FileStorage

from portal.db import utcnow
from portal.files.models import File
from portal.meetings.models import MeetingSeries
from portal.projects import photos
from portal.projects.alignment import Tension
from portal.projects.feed import ProjectUpdate
from portal.projects.models import Milestone, Project, Target
from portal.reports.models import Report
from portal.reports.plans import Period, ReportPlan
from portal.requests.models import RequestStep, ResourceRequest
from portal.requests.types import RequestType
from portal.robots.models import SCOPE_EVENTS, Channel
from portal.tasks.models import Task

_serial = itertools.count(1)


@dataclasses.dataclass
class Canaries:
    holders: dict = dataclasses.field(default_factory=dict)  # canary → ((model, id), ...)
    # A canary read only by who may do more than view its holder (a mobile number: "see_mobile").
    actions: dict = dataclasses.field(default_factory=dict)  # canary → action
    ids: dict = dataclasses.field(default_factory=dict)  # URL argument → ids of the world's objects

    def new(self, field):
        """A fresh canary for a text field. Lowercase latin, digits and hyphens only: it survives
        Markdown, escaping, tag folding and truncation unchanged."""
        canary = "cnry-%s-%d" % (field.replace(" ", "-"), next(_serial))
        self.holders[canary] = ()
        return canary

    def held_by(self, obj, *canaries):
        for canary in canaries:
            self.holders[canary] += ((type(obj), obj.id),)

    def add(self, argument, *objects):
        self.ids.setdefault(argument, []).extend(obj.id for obj in objects)


def _robot(scope_kind, scope_id=None):
    """A group robot hearing all its scope may, so the crawl reads what each group was told. Its
    loopback address is refused when sending: the message stays in the outbox to be read."""
    Channel.add(None, name="%s %s robot" % (scope_kind, scope_id or ""), kind="webhook", url="https://127.0.0.1/hook",
                secret="canary", scope_kind=scope_kind, scope_id=scope_id, events=SCOPE_EVENTS[scope_kind])


def _picture():
    data = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(data, "JPEG")
    return photos.prepare(FileStorage(stream=io.BytesIO(data.getvalue()), filename="site.jpg"))


def plant(world):
    """Seed the restricted world around the security suite's roles; return its Canaries.

    The restricted things belong to "theirs", the outsider's department: the participants-only
    project and the weekly meeting series. Our head is a named guest of the meeting; our member
    owns a task of the project without seeing the project; our department provides a request
    filed for it.
    """
    c = Canaries()
    outsider, member, head = world.user("outsider"), world.user("member"), world.user("head")
    admin = world.user("admin")
    _robot("company")
    for department in (world.ours, world.theirs, world.office):
        _robot("department", department.id)

    name, goal = c.new("project name"), c.new("project goal")
    project = Project.start(outsider, name=name, goal=goal, coordinator=outsider, departments=[world.theirs],
                            start_date=datetime.date(2026, 1, 1), end_date=datetime.date(2027, 12, 31),
                            status="active", visibility="participants")
    c.held_by(project, name, goal)
    _robot("project", project.id)
    c.add("project_id", project)

    # The target serves a company goal and competes with it: the alignment map, its roll-up and its
    # tensions are read by everyone.
    goal = Target.define(admin, None, title="Company goal", unit="%", baseline="0", target_value="100",
                         direction="raise", start_date=datetime.date(2026, 1, 1), due_date=datetime.date(2027, 12, 31),
                         department=None, owner=admin, weight=1)
    title, unit, note = c.new("target title"), c.new("unit"), c.new("check-in note")
    target = Target.define(outsider, project, title=title, unit=unit, baseline="100", target_value="200",
                           direction="raise", start_date=datetime.date(2026, 1, 1),
                           due_date=datetime.date(2027, 12, 31), department=world.theirs, owner=outsider, weight=1,
                           serves=goal)
    target.check_in(outsider, "101", note)
    tension = c.new("tension note")
    Tension.name(outsider, target, goal, tension)
    c.held_by(target, title, unit, note, tension)
    c.add("target_id", target, goal)

    closed_title, review, open_title = c.new("milestone title"), c.new("milestone review"), c.new("milestone title")
    closed = Milestone.plan(outsider, project, closed_title, datetime.date(2026, 6, 30))
    closed.close(outsider, review)
    still_open = Milestone.plan(outsider, project, open_title, datetime.date(2026, 9, 30))
    c.held_by(closed, closed_title, review)
    c.held_by(still_open, open_title)
    c.add("milestone_id", closed, still_open)

    body = c.new("update text")
    update = ProjectUpdate.post(outsider, project, body, [_picture()])
    c.held_by(update, body)
    c.add("update_id", update)
    c.add("photo_id", *update.photos)

    # Tasks of the project, and public tasks tied to them both ways.
    secret = _task(c, outsider, outsider, project, priority="P1")
    waiting_for_secret = Task.open(member, title="Public task waiting", owner=member)
    waiting_for_secret.add_blocker(outsider, secret)
    public_blocker = Task.open(member, title="Public blocker", owner=member, status="doing")
    secret_waiting = _task(c, outsider, outsider, project)
    secret_waiting.add_blocker(outsider, public_blocker)
    # Owned by our member, who may not see the project: the task is theirs to see, the project not.
    outside_owned = _task(c, outsider, member, project)
    # A public task our member watches moves into the project, renamed.
    moved = Task.open(outsider, title="Public task to be moved", owner=outsider)
    moved.watch(member)
    moved = Task.get_by_id(moved.id)
    renamed = c.new("task title")
    moved.revise(outsider, moved.version, project=project, title=renamed, priority="P0",
                 due_date=datetime.date(2026, 7, 1), reason="moved into the project")
    c.held_by(moved, renamed)
    # A blocker of the project done: the public task waiting for it is released.
    secret_blocker = _task(c, outsider, outsider, project)
    released = Task.open(member, title="Public task released", owner=member)
    released.add_blocker(outsider, secret_blocker)
    secret_blocker = Task.get_by_id(secret_blocker.id)
    secret_blocker.revise(outsider, secret_blocker.version, status="done")
    c.add("task_id", secret, waiting_for_secret, public_blocker, secret_waiting, outside_owned, moved,
          secret_blocker, released)

    _plant_report(world, c, project, outsider)
    request = _plant_request(world, c, project, outsider, head, admin)
    _plant_waiting_request(world, c, outsider, admin)
    meeting = _plant_meeting(world, c, outsider, head)
    for place in (project, secret, request, meeting):
        _plant_file(c, outsider, place)

    # A private mobile number: digits, as it is stored, and found as digits wherever it leaks.
    mobile = "1398765%04d" % next(_serial)
    c.holders[mobile] = ((type(outsider), outsider.id),)
    c.actions[mobile] = "see_mobile"
    outsider.set_mobile(outsider, mobile)
    return c


def _plant_file(c, by, place):
    """A Word file in `place`: its name and the text inside (which search finds) are canaries."""
    name, inside = c.new("file name"), c.new("file text")
    document, data = docx.Document(), io.BytesIO()
    document.add_paragraph("Draft %s" % inside)
    document.save(data)
    data.seek(0)
    kept = File.upload(by, place, FileStorage(stream=data, filename="%s.docx" % name))
    c.held_by(kept, name, inside)
    c.add("file_id", kept)
    c.add("file_version_id", kept.latest())


def _task(c, by, owner, project, **values):
    title, description, tag = c.new("task title"), c.new("task description"), c.new("tag")
    item, comment = c.new("checklist item"), c.new("task comment")
    task = Task.open(by, title=title, description=description, tags=[tag], owner=owner, project=project, **values)
    task.add_item(by, item)
    task.comment(by, comment)
    c.held_by(task, title, description, tag, item, comment)
    return task


def _plant_report(world, c, project, outsider):
    """Their weekly report, pre-filled with a task of the project they finished that week, read by
    the coordinators, and their draft of the next week, theirs alone (the month's export of their
    department holds one, never the other); and a task of the project done for our department this
    month, which the scorecard counts for them."""
    plan = ReportPlan.configure(None, world.theirs, active=True, cadence="weekly", due_weekday=4,
                                due_time=datetime.time(18), sections=[])
    week = Period("weekly", datetime.date(2026, 3, 2))
    finished = _task(c, outsider, outsider, project)
    finished = Task.get_by_id(finished.id)
    finished.revise(outsider, finished.version, status="done")
    Task.update(done_at=datetime.datetime(2026, 3, 4, 2)).where(Task.id == finished.id).execute()
    report = Report.start(outsider, plan, week)
    prefilled = json.loads(report.sections)[0]["text"]
    plans, risk = c.new("report plan"), c.new("report risk")
    report.submit(outsider, report.version, [prefilled, plans, "", risk], [])
    c.held_by(report, plans, risk)
    draft = Report.start(outsider, plan, week.following())
    draft_text = c.new("report draft")
    draft.save_draft(outsider, draft.version, ["", draft_text, "", ""], [])
    c.held_by(draft, draft_text)
    for_us = _task(c, outsider, outsider, project, requesting_department=world.ours)
    for_us = Task.get_by_id(for_us.id)
    for_us.revise(outsider, for_us.version, status="done")
    c.add("report_id", report, draft)
    c.add("task_id", finished, for_us)


def _plant_request(world, c, project, outsider, head, admin):
    """Filed by the outsider for the restricted project, provided by our department, approved:
    our head gets a task of the project."""
    request_type = _request_type(admin, world.ours, {"kind": "provider_head"})
    version = request_type.latest_version()
    title, purpose, comment = c.new("request title"), c.new("request purpose"), c.new("decision comment")
    request = ResourceRequest.file(outsider, version, title, {version.fields[0].key: purpose}, project=project)
    request.decide(head, request.active_step().id, "approve", comment)
    c.held_by(request, title, purpose, comment)
    task = ResourceRequest.get_by_id(request.id).task
    c.held_by(task, title)  # the provider's task is named after the request
    c.add("request_id", request)
    c.add("task_id", task)
    c.add("type_id", request_type)
    return request


def _request_type(admin, provider, approver):
    request_type = RequestType.add(admin, name="Loan of staff %d" % next(_serial), name_en="", description="",
                                   provider=provider, allocation_step=False, allocation_hours=None)
    request_type.add_field(admin, label="Purpose", label_en="", kind="text", required=True)
    request_type.add_step(admin, name="Provider decides", name_en="", mode="any", approvers=json.dumps([approver]),
                          condition_field=None, condition_op="", condition_value="", copied="[]",
                          time_limit_hours=None, on_timeout="remind")
    RequestType.update(creates_tasks=True).where(RequestType.id == request_type.id).execute()
    request_type = RequestType.get_by_id(request_type.id)
    request_type.publish(admin)
    return request_type


def _plant_waiting_request(world, c, outsider, admin):
    """Their request to the office, waiting for days: the agenda of their meetings lists it."""
    version = _request_type(admin, world.office, {"kind": "people", "ids": [admin.id]}).latest_version()
    title, purpose = c.new("request title"), c.new("request purpose")
    request = ResourceRequest.file(outsider, version, title, {version.fields[0].key: purpose})
    RequestStep.update(started_at=utcnow() - datetime.timedelta(days=5)).where(
        RequestStep.request == request.id).execute()
    c.held_by(request, title, purpose)
    c.add("request_id", request)


def _plant_meeting(world, c, outsider, head):
    """Their weekly meeting, with our head as a named guest; one meeting closed and sent."""
    title, place, room = c.new("meeting title"), c.new("meeting place"), c.new("video link")
    series, meeting = MeetingSeries.plan(
        outsider, departments=[world.theirs], people=[head], day=utcnow().date() + datetime.timedelta(days=7),
        start_time=datetime.time(10, 0), timezone="Asia/Shanghai", recurring=True, title=title,
        coordinator=outsider, duration_minutes=60, location=place, video_link="https://%s.example/room" % room,
        reminder_minutes=60)
    c.held_by(series, title, place, room)
    _robot("series", series.id)
    topic, link, notes = c.new("agenda topic"), c.new("agenda link"), c.new("minutes notes")
    decision_text, what = c.new("decision"), c.new("action item")
    item = meeting.add_agenda_item(outsider, "other", topic, "/%s" % link)
    item.write_notes(outsider, notes, item.version)
    decision = meeting.record_decision(outsider, decision_text)
    action = meeting.assign_action(outsider, what, outsider, datetime.date(2026, 8, 1), confirmed=True)
    c.held_by(meeting, topic, link, notes, decision_text, what)
    meeting.close(outsider, [outsider, head], confirmed=True)
    task = Task.get_by_id(type(action).get_by_id(action.id).task_id)
    c.held_by(task, what)  # an action item becomes its owner's task, open to the company
    following = meeting.following()
    following.build_agenda()
    c.add("series_id", series)
    c.add("meeting_id", meeting, following)
    c.add("item_id", item)
    c.add("decision_id", decision)
    c.add("action_id", action)
    c.add("version_id", *meeting.versions())
    c.add("task_id", task)
    return meeting
