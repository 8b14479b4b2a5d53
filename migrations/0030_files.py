"""Files kept in projects and attached to tasks, requests and meetings, with their versions."""
from peewee import *


def up(migrator, db):
    class Meeting(Model):
        class Meta:
            database = db
            table_name = "meeting"

    class Project(Model):
        class Meta:
            database = db
            table_name = "project"

    class ResourceRequest(Model):
        class Meta:
            database = db
            table_name = "resource_request"

    class Task(Model):
        class Meta:
            database = db
            table_name = "task"

    class User(Model):
        class Meta:
            database = db
            table_name = "user"

    class File(Model):
        project = ForeignKeyField(Project, null=True, on_delete="CASCADE")
        task = ForeignKeyField(Task, null=True, on_delete="CASCADE")
        request = ForeignKeyField(ResourceRequest, null=True, on_delete="CASCADE")
        meeting = ForeignKeyField(Meeting, null=True, on_delete="CASCADE")
        name = CharField(max_length=200)
        kind = CharField(max_length=10)
        size = BigIntegerField()
        versions_count = IntegerField(default=1)
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField()
        updated_at = DateTimeField(index=True)
        deleted_at = DateTimeField(index=True, null=True)
        deleted_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        class Meta:
            database = db
            table_name = "file"
    db.create_tables([File])

    class FileSettings(Model):
        max_mb = IntegerField(default=20)
        class Meta:
            database = db
            table_name = "file_settings"
    db.create_tables([FileSettings])

    class FileVersion(Model):
        file = ForeignKeyField(File, on_delete="CASCADE")
        number = IntegerField()
        key = CharField(unique=True, max_length=64)
        name = CharField(max_length=200)
        kind = CharField(max_length=10)
        size = BigIntegerField()
        uploaded_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        uploaded_at = DateTimeField()
        preview_key = CharField(null=True, max_length=64)
        preview_type = CharField(max_length=20, default="")
        text = TextField(default="")
        class Meta:
            database = db
            table_name = "file_version"
            indexes = ((("file", "number"), True),)
    db.create_tables([FileVersion])


def down(migrator, db):
    for table in ("file_version", "file_settings", "file"):
        migrator.migrate(migrator.drop_table(table))
