"""Each platform's receiver gets a message it accepts: signed as documented, within its size
limit, mentions where the platform can ring a phone; its refusals become clear reasons."""
import json

import pytest

from portal import robots
from portal.robots.delivery import deliver_due


def minutes(lines=3, mentions=()):
    return robots.Message(
        title="Weekly sync minutes",
        blocks=[robots.Block("Decisions", ["Ship X200 on 1 June"]),
                robots.Block("Action items", ["Line %d: check the supplier's quote" % n for n in range(lines)])],
        mentions=list(mentions), link="/meetings/12", link_text="Open the minutes")


def send(channel, message):
    rows = robots.queue(channel, "minutes.closed", message, ref="meeting:12")
    return [type(row).get_by_id(row.id) for row in rows]


@pytest.mark.parametrize("platform, secret", [("wecom", ""), ("dingtalk", "SEC0123456789abcdef"),
                                              ("feishu", "zs0TfeishuSecret"), ("webhook", "hook-secret")])
def test_each_platform_accepts_a_signed_message_with_an_absolute_link(receivers, make_channel, platform, secret):
    receiver = receivers(platform, secret=secret)
    [row] = send(make_channel(receiver), minutes())
    assert row.state == "sent" and row.reason == ""
    [body] = receiver.accepted
    assert "https://portal.example.test/meetings/12" in json.dumps(body)
    assert "Ship X200 on 1 June" in json.dumps(body, ensure_ascii=False)


def test_the_generic_webhook_carries_event_and_delivery_in_headers_and_body(receivers, make_channel):
    receiver = receivers("webhook", secret="hook-secret")
    [row] = send(make_channel(receiver), minutes())
    _, headers, raw, refusal = receiver.requests[0]
    assert refusal == "" and headers["X-Duiqi-Event"] == "minutes.closed"
    assert headers["X-Duiqi-Delivery"] == row.delivery == json.loads(raw)["delivery"]
    assert json.loads(raw)["blocks"][0] == {"heading": "Decisions", "lines": ["Ship X200 on 1 June"]}


@pytest.mark.parametrize("platform, secret, reason", [
    ("dingtalk", "SECright", "bad_signature"), ("feishu", "right", "bad_signature"),
    ("webhook", "right", "http_refused")])
def test_a_wrong_secret_fails_with_the_platforms_reason(receivers, make_channel, platform, secret, reason):
    receiver = receivers(platform, secret=secret)
    [row] = send(make_channel(receiver, secret="wrong"), minutes())
    assert (row.state, row.reason) == ("failed", reason)
    assert row.reason_text


@pytest.mark.parametrize("platform, answer, reason", [
    ("wecom", "wrong_key", "wrong_key"), ("dingtalk", "wrong_key", "wrong_key"),
    ("dingtalk", "keyword_missing", "keyword_missing"), ("dingtalk", "ip_not_allowed", "ip_not_allowed"),
    ("feishu", "keyword_missing", "keyword_missing"), ("feishu", "ip_not_allowed", "ip_not_allowed"),
    ("wecom", "too_long", "too_long"), ("dingtalk", "too_long", "too_long")])
def test_platform_refusals_become_clear_reasons_and_are_not_retried(receivers, make_channel, platform, answer,
                                                                    reason):
    receiver = receivers(platform)
    receiver.force = answer
    [row] = send(make_channel(receiver), minutes())
    assert (row.state, row.reason) == ("failed", reason)
    assert "errmsg" in row.answer or "msg" in row.answer


@pytest.mark.parametrize("platform", ["wecom", "dingtalk", "feishu"])
def test_a_platforms_rate_limit_answer_keeps_the_message_queued_for_later(receivers, make_channel, platform):
    receiver = receivers(platform)
    receiver.force = "rate_limited"
    [row] = send(make_channel(receiver), minutes())
    assert (row.state, row.reason) == ("queued", "rate_limited")
    assert row.next_attempt_at > row.claimed_at


@pytest.mark.parametrize("platform", ["wecom", "dingtalk", "feishu"])
def test_a_long_message_is_cut_at_a_line_within_the_limit_with_a_link_to_the_rest(receivers, make_channel, platform):
    receiver = receivers(platform)  # it refuses a body over the platform's documented limit
    [row] = send(make_channel(receiver, language="zh_CN"), minutes(lines=1000))
    assert row.state == "sent"
    [body] = receiver.accepted
    text = json.dumps(body, ensure_ascii=False)
    assert "在对齐中查看全文" in text and "https://portal.example.test/meetings/12" in text
    assert "Line 0: check" in text and "Line 999" not in text
    kept = max(n for n in range(1000) if "Line %d:" % n in text)
    assert "Line %d: check the supplier's quote" % kept in text  # the last line kept is whole


def test_dingtalk_rings_the_owners_named_in_the_text_and_in_at_mobiles(receivers, make_channel):
    receiver = receivers("dingtalk")
    send(make_channel(receiver), minutes(mentions=[robots.Mention("Li Lei", "13800001111")]))
    [body] = receiver.accepted
    assert body["at"] == {"atMobiles": ["13800001111"], "isAtAll": False}
    assert "@13800001111" in body["markdown"]["text"]


def test_wecom_follows_its_markdown_with_a_text_that_mentions_by_mobile(receivers, make_channel):
    receiver = receivers("wecom")
    rows = send(make_channel(receiver), minutes(mentions=[robots.Mention("Li Lei", "13800001111")]))
    assert [row.state for row in rows] == ["sent", "sent"]
    markdown, text = receiver.accepted
    assert markdown["msgtype"] == "markdown" and text["text"]["mentioned_mobile_list"] == ["13800001111"]


def test_feishu_writes_the_names_it_cannot_ring(receivers, make_channel):
    receiver = receivers("feishu")
    send(make_channel(receiver), minutes(mentions=[robots.Mention("Li Lei", "13800001111")]))
    [body] = receiver.accepted
    text = json.dumps(body, ensure_ascii=False)
    assert "@Li Lei" in text and "13800001111" not in text


def test_what_people_typed_does_not_become_markdown(receivers, make_channel):
    receiver = receivers("dingtalk")
    message = robots.Message(title="Minutes", blocks=[robots.Block("", ["[win](https://evil.example) <@all> # x"])])
    send(make_channel(receiver), message)
    text = receiver.accepted[0]["markdown"]["text"]
    assert "](https://evil.example)" not in text and "<@all>" not in text


def test_the_channels_language_writes_the_message(receivers, make_channel):
    receiver = receivers("feishu")
    send(make_channel(receiver, language="zh_CN"), minutes())
    send(make_channel(receiver, language="en"), minutes())
    chinese, english = receiver.accepted
    assert "zh_cn" in chinese["content"]["post"] and "en_us" in english["content"]["post"]


def test_a_message_already_sent_is_not_sent_again(receivers, make_channel):
    receiver = receivers("wecom")
    send(make_channel(receiver), minutes())
    assert deliver_due() == 0
    assert len(receiver.requests) == 1
