"""The demo company's tasks: loaded once, covering what a first look at the boards should show."""
import pytest

from demo import tasks as demo
from portal.tasks.models import PRIORITIES, STATUSES, Task, TaskDependency, local_today


@pytest.mark.demo_company
def test_the_demo_loads_dozens_of_tasks_once_with_every_priority_status_and_conflict(runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    tasks = list(Task.board(Task.select().first().owner))
    assert len(tasks) == len(demo.TASKS) >= 30
    assert {t.priority for t in tasks} == set(PRIORITIES) and {t.status for t in tasks} == set(STATUSES)
    today = local_today(tasks[0].owner)
    assert sum(t.overdue(today) for t in tasks) >= 4
    blocked_across = [t for t in tasks if t.open_blockers and any(
        b.department_id != t.department_id for b in t.blockers(t.owner) if b.status != "done")]
    assert len(blocked_across) >= 4 and TaskDependency.select().count() == len(demo.WAITS)
    collisions = Task.collisions(Task.board(tasks[0].owner, open_only=True), today)
    assert len(collisions) >= 2, "R&D and Procurement each have two P0s this week"
