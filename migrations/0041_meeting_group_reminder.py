"""When a meeting's groups were told it starts soon: the mark that makes the robots say it once."""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.add_column("meeting", "group_reminded_at", DateTimeField(null=True)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("meeting", "group_reminded_at"))
