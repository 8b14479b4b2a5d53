"""加签 after an approver: a step added to a request by hand names its approvers itself, since no
step of the flow version stands behind it."""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.add_column("request_step", "added_approvers", TextField(null=True)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("request_step", "added_approvers"))
