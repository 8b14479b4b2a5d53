"""Resource requests name their project, and the task the providing department got on approval."""
from peewee import *


def up(migrator, db):
    class Project(Model):
        class Meta:
            database = db
            table_name = "project"

    class Task(Model):
        class Meta:
            database = db
            table_name = "task"

    migrator.migrate(
        migrator.add_column("resource_request", "project_id",
                            ForeignKeyField(Project, field=Project.id, null=True, on_delete="SET NULL")),
        migrator.add_column("resource_request", "task_id",
                            ForeignKeyField(Task, field=Task.id, null=True, on_delete="SET NULL")))


def down(migrator, db):
    migrator.migrate(
        migrator.drop_index("resource_request", "resource_request_task_id"),
        migrator.drop_index("resource_request", "resource_request_project_id"),
        migrator.drop_column("resource_request", "task_id"),
        migrator.drop_column("resource_request", "project_id"))
