"""Indexes for what happened in a period (the scorecard): tasks finished and decisions made are read
by date, not by walking all of them ever made, a cost that grew with every week of history."""


def up(migrator, db):
    migrator.migrate(migrator.add_index("task", ("status", "done_at"), False),
                     migrator.add_index("step_approver", ("decided_at",), False))


def down(migrator, db):
    migrator.migrate(migrator.drop_index("task", "task_status_done_at"),
                     migrator.drop_index("step_approver", "step_approver_decided_at"))
