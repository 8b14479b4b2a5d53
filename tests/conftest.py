"""Fixtures: an app on a real database (an SQLite file, or PostgreSQL with `--engine=postgresql`,
see engines.py) migrated by the real migrations, clients, factories, a real SMTP server and a
live HTTP server for the browser."""
import collections
import contextlib
import itertools
import logging
import shutil
import socket
import threading

import pytest
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

import demo
from portal import create_app, jobs, pagecache
from portal.accounts.models import Department, User
from portal.db import Invalid, db, migration_runner, open_database

pytest_plugins = ["tests.engines"]
PASSWORD = "correct-horse-1"
_serial = itertools.count(1)
# The instance folder (uploaded files) that goes with a seeded database, copied with it.
_FILES_OF = {}
_APPS_KEPT = 4


@pytest.fixture(scope="session")
def schema_database(engine, tmp_path_factory):
    """The URL of one database migrated from empty by migrations/."""
    folder = tmp_path_factory.mktemp("template")
    app = create_app(_config(folder, DATABASE_URL=engine.empty(folder)))
    with app.app_context(), db.connection_context():
        migration_runner().up()
    release_connections()
    return app.config["DATABASE_URL"]


@pytest.fixture
def migrated_database(request, schema_database):
    """The database each test gets a copy of: empty, or for a test marked `demo_company` the small
    demo company, seeded once per process (a test seeding it afresh spent six CPU seconds). A module
    that reads the demo company throughout overrides this with `demo_database`."""
    if request.node.get_closest_marker("demo_company"):
        return request.getfixturevalue("demo_database")
    return schema_database


@pytest.fixture(scope="session")
def demo_database(engine, schema_database, tmp_path_factory):
    """The small demo company seeded once per test process (a fifth of a minute each time saved)."""
    folder = tmp_path_factory.mktemp("demo")
    url = engine.copy(schema_database, folder)
    app = _build(folder, {"DATABASE_URL": url, "JOBS_URL": engine.jobs_url})
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    release_connections()
    _FILES_OF[url] = folder / "instance"
    return url


def release_connections():
    """Close the pool's idle connections. A database is then ready to copy: with SQLite the last
    connection to close writes the write-ahead log into the file; PostgreSQL copies only a
    template nobody is connected to."""
    db.close_all()


def _config(folder, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "INSTANCE_PATH": str(folder / "instance"),
        "BASE_URL": "https://portal.example.test",
        "JOBS_IMMEDIATE": True,
        # Hashing as in production would make every test that creates a user or signs in slow; one
        # round goes through the same code (a thousand were 2 % of the area tests' CPU time).
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
        "MAIL_SERVER": None,
        "DEFAULT_LOCALE": "en",
    }
    config.update(overrides)
    return config


@pytest.fixture
def app_config():
    """Per-test settings; override this fixture (or update the dict) before `app` is built."""
    return {}


@pytest.fixture(scope="session")
def built_apps(tmp_path_factory, engine):
    """built_apps(settings): an app built with these settings, built once and handed to every test
    that asks for the same: building one costs a quarter of a CPU second (Werkzeug compiles each
    URL rule), more than most tests take. The few last kept: a setting of a test's own (its SMTP
    server's port) makes an app no other test asks for."""
    kept = collections.OrderedDict()

    def built(app_config):
        key = repr(sorted(app_config.items()))
        if key not in kept:
            kept[key] = _build(tmp_path_factory.mktemp("app"), {"JOBS_URL": engine.jobs_url, **app_config})
            while len(kept) > _APPS_KEPT:
                kept.popitem(last=False)
        kept.move_to_end(key)
        return kept[key]
    return built


@pytest.fixture(scope="session")
def shared_app(built_apps):
    """The app of every test that keeps the default settings."""
    return built_apps({})


def _build(folder, app_config):
    app = create_app(_config(folder, **app_config))
    demo.register(app)  # as wsgi.py does, for `flask demo`
    app.test_client_class = PortalClient
    return app


@pytest.fixture
def app(engine, migrated_database, tmp_path, app_config, built_apps):
    url = engine.copy(migrated_database, tmp_path)
    if migrated_database in _FILES_OF:
        shutil.copytree(_FILES_OF[migrated_database], tmp_path / "instance", dirs_exist_ok=True)
    engine.clear_jobs()
    # An app built with the test's settings, moved onto this test's own database, files and queue;
    # what it holds beyond them is its settings, put back afterwards whatever the test changed.
    app = built_apps(app_config)
    settings = dict(app.config)
    app.config["DATABASE_URL"] = url
    app.instance_path = str(tmp_path / "instance")
    db.initialize(open_database(url))
    jobs.init_app(app)
    pagecache.init_app(app)  # an empty store: the last test's pages came from its database
    with app.app_context():
        yield app
    if not db.is_closed():
        db.close()
    app.config.clear()
    app.config.update(settings)
    release_connections()
    engine.drop(url)


class _Statements(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.seen = []

    def emit(self, record):
        if record.name == "peewee":  # not peewee.pool's lending and returning
            self.seen.append(record.msg)


@contextlib.contextmanager
def statements():
    """The SQL statements run inside the block, in a list (peewee logs each at DEBUG)."""
    logger, handler = logging.getLogger("peewee"), _Statements()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler.seen
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@pytest.fixture
def at_once(app):
    """at_once(*work): run each function in a thread of its own, on a connection of its own, all
    released together behind a barrier; return what each returned, or the Invalid it raised."""
    def run(*work):
        db.close()
        start, outcomes = threading.Barrier(len(work)), [None] * len(work)

        def one(n, fn):
            with app.app_context(), db.connection_context():
                start.wait()
                try:
                    outcomes[n] = fn()
                except Invalid as refused:
                    outcomes[n] = refused
        threads = [threading.Thread(target=one, args=(n, fn)) for n, fn in enumerate(work)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        db.connect(reuse_if_open=True)
        return outcomes
    return run


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class PortalClient(FlaskClient):
    """A test client that sends a valid CSRF token with every unsafe request, as a browser
    holding the form would; pass csrf=False to send none."""

    def open(self, *args, csrf=True, **kwargs):
        method = kwargs.get("method", "GET").upper()
        if csrf and method not in {"GET", "HEAD", "OPTIONS"}:
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", self._csrf_token())
            kwargs["headers"] = headers
        # A fresh app context, as in production: otherwise the request would reuse the test's
        # own context and its `g` (the signed-in user, the locale) would leak between requests.
        with self.application.app_context():
            return super().open(*args, **kwargs)

    def _csrf_token(self):
        # The token lives in the session cookie: while the cookie is the one it was read from, it
        # is the same token (reading it anew opened and signed the session again for every post).
        cookie = self._session_cookie()
        if cookie is None or self._signed is None or self._signed[0] != cookie:
            app = self.application
            with self.session_transaction() as session:
                raw = session.setdefault("csrf_token", "test-csrf-%d" % next(_serial))
            # What flask_wtf.csrf.generate_csrf() signs into forms and the csrf-token meta tag.
            token = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(raw)
            self._signed = (self._session_cookie(), token)
        return self._signed[1]

    _signed = None  # (the session cookie's value, the token signed from it)

    def _session_cookie(self):
        cookie = self.get_cookie(self.application.config["SESSION_COOKIE_NAME"])
        return cookie.value if cookie else None

    def login(self, user, password=PASSWORD):
        response = self.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 303, response.get_data(as_text=True)
        return response


@pytest.fixture
def make_department(app):
    def make(name=None, name_en="", head=None):
        department = Department.add(None, name or "部门%d" % next(_serial), name_en)
        return department
    return make


@pytest.fixture
def make_user(app, make_department):
    def make(department=None, role="member", password=PASSWORD, head_of=False, **kw):
        n = next(_serial)
        department = department if department is not None else make_department()
        user = User.invite(None, kw.pop("email", "user%d@example.com" % n), kw.pop("name", "User %d" % n),
                           department or None, role, password=password, **kw)
        if head_of:
            department.update_details(None, department.name, department.name_en, user)
        return user
    return make


@pytest.fixture
def admin(make_user):
    return make_user(role="admin", name="Ada Admin")


@pytest.fixture
def member(make_user):
    return make_user(name="Mia Member")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_port():
    return free_port()


@pytest.fixture
def smtp_server_on():
    """Start a real SMTP server on a given port, when the test says so."""
    from aiosmtpd.controller import Controller

    started = []

    class Recorder:
        def __init__(self):
            self.messages = []

        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address.startswith("bounce"):
                return "550 5.1.1 no such user"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            import email
            self.messages.append(email.message_from_bytes(envelope.content))
            return "250 OK"

    def start(port):
        recorder = Recorder()
        controller = Controller(recorder, hostname="127.0.0.1", port=port)
        controller.start()
        started.append(controller)
        return recorder

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture
def live_server(app):
    """The app served over real HTTP in a thread, for the browser."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = "http://127.0.0.1:%d" % server.server_port
    yield server
    server.shutdown()
