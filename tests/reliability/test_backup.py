"""`flask backup PATH` copies the live database while writes go on; restored as the README
says, the copy is a working portal holding a consistent moment of the data."""
import shutil
import sqlite3
import subprocess
import sys
import threading

from playhouse.db_url import parse

from bench.harness import ROOT, Session, gunicorn, portal_environment
from portal.accounts.models import Department
from portal.db import db
from tests.conftest import PASSWORD


def _keep_adding_departments(app, stop, added):
    with app.app_context(), db.connection_context():
        while not stop.is_set():
            added.append(Department.add(None, "Live %d" % len(added)).name)


def test_a_backup_taken_during_writes_restores_to_a_working_portal_with_consistent_data(
        app, admin, tmp_path, reliability_report):
    db.close()
    stop, added = threading.Event(), []
    writer = threading.Thread(target=_keep_adding_departments, args=(app, stop, added))
    writer.start()
    try:
        while len(added) < 20:
            stop.wait(0.01)
        backup = tmp_path / "backups" / "portal-backup.db"
        backup.parent.mkdir()
        before = len(added)
        result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "backup", str(backup)], cwd=ROOT,
                                env=portal_environment(app.config["DATABASE_URL"]), capture_output=True, text=True,
                                timeout=60)
        after = len(added)
    finally:
        stop.set()
        writer.join(30)
    assert result.returncode == 0, result.stderr
    assert "backed up to" in result.stdout
    assert after > before, "the writes went on while the backup ran"

    with sqlite3.connect(backup) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        departments = copy.execute("SELECT COUNT(*) FROM department WHERE name LIKE 'Live %'").fetchone()[0]
        audited = copy.execute("SELECT COUNT(*) FROM audit_entry WHERE action = 'department.create' "
                               "AND summary = '' AND changes LIKE '%Live %'").fetchone()[0]
    assert before <= departments <= after
    assert audited == departments, "a consistent moment: every department with its audit row"

    # Restore as the README says: stop, copy the backup over the database, drop the old WAL.
    live = parse(app.config["DATABASE_URL"])["database"]
    shutil.copy(backup, live)
    for suffix in ("-wal", "-shm"):
        (tmp_path / ("portal.db" + suffix)).unlink(missing_ok=True)
    with gunicorn(app.config["DATABASE_URL"]) as server:
        session = Session(server.url).log_in(admin.email, PASSWORD)
        pages = {path: session.get(path) for path in ("/", "/admin/users/", "/admin/departments/")}
    assert all(page.status == 200 for page in pages.values())
    assert "Live 0" in pages["/admin/departments/"].text and admin.name in pages["/admin/users/"].text
    reliability_report["backups restored to a working portal"] += 1
