"""`flask channel add` and `flask channel test`, as a script would run them."""
import datetime

from portal.projects.models import Project
from portal.robots import Channel


def test_add_prints_the_new_channels_id_and_test_prints_the_platforms_answer(runner, receivers):
    receiver = receivers("dingtalk", secret="SECcli")
    added = runner.invoke(args=["channel", "add", "dingtalk", receiver.url, "--secret", "SECcli"])
    assert added.exit_code == 0, added.output
    channel = Channel.get_by_id(int(added.output.strip()))
    assert (channel.scope_kind, channel.secret, channel.language) == ("company", "SECcli", "zh_CN")
    tested = runner.invoke(args=["channel", "test", str(channel.id)])
    assert tested.exit_code == 0, tested.output
    assert tested.output.startswith("delivered:") and '"errmsg": "ok"' in tested.output
    assert "对齐测试消息" in receiver.accepted[0]["markdown"]["title"]


def test_a_refused_test_exits_non_zero_with_the_reason(runner, receivers):
    receiver = receivers("feishu", secret="right")
    channel_id = runner.invoke(args=["channel", "add", "feishu", receiver.url, "--secret", "wrong"]).output.strip()
    tested = runner.invoke(args=["channel", "test", channel_id])
    assert tested.exit_code == 1
    assert "bad_signature" in tested.output and "19021" in tested.output


def test_an_internal_address_is_refused_by_the_network_rule(runner, app):
    app.config["WEBHOOK_ALLOW_NETWORKS"] = ""
    channel_id = runner.invoke(args=["channel", "add", "wecom", "https://10.0.0.1/cgi-bin/webhook/send?key=k"]).output
    tested = runner.invoke(args=["channel", "test", channel_id.strip()])
    assert tested.exit_code == 1 and "internal_address" in tested.output


def test_add_sets_up_a_project_channel_and_refuses_what_does_not_exist(runner, make_user):
    coordinator = make_user(role="coordinator")
    project = Project.start(None, name="X200", goal="", coordinator=coordinator, departments=[coordinator.department],
                            start_date=datetime.date(2026, 1, 1), end_date=datetime.date(2026, 12, 31))
    url = "https://oapi.dingtalk.com/robot/send?access_token=abc"
    added = runner.invoke(args=["channel", "add", "dingtalk", url, "--project", str(project.id), "--language", "en"])
    channel = Channel.get_by_id(int(added.output.strip()))
    assert (channel.scope_kind, channel.scope_id, channel.language) == ("project", project.id, "en")
    assert channel.event_set == ["target.at_risk", "task.priority", "digest.weekly"]
    missing = runner.invoke(args=["channel", "add", "dingtalk", url, "--series", "999"])
    assert missing.exit_code != 0 and "no series 999" in missing.output
    both = runner.invoke(args=["channel", "add", "dingtalk", url, "--series", "1", "--department", "1"])
    assert both.exit_code != 0
    webhook = runner.invoke(args=["channel", "add", "webhook", "https://erp.example.com/hook"])
    assert webhook.exit_code != 0 and "secret" in webhook.output
    assert runner.invoke(args=["channel", "test", "999"]).exit_code != 0
