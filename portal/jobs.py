"""Background and periodic jobs: one huey instance, given its storage by create_app."""
import datetime
import functools
import json
import logging
import os
import socket
import sqlite3

import click
import huey as huey_package
from flask import has_app_context
from flask.cli import AppGroup
from huey import crontab
from huey.constants import EmptyData
from huey.storage import RedisStorage, SqliteStorage
from redis import RedisError

from portal.db import beside_database, db, utcnow

__all__ = ["crontab", "huey", "init_app", "periodic_task", "task"]
# How long a worker's claim on a periodic job's minute is kept: far longer than any two workers'
# clocks disagree, so a late worker never finds the minute free again.
CLAIM_KEPT = datetime.timedelta(hours=1)
logger = logging.getLogger("portal.jobs")


class Huey(huey_package.Huey):
    """Huey whose periodic jobs run once across every worker sharing the queue. Each worker's
    scheduler enqueues the jobs due in a minute; only the first to claim (job, minute) in the
    queue's storage does, and each drops its claims an hour on."""

    def read_periodic(self, timestamp):
        timestamp = timestamp or self._get_timestamp()
        minute = timestamp.replace(second=0, microsecond=0)
        due = []
        for job in super().read_periodic(timestamp):
            mine = self.storage.put_if_empty(_claim(job, minute), b"1")
            logger.info("Periodic task %s of %s %s.", job.name, minute.isoformat(timespec="minutes"),
                        "claimed" if mine else "already claimed by another worker")
            if mine:
                due.append(job)
        for job in self._registry.periodic_tasks:
            self.storage.pop_data(_claim(job, minute - CLAIM_KEPT))
        return due


def _claim(job, minute):
    return "periodic.%s.%s" % (job.name, minute.strftime("%Y%m%d%H%M"))


# In-memory until init_app: importing the package must not create files.
huey = Huey("duiqi", immediate=True, results=False)
_app = None


def init_app(app):
    global _app
    _app = app
    if app.config["JOBS_URL"]:
        huey.storage_class = RedisStorage
        huey.storage_kwargs = {"url": app.config["JOBS_URL"]}
    else:
        path = storage_path(app)
        path.parent.mkdir(parents=True, exist_ok=True)
        huey.storage_class = SqliteStorage
        huey.storage_kwargs = {"filename": str(path)}
    huey.immediate = app.config["JOBS_IMMEDIATE"]
    huey.storage = huey.create_storage()
    app.cli.add_command(jobs_cli)


HEARTBEAT = "worker.heartbeat"


def beat():
    """Say in the queue that a worker is alive: when it starts, then every minute through the
    scheduler and a worker thread, so a stuck scheduler shows as much as a dead process."""
    seen = {"at": utcnow().isoformat(), "by": "%s:%d" % (socket.gethostname(), os.getpid())}
    huey.storage.put_data(HEARTBEAT, json.dumps(seen).encode())


huey.on_startup()(beat)
huey.periodic_task(crontab(), name="heartbeat")(beat)


def last_heartbeat():
    """(when, by whom) a worker last said it was alive, or None if none ever did on this queue."""
    seen = huey.storage.peek_data(HEARTBEAT)
    if seen is EmptyData:
        return None
    seen = json.loads(seen)
    return datetime.datetime.fromisoformat(seen["at"]), seen["by"]


def backlog():
    """How many jobs wait: those due now, and those scheduled for later (retries, delays)."""
    return huey.storage.queue_size(), huey.storage.schedule_size()


# What reaching the queue's storage can raise: Redis's own errors, or SQLite's for the file queue.
QUEUE_ERRORS = (RedisError, sqlite3.Error, OSError)


def storage_path(app):
    """Without PORTAL_JOBS_URL the queue is an SQLite file beside an SQLite database, else in instance/."""
    return beside_database(app, "jobs")


def _in_app(fn):
    @functools.wraps(fn)
    def run(*args, **kwargs):
        if has_app_context():
            return fn(*args, **kwargs)
        with _app.app_context(), db.connection_context():
            return fn(*args, **kwargs)
    return run


def task(**options):
    """A job run by the worker (or at once, in immediate mode), inside the app context."""
    return lambda fn: huey.task(**options)(_in_app(fn))


def periodic_task(schedule, **options):
    return lambda fn: huey.periodic_task(schedule, **options)(_in_app(fn))


jobs_cli = AppGroup("jobs", help="Background jobs.")


@jobs_cli.command("worker")
@click.option("--workers", type=int, default=lambda: int(os.environ.get("PORTAL_JOB_WORKERS", "2")),
              show_default="2", help="Worker threads.")
def worker(workers):
    """Run the job worker (mail delivery, reminders, digests) in the foreground."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s jobs %(levelname)s %(message)s")
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=True)
    consumer.run()
