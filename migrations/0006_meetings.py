"""Meetings: series and their participants, meetings, agenda items, decisions, attendance, action
items, and the versions of closed minutes."""
from peewee import *


def up(migrator, db):
    class Department(Model):
        class Meta:
            database = db
            table_name = "department"

    class User(Model):
        class Meta:
            database = db
            table_name = "user"

    class MeetingSeries(Model):
        title = CharField(max_length=200)
        coordinator = ForeignKeyField(User, on_delete="RESTRICT")
        weekday = IntegerField()
        start_time = TimeField()
        duration_minutes = IntegerField(default=60)
        timezone = CharField(max_length=64)
        location = CharField(max_length=200, default="")
        video_link = CharField(max_length=500, default="")
        reminder_minutes = IntegerField(default=60)
        recurring = BooleanField(default=True)
        active = BooleanField(default=True)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "meeting_series"

    class SeriesDepartment(Model):
        series = ForeignKeyField(MeetingSeries, on_delete="CASCADE")
        department = ForeignKeyField(Department, on_delete="CASCADE")

        class Meta:
            database = db
            table_name = "series_department"
            indexes = ((("series", "department"), True),)

    class SeriesPerson(Model):
        series = ForeignKeyField(MeetingSeries, on_delete="CASCADE")
        user = ForeignKeyField(User, on_delete="CASCADE")

        class Meta:
            database = db
            table_name = "series_person"
            indexes = ((("series", "user"), True),)

    class Meeting(Model):
        series = ForeignKeyField(MeetingSeries, on_delete="CASCADE")
        starts_at = DateTimeField(index=True)
        ends_at = DateTimeField()
        state = CharField(max_length=10, default="open")
        sequence = IntegerField(default=0)
        agenda_built_at = DateTimeField(null=True)
        reminded_at = DateTimeField(null=True)
        closed_at = DateTimeField(null=True)
        closed_by = ForeignKeyField(User, null=True, on_delete="SET NULL")

        class Meta:
            database = db
            table_name = "meeting"
            indexes = ((("series", "starts_at"), True),)

    class AgendaItem(Model):
        meeting = ForeignKeyField(Meeting, on_delete="CASCADE")
        section = CharField(max_length=20)
        position = IntegerField(default=0)
        title = CharField(max_length=300)
        link = CharField(max_length=500, default="")
        ref = CharField(max_length=100, null=True)
        status = CharField(max_length=20, default="")
        notes = TextField(default="")
        version = IntegerField(default=0)
        updated_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        updated_at = DateTimeField(null=True)
        removed_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "agenda_item"
            indexes = ((("meeting", "ref"), True),)

    class Decision(Model):
        meeting = ForeignKeyField(Meeting, on_delete="CASCADE")
        text = TextField()
        version = IntegerField(default=1)
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField()
        updated_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        updated_at = DateTimeField()

        class Meta:
            database = db
            table_name = "decision"

    class Attendance(Model):
        meeting = ForeignKeyField(Meeting, on_delete="CASCADE")
        user = ForeignKeyField(User, on_delete="CASCADE")
        status = CharField(max_length=10)

        class Meta:
            database = db
            table_name = "attendance"
            indexes = ((("meeting", "user"), True),)

    class ActionItem(Model):
        meeting = ForeignKeyField(Meeting, on_delete="CASCADE")
        what = CharField(max_length=300)
        owner = ForeignKeyField(User, on_delete="RESTRICT")
        due_on = DateField()
        status = CharField(max_length=10, default="open")
        task_id = IntegerField(null=True)
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField()
        settled_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "action_item"

    class MinutesVersion(Model):
        meeting = ForeignKeyField(Meeting, on_delete="CASCADE")
        number = IntegerField()
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField()
        reason = CharField(max_length=300, default="")
        snapshot = TextField()

        class Meta:
            database = db
            table_name = "minutes_version"
            indexes = ((("meeting", "number"), True),)

    db.create_tables([MeetingSeries, SeriesDepartment, SeriesPerson, Meeting, AgendaItem, Decision, Attendance,
                      ActionItem, MinutesVersion])


def down(migrator, db):
    for table in ("minutes_version", "action_item", "attendance", "decision", "agenda_item", "meeting",
                  "series_person", "series_department", "meeting_series"):
        migrator.migrate(migrator.drop_table(table))
