"""Real HTTP receivers that check signatures as each platform documents them and answer with
the platforms' own success and error bodies; the people and channels around them."""
import base64
import hashlib
import hmac
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from portal.robots import Channel
from tests.conftest import free_port
# The meetings' and the requests' factories, for the events those areas tell the groups.
from tests.meetings.conftest import attendee, colleague, coordinator, plan_series, sales, weekly  # noqa: F401
from tests.requests.conftest import company, file_request, make_type  # noqa: F401

KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
TOKEN = "b955d0f6e1c94b7fb00ce4a5e8c1d2f3"
PATHS = {"wecom": "/cgi-bin/webhook/send?key=" + KEY, "dingtalk": "/robot/send?access_token=" + TOKEN,
         "feishu": "/open-apis/bot/v2/hook/" + TOKEN, "webhook": "/hooks/duiqi"}
OK = {"wecom": {"errcode": 0, "errmsg": "ok"}, "dingtalk": {"errcode": 0, "errmsg": "ok"},
      "feishu": {"code": 0, "msg": "success", "data": {}, "Extra": None, "StatusCode": 0, "StatusMessage": "success"}}
HINT = "hint: [1755605200056773468916791], from ip: 127.0.0.1, more info at https://open.work.weixin.qq.com/devtool/query?e="
ANSWERS = {
    ("wecom", "wrong_key"): (200, {"errcode": 93000, "errmsg": "invalid webhook url, " + HINT + "93000"}),
    ("wecom", "too_long"): (200, {"errcode": 40058, "errmsg": "markdown.content exceed max length 4096. "
                                  "invalid Request Parameter, " + HINT + "40058"}),
    ("wecom", "rate_limited"): (200, {"errcode": 45009, "errmsg": "api freq out of limit, " + HINT + "45009"}),
    ("dingtalk", "wrong_key"): (200, {"errcode": 300001, "errmsg": "token is not exist"}),
    ("dingtalk", "bad_signature"): (200, {"errcode": 310000, "errmsg": "sign not match, more: "
                                          "[https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"}),
    ("dingtalk", "keyword_missing"): (200, {"errcode": 310000, "errmsg": "keywords not in content, more: "
                                            "[https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"}),
    ("dingtalk", "ip_not_allowed"): (200, {"errcode": 310000, "errmsg": "ip 203.0.113.7 not in whitelist"}),
    ("dingtalk", "too_long"): (200, {"errcode": 460101, "errmsg": "message too long, exceed 20000 bytes"}),
    ("dingtalk", "rate_limited"): (200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}),
    ("feishu", "bad_signature"): (200, {"code": 19021, "data": {}, "msg": "sign match fail or timestamp is not "
                                        "within one hour from current time"}),
    ("feishu", "keyword_missing"): (200, {"code": 19024, "msg": "Key Words Not Found"}),
    ("feishu", "ip_not_allowed"): (200, {"code": 19022, "msg": "Ip Not Allowed"}),
    ("feishu", "too_long"): (400, {"code": 9499, "msg": "Bad Request", "data": {}}),
    ("feishu", "rate_limited"): (400, {"code": 9499, "msg": "too many request", "data": {}}),
}


class Receiver:
    """One platform's robot endpoint on 127.0.0.1, checking what it receives as the platform does."""

    def __init__(self, platform, secret="", keyword="", port=None, tls=None, name="127.0.0.1"):
        self.platform, self.secret, self.keyword = platform, secret, keyword
        self.port = port or free_port()
        self.tls, self.name = tls, name  # an ssl.SSLContext to serve https with, and the name it answers to
        self.requests = []  # (path, headers, raw body, why it was refused or "")
        self.force = None  # answer as if this went wrong ("rate_limited", ...)
        self.server = None

    @property
    def url(self):
        return "%s://%s:%d%s" % ("https" if self.tls else "http", self.name, self.port, PATHS[self.platform])

    @property
    def accepted(self):
        return [json.loads(body) for _, _, body, refusal in self.requests if not refusal]

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, answer = receiver.judge(self.path, self.headers, raw)
                data = json.dumps(answer).encode() if answer is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        if self.tls:
            self.server.socket = self.tls.wrap_socket(self.server.socket, server_side=True)
            self.server.handle_error = lambda request, address: None  # a refused handshake is the point
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def judge(self, path, headers, raw):
        refusal = self.force or self._refusal(path, headers, raw)
        self.requests.append((path, dict(headers), raw, refusal))
        if self.platform == "webhook":
            return {"": 204, "bad_signature": 401, "rate_limited": 429}.get(refusal, 400), None
        if not refusal:
            return 200, OK[self.platform]
        return ANSWERS[(self.platform, refusal)]

    def _refusal(self, path, headers, raw):
        query = parse_qs(urlsplit(path).query)
        body = json.loads(raw)
        if self.platform == "wecom":
            if query.get("key") != [KEY]:
                return "wrong_key"
            content = body.get("markdown", body.get("text", {})).get("content", "")
            limit = 4096 if body["msgtype"] == "markdown" else 2048
            return "too_long" if len(content.encode()) > limit else ""
        if self.platform == "dingtalk":
            if query.get("access_token") != [TOKEN]:
                return "wrong_key"
            if self.secret:
                # 钉钉: timestamp in ms within an hour; sign = base64(HMAC-SHA256(secret, ts + "\n" + secret)),
                # URL-encoded in the query (parse_qs has decoded it).
                timestamp = query.get("timestamp", ["0"])[0]
                expected = base64.b64encode(hmac.new(self.secret.encode(), ("%s\n%s" % (timestamp, self.secret))
                                                     .encode(), hashlib.sha256).digest()).decode()
                if query.get("sign") != [expected] or abs(time.time() * 1000 - int(timestamp)) > 3600_000:
                    return "bad_signature"
            if self.keyword and self.keyword not in json.dumps(body, ensure_ascii=False):
                return "keyword_missing"
            return "too_long" if len(raw) > 20000 else ""
        if self.platform == "feishu":
            if self.secret:
                # 飞书: timestamp in seconds within an hour; sign = base64(HMAC-SHA256 keyed by
                # ts + "\n" + secret, over nothing), both in the body.
                timestamp = str(body.get("timestamp", "0"))
                expected = base64.b64encode(hmac.new(("%s\n%s" % (timestamp, self.secret)).encode(), b"",
                                                     hashlib.sha256).digest()).decode()
                if body.get("sign") != expected or abs(time.time() - int(timestamp)) > 3600:
                    return "bad_signature"
            if self.keyword and self.keyword not in json.dumps(body, ensure_ascii=False):
                return "keyword_missing"
            return "too_long" if len(raw) > 20 * 1024 else ""
        expected = "sha256=" + hmac.new(self.secret.encode(), raw, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(headers.get("X-Duiqi-Signature", ""), expected):
            return "bad_signature"
        if headers.get("X-Duiqi-Delivery") != body["delivery"] or headers.get("X-Duiqi-Event") != body["event"]:
            return "bad_signature"
        return ""


@pytest.fixture(autouse=True)
def allowed_networks(app):
    """The receivers listen on loopback, which only a listed network may reach. Set on the app the
    tests share (its settings are put back after each test), not by building an app per test."""
    app.config["WEBHOOK_ALLOW_NETWORKS"] = "127.0.0.1/32"


@pytest.fixture
def receivers():
    started = []

    def start(platform, **options):
        receiver = Receiver(platform, **options).start()
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        if receiver.server is not None:
            receiver.stop()


@pytest.fixture
def make_channel(app):
    def make(receiver=None, *, kind=None, url=None, secret=None, scope_kind="company", scope_id=None,
             language="en", events=None, name="Team group"):
        return Channel.add(None, name=name, kind=kind or receiver.platform, url=url or receiver.url,
                           secret=secret if secret is not None else getattr(receiver, "secret", ""),
                           scope_kind=scope_kind, scope_id=scope_id, language=language, events=events)
    return make


class ConnectionLog:
    """Every socket.connect the process makes while recording, seen through Python's audit hooks
    (real connection attempts, no stand-in for the socket module)."""

    def __init__(self):
        self.recording = False
        self.connects = []
        self.lookups = []
        sys.addaudithook(self._hook)

    def _hook(self, event, args):
        if not self.recording:
            return
        if event == "socket.connect":
            self.connects.append(args[1])
        elif event == "socket.getaddrinfo":
            self.lookups.append(args[0])

    def __enter__(self):
        self.connects.clear()
        self.lookups.clear()
        self.recording = True
        return self

    def __exit__(self, *exc):
        self.recording = False


_log = ConnectionLog()


@pytest.fixture
def connections():
    return _log
