"""Addresses inside the network are refused before any connection is tried; redirects are not
followed; PORTAL_WEBHOOK_ALLOW_NETWORKS opens the networks it lists, plain http included."""
import socket
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from portal import robots
from portal.robots import RobotMessage, transport
from tests.conftest import free_port
from tests.robots.conftest import Receiver

INTERNAL = ["https://127.0.0.1/hook", "https://localhost/hook", "https://[::1]/hook", "https://10.0.0.1/hook",
            "https://169.254.169.254/latest/meta-data", "https://0x7f000001/hook", "https://2130706433/hook",
            "https://[::ffff:127.0.0.1]/hook", "https://0.0.0.0/hook", "https://224.0.0.1/hook",
            "https://[fe80::1]/hook", "https://192.168.1.1:8443/hook", "https://100.64.0.1/hook"]


@pytest.fixture
def allowed_networks(app):
    app.config["WEBHOOK_ALLOW_NETWORKS"] = ""


def _deliver(make_channel, url):
    channel = make_channel(kind="wecom", url=url, secret="")
    [row] = robots.queue(channel, "task.priority", robots.Message(title="Hello"))
    return RobotMessage.get_by_id(row.id)


@pytest.mark.parametrize("url", INTERNAL)
def test_internal_addresses_are_refused_without_a_connection_attempt(make_channel, connections, url):
    with connections:
        row = _deliver(make_channel, url)
    assert (row.state, row.reason) == ("failed", "internal_address")
    assert connections.connects == []


def test_a_listener_on_loopback_never_sees_a_connection(make_channel, connections):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.setblocking(False)
    try:
        with connections:
            row = _deliver(make_channel, "https://127.0.0.1:%d/hook" % listener.getsockname()[1])
        with pytest.raises(BlockingIOError):
            listener.accept()  # the kernel would have queued a connection, had one been made
    finally:
        listener.close()
    assert row.reason == "internal_address"


def test_a_name_that_resolves_to_loopback_is_refused(make_channel, connections, monkeypatch):
    real = socket.getaddrinfo

    def dns(host, *args, **kwargs):
        # The intranet's DNS answers this name with a loopback address.
        return real("127.0.0.1" if host == "robot.intranet.example" else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", dns)
    with connections:
        row = _deliver(make_channel, "https://robot.intranet.example/hook")
    assert row.reason == "internal_address" and connections.connects == []


def test_plain_http_is_refused_for_a_public_address(make_channel, connections):
    with connections:
        row = _deliver(make_channel, "http://93.184.216.34/hook")
    assert (row.state, row.reason) == ("failed", "https_only") and connections.connects == []


def test_a_listed_network_is_reached_over_http_at_the_very_address_checked(app, receivers, make_channel,
                                                                          connections, monkeypatch):
    app.config["WEBHOOK_ALLOW_NETWORKS"] = "127.0.0.0/8"
    receiver = receivers("wecom")
    real, answers, asked = socket.getaddrinfo, iter(["127.0.0.1", "93.184.216.34", "93.184.216.34"]), []

    def rebinding_dns(host, *args, **kwargs):
        # A hostile DNS: the first answer passes the check, later ones point elsewhere.
        asked.append(host)
        return real(next(answers) if host == "robot.intranet.example" else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_dns)
    with connections:
        row = _deliver(make_channel, receiver.url.replace("127.0.0.1", "robot.intranet.example"))
    assert row.state == "sent"
    assert connections.connects == [("127.0.0.1", receiver.port)]
    assert asked.count("robot.intranet.example") == 1
    assert receiver.requests[0][1]["Host"] == "robot.intranet.example:%d" % receiver.port


def test_a_redirect_to_loopback_is_not_followed(app, make_channel, connections):
    app.config["WEBHOOK_ALLOW_NETWORKS"] = "127.0.0.1/32"
    target = Receiver("wecom").start()

    class Redirect(BaseHTTPRequestHandler):
        def do_POST(self):
            self.send_response(302)
            self.send_header("Location", target.url)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with connections:
            row = _deliver(make_channel, "http://127.0.0.1:%d/hook" % server.server_port)
    finally:
        server.shutdown()
        server.server_close()
        target.stop()
    assert (row.state, row.reason) == ("failed", "redirect")
    assert target.requests == [] and len(connections.connects) == 1


def test_an_answer_is_read_no_further_than_64_kb(app, make_channel):
    app.config["WEBHOOK_ALLOW_NETWORKS"] = "127.0.0.1/32"

    class Flood(BaseHTTPRequestHandler):
        def do_POST(self):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"x" * (1024 * 1024))

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Flood)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        answer = transport.post("http://127.0.0.1:%d/" % server.server_port, b"{}", {}, "127.0.0.1/32")
    finally:
        server.shutdown()
        server.server_close()
    assert len(answer.body) == transport.READ_LIMIT


def test_a_silent_receiver_times_out(app, make_channel, monkeypatch):
    app.config["WEBHOOK_ALLOW_NETWORKS"] = "127.0.0.1/32"
    monkeypatch.setattr(transport, "TIMEOUT", 0.5)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)  # accepts the connection in the kernel, never answers
    try:
        channel = make_channel(kind="wecom", url="http://127.0.0.1:%d/hook" % listener.getsockname()[1], secret="")
        [row] = robots.queue(channel, "task.priority", robots.Message(title="Hello"))
    finally:
        listener.close()
    row = RobotMessage.get_by_id(row.id)
    assert (row.state, row.reason) == ("queued", "timeout")


def _certificate(folder, name):
    """A throwaway CA and a certificate it signs for `name`, made with the openssl command."""
    def openssl(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=folder)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=Duiqi test CA", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=" + name)
    (folder / "leaf.ext").write_text("subjectAltName=DNS:%s\n" % name)
    openssl("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "leaf.pem", "-days", "2", "-extfile", "leaf.ext")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "leaf.pem", folder / "leaf.key")
    return context, folder / "ca.pem"


@pytest.mark.parametrize("certified, state, reason", [("robot.intranet.example", "sent", ""),
                                                       ("elsewhere.example", "failed", "certificate")])
def test_https_goes_to_the_checked_address_with_the_name_for_sni_and_the_certificate(
        app, make_channel, monkeypatch, tmp_path, certified, state, reason):
    app.config["WEBHOOK_ALLOW_NETWORKS"] = "127.0.0.1/32"
    context, authority = _certificate(tmp_path, certified)
    names = []
    context.sni_callback = lambda sock, name, ctx: names.append(name)
    monkeypatch.setenv("SSL_CERT_FILE", str(authority))  # trust the test CA, as a system trusts its own
    real = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, *args, **kwargs: real(
        "127.0.0.1" if host == "robot.intranet.example" else host, *args, **kwargs))
    receiver = Receiver("wecom", tls=context, name="robot.intranet.example").start()
    try:
        row = _deliver(make_channel, receiver.url)
    finally:
        receiver.stop()
    assert (row.state, row.reason) == (state, reason)
    assert names == ["robot.intranet.example"]
    assert len(receiver.accepted) == (1 if state == "sent" else 0)
