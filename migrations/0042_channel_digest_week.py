"""The ISO week whose digest a channel was last sent: the mark that sends it once a week."""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.add_column("channel", "digest_week", CharField(max_length=8, default="")))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("channel", "digest_week"))
