"""A project board's column counts read from one index, (project_id, status), which also serves
every read of a project's tasks that the index of project_id alone served."""


def up(migrator, db):
    migrator.migrate(migrator.drop_index("task", "task_project_id"),
                     migrator.add_index("task", ("project_id", "status"), False))


def down(migrator, db):
    migrator.migrate(migrator.drop_index("task", "task_project_id_status"),
                     migrator.add_index("task", ("project_id",), False))
