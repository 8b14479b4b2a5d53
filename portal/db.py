"""The deferred database, one connection per request, the `db` CLI and backups."""
import datetime
import functools
import sqlite3
import threading
from pathlib import Path

import click
from flask import current_app, request
from flask.cli import AppGroup
from werkzeug.exceptions import ServiceUnavailable
from peewee import (SCOPE_VALUES, SQL, Column, ColumnBase, CommaNodeList, DatabaseProxy, DecimalField, Expression,
                    Model, ModelAlias, PeeweeException, PostgresqlDatabase, Query, SelectQuery, Table, Value, is_model)
from playhouse.db_url import connect, parse
from playhouse.migrations import Runner, template
from playhouse.pool import PooledPostgresqlDatabase
from playhouse.schema_diff import diff_models

from portal.config import PROJECT_ROOT

db = DatabaseProxy()
MIGRATIONS = PROJECT_ROOT / "migrations"

class _Connection(sqlite3.Connection):
    """An SQLite connection that remembers what it last saw of the database (see `generation`)."""
    seen = None


# WAL lets readers go on while one process writes; busy_timeout (peewee's `timeout`) waits for
# the lock instead of failing; BEGIN IMMEDIATE takes the write lock up front, because a
# transaction that reads first and upgrades later fails at once with "database is locked".
# cache_size: SQLite's own default, 2 MiB per connection. Each connection (two per gunicorn worker)
# keeps its cache in private memory; at 16 MiB the large company's heavy pages filled it, 28 MiB per
# worker, and the CPU per page was the same: a page read past the cache comes from the system's
# file cache, which every process shares. At 1 MiB my tasks took a third longer (bench/README.md).
SQLITE_OPTIONS = {
    "pragmas": {"journal_mode": "wal", "foreign_keys": 1, "synchronous": "normal", "cache_size": -2000},
    "timeout": 15,
    "lock_type": "IMMEDIATE",
    "factory": _Connection,
}
# A request still gets a connection of its own and gives it back at teardown, but from a pool:
# opening an SQLite file and reading its schema costs about 1 ms, a third of a trivial request.
# Connections idle for longer than this are closed rather than reused. A connection serves one
# thread at a time, but not always the thread that opened it.
POOL_OPTIONS = {"max_connections": None, "stale_timeout": 300, "check_same_thread": False}
# PostgreSQL: pooled too (a new connection starts a server process, several milliseconds), and
# in UTC like every stored timestamp, whatever the server's own zone. Without JIT: PostgreSQL
# compiles a statement to machine code once its estimated cost passes jit_above_cost, which pays
# off for reports over millions of rows, never for a page's statements of a few milliseconds.
# On the large company a department head's search (many requests to decide), and anyone's once
# the statistics were fresh, was estimated past it and spent 140-200 ms compiling a statement
# that then ran in 15 ms (bench/README.md).
POSTGRESQL_OPTIONS = {"max_connections": None, "stale_timeout": 300, "options": "-c timezone=UTC -c jit=off"}


_rhs_empty = Expression._is_rhs_empty


def _rhs_empty_unless_query(expression, rhs, ctx):
    # Peewee compiles the right side of every IN once more, on its own, to learn whether it is
    # "()" (an empty list, which it turns into "0 = 1"). A query never compiles to that, and
    # compiling it twice doubles again at every level of nesting: a third of the start page's time
    # went there. tests/test_sql_compile.py holds peewee to it.
    return False if isinstance(rhs, SelectQuery) else _rhs_empty(expression, rhs, ctx)


Expression._is_rhs_empty = _rhs_empty_unless_query
_column_sql = Column.__sql__


def _column_sql_directly(column, ctx):
    # A column of a table or model alias is its source's alias and its quoted name. Peewee gets
    # there through five nested compiles, each pushing and popping the context's state; a page
    # names some 600 columns, and that was half of all compiling.
    source = column.source
    kind = type(source)
    if ctx.scope == SCOPE_VALUES or not ((kind is Table and not source._alias)
                                         or (kind is ModelAlias and not source.alias)):
        return _column_sql(column, ctx)
    quotes = ctx.state.quote or '""'
    return ctx.literal("%s%s%s.%s%s%s" % (quotes[0], ctx.alias_manager[source], quotes[1],
                                          quotes[0], column.name.replace(quotes[0], quotes), quotes[1]))


Column.__sql__ = _column_sql_directly


def _apply_ordering_bounds_written(query, ctx):
    # Peewee's own, but a LIMIT or OFFSET of a whole number goes into the text, not a parameter.
    # psycopg prepares the statements run often, and PostgreSQL then wants one plan for every
    # value of the parameters: with the number of rows a parameter it cannot tell how few are
    # wanted, and so planned the statement afresh at every run (the API's task list: 1.0 ms of the
    # server's CPU against 0.24). A number written out cannot carry anything but a number.
    if query._order_by:
        ctx.literal(" ORDER BY ").sql(CommaNodeList(query._order_by))
    limit = query._limit
    if limit is None and query._offset is not None and ctx.state.limit_max:
        limit = ctx.state.limit_max
    if limit is not None:
        ctx.literal(" LIMIT ").sql(_written(limit))
    if query._offset is not None:
        ctx.literal(" OFFSET ").sql(_written(query._offset))
    return ctx


def _written(bound):
    return SQL("%d" % bound) if type(bound) is int else bound


Query._apply_ordering = _apply_ordering_bounds_written


class Prepared:
    """An expression that many queries repeat (a target's status, a visibility rule), compiled once
    for each place it takes in a query and reused with each use's own values: peewee compiles an
    expression afresh wherever it appears, and a target's status took ten times longer to compile
    than to run.

    `build(*sources, *places)` returns the expression. `sources` are the models (or aliases) it
    names, its subqueries' included, in the order it first names them: the text holds the aliases
    the enclosing query gives them. Each place stands for a value that every use passes anew,
    already as the database stores it (an id, a date). The compiled text depends only on the
    query's shape and holds no value of any use."""

    def __init__(self, build, places):
        self.build = build
        self.places = tuple(Value(_Place(index), converter=False) for index in range(places))
        self.compiled = {}

    def __call__(self, sources, *values):
        if len(values) != len(self.places):
            raise TypeError("%s takes %d values, not %d" % (self.build.__name__, len(self.places), len(values)))
        return _PreparedUse(self, tuple(sources), values)


class PreparedQuery:
    """A whole query that nearly every request runs (who is signed in), compiled once per engine
    and run with each call's values; it answers as the query itself would (models, joined ones
    included). Compiling it took longer than running it. `build(*places)` returns the query; places
    as in Prepared."""

    def __init__(self, build, places):
        self.build = build
        self.places = tuple(Value(_Place(index), converter=False) for index in range(places))
        self.compiled = {}

    def __call__(self, *values):
        engine = type(db.obj)
        compiled = self.compiled.get(engine)
        if compiled is None:
            query = self.build(*self.places)
            sql, params = query.sql()
            compiled = self.compiled[engine] = [query, sql, tuple(params), None]
        query, sql, params, columns = compiled
        cursor = db.execute_sql(sql, [values[param.index] if isinstance(param, _Place) else param for param in params])
        rows = query._get_cursor_wrapper(cursor)
        # Which column of the row goes to which model, field and converter: peewee works it out
        # from the cursor's description at every run (psycopg builds that afresh at each access: a
        # fifth of a card move's CPU), and for one statement it is the same every time. (A
        # statement that returns no rows has none: False.)
        if columns is None:
            columns = compiled[3] = cursor.description is not None and _resolved(rows)
        elif columns:
            vars(rows).update(columns)
            rows.initialized = True
        return rows


class Shapes:
    """A family of queries whose text depends on a few choices (who reads, which filters are set)
    and otherwise only on values: each shape compiled once per engine, as PreparedQuery does, and
    run with each call's values. A board's card was read by a statement that took 25 times longer
    to compile than to run. `build(shape, *places)` returns the query of `shape`, a hashable from a
    small set (the cache keeps every shape met); the values passed with it fill its places."""

    def __init__(self, build):
        self.build = build
        self.shapes = {}

    def __call__(self, shape, *values):
        prepared = self.shapes.get(shape)
        if prepared is None:
            prepared = self.shapes[shape] = PreparedQuery(functools.partial(self.build, shape), len(values))
        return prepared(*values)


# What a peewee cursor wrapper holds of one run; the rest it derives from the statement alone.
_PER_RUN = frozenset({"cursor", "count", "index", "initialized", "populated", "row_cache"})


def _resolved(rows):
    rows.initialize()
    rows.initialized = True
    return {name: value for name, value in vars(rows).items() if name not in _PER_RUN}


_FLAGS = (bool, int, str, type(None))


class _Place:
    __slots__ = ("index",)

    def __init__(self, index):
        self.index = index


class _PreparedUse(ColumnBase):
    def __init__(self, prepared, sources, values):
        super().__init__()
        self.prepared = prepared
        self.sources = sources
        self.values = values

    def __sql__(self, ctx):
        if ctx.state.value_literals:  # str(query), for reading: the values written into the text
            return ctx.sql(self.prepared.build(*self.sources, *(Value(value) for value in self.values)))
        aliases = ctx.alias_manager
        tables = [source._meta.table if is_model(source) else source for source in self.sources]
        # Everything the text can depend on: the engine, where in the statement it stands (the
        # compiler's flags and the converter of the field it is compared with; its other settings
        # are the engine's), the aliases the statement gave its sources so far and the number of
        # the next one.
        key = (type(db.obj), ctx.scope, ctx.parentheses, ctx.state.converter, tuple(aliases[table] for table in tables),
               aliases._counter, frozenset(item for item in ctx.state.settings.items() if isinstance(item[1], _FLAGS)))
        compiled = self.prepared.compiled.get(key)
        if compiled is None:
            alone = ctx.as_new()
            alone.state = ctx.state
            for table in tables:
                alone.alias_manager[table] = aliases[table]
            alone.alias_manager._counter = aliases._counter
            sql, params = alone.sql(self.prepared.build(*self.sources, *self.prepared.places)).query()
            compiled = self.prepared.compiled[key] = (sql, tuple(params), alone.alias_manager._counter)
        sql, params, counter = compiled
        # Later subqueries are numbered on as if this one had been compiled in place.
        aliases._counter = counter
        return ctx.sql(SQL(sql, [_unwrapped(self.values[param.index]) if isinstance(param, _Place) else param
                                 for param in params]))


def _unwrapped(value):
    # A use's value may itself be a place of a whole prepared query (PreparedQuery, Shapes): it
    # goes into the parameters as the place, to be filled when that query runs.
    return value.value if isinstance(value, Value) and isinstance(value.value, _Place) else value


def id_list(ids):
    """Ids for `field.in_(...)`, written into the statement as numbers: peewee compiles each value
    of a list as a node of its own (three lists of 51 projects took 2 of a search's 5 ms of
    compiling), and a number written out cannot carry anything but a number."""
    ids = sorted({int(id_) for id_ in ids})
    return SQL("(%s)" % ", ".join(map(str, ids))) if ids else []


class Invalid(ValueError):
    """A change refused by a model's rules; `field` names the form field to show it on."""

    def __init__(self, message, field=None):
        # Rendered to a plain string now: Jinja trusts Flask-Babel's lazy strings as markup, so a
        # message quoting what someone typed would otherwise reach the page unescaped.
        message = str(message)
        super().__init__(message)
        self.message = message
        self.field = field


class Ask(Invalid):
    """A change that may well be right but often is a slip (a date already past, minutes closed
    before the meeting): nothing was saved; the form asks, and sent again confirmed it goes through.
    `answer` labels the button that confirms."""

    def __init__(self, message, field=None, answer=None):
        super().__init__(message, field)
        self.answer = str(answer) if answer is not None else None


class Stale(Invalid):
    """A change made from a copy that someone else has changed since: nothing was saved.
    `current` is the row as it is now, for the page to show beside what the person typed."""

    def __init__(self, message, current):
        super().__init__(message)
        self.current = current


class Unreachable(ServiceUnavailable):
    """The database did not answer when a request asked for its connection: the request is
    answered 503 (a moment's outage, a failover) rather than as a fault of the portal."""


_generation = 0
_bumping = threading.Lock()


def generation():
    """A value that changes whenever the data this request reads may differ from what an earlier
    request read (a commit anywhere, in any process): the key of what is kept only as long as the
    data it shows (portal.pagecache). Asked before reading, so what is read is at least that new.
    None when the engine cannot tell.

    PostgreSQL: the snapshot itself (which transactions are visible), equal only when the visible
    data is. SQLite has no shared counter: each connection learns from `data_version` that another
    connection committed and from `total_changes` that it wrote itself; whichever connection learns
    of a change first moves this process's number on, so no later reader in the process shares a
    number with a reader from before the change."""
    global _generation
    connection = db.connection()
    if isinstance(connection, _Connection):
        seen = (connection.execute("PRAGMA data_version").fetchone()[0], connection.total_changes)
        if connection.seen != seen:
            with _bumping:
                _generation += 1
            connection.seen = seen
        return _generation
    if isinstance(db.obj, PostgresqlDatabase):
        return db.execute_sql("SELECT pg_current_snapshot()::text").fetchone()[0]
    return None


def model_named(name):
    """The model of the schema called `name`, for rows that name another row by its type, or None."""
    return next((model for model in current_app.extensions["models"] if model.__name__ == name), None)


def utcnow():
    """Naive UTC, as every timestamp is stored; shown in the reader's time zone."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False

    def refresh(self):
        """Re-read this row under the write lock. A behaviour calls it first inside its transaction,
        so the change applies to (and the audit row records) what is really stored, not what the
        request read before a concurrent write."""
        self.__data__ = dict(type(self).locked(self.id).__data__)
        self.__rel__.clear()
        self._dirty.clear()
        return self

    @classmethod
    def for_permissions(cls):
        """The query portal.permissions.authorized() reads one object with: the object and what its
        rules read of other rows, joined, so a check costs no second query. Most rules read none."""
        return cls.select()

    @classmethod
    def read_for_permissions(cls, pk):
        """The row `pk` as for_permissions() reads it, or None. Every page about one object starts
        here, so the statement is compiled once per model and engine."""
        return next(iter(_FOR_PERMISSIONS(cls, cls._meta.primary_key.db_value(pk))), None)

    @classmethod
    def locked(cls, pk, shared=False):
        """The row `pk`, read inside a transaction that will change it. SQLite's BEGIN IMMEDIATE
        already holds the whole database; PostgreSQL locks this row until the transaction ends, so
        a concurrent change waits for this one and then reads what it wrote. (NO KEY: rows that
        merely point at this one can still be added meanwhile.) `shared`: for a row that is only
        checked (the project a check-in goes to is not archived): such checks do not wait for
        each other, a change to the row waits for them all."""
        # Every change reads its row this way: compiled once per model and engine.
        row = next(iter(_LOCKING((cls, shared), pk)), None)
        if row is None:
            raise cls.DoesNotExist("%s %r does not exist" % (cls.__name__, pk))
        return row


def _for_permissions(model, pk):
    return model.for_permissions().where(model._meta.primary_key == pk).limit(1)


def _locking(kind, pk):
    model, shared = kind
    query = model.select().where(model._meta.primary_key == pk)
    if isinstance(db.obj, PostgresqlDatabase):
        query = query.for_update("FOR SHARE" if shared else "FOR NO KEY UPDATE")
    return query


_FOR_PERMISSIONS = Shapes(_for_permissions)
_LOCKING = Shapes(_locking)


class ExactDecimalField(DecimalField):
    """A decimal read back the same from every engine: PostgreSQL's NUMERIC pads to the column's
    places (2.50, 6.00), SQLite does not (2.5, 6); both give 2.5 and 6 here."""

    def python_value(self, value):
        value = super().python_value(value)
        if value is None:
            return None
        plain = value.normalize()
        return plain if plain.as_tuple().exponent < 0 else plain.quantize(1)


def lock(name):
    """Inside db.atomic(): wait for the lock called `name` and hold it until the transaction ends,
    for a check-then-write that no single row guards (a name unique across a table, the next
    number of a series). SQLite's write lock already makes every writer wait its turn."""
    if isinstance(db.obj, PostgresqlDatabase):
        db.execute_sql("SELECT pg_advisory_xact_lock(hashtext(%s))", (name,))


def analyze(model, database=None):
    """Have PostgreSQL read the figures of a table just filled in bulk. Until then it plans as for an
    empty table, and the foreign-key check of each row written next into a table pointing at this
    one reads the whole table instead of its key: filling the large company's search index took
    over half an hour that way."""
    database = database or db.obj
    if isinstance(database, PostgresqlDatabase):
        database.execute_sql('ANALYZE "%s"' % model._meta.table_name)


def open_database(url):
    if url.startswith("sqlite"):
        path = parse(url)["database"]
        if path == ":memory:" or not url.startswith("sqlite:"):
            return connect(url, **SQLITE_OPTIONS)
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return connect("sqlite+pool:" + url.removeprefix("sqlite:"), **SQLITE_OPTIONS, **POOL_OPTIONS)
    scheme, _, rest = url.partition("://")
    if scheme in ("postgres", "postgresql"):
        return _PostgresqlPool(**{**parse("postgresql://" + rest), **POSTGRESQL_OPTIONS})
    return connect(url)


class _PostgresqlPool(PooledPostgresqlDatabase):
    """Peewee's pool asks the server whether an idle connection still lives (SELECT 1) each time
    it hands one out, holding the pool's lock for the round trip: every page paid one more. Here
    the connection reads what the server sent it meanwhile, without asking anything: a server that
    ended the connection (a restart, pg_terminate_backend) has said so, and the connection is
    dropped as before."""

    def _is_closed(self, conn):
        import psycopg  # only where PostgreSQL is used: an SQLite portal never loads it

        if conn.closed:
            return True
        try:
            # The first read takes what the server said before it closed (FATAL: terminating
            # connection); the second finds the connection closed. Neither waits for anything.
            conn.pgconn.consume_input()
            conn.pgconn.consume_input()
        except psycopg.OperationalError:
            return True
        return conn.pgconn.status != psycopg.pq.ConnStatus.OK


def beside_database(app, purpose):
    """A file of the portal's own for `purpose` (the job queue, rate limits): beside an SQLite
    database, else in instance/."""
    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite"):
        database = Path(parse(url)["database"])
        return database.with_name("%s-%s.db" % (database.stem, purpose))
    return Path(app.instance_path) / ("%s.db" % purpose)


def migration_runner():
    return Runner(db.obj, str(MIGRATIONS))


def init_app(app, models):
    """Open the database for `app`; `models` is the whole schema, assembled on the top floor."""
    db.initialize(open_database(app.config["DATABASE_URL"]))
    app.extensions["models"] = models

    @app.before_request
    def _connect():
        if getattr(app.view_functions.get(request.endpoint), "without_database", False):
            return  # /livez (portal/monitoring.py): alive even with the database unreachable
        try:
            db.connect(reuse_if_open=True)
        except PeeweeException as error:
            raise Unreachable() from error

    @app.teardown_request
    def _close(exc):
        if not db.is_closed():
            db.close()

    from portal import db_copy  # noqa: F401  (adds `flask db copy`)
    app.cli.add_command(db_cli)
    app.cli.add_command(backup)


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
        drift = diff_models(db.obj, current_app.extensions["models"])
    click.echo(str(drift) if drift else "schema matches models")


@db_cli.command("draft")
@click.argument("name")
def draft(name):
    """Write the next migration from the models' drift, to review before committing."""
    with db.connection_context():
        drift = diff_models(db.obj, current_app.extensions["models"])
    if not drift:
        click.echo("schema matches models; nothing to draft")
        return
    click.echo(migration_runner().create(name, body=template(drift)))


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup(path):
    """Copy the live database to PATH, consistent while the portal goes on writing."""
    if not current_app.config["DATABASE_URL"].startswith("sqlite"):
        raise click.ClickException("backup copies SQLite databases; back up others with their own tools")
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    target = sqlite3.connect(partial)
    try:
        with db.connection_context():
            # SQLite's online backup in one step: a snapshot under a read transaction, which WAL
            # lets writers go on past.
            db.connection().backup(target)
        # A single self-contained file; the portal turns WAL back on when it opens it.
        target.execute("PRAGMA journal_mode=DELETE")
        check = target.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        target.close()
    if check != "ok":
        partial.unlink()
        raise click.ClickException("the copy failed its integrity check: %s" % check)
    partial.replace(path)  # Never a half-written file under the backup's name.
    click.echo("backed up to %s (%d KiB)" % (path, path.stat().st_size // 1024))
