"""催办: when the requester last nudged the approvers of a request (once a day at most)."""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.add_column("resource_request", "urged_at", DateTimeField(null=True)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("resource_request", "urged_at"))
