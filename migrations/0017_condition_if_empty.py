"""A step's condition on a field left empty: the admin says whether it holds (until now it never did)."""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.add_column("flow_step", "condition_if_empty", CharField(max_length=5, default="fails")))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("flow_step", "condition_if_empty"))
