"""Operating the portal: /livez and /healthz for whoever watches it is up, /metrics for Prometheus.

A scrape reads request latency from every web process (gunicorn's multiprocess mode, when
PROMETHEUS_MULTIPROC_DIR names a folder emptied at each start) and the backlogs at that moment
from the database and the queue, which every app server shares.
"""
import hmac
import ipaddress
import os
import time

from flask import Blueprint, abort, current_app, g, jsonify, request
from peewee import PeeweeException
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily

from portal import jobs
from portal.accounts import auth
from portal.db import Unreachable, db, utcnow
from portal.mail import OutboxMessage

monitoring = Blueprint("monitoring", __name__)

# In no registry of its own: each scrape builds one (see metrics()).
LATENCY = Histogram("duiqi_request_seconds", "Time from a request's arrival to its answer, by view and status class.",
                    ["endpoint", "status"], registry=None)


def init_app(app):
    app.before_request(_started)
    app.after_request(_observed)


def _started():
    g.started = time.perf_counter()


def _observed(response):
    started = g.pop("started", None)
    if started is not None:
        LATENCY.labels(request.endpoint or "unmatched", "%dxx" % (response.status_code // 100)).observe(
            time.perf_counter() - started)
    return response


@monitoring.route("/livez")
@auth.public
def livez():
    """Liveness: 200 while this process answers requests, asking neither the database nor the
    queue (what a load balancer or a watchdog restarts a hung process on; /healthz says whether
    it can serve). No database connection is taken for it (portal/db.py)."""
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}


livez.without_database = True


@monitoring.route("/healthz")
@auth.public
def healthz():
    """503 when this server cannot serve (database or queue unreachable): a load balancer takes it
    out. A dead or stuck job worker is no reason to stop serving pages, so it answers 200 with
    status "degraded", naming the worker: mail and reminders wait until one runs again."""
    return _report(_database())


@monitoring.errorhandler(Unreachable)
def _no_database(unreachable):
    """The database refused the connection before the view ran: the same report, in JSON, for a
    load balancer or a monitor to read, not the portal's error page."""
    return _report({"state": "unreachable", "error": type(unreachable.__cause__).__name__})


def _report(database):
    report = {"database": database, "queue": _queue(), "worker": _worker()}
    if not _may_scrape():
        report["worker"].pop("by", None)  # which host runs the worker is for the admins' eyes
    if report["database"]["state"] != "ok" or report["queue"]["state"] != "ok":
        return jsonify(status="unavailable", **report), 503
    return jsonify(status="ok" if report["worker"]["state"] == "ok" else "degraded", **report)


def _database():
    try:
        db.execute_sql("SELECT 1").fetchone()
    except PeeweeException as error:
        return {"state": "unreachable", "error": type(error).__name__}
    return {"state": "ok"}


def _queue():
    try:
        waiting, scheduled = jobs.backlog()
    except jobs.QUEUE_ERRORS as error:
        return {"state": "unreachable", "error": type(error).__name__}
    return {"state": "ok", "waiting": waiting, "scheduled": scheduled}


def _worker():
    if jobs.huey.immediate:
        return {"state": "ok", "runs": "in the web process"}
    try:
        seen = jobs.last_heartbeat()
    except jobs.QUEUE_ERRORS as error:
        return {"state": "unknown", "error": type(error).__name__}
    if seen is None:
        return {"state": "never seen"}
    at, by = seen
    age = (utcnow() - at).total_seconds()
    late = age > current_app.config["WORKER_LATE_SECONDS"]
    return {"state": "late" if late else "ok", "last_seen": at.isoformat() + "Z", "seconds_ago": round(age),
            "by": by}


@monitoring.route("/metrics")
@auth.public
def metrics():
    if not _may_scrape():
        abort(404)
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(LATENCY)
    registry.register(Backlog())
    return generate_latest(registry), 200, {"Content-Type": CONTENT_TYPE_LATEST}


def _may_scrape():
    """With the token, from anywhere; without it, only from the admin networks. Behind a proxy the
    portal was not told about (PORTAL_TRUSTED_PROXIES=0), every request seems to come from the
    proxy's own address: such a request never counts as coming from an admin network."""
    token = current_app.config["METRICS_TOKEN"]
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), ("Bearer " + token).encode()):
        return True
    if "X-Forwarded-For" in request.headers and not current_app.config["TRUSTED_PROXIES"]:
        return False
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(network, strict=False)
               for network in current_app.config["METRICS_NETWORKS"])


class Backlog:
    """What waits at the moment of the scrape: mail in the outbox, jobs in the queue, the worker."""

    def collect(self):
        outbox = GaugeMetricFamily("duiqi_outbox_messages", "Mail in the outbox, by state (failed: given up).",
                                   labels=["state"])
        counts = OutboxMessage.counts()
        for state in OutboxMessage.STATES:
            outbox.add_metric([state], counts.get(state, 0))
        yield outbox
        retrying = (OutboxMessage.select().where((OutboxMessage.state == "queued") & (OutboxMessage.attempts > 0))
                    .count())
        yield GaugeMetricFamily("duiqi_outbox_retrying", "Queued mail whose delivery failed at least once.",
                                value=retrying)
        oldest = (OutboxMessage.select(OutboxMessage.created_at).where(OutboxMessage.state.in_(("queued", "sending")))
                  .order_by(OutboxMessage.created_at).first())
        yield GaugeMetricFamily("duiqi_outbox_oldest_waiting_seconds", "Age of the oldest mail not yet sent.",
                                value=(utcnow() - oldest.created_at).total_seconds() if oldest else 0)
        waiting, scheduled = jobs.backlog()
        jobs_family = GaugeMetricFamily("duiqi_jobs", "Jobs in the queue: due now, or scheduled for later.",
                                        labels=["when"])
        jobs_family.add_metric(["due"], waiting)
        jobs_family.add_metric(["scheduled"], scheduled)
        yield jobs_family
        seen = None if jobs.huey.immediate else jobs.last_heartbeat()
        if seen is not None:
            yield GaugeMetricFamily("duiqi_worker_heartbeat_age_seconds", "Since a job worker last said it was alive.",
                                    value=(utcnow() - seen[0]).total_seconds())
