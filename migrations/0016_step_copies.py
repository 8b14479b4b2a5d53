"""Who is copied (抄送) on a step of a request: rows instead of a JSON list, so lists of requests
can find them. Skipped steps copied nobody then and keep no rows."""
import json

from peewee import *


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = "user"

    class RequestStep(Model):
        class Meta:
            database = db
            table_name = "request_step"

    class StepCopy(Model):
        step = ForeignKeyField(RequestStep, on_delete="CASCADE")
        user = ForeignKeyField(User, on_delete="RESTRICT")

        class Meta:
            database = db
            table_name = "step_copy"
            indexes = ((("step", "user"), True),)

    db.create_tables([StepCopy])
    people = {row[0] for row in db.execute_sql('SELECT "id" FROM "user"')}
    rows = []
    for step_id, copied, state in db.execute_sql('SELECT "id", "copied", "state" FROM "request_step"').fetchall():
        try:
            ids = json.loads(copied)
        except ValueError:
            continue
        if state != "skipped" and isinstance(ids, list):
            rows += [{"step": step_id, "user": user_id} for user_id in dict.fromkeys(ids) if user_id in people]
    if rows:
        StepCopy.insert_many(rows).execute()
    migrator.migrate(migrator.drop_column("request_step", "copied"))


def down(migrator, db):
    migrator.migrate(migrator.add_column("request_step", "copied", TextField(default="[]")))
    copied = {}
    for step_id, user_id in db.execute_sql('SELECT "step_id", "user_id" FROM "step_copy" ORDER BY "id"').fetchall():
        copied.setdefault(step_id, []).append(user_id)
    for step_id, ids in copied.items():
        db.execute_sql('UPDATE "request_step" SET "copied" = %s WHERE "id" = %s' % (db.param, db.param),
                       (json.dumps(ids), step_id))
    migrator.migrate(migrator.drop_table("step_copy"))
