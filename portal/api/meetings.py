"""Meetings of the series the token's owner takes part in (or runs, or administers), and their minutes."""
from flask_login import current_user

from portal.accounts.models import User
from portal.api import schemas
from portal.api.protocol import answer, api, links, operation, query, ref
from portal.api.cursor import page
from portal.meetings.models import Meeting
from portal.permissions import authorized

TAGS = ["meetings"]


@api.route("/meetings")
@operation(query=schemas.MeetingQuery, model=schemas.MeetingPage, tags=TAGS)
def meetings():
    """Meetings by start time; narrow them to a state and to the days (UTC) they start on."""
    asked = query(schemas.MeetingQuery)
    found = Meeting.seen_by(current_user, asked.state, asked.starts_from, asked.starts_to)
    rows, cursor = page(found, [Meeting.starts_at, Meeting.id], asked.cursor, asked.limit)
    url = links("meetings.show", "meeting_id")
    return answer(schemas.MeetingPage(items=[_meeting(m, url) for m in rows], next_cursor=cursor))


@api.route("/meetings/<int:meeting_id>")
@operation(model=schemas.Meeting, answers=(404,), tags=TAGS)
def meeting(meeting_id):
    return answer(_meeting(authorized(Meeting, meeting_id), links("meetings.show", "meeting_id")))


@api.route("/meetings/<int:meeting_id>/minutes")
@operation(model=schemas.Minutes, answers=(404,), tags=TAGS)
def minutes(meeting_id):
    """The minutes as they stand: agenda notes, decisions, attendance and action items (each with
    how it turned out). Closed minutes change only by correction, which adds a version."""
    found = authorized(Meeting, meeting_id)
    attendance = found.attendance()
    people = {u.id: u for u in User.select(User.id, User.name).where(User.id.in_(list(attendance)))}
    return answer(schemas.Minutes(
        meeting_id=found.id, closed=found.closed,
        agenda=[schemas.AgendaEntry(section=key, title=item.title, notes=item.notes)
                for key, _title, items in found.agenda_sections(current_user) for item in items],
        decisions=[d.text for d in found.decisions_in_order()],
        attendance=[schemas.Attendance(person=ref(people[uid], people[uid].name), status=status or None)
                    for uid, status in sorted(attendance.items()) if uid in people],
        action_items=[schemas.ActionItem(id=a.id, what=a.what, owner=ref(a.owner, a.owner.name), due_on=a.due_on,
                                         outcome=a.outcome(), task_id=a.task_id)
                      for a in found.action_items_with_owners()],
        versions=found.versions().count()))


def _meeting(m, url):
    series = m.series
    return schemas.Meeting(id=m.id, series=ref(series, series.title), starts_at=m.starts_at, ends_at=m.ends_at,
                           timezone=series.timezone, location=series.location, video_link=series.video_link,
                           state=m.state, url=url(m.id))
