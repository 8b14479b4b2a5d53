"""The job worker killed (SIGKILL) in the middle of sending mail, then restarted: every mail is
delivered and none twice. The one window where a kill can still duplicate a mail (the SMTP
server said yes, the "sent" mark is not written yet) sends it again under the same Message-ID."""
import asyncio
import collections
import email
import signal
import subprocess
import sys
import threading
import time

import pytest
from aiosmtpd.controller import Controller
from bench.harness import ROOT, free_port, portal_environment
from portal import mail
from portal.db import db
from portal.mail import OutboxMessage, deliver_outbox
from tests.engines import on_its_queue

BATCH = 8


class SlowServer:
    """Accepts `accept` mails, then holds every further one at RCPT (a slow server) until
    released; knows when no accepted mail is still waiting for its sender's "sent" mark.
    `on_accept` runs as an accepted mail's data arrives, once a further mail is held."""

    def __init__(self, accept, on_accept=None):
        self.accept, self.on_accept = accept, on_accept
        self.messages, self.lock, self.release = [], threading.Lock(), threading.Event()
        self.held, self.passing, self.unconfirmed = 0, set(), set()

    def quiet(self):
        """Some mail is held, none half-done: a kill now lands strictly between two mails."""
        with self.lock:
            return self.held > 0 and not self.passing and not self.unconfirmed

    async def handle_MAIL(self, server, session, envelope, address, options):
        with self.lock:  # The sender moved on, so it marked the previous mail sent.
            self.unconfirmed.discard(id(session))
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):
        if len(self.messages) + len(self.passing) >= self.accept:
            with self.lock:
                self.held += 1
            while not self.release.is_set():
                await asyncio.sleep(0.02)
        with self.lock:
            self.passing.add(id(session))
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.on_accept:
            # Only once the next mail waits at RCPT: its sender had claimed it by then. Called at
            # once, the worker's second thread could come to claim it after the test held the
            # database, and wait out the lock instead (a fast machine did, now and then).
            while not self.held:
                await asyncio.sleep(0.02)
            self.on_accept()
        with self.lock:
            self.messages.append(email.message_from_bytes(envelope.content))
            self.passing.discard(id(session))
            self.unconfirmed.add(id(session))
        return "250 OK"

    async def handle_QUIT(self, server, session, envelope):
        with self.lock:
            self.unconfirmed.discard(id(session))
        return "221 Bye"

    def counts(self):
        return collections.Counter(message["Message-ID"] for message in self.messages)


@pytest.fixture
def smtp_port():
    return free_port()


@pytest.fixture
def app_config(smtp_port):
    return {"JOBS_IMMEDIATE": False, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_port}


@pytest.fixture
def smtp(smtp_port):
    controllers = []

    def start(server):
        controller = Controller(server, hostname="127.0.0.1", port=smtp_port)
        controller.start()
        controllers.append((controller, server))
        return server
    yield start
    for controller, server in controllers:
        server.release.set()
        controller.stop()


@pytest.fixture
def worker(app, smtp_port, tmp_path):
    """Start the job worker as `make run` does; each call starts a fresh one."""
    started = []
    env = portal_environment(app.config["DATABASE_URL"], PORTAL_BASE_URL=app.config["BASE_URL"],
                             MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_port, PORTAL_JOB_WORKERS=2,
                             PORTAL_MAIL_STALE_SECONDS=1, PORTAL_SECRET_KEY="test-secret", **on_its_queue(app))

    def start():
        log = open(tmp_path / ("worker-%d.log" % len(started)), "w")
        process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker"], cwd=ROOT,
                                   env=env, stdout=log, stderr=subprocess.STDOUT)
        started.append((process, log))
        return process
    yield start
    for process, log in started:
        if process.poll() is None:
            process.kill()
        process.wait(10)
        log.close()


def _wait_for(condition, seconds=30, nudge=None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        if nudge:
            nudge()
        time.sleep(0.25)
    return False


def _queue_batch(make_user):
    users = [make_user() for _ in range(BATCH)]
    with db.atomic():
        messages = [mail.queue("set_password", user, link="https://portal.example.test/x", user=user,
                               invited_by=None) for user in users]
    db.close()
    return {message.message_id() for message in messages}


def _all_sent():
    with db.connection_context():
        return not OutboxMessage.select().where(OutboxMessage.state != "sent").exists()


def _kill(process):
    process.send_signal(signal.SIGKILL)
    process.wait(10)


def test_a_worker_killed_mid_batch_and_restarted_delivers_every_mail_once(
        app, smtp, worker, make_user, reliability_report):
    expected = _queue_batch(make_user)
    server = smtp(SlowServer(accept=3))
    first = worker()
    assert _wait_for(server.quiet), "the worker never got past the third mail"
    _kill(first)
    assert 3 <= len(server.messages) < BATCH, "the kill did not land mid-batch"
    server.release.set()
    server.accept = BATCH * 2
    worker()
    # After a crash the periodic job resumes the stale claims within a minute; here the web
    # queueing more mail (a delivery job) stands in for it.
    assert _wait_for(lambda: _all_sent() and set(server.counts()) == expected, nudge=deliver_outbox), \
        "not every mail was delivered: %s" % sorted(server.counts())
    duplicates = sum(count - 1 for count in server.counts().values())
    reliability_report["mails delivered across a worker kill"] += len(expected)
    reliability_report["duplicate mails"] += duplicates
    assert duplicates == 0


def test_a_kill_between_the_servers_yes_and_the_sent_mark_resends_under_the_same_message_id(
        app, engine, smtp, worker, make_user):
    expected = _queue_batch(make_user)
    held = []

    def hold_the_database():
        # The worker cannot write its "sent" mark while we hold the write lock.
        if not held:
            held.append(engine.hold_writes(app.config["DATABASE_URL"], OutboxMessage._meta.table_name))
    server = smtp(SlowServer(accept=1, on_accept=hold_the_database))
    first = worker()
    assert _wait_for(lambda: len(server.messages) == 1 and server.held), "the first mail never arrived"
    _kill(first)
    held[0].release()
    server.on_accept = None
    server.release.set()
    server.accept = BATCH * 2
    worker()
    assert _wait_for(lambda: _all_sent() and set(server.counts()) == expected, nudge=deliver_outbox), \
        "not every mail was delivered: %s" % sorted(server.counts())
    first_mail = server.messages[0]["Message-ID"]
    assert server.counts()[first_mail] == 2, "sent again, recognisable by its Message-ID"
    assert all(count == 1 for message_id, count in server.counts().items() if message_id != first_mail)

