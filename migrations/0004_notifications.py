"""In-app notifications, channel preferences, weekly digests sent, and the company calendar."""
from peewee import *


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = "user"

    class Notification(Model):
        user = ForeignKeyField(User, on_delete="CASCADE")
        event = CharField(max_length=40)
        level = CharField(max_length=10)
        channel = CharField(max_length=10)
        params = TextField(default="{}")
        link = CharField(max_length=500, default="")
        key = CharField(max_length=200, null=True, unique=True)
        created_at = DateTimeField()
        read_at = DateTimeField(null=True)
        archived_at = DateTimeField(null=True)
        digested_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "notification"
            indexes = ((("user", "read_at"), False),)

    class Preference(Model):
        user = ForeignKeyField(User, on_delete="CASCADE")
        event = CharField(max_length=40)
        channel = CharField(max_length=10)

        class Meta:
            database = db
            table_name = "preference"
            indexes = ((("user", "event"), True),)

    class CompanyCalendar(Model):
        country = CharField(max_length=2, default="CN")
        quiet_start = IntegerField(default=21)
        quiet_end = IntegerField(default=8)
        digest_hour = IntegerField(default=9)
        stale_checkin_days = IntegerField(default=14)

        class Meta:
            database = db
            table_name = "company_calendar"

    class ClosedDay(Model):
        day = DateField(unique=True)
        label = CharField(max_length=100, default="")

        class Meta:
            database = db
            table_name = "closed_day"

    class Digest(Model):
        user = ForeignKeyField(User, on_delete="CASCADE")
        week = CharField(max_length=8)
        created_at = DateTimeField()
        sent = BooleanField(default=False)

        class Meta:
            database = db
            table_name = "digest"
            indexes = ((("user", "week"), True),)

    db.create_tables([Notification, Preference, CompanyCalendar, ClosedDay, Digest])


def down(migrator, db):
    for table in ("digest", "closed_day", "company_calendar", "preference", "notification"):
        migrator.migrate(migrator.drop_table(table))
