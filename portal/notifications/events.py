"""What can happen to a person, how urgent it is, and where it goes unless they choose otherwise."""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

LEVELS = {"normal": _l("Normal"), "important": _l("Important"), "urgent": _l("Urgent")}
CHANNELS = {"app": _l("In the portal only"), "email": _l("Email at once"), "digest": _l("In the weekly digest")}


@dataclass(frozen=True)
class Event:
    level: str
    channel: str
    label: object
    # %-formatted with the notification's params, in the reader's language when shown.
    message: object


EVENTS = {
    "task.assigned": Event("important", "email", _l("A task is assigned to me"),
                           _l("%(actor)s assigned you a task: %(title)s")),
    "mention": Event("normal", "app", _l("Someone mentions me"),
                     _l("%(actor)s mentioned you in %(place)s")),
    "task.changed": Event("normal", "digest", _l("A task I own or watch changes priority or due date"),
                          _l("%(actor)s changed %(title)s: %(change)s")),
    "blocker.done": Event("normal", "app", _l("A task blocking mine is done"),
                          _l("%(blocker)s is done, so it no longer blocks %(title)s")),
    "approval.waiting": Event("important", "email", _l("An approval waits for me"),
                              _l("%(requester)s's request “%(title)s” waits for your decision")),
    "approval.nudge": Event("important", "email", _l("An approval has waited half its time limit"),
                            _l("“%(title)s” has waited %(hours)s working hours for your decision")),
    "request.approved": Event("important", "email", _l("My request is approved"),
                              _l("Your request “%(title)s” is approved")),
    "request.rejected": Event("important", "email", _l("My request is rejected or sent back"),
                              _l("Your request “%(title)s” was not approved: %(comment)s")),
    "request.escalated": Event("urgent", "email", _l("A request of mine or for me is escalated"),
                               _l("“%(title)s” was escalated to %(to)s")),
    "request.withdrawn": Event("normal", "app", _l("A request waiting for my decision is withdrawn"),
                               _l("%(actor)s withdrew “%(title)s”; it no longer needs your decision")),
    "approval.urged": Event("important", "email", _l("A requester asks me for my decision (催办)"),
                            _l("%(requester)s asks for your decision on “%(title)s”")),
    "approval.delegated": Event("important", "email", _l("Someone delegates their approvals to me (委托)"),
                                _l("%(name)s delegated their approvals to you from %(start)s to %(end)s")),
    "request.revocation": Event("important", "email", _l("My request to revoke an approval is decided (撤销)"),
                                _l("Your request to revoke “%(title)s”: %(outcome)s (%(comment)s)")),
    "request.decided_copy": Event("important", "email", _l("A request I am copied on (抄送) is decided"),
                                  _l("“%(title)s”, which you are copied on, is decided: %(outcome)s")),
    "request.copied": Event("normal", "digest", _l("A request I am copied on (抄送) passes a step"),
                            _l("“%(title)s”, %(step)s: %(outcome)s")),
    "meeting.reminder": Event("important", "email", _l("A meeting I attend is about to start"),
                              _l("%(meeting)s starts at %(time)s")),
    "minutes.sent": Event("normal", "app", _l("Minutes of a meeting I attend are sent"),
                          _l("The minutes of %(meeting)s were sent")),
    "target.off_track": Event("urgent", "email", _l("A target I own goes off track"),
                              _l("Your target “%(title)s” is off track")),
    "task.due_soon": Event("important", "email", _l("A task of mine is due within a day"),
                           _l("“%(title)s” is due %(due)s")),
    "task.overdue": Event("urgent", "email", _l("A task of mine is overdue"),
                          _l("“%(title)s” was due %(due)s and is not done")),
    "report.reminder": Event("important", "email", _l("My weekly or daily report is due"),
                             _l("Reminder: your %(kind)s for the period from %(period)s is due %(due)s")),
    "report.help": Event("important", "email", _l("Someone's report asks me (or my department) for help"),
                         _l("%(author)s needs your help: %(what)s")),
    "report.comment": Event("normal", "app", _l("Someone comments on a report of mine"),
                            _l("%(actor)s commented on the report for the period from %(period)s")),
    "report.helped": Event("normal", "app", _l("Someone marks my ask for help as helped"),
                           _l("%(actor)s helped with: %(what)s")),
    "checkin.stale": Event("important", "email", _l("A target of mine has had no check-in for a while"),
                           _l("“%(title)s” has had no check-in for %(days)s days")),
}
