"""`flask channel add|test`: set up a group robot or webhook, and check it, from a script."""
import click
from flask.cli import AppGroup

from portal import robots
from portal.accounts.models import Department
from portal.db import Invalid
from portal.meetings.models import MeetingSeries
from portal.projects.models import Project
from portal.robots.models import KIND_LABELS, Channel

channel_cli = AppGroup("channel", help="Group robots and webhooks.")


@channel_cli.command("add")
@click.argument("kind", type=click.Choice(list(KIND_LABELS)))
@click.argument("url")
@click.option("--secret", default="", help="钉钉 加签 or 飞书 签名校验 secret; required for a webhook.")
@click.option("--name", default="", help="What to call it (default: the platform's name).")
@click.option("--language", type=click.Choice(["zh_CN", "en"]), default="zh_CN", show_default=True)
@click.option("--company", "scope", flag_value="company", default=True, help="Hears the whole company (default).")
@click.option("--project", type=int, help="Hears this project.")
@click.option("--series", type=int, help="Hears this meeting series.")
@click.option("--department", type=int, help="Hears this department.")
def add(kind, url, secret, name, language, scope, project, series, department):
    """Add a channel; print its id."""
    chosen = [(kind_, value) for kind_, value in (("project", project), ("series", series),
                                                  ("department", department)) if value is not None]
    if len(chosen) > 1:
        raise click.UsageError("choose one of --company, --project, --series, --department")
    scope_kind, scope_id = chosen[0] if chosen else ("company", None)
    if scope_kind != "company":
        model = {"project": Project, "series": MeetingSeries, "department": Department}[scope_kind]
        if model.get_or_none(model.id == scope_id) is None:
            raise click.ClickException("there is no %s %d" % (scope_kind, scope_id))
    try:
        channel = Channel.add(None, name=name or str(KIND_LABELS[kind]), kind=kind, url=url, secret=secret,
                              scope_kind=scope_kind, scope_id=scope_id, language=language)
    except Invalid as invalid:
        raise click.ClickException(invalid.message) from None
    click.echo(channel.id)


@channel_cli.command("test")
@click.argument("channel_id", type=int)
def test(channel_id):
    """Send a test message now and print the platform's answer; exit 1 unless delivered."""
    channel = Channel.get_or_none(Channel.id == channel_id)
    if channel is None:
        raise click.ClickException("there is no channel %d" % channel_id)
    delivered = True
    for row in robots.send_test(channel):
        if row.state == "sent":
            click.echo("delivered: %s" % row.answer)
        else:
            delivered = False
            state = "waiting" if row.state == "queued" and not row.reason else "not delivered"
            click.echo(("%s: %s %s" % (state, row.reason or "rate limit of 20 a minute", row.answer)).rstrip())
    if not delivered:
        raise SystemExit(1)
