"""The deferred database, one connection per request, the model list and the `db` CLI."""
import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from peewee import DatabaseProxy, Model
from playhouse.db_url import connect, parse
from playhouse.migrations import Runner, template
from playhouse.schema_diff import diff_models

from portal.config import PROJECT_ROOT

db = DatabaseProxy()
MIGRATIONS = PROJECT_ROOT / "migrations"

# WAL lets readers go on while one process writes; busy_timeout (peewee's `timeout`) waits for
# the lock instead of failing; BEGIN IMMEDIATE takes the write lock up front, because a
# transaction that reads first and upgrades later fails at once with "database is locked".
SQLITE_OPTIONS = {
    "pragmas": {"journal_mode": "wal", "foreign_keys": 1, "synchronous": "normal", "cache_size": -16000},
    "timeout": 15,
    "lock_type": "IMMEDIATE",
}


class Invalid(ValueError):
    """A change refused by a model's rules; `field` names the form field to show it on."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


def utcnow():
    """Naive UTC, as every timestamp is stored; shown in the reader's time zone."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


def models():
    """Every model the schema holds, in no particular order (peewee sorts by dependency)."""
    from portal.accounts.models import Department, User
    from portal.audit import AuditEntry
    from portal.auth import LoginAttempt, LoginSession
    from portal.mail import OutboxMessage
    from portal.notifications.models import ClosedDay, CompanyCalendar, Digest, Notification, Preference
    from portal.tasks.models import ChecklistItem, Tag, Task, TaskComment, TaskDependency, TaskTag, TaskWatcher

    return [Department, User, LoginSession, LoginAttempt, AuditEntry, OutboxMessage,
            Notification, Preference, CompanyCalendar, ClosedDay, Digest,
            Task, TaskDependency, TaskWatcher, Tag, TaskTag, ChecklistItem, TaskComment]


def open_database(url):
    if url.startswith("sqlite"):
        path = parse(url)["database"]
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return connect(url, **SQLITE_OPTIONS)
    return connect(url)


def migration_runner():
    return Runner(db.obj, str(MIGRATIONS))


def init_app(app):
    db.initialize(open_database(app.config["DATABASE_URL"]))

    @app.before_request
    def _connect():
        db.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc):
        if not db.is_closed():
            db.close()

    app.cli.add_command(db_cli)


db_cli = AppGroup("db", help="Manage the database schema.")


@db_cli.command("upgrade")
def upgrade():
    """Apply the pending migrations in migrations/."""
    with db.connection_context():
        applied = migration_runner().up()
    for name in applied:
        click.echo("applied %s" % name)
    click.echo("database is up to date (%s)" % current_app.config["DATABASE_URL"])


@db_cli.command("status")
def status():
    """List the migrations and whether each is applied."""
    with db.connection_context():
        rows = migration_runner().status()
    for row in rows:
        click.echo("[%s] %s" % ("x" if row.applied else " ", row.name))


@db_cli.command("diff")
def diff():
    """Show where the database schema and the models disagree."""
    with db.connection_context():
        drift = diff_models(db.obj, models())
    click.echo(str(drift) if drift else "schema matches models")


@db_cli.command("draft")
@click.argument("name")
def draft(name):
    """Write the next migration from the models' drift, to review before committing."""
    with db.connection_context():
        drift = diff_models(db.obj, models())
    if not drift:
        click.echo("schema matches models; nothing to draft")
        return
    click.echo(migration_runner().create(name, body=template(drift)))
