"""A task made by the system keeps where it came from as facts (origin_kind, origin_id), said in the
reader's language when shown. Tasks made before this had the sentence written into their description
in the language of whoever closed the minutes or approved the request: it becomes an origin."""
import re

from peewee import *

# The sentence the system wrote, in any language: one line linking to the meeting or the request.
WRITTEN = re.compile(r"^[^\n]*\]\([^)\s]*/(meetings|requests)/\d+\)[^\n]*$")


def _models(db):
    class Base(Model):
        class Meta:
            database = db

    class Task(Base):
        description = TextField()
        origin_kind = CharField(null=True)
        origin_id = IntegerField(null=True)

        class Meta:
            table_name = "task"

    class ActionItem(Base):
        meeting_id = IntegerField()
        task_id = IntegerField(null=True)

        class Meta:
            table_name = "action_item"

    class ResourceRequest(Base):
        task_id = IntegerField(null=True)

        class Meta:
            table_name = "resource_request"

    return Task, ActionItem, ResourceRequest


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("task", "origin_kind", CharField(max_length=20, null=True)),
        migrator.add_column("task", "origin_id", IntegerField(null=True)))
    Task, ActionItem, ResourceRequest = _models(db)
    made = [("meeting", ActionItem.select(ActionItem.task_id, ActionItem.meeting_id)),
            ("request", ResourceRequest.select(ResourceRequest.task_id, ResourceRequest.id))]
    for kind, query in made:
        for task_id, origin_id in query.where(query.model.task_id.is_null(False)).tuples():
            task = Task.get_or_none(Task.id == task_id)
            if task is None:
                continue
            description = "" if WRITTEN.match(task.description.strip()) else task.description
            (Task.update(origin_kind=kind, origin_id=origin_id, description=description)
             .where(Task.id == task_id).execute())


def down(migrator, db):
    Task, _, _ = _models(db)
    sentences = {"meeting": "Agreed in a meeting: [see its minutes](/meetings/%d).",
                 "request": "Approved resource request [#%d](/requests/%d)."}
    for task in Task.select().where(Task.origin_kind.is_null(False) & (Task.description == "")):
        sentence = sentences[task.origin_kind]
        Task.update(description=sentence % ((task.origin_id,) * sentence.count("%d"))).where(
            Task.id == task.id).execute()
    migrator.migrate(
        migrator.drop_column("task", "origin_id"),
        migrator.drop_column("task", "origin_kind"))
