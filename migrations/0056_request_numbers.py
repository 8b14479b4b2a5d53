"""Numbering per request type: a prefix on the type, a counter per type and year, the number on each request."""
from peewee import *


def up(migrator, db):
    class RequestType(Model):
        class Meta:
            database = db
            table_name = "request_type"

    class RequestCounter(Model):
        type = ForeignKeyField(RequestType, on_delete="CASCADE")
        year = IntegerField()
        last = IntegerField()

        class Meta:
            database = db
            table_name = "request_counter"
            indexes = ((("type", "year"), True),)

    db.create_tables([RequestCounter])
    migrator.migrate(migrator.add_column("request_type", "number_prefix", CharField(max_length=10, default="")),
                     migrator.add_column("resource_request", "number", CharField(max_length=30, default="")))
    # A safety net under the counter: no two requests ever share a number.
    db.execute_sql("CREATE UNIQUE INDEX resource_request_number ON resource_request (number) WHERE number <> ''")


def down(migrator, db):
    db.execute_sql("DROP INDEX resource_request_number")
    migrator.migrate(migrator.drop_column("resource_request", "number"),
                     migrator.drop_column("request_type", "number_prefix"))
    db.execute_sql("DROP TABLE request_counter")
