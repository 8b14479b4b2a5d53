"""The job worker as `make run` starts it: a separate process that delivers queued mail."""
import datetime
import os
import signal
import subprocess
import sys
import time

import pytest
import time_machine

from portal import mail
from portal.db import db
from tests.engines import on_its_queue

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def app_config(smtp_port):
    return {"JOBS_IMMEDIATE": False, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_port}


@pytest.fixture
def worker(app, smtp_port, tmp_path):
    env = dict(os.environ, PORTAL_DATABASE_URL=app.config["DATABASE_URL"], PORTAL_SECRET_KEY="test-secret",
               PORTAL_BASE_URL=app.config["BASE_URL"], MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp_port),
               PORTAL_JOB_WORKERS="2", **on_its_queue(app))
    log = open(tmp_path / "worker.log", "w+")
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker"], cwd=ROOT,
                               env=env, stdout=log, stderr=subprocess.STDOUT)
    process.log = log
    yield process
    if process.poll() is None:
        process.kill()
    process.wait(10)
    log.close()


def _wait_for(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_the_worker_delivers_mail_queued_by_the_web_and_stops_on_ctrl_c(app, smtp_server_on, smtp_port,
                                                                          worker, make_user):
    server = smtp_server_on(smtp_port)
    users = [make_user() for _ in range(3)]
    with db.atomic():
        for user in users:
            mail.queue("set_password", user, link="https://portal.example.test/x", user=user, invited_by=None)
    assert _wait_for(lambda: len(server.messages) == 3), open(worker.log.name).read()
    assert sorted(m["To"] for m in server.messages) == sorted(u.email for u in users)
    worker.send_signal(signal.SIGINT)
    assert worker.wait(15) == 0


def test_healthz_sees_the_worker_start_and_shows_it_dead_once_killed(app, client, worker):
    def seen():
        return client.get("/healthz").get_json()["worker"]
    assert _wait_for(lambda: seen()["state"] == "ok"), open(worker.log.name).read()
    assert seen()["by"].endswith(":%d" % worker.pid)
    worker.kill()
    worker.wait(10)
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=app.config["WORKER_LATE_SECONDS"] + 5)
    with time_machine.travel(later, tick=False):
        response = client.get("/healthz")
    assert response.status_code == 200  # pages are still served
    assert response.get_json()["status"] == "degraded" and response.get_json()["worker"]["state"] == "late"
