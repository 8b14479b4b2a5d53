"""Many writers at once against gunicorn's worker processes on one database (an SQLite file, or
PostgreSQL with --engine=postgresql), as in production: no acknowledged write is lost, no "database
is locked" or other error reaches anyone, the audit trail tells the data's true history; and a web
server killed mid-write leaves a clean database."""
import http.client
import threading
import time
import urllib.parse

import pytest

from bench.harness import Session, gunicorn
from portal.db import db
from tests.conftest import PASSWORD
from tests.engines import on_its_queue
from tests.reliability.conftest import WRITERS

SECONDS = 4


def local_path(location):
    parts = urllib.parse.urlsplit(location)
    return parts.path + ("?" + parts.query if parts.query else "")


class Run:
    """Every writer's clients hammering the server until told to stop."""

    def __init__(self, server, writers):
        self.server, self.writers = server, writers
        self.results = {writer: {"acked": [], "declined": [], "in_flight": [], "refused": [], "errors": []}
                        for writer in writers}
        self.stop = threading.Event()

    def client(self, writer, number, user):
        try:
            session = Session(self.server.url).log_in(user.email, PASSWORD)
        except Exception:
            self.barrier.abort()
            raise
        self.barrier.wait()  # every client signed in: they all start writing at once
        result, n = self.results[writer], 0
        while not self.stop.is_set():
            n += 1
            value, path, form = writer.change(number, n)
            try:
                response = session.post(path, form, writer.headers)
                if response.status == 303 and writer.follows:  # as htmx does, inside the same request
                    response = session.request("GET", local_path(response.headers["Location"]), None, writer.headers)
            except (OSError, http.client.HTTPException):  # The server died: this write may have landed.
                result["in_flight"].append(value)
                return
            if response.status >= 500 or "database is locked" in response.text:
                result["errors"].append((response.status, response.text[:200]))
                continue
            verdict = writer.answered(number, value, response)
            result[verdict].append((value, response.status) if verdict == "refused" else value)

    def start(self, users):
        self.threads = [threading.Thread(target=self.client, args=(writer, number, user), daemon=True)
                        for writer in self.writers for number, user in enumerate(users[writer])]
        self.barrier = threading.Barrier(len(self.threads) + 1, timeout=120)
        for thread in self.threads:
            thread.start()
        self.barrier.wait()

    def run_for(self, seconds, patience=120):
        """Let the clients write for `seconds`, and on until each writer was answered as often as it has
        clients: on a busy machine signing in alone can take longer than `seconds`."""
        time.sleep(seconds)
        deadline = time.monotonic() + patience
        while time.monotonic() < deadline and not all(
                len(self.results[writer]["acked"]) >= writer.clients for writer in self.writers):
            time.sleep(0.2)

    def join(self):
        self.stop.set()
        for thread in self.threads:
            thread.join(60)

    def verify(self, report):
        problems = []
        for writer, result in self.results.items():
            found, lost = writer.problems(result["acked"], result["in_flight"])
            name = type(writer).__name__
            problems += found + ["%s: answered %s" % (name, error) for error in result["errors"]]
            problems += ["%s: refused %r with %d" % (name, *refusal) for refusal in result["refused"]]
            report["concurrent writes acknowledged"] += len(result["acked"])
            report["stale or repeated writes refused, and told so"] += len(result["declined"])
            report["lost updates"] += lost
            report["5xx or 'database is locked' answers"] += len(result["errors"])
        return problems


@pytest.fixture
def prepared(app):
    writers = [cls() for cls in WRITERS]
    users = {writer: writer.prepare() for writer in writers}
    db.close()
    return writers, users


def test_concurrent_writers_lose_nothing_and_the_audit_trail_tells_the_true_history(
        app, prepared, tmp_path, reliability_report):
    writers, users = prepared
    with open(tmp_path / "gunicorn.log", "w") as log, \
            gunicorn(app.config["DATABASE_URL"], log=log, **on_its_queue(app)) as server:
        run = Run(server, writers)
        run.start(users)
        run.run_for(SECONDS)
        run.join()
    problems = run.verify(reliability_report)
    assert not problems, "\n".join(problems[:30])
    assert all(len(run.results[writer]["acked"]) >= writer.clients for writer in writers), "too few writes"


def test_a_web_server_killed_mid_write_leaves_a_clean_database_and_no_half_change(
        app, engine, prepared, tmp_path, reliability_report):
    writers, users = prepared
    with open(tmp_path / "gunicorn.log", "w") as log, \
            gunicorn(app.config["DATABASE_URL"], log=log, **on_its_queue(app)) as server:
        run = Run(server, writers)
        run.start(users)
        time.sleep(SECONDS / 2)
        server.kill()
        run.join()
    assert engine.integrity(app.config["DATABASE_URL"]) == "ok"
    problems = run.verify(reliability_report)
    assert not problems, "\n".join(problems[:30])
    reliability_report["web server kills survived"] += 1
