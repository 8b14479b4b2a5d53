"""`flask db copy postgresql://…`: a small company that started on SQLite moves to PostgreSQL with
one command, and finds everything there."""
import collections
import io
import re

import pytest
from werkzeug.datastructures import FileStorage

from demo import DEMO_PASSWORD
from portal import create_app
from portal.accounts.models import User
from portal.db import db, open_database
from portal.files.models import File
from portal.storage import open_storage, storage
from portal.tasks.models import Task
from tests.conftest import PortalClient, release_connections


@pytest.fixture
def target(postgresql):
    url = postgresql.empty()
    yield url
    postgresql.drop(url)


def _everything(models):
    return {model._meta.table_name: collections.Counter(model.select().tuples()) for model in models}


@pytest.mark.demo_company
def test_a_seeded_portal_and_its_files_arrive_whole_keep_working_and_a_second_copy_is_refused(
        app, runner, target, tmp_path, s3_server):
    admin = User.get(User.email == "admin@example.com")
    contract = "采购合同：第一期付款 30%".encode() * 50_000
    File.upload(admin, Task.get(), FileStorage(io.BytesIO(contract), "合同.txt"))
    keys = sorted(storage().keys())
    models = app.extensions["models"]
    before = _everything(models)
    assert sum(map(len, before.values())) > 500, "the demo company should fill many tables"
    bucket = s3_server.bucket()
    result = runner.invoke(args=["db", "copy", target, "--files", bucket])
    assert result.exit_code == 0, result.output
    copied = {line.split()[0]: int(line.split()[1]) for line in result.output.splitlines() if " rows " in line}
    assert copied == {name: len(rows) for name, rows in before.items()}
    assert re.search(r"uploaded files +%d files sha256" % len(keys), result.output)
    assert sorted(open_storage(bucket).keys()) == keys
    again = runner.invoke(args=["db", "copy", target])
    assert again.exit_code != 0 and "not empty" in again.output
    into_used_storage = runner.invoke(args=["db", "copy", target, "--files", bucket])
    assert into_used_storage.exit_code != 0 and "storage for files" in into_used_storage.output
    db.close()

    # The portal as it runs after the move (create_app points the database and the files at the copies).
    moved = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "INSTANCE_PATH": str(tmp_path / "moved"),
                        "DATABASE_URL": target, "DEFAULT_LOCALE": "en", "JOBS_IMMEDIATE": True,
                        "STORAGE_URL": bucket})
    moved.test_client_class = PortalClient
    try:
        with moved.app_context():
            assert _everything(models) == before  # dates, decimals and flags read back as they were
            admin = User.get(User.email == "admin@example.com")
            task = Task.open(admin, title="First task on PostgreSQL", owner=admin)
            assert task.id == max(row[0] for row in before["task"]) + 1  # the sequence follows the copied ids
            client = moved.test_client()
            client.login(admin, DEMO_PASSWORD)
            assert "First task on PostgreSQL" in client.get("/tasks/%d" % task.id).get_data(as_text=True)
            assert client.get("/files/%d/download" % File.get().id).data == contract
            db.close()
    finally:
        release_connections()


def test_only_a_postgresql_url_is_a_target(runner):
    result = runner.invoke(args=["db", "copy", "sqlite:////tmp/elsewhere.db"])
    assert result.exit_code != 0 and "postgresql://" in result.output


def test_a_portal_on_postgresql_never_waits_for_its_statements_to_be_compiled(postgresql):
    # JIT compiling added 140-200 ms to a search that ran in 15 ms on the large company.
    database = open_database(postgresql.url("postgres"))
    try:
        assert database.execute_sql("SHOW jit").fetchone() == ("off",)
    finally:
        database.close_all()


def test_a_connection_is_handed_out_again_without_asking_the_server_and_one_it_ended_is_dropped(postgresql):
    """Peewee's pool asked the server (SELECT 1) each time it handed out a connection: a round trip
    on every page. A connection the server has ended meanwhile is still never handed out."""
    database, other = open_database(postgresql.url("postgres")), open_database(postgresql.url("postgres"))

    def asked(sql, *values):
        with other.connection_context():
            return other.execute_sql(sql, values).fetchone()

    try:
        with database.connection_context():
            pid, = database.execute_sql("SELECT pg_backend_pid()").fetchone()
            database.execute_sql("SELECT 42")
        with database.connection_context():  # handed out again, nothing asked of the server since
            assert asked("SELECT query FROM pg_stat_activity WHERE pid = %s", pid) == ("SELECT 42",)
            assert database.execute_sql("SELECT pg_backend_pid()").fetchone() == (pid,)
        # As a server restart ends every connection; the backend is gone once its process has ended.
        asked("SELECT pg_terminate_backend(%s, 5000)", pid)
        with database.connection_context():
            assert database.execute_sql("SELECT pg_backend_pid()").fetchone() != (pid,)
    finally:
        database.close_all()
        other.close_all()
