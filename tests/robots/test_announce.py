"""announce(): which channels hear an event, in whose language, and never wider than a
restricted project's departments."""
import pytest

from portal import robots
from portal.robots import RobotMessage


@pytest.fixture
def channels(receivers, make_channel):
    receiver = receivers("wecom")

    def make(scope_kind, scope_id=None, events=None, language="en"):
        return make_channel(receiver, scope_kind=scope_kind, scope_id=scope_id, events=events, language=language,
                            name="%s %s" % (scope_kind, scope_id))
    make.receiver = receiver
    return make


def _heard(event, where):
    def build():
        from flask_babel import gettext as _
        return robots.Message(title=_("Minutes"))
    rows = robots.announce(event, where, build, ref="meeting:1")
    return sorted(row.channel.name for row in rows)


def test_every_channel_of_the_events_scopes_that_hears_it_gets_one_message(channels):
    channels("company", events=["task.priority"])
    channels("project", 1, events=["task.priority"])
    channels("project", 2, events=["task.priority"])
    channels("department", 7, events=["task.priority"])
    channels("department", 8, events=["task.priority"])
    channels("department", 9, events=["request.decided"])
    where = robots.Where(project_id=1, department_ids={7, 9})
    assert _heard("task.priority", where) == ["company None", "department 7", "project 1"]


def test_a_restricted_projects_event_stays_within_its_departments(channels):
    hears = {"series": ["minutes.closed"], "department": ["target.at_risk", "minutes.closed"]}
    for scope_kind, scope_id in (("company", None), ("project", 1), ("series", 4), ("department", 7),
                                 ("department", 8)):
        channels(scope_kind, scope_id, events=hears.get(scope_kind, ["target.at_risk"]))
    where = robots.Where(project_id=1, restricted=True, project_department_ids={7}, series_id=4,
                         department_ids={7, 8})
    assert _heard("target.at_risk", where) == ["department 7", "project 1"]
    assert _heard("minutes.closed", where) == ["department 7"]
    assert _heard("target.at_risk", robots.Where(restricted=True, department_ids={8})) == []


def test_what_not_everyone_may_see_never_reaches_the_company_channel(channels):
    channels("company", events=["task.priority"])
    channels("series", 4, events=["minutes.closed"])
    channels("department", 7, events=["task.priority", "minutes.closed"])
    assert _heard("task.priority", robots.Where(department_ids={7}, everyone=False)) == ["department 7"]
    assert _heard("minutes.closed", robots.Where(series_id=4, department_ids={7}, everyone=False)) == [
        "department 7", "series 4"]


def test_each_channel_gets_the_message_in_its_own_language(channels):
    channels("company", events=["digest.weekly"], language="zh_CN")
    channels("department", 3, events=["digest.weekly"], language="en")
    robots.announce("digest.weekly", robots.Where(department_ids={3}), lambda: robots.Message(
        title=__import__("flask_babel").gettext("See the rest in Duiqi")))
    bodies = [row.body for row in RobotMessage.select().order_by(RobotMessage.id)]
    assert "在对齐中查看全文" in bodies[0] and "See the rest in Duiqi" in bodies[1]


def test_a_paused_channel_and_an_unknown_event_hear_nothing(channels):
    paused = channels("company", events=["task.priority"])
    paused.update_settings(None, name=paused.name, language="en", events=["task.priority"], active=False)
    assert _heard("task.priority", robots.Where()) == []
    with pytest.raises(LookupError):
        robots.announce("task.renamed", robots.Where(), lambda: None)


def test_a_build_that_returns_nothing_queues_nothing(channels):
    channels("company", events=["task.priority"])
    assert robots.announce("task.priority", robots.Where(), lambda: None) == []
