"""Weekly and daily reports: a draft pre-filled from what the writer did, handed in once (late is
marked late, never refused), asks for help that reach the helper and the next shared meeting, and
the head's comments (点评).

Search finds a report by `search_document()`, kept current by each save; who finds it is
`Report.visibility_for(user)`, the view rule in SQL (author, department, state and help asks),
which the export asks too."""
import datetime
import json
from urllib.parse import urlsplit

from flask_babel import format_datetime, gettext
from flask_babel import lazy_gettext as _l
from peewee import (JOIN, BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField,
                    TextField, fn)

from portal import mail, search
from portal.accounts.models import Department, User
from portal.audit import AuditEntry
from portal.calendar import CompanyCalendar
from portal.db import BaseModel, Invalid, Prepared, Stale, db, utcnow
from portal.i18n import current_language
from portal.meetings.agenda import OTHER
from portal.meetings.models import ActionItem, Meeting
from portal.notifications.models import notify
from portal.projects.models import CheckIn
from portal.reports.plans import CADENCES, Period, ReportPlan
from portal.requests.models import SEAT_STATES, StepApprover
from portal.tasks.models import Task

STATES = {"draft": _l("Draft"), "submitted": _l("Handed in")}
MAX_TEXT = 5000
MAX_ASKS = 5
# The start page brings up a report from this long before it is due (a weekly one on the Thursday).
SHOWN_BEFORE_DUE = datetime.timedelta(days=1)


class Report(BaseModel):
    author = ForeignKeyField(User, backref="reports", on_delete="RESTRICT")
    # The author's department when the report was started, so a move later keeps the roll-ups true.
    department = ForeignKeyField(Department, null=True, backref="reports", on_delete="SET NULL")
    cadence = CharField(max_length=10)
    period_start = DateField()
    due_at = DateTimeField(null=True)
    sections = TextField(default="[]")  # [{"zh", "en", "text"}]: the plan's titles when started
    state = CharField(max_length=10, default="draft", index=True)
    late = BooleanField(default=False)
    # Raised by every save: a save from an older copy (another tab) is refused, never merged. `copy`
    # names the open form that saved last; it may go on saving over its own earlier saves.
    version = IntegerField(default=1)
    copy = CharField(max_length=32, default="")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    submitted_at = DateTimeField(null=True, index=True)

    class Meta:
        indexes = ((("author", "cadence", "period_start"), True), (("department", "period_start"), False))

    def __str__(self):
        return self.title

    @property
    def period(self):
        return Period(self.cadence, self.period_start)

    @property
    def title(self):
        return gettext("%(kind)s · %(name)s · %(period)s", kind=CADENCES[self.cadence], name=self.author.name,
                       period=self.period.label())

    @property
    def submitted(self):
        return self.state == "submitted"

    @property
    def state_label(self):
        return STATES[self.state]

    def section_items(self):
        """[(title in the reader's language, text)]."""
        language = current_language()
        return [(section["en"] if language == "en" else section["zh"], section["text"])
                for section in json.loads(self.sections)]

    @property
    def body_text(self):
        """Every section, titled in both languages: what a search or an export reads."""
        return "\n\n".join("%s %s\n%s" % (s["zh"], s["en"], s["text"]) for s in json.loads(self.sections))

    def search_document(self, asks=None):
        """What search finds the report by: its author, kind and week in both languages (one index
        serves readers of either), every section and what it asks help with."""
        asks = ReportHelp.select(ReportHelp.what).where(ReportHelp.report == self.id) if asks is None else asks
        kinds = {"weekly": "周报 Weekly report", "daily": "日报 Daily report"}
        return dict(kind="report", object_id=self.id,
                    title="%s · %s · %s" % (self.author.name, kinds[self.cadence], self.period_start.isoformat()),
                    body="\n\n".join([self.body_text] + [ask.what for ask in asks]),
                    at=self.submitted_at or self.updated_at, owner_id=self.author_id, creator_id=self.author_id,
                    department_id=self.department_id)

    def path(self):
        """The report's page, also outside a request."""
        return urlsplit(mail.absolute_url("reports.show", report_id=self.id)).path

    # -- who sees it ----------------------------------------------------------------------------

    def asks_help_of(self, user):
        """Whether one of this report's asks names `user`, or the department `user` heads."""
        head_of = user.heads
        named = ReportHelp.person == user.id
        if head_of is not None:
            named |= ReportHelp.department == head_of.id
        return ReportHelp.select().where((ReportHelp.report == self.id) & named).exists()

    @classmethod
    def visibility_for(cls, user):
        """The SQL twin of the view rule: a draft is its author's alone; a report handed in is read
        by the head of its department, coordinators, admins and whoever it asks for help."""
        if user.is_admin or user.is_coordinator:
            return (cls.author == user.id) | (cls.state == "submitted")
        head_of = user.heads
        if head_of is None:
            return _READ_BY_MEMBER((cls, ReportHelp), user.id)
        return _READ_BY_HEAD((cls, ReportHelp), user.id, head_of.id)

    @classmethod
    def visible_to(cls, user):
        return cls.select(cls, User).join(User, on=(cls.author == User.id)).where(cls.visibility_for(user))

    # -- lists ----------------------------------------------------------------------------------

    @classmethod
    def mine(cls, user):
        return (cls.select(cls, User).join(User, on=(cls.author == User.id)).where(cls.author == user.id)
                .order_by(cls.period_start.desc(), cls.id.desc()))

    @classmethod
    def roster(cls, plan, period):
        """Every active member of the plan's department with their report of `period` (None when not
        started), by name."""
        rows = (User.select(User, cls).join(cls, JOIN.LEFT_OUTER, on=(
                    (cls.author == User.id) & (cls.cadence == plan.cadence) & (cls.period_start == period.start)),
                    attr="report")
                .where((User.department == plan.department_id) & User.active)
                .order_by(User.name, User.id))
        return [(user, getattr(user, "report", None)) for user in rows]

    @classmethod
    def handed_in(cls, department, period):
        """The reports of the department's people handed in for `period`, by author, with their asks."""
        reports = list(cls.select(cls, User).join(User, on=(cls.author == User.id))
                       .where((cls.department == department.id) & (cls.cadence == period.cadence)
                              & (cls.period_start == period.start) & (cls.state == "submitted"))
                       .order_by(User.name, cls.id))
        asks = ReportHelp.of_reports([report.id for report in reports])
        for report in reports:
            report.asks = asks.get(report.id, [])
        return reports

    @classmethod
    def of_department(cls, reader, department, first, last):
        """The department's reports of the periods starting from `first` to `last` that `reader` may
        read, by period and author, with their asks."""
        reports = list(cls.visible_to(reader).where((cls.department == department.id) & (cls.period_start >= first)
                                                    & (cls.period_start <= last))
                       .order_by(cls.period_start, User.name, cls.id))
        asks = ReportHelp.of_reports([report.id for report in reports])
        for report in reports:
            report.asks = asks.get(report.id, [])
        return reports

    @staticmethod
    def by_section(reports):
        """The roll-up: [(section title, [(report, text)])] in the order of the first report's
        sections, empty texts left out."""
        grouped = []
        for report in reports:
            for index, (title, text) in enumerate(report.section_items()):
                if index == len(grouped):
                    grouped.append((title, []))
                if text.strip():
                    grouped[index][1].append((report, text))
        return grouped

    @classmethod
    def company_summary(cls, plans):
        """Per plan (with its department): its current period, when it is due, members, handed in,
        late; three queries whatever the number of departments."""
        plans = list(plans)
        periods = {plan.id: plan.current_period() for plan in plans}
        members = dict(User.select(User.department, fn.COUNT(User.id)).where(User.active)
                       .group_by(User.department).tuples())
        earliest = min((period.start for period in periods.values()), default=None)
        counts = {}
        if earliest is not None:
            rows = (cls.select(cls.department, cls.cadence, cls.period_start, cls.late)
                    .join(User, on=(cls.author == User.id))
                    .where((cls.state == "submitted") & (cls.period_start >= earliest) & User.active
                           & (User.department == cls.department)).tuples())
            for department_id, cadence, start, late in rows:
                key = (department_id, cadence, start)
                handed, late_count = counts.get(key, (0, 0))
                counts[key] = (handed + 1, late_count + bool(late))
        calendar = CompanyCalendar.current()
        summary = []
        for plan in plans:
            period = periods[plan.id]
            handed, late = counts.get((plan.department_id, plan.cadence, period.start), (0, 0))
            summary.append({"plan": plan, "period": period, "due": plan.due_at(period, calendar),
                            "members": members.get(plan.department_id, 0), "handed_in": handed, "late": late})
        return summary

    # -- behaviours -----------------------------------------------------------------------------

    @classmethod
    def start(cls, author, plan, period, now=None):
        """The author's report of `period`: the draft they started, or a new one pre-filled with what
        they did in the period. Refused when nothing is due then (the company was closed)."""
        due = plan.due_at(period)
        if due is None:
            raise Invalid(_l("No report is due for this period: the company is closed."))
        existing = cls.get_or_none((cls.author == author.id) & (cls.cadence == plan.cadence)
                                   & (cls.period_start == period.start))
        if existing is not None:
            return existing
        sections = [dict(section, text="") for section in plan.section_list]
        sections[0]["text"] = what_happened(author, period)
        with db.atomic():
            # A second tab starting the same report at the same moment gets the first one's draft.
            report, created = cls.get_or_create(
                author=author, cadence=plan.cadence, period_start=period.start,
                defaults=dict(department=plan.department_id, due_at=due,
                              sections=json.dumps(sections, ensure_ascii=False),
                              created_at=now or utcnow(), updated_at=now or utcnow()))
            if created:
                AuditEntry.record(author, "report.create", report, {"period": [None, period.start.isoformat()]})
                search.index(**report.search_document())
        return report

    def save_draft(self, by, version, texts, asks, copy=""):
        """Keep what is typed so far in the form `copy`, opened at `version`."""
        with db.atomic():
            changed = self._write(by, version, texts, asks, copy)
            if changed:
                AuditEntry.record(by, "report.save", self, summary="draft saved: %s" % ", ".join(changed))
                search.index(**self.search_document())
        return self

    def submit(self, by, version, texts, asks, now=None, copy=""):
        """Hand the report in, once: each ask for help goes to its helper and onto the agenda of the
        next meeting both take part in. After the due time it counts as late."""
        with db.atomic():
            self._write(by, version, texts, asks, copy)
            if not any(text.strip() for _, text in self.section_items()):
                raise Invalid(_l("Write something in at least one section before handing the report in."))
            now = now or utcnow()
            late = self.due_at is not None and now > self.due_at
            handed = (Report.update(state="submitted", submitted_at=now, late=late)
                      .where((Report.id == self.id) & (Report.state == "draft")).execute())
            if not handed:
                raise Invalid(_l("This report was handed in already."))
            self.state, self.submitted_at, self.late = "submitted", now, late
            for ask in ReportHelp.select().where((ReportHelp.report == self.id) & ReportHelp.sent_at.is_null()):
                ask.send(self, now)
            search.index(**self.search_document())
            AuditEntry.record(by, "report.submit", self, {
                "state": ["draft", "submitted"], "late": [None, late],
                **{s["zh"]: [None, s["text"]] for s in json.loads(self.sections) if s["text"]}})
        return self

    def _write(self, by, version, texts, asks, copy):
        """Store the sections' texts and the unsent asks from the form `copy` opened at `version`;
        return the sections that changed. Refused once handed in, and when another form saved since
        this one was opened (a form's own saves as it is typed do not count against it)."""
        current = Report.locked(self.id)
        if current.state != "draft":
            raise Invalid(_l("This report was handed in already; it can no longer change."))
        if current.version != version and not (copy and current.copy == copy):
            raise Stale(_l("This report was saved from another window since you opened it. It is shown as "
                           "saved there; copy over anything you want to keep."), current)
        sections = json.loads(current.sections)
        if len(texts) != len(sections) or any(len(text) > MAX_TEXT for text in texts):
            raise Invalid(_l("Keep each section under %(n)d characters.", n=MAX_TEXT))
        changed = [section["zh"] for section, text in zip(sections, texts, strict=True) if section["text"] != text]
        for section, text in zip(sections, texts, strict=True):
            section["text"] = text
        asks = [ask for ask in asks if ask[2].strip()]
        if len(asks) > MAX_ASKS:
            raise Invalid(_l("Ask for help at most %(n)d times in one report.", n=MAX_ASKS))
        before = [(a.department_id, a.person_id, a.what) for a in ReportHelp.unsent(self)]
        after = [(department.id if department else None, person.id if person else None, what.strip()[:300])
                 for department, person, what in asks]
        if before != after:
            ReportHelp.delete().where((ReportHelp.report == self.id) & ReportHelp.sent_at.is_null()).execute()
            for department, person, what in asks:
                ReportHelp.ask(self, department, person, what)
            changed.append("help")
        now = utcnow()
        stored = json.dumps(sections, ensure_ascii=False)
        (Report.update(sections=stored, version=current.version + 1, copy=copy, updated_at=now)
         .where((Report.id == self.id) & (Report.version == current.version)).execute())
        self.sections, self.version, self.copy, self.updated_at, self.state = (
            stored, current.version + 1, copy, now, current.state)
        return changed

    # -- comments (点评) ---------------------------------------------------------------------------

    def comments(self):
        return (ReportComment.select(ReportComment, User).join(User, JOIN.LEFT_OUTER, on=ReportComment.author)
                .where(ReportComment.report == self.id).order_by(ReportComment.id))

    def comment(self, by, body):
        body = (body or "").strip()
        if not body:
            raise Invalid(_l("Write something first."), "body")
        if not self.submitted:
            raise Invalid(_l("A report is commented on once it is handed in."), "body")
        with db.atomic():
            comment = ReportComment.create(report=self, author=by, body=body)
            AuditEntry.record(by, "report.comment", self, summary="comment %d" % comment.id)
            if by.id != self.author_id:
                told = [self.author]
            else:  # the author answers: whoever commented before hears it
                told = list(User.select().where(User.id.in_(
                    ReportComment.select(ReportComment.author).where((ReportComment.report == self.id)
                                                                     & (ReportComment.author != by.id)))))
            for user in told:
                notify(user, "report.comment", link=self.path(), subject=self, actor=by.name,
                       period=self.period_start.isoformat())
        return comment

    # -- the start page ---------------------------------------------------------------------------

    @classmethod
    def waiting_on(cls, user, now=None, calendar=None):
        """What the start page shows from a day before this period's report is due: the reader's own
        report not handed in yet, and to the head of a reporting department who has not handed
        theirs in, with whom they reminded today. {"mine": {plan, period, due, report, late} or None,
        "missing": {plan, period, due, people, reminded} or None}. `calendar`: the company's, when
        the caller has read it already."""
        now = now or utcnow()
        found = {"mine": None, "missing": None}
        head_of = user.heads
        plans = {plan.department_id: plan for plan in ReportPlan.select().where(
            ReportPlan.department.in_([user.department_id, head_of.id if head_of else None]) & ReportPlan.active)}
        if not plans:
            return found
        # One calendar read, whose closed and extra working days it keeps: a head of their own
        # department asks when the same report is due twice.
        calendar = calendar or CompanyCalendar.current()
        plan = plans.get(user.department_id)
        if plan is not None:
            period = plan.current_period(now)
            due = plan.due_at(period, calendar)
            if due is not None and now >= due - SHOWN_BEFORE_DUE:
                mine = cls.get_or_none((cls.author == user.id) & (cls.cadence == plan.cadence)
                                       & (cls.period_start == period.start))
                if mine is None or not mine.submitted:
                    found["mine"] = {"plan": plan, "period": period, "due": due, "report": mine, "late": now > due}
        plan = plans.get(head_of.id) if head_of is not None else None
        if plan is not None:
            period = plan.current_period(now)
            due = plan.due_at(period, calendar)
            if due is not None and now >= due - SHOWN_BEFORE_DUE:
                people = [person for person, report in cls.roster(plan, period)
                          if report is None or not report.submitted]
                if people:
                    found["missing"] = {"plan": plan, "period": period, "due": due, "people": people,
                                        "reminded": plan.reminded_today(people, now)}
        return found

    # -- the digest -------------------------------------------------------------------------------

    @classmethod
    def digest_for(cls, user, now=None):
        """Digest items: the reader's own report still to hand in, and, for a head, who did not hand
        in the last period's."""
        items = []
        plan = ReportPlan.of(user.department_id)
        if plan is None or not plan.active:
            return items
        period = plan.current_period(now)
        due = plan.due_at(period)
        mine = cls.get_or_none((cls.author == user.id) & (cls.cadence == plan.cadence)
                               & (cls.period_start == period.start))
        link = urlsplit(mail.absolute_url("reports.index")).path
        if due is not None and (mine is None or not mine.submitted):
            items.append({"text": gettext("Your %(kind)s for %(period)s", kind=plan.cadence_label,
                                          period=period.label()),
                          "link": link, "note": gettext("due %(when)s", when=_local_text(due))})
        head_of = user.heads
        if head_of is not None and head_of.id == plan.department_id:
            last = period.previous()
            if plan.due_at(last) is not None:
                missing = [member.name for member, report in cls.roster(plan, last)
                           if report is None or not report.submitted]
                if missing:
                    items.append({"text": gettext("Not handed in for %(period)s: %(names)s", period=last.label(),
                                                  names=gettext(", ").join(missing)),
                                  "link": urlsplit(mail.absolute_url("reports.department", department_id=head_of.id,
                                                                     period=last.start.isoformat())).path,
                                  "note": ""})
        return items


def _local_text(moment):
    return format_datetime(moment, "short")


def _read_by_member(report, ask, user_id):
    asked = report.id.in_(ask.select(ask.report).where(ask.person == user_id))
    return (report.author == user_id) | ((report.state == "submitted") & asked)


def _read_by_head(report, ask, user_id, department_id):
    asked = report.id.in_(ask.select(ask.report).where((ask.person == user_id) | (ask.department == department_id)))
    return (report.author == user_id) | ((report.state == "submitted") & ((report.department == department_id) | asked))


_READ_BY_MEMBER = Prepared(_read_by_member, places=1)
_READ_BY_HEAD = Prepared(_read_by_head, places=2)


class ReportHelp(BaseModel):
    """"Need help from": a department (its head hears) or a person, and what is needed."""

    report = ForeignKeyField(Report, backref="help_asks", on_delete="CASCADE")
    department = ForeignKeyField(Department, null=True, backref="+", on_delete="CASCADE")
    person = ForeignKeyField(User, null=True, backref="+", on_delete="CASCADE")
    what = CharField(max_length=300)
    created_at = DateTimeField(default=utcnow)
    # When the report was handed in and the ask went out.
    sent_at = DateTimeField(null=True, index=True)
    given_at = DateTimeField(null=True)
    given_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")

    def __str__(self):
        return self.what

    @property
    def whom(self):
        return self.person.name if self.person_id else self.department.display_name

    @classmethod
    def unsent(cls, report):
        return cls.select().where((cls.report == report.id) & cls.sent_at.is_null()).order_by(cls.id)

    @classmethod
    def of_reports(cls, report_ids):
        """{report id: [asks with their department or person]}, in one query."""
        found = {}
        asks = (cls.select(cls, Department, User)
                .join(Department, JOIN.LEFT_OUTER, on=(cls.department == Department.id))
                .join_from(cls, User, JOIN.LEFT_OUTER, on=(cls.person == User.id))
                .where(cls.report.in_(report_ids)).order_by(cls.id))
        for ask in asks:
            found.setdefault(ask.report_id, []).append(ask)
        return found

    @classmethod
    def ask(cls, report, department, person, what):
        if (department is None) == (person is None):
            raise Invalid(_l("Ask one department or one person for help."), "help")
        if person is not None and person.id == report.author_id:
            raise Invalid(_l("Ask someone else than yourself for help."), "help")
        return cls.create(report=report, department=department, person=person, what=what.strip()[:300])

    def send(self, report, now):
        """Tell the helper (a department's head), and put the ask on the agenda of the next meeting
        the author and the helper both take part in. Called by Report.submit in its transaction."""
        author = report.author
        helper = self.person if self.person_id else None
        if helper is None and self.department.head_id is not None:
            helper = self.department.head
        if helper is not None:
            notify(helper, "report.help", link=report.path(), subject=report, author=author.name, what=self.what)
        meeting = Meeting.next_shared(author, other=self.person if self.person_id else None,
                                      department=self.department if self.department_id else None, now=now)
        if meeting is not None:
            meeting.add_agenda_item(author, OTHER, "%s → %s: %s" % (author.name, self._whom_recorded(), self.what))
        ReportHelp.update(sent_at=now).where(ReportHelp.id == self.id).execute()

    def _whom_recorded(self):
        """The helper by their recorded name, for text read in every language (an agenda)."""
        return self.person.name if self.person_id else self.department.name

    def give(self, by):
        """The helper marks the ask as helped with: it counts as help given in the scorecard."""
        with db.atomic():
            marked = (ReportHelp.update(given_at=utcnow(), given_by=by)
                      .where((ReportHelp.id == self.id) & ReportHelp.given_at.is_null()).execute())
            if not marked:
                raise Invalid(_l("This was marked as helped already."))
            AuditEntry.record(by, "report.help_given", self, {"given_by": [None, by.name]})
            notify(self.report.author, "report.helped", link=self.report.path(), subject=self.report, actor=by.name,
                   what=self.what)


class ReportComment(BaseModel):
    report = ForeignKeyField(Report, backref="comment_rows", on_delete="CASCADE")
    author = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    body = TextField()
    created_at = DateTimeField(default=utcnow)


def what_happened(user, period):
    """The pre-fill: what `user` finished, recorded, closed and decided in `period`, one line each,
    from each area's own query. Work of a project open only to its participants is counted, not
    named: a report is read by people outside such a project."""
    start, end = period.utc_range
    lines, restricted = [], 0
    actions = list(ActionItem.closed_by(user, start, end))
    became = {item.task_id for item in actions if item.task_id}
    for task in Task.finished_by(user, start, end):
        if task.id in became:
            continue
        if task.project_id is not None and task.project.restricted:
            restricted += 1
        else:
            lines.append(gettext("Finished %(task)s", task=str(task)))
    for item in actions:
        lines.append(gettext("Closed the action item “%(what)s”", what=item.what))
    for check_in in CheckIn.recorded_by(user, start, end):
        target = check_in.target
        if target.project_id is not None and target.project.restricted:
            restricted += 1
        else:
            lines.append(gettext("Checked in “%(target)s”: %(value)s %(unit)s", target=target.title,
                                 value=format(check_in.value.normalize(), "f"), unit=target.unit).rstrip())
    for seat in StepApprover.decided_by(user, start, end):
        request = seat.step.request
        if request.project_id is not None and request.project.restricted:
            restricted += 1
        else:
            lines.append(gettext("Decided request #%(id)d “%(title)s”: %(decision)s", id=request.id,
                                 title=request.title, decision=SEAT_STATES[seat.state]))
    if restricted:
        lines.append(gettext("%(n)d more on projects open only to their participants (not named here)",
                             n=restricted))
    return "\n".join("- " + line for line in lines)
