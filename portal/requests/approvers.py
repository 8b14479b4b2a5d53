"""Who decides a step: the approver kinds an admin picks from, and who stands in, in one place.

A new kind is one more entry in KINDS: the flow builder offers it and routing resolves it
without further changes.
"""
from flask_babel import lazy_gettext as _l

from portal.accounts.models import ROLES, User
from portal.requests.delegation import Delegation

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


def _supervisor(request, entry):
    """The requester's direct supervisor (直属主管); where none is set, the head of their department."""
    requester = request.requester
    if requester.supervisor_id:
        return [requester.supervisor]
    return _head_of(request.department)


def supervisor_chain(request, entry):
    """The supervisors a chain entry climbs for this request, nearest first: so many levels
    ("supervisors", 逐级), or up to the head of the requester's department ("supervisors_to_head",
    who is added at the end when the chain does not reach them; for the head, their own supervisor)."""
    requester = request.requester
    if entry["kind"] == "supervisors":
        return requester.supervisors(levels=entry.get("levels") or 1)
    head = _head_of(request.department)
    if requester in head:
        # The head's own request goes one level up, not to the top of the company.
        return requester.supervisors(levels=1)
    chain = []
    for person in requester.supervisors():
        chain.append(person)
        if person in head:
            return chain
    return chain + [person for person in head if person.id != requester.id and person not in chain]


def _chain_level(request, entry):
    level = entry.get("level", 1)
    return supervisor_chain(request, entry)[level - 1:level]


KINDS = {
    "requester_head": ApproverKind(_l("Head of the requester's department"),
                                   lambda request, entry: _head_of(request.department)),
    "provider_head": ApproverKind(_l("Head of the providing department"),
                                  lambda request, entry: _head_of(request.provider)),
    "project_coordinator": ApproverKind(
        _l("Coordinator of the request's project"),
        lambda request, entry: [request.project.coordinator] if request.project_id else []),
    "supervisor": ApproverKind(_l("The requester's direct supervisor (直属主管)"), _supervisor),
    "supervisors_to_head": ApproverKind(_l("Supervisors level by level up to the department head (逐级)"),
                                        _chain_level),
    "supervisors": ApproverKind(_l("Supervisors level by level (逐级)"), _chain_level, option="levels"),
    "people": ApproverKind(_l("Named people"), _people, option="people"),
    "role": ApproverKind(_l("Everyone with a role"), _role, option="role"),
}
# Kinds that climb the org chart one level after another: each level becomes a step of its own.
CHAIN_KINDS = ("supervisors", "supervisors_to_head")
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
    if kind.option == "levels":
        return _l("Supervisors up %(n)d levels, one after another (逐级)", n=entry.get("levels") or 1)
    return kind.label


def any_admin(*excluded):
    """An active admin who is none of `excluded` (the longest-serving one), or None."""
    ids = [user.id for user in excluded if user is not None]
    return (User.select().where((User.role == "admin") & User.active & User.id.not_in(ids))
            .order_by(User.id).first())


def stand_in_for(user, *excluded):
    """Who decides instead of `user` (deactivated, or not deciding in time): up the org chart, their
    supervisor, else their department head, else an admin; never `excluded`."""
    department = user.department if user.department_id else None
    head = department.head if department is not None and department.head_id else None
    others = {user.id, *(u.id for u in excluded)}
    for candidate in (user.supervisor if user.supervisor_id else None, head):
        if candidate is not None and candidate.active and candidate.id not in others:
            return candidate
    return any_admin(user, *excluded)


class Seating:
    """Who sits on a step: `seats` [(user, reason, replaces)], `replaced` [(user, stand_in,
    merged)] for every deactivated approver the flow named (merged: the stand-in already had a
    seat of their own, so one seat now counts for both; stand_in None: nobody could be found),
    and `delegated` [(user, delegate, merged)] for every approver away who delegated (委托)."""

    def __init__(self):
        self.seats, self.replaced, self.delegated = [], [], []


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
    for user_id, (user, *_) in list(chosen.items()):
        delegate = Delegation.acting_for(user, excluded=[requester])
        if delegate is not None:
            del chosen[user_id]
            seating.delegated.append((user, delegate, delegate.id in chosen))
            chosen.setdefault(delegate.id, (delegate, "delegated", user))
    seating.seats = list(chosen.values())
    return seating
