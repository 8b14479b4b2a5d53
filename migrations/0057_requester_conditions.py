"""Step conditions on the requester's department and role, each joined to the conditions before it by AND or OR."""
from peewee import *


def up(migrator, db):
    class Department(Model):
        class Meta:
            database = db
            table_name = "department"

    migrator.migrate(
        migrator.add_column("flow_step", "condition_department_id",
                            ForeignKeyField(Department, null=True, field=Department.id, on_delete="RESTRICT")),
        migrator.add_column("flow_step", "condition_department_join", CharField(max_length=3, default="and")),
        migrator.add_column("flow_step", "condition_role", CharField(max_length=20, default="")),
        migrator.add_column("flow_step", "condition_role_join", CharField(max_length=3, default="and")))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("flow_step", "condition_role_join"),
                     migrator.drop_column("flow_step", "condition_role"),
                     migrator.drop_column("flow_step", "condition_department_join"),
                     migrator.drop_index("flow_step", "flow_step_condition_department_id"),
                     migrator.drop_column("flow_step", "condition_department_id"))
