"""`flask db copy postgresql://…`: a small company that started on SQLite moves to PostgreSQL with
one command, and finds everything there."""
import collections

import pytest

from demo import DEMO_PASSWORD
from portal import create_app
from portal.accounts.models import User
from portal.db import db
from portal.tasks.models import Task
from tests.conftest import PortalClient, release_connections


@pytest.fixture
def seeded(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return app


@pytest.fixture
def target(postgresql):
    url = postgresql.empty()
    yield url
    postgresql.drop(url)


def _everything(models):
    return {model._meta.table_name: collections.Counter(model.select().tuples()) for model in models}


def test_a_seeded_portal_arrives_whole_keeps_working_and_a_second_copy_is_refused(seeded, runner, target, tmp_path):
    models = seeded.extensions["models"]
    before = _everything(models)
    assert sum(map(len, before.values())) > 500, "the demo company should fill many tables"
    result = runner.invoke(args=["db", "copy", target])
    assert result.exit_code == 0, result.output
    copied = {line.split()[0]: int(line.split()[1]) for line in result.output.splitlines() if " rows " in line}
    assert copied == {name: len(rows) for name, rows in before.items()}
    again = runner.invoke(args=["db", "copy", target])
    assert again.exit_code != 0 and "not empty" in again.output
    db.close()

    # The portal as it runs after the move (create_app points the database at the copy).
    moved = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "INSTANCE_PATH": str(tmp_path / "moved"),
                        "DATABASE_URL": target, "DEFAULT_LOCALE": "en", "JOBS_IMMEDIATE": True})
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
            db.close()
    finally:
        release_connections()


def test_only_a_postgresql_url_is_a_target(runner):
    result = runner.invoke(args=["db", "copy", "sqlite:////tmp/elsewhere.db"])
    assert result.exit_code != 0 and "postgresql://" in result.output
