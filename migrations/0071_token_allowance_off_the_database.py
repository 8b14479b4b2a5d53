"""A token's rate-limit allowance moves off the main database (portal/allowance.py)."""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.drop_column("access_token", "allowance_at"))


def down(migrator, db):
    migrator.migrate(migrator.add_column("access_token", "allowance_at", DoubleField(null=True)))
