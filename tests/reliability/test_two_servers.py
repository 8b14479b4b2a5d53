"""Beyond one server: a real nginx in front of two gunicorn app servers that share PostgreSQL and
Redis, with a job worker. People sign in on one server and carry on on the other, the sign-in rate
limit counts across both, and a server restarted costs nobody their session and no mail."""
import contextlib
import os
import shutil
import signal
import subprocess
import sys

import pytest
from playhouse.migrations import Runner

from bench.harness import ROOT, Session, gunicorn, portal_environment
from portal import create_app
from portal.accounts.models import User
from portal.db import MIGRATIONS, db, open_database
from tests.conftest import PASSWORD, free_port
from tests.engines import ServerMissing, wait_until

NGINX_SITE = """
daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log {folder}/access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    upstream duiqi {{
        server 127.0.0.1:{first};
        server 127.0.0.1:{second};
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://duiqi;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
}}
"""


@pytest.fixture
def shared(postgresql, redis_server, tmp_path):
    """A migrated PostgreSQL database and an empty Redis, with one admin in it."""
    url = postgresql.empty()
    database = open_database(url)
    Runner(database, str(MIGRATIONS)).up()
    database.close_all()
    redis_server.flush()
    app = create_app({"TESTING": True, "SECRET_KEY": "harness-secret", "INSTANCE_PATH": str(tmp_path / "instance"),
                      "DATABASE_URL": url, "JOBS_URL": redis_server.url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        admin = User.invite(None, "ada@example.com", "Ada Admin", None, "admin", password=PASSWORD)
        colleagues = [User.invite(None, "colleague%d@example.com" % n, "Colleague %d" % n, None, "member",
                                  password=PASSWORD) for n in range(3)]
        db.close_all()
    yield url, redis_server.url, admin, colleagues
    postgresql.drop(url)


@pytest.fixture
def nginx(tmp_path):
    program = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(program):
        raise ServerMissing("nginx", "nginx")

    @contextlib.contextmanager
    def start(first, second):
        folder = tmp_path / "nginx"
        folder.mkdir()
        port = free_port()
        site = folder / "nginx.conf"
        site.write_text(NGINX_SITE.format(folder=folder, first=first, second=second, port=port))
        process = subprocess.Popen([program, "-c", str(site), "-p", str(folder)], stderr=subprocess.STDOUT,
                                   stdout=open(folder / "stdout.log", "w"))
        try:
            wait_until(lambda: _answers(port), "nginx")
            yield "http://127.0.0.1:%d" % port
        finally:
            process.terminate()
            process.wait(10)
    return start


def _answers(port):
    try:
        return Session("http://127.0.0.1:%d" % port).get("/healthz").status == 200
    except OSError:
        return False


@contextlib.contextmanager
def job_worker(url, jobs_url, smtp_port, log):
    env = portal_environment(url, PORTAL_JOBS_URL=jobs_url, PORTAL_SECRET_KEY="harness-secret", MAIL_SERVER="127.0.0.1",
                             MAIL_PORT=smtp_port, PORTAL_JOB_WORKERS=2)
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker"], cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(20)


def _signed_in(session):
    response = session.get("/settings")
    return response.status == 200 and "Ada Admin" in response.text


def _on(server, session):
    """The same browser (its cookies) talking to `server` directly."""
    other = Session(server.url)
    other.cookies, other.csrf_token = dict(session.cookies), session.csrf_token
    return other


def test_two_app_servers_behind_nginx_share_sign_ins_rate_limits_and_mail_through_a_restart(
        shared, nginx, smtp_server_on, tmp_path, reliability_report):
    url, jobs_url, admin, colleagues = shared
    env = {"PORTAL_JOBS_URL": jobs_url, "PORTAL_TRUSTED_PROXIES": 1, "PORTAL_DEFAULT_LOCALE": "en",
           "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": free_port()}
    smtp = smtp_server_on(env["MAIL_PORT"])
    first_port = free_port()
    logs = {name: open(tmp_path / ("%s.log" % name), "w+") for name in ("first", "second", "restarted", "worker")}
    with gunicorn(url, workers=1, log=logs["first"], port=first_port, **env) as first, \
            gunicorn(url, workers=1, log=logs["second"], **env) as second, \
            nginx(first_port, int(second.url.rsplit(":", 1)[1])) as front:
        # Signed in through nginx; the session is known to each server.
        browser = Session(front).log_in(admin.email, PASSWORD)
        assert _signed_in(_on(first, browser)) and _signed_in(_on(second, browser))

        # Two wrong passwords on each server: the fourth in a row is slowed down, wherever it lands.
        answers = []
        for server in (first, first, second, second):
            guesser = Session(server.url)
            guesser._read_token(guesser.get("/login"))
            answers.append(guesser.post("/login", {"email": colleagues[0].email, "password": "wrong"}).text)
        assert ["Too many failed sign-in attempts" in answer for answer in answers] == [False, False, False, True]

        # Mail asked for through either server, while no worker runs; then the first server restarts.
        for colleague in colleagues:
            assert browser.post("/admin/users/%d/password-link" % colleague.id).status == 303
        first.stop()
        assert all(_signed_in(browser) for _ in range(4)), "nginx sends everyone to the server still up"
        with gunicorn(url, workers=1, log=logs["restarted"], port=first_port, **env) as restarted:
            assert _signed_in(_on(restarted, browser)), "the restart signed the admin out"
            assert all(_signed_in(browser) for _ in range(4))
            with job_worker(url, jobs_url, env["MAIL_PORT"], logs["worker"]):
                wait_until(lambda: _outbox(url) == [("sent", 1)] * len(colleagues), "the mail", seconds=60)
    # The worker has stopped: what the SMTP server holds now is all that was ever sent.
    assert sorted(m["To"] for m in smtp.messages) == sorted(c.email for c in colleagues)
    assert len({m["Message-ID"] for m in smtp.messages}) == len(colleagues)
    reliability_report["mails delivered once across an app server restart"] += len(smtp.messages)
    for log in logs.values():
        log.close()


def _outbox(url):
    database = open_database(url)
    try:
        return [tuple(row) for row in database.execute_sql("SELECT state, attempts FROM outbox_message ORDER BY id")]
    finally:
        database.close_all()
