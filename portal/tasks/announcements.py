"""What a task tells the groups' robots: a new P0/P1, or a priority raised."""
from flask_babel import format_date
from flask_babel import gettext as _

from portal import robots


def _where(task):
    departments = {task.department_id, task.requesting_department_id} - {None}
    if task.project is not None:
        return task.project.heard_by(departments)
    return robots.Where(department_ids=frozenset(departments))


def priority(task, by, old=None, reason=""):
    """Queue a new urgent task (`old` None) or a raised priority where the task's departments hear it."""
    def build():
        if old is None:
            title = _("New %(priority)s: %(title)s", priority=task.priority, title=task.title)
        else:
            title = _("Priority raised %(old)s → %(new)s: %(title)s", old=old, new=task.priority, title=task.title)
        lines = [_("Owner: %(name)s", name=task.owner.name), _("By: %(name)s", name=by.name)]
        if task.due_date:
            lines.append(_("Due %(date)s", date=format_date(task.due_date, "medium")))
        if reason:
            lines.append(_("Why: %(reason)s", reason=reason))
        return robots.Message(title=title, blocks=[robots.Block("", lines)],
                              mentions=[robots.Mention(task.owner.name, task.owner.mobile)], link=task.link,
                              link_text=_("Open the task"))
    return robots.announce("task.priority", _where(task), build, ref="task:%d" % task.id)
