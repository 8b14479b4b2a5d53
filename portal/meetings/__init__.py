"""Weekly alignment meetings: series, the live agenda, minutes, action items."""


def schema():
    """This area's models, handed up to the schema (portal.all_models)."""
    from portal.meetings.models import (ActionItem, AgendaItem, Attendance, Decision, Meeting, MeetingSeries,
                                        MinutesVersion, SeriesDepartment, SeriesPerson)
    return [MeetingSeries, SeriesDepartment, SeriesPerson, Meeting, AgendaItem, Decision, Attendance, ActionItem,
            MinutesVersion]
