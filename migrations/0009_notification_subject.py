"""A notification names what it is about, so it is shown only while its reader may see that."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("notification", "subject_type", CharField(max_length=40, default="")),
        migrator.add_column("notification", "subject_id", IntegerField(null=True)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("notification", "subject_id"),
                     migrator.drop_column("notification", "subject_type"))
