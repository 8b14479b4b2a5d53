"""Each platform's signature and how to read its answers.

钉钉 加签: HMAC-SHA256 keyed by the secret over "<millisecond timestamp>\\n<secret>", base64,
URL-encoded, sent in the query as `timestamp` and `sign`. 飞书 签名校验: HMAC-SHA256 keyed by
"<second timestamp>\\n<secret>" over an empty message, base64, sent in the body as `timestamp`
and `sign`. Generic webhooks: `X-Duiqi-Signature: sha256=<hex HMAC-SHA256 of the raw body>`,
as GitHub does, with `X-Duiqi-Event` and `X-Duiqi-Delivery` (the delivery id, also in the body:
a receiver that remembers the ids it has seen refuses a replayed request).
"""
import base64
import dataclasses
import hashlib
import hmac
import json
import time
from urllib.parse import quote_plus

KINDS = ("wecom", "dingtalk", "feishu", "webhook")
# Reasons worth trying again later; every other refusal waits for someone to fix the channel.
TEMPORARY = {"rate_limited", "unreachable", "timeout", "server_error", "unknown_host"}


@dataclasses.dataclass
class Outcome:
    reason: str = ""  # empty: delivered
    wait_minutes: int = 0  # at least this long before the next try (a platform's throttle)

    @property
    def delivered(self):
        return not self.reason

    @property
    def temporary(self):
        return self.reason in TEMPORARY


def signed_request(kind, url, body, secret, event, delivery, now=None):
    """The (url, body bytes, headers) to send, signed as `kind` documents."""
    now = time.time() if now is None else now
    headers = {}
    if kind == "dingtalk" and secret:
        timestamp = str(int(now * 1000))
        digest = hmac.new(secret.encode(), ("%s\n%s" % (timestamp, secret)).encode(), hashlib.sha256).digest()
        url += ("&" if "?" in url else "?") + "timestamp=%s&sign=%s" % (timestamp, quote_plus(base64.b64encode(digest)))
    elif kind == "feishu" and secret:
        timestamp = str(int(now))
        digest = hmac.new(("%s\n%s" % (timestamp, secret)).encode(), b"", hashlib.sha256).digest()
        body = json.dumps({"timestamp": timestamp, "sign": base64.b64encode(digest).decode(), **json.loads(body)},
                          ensure_ascii=False, separators=(",", ":"))
    raw = body.encode()
    if kind == "webhook":
        headers = {"X-Duiqi-Event": event, "X-Duiqi-Delivery": delivery,
                   "X-Duiqi-Signature": "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()}
    return url, raw, headers


def outcome(kind, answer):
    """What the platform's answer means: delivered, or the reason it was not."""
    if 300 <= answer.status < 400:
        return Outcome("redirect")
    if answer.status >= 500:
        return Outcome("server_error")
    if kind == "webhook":
        return _webhook(answer.status)
    try:
        data = json.loads(answer.body)
    except ValueError:
        return Outcome("http_refused" if answer.status >= 400 else "unexpected_answer")
    if not isinstance(data, dict):
        return Outcome("unexpected_answer")
    return {"wecom": _wecom, "dingtalk": _dingtalk, "feishu": _feishu}[kind](data)


def _webhook(status):
    if 200 <= status < 300:
        return Outcome()
    if status == 429:
        return Outcome("rate_limited", 1)
    if status == 413:
        return Outcome("too_long")
    if status == 410:
        return Outcome("wrong_key")
    return Outcome("http_refused")


def _wecom(data):
    # 企业微信: {"errcode":0,"errmsg":"ok"}; 93000 "invalid webhook url" (wrong key, or the robot
    # left the group); 45009 "api freq out of limit"; 40058 "markdown.content exceed max length
    # 4096"; 60020 "not allow to access from your ip".
    code = data.get("errcode")
    return _by_code(code, {0: "", 93000: "wrong_key", 45009: "rate_limited", 40058: "too_long",
                           60020: "ip_not_allowed"})


def _dingtalk(data):
    # 钉钉: {"errcode":0,"errmsg":"ok"}; 300001 / 300005 "token is not exist"; 310000 for the
    # security settings ("sign not match", "keywords not in content", "ip ... not in whitelist",
    # also in Chinese); 130101 "send too fast, exceed 20 times per minute", after which the
    # robot is throttled for ten minutes; 460101 "message too long, exceed 20000 bytes".
    code, text = data.get("errcode"), str(data.get("errmsg", "")).lower()
    if code == 310000:
        if "sign" in text or "签名" in text:
            return Outcome("bad_signature")
        if "keyword" in text or "关键词" in text:
            return Outcome("keyword_missing")
        if "ip" in text or "白名单" in text:
            return Outcome("ip_not_allowed")
        return Outcome("platform_error")
    if code == 130101:
        return Outcome("rate_limited", 10)
    return _by_code(code, {0: "", 300001: "wrong_key", 300005: "wrong_key", 460101: "too_long",
                           101002: "too_long"})


def _feishu(data):
    # 飞书: {"code":0,"msg":"success"} (older bots: {"StatusCode":0}); 19001 an invalid hook
    # token; 19021 "sign match fail or timestamp is not within one hour from current time";
    # 19022 "Ip Not Allowed"; 19024 "Key Words Not Found"; 9499 "Bad Request" (also a body over
    # 20 KB) or "too many request"; 11232 frequency limited.
    code = data.get("code", data.get("StatusCode"))
    if code == 9499 and "too many" in str(data.get("msg", "")).lower():
        return Outcome("rate_limited", 1)
    return _by_code(code, {0: "", 19001: "wrong_key", 19021: "bad_signature", 19022: "ip_not_allowed",
                           19024: "keyword_missing", 11232: "rate_limited", 9499: "bad_request"})


def _by_code(code, meanings):
    if code not in meanings:
        return Outcome("platform_error")
    reason = meanings[code]
    return Outcome(reason, 1 if reason == "rate_limited" else 0)
