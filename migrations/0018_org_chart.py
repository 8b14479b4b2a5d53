"""The org chart: each person's direct supervisor (直属主管), and which level of it a step of
\"supervisors level by level\" (逐级) asks."""
from peewee import *


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = "user"

    migrator.migrate(
        migrator.add_column("user", "supervisor_id",
                            ForeignKeyField(User, field=User.id, null=True, on_delete="SET NULL")),
        migrator.add_column("request_step", "level", IntegerField(null=True)))


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column("request_step", "level"),
        migrator.drop_index("user", "user_supervisor_id"),
        migrator.drop_column("user", "supervisor_id"))
