"""Tasks with one owner each, and the priority boards."""


def schema():
    """This area's models, handed up to the schema (portal.all_models)."""
    from portal.tasks.models import ChecklistItem, Tag, Task, TaskComment, TaskDependency, TaskTag, TaskWatcher
    return [Task, TaskDependency, TaskWatcher, Tag, TaskTag, ChecklistItem, TaskComment]
