"""Duiqi 对齐: the application factory."""
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from whitenoise import WhiteNoise

from portal.config import PROJECT_ROOT, from_environment

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:",
    "connect-src 'self'", "form-action 'self'", "frame-ancestors 'none'", "base-uri 'self'",
    "object-src 'none'",
])
YEAR = 365 * 24 * 3600


class Portal(Flask):
    """Flask, answering an htmx POST with the fragment its 303 names (portal.render.answered_inline)."""

    def finalize_request(self, rv, from_error_handler=False):
        if not from_error_handler:
            from portal.render import answered_inline
            rv = answered_inline(self.make_response(rv))
        return super().finalize_request(rv, from_error_handler)


def create_app(overrides=None):
    overrides = dict(overrides or {})
    app = Portal(__name__, template_folder=str(PROJECT_ROOT / "templates"), static_folder=None,
                instance_path=overrides.pop("INSTANCE_PATH", str(PROJECT_ROOT / "instance")))
    app.config.from_mapping(from_environment(app.instance_path, overrides))

    from portal import db, filters, finder, i18n, jobs, markdown, monitoring, pagecache, params, render, storage
    from portal.accounts import auth
    # Before any route is added: every <int:…> in a URL is bounded to what the database holds.
    app.url_map.converters["int"] = params.BoundedInteger
    from portal.extensions import csrf, htmx, mail

    monitoring.init_app(app)  # first: the latency measured includes the other hooks
    db.init_app(app, all_models())
    jobs.init_app(app)
    storage.init_app(app)
    htmx.init_app(app)
    mail.init_app(app)
    auth.init_app(app)  # The login wall runs before the CSRF check: strangers get the login page.
    csrf.init_app(app)
    i18n.init_app(app)
    render.init_app(app)
    pagecache.init_app(app)
    markdown.init_app(app)
    filters.init_app(app)
    finder.init_app(app)

    for blueprint in _blueprints():
        app.register_blueprint(blueprint)
    from portal.channels.cli import channel_cli
    app.cli.add_command(channel_cli)

    app.after_request(_security_headers)
    if app.config["TRUSTED_PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"],
                                x_proto=app.config["TRUSTED_PROXIES"])
    # Every static URL carries a content hash (render.static_url), so a year of caching is safe.
    app.wsgi_app = WhiteNoise(app.wsgi_app, root=str(PROJECT_ROOT / "static"), prefix="static/",
                              max_age=YEAR, add_headers_function=_static_headers)
    return app


def all_models():
    """Every model of the schema: the core's, each area's (it hands them up), the top floor's.

    A core model names a person through a deferred foreign key; the person's model is known here.
    """
    from peewee import DeferredForeignKey

    from portal import accounts, digest, files, meetings, projects, reports, requests, tasks
    from portal.audit import AuditEntry
    from portal.calendar import ClosedDay, CompanyCalendar, WorkingDay
    from portal.mail import OutboxMessage
    from portal.notifications.models import Notification, Preference
    from portal.imports import Staged
    from portal.robots.models import Channel, RobotMessage
    from portal.search import SearchDocument, SearchToken

    core = [AuditEntry, OutboxMessage, Notification, Preference, CompanyCalendar, ClosedDay, WorkingDay,
            SearchDocument, SearchToken, Staged, Channel, RobotMessage]
    areas = [model for area in (accounts, projects, tasks, requests, meetings, files, reports)
             for model in area.schema()]
    every = core + areas + [digest.Digest]
    for model in every:
        DeferredForeignKey.resolve(model)
    return every


def _blueprints():
    """Each floor's pages, with the modules whose periodic jobs must be registered for the worker."""
    from portal import api, digest  # noqa: F401  (digest: its periodic job)
    from portal.accounts.departments import departments
    from portal.accounts.token_views import tokens
    from portal.accounts.users import people_imports_bp, users
    from portal.accounts.views import accounts
    from portal.channels import digest as channel_digest  # noqa: F401  (its periodic job)
    from portal.channels.views import channels
    from portal.feeds.views import feeds
    from portal.files.views import admin_files, files
    from portal.finder.views import finder
    from portal.home.views import home
    from portal.meetings import schedule  # noqa: F401  (the meetings' periodic jobs)
    from portal.meetings.minutes import minutes
    from portal.meetings.views import meetings
    from portal.monitoring import monitoring
    from portal.notifications.admin_views import calendar, outbox
    from portal.notifications.views import notifications
    from portal.projects import reminders as target_reminders  # noqa: F401  (its periodic job)
    from portal.projects.alignment_views import alignment
    from portal.projects.feed_views import updates
    from portal.projects.target_views import target_imports_bp, targets
    from portal.projects.views import projects
    from portal.reports.views import reports
    from portal.requests import escalation  # noqa: F401  (the requests' time-limit job)
    from portal.requests.admin_views import request_types
    from portal.requests.views import requests_bp
    from portal.robots import delivery  # noqa: F401  (the robot messages' periodic job)
    from portal.scorecard.views import scorecard
    from portal.tasks import reminders as task_reminders  # noqa: F401  (its periodic job)
    from portal.tasks.boards import boards
    from portal.tasks.import_views import task_imports_bp
    from portal.tasks.views import tasks

    return (accounts, users, departments, tokens, home, notifications, outbox, calendar, projects, targets, updates,
            alignment, tasks, boards, meetings, minutes, requests_bp, request_types, reports, scorecard, monitoring,
            files, admin_files, finder, task_imports_bp, target_imports_bp, people_imports_bp,
            channels, api.blueprint(), feeds)


def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cache-Control", "private, no-cache")
    return response


def _static_headers(headers, path, url):
    headers["X-Content-Type-Options"] = "nosniff"
