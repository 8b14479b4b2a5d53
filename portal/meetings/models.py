"""Meeting series and their meetings: schedule, participants, agenda, minutes, closing and sending."""
import datetime
import json
import zoneinfo
from urllib.parse import urlsplit

from babel.dates import format_skeleton
from flask_babel import force_locale, format_date, get_locale, gettext
from flask_babel import lazy_gettext as _l
from peewee import (JOIN, BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField,
                    TextField, TimeField, fn, prefetch)

from portal import mail, search
from portal.accounts.models import Department, User
from portal.audit import AuditEntry, apply_changes
from portal.calendar import CompanyCalendar
from portal.db import Ask, BaseModel, Invalid, Prepared, Stale, db, utcnow
from portal.i18n import ZONES, zone_name
from portal.meetings import agenda, announcements
from portal.meetings.invitation import invitation
from portal.notifications.models import notify
from portal.tasks.models import Task

WEEKDAYS = [_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"),
            _l("Sunday")]
ATTENDANCE = {"present": _l("Present"), "absent": _l("Absent"), "excused": _l("Excused")}
ACTION_STATES = {"open": _l("Open"), "done": _l("Done"), "cancelled": _l("Cancelled")}
# The agenda is rebuilt from live data when the page is opened, at most this often.
AGENDA_FRESH_FOR = datetime.timedelta(minutes=5)
# The groups' robots say a meeting is about to start this long before it does.
GROUP_REMINDER = datetime.timedelta(minutes=15)
CLOSED_MESSAGE = _l("These minutes are closed and can no longer be edited. "
                    "Ask the coordinator for a correction; it is kept as a new version.")


def to_utc(day, local_time, timezone):
    """Naive UTC of a wall-clock time in `timezone`. A time in a DST gap is read with the offset
    before the gap (02:30 becomes 03:30 summer time), as RFC 5545 reads it."""
    local = datetime.datetime.combine(day, local_time, tzinfo=zoneinfo.ZoneInfo(timezone))
    return local.astimezone(datetime.UTC).replace(tzinfo=None)


def exists_locally(day, local_time, timezone):
    """False for a wall-clock time the clocks skip (the hour lost when summer time begins)."""
    moment = to_utc(day, local_time, timezone)
    back = moment.replace(tzinfo=datetime.UTC).astimezone(zoneinfo.ZoneInfo(timezone))
    return back.replace(tzinfo=None) == datetime.datetime.combine(day, local_time)


class MeetingSeries(BaseModel):
    """A weekly meeting, or a single one (a series that does not recur)."""

    title = CharField(max_length=200)
    coordinator = ForeignKeyField(User, backref="coordinated_series", on_delete="RESTRICT")
    weekday = IntegerField()
    start_time = TimeField()  # wall-clock time in `timezone`
    duration_minutes = IntegerField(default=60)
    timezone = CharField(max_length=64)
    location = CharField(max_length=200, default="")
    video_link = CharField(max_length=500, default="")
    reminder_minutes = IntegerField(default=60)
    recurring = BooleanField(default=True)
    active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)

    def __str__(self):
        return self.title

    # -- who takes part -----------------------------------------------------------------------

    def departments(self):
        return (Department.select().join(SeriesDepartment).where(SeriesDepartment.series == self)
                .order_by(Department.name))

    def people(self):
        return User.select().join(SeriesPerson).where(SeriesPerson.series == self).order_by(User.name)

    def participants(self):
        """Active named people and active members of the participating departments, with the coordinator."""
        named = SeriesPerson.select(SeriesPerson.user).where(SeriesPerson.series == self)
        departments = SeriesDepartment.select(SeriesDepartment.department).where(SeriesDepartment.series == self)
        return (User.select().where(User.active & (User.id.in_(named) | User.department.in_(departments)
                                                   | (User.id == self.coordinator_id)))
                .order_by(User.name))

    def includes(self, user):
        """Whether `user` takes part: named, or an active member of a participating department."""
        if not user.active:
            return False
        if SeriesPerson.select().where((SeriesPerson.series == self) & (SeriesPerson.user == user.id)).exists():
            return True
        return bool(user.department_id) and SeriesDepartment.select().where(
            (SeriesDepartment.series == self) & (SeriesDepartment.department == user.department_id)).exists()

    @classmethod
    def visible_to(cls, user):
        """The series `user` may see: all for admins, else those they coordinate or take part in."""
        query = cls.select(cls, User).join(User, on=(cls.coordinator == User.id))
        if user.is_admin:
            return query
        return query.where(cls.attended_by(user))

    @classmethod
    def attended_by(cls, user):
        """A condition on MeetingSeries: `user` coordinates it, is named, or their department takes part."""
        if not user.department_id:
            return _ATTENDED_BY_OUTSIDER((cls, SeriesPerson), user.id)
        return _ATTENDED_BY_MEMBER((cls, SeriesPerson, SeriesDepartment), user.id, user.department_id)

    # -- schedule -----------------------------------------------------------------------------

    @property
    def weekday_label(self):
        return WEEKDAYS[self.weekday]

    def next_start(self, after):
        """Naive UTC of the first meeting of this weekly schedule strictly after `after` (naive UTC)."""
        local = after.replace(tzinfo=datetime.UTC).astimezone(zoneinfo.ZoneInfo(self.timezone))
        day = local.date() + datetime.timedelta(days=(self.weekday - local.weekday()) % 7)
        start = to_utc(day, self.start_time, self.timezone)
        if start <= after:
            start = to_utc(day + datetime.timedelta(days=7), self.start_time, self.timezone)
        return start

    def upcoming(self, now=None):
        """The first open meeting that has not started yet, if any."""
        return (self.meetings.where((Meeting.state == "open") & (Meeting.starts_at > (now or utcnow())))
                .order_by(Meeting.starts_at).first())

    def ensure_next_meeting(self, after=None, now=None):
        """Make sure a recurring series has a meeting after `after` (default: now); return it."""
        now = now or utcnow()
        after = max(after or now, now)
        if not (self.active and self.recurring):
            return None
        with db.atomic():
            MeetingSeries.locked(self.id)  # two at once (the job and a close) plan one meeting
            existing = self.meetings.where(Meeting.starts_at > after).order_by(Meeting.starts_at).first()
            if existing is not None:
                return existing
            return Meeting.schedule(self, self.next_start(after), now)

    @classmethod
    def ensure_all_next_meetings(cls, now=None):
        """The periodic job's work: every active recurring series gets its next meeting."""
        return [series.ensure_next_meeting(now=now)
                for series in cls.select().where(cls.active & cls.recurring)]

    # -- behaviours ---------------------------------------------------------------------------

    @classmethod
    def plan(cls, by, *, departments, people, day, start_time, now=None, **details):
        """Create a series and its first meeting on `day` at `start_time` in the series' zone."""
        now = now or utcnow()
        with db.atomic():
            series = cls(**details)
            _check_details(series, departments, people)
            starts_at = _check_start(day, start_time, series.timezone, now)
            series.weekday = day.weekday()
            series.start_time = start_time
            series.save()
            series._link(departments, people)
            meeting = Meeting.schedule(series, starts_at, now)
            AuditEntry.record(by, "meeting_series.create", series, {
                "title": [None, series.title], "starts_at": [None, starts_at.isoformat()],
                "participants": [None, _participant_names(departments, people)]})
        return series, meeting

    def update_details(self, by, *, departments, people, day=None, start_time=None, now=None, **details):
        """Change the series; with a day and time, move its upcoming meeting there too."""
        now = now or utcnow()
        with db.atomic():
            self.refresh()
            before = _participant_names(list(self.departments()), list(self.people()))
            changes = apply_changes(self, **details)
            _check_details(self, departments, people)
            upcoming = self.upcoming(now)
            if upcoming is not None and day is not None and start_time is not None:
                starts_at = _check_start(day, start_time, self.timezone, now)
                changes.update(apply_changes(self, weekday=day.weekday(), start_time=start_time))
                upcoming.reschedule(starts_at, self.duration_minutes)
            elif upcoming is not None and "duration_minutes" in changes:
                upcoming.reschedule(upcoming.starts_at, self.duration_minutes)
            after = _participant_names(departments, people)
            if after != before:
                changes["participants"] = [before, after]
            self.save()
            self._link(departments, people)
            if changes:
                AuditEntry.record(by, "meeting_series.update", self, changes)
            self.ensure_next_meeting(now=now)
        return changes

    def end(self, by, now=None):
        """Stop the series: no further meetings are created, those planned are cancelled (calendars
        that show them hear so); the past stays readable."""
        now = now or utcnow()
        with db.atomic():
            self.refresh()
            changes = apply_changes(self, active=False)
            if changes:
                self.save()
                cancelled = Meeting.cancel_planned(self, now)
                AuditEntry.record(by, "meeting_series.end", self, changes,
                                  summary="%d planned meetings cancelled" % cancelled if cancelled else "")
        return changes

    def _link(self, departments, people):
        SeriesDepartment.delete().where(SeriesDepartment.series == self).execute()
        SeriesPerson.delete().where(SeriesPerson.series == self).execute()
        if departments:
            SeriesDepartment.insert_many([{"series": self, "department": d} for d in departments]).execute()
        if people:
            SeriesPerson.insert_many([{"series": self, "user": u} for u in people]).execute()

    def archive(self, limit=20):
        """The closed meetings, newest first, with their decisions and action items (three queries)."""
        meetings = (self.meetings.where(Meeting.state == "closed").order_by(Meeting.starts_at.desc())
                    .limit(limit))
        held = prefetch(meetings, Decision.select().order_by(Decision.id), ActionItem.with_tasks())
        for meeting in held:
            meeting.series = self  # its dates are shown in this series' zone
        return held


def _check_details(series, departments, people):
    if not departments and not people:
        raise Invalid(_l("Choose at least one participating department or person."), "departments")
    if series.timezone not in ZONES:
        raise Invalid(_l("Choose a time zone from the list."), "timezone")
    if series.coordinator is None or not series.coordinator.active:
        raise Invalid(_l("The coordinator must be an active account."), "coordinator")
    if series.video_link and urlsplit(series.video_link).scheme not in ("http", "https"):
        raise Invalid(_l("A video link starts with http:// or https://."), "video_link")


def _check_start(day, start_time, timezone, now):
    if not exists_locally(day, start_time, timezone):
        raise Invalid(_l("%(time)s does not exist on %(day)s in %(zone)s: the clocks skip that hour. "
                         "Choose another time.", time=start_time.strftime("%H:%M"), day=day.isoformat(),
                         zone=zone_name(timezone)), "start_time")
    starts_at = to_utc(day, start_time, timezone)
    if starts_at <= now:
        raise Invalid(_l("This time has already passed. Choose a time in the future."), "day")
    return starts_at


def _participant_names(departments, people):
    return ", ".join(sorted([d.name for d in departments] + [u.name for u in people]))


class SeriesDepartment(BaseModel):
    series = ForeignKeyField(MeetingSeries, backref="department_links", on_delete="CASCADE")
    department = ForeignKeyField(Department, on_delete="CASCADE")

    class Meta:
        indexes = ((("series", "department"), True),)


class SeriesPerson(BaseModel):
    series = ForeignKeyField(MeetingSeries, backref="person_links", on_delete="CASCADE")
    user = ForeignKeyField(User, on_delete="CASCADE")

    class Meta:
        indexes = ((("series", "user"), True),)


def _attended_by_outsider(series, person, user_id):
    return (series.coordinator == user_id) | series.id.in_(person.select(person.series).where(person.user == user_id))


def _attended_by_member(series, person, taking_part, user_id, department_id):
    return _attended_by_outsider(series, person, user_id) | series.id.in_(
        taking_part.select(taking_part.series).where(taking_part.department == department_id))


_ATTENDED_BY_OUTSIDER = Prepared(_attended_by_outsider, places=1)
_ATTENDED_BY_MEMBER = Prepared(_attended_by_member, places=2)


class Meeting(BaseModel):
    series = ForeignKeyField(MeetingSeries, backref="meetings", on_delete="CASCADE")
    starts_at = DateTimeField(index=True)  # naive UTC
    ends_at = DateTimeField()
    state = CharField(max_length=10, default="open")
    # The iCalendar SEQUENCE: raised each time the meeting moves, so calendars take the new time.
    sequence = IntegerField(default=0)
    agenda_built_at = DateTimeField(null=True)
    reminded_at = DateTimeField(null=True)
    group_reminded_at = DateTimeField(null=True)
    closed_at = DateTimeField(null=True)
    closed_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")

    class Meta:
        indexes = ((("series", "starts_at"), True),)

    def __str__(self):
        return "%s %s" % (self.series.title, self.local_start.date().isoformat())

    @property
    def closed(self):
        return self.state == "closed"

    @property
    def ref(self):
        """What the minutes mail is about, for the outbox."""
        return "minutes:%d" % self.id

    @property
    def local_start(self):
        return self.starts_at.replace(tzinfo=datetime.UTC).astimezone(zoneinfo.ZoneInfo(self.series.timezone))

    @property
    def local_end(self):
        return self.ends_at.replace(tzinfo=datetime.UTC).astimezone(zoneinfo.ZoneInfo(self.series.timezone))

    def when(self):
        """Weekday, date and start time in the series' own time zone, in the current language."""
        locale = get_locale()
        day = format_skeleton("yMMMEd", self.local_start, locale=locale)
        return locale.datetime_formats["medium"].format(self.local_start.strftime("%H:%M"), day)

    def day(self, fmt="medium"):
        return format_date(self.local_start.date(), fmt)

    @property
    def day_off_warning(self):
        """Said where the meeting is shown when it falls on a day the company calendar has off (a
        holiday, a closed day, a weekend without make-up work); None otherwise."""
        if CompanyCalendar.current().is_working_day(self.local_start.date()):
            return None
        return _l("%(when)s falls on a day off in the company calendar: move the meeting if people will be away.",
                  when=self.when())

    def path(self, anchor=None):
        """The meeting page's path, also outside a request (jobs, mail)."""
        url = urlsplit(mail.absolute_url("meetings.show", meeting_id=self.id))
        return url.path + ("#" + anchor if anchor else "")

    def previous(self):
        return (Meeting.select().where((Meeting.series == self.series_id) & (Meeting.starts_at < self.starts_at))
                .order_by(Meeting.starts_at.desc()).first())

    def following(self):
        """The next meeting of the series after this one, if it is scheduled."""
        return (Meeting.select().where((Meeting.series == self.series_id) & (Meeting.starts_at > self.starts_at))
                .order_by(Meeting.starts_at).first())

    @classmethod
    def seen_by(cls, user, state=None, starts_from=None, starts_to=None):
        """Meetings of the series `user` may see, with their series, narrowed by state and by the
        days they start on (in UTC)."""
        series = MeetingSeries.visible_to(user).select(MeetingSeries.id)
        query = cls.select(cls, MeetingSeries).join(MeetingSeries).where(cls.series.in_(series))
        if state is not None:
            query = query.where(cls.state == state)
        if starts_from is not None:
            query = query.where(cls.starts_at >= datetime.datetime.combine(starts_from, datetime.time()))
        if starts_to is not None:
            query = query.where(cls.starts_at < datetime.datetime.combine(starts_to + datetime.timedelta(days=1),
                                                                          datetime.time()))
        return query

    @classmethod
    def attended_by(cls, user, since):
        """Meetings since `since` of the series `user` runs or takes part in (not merely may see, as
        an admin may all): what their calendar shows."""
        return (cls.select(cls, MeetingSeries, User).join(MeetingSeries).join(User, on=MeetingSeries.coordinator)
                .where(MeetingSeries.attended_by(user) & (cls.starts_at >= since)).order_by(cls.starts_at, cls.id))

    @classmethod
    def next_shared(cls, user, other=None, department=None, now=None):
        """The next open meeting of a series that `user` takes part in together with `other` (a
        person) or `department`, soonest first; None when no series holds both."""
        both = MeetingSeries.attended_by(user)
        if other is not None:
            both &= MeetingSeries.attended_by(other)
        if department is not None:
            both &= MeetingSeries.id.in_(SeriesDepartment.select(SeriesDepartment.series)
                                         .where(SeriesDepartment.department == department.id))
        return (cls.select(cls, MeetingSeries).join(MeetingSeries)
                .where(both & MeetingSeries.active & (cls.state == "open") & (cls.starts_at > (now or utcnow())))
                .order_by(cls.starts_at, cls.id).first())

    @classmethod
    def open_for(cls, user):
        """Meetings not yet closed in the series `user` may see, soonest first."""
        series = MeetingSeries.visible_to(user).select(MeetingSeries.id)
        return (cls.select(cls, MeetingSeries).join(MeetingSeries)
                .where((cls.state == "open") & cls.series.in_(series)).order_by(cls.starts_at))

    # -- the agenda -----------------------------------------------------------------------------

    @classmethod
    def schedule(cls, series, starts_at, now=None):
        with db.atomic():
            meeting = cls.create(series=series, starts_at=starts_at,
                                 ends_at=starts_at + datetime.timedelta(minutes=series.duration_minutes))
            meeting.build_agenda(now)
        return meeting

    @classmethod
    def cancel_planned(cls, series, now):
        """Cancel the series' meetings that have not started; each keeps its calendar UID and
        raises its SEQUENCE, so a calendar replaces the entry with a cancelled one."""
        return (cls.update(state="cancelled", sequence=cls.sequence + 1)
                .where((cls.series == series) & (cls.state == "open") & (cls.starts_at > now)).execute())

    def reschedule(self, starts_at, duration_minutes):
        ends_at = starts_at + datetime.timedelta(minutes=duration_minutes)
        if (starts_at, ends_at) != (self.starts_at, self.ends_at):
            self.starts_at, self.ends_at = starts_at, ends_at
            self.sequence += 1
            self.reminded_at = self.group_reminded_at = None
            self.save()

    def build_agenda(self, now=None):
        """Fill the agenda from the live sources; what the coordinator removed stays removed.

        Items a source no longer reports leave the agenda unless someone wrote notes on them.
        """
        if self.closed:
            return
        now = now or utcnow()
        previous = self.previous()
        since = previous.starts_at if previous is not None else self.starts_at - datetime.timedelta(days=7)
        with db.atomic():
            Meeting.locked(self.id)  # two pages opened at once build it once
            existing = {item.ref: item for item in self.agenda_items.where(AgendaItem.ref.is_null(False))}
            reported = set()
            for source in agenda.AGENDA_SOURCES:
                position = _last_position(self, source.key)
                for found in source.collect(self, since):
                    reported.add(found["ref"])
                    item = existing.get(found["ref"])
                    if item is None:
                        position += 1
                        AgendaItem.create(meeting=self, section=source.key, position=position,
                                          title=found["title"][:300], link=found.get("link", ""),
                                          ref=found["ref"], status=found.get("status", ""))
                    elif (item.title, item.link, item.status) != (found["title"][:300], found.get("link", ""),
                                                                  found.get("status", "")):
                        (AgendaItem.update(title=found["title"][:300], link=found.get("link", ""),
                                           status=found.get("status", "")).where(AgendaItem.id == item.id)
                         .execute())
                        if item.notes:
                            item.title = found["title"][:300]
                            item.index_for_search()
            gone = [item.id for ref, item in existing.items() if ref not in reported and not item.notes]
            if gone:
                AgendaItem.delete().where(AgendaItem.id.in_(gone)).execute()
            Meeting.update(agenda_built_at=now).where(Meeting.id == self.id).execute()
            self.agenda_built_at = now

    def refresh_agenda(self, now=None):
        """Rebuild the agenda when it is older than a few minutes (the page is opened often)."""
        now = now or utcnow()
        if not self.closed and (self.agenda_built_at is None or now - self.agenda_built_at > AGENDA_FRESH_FOR):
            self.build_agenda(now)

    def agenda_sections(self, reader=None):
        """[(section key, title, [items])] in the registry's order, hand-added topics last; for a
        `reader`, without the items naming what they may not see."""
        items = list(self.agenda_items.where(AgendaItem.removed_at.is_null())
                     .order_by(AgendaItem.position, AgendaItem.id))
        if reader is not None:
            hidden = agenda.hidden_refs([item.ref for item in items], reader)
            items = [item for item in items if item.ref not in hidden]
        return [(key, title, [i for i in items if i.section == key]) for key, title in agenda.sections()]

    def add_agenda_item(self, by, section, title, link=""):
        if section not in dict(agenda.sections()):
            raise Invalid(_l("Choose a section from the list."), "section")
        with db.atomic():
            self._refuse_if_closed()
            item = AgendaItem.create(meeting=self, section=section, title=title, link=link,
                                     position=_last_position(self, section) + 1)
            AuditEntry.record(by, "agenda.add", item, {"title": [None, title]})
        return item

    # -- minutes --------------------------------------------------------------------------------

    def decisions_in_order(self):
        return self.decisions.order_by(Decision.id)

    def record_decision(self, by, text):
        with db.atomic():
            self._refuse_if_closed()
            decision = Decision.create(meeting=self, text=text, created_by=by, updated_by=by)
            AuditEntry.record(by, "decision.create", decision, {"text": [None, text]})
            decision.index_for_search()
        return decision

    def attendance(self):
        """{user id: status} as recorded so far ("" for a participant of closed minutes never marked)."""
        return dict(Attendance.select(Attendance.user, Attendance.status).where(Attendance.meeting == self).tuples())

    def participants(self):
        """Who takes part: the series' people while the minutes are open; once closed, those who
        took part then, whoever joined or left the series since."""
        if not self.closed:
            return self.series.participants()
        return (User.select().join(Attendance, on=(Attendance.user == User.id))
                .where(Attendance.meeting == self).order_by(User.name))

    def freeze_participants(self):
        """Part of closing: a row (status "") for each participant whose attendance was not marked,
        so the closed minutes keep who took part."""
        marked = set(self.attendance())
        rows = [{"meeting": self, "user": user.id, "status": ""} for user in self.series.participants()
                if user.id not in marked]
        if rows:
            Attendance.insert_many(rows).execute()

    def record_attendance(self, by, statuses):
        """Save {user id: status}; an empty status clears what was recorded."""
        participants = {u.id: u for u in self.series.participants()}
        if set(statuses) - set(participants) or set(statuses.values()) - set(ATTENDANCE) - {""}:
            raise Invalid(_l("Choose present, absent or excused for the people of this meeting."))
        with db.atomic():
            self._refuse_if_closed()
            before = self.attendance()
            changes = {participants[uid].name: [before.get(uid), status or None] for uid, status in statuses.items()
                       if before.get(uid) != (status or None)}
            Attendance.delete().where((Attendance.meeting == self) & Attendance.user.in_(list(statuses))).execute()
            rows = [{"meeting": self, "user": uid, "status": status} for uid, status in statuses.items() if status]
            if rows:
                Attendance.insert_many(rows).execute()
            if changes:
                AuditEntry.record(by, "meeting.attendance", self, changes)
        return changes

    def action_items_with_owners(self):
        return (ActionItem.with_tasks().where(ActionItem.meeting == self).order_by(ActionItem.due_on, ActionItem.id))

    def assign_action(self, by, what, owner, due_on, confirmed=False, now=None):
        """`confirmed`: the person said yes to a due date already past (an item agreed late and
        recorded afterwards is real); unconfirmed, such a date is asked about, not refused."""
        if owner is None:
            raise Invalid(_l("Every action item needs one owner."), "owner")
        if not owner.active:
            raise Invalid(_l("%(name)s's account is deactivated; choose an active owner.", name=owner.name), "owner")
        if owner.id != self.series.coordinator_id and not self.series.includes(owner):
            raise Invalid(_l("The owner must take part in this meeting."), "owner")
        if not confirmed and due_on < self.local_today(now):
            raise Ask(_l("%(date)s has passed: when the minutes close this becomes a task that is already "
                         "overdue, and %(name)s is told so. Keep this date?",
                         date=format_date(due_on, "long"), name=owner.name), "due_on", _l("Keep this date"))
        with db.atomic():
            self._refuse_if_closed()
            item = ActionItem.create(meeting=self, what=what, owner=owner, due_on=due_on, created_by=by)
            AuditEntry.record(by, "action_item.create", item, {
                "what": [None, what], "owner": [None, owner.name], "due_on": [None, due_on.isoformat()]})
            search.index(**item.search_document())
        return item

    def versions(self):
        return (MinutesVersion.select(MinutesVersion, User)
                .join(User, JOIN.LEFT_OUTER, on=(MinutesVersion.created_by == User.id))
                .where(MinutesVersion.meeting == self).order_by(MinutesVersion.number.desc()))

    def _refuse_if_closed(self):
        # Read under the write lock: a close in another tab is seen here, and the agenda's and the
        # minutes' numbering is this transaction's alone until it ends.
        state = Meeting.locked(self.id).state
        if state == "closed":
            raise Invalid(CLOSED_MESSAGE)
        if state == "cancelled":
            raise Invalid(_l("This meeting was cancelled; its minutes cannot be written."))

    # -- closing and sending ----------------------------------------------------------------------

    def recipient_candidates(self):
        return [u for u in self.series.participants() if u.email]

    def local_today(self, now=None):
        """Today's date where the meeting takes place."""
        moment = (now or utcnow()).replace(tzinfo=datetime.UTC)
        return moment.astimezone(zoneinfo.ZoneInfo(self.series.timezone)).date()

    def close(self, by, recipients, now=None, confirmed=False):
        """Lock the minutes (version 1), freeze who took part, turn action items into tasks, schedule
        the next meeting, and queue one mail per recipient. Exactly once: a second click or tab is
        refused with AlreadyClosed. Before the meeting has begun it asks first (`confirmed`)."""
        now = now or utcnow()
        with db.atomic():
            # The series first: closing plans the next meeting, and planning locks series before meeting.
            MeetingSeries.locked(self.series_id)
            # Under the write lock from here, so this read sees any other close.
            state = Meeting.locked(self.id).state
            if state == "closed":
                raise AlreadyClosed(_l("These minutes were already closed and sent."))
            if state == "cancelled":
                raise Invalid(_l("This meeting was cancelled; its minutes cannot be written."))
            allowed = {u.id: u for u in self.recipient_candidates()}
            chosen = [allowed[u.id] for u in recipients if u.id in allowed]
            if not chosen:
                raise Invalid(_l("Choose at least one person to send the minutes to."), "recipients")
            actions = list(self.action_items_with_owners())
            for item in actions:
                if not item.owner.active:
                    raise Invalid(_l("“%(what)s” belongs to %(name)s, whose account is deactivated. "
                                     "Give it an active owner first.", what=item.what, name=item.owner.name))
            if not confirmed and now < self.starts_at:
                raise Ask(_l("This meeting is planned for %(when)s and has not begun. Close the minutes and send "
                             "them now?", when=self.when()), answer=_l("Close and send now"))
            self.state, self.closed_at, self.closed_by = "closed", now, by
            self.save()
            self.freeze_participants()
            MinutesVersion.record(self, by)
            for item in actions:
                item.to_task(by, self)
            following = self.series.ensure_next_meeting(after=self.starts_at, now=now) or self.following()
            link = mail.absolute_url("meetings.show", meeting_id=self.id)
            decisions = list(self.decisions_in_order())
            targets = self.agenda_section_items(agenda.MAILED_SECTION)
            # The agenda items someone wrote notes on, and who took part as closing froze it.
            notes = [item for _key, _title, items in self.agenda_sections() for item in items if item.notes]
            statuses = self.attendance()
            attendance = [(person, statuses.get(person.id, "")) for person in self.participants()]
            for user in chosen:
                attachments = []
                if following is not None:
                    attachments.append(("meeting.ics", "text/calendar; method=REQUEST; charset=utf-8",
                                        invitation(following, user, now)))
                # What a recipient may not see stays out of their copy: targets and notes alike.
                hidden = agenda.hidden_refs([item.ref for item in targets + notes], user)
                mail.queue("minutes", user, ref=self.ref, attachments=attachments, meeting=self,
                           decisions=decisions, actions=_by_owner(actions), link=link, following=following,
                           targets=[item for item in targets if item.ref not in hidden],
                           notes=[item for item in notes if item.ref not in hidden],
                           attendance=attendance, attendance_choices=ATTENDANCE)
                notify(user, "minutes.sent", link=self.path(), subject=self, meeting=str(self))
            announcements.minutes_closed(self, decisions, _by_owner(actions))
            AuditEntry.record(by, "meeting.close", self, {"state": ["open", "closed"]},
                              summary="minutes sent to %d people" % len(chosen))
        return chosen

    def agenda_section_items(self, section):
        return list(self.agenda_items.where((AgendaItem.section == section) & AgendaItem.removed_at.is_null())
                    .order_by(AgendaItem.position))

    def delivery(self):
        """The minutes mail per recipient: state, attempts, last error, with the recipient."""
        return (mail.OutboxMessage.select(mail.OutboxMessage, User)
                .join(User, JOIN.LEFT_OUTER, on=(mail.OutboxMessage.recipient_id == User.id), attr="recipient")
                .where(mail.OutboxMessage.ref == self.ref).order_by(User.name, mail.OutboxMessage.id))

    def resend_minutes(self, by, message_id=None):
        """Queue the minutes again to one recipient, or (without an id) to all whose mail failed."""
        outbox = mail.OutboxMessage
        # A message still queued or being sent is left alone: sending it again could deliver it twice.
        query = self.delivery().where((outbox.id == message_id) & outbox.state.in_(["failed", "sent"])
                                      if message_id else outbox.state == "failed")
        messages = list(query)
        if message_id and not messages:
            raise Invalid(_l("That mail is not part of these minutes, or is still on its way."))
        with db.atomic():
            for message in messages:
                message.resend()
            if messages:
                AuditEntry.record(by, "meeting.resend", self,
                                  summary="minutes queued again to %s" % ", ".join(m.to_address for m in messages))
        return messages

    # -- reminders and the digest -------------------------------------------------------------------

    @classmethod
    def due_for_reminder(cls, now):
        # The longest lead time a series may choose is a week; the exact one is checked per meeting.
        soon = (cls.select(cls, MeetingSeries).join(MeetingSeries)
                .where((cls.state == "open") & cls.reminded_at.is_null() & (cls.starts_at > now)
                       & (cls.starts_at <= now + datetime.timedelta(days=7)) & (MeetingSeries.reminder_minutes > 0)))
        return [m for m in soon if m.starts_at - datetime.timedelta(minutes=m.series.reminder_minutes) <= now]

    def remind(self, now):
        """Tell every participant the meeting is coming; once each, even with two workers."""
        for user in self.series.participants():
            with force_locale(user.mail_language):
                time = self.when()
            notify(user, "meeting.reminder", link=self.path(), key="meeting.reminder:%d:%d" % (self.id, user.id),
                   subject=self, meeting=self.series.title, time=time)
        Meeting.update(reminded_at=now).where(Meeting.id == self.id).execute()

    @classmethod
    def starting_soon(cls, now):
        """Open meetings starting within GROUP_REMINDER whose groups have not been told yet."""
        return list(cls.select(cls, MeetingSeries).join(MeetingSeries)
                    .where((cls.state == "open") & cls.group_reminded_at.is_null() & (cls.starts_at > now)
                           & (cls.starts_at <= now + GROUP_REMINDER)).order_by(cls.starts_at))

    def tell_groups_it_starts(self, now):
        """Tell the meeting's groups it starts soon; once, whatever the number of workers or restarts."""
        with db.atomic():
            # The mark and the messages commit together: a second worker finds the mark set (its
            # conditional UPDATE changes nothing) and a crash before the commit leaves neither.
            marked = (Meeting.update(group_reminded_at=now)
                      .where((Meeting.id == self.id) & Meeting.group_reminded_at.is_null()
                             & (Meeting.starts_at == self.starts_at)).execute())
            return announcements.starting(self, now) if marked else []

    @classmethod
    def digest_for(cls, user, since):
        """Digest items: decisions and action items of the week's meetings, and the next meeting."""
        series = MeetingSeries.visible_to(user).select(MeetingSeries.id)
        held = list(cls.select(cls, MeetingSeries).join(MeetingSeries)
                    .where((cls.state == "closed") & (cls.closed_at >= since) & cls.series.in_(series))
                    .order_by(cls.starts_at))
        items = []
        decisions = Decision.select().where(Decision.meeting.in_([m.id for m in held])).order_by(Decision.id)
        actions = (ActionItem.select(ActionItem, User).join(User, on=(ActionItem.owner == User.id))
                   .where(ActionItem.meeting.in_([m.id for m in held])).order_by(ActionItem.due_on))
        by_meeting = {m.id: m for m in held}
        for decision in decisions:
            meeting = by_meeting[decision.meeting_id]
            items.append({"text": gettext("Decision: %(text)s", text=_one_line(decision.text)),
                          "link": meeting.path("decisions"), "note": str(meeting)})
        for action in actions:
            items.append({"text": gettext("Action item: %(what)s — %(owner)s, due %(due)s", what=action.what,
                                     owner=action.owner.name, due=format_date(action.due_on, "medium")),
                          "link": by_meeting[action.meeting_id].path("action-%d" % action.id),
                          "note": ACTION_STATES[action.status]})
        upcoming = cls.open_for(user).where(cls.starts_at > utcnow()).first()
        if upcoming is not None:
            items.append({"text": gettext("Next meeting: %(title)s, %(when)s", title=upcoming.series.title,
                                     when=upcoming.when()), "link": upcoming.path(), "note": ""})
        return items


class AlreadyClosed(Invalid):
    """Closing minutes that are closed already (a second click, another tab)."""


def _last_position(meeting, section):
    return (AgendaItem.select(fn.MAX(AgendaItem.position))
            .where((AgendaItem.meeting == meeting) & (AgendaItem.section == section)).scalar() or 0)


def _by_owner(actions):
    grouped = {}
    for item in actions:
        grouped.setdefault(item.owner, []).append(item)
    return sorted(grouped.items(), key=lambda pair: pair[0].name)


def _one_line(text, limit=200):
    line = " ".join(text.split())
    return line if len(line) <= limit else line[:limit - 1] + "…"


class _Editable:
    """Texts two people may edit at once: each save names the version it started from."""

    def _save_text(self, by, field, text, version, reason, action, correcting):
        """`correcting`: the caller may correct closed minutes (the permissions module said so);
        otherwise a text of closed minutes is refused, also when they closed a moment ago."""
        meeting = self.meeting
        with db.atomic():
            state = Meeting.locked(meeting.id).state
            correcting = correcting and state == "closed"
            if state == "closed" and not correcting:
                raise Invalid(CLOSED_MESSAGE)
            if correcting and not reason:
                raise Invalid(_l("Say briefly what this correction changes."), "reason")
            model = type(self)
            current = model.locked(self.id)
            old = getattr(current, field)
            if old == text and current.version == version:
                return {}
            updated = (model.update({getattr(model, field): text, model.version: model.version + 1,
                                     model.updated_by: by, model.updated_at: utcnow()})
                       .where((model.id == self.id) & (model.version == version)).execute())
            if not updated:
                raise Stale(_l("Someone saved a newer version while you were editing. Their text is shown; "
                               "yours is kept below. Merge them and save again."), current)
            setattr(self, field, text)
            self.version = version + 1
            changes = {field: [old, text]}
            AuditEntry.record(by, action, self, changes, summary=reason or "")
            self.index_for_search()
            if correcting:
                MinutesVersion.record(meeting, by, reason)
        return changes


class AgendaItem(_Editable, BaseModel):
    meeting = ForeignKeyField(Meeting, backref="agenda_items", on_delete="CASCADE")
    section = CharField(max_length=20)
    position = IntegerField(default=0)
    title = CharField(max_length=300)
    link = CharField(max_length=500, default="")
    # What a live source reported ("action:12"); empty for topics added by hand.
    ref = CharField(max_length=100, null=True)
    status = CharField(max_length=20, default="")
    notes = TextField(default="")
    version = IntegerField(default=0)
    updated_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    updated_at = DateTimeField(null=True)
    removed_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("meeting", "ref"), True),)

    @property
    def status_label(self):
        return agenda.STATUS_LABELS.get(self.status, "")

    def write_notes(self, by, text, version, reason="", correcting=False):
        return self._save_text(by, "notes", text, version, reason, "agenda.notes", correcting)

    def search_document(self, meeting=None):
        meeting = meeting or self.meeting
        return dict(kind="agenda_item", object_id=self.id, title=self.title, body=self.notes,
                    at=self.updated_at or meeting.starts_at, parent_id=meeting.id, series_id=meeting.series_id)

    def index_for_search(self):
        """Topics are found by what was said about them: one without notes is not in the index."""
        if self.notes and self.removed_at is None:
            search.index(**self.search_document())
        else:
            search.remove("agenda_item", self.id)

    def move(self, by, step):
        """Swap with the neighbour above (step -1) or below (+1) in the same section."""
        with db.atomic():
            self.meeting._refuse_if_closed()
            siblings = list(AgendaItem.select().where(
                (AgendaItem.meeting == self.meeting_id) & (AgendaItem.section == self.section)
                & AgendaItem.removed_at.is_null()).order_by(AgendaItem.position, AgendaItem.id))
            index = next(i for i, item in enumerate(siblings) if item.id == self.id)
            other = index + step
            if not 0 <= other < len(siblings):
                return False
            siblings[index], siblings[other] = siblings[other], siblings[index]
            for position, item in enumerate(siblings, 1):
                if item.position != position:
                    AgendaItem.update(position=position).where(AgendaItem.id == item.id).execute()
            AuditEntry.record(by, "agenda.move", self, summary="moved %s" % ("up" if step < 0 else "down"))
        return True

    def remove(self, by):
        """Take the item off the agenda; a live source will not bring it back."""
        with db.atomic():
            self.meeting._refuse_if_closed()
            self.removed_at = utcnow()
            self.save()
            AuditEntry.record(by, "agenda.remove", self, {"title": [self.title, None]})
            search.remove("agenda_item", self.id)


class Decision(_Editable, BaseModel):
    meeting = ForeignKeyField(Meeting, backref="decisions", on_delete="CASCADE")
    text = TextField()
    version = IntegerField(default=1)
    created_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    updated_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    updated_at = DateTimeField(default=utcnow)

    def revise(self, by, text, version, reason="", correcting=False):
        return self._save_text(by, "text", text, version, reason, "decision.update", correcting)

    def search_document(self, meeting=None):
        meeting = meeting or self.meeting
        return dict(kind="decision", object_id=self.id, title="", body=self.text, at=self.updated_at,
                    parent_id=meeting.id, series_id=meeting.series_id, creator_id=self.created_by_id)

    def index_for_search(self):
        search.index(**self.search_document())

    def withdraw(self, by):
        with db.atomic():
            self.meeting._refuse_if_closed()
            AuditEntry.record(by, "decision.delete", self, {"text": [self.text, None]})
            self.delete_instance()
            search.remove("decision", self.id)


class Attendance(BaseModel):
    meeting = ForeignKeyField(Meeting, backref="attendance_rows", on_delete="CASCADE")
    user = ForeignKeyField(User, on_delete="CASCADE")
    status = CharField(max_length=10)

    class Meta:
        indexes = ((("meeting", "user"), True),)


class ActionItem(BaseModel):
    """What someone agreed to do: one owner, a due date. Becomes a task when the minutes close."""

    meeting = ForeignKeyField(Meeting, backref="action_items", on_delete="CASCADE")
    what = CharField(max_length=300)
    owner = ForeignKeyField(User, backref="action_items", on_delete="RESTRICT")
    due_on = DateField()
    status = CharField(max_length=10, default="open")
    # The task this item became when the minutes closed; its owner follows it up there.
    task_id = IntegerField(null=True)
    created_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    settled_at = DateTimeField(null=True)

    @classmethod
    def visible_to(cls, user):
        """The ids of the action items `user` may see: those of the series they may see (the view rule
        of portal.permissions, in SQL; tests/test_rule_twins.py holds the two together)."""
        query = cls.select(cls.id).join(Meeting)
        if user.is_admin:
            return query
        return query.where(Meeting.series.in_(MeetingSeries.select(MeetingSeries.id)
                                              .where(MeetingSeries.attended_by(user))))

    @classmethod
    def closed_by(cls, user, start, end):
        """Action items `user` owns that were done between `start` and `end` (naive UTC): settled as
        done, or done as the task each became."""
        return (cls.with_tasks()
                .where((cls.owner == user.id)
                       & (((cls.status == "done") & (cls.settled_at >= start) & (cls.settled_at < end))
                          | ((Task.status == "done") & (Task.done_at >= start) & (Task.done_at < end))))
                .order_by(cls.id))

    @classmethod
    def with_tasks(cls):
        """Action items with their owner and the task each became (None before the minutes closed)."""
        return (cls.select(cls, User, Task).join(User, on=(cls.owner == User.id))
                .switch(cls).join(Task, JOIN.LEFT_OUTER, on=(cls.task_id == Task.id), attr="task"))

    def to_task(self, by, meeting):
        """Make this item a real task on its owner's board, linked back to the minutes. Called by
        Meeting.close inside its transaction."""
        task = Task.open(by, title=self.what[:200], owner=self.owner, due_date=self.due_on,
                         requesting_department=meeting.series.coordinator.department, origin=("meeting", meeting.id))
        ActionItem.update(task_id=task.id).where(ActionItem.id == self.id).execute()
        self.task_id = task.id
        return task

    def outcome(self, today=None):
        """open, done, cancelled, or overdue (open past its due date); once it became a task, the
        task's state is what counts."""
        task = getattr(self, "task", None)
        if self.task_id is not None and task is None:
            task = Task.get_or_none(Task.id == self.task_id)
        if task is not None and task.id is not None:
            if task.status == "done":
                return "done"
            due = task.due_date
        else:
            if self.status != "open":
                return self.status
            due = self.due_on
        return "overdue" if due is not None and due < (today or utcnow().date()) else "open"

    @property
    def outcome_label(self):
        return agenda.STATUS_LABELS[self.outcome()]

    def search_document(self, meeting=None):
        meeting = meeting or self.meeting
        return dict(kind="action_item", object_id=self.id, title=self.what, at=self.created_at, parent_id=meeting.id,
                    series_id=meeting.series_id, owner_id=self.owner_id, creator_id=self.created_by_id)

    def drop(self, by):
        with db.atomic():
            self.meeting._refuse_if_closed()
            AuditEntry.record(by, "action_item.delete", self, {"what": [self.what, None]})
            self.delete_instance()
            search.remove("action_item", self.id)

    def settle(self, by, status):
        """The follow-up after the meeting: done, cancelled, or open again (for items without a task)."""
        if status not in ACTION_STATES:
            raise Invalid(_l("Choose open, done or cancelled."), "status")
        if self.task_id is not None:
            raise Invalid(_l("This action item is a task now: follow it up there."))
        with db.atomic():
            self.refresh()
            changes = apply_changes(self, status=status, settled_at=None if status == "open" else utcnow())
            if changes:
                self.save()
                AuditEntry.record(by, "action_item.settle", self, changes)
        return changes


class MinutesVersion(BaseModel):
    """The minutes as they stood when closed (version 1) and after each correction."""

    meeting = ForeignKeyField(Meeting, backref="minutes_versions", on_delete="CASCADE")
    number = IntegerField()
    created_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    reason = CharField(max_length=300, default="")
    snapshot = TextField()

    class Meta:
        indexes = ((("meeting", "number"), True),)

    @classmethod
    def record(cls, meeting, by, reason=""):
        number = (cls.select(fn.MAX(cls.number)).where(cls.meeting == meeting).scalar() or 0) + 1
        attendance = meeting.attendance()
        names = {u.id: u.name for u in User.select().where(User.id.in_(list(attendance)))}
        content = {
            "agenda": [{"section": key, "items": [{"title": i.title, "notes": i.notes, "ref": i.ref} for i in items]}
                       for key, _title, items in meeting.agenda_sections() if items],
            "decisions": [d.text for d in meeting.decisions_in_order()],
            "attendance": sorted([names[uid], status] for uid, status in attendance.items()),
            "action_items": [{"what": a.what, "owner": a.owner.name, "due_on": a.due_on.isoformat()}
                             for a in meeting.action_items_with_owners()],
        }
        return cls.create(meeting=meeting, number=number, created_by=by, reason=reason,
                          snapshot=json.dumps(content, ensure_ascii=False))

    @property
    def content(self):
        return json.loads(self.snapshot)

    def content_for(self, reader):
        """The version as `reader` may read it: agenda items naming what they may not see left out."""
        content = self.content
        refs = [item.get("ref") for section in content["agenda"] for item in section["items"]]
        hidden = agenda.hidden_refs(refs, reader)
        for section in content["agenda"]:
            section["items"] = [item for item in section["items"] if item.get("ref") not in hidden]
        content["agenda"] = [section for section in content["agenda"] if section["items"]]
        return content
