"""Tasks with one owner each, and the priority boards."""


def schema():
    """This area's models, handed up to the schema (portal.all_models)."""
    from portal.tasks.models import ChecklistItem, Tag, Task, TaskComment, TaskDependency, TaskTag, TaskWatcher
    return [Task, TaskDependency, TaskWatcher, Tag, TaskTag, ChecklistItem, TaskComment]


def search_documents():
    """Every document this area's things are found by, for rebuilding the search index."""
    from collections import defaultdict

    from portal.tasks.models import Task, TaskComment
    comments = defaultdict(list)
    for task_id, body in TaskComment.select(TaskComment.task, TaskComment.body).order_by(TaskComment.id).tuples():
        comments[task_id].append(body)
    return [task.search_document(comments.get(task.id, ())) for task in Task.select()]
