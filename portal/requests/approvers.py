"""Who decides a step: the approver kinds an admin picks from, and who stands in, in one place.

A new kind is one more entry in KINDS: the flow builder offers it and routing resolves it
without further changes.
"""
from flask_babel import lazy_gettext as _l

from portal.accounts.models import ROLES, User

APPROVER_ROLES = {key: label for key, label in ROLES.items() if key != "member"}


class ApproverKind:
    def __init__(self, label, resolve, option=None):
        self.label = label
        # resolve(request, entry) -> the users this entry names for that request, active or not.
        self.resolve = resolve
        # What else the admin picks for this kind: None, "people" or "role".
        self.option = option


def _head_of(department):
    return [department.head] if department is not None and department.head_id else []


def _people(request, entry):
    return list(User.select().where(User.id.in_(entry.get("ids") or [])).order_by(User.name))


def _role(request, entry):
    return list(User.select().where((User.role == entry.get("role")) & User.active).order_by(User.name))


KINDS = {
    "requester_head": ApproverKind(_l("Head of the requester's department"),
                                   lambda request, entry: _head_of(request.department)),
    "provider_head": ApproverKind(_l("Head of the providing department"),
                                  lambda request, entry: _head_of(request.provider)),
    "project_coordinator": ApproverKind(
        _l("Coordinator of the request's project"),
        lambda request, entry: [request.project.coordinator] if request.project_id else []),
    "people": ApproverKind(_l("Named people"), _people, option="people"),
    "role": ApproverKind(_l("Everyone with a role"), _role, option="role"),
}
SIMPLE_KINDS = {key: kind.label for key, kind in KINDS.items() if kind.option is None}


def describe(entry, names):
    """One approver entry in words; `names` maps user ids to names."""
    kind = KINDS.get(entry["kind"])
    if kind is None:
        return entry["kind"]
    if kind.option == "people":
        return ", ".join(names.get(i, "#%d" % i) for i in entry.get("ids") or [])
    if kind.option == "role":
        return _l("Everyone with the role %(role)s", role=APPROVER_ROLES.get(entry.get("role"), entry.get("role")))
    return kind.label


def any_admin(*excluded):
    """An active admin who is none of `excluded` (the longest-serving one), or None."""
    ids = [user.id for user in excluded if user is not None]
    return (User.select().where((User.role == "admin") & User.active & User.id.not_in(ids))
            .order_by(User.id).first())


def stand_in_for(user, *excluded):
    """Who decides instead of `user`: their department head, else an admin; never `excluded`."""
    department = user.department if user.department_id else None
    head = department.head if department is not None and department.head_id else None
    if head is not None and head.active and head.id not in {user.id, *(u.id for u in excluded)}:
        return head
    return any_admin(user, *excluded)


class Seating:
    """Who sits on a step: `seats` [(user, reason, replaces)] and `replaced` [(user, stand_in,
    merged)] for every deactivated approver the flow named (merged: the stand-in already had a
    seat of their own, so one seat now counts for both; stand_in None: nobody could be found)."""

    def __init__(self):
        self.seats, self.replaced = [], []


def assign(request, entries):
    """The approvers of a step for this request, as a Seating.

    reason is "" for someone the flow names, "substitute" for the stand-in of a deactivated
    approver (replaces names them), "own_request" when the requester was the only one named,
    "fallback" when the flow named nobody who exists. Nobody approves their own request.
    """
    requester = request.requester
    named = [user for entry in entries for user in KINDS[entry["kind"]].resolve(request, entry)]
    seating, chosen = Seating(), {}

    def add(user, reason="", replaces=None):
        if user is not None and user.id not in chosen and user.id != requester.id:
            chosen[user.id] = (user, reason, replaces)

    # The people named first, then the stand-ins: a head who is named keeps their own seat, and
    # the deactivated member they stand in for is merged into it, noted all the same.
    for user in named:
        if user.active:
            add(user)
    gone = {}
    for user in named:
        if not user.active and user.id != requester.id and user.id not in gone:
            gone[user.id] = user
            stand_in = stand_in_for(user, requester)
            merged = stand_in is not None and stand_in.id in chosen
            add(stand_in, "substitute", user)
            seating.replaced.append((user, stand_in, merged))
    if not chosen:
        if any(user.id == requester.id for user in named):
            add(stand_in_for(requester, requester), "own_request")
        else:
            add(any_admin(requester), "fallback")
    seating.seats = list(chosen.values())
    return seating
