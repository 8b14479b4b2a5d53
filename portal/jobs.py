"""Background and periodic jobs: one huey instance, given its storage by create_app."""
import functools
import logging
import os
from pathlib import Path

import click
from flask import has_app_context
from flask.cli import AppGroup
from huey import Huey, crontab
from huey.storage import SqliteStorage
from playhouse.db_url import parse

from portal.db import db

__all__ = ["crontab", "huey", "init_app", "periodic_task", "task"]

# In-memory until init_app: importing the package must not create files.
huey = Huey("duiqi", immediate=True, results=False)
_app = None


def init_app(app):
    global _app
    _app = app
    huey.storage_class = SqliteStorage
    huey.storage_kwargs = {"filename": str(storage_path(app))}
    huey.immediate = app.config["JOBS_IMMEDIATE"]
    huey.storage = huey.create_storage()
    app.cli.add_command(jobs_cli)


def storage_path(app):
    """The queue lives beside an SQLite database, else in instance/."""
    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite"):
        database = Path(parse(url)["database"])
        return database.with_name(database.stem + "-jobs.db")
    return Path(app.instance_path) / "jobs.db"


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
