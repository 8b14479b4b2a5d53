"""Tasks with their dependencies, watchers, tags, checklists and comments."""
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

    class Task(Model):
        title = CharField(max_length=200)
        description = TextField(default="")
        owner = ForeignKeyField(User, on_delete="RESTRICT")
        department = ForeignKeyField(Department, null=True, on_delete="SET NULL")
        requesting_department = ForeignKeyField(Department, null=True, on_delete="SET NULL")
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        priority = CharField(max_length=2, default="P2")
        status = CharField(max_length=10, default="todo")
        due_date = DateField(null=True)
        estimate_hours = DecimalField(null=True, max_digits=7, decimal_places=1)
        version = IntegerField(default=1)
        created_at = DateTimeField()
        updated_at = DateTimeField()
        done_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "task"
            indexes = ((("status", "priority", "due_date"), False),)

    class TaskDependency(Model):
        task = ForeignKeyField(Task, on_delete="CASCADE")
        blocked_by = ForeignKeyField(Task, on_delete="CASCADE")
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "task_dependency"
            indexes = ((("task", "blocked_by"), True),)

    class TaskWatcher(Model):
        task = ForeignKeyField(Task, on_delete="CASCADE")
        user = ForeignKeyField(User, on_delete="CASCADE")

        class Meta:
            database = db
            table_name = "task_watcher"
            indexes = ((("task", "user"), True),)

    class Tag(Model):
        name = CharField(unique=True, max_length=30)

        class Meta:
            database = db
            table_name = "tag"

    class TaskTag(Model):
        task = ForeignKeyField(Task, on_delete="CASCADE")
        tag = ForeignKeyField(Tag, on_delete="CASCADE")

        class Meta:
            database = db
            table_name = "task_tag"
            indexes = ((("task", "tag"), True),)

    class ChecklistItem(Model):
        task = ForeignKeyField(Task, on_delete="CASCADE")
        text = CharField(max_length=200)
        done = BooleanField(default=False)
        position = IntegerField(default=0)

        class Meta:
            database = db
            table_name = "checklist_item"

    class TaskComment(Model):
        task = ForeignKeyField(Task, on_delete="CASCADE")
        author = ForeignKeyField(User, null=True, on_delete="SET NULL")
        body = TextField()
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "task_comment"

    db.create_tables([Task, TaskDependency, TaskWatcher, Tag, TaskTag, ChecklistItem, TaskComment])


def down(migrator, db):
    for table in ("task_comment", "checklist_item", "task_tag", "tag", "task_watcher", "task_dependency", "task"):
        migrator.migrate(migrator.drop_table(table))
