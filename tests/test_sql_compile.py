"""portal.db shortens how peewee compiles SQL; the statements must stay exactly those peewee writes."""
import datetime
import gc

import pytest
from peewee import JOIN, Column, Node, PostgresqlDatabase, SqliteDatabase, Table, Value

from portal import db as portal_db
from portal.accounts.models import Department, User
from portal.projects.alignment import Tension
from portal.projects.models import AT_RISK, Project, ProjectDepartment, Target
from portal.meetings.models import Meeting, MeetingSeries
from portal.reports.models import Report
from portal.requests.models import ResourceRequest
from portal.tasks.models import Task

DIALECTS = [SqliteDatabase(None), PostgresqlDatabase(None)]


@pytest.fixture(autouse=True)
def _inside_the_app(shared_app):
    with shared_app.app_context():
        yield


class _Counted(Node):
    """A condition that counts how often it is compiled."""

    def __init__(self):
        self.compiled = 0

    def __sql__(self, ctx):
        self.compiled += 1
        return ctx.literal("1 = 1")


def _compiled(dialect, query):
    return dialect.get_sql_context().sql(query).query()


def _member(head=9, id=7, department=3):
    return User(id=id, department=Department(id=department, head=head), role="member", name="Member")


def _queries():
    """Queries that name columns every way a page does: through model aliases, in correlated and
    nested subqueries, in the values of an UPDATE, under a chosen alias, with a quote in a name."""
    user = _member()
    Owner = User.alias("owner")
    odd = Table("odd")
    quoted = Column(odd, 'a"b')
    return [
        Target.needing_attention(user, department=3).limit(15),
        Tension.visible_to(user),
        ResourceRequest.visible_to(user),
        Task.board(user, blocked=True),
        Project.listing(user, search="x"),
        Task.select(Task.id, Owner.name).join(Owner, on=(Task.owner == Owner.id)).where(Owner.name == "a"),
        Task.update(title="t", version=Task.version + 1).where(Task.id == 1),
        odd.select(quoted).where(quoted > 1),
    ]


@pytest.mark.parametrize("dialect", DIALECTS, ids=["sqlite", "postgresql"])
def test_columns_compile_to_the_very_statements_peewee_writes(dialect, monkeypatch):
    ours = [_compiled(dialect, query) for query in _queries()]
    monkeypatch.setattr(Column, "__sql__", portal_db._column_sql)
    assert ours == [_compiled(dialect, query) for query in _queries()]


def test_a_subquery_inside_in_is_compiled_once_however_deep_it_sits():
    counted = _Counted()
    inner = ProjectDepartment.select(ProjectDepartment.project).where(counted)
    middle = Project.select(Project.id).where(Project.id.in_(inner))
    outer = Target.select().where(Target.project.in_(Project.select(Project.id).where(Project.id.in_(middle))))
    sql, _ = _compiled(DIALECTS[0], outer)
    assert sql.count("SELECT") == 4
    assert counted.compiled == 1


@pytest.mark.parametrize("dialect", DIALECTS, ids=["sqlite", "postgresql"])
def test_an_empty_list_still_matches_nothing_and_excludes_nothing(dialect):
    none_in = Target.select(Target.id).where(Target.id.in_([]))
    none_out = Target.select(Target.id).where(Target.id.not_in([]))
    assert "(0 = 1)" in _compiled(dialect, none_in)[0]
    assert "(1 = 1)" in _compiled(dialect, none_out)[0]


def _prepared(on):
    """Queries that use a target's status and the visibility rules in every place a page puts them,
    for a member of a department, its head and someone in none."""
    outsider = User(id=8, department=None, role="member", name="Outsider")
    status = Target.status_sql(on)
    queries = [
        Target.at_risk(on),
        Target.needing_check_in(on, datetime.datetime(2026, 11, 1), owner=7),
        Project.select(Project.id).where(Project.id.in_(Target.select(Target.project).where(status == AT_RISK))),
        Target.select(Target.id, status.alias("now")).join(Project, JOIN.LEFT_OUTER).order_by(status),
    ]
    for user in (_member(), _member(head=7), outsider):
        queries += [Target.needing_attention(user, department=3, on=on), Tension.visible_to(user),
                    Task.board(user, blocked=True), Project.select(Project.name, Project.visibility_for(user)),
                    ResourceRequest.visible_to(user), Report.visible_to(user), MeetingSeries.visible_to(user),
                    Meeting.open_for(user)]
    return queries


def _compiled_in_place(prepared, sources, *values):
    return prepared.build(*sources, *(Value(value) for value in values))


@pytest.mark.parametrize("dialect", DIALECTS, ids=["sqlite", "postgresql"])
def test_a_prepared_expression_compiles_to_what_it_compiles_to_in_place_with_each_uses_values(dialect, monkeypatch):
    first, second = datetime.date(2026, 3, 2), datetime.date(2026, 11, 30)
    ours = [[_compiled(dialect, query) for query in _prepared(on)] for on in (first, second, first)]
    assert ours[0] == ours[2] != ours[1]
    monkeypatch.setattr(portal_db.Prepared, "__call__", _compiled_in_place)
    assert ours == [[_compiled(dialect, query) for query in _prepared(on)] for on in (first, second, first)]


def test_a_prepared_expression_reads_as_in_place_when_printed():
    on = datetime.date(2026, 11, 30)
    assert "'2026-11-30'" in str(Target.at_risk(on))


def test_what_a_prepared_expression_keeps_holds_no_reader_and_no_day():
    reader, day = _member(id=7919, department=7907), datetime.date(2031, 5, 17)
    sent = {param for query in [Target.needing_attention(reader, department=7907, on=day), Report.visible_to(reader),
                                ResourceRequest.visible_to(reader), MeetingSeries.visible_to(reader),
                                Tension.visible_to(reader)]
            for param in _compiled(DIALECTS[0], query)[1]}
    assert {7919, 7907, day} <= sent
    kept = [param for prepared in gc.get_objects() if isinstance(prepared, portal_db.Prepared)
            for _, params, _ in prepared.compiled.values() for param in params]
    assert kept
    assert not {7919, 7907, day} & set(kept)


@pytest.mark.parametrize("dialect", DIALECTS, ids=["sqlite", "postgresql"])
def test_whole_number_bounds_are_written_into_the_statement_other_values_stay_parameters(dialect):
    """PostgreSQL keeps one plan for a prepared statement only when the number of rows it wants is
    in the text; every other value stays a parameter."""
    place = "?" if isinstance(dialect, SqliteDatabase) else "%s"
    assert _compiled(dialect, Task.select(Task.id).where(Task.title == "5").order_by(Task.id).limit(5).offset(10)) == (
        'SELECT "t1"."id" FROM "task" AS "t1" WHERE ("t1"."title" = %s) ORDER BY "t1"."id" LIMIT 5 OFFSET 10' % place,
        ["5"])
    everything = " LIMIT -1" if isinstance(dialect, SqliteDatabase) else ""  # SQLite wants a LIMIT before OFFSET
    assert _compiled(dialect, Task.select(Task.id).offset(3)) == (
        'SELECT "t1"."id" FROM "task" AS "t1"%s OFFSET 3' % everything, [])


@pytest.mark.parametrize("dialect", DIALECTS, ids=["sqlite", "postgresql"])
def test_a_prepared_expression_inside_a_prepared_query_takes_the_querys_places(dialect):
    on, stale_before = datetime.date(2026, 11, 30), datetime.datetime(2026, 11, 16, 8, 0)
    query = portal_db.PreparedQuery(lambda on, stale_before, owner: Target.needing_check_in(
        on, stale_before, owner=owner), places=3)
    sql, params = _compiled(dialect, query.build(*query.places))
    filled = [(on, stale_before, 7)[param.index] if isinstance(param, portal_db._Place) else param for param in params]
    assert (sql, filled) == _compiled(dialect, Target.needing_check_in(on, stale_before, owner=7))
