"""Imports waiting for their confirmation: the uploaded file's storage key, whose it is, since when."""
from peewee import *


def up(migrator, db):
    class Staged(Model):
        key = CharField(unique=True, max_length=64)
        user_id = IntegerField()
        created_at = DateTimeField(index=True)

        class Meta:
            database = db
            table_name = "staged"
    db.create_tables([Staged])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("staged"))
