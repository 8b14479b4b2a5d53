"""`flask demo`: load the demo company; each area adds its own part, in dependency order.

Each area's `seed(..., size)` adds its part for a size: "small" is the company people try the
portal with; "large" is the benchmark's (bench/), as big as the largest company we serve.
"""
import click

from portal.db import db

DEMO_PASSWORD = "demo-password"
SIZES = ("small", "large")
# A large company's audit trail after a few years; areas' own history counts towards it.
LARGE_AUDIT_ROWS = 200_000


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Only load into a database without users.")
@click.option("--size", type=click.Choice(SIZES), default="small", show_default=True,
              help="large: the benchmark's company (300 people, 12 departments, years of history).")
def demo_command(if_empty, size):
    """Load the demo company (idempotent: running it twice adds nothing twice)."""
    from portal.accounts import demo as accounts_demo
    from portal.accounts.models import User
    from portal.meetings import demo as meetings_demo
    from portal.projects import demo as projects_demo
    from portal.requests import demo as requests_demo
    from portal.tasks import demo as tasks_demo

    with db.connection_context():
        if if_empty and User.select().exists():
            click.echo("The database already holds data; the demo company was not loaded.")
            if User.by_email(accounts_demo.ACCOUNTS[0][0]) is None:
                return
        else:
            departments = accounts_demo.seed(DEMO_PASSWORD, size)
            projects_demo.seed(departments)
            tasks_demo.seed(departments)
            meetings_demo.seed()
            requests_demo.seed(departments)
            if size == "large":
                accounts_demo.seed_history(LARGE_AUDIT_ROWS)
    click.echo("Demo accounts (password %s):" % DEMO_PASSWORD)
    for email, role in accounts_demo.ACCOUNTS:
        click.echo("  %-32s %s" % (email, role))
    if size == "large":
        click.echo("  %-32s members and heads of 12 departments" % "staff001@example.com …")
