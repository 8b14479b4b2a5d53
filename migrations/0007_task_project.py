"""Tasks belong to a project (optionally): the project board and project visibility need it."""
from peewee import *


def up(migrator, db):
    class Project(Model):
        class Meta:
            database = db
            table_name = "project"

    migrator.migrate(migrator.add_column(
        "task", "project_id", ForeignKeyField(Project, field=Project.id, null=True, on_delete="SET NULL")))


def down(migrator, db):
    migrator.migrate(migrator.drop_index("task", "task_project_id"))
    migrator.migrate(migrator.drop_column("task", "project_id"))
