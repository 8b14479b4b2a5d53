"""/livez, /healthz and /metrics: what the people who run the portal watch."""
import concurrent.futures
import datetime
import re

import pytest
import time_machine

from bench.harness import Session, gunicorn
from portal import jobs, mail
from portal.db import db, open_database, utcnow
from tests.conftest import free_port

ADMIN_NETWORK = {"REMOTE_ADDR": "10.1.2.3"}
ELSEWHERE = {"REMOTE_ADDR": "203.0.113.9"}


def _metric(text, name, **labels):
    wanted = ",".join('%s="%s"' % item for item in sorted(labels.items()))
    pattern = r"^%s%s (\S+)$" % (re.escape(name), re.escape("{%s}" % wanted) if labels else "")
    found = re.search(pattern, text, re.M)
    return float(found.group(1)) if found else None


def test_healthz_reports_database_queue_and_a_worker_running_in_the_web_process(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": {"state": "ok"},
                                   "queue": {"state": "ok", "waiting": 0, "scheduled": 0},
                                   "worker": {"state": "ok", "runs": "in the web process"}}


@pytest.mark.parametrize("app_config", [{"JOBS_IMMEDIATE": False}])
def test_healthz_shows_a_worker_never_seen_then_alive_then_late_while_the_server_keeps_serving(app, client):
    never = client.get("/healthz")
    assert never.status_code == 200
    assert never.get_json()["status"] == "degraded" and never.get_json()["worker"] == {"state": "never seen"}
    beat_at = utcnow()
    with time_machine.travel(beat_at.replace(tzinfo=datetime.UTC), tick=False):
        jobs.beat()
    with time_machine.travel(beat_at.replace(tzinfo=datetime.UTC) + datetime.timedelta(seconds=170), tick=False):
        alive = client.get("/healthz").get_json()
    assert alive["status"] == "ok" and alive["worker"]["state"] == "ok" and alive["worker"]["seconds_ago"] == 170
    with time_machine.travel(beat_at.replace(tzinfo=datetime.UTC) + datetime.timedelta(seconds=190), tick=False):
        late = client.get("/healthz")
    assert late.status_code == 200
    assert late.get_json()["status"] == "degraded" and late.get_json()["worker"]["state"] == "late"
    assert "by" in late.get_json()["worker"]
    assert "by" not in client.get("/healthz", environ_base=ELSEWHERE).get_json()["worker"]


@pytest.mark.parametrize("app_config", [{"JOBS_IMMEDIATE": False, "JOBS_URL": "redis://127.0.0.1:%d/0" % free_port()}])
def test_healthz_answers_503_naming_the_queue_when_it_cannot_be_reached(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable" and body["queue"]["state"] == "unreachable"
    assert body["database"] == {"state": "ok"}


def test_healthz_answers_503_in_json_and_pages_a_translated_503_when_the_database_refuses_to_connect(app, client,
                                                                                                   tmp_path):
    db.close()
    db.initialize(open_database("postgresql://postgres@/portal?host=%s" % tmp_path))  # no server listens there
    response = client.get("/healthz")
    assert response.status_code == 503 and response.mimetype == "application/json"
    body = response.get_json()
    assert body["status"] == "unavailable" and body["database"] == {"state": "unreachable", "error": "OperationalError"}
    assert body["queue"]["state"] == "ok"
    page = client.get("/login", headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 503 and "系统暂时连不上数据库" in page.get_data(as_text=True)


def test_livez_answers_ok_in_plain_text_with_the_database_unreachable_and_sets_no_cookie(app, client, member,
                                                                                         tmp_path):
    client.login(member)
    db.close()
    db.initialize(open_database("postgresql://postgres@/portal?host=%s" % tmp_path))  # no server listens there
    for asking in (client, app.test_client()):
        response = asking.get("/livez")
        assert response.status_code == 200 and response.mimetype == "text/plain"
        assert response.get_data(as_text=True) == "ok"
        assert "Set-Cookie" not in response.headers
    assert client.get("/healthz").status_code == 503  # the same database, asked


def test_metrics_count_requests_by_view_and_status_and_show_the_outbox(app, client, member):
    client.login(member)
    client.get("/")
    client.get("/no/such/page")
    with db.atomic():
        mail.queue("set_password", member, link="https://portal.example.test/x", user=member, invited_by=None)
    scraped = client.get("/metrics")
    assert scraped.status_code == 200 and scraped.headers["Content-Type"].startswith("text/plain")
    text = scraped.get_data(as_text=True)
    assert _metric(text, "duiqi_request_seconds_count", endpoint="home.index", status="2xx") >= 1
    assert _metric(text, "duiqi_request_seconds_count", endpoint="unmatched", status="4xx") >= 1
    assert _metric(text, "duiqi_outbox_messages", state="queued") + _metric(
        text, "duiqi_outbox_messages", state="sent") + _metric(text, "duiqi_outbox_messages", state="failed") == 1
    assert _metric(text, "duiqi_jobs", when="due") == 0


@pytest.mark.parametrize("app_config", [{"JOBS_IMMEDIATE": False}])
def test_metrics_show_mail_waiting_its_age_and_the_workers_heartbeat(app, client, member):
    created = utcnow()
    with time_machine.travel(created.replace(tzinfo=datetime.UTC), tick=False):
        with db.atomic():
            mail.queue("set_password", member, link="https://portal.example.test/x", user=member, invited_by=None)
        jobs.beat()
    with time_machine.travel(created.replace(tzinfo=datetime.UTC) + datetime.timedelta(minutes=5), tick=False):
        text = client.get("/metrics").get_data(as_text=True)
    assert _metric(text, "duiqi_outbox_messages", state="queued") == 1
    assert _metric(text, "duiqi_outbox_oldest_waiting_seconds") == 300
    assert _metric(text, "duiqi_worker_heartbeat_age_seconds") == 300
    assert _metric(text, "duiqi_jobs", when="due") >= 1  # the delivery job, waiting for a worker


@pytest.mark.parametrize("app_config", [{"METRICS_NETWORKS": ["10.0.0.0/8"], "METRICS_TOKEN": "s3cret-token"}])
def test_metrics_answer_the_admin_network_or_the_token_and_no_one_else(client):
    assert client.get("/metrics", environ_base=ADMIN_NETWORK).status_code == 200
    assert client.get("/metrics", environ_base=ELSEWHERE).status_code == 404
    assert client.get("/metrics", environ_base=ELSEWHERE,
                      headers={"Authorization": "Bearer s3cret-token"}).status_code == 200
    assert client.get("/metrics", environ_base=ELSEWHERE,
                      headers={"Authorization": "Bearer s3cret-tokeN"}).status_code == 404
    assert client.get("/metrics", environ_base=ELSEWHERE, headers={"Authorization": "s3cret-token"}).status_code == 404


def test_behind_a_proxy_the_portal_was_not_told_about_no_one_counts_as_local(client):
    """nginx forwards from 127.0.0.1; without PORTAL_TRUSTED_PROXIES every visitor would look local."""
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"},
                      headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 404


@pytest.mark.parametrize("app_config", [{"TRUSTED_PROXIES": 1, "METRICS_NETWORKS": ["10.0.0.0/8"]}])
def test_behind_a_trusted_proxy_the_forwarded_address_decides(client):
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    assert client.get("/metrics", environ_base=proxy, headers={"X-Forwarded-For": "10.9.9.9"}).status_code == 200
    assert client.get("/metrics", environ_base=proxy, headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 404


def test_under_gunicorn_a_scrape_counts_the_requests_every_worker_process_answered(app, tmp_path):
    folder = tmp_path / "metrics"
    folder.mkdir()
    db.close()
    # One thread each: a worker busy with one request accepts no other, so six at once spread over
    # the processes (with two threads, a fast machine had one worker take all thirty).
    with gunicorn(app.config["DATABASE_URL"], workers=3, threads=1, PROMETHEUS_MULTIPROC_DIR=folder) as server:
        with concurrent.futures.ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(lambda _: Session(server.url).get("/login").status, range(30)))
        assert answers == [200] * 30
        pids = {path.stem.rsplit("_", 1)[1] for path in folder.glob("histogram_*.db")}
        text = Session(server.url).get("/metrics").text
    assert len(pids) >= 2, "the requests all reached one worker: nothing was summed"
    assert _metric(text, "duiqi_request_seconds_count", endpoint="accounts.login", status="2xx") == 30
