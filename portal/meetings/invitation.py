"""The iCalendar (RFC 5545) form of a meeting: the invitation attached to the minutes mail, and the
event the calendar feeds (portal.feeds) publish under the same UID."""
import datetime
import zoneinfo
from urllib.parse import urlsplit

from flask import current_app
from icalendar import Calendar, Event, vCalAddress

from portal import mail


def meeting_uid(meeting):
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
    return "duiqi-meeting-%d@%s" % (meeting.id, host)


def meeting_event(meeting, now):
    """The meeting as a VEVENT in its series' time zone. Its UID stays the same for the meeting and
    its SEQUENCE rises when it moves or is cancelled, so a calendar updates the entry it has."""
    series = meeting.series
    zone = zoneinfo.ZoneInfo(series.timezone)
    link = mail.absolute_url("meetings.show", meeting_id=meeting.id)
    event = Event()
    event.add("uid", meeting_uid(meeting))
    event.add("dtstamp", now.replace(tzinfo=datetime.UTC))
    event.add("dtstart", meeting.starts_at.replace(tzinfo=datetime.UTC).astimezone(zone))
    event.add("dtend", meeting.ends_at.replace(tzinfo=datetime.UTC).astimezone(zone))
    event.add("sequence", meeting.sequence)
    event.add("summary", series.title)
    event.add("location", series.location or series.video_link or link)
    event.add("url", series.video_link or link)
    event.add("description", link)
    event.add("organizer", _address(series.coordinator))
    event.add("status", "CANCELLED" if meeting.state == "cancelled" else "CONFIRMED")
    return event


def invitation(meeting, attendee, now):
    """A METHOD:REQUEST calendar inviting `attendee`; a later invitation (with a higher SEQUENCE)
    updates the entry instead of adding one."""
    event = meeting_event(meeting, now)
    attendee_address = _address(attendee)
    attendee_address.params.update({"ROLE": "REQ-PARTICIPANT", "PARTSTAT": "NEEDS-ACTION", "RSVP": "FALSE"})
    event.add("attendee", attendee_address)

    calendar = Calendar()
    calendar.add("prodid", "-//Duiqi//Meetings//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _address(user):
    address = vCalAddress("mailto:%s" % user.email)
    address.params["CN"] = user.name
    return address
