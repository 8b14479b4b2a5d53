"""委托: a person hands all their approvals to a colleague for a range of days."""
from peewee import *


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = "user"

    class Delegation(Model):
        user = ForeignKeyField(User, backref="+", on_delete="RESTRICT")
        delegate = ForeignKeyField(User, backref="+", on_delete="RESTRICT")
        starts_on = DateField()
        ends_on = DateField()
        reason = CharField(max_length=200, default="")
        created_at = DateTimeField()
        cancelled_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "delegation"
            indexes = ((("user", "ends_on"), False),)

    db.create_tables([Delegation])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("delegation"))
