"""`flask demo`: load the demo company; each area adds its own part, in dependency order.

Not part of the application: `wsgi.py` adds the command to the CLI (`register`).

Each area's `seed(..., size)` adds its part for a size: "small" is the company people try the
portal with; "large" is the benchmark's (bench/), as big as the largest company we serve. The
large part is written in bulk (`Rows`), as its behaviours would have written it, in one
transaction per area; `scale` shrinks it for tests that need its shape, not its weight.
"""
import click
from peewee import SqliteDatabase, fn

from portal import bulk
from portal.db import analyze, db

DEMO_PASSWORD = "demo-password"
SIZES = ("small", "large")
# A large company's audit trail after a few years; areas' own history counts towards it.
LARGE_AUDIT_ROWS = 200_000


def scaled(full, scale, least=1):
    """How many of something the large company holds at `scale`."""
    return max(least, round(full * scale))


def weighted(pick, choices):
    """One value of [(weight, value)], drawn with `pick` (a random.Random)."""
    return pick.choices([value for _, value in choices], [weight for weight, _ in choices])[0]


class Rows:
    """Rows for one model, written at once straight through the driver (`portal.bulk`): building
    100,000 inserts with the query builder takes longer than SQLite takes to store them.

    Ids are handed out here, so rows can name each other before anything is written; nothing is
    written before `flush`, which the caller runs for each table after those it refers to.
    """

    def __init__(self, model, *names):
        self.model = model
        self.names = ("id", *names)
        self.next_id = (model.select(fn.MAX(model.id)).scalar() or 0) + 1
        self.pending = []

    def add(self, *values):
        """Queue a row (values in the order of the names given); return its id."""
        return self.fill(self.reserve(), *values)

    def reserve(self):
        """An id for a row whose values are known later (`fill`), for rows that others name first."""
        self.next_id += 1
        return self.next_id - 1

    def fill(self, row_id, *values):
        self.pending.append((row_id, *values))
        return row_id

    def flush(self):
        if not self.pending:
            return
        bulk.insert(self.model, self.names, self.pending)
        self.pending = []
        analyze(self.model)
        if not isinstance(db.obj, SqliteDatabase):
            # PostgreSQL hands out ids from a sequence, which must move past the ones given here.
            table = self.model._meta.table_name
            db.execute_sql("SELECT setval(pg_get_serial_sequence('%s', 'id'), %d)" % (table, self.next_id - 1))


def flush(*tables):
    """Write what each Rows still holds, in the order given (a row's references first)."""
    for table in tables:
        table.flush()


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Only load into a database without users.")
@click.option("--size", type=click.Choice(SIZES), default="small", show_default=True,
              help="large: the benchmark's company (300 people, 12 departments, years of history).")
@click.option("--scale", type=click.FloatRange(0, 1, min_open=True), default=1.0, show_default=True,
              help="With --size large: this fraction of its projects, tasks, meetings, requests and history "
                   "(the tests load a sliver of it).")
def demo_command(if_empty, size, scale):
    """Load the demo company (idempotent: running it twice adds nothing twice)."""
    from demo import accounts as accounts_demo
    from demo import alignment as alignment_demo
    from demo import meetings as meetings_demo
    from demo import projects as projects_demo
    from demo import reports as reports_demo
    from demo import requests as requests_demo
    from demo import tasks as tasks_demo
    from portal import finder, search
    from portal.accounts.models import User

    with db.connection_context():
        if if_empty and User.select().exists():
            click.echo("The database already holds data; the demo company was not loaded.")
            if User.by_email(accounts_demo.ACCOUNTS[0][0]) is None:
                return
        else:
            departments = accounts_demo.seed(DEMO_PASSWORD, size)
            projects_demo.seed(departments, size, scale)
            alignment_demo.seed(departments, size, scale)
            tasks_demo.seed(departments, size, scale)
            meetings_demo.seed(size=size, scale=scale)
            requests_demo.seed(departments, size, scale)
            reports_demo.seed(departments, size, scale)
            if size == "large":
                accounts_demo.seed_history(scaled(LARGE_AUDIT_ROWS, scale))
            # The large company is written in bulk, past the behaviours that keep the index current. A
            # run that found the company there already adds nothing, and its index holds every
            # document (four fifths of a second run's time was rebuilding it as it was); one stopped
            # before this line left documents out.
            documents = list(finder.documents())
            if search.SearchDocument.select().count() != len(documents):
                search.rebuild(documents)
            click.echo("Search index: %d documents." % len(documents))
    click.echo("Demo accounts (password %s):" % DEMO_PASSWORD)
    for email, role in accounts_demo.ACCOUNTS:
        click.echo("  %-32s %s" % (email, role))
    if size == "large":
        click.echo("  %-32s members and heads of 12 departments" % "staff001@example.com …")


def register(app):
    app.cli.add_command(demo_command)
