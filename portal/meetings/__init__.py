"""Weekly alignment meetings: series, the live agenda, minutes, action items."""


def schema():
    """This area's models, handed up to the schema (portal.all_models)."""
    from portal.meetings.models import (ActionItem, AgendaItem, Attendance, Decision, Meeting, MeetingSeries,
                                        MinutesVersion, SeriesDepartment, SeriesPerson)
    return [MeetingSeries, SeriesDepartment, SeriesPerson, Meeting, AgendaItem, Decision, Attendance, ActionItem,
            MinutesVersion]


def search_documents():
    """Every document this area's things are found by, for rebuilding the search index."""
    from portal.meetings.models import ActionItem, AgendaItem, Decision, Meeting
    meetings = {meeting.id: meeting for meeting in Meeting.select(Meeting.id, Meeting.series, Meeting.starts_at)}
    items = AgendaItem.select().where((AgendaItem.notes != "") & AgendaItem.removed_at.is_null())
    return ([item.search_document(meetings[item.meeting_id]) for item in items]
            + [decision.search_document(meetings[decision.meeting_id]) for decision in Decision.select()]
            + [action.search_document(meetings[action.meeting_id]) for action in ActionItem.select()])
