"""portal.db shortens how peewee compiles SQL; the statements must stay exactly those peewee writes."""
import pytest
from peewee import Column, Node, PostgresqlDatabase, SqliteDatabase, Table

from portal import db as portal_db
from portal.accounts.models import User
from portal.projects.alignment import Tension
from portal.projects.models import Project, ProjectDepartment, Target
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


def _member():
    return User(id=7, department=3, role="member", name="Member")


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
