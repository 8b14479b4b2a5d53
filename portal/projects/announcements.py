"""What a project tells its groups' robots: a target that turned at risk or off track."""
from flask_babel import format_percent
from flask_babel import gettext as _

from portal import robots


def target_worsened(target, check_in):
    """Queue "this target is now at risk / off track" where the project and the target's department hear it."""
    project = target.project

    def build():
        lines = [_("Progress %(progress)s, where the plan expects %(expected)s by now.",
                   progress=format_percent(target.progress / 100), expected=format_percent(
                       target.expected_progress() / 100)),
                 _("Owner: %(name)s", name=target.owner.name)]
        if check_in.note:
            lines.append(_("Latest check-in: %(note)s", note=check_in.note))
        return robots.Message(title=_("%(status)s: %(target)s (%(project)s)", status=target.status_label,
                                      target=target.title, project=project.name),
                              blocks=[robots.Block("", lines)], link=target.path(), link_text=_("Open the target"))
    return robots.announce("target.at_risk", project.heard_by({target.department_id}), build,
                           ref="target:%d" % target.id)
