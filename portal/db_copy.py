"""`flask db copy URL`: move a live SQLite portal into an empty PostgreSQL database.

The copy reads a snapshot (SQLite's online backup, so the portal may go on writing meanwhile:
what it writes after the snapshot stays behind), migrates the target to the same schema, copies
every table in dependency order through the models (so dates, decimals and booleans arrive as
the target's own types), sets the sequences, and compares each table's row count and checksum.
With --files, the uploaded files go to new storage too (a bucket, another folder), each read back
and compared; a copy that fails anywhere leaves both targets as empty as it found them.
"""
import decimal
import hashlib
import sqlite3
import tempfile
from pathlib import Path

import click
from flask import current_app
from peewee import AutoField, ForeignKeyField, PostgresqlDatabase, fn
from playhouse.migrations import Runner

from portal.db import MIGRATIONS, analyze, db, db_cli, open_database
from portal.storage import CHUNK, open_storage, storage

BATCH = 1000


class Refused(click.ClickException):
    """The copy did not start, or was rolled back: the target holds nothing of it."""


@db_cli.command("copy")
@click.argument("target_url")
@click.option("--files", "files_url", metavar="STORAGE_URL",
              help="Copy the uploaded files too, into this empty storage: s3://bucket?endpoint=… or a folder.")
def copy(target_url, files_url):
    """Copy this portal's SQLite database into the empty database at TARGET_URL (postgresql://…)."""
    if not current_app.config["DATABASE_URL"].startswith("sqlite"):
        raise Refused("the portal's own database is not SQLite: copy from an SQLite portal")
    if not target_url.startswith(("postgresql://", "postgres://")):
        raise Refused("the target must be a postgresql:// URL")
    try:
        files_target = open_storage(files_url) if files_url else None
    except ValueError as error:
        raise Refused(str(error)) from None
    models = in_dependency_order(current_app.extensions["models"])
    target = open_database(target_url)
    with tempfile.TemporaryDirectory(prefix="duiqi-copy-") as folder:
        snapshot = Path(folder) / "snapshot.db"
        with db.connection_context():
            pending = [m.name for m in Runner(db.obj, str(MIGRATIONS)).status() if not m.applied]
            if pending:
                raise Refused("this portal's database lacks migrations (%s): run `flask db upgrade` first"
                              % ", ".join(pending))
            _refuse_occupied(models, target, files_target)
            snapshot_file = sqlite3.connect(snapshot)
            try:
                db.connection().backup(snapshot_file)
            finally:
                snapshot_file.close()
        source = open_database("sqlite:///%s" % snapshot)
        copied_files = []
        try:
            # After the snapshot: every file its rows name is there to copy.
            if files_target is not None:
                click.echo(copy_files(storage(), files_target, copied_files))
            for line in copy_tables(models, source, target):
                click.echo(line)
        except BaseException:
            for key in copied_files:
                files_target.delete(key)
            raise
        finally:
            source.close_all()
            target.close_all()
    if files_target is None:
        kept = sum(1 for _ in storage().keys())
        if kept:
            click.echo("the %d uploaded files stay in %s: every app server must reach them there, or copy them "
                       "with --files" % (kept, storage()))
    click.echo("copied into %s; point PORTAL_DATABASE_URL at it%s" % (
        _without_password(target_url), " and PORTAL_STORAGE_URL at %s" % files_target if files_target else ""))


def _refuse_occupied(models, target, files_target):
    if files_target is not None and next(iter(files_target.keys()), None) is not None:
        raise Refused("the storage for files (%s) is not empty: copy only into new storage" % files_target)
    with target.connection_context():
        occupied = [m._meta.table_name for m in models if _count(target, m)]
    if occupied:
        raise Refused("the target is not empty (%s): copy only into a new database" % ", ".join(occupied))


def copy_files(source, target, copied):
    """Copy every file of `source` into `target` under the key it has, appending each key to
    `copied` as it is written; read each back and compare. Return the line that sums it up."""
    expected = {}
    for key in list(source.keys()):
        try:
            data = source.get(key)
        except FileNotFoundError:  # deleted since it was listed (an import confirmed, a file purged)
            continue
        with data:
            expected[key] = _sha256(data)
            data.seek(0)
            copied.append(key)
            target.put(data, float("inf"), key=key)
    found = {}
    for key in target.keys():
        with target.get(key) as data:
            found[key] = _sha256(data)
    if found != expected:
        differing = sorted(key for key in expected.keys() | found.keys() if expected.get(key) != found.get(key))
        raise Refused("%d of %d files differ after the copy (%s…): nothing was kept"
                      % (len(differing), len(expected), differing[0]))
    summary = hashlib.sha256("".join("%s %s\n" % item for item in sorted(expected.items())).encode())
    return "%-28s %8d files sha256 %s" % ("uploaded files", len(expected), summary.hexdigest())


def _sha256(data):
    digest = hashlib.sha256()
    while chunk := data.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def in_dependency_order(models):
    """Each model after those its required foreign keys name. peewee's sort_models skips deferred
    keys, and a core table naming a person (a notification's reader) then came before the people.
    Keys that may be empty can point ahead: `copy_tables` fills them in last."""
    chosen, seen, ordering = set(models), set(), []

    def visit(model):
        if model not in seen:
            seen.add(model)
            for field in model._meta.sorted_fields:
                if isinstance(field, ForeignKeyField) and not field.null and field.rel_model in chosen:
                    visit(field.rel_model)
            ordering.append(model)

    for model in sorted(models, key=lambda m: m._meta.table_name):
        visit(model)
    return ordering


def copy_tables(models, source, target):
    """Copy every model's rows from `source` to `target` in one transaction; yield a line per table."""
    _refuse_occupied(models, target, None)
    with target.connection_context():
        Runner(target, str(MIGRATIONS)).up()
        with target.atomic():
            copied, pointing_ahead = set(), []
            for model in models:
                columns = model._meta.sorted_fields
                # Positions, not fields: a peewee field compared with == is a query expression.
                ahead = {n for n, field in enumerate(columns) if field.name in _pointing_ahead(model, copied)}
                with model.bind_ctx(source):
                    rows = list(_rows(model))
                with model.bind_ctx(target):
                    for start in range(0, len(rows), BATCH):
                        batch = [[None if n in ahead else value for n, value in enumerate(row)]
                                 for row in rows[start:start + BATCH]]
                        model.insert_many(batch, fields=columns).execute()
                    _set_sequence(target, model)
                    analyze(model, target)
                pointing_ahead += [(model, columns[n], row[0], row[n]) for n in ahead for row in rows
                                   if row[n] is not None]
                copied.add(model)
            for model, field, key, value in pointing_ahead:
                with model.bind_ctx(target):
                    model.update({field: value}).where(model._meta.primary_key == key).execute()
            for model in models:
                expected, found = _fingerprint(model, source), _fingerprint(model, target)
                if expected != found:
                    raise Refused("%s differs after the copy (rows %d, checksum %s; expected %d, %s): nothing "
                                  "was kept" % (model._meta.table_name, found[0], found[1][:12], expected[0],
                                                expected[1][:12]))
                yield "%-28s %8d rows  sha256 %s" % (model._meta.table_name, *expected)


def _pointing_ahead(model, copied):
    """The foreign keys of `model` to rows not copied yet (a department's head is a person, a
    person's department a department): they arrive empty and are filled in once all rows are in."""
    ahead = {field.name for field in model._meta.sorted_fields
             if isinstance(field, ForeignKeyField) and field.rel_model not in copied}
    for name in ahead:
        if not model._meta.fields[name].null:
            raise Refused("%s.%s points ahead and cannot wait empty" % (model._meta.table_name, name))
    return ahead


def _rows(model):
    query = model.select(*model._meta.sorted_fields)
    if isinstance(model._meta.primary_key, AutoField):
        query = query.order_by(model._meta.primary_key)
    return query.tuples().iterator()


def _count(database, model):
    with model.bind_ctx(database):
        return model.table_exists() and model.select().count()


def _fingerprint(model, database):
    """(rows, sha256) of the table's rows as the models read them. Sorted here, not by the database:
    engines (and PostgreSQL's collations) order text differently."""
    with model.bind_ctx(database):
        rows = sorted(repr(tuple(_plain(value) for value in row)) for row in _rows(model))
    digest = hashlib.sha256()
    for row in rows:
        digest.update(row.encode() + b"\n")
    return len(rows), digest.hexdigest()


def _plain(value):
    """One spelling per value: PostgreSQL's NUMERIC pads decimals (2.50), SQLite does not (2.5)."""
    return value.normalize() if isinstance(value, decimal.Decimal) else value


def _set_sequence(database, model):
    """Rows keep their ids; the next id PostgreSQL hands out follows the largest copied."""
    key = model._meta.primary_key
    if not isinstance(database, PostgresqlDatabase) or not getattr(key, "auto_increment", False):
        return
    largest = fn.MAX(key)
    model.select(fn.setval(fn.pg_get_serial_sequence(model._meta.table_name, key.column_name),
                           fn.COALESCE(largest, 1), largest.is_null(False))).scalar()


def _without_password(url):
    scheme, _, rest = url.partition("://")
    credentials, at, place = rest.rpartition("@")
    return "%s://%s%s%s" % (scheme, credentials.split(":")[0], at, place) if at else url
