"""Comments on a request, with @-mentions (评论)."""
from peewee import *


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = "user"

    class ResourceRequest(Model):
        class Meta:
            database = db
            table_name = "resource_request"

    class RequestComment(Model):
        request = ForeignKeyField(ResourceRequest, backref="+", on_delete="CASCADE")
        author = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
        body = TextField()
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "request_comment"

    db.create_tables([RequestComment])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("request_comment"))
