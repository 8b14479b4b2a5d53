"""The channel pages, per role: who may set up which group's robot, what the pages show of its
address and secret (never the whole), the test message's answer, and the audit trail."""
import datetime
import json
import logging
from types import SimpleNamespace

import pytest

from portal.audit import AuditEntry
from portal.db import utcnow
from portal.meetings.models import MeetingSeries
from portal.projects.models import Project
from portal.robots import Channel, RobotMessage
from tests.robots.conftest import KEY

SECRET = "SECd1ngta1k-very-private"


@pytest.fixture
def org(make_department, make_user):
    sales, finance = make_department("销售部", "Sales"), make_department("财务部", "Finance")
    people = SimpleNamespace(sales=sales, finance=finance)
    people.admin = make_user(department=finance, role="admin", name="Ada Admin")
    people.coordinator = make_user(department=sales, role="coordinator", name="Cai Coordinator")
    people.head = make_user(department=sales, head_of=True, name="Li Na")
    people.member = make_user(department=sales, name="Chen Chen")
    people.outsider = make_user(department=finance, name="Zhao Lei")
    people.restricted = Project.start(None, name="Secret pricing", goal="", coordinator=people.coordinator,
                                      departments=[sales], start_date=datetime.date(2026, 1, 1),
                                      end_date=datetime.date(2026, 12, 31), status="active", visibility="participants")
    people.series, _ = MeetingSeries.plan(
        people.coordinator, departments=[sales], people=[], day=utcnow().date() + datetime.timedelta(days=7),
        start_time=datetime.time(10, 0), timezone="Asia/Shanghai", recurring=True, title="Sales weekly",
        coordinator=people.coordinator, duration_minutes=60, location="", video_link="", reminder_minutes=60)
    return people


def _add(client, path, receiver, **extra):
    data = {"name": "Sales group", "kind": receiver.platform, "url": receiver.url, "secret": receiver.secret,
            "language": "en", "events": ["task.priority", "target.at_risk"], **extra}
    return client.post(path, data=data)


@pytest.mark.parametrize("who, path, status", [
    ("admin", "/channels/company", 200), ("coordinator", "/channels/company", 403),
    ("coordinator", "project", 200), ("member", "project", 403), ("outsider", "project", 404),
    ("admin", "project", 200), ("coordinator", "series", 200), ("member", "series", 403),
    ("head", "department", 200), ("member", "department", 403), ("head", "/channels/department/0", 404),
    ("admin", "/channels/bogus/1", 404)])
def test_who_may_set_up_channels_for_which_scope(client, org, who, path, status):
    paths = {"project": "/channels/project/%d" % org.restricted.id, "series": "/channels/series/%d" % org.series.id,
             "department": "/channels/department/%d" % org.sales.id}
    client.login(getattr(org, who))
    response = client.get(paths.get(path, path))
    assert response.status_code == status
    if status == 200:
        assert "Add a channel" in response.get_data(as_text=True)


def test_an_outsider_gets_404_for_a_restricted_projects_channel_and_a_member_403(app, client, org, receivers,
                                                                                make_channel):
    channel = make_channel(receivers("wecom"), scope_kind="project", scope_id=org.restricted.id)
    client.login(org.outsider)
    assert client.get("/channels/%d" % channel.id).status_code == 404
    assert client.post("/channels/%d/test" % channel.id).status_code == 404
    client = app.test_client()
    client.login(org.member)
    assert client.get("/channels/%d" % channel.id).status_code == 403
    assert client.post("/channels/%d/delete" % channel.id).status_code == 403
    assert Channel.get_or_none(Channel.id == channel.id) is not None


def test_a_coordinator_adds_a_channel_and_never_sees_its_secret_again(client, org, receivers, caplog):
    caplog.set_level(logging.INFO)  # what the web and the worker log; DEBUG would show every SQL parameter
    receiver = receivers("dingtalk", secret=SECRET)
    client.login(org.coordinator)
    response = _add(client, "/channels/project/%d" % org.restricted.id, receiver)
    assert response.status_code == 303
    channel = Channel.get()
    assert (channel.scope_kind, channel.scope_id, channel.secret) == ("project", org.restricted.id, SECRET)
    assert channel.event_set == ["target.at_risk", "task.priority"]
    pages = [client.get(response.headers["Location"]), client.get("/channels/project/%d" % org.restricted.id),
             client.post("/channels/%d/test" % channel.id, follow_redirects=True)]
    for page in pages:
        text = page.get_data(as_text=True)
        assert SECRET not in text and receiver.url.split("=")[1] not in text
    assert "Secret pricing" in pages[1].get_data(as_text=True)
    [entry] = AuditEntry.for_object(channel)
    assert SECRET not in entry.changes and receiver.url.split("=")[1] not in entry.changes
    assert json.loads(entry.changes)["secret"] == [None, "set"]
    assert SECRET not in caplog.text and receiver.url not in caplog.text


def test_the_test_message_shows_the_platforms_answer_as_a_fragment(client, org, receivers, make_channel):
    receiver = receivers("feishu", secret="right")
    channel = make_channel(receiver, scope_kind="series", scope_id=org.series.id, secret="wrong")
    client.login(org.coordinator)
    # The POST's own answer is the fragment its 303 names (portal.render.answered_inline).
    answer = client.post("/channels/%d/test" % channel.id, headers={"HX-Request": "true"})
    text = answer.get_data(as_text=True)
    assert answer.status_code == 200 and text.startswith('<section class="card" id="channel-activity">')
    assert "signature does not match" in text and "19021" in text
    full = client.post("/channels/%d/test" % channel.id, follow_redirects=True).get_data(as_text=True)
    assert "<html" in full and "19021" in full
    assert "The platform answered" in full
    assert "The platform answered" not in client.get("/channels/%d" % channel.id).get_data(as_text=True)


def test_a_good_channel_delivers_the_test_message(client, org, receivers, make_channel):
    receiver = receivers("wecom")
    channel = make_channel(receiver, scope_kind="department", scope_id=org.sales.id)
    client.login(org.head)
    text = client.post("/channels/%d/test" % channel.id, headers={"HX-Request": "true"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Delivered" in text and '"errmsg": "ok"' in text.replace("&#34;", '"')
    assert "Test message from Duiqi" in receiver.accepted[0]["markdown"]["content"]


def test_a_refused_form_keeps_what_was_typed_but_not_the_secret(client, org, receivers):
    client.login(org.admin)
    response = client.post("/channels/company", data={"name": "Board room", "kind": "webhook",
                                                      "url": "ftp://example.com/x", "language": "en"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "Board room" in text
    assert "starting with https://" in text
    assert Channel.select().count() == 0


def test_a_webhook_without_a_secret_is_refused(client, org):
    client.login(org.admin)
    response = client.post("/channels/company", data={"name": "ERP", "kind": "webhook",
                                                      "url": "https://erp.example.com/hook", "language": "en"})
    assert response.status_code == 200 and "needs a secret" in response.get_data(as_text=True)


def test_replacing_the_secret_leaves_one_audit_row_saying_it_changed(client, org, receivers, make_channel):
    channel = make_channel(receivers("dingtalk", secret=SECRET), scope_kind="department", scope_id=org.sales.id)
    client.login(org.head)
    response = client.post("/channels/%d" % channel.id, data={
        "name": "Sales group", "language": "zh_CN", "events": ["request.decided"], "active": "y",
        "secret": "SECnew-one-also-private", "url": ""})
    assert response.status_code == 303
    entries = list(AuditEntry.for_object(channel))
    assert [entry.action for entry in entries] == ["channel.update", "channel.create"]
    changes = json.loads(entries[0].changes)
    assert changes["secret"] == ["set", "changed"] and changes["language"] == ["en", "zh_CN"]
    assert "SECnew" not in entries[0].changes
    channel = Channel.get_by_id(channel.id)
    assert channel.secret == "SECnew-one-also-private" and channel.url.endswith(KEY) is False


def test_deleting_a_channel_takes_its_queue_with_it_and_is_audited(client, org, receivers, make_channel):
    channel = make_channel(receivers("wecom"))
    client.login(org.admin)
    client.post("/channels/%d/test" % channel.id)
    response = client.post("/channels/%d/delete" % channel.id)
    assert response.status_code == 303 and response.headers["Location"] == "/channels/company"
    assert Channel.select().count() == 0 and RobotMessage.select().count() == 0
    assert AuditEntry.select().where(AuditEntry.action == "channel.delete").count() == 1


def test_the_menu_and_scope_pages_link_to_their_channels(app, org):
    client = app.test_client()
    client.login(org.admin)
    assert "/channels/company" in client.get("/me").get_data(as_text=True)
    client = app.test_client()
    client.login(org.coordinator)
    assert "/channels/project/%d" % org.restricted.id in client.get(
        "/projects/%d" % org.restricted.id).get_data(as_text=True)
    assert "/channels/series/%d" % org.series.id in client.get(
        "/meetings/series/%d" % org.series.id).get_data(as_text=True)
    client = app.test_client()
    client.login(org.head)
    assert "/channels/department/%d" % org.sales.id in client.get("/settings").get_data(as_text=True)
    client = app.test_client()
    client.login(org.member)
    assert "/channels/project/%d" % org.restricted.id not in client.get(
        "/projects/%d" % org.restricted.id).get_data(as_text=True)
