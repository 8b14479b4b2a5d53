"""The key pages: what the benchmark loads and the query-count test checks as data grows.

A feature adds its key page here: a name, the endpoint, who looks at it, and (for a page about
one object) how to find a representative object in the seeded company, called inside the app with
the database open and given the signed-in user. A POST names its form; the client adds the CSRF
token. The objects chosen are the fullest of their kind, so a cost that grows with rows shows.
"""
import dataclasses
from collections.abc import Callable

from flask import url_for
from peewee import fn

from portal.accounts.models import User
from portal.meetings.models import Attendance, Decision, Meeting
from portal.permissions import can
from portal.projects.models import LIVE, CheckIn, Project, Target
from portal.reports.models import Report
from portal.tasks.models import Task


def _nothing(user):
    return {}


@dataclasses.dataclass(frozen=True, eq=False)
class Page:
    name: str
    endpoint: str
    arguments: Callable[[User], dict] = _nothing
    user: str = "admin@example.com"
    method: str = "GET"
    form: Callable[[User], dict] | None = None
    headers: dict = dataclasses.field(default_factory=dict)

    def resolve(self):
        """(method, path, form) for the seeded company as it is now; call inside a request context."""
        user = User.by_email(self.user)
        return (self.method, url_for(self.endpoint, **self.arguments(user)),
                self.form(user) if self.form else None)

    def request_headers(self):
        """The headers to send, once `resolve()` has run for the company measured."""
        return self.headers


def busiest_project(user):
    """The live project with the most tasks that `user` may see."""
    return (Project.visible_to(user).select(Project.id).join(Task, on=(Task.project == Project.id))
            .where(Project.status.in_(LIVE)).group_by(Project.id).order_by(fn.COUNT(Task.id).desc(), Project.id)
            .scalar())


def longest_tracked_target(user):
    """The target with the most check-ins that `user` may see: the fullest chart."""
    return (Target.visible_to(user).select(Target.id).join_from(Target, CheckIn).group_by(Target.id)
            .order_by(fn.COUNT(CheckIn.id).desc(), Target.id).scalar())


def fullest_minutes():
    """The latest closed meeting with decisions among those most people attended."""
    return (Meeting.select(Meeting.id).join(Attendance).where((Meeting.state == "closed") & fn.EXISTS(
        Decision.select(Decision.id).where(Decision.meeting == Meeting.id)))
            .group_by(Meeting.id).order_by(fn.COUNT(Attendance.id).desc(), Meeting.starts_at.desc()).scalar())


def movable_cards(user):
    """Open cards on the boards of live projects that `user` may move, fewest moves first."""
    cards = (Task.board(user, open_only=True).where(Task.project.is_null(False) & Project.status.in_(LIVE))
             .order_by(Task.version, Task.id))
    return [task for task in cards if can(user, "edit", task)]


def latest_draft(user):
    """The report `user` is writing: the demo leaves the sales staff's of this week open."""
    return (Report.select(Report.id).where((Report.author == user.id) & (Report.state == "draft"))
            .order_by(Report.period_start.desc()).scalar())


@dataclasses.dataclass(frozen=True, eq=False)
class CardMove(Page):
    """A card moved on its project board as the board's script does it: htmx POSTs the move and
    receives the card's fragment in the same answer (bench/run.py counts a move once it is read),
    each move naming the version last read and the other of two columns, so every move succeeds.
    Under load each client moves cards no other client is moving (`cards`)."""

    method: str = "POST"
    headers: dict = dataclasses.field(default_factory=lambda: {"HX-Request": "true"})

    def resolve(self):
        return self.move(movable_cards(User.by_email(self.user))[0])

    def cards(self, count):
        """(task id, version, status, path) of up to `count` cards, to share out among clients."""
        return [(task.id, task.version, task.status, self.move(task)[1])
                for task in movable_cards(User.by_email(self.user))[:count]]

    @staticmethod
    def next_status(status):
        return "todo" if status == "doing" else "doing"

    def move(self, task):
        return self.method, url_for("boards.move", scope="project", task_id=task.id, project=task.project_id), {
            "version": task.version, "status": self.next_status(task.status), "column": task.status}


@dataclasses.dataclass(frozen=True, eq=False)
class ApiPage(Page):
    """An API call, as a script makes it: with a read-only token of its user (made by `resolve()` in
    the company measured) instead of a session."""

    def resolve(self):
        from portal.accounts.tokens import AccessToken
        _, secret = AccessToken.issue(None, User.by_email(self.user), "bench")
        object.__setattr__(self, "secret", secret)
        return super().resolve()

    def request_headers(self):
        return {**self.headers, "Authorization": "Bearer " + self.secret}


KEY_PAGES = [
    Page("home", "home.index", user="sales.staff@example.com"),
    Page("project page", "projects.show", lambda user: {"project_id": busiest_project(user)},
         user="rnd.head@example.com"),
    Page("project board", "boards.show", lambda user: {"scope": "project", "project": busiest_project(user)},
         user="rnd.head@example.com"),
    Page("company priorities", "boards.show", lambda user: {"scope": "priorities"}, user="coordinator@example.com"),
    Page("my tasks", "boards.show", lambda user: {"scope": "mine"}, user="rnd.staff@example.com"),
    Page("target and chart", "targets.show", lambda user: {"target_id": longest_tracked_target(user)},
         user="sales.staff@example.com"),
    Page("my approvals", "requests.approvals", user="rnd.head@example.com"),
    Page("meeting minutes", "meetings.show", lambda user: {"meeting_id": fullest_minutes()}),
    CardMove("card move (POST + fragment)", "boards.move", user="coordinator@example.com"),
    Page("search", "finder.index", lambda user: {"q": "合同"}, user="sales.staff@example.com"),
    Page("search as typed (htmx)", "finder.index", lambda user: {"q": "采购"}, user="rnd.staff@example.com",
         headers={"HX-Request": "true"}),
    Page("report form", "reports.edit", lambda user: {"report_id": latest_draft(user)}, user="sales.staff@example.com"),
    Page("missing reports", "reports.department", lambda user: {"department_id": user.department_id},
         user="admin.head@example.com"),
    Page("alignment map", "alignment.index", user="coordinator@example.com"),
    Page("scorecard", "scorecard.index", user="coordinator@example.com"),
    Page("people", "users.index"),
    Page("departments", "departments.index"),
    Page("outbox", "outbox.index"),
    ApiPage("API: open tasks (JSON)", "api.tasks", lambda user: {"open": "true", "limit": 50},
            user="rnd.head@example.com"),
]
# The floor: a trivial route of the same app under the same server and load. Not /healthz, which
# asks the database, the queue and the worker's heartbeat, and would lower the budget it sets.
FLOOR = Page("floor (/livez)", "monitoring.livez")
