"""The alignment map: a target may serve another, goals are targets of no project (a department's
or the company's), and tensions name two targets that pull against each other."""
import datetime

from peewee import *


def _utcnow():
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def up(migrator, db):
    class Target(Model):
        class Meta:
            database = db
            table_name = "target"

    class User(Model):
        class Meta:
            database = db
            table_name = "user"

    class Tension(Model):
        target = ForeignKeyField(Target, on_delete="CASCADE")
        other = ForeignKeyField(Target, on_delete="CASCADE")
        note = CharField(max_length=500)
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField(default=_utcnow, index=True)

        class Meta:
            database = db
            table_name = "tension"
            indexes = ((("target", "other"), True),)

    db.create_tables([Tension])
    migrator.migrate(
        migrator.drop_not_null("target", "project_id"),
        migrator.drop_not_null("target", "department_id"),
        migrator.add_column("target", "serves_id",
                            ForeignKeyField(Target, field=Target.id, null=True, on_delete="SET NULL")))


def down(migrator, db):
    # Goals have no project to go back into: they go, with whatever names them.
    db.execute_sql("DELETE FROM target WHERE project_id IS NULL")
    migrator.migrate(
        migrator.drop_index("target", "target_serves_id"),
        migrator.drop_column("target", "serves_id"),
        migrator.add_not_null("target", "department_id"),
        migrator.add_not_null("target", "project_id"),
        migrator.drop_table("tension"))
