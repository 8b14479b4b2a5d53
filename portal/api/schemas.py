"""What the API reads and writes, as pydantic models: they parse requests, shape answers and,
through spectree, are the OpenAPI document; so the document cannot drift from the code."""
import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from portal.api.cursor import DEFAULT_LIMIT, MAX_LIMIT
from portal.params import LARGEST

# An id or version read from a request: what a database integer holds, so a larger number is
# refused as invalid (422) before it can reach SQL as an overflow.
Id = Annotated[int, Field(ge=1, le=LARGEST)]
Priority = Literal["P0", "P1", "P2", "P3"]
TaskStatus = Literal["todo", "doing", "blocked", "review", "done"]


def _utc(value):
    return value.replace(tzinfo=datetime.UTC) if value.tzinfo is None else value


# Times are stored as naive UTC; answers say so. Decimals travel as strings, written out in full
# (never as 1E+3), so that money and measures arrive exactly as stored. Serializers on these types
# alone: one on every field of every answer cost a call into Python per value.
Moment = Annotated[datetime.datetime, PlainSerializer(_utc, return_type=datetime.datetime, when_used="json")]
Exact = Annotated[Decimal, PlainSerializer(lambda value: format(value, "f"), return_type=str, when_used="json")]


class Output(BaseModel):
    """What the API answers; Input is what it reads."""


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# -- common ------------------------------------------------------------------------------------

class Ref(Output):
    """A person, department or other thing named in an answer."""
    id: int
    name: str


class ListQuery(Input):
    cursor: str | None = Field(None, max_length=500, description="The `next_cursor` of the page before.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class FieldError(Output):
    pointer: str = Field(description="Where in the request: a JSON pointer into the body, or a parameter name.")
    detail: str


class ProblemDetails(Output):
    """RFC 9457 problem details; `errors` lists what was wrong with each part of the request, and a
    refused stale change carries the thing as it is now in `current`."""
    model_config = ConfigDict(extra="allow")
    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldError] | None = None


# -- who is asking -----------------------------------------------------------------------------

class TokenInfo(Output):
    name: str
    access: Literal["read", "write"]
    expires_at: Moment | None


class Me(Output):
    id: int
    name: str
    email: str
    role: str
    department: Ref | None
    language: str
    timezone: str
    token: TokenInfo


# -- projects and targets ----------------------------------------------------------------------

class ProjectQuery(ListQuery):
    status: Literal["current", "planned", "active", "on_hold", "done", "archived", "all"] = "current"


class Project(Output):
    id: int
    name: str
    goal: str
    status: str
    visibility: Literal["company", "participants"]
    start_date: datetime.date
    end_date: datetime.date
    coordinator: Ref
    departments: list[Ref]
    url: str


class ProjectPage(Output):
    items: list[Project]
    next_cursor: str | None


class Milestone(Output):
    id: int
    title: str
    due_date: datetime.date
    closed_at: Moment | None


class ProjectDetail(Project):
    progress: float | None = Field(description="Weighted progress of its targets, 0–100.")
    milestones: list[Milestone]


class Target(Output):
    id: int
    project_id: int | None = Field(description="None for a company goal.")
    title: str
    unit: str
    baseline: Exact
    target_value: Exact
    direction: Literal["raise", "lower"]
    start_date: datetime.date
    due_date: datetime.date
    department: Ref | None = Field(description="None for a company goal.")
    owner: Ref
    weight: int
    current_value: Exact | None
    checked_in_at: Moment | None
    progress: float | None
    status: Literal["on_track", "at_risk", "off_track"]
    url: str


class TargetPage(Output):
    items: list[Target]
    next_cursor: str | None


class CheckIn(Output):
    id: int
    target_id: int
    value: Exact
    note: str
    author: Ref
    created_at: Moment


class CheckInPage(Output):
    items: list[CheckIn]
    next_cursor: str | None


class NewCheckIn(Input):
    value: Decimal = Field(description="The value now, as a number or a string like \"12.5\".", allow_inf_nan=False)
    note: str = Field("", max_length=500)


# -- tasks -------------------------------------------------------------------------------------

class TaskQuery(ListQuery):
    owner: Literal["me"] | Id | None = Field(None, description="`me`, or a person's id.")
    department: Id | None = Field(None, description="The owning department's id.")
    requesting_department: Id | None = None
    project: Id | None = None
    status: TaskStatus | None = None
    priority: Priority | None = None
    tag: str | None = Field(None, max_length=30)
    open: bool = Field(False, description="Only tasks not done.")
    overdue: bool = False


class Task(Output):
    id: int
    title: str
    description: str
    owner: Ref
    department: Ref | None
    requesting_department: Ref | None
    project_id: int | None
    priority: Priority
    status: TaskStatus
    due_date: datetime.date | None
    estimate_hours: Exact | None
    version: int = Field(description="Send it back with a change: a change made on an older version is refused.")
    created_at: Moment
    updated_at: Moment
    done_at: Moment | None
    url: str


class TaskPage(Output):
    items: list[Task]
    next_cursor: str | None


class NewTask(Input):
    title: str = Field(min_length=1, max_length=200)
    owner_id: Id
    description: str = Field("", max_length=20000)
    priority: Priority = "P2"
    status: TaskStatus = "todo"
    due_date: datetime.date | None = None
    project_id: Id | None = None
    requesting_department_id: Id | None = None
    tags: list[str] = Field(default_factory=list, max_length=10)
    reason: str = Field("", max_length=300, description="Needed to give another department's work P0/P1.")


class TaskChange(Input):
    version: Id = Field(description="The version the change was made on.")
    status: TaskStatus | None = None
    priority: Priority | None = None
    owner_id: Id | None = None
    due_date: datetime.date | None = None
    reason: str = Field("", max_length=300,
                        description="Needed to raise another department's task to P0/P1 or move its due date.")


class StaleTask(ProblemDetails):
    current: Task


# -- requests ----------------------------------------------------------------------------------

class RequestQuery(ListQuery):
    scope: Literal["visible", "mine", "waiting"] = Field(
        "visible", description="`mine`: filed by me; `waiting`: waiting for my decision; `visible`: all I may see.")
    state: Literal["in_review", "returned", "allocating", "approved", "rejected", "withdrawn"] | None = None
    type: Id | None = Field(None, description="A request type's id.")
    submitted_from: datetime.date | None = None
    submitted_to: datetime.date | None = None


class Step(Output):
    id: int
    name: str
    state: str
    started_at: Moment | None
    due_at: Moment | None
    waiting_for: list[Ref]


class FieldValue(Output):
    key: str
    label: str
    value: str


class Request(Output):
    id: int
    title: str
    type: Ref
    requester: Ref
    department: Ref | None
    provider: Ref
    project_id: int | None
    state: str
    round: int
    amount: Exact | None
    currency: str
    people_days: Exact | None
    submitted_at: Moment
    finished_at: Moment | None
    url: str


class RequestPage(Output):
    items: list[Request]
    next_cursor: str | None


class RequestDetail(Request):
    fields: list[FieldValue]
    waiting_step: Step | None


class Decision(Input):
    step_id: Id = Field(description="The step you decide, as read: a step decided since is not decided twice.")
    comment: str = Field("", max_length=2000)


# -- meetings ----------------------------------------------------------------------------------

class MeetingQuery(ListQuery):
    state: Literal["open", "closed", "cancelled"] | None = None
    starts_from: datetime.date | None = None
    starts_to: datetime.date | None = None


class Meeting(Output):
    id: int
    series: Ref
    starts_at: Moment
    ends_at: Moment
    timezone: str
    location: str
    video_link: str
    state: str
    url: str


class MeetingPage(Output):
    items: list[Meeting]
    next_cursor: str | None


class ActionItem(Output):
    id: int
    what: str
    owner: Ref
    due_on: datetime.date
    outcome: str
    task_id: int | None


class Attendance(Output):
    person: Ref
    # None: a participant of closed minutes whom nobody marked.
    status: Literal["present", "absent", "excused"] | None


class AgendaEntry(Output):
    section: str
    title: str
    notes: str


class Minutes(Output):
    meeting_id: int
    closed: bool
    agenda: list[AgendaEntry]
    decisions: list[str]
    attendance: list[Attendance]
    action_items: list[ActionItem]
    versions: int = Field(description="How many versions the closed minutes have (corrections add one).")


# -- notifications -----------------------------------------------------------------------------

class NotificationQuery(ListQuery):
    unread: bool = False


class Notification(Output):
    id: int
    event: str
    level: Literal["normal", "important", "urgent"]
    text: str
    link: str
    created_at: Moment
    read_at: Moment | None


class NotificationPage(Output):
    items: list[Notification]
    next_cursor: str | None
