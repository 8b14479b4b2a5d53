"""A person's mobile number, so a group robot's message can @ them (their phone rings)."""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.add_column("user", "mobile", CharField(max_length=11, default="")))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("user", "mobile"))
