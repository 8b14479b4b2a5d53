"""Row locks or SERIALIZABLE with retry, on PostgreSQL: which way the portal's exactly-once
behaviours should hold under concurrency. Not part of `make test` or `make bench`; run it with
`.venv/bin/python -m bench.isolation` (a throwaway cluster, as the tests start one).

Each hot path is hammered by several processes started together behind a barrier, all on one row:
check-ins on one target, moves of one card. "locks": READ COMMITTED, each behaviour locks the rows
it changes (BaseModel.locked, as the portal does). "serializable": every transaction SERIALIZABLE,
no row locks, a behaviour that fails to serialize is run again from the start.
"""
import argparse
import datetime
import multiprocessing
import time

from playhouse.db_url import connect
from psycopg import errors

PROCESSES, OPERATIONS = 4, 60
OPTIONS = {"max_connections": None, "stale_timeout": 300}


def app_for(url, strategy):
    from portal import create_app
    from portal.db import BaseModel, POSTGRESQL_OPTIONS, db

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "JOBS_IMMEDIATE": True,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "INSTANCE_PATH": "/tmp/duiqi-isolation"})
    if strategy == "serializable":
        options = POSTGRESQL_OPTIONS["options"] + " -c default_transaction_isolation=serializable"
        db.initialize(connect(url.replace("postgresql://", "postgresql+pool://"), **OPTIONS, options=options))
        BaseModel.locked = classmethod(lambda cls, pk, shared=False: cls.get_by_id(pk))
    return app


def prepare(url):
    from portal.accounts.models import Department, User
    from portal.db import db
    from portal.projects.models import Project, Target
    from portal.tasks.models import Task

    with app_for(url, "locks").app_context(), db.connection_context():
        department = Department.add(None, "Hot rows")
        people = [User.invite(None, "p%d@example.com" % n, "P%d" % n, department, "coordinator", password="x")
                  for n in range(PROCESSES)]
        today = datetime.date.today()
        project = Project.start(None, name="Hot", goal="", coordinator=people[0], departments=[department],
                                start_date=today - datetime.timedelta(days=10),
                                end_date=today + datetime.timedelta(days=90), status="active")
        target = Target.define(None, project, title="Hot", unit="", baseline="0", target_value="1000",
                               direction="raise", start_date=project.start_date, due_date=project.end_date,
                               department=department, owner=people[0], weight=1)
        task = Task.open(people[0], "Hot card", people[0])
        return [p.id for p in people], target.id, task.id


def hammer(url, strategy, path, person_id, row_id, barrier, results):
    from portal.accounts.models import User
    from portal.db import db
    from portal.projects.models import Target
    from portal.tasks.models import Stale, Task

    with app_for(url, strategy).app_context(), db.connection_context():
        person = User.get_by_id(person_id)
        retries = refused = 0
        barrier.wait()
        started = time.monotonic()
        for n in range(OPERATIONS):
            while True:
                try:
                    if path == "check-ins":
                        Target.get_by_id(row_id).check_in(person, str(person_id * 1000 + n))
                    else:
                        task = Task.get_by_id(row_id)
                        task.move(person, task.version, "doing" if task.status == "todo" else "todo")
                    break
                except Stale:  # moved meanwhile: the board shows the card as it is, the client moves it again
                    refused += 1
                except Exception as exc:  # peewee wraps the driver's error
                    if not isinstance(getattr(exc, "orig", exc.__cause__), (errors.SerializationFailure,
                                                                             errors.DeadlockDetected)):
                        raise
                    retries += 1
        results.put((time.monotonic() - started, retries, refused))


def check(url, path, row_id):
    """(changes kept, audit rows, audit chain broken?) for the hot row."""
    import json

    from portal.audit import AuditEntry
    from portal.db import db
    from portal.projects.models import CheckIn
    from portal.tasks.models import Task

    with app_for(url, "locks").app_context(), db.connection_context():
        action, field = ("target.check_in", "value") if path == "check-ins" else ("task.move", "status")
        rows = [json.loads(r.changes)[field] for r in AuditEntry.select().where(
            (AuditEntry.action == action) & (AuditEntry.object_id == row_id)).order_by(AuditEntry.id)]
        broken = any(rows[i][0] != rows[i - 1][1] for i in range(1, len(rows)))
        kept = (CheckIn.select().where(CheckIn.target == row_id).count() if path == "check-ins"
                else Task.get_by_id(row_id).version - 1)
        return kept, len(rows), broken


def run(cluster, strategy, path):
    url = cluster.empty()
    from portal.db import db, migration_runner
    with app_for(url, "locks").app_context(), db.connection_context():
        migration_runner().up()
    people, target_id, task_id = prepare(url)
    db.close_all()  # the processes forked next open connections of their own
    row_id = target_id if path == "check-ins" else task_id
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(PROCESSES), context.Queue()
    workers = [context.Process(target=hammer, args=(url, strategy, path, person, row_id, barrier, results))
               for person in people]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=600) for _ in workers]
    for worker in workers:
        worker.join()
    kept, audited, broken = check(url, path, row_id)
    seconds = max(o[0] for o in outcomes)
    done = PROCESSES * OPERATIONS
    return {"ops/s": round(done / seconds, 1), "retries": sum(o[1] for o in outcomes),
            "moves refused as stale": sum(o[2] for o in outcomes), "kept": kept, "audited": audited,
            "chain broken": broken}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    rounds = parser.parse_args().rounds
    from tests.engines import Postgresql
    cluster = Postgresql()
    try:
        for path in ("check-ins", "card moves"):
            for strategy in ("locks", "serializable"):
                for _ in range(rounds):
                    print("%-11s %-13s %s" % (path, strategy, run(cluster, strategy, path)), flush=True)
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
