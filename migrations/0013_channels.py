"""Group robots and webhooks: channels and the messages queued for them (defaults come from the models)."""
from peewee import *


def up(migrator, db):
    class Channel(Model):
        name = CharField(max_length=100)
        kind = CharField(max_length=16)
        url = TextField()
        secret = CharField(max_length=200, default="")
        scope_kind = CharField(max_length=16)
        scope_id = IntegerField(null=True)
        language = CharField(max_length=10, default="zh_CN")
        events = TextField(default="")
        active = BooleanField(default=True)
        created_by_id = IntegerField(null=True)
        created_at = DateTimeField()
        updated_at = DateTimeField()
        last_attempt_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = "channel"
            indexes = ((("scope_kind", "scope_id"), False),)
    db.create_tables([Channel])

    class RobotMessage(Model):
        channel = ForeignKeyField(Channel, on_delete="CASCADE")
        created_at = DateTimeField()
        event = CharField(max_length=40)
        ref = CharField(index=True, max_length=64, default="")
        delivery = CharField(unique=True, max_length=36)
        body = TextField()
        state = CharField(max_length=10, default="queued")
        attempts = IntegerField(default=0)
        next_attempt_at = DateTimeField()
        claimed_at = DateTimeField(null=True)
        sent_at = DateTimeField(null=True)
        reason = CharField(max_length=32, default="")
        answer = CharField(max_length=500, default="")
        class Meta:
            database = db
            table_name = "robot_message"
            indexes = ((("state", "next_attempt_at"), False), (("channel", "claimed_at"), False))
    db.create_tables([RobotMessage])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("robot_message"))
    migrator.migrate(migrator.drop_table("channel"))
