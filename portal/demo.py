"""`flask demo`: load the demo company; each area adds its own part, in dependency order."""
import click

from portal.db import db

DEMO_PASSWORD = "demo-password"


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Only load into a database without users.")
def demo_command(if_empty):
    """Load the demo company (idempotent: running it twice adds nothing twice)."""
    from portal.accounts import demo as accounts_demo
    from portal.accounts.models import User
    from portal.tasks import demo as tasks_demo

    with db.connection_context():
        if if_empty and User.select().exists():
            click.echo("The database already holds data; the demo company was not loaded.")
            if User.by_email(accounts_demo.ACCOUNTS[0][0]) is None:
                return
        else:
            departments = accounts_demo.seed(DEMO_PASSWORD)
            tasks_demo.seed(departments)
    click.echo("Demo accounts (password %s):" % DEMO_PASSWORD)
    for email, role in accounts_demo.ACCOUNTS:
        click.echo("  %-32s %s" % (email, role))
