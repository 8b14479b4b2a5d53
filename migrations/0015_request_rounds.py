"""Each round of a request keeps what the requester sent. Requests filed before keep their latest
round only: earlier rounds were overwritten and cannot be recovered."""
from peewee import *


def up(migrator, db):
    class ResourceRequest(Model):
        class Meta:
            database = db
            table_name = "resource_request"

    class RequestRound(Model):
        request = ForeignKeyField(ResourceRequest, on_delete="CASCADE")
        number = IntegerField()
        title = CharField(max_length=200)
        values = TextField(default="{}")
        submitted_at = DateTimeField()

        class Meta:
            database = db
            table_name = "request_round"
            indexes = ((("request", "number"), True),)

    db.create_tables([RequestRound])
    # A later round was sent when the request was last resubmitted.
    db.execute_sql(
        'INSERT INTO "request_round" ("request_id", "number", "title", "values", "submitted_at") '
        'SELECT r."id", r."round", r."title", r."values", COALESCE('
        '(SELECT MAX(e."at") FROM "request_event" AS e '
        'WHERE e."request_id" = r."id" AND e."action" = \'resubmitted\'), '
        'r."submitted_at") FROM "resource_request" AS r')


def down(migrator, db):
    migrator.migrate(migrator.drop_table("request_round"))
