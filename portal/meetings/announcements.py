"""What a meeting tells its groups' robots: the minutes once closed, and that it starts soon."""
import math

from flask_babel import format_date, ngettext
from flask_babel import gettext as _

from portal import robots


def _where(series):
    # Minutes and reminders are for the participants: the series' group and the groups of the
    # participating departments, whose members all take part; never the whole company.
    return robots.Where(series_id=series.id, department_ids=frozenset(d.id for d in series.departments()),
                        everyone=False)


def _mention(user):
    return robots.Mention(user.name, user.mobile)


def minutes_closed(meeting, decisions, actions_by_owner):
    """Queue the closed minutes (decisions, action items by owner, a link) on the meeting's channels."""
    def build():
        blocks = [robots.Block(_("Decisions"), [" ".join(d.text.split()) for d in decisions]
                               or [_("No decisions were recorded.")])]
        for owner, items in actions_by_owner:
            blocks.append(robots.Block(_("Action items for %(name)s", name=owner.name), [
                _("%(what)s — due %(due)s", what=item.what, due=format_date(item.due_on, "medium"))
                for item in items]))
        return robots.Message(title=_("Minutes of %(meeting)s, %(day)s", meeting=meeting.series.title,
                                      day=meeting.day()),
                              blocks=blocks, mentions=[_mention(owner) for owner, _items in actions_by_owner],
                              link=meeting.path(), link_text=_("Read the minutes"))
    return robots.announce("minutes.closed", _where(meeting.series), build, ref="meeting:%d" % meeting.id)


def starting(meeting, now):
    """Queue "starts in N minutes" on the meeting's channels."""
    minutes = max(1, math.ceil((meeting.starts_at - now).total_seconds() / 60))

    def build():
        details = [_("Starts at %(time)s", time=meeting.local_start.strftime("%H:%M"))]
        if meeting.series.location:
            details.append(_("Where: %(location)s", location=meeting.series.location))
        if meeting.series.video_link:
            details.append(_("Video: %(link)s", link=meeting.series.video_link))
        title = ngettext("%(meeting)s starts in %(num)d minute", "%(meeting)s starts in %(num)d minutes", minutes,
                         meeting=meeting.series.title)
        return robots.Message(title=title, blocks=[robots.Block("", details)], link=meeting.path(),
                              link_text=_("Open the agenda"))
    return robots.announce("meeting.starting", _where(meeting.series), build, ref="meeting:%d" % meeting.id)
