"""The migrations own the schema: they build exactly what the models declare, on data too."""
import datetime
import decimal

import pytest
from peewee import (AutoField, BooleanField, CharField, DateField, DateTimeField, DecimalField, FloatField,
                    ForeignKeyField, ForeignKeyMetadata, IntegerField, PostgresqlDatabase, TimeField, sort_models)
from playhouse.migrations import Runner
from playhouse.reflection import Introspector
from playhouse.schema_diff import diff_models

from portal import all_models as models
from portal.db import MIGRATIONS, open_database


@pytest.fixture
def empty_database(engine, tmp_path):
    url = engine.empty(tmp_path)
    database = open_database(url)
    yield database
    database.close_all()
    engine.drop(url)


def test_migrating_an_empty_database_gives_exactly_the_models_schema(empty_database):
    applied = Runner(empty_database, str(MIGRATIONS)).up()
    assert applied, "no migrations found"
    drift = diff_models(empty_database, models())
    assert not drift, "the migrations and the models disagree:\n%s" % drift


def test_every_migration_goes_down_to_an_empty_database_and_up_again_to_the_models_schema(empty_database):
    runner = Runner(empty_database, str(MIGRATIONS))
    names = runner.up()
    first = names[0]
    assert runner.down(first) == names[::-1]
    assert empty_database.get_tables() == ["schema_migration"]
    assert runner.up() == names
    assert not diff_models(empty_database, models())


# Departments and users name each other; reflection warns about the cycle it then handles.
@pytest.mark.filterwarnings("ignore:Possible reference cycle")
def test_every_migration_applies_and_goes_down_again_on_a_database_holding_data(empty_database):
    database = empty_database
    runner = Runner(database, str(MIGRATIONS))
    names = [migration.name for migration in runner.migrations()]
    for name in names:
        _fill_every_table(database)
        assert runner.up(name) == [name]
    _fill_every_table(database)
    counts = {table: database.execute_sql('SELECT COUNT(*) FROM "%s"' % table).fetchone()[0]
              for table in database.get_tables() if table != "schema_migration"}
    assert counts and all(counts.values()), counts
    for name in reversed(names):
        assert runner.down() == [name]
        _fill_every_table(database)
    assert database.get_tables() == ["schema_migration"]


def _fill_every_table(database):
    """Insert one plausible row into every table, parents first, by reading the live schema."""
    reflected = _reflect(database)
    rows = {}
    for model in sort_models(reflected.values()):
        if model._meta.table_name == "schema_migration":
            continue
        values = {}
        for field in model._meta.sorted_fields:
            if isinstance(field, AutoField):
                continue
            if isinstance(field, ForeignKeyField):
                parent = rows.get(field.rel_model._meta.table_name)
                values[field.name] = parent if parent is not None or not field.null else None
            else:
                values[field.name] = _sample(field)
        with database.atomic():
            rows[model._meta.table_name] = model.create(**values)


def _reflect(database):
    introspector = Introspector.from_database(database)
    if isinstance(database, PostgresqlDatabase):
        # peewee asks information_schema for each table's foreign keys, 28 ms of the server's time
        # a table and 85 % of this walk on PostgreSQL; pg_catalog tells them all in one query.
        keys = _foreign_keys(database)
        introspector.metadata.get_foreign_keys = lambda table, schema=None: keys.get(table, [])
    return introspector.generate_models()


ON_DELETE = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


def _foreign_keys(database):
    keys = {}
    for table, column, dest_table, dest_column, name, on_delete, on_update in database.execute_sql("""
            SELECT source.relname, source_column.attname, dest.relname, dest_column.attname, c.conname,
                   c.confdeltype, c.confupdtype
            FROM pg_constraint c
            JOIN pg_class source ON source.oid = c.conrelid
            JOIN pg_class dest ON dest.oid = c.confrelid
            JOIN pg_attribute source_column
                ON source_column.attrelid = c.conrelid AND source_column.attnum = c.conkey[1]
            JOIN pg_attribute dest_column
                ON dest_column.attrelid = c.confrelid AND dest_column.attnum = c.confkey[1]
            WHERE c.contype = 'f' AND source.relnamespace = current_schema()::regnamespace"""):
        keys.setdefault(table, []).append(ForeignKeyMetadata(column, dest_table, dest_column, table, name,
                                                             ON_DELETE[on_delete], ON_DELETE[on_update]))
    return keys


_counter = iter(range(1, 10**9))


def _sample(field):
    n = next(_counter)
    if isinstance(field, BooleanField):
        return True
    # Dates differ per row: a unique date column is filled once per migration step.
    if isinstance(field, DateTimeField):
        return datetime.datetime(2026, 1, 1, 9, 0) + datetime.timedelta(hours=n)
    if isinstance(field, DateField):
        # Distinct days: a unique date column (closed_day.day) is filled again before each migration.
        return datetime.date(2026, 1, 1) + datetime.timedelta(days=n)
    if isinstance(field, DecimalField):
        return decimal.Decimal("1.5")
    if isinstance(field, (IntegerField, FloatField)):
        return n
    if isinstance(field, TimeField):
        return datetime.time(9, n % 60)
    text = "sample %d" % n
    # Within the column's length: PostgreSQL refuses longer text (SQLite would store it).
    return text[-field.max_length:] if isinstance(field, CharField) and field.max_length else text


def test_db_commands_report_a_migrated_database_as_current(runner):
    assert "schema matches models" in runner.invoke(args=["db", "diff"]).output
    assert "nothing to draft" in runner.invoke(args=["db", "draft", "noop"]).output
    assert "[x] 0001_accounts" in runner.invoke(args=["db", "status"]).output
