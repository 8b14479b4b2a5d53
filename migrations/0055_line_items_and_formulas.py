"""Line-item tables (their columns) and calculated fields (their formula) in the type builder."""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.add_column("type_field", "columns", TextField(default="[]")),
                     migrator.add_column("type_field", "formula", TextField(default="{}")))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("type_field", "columns"), migrator.drop_column("type_field", "formula"))
