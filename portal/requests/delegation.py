"""委托: a person away hands all their approvals to a colleague for a range of days. Seats that
come up meanwhile go to the delegate; seats already waiting are handed over on the first day
(at once, or by the time-limit job in portal.requests.escalation); it ends by itself after its
last day, and the seats handed over stay with the delegate."""
from flask_babel import lazy_gettext as _l
from peewee import CharField, DateField, DateTimeField, ForeignKeyField

from urllib.parse import urlsplit

from portal import mail
from portal.accounts.models import User
from portal.audit import AuditEntry
from portal.db import BaseModel, Invalid, db, lock, utcnow
from portal.notifications.models import notify
from portal.projects.models import today

# A longer absence is a change of job: an admin moves the person's seats in the flows instead.
MAX_DAYS = 92
# How far one delegate's own delegation is followed (A to B, B away to C).
MAX_HOPS = 3


class Delegation(BaseModel):
    user = ForeignKeyField(User, backref="delegations", on_delete="RESTRICT")
    delegate = ForeignKeyField(User, backref="delegated_to_me", on_delete="RESTRICT")
    starts_on = DateField()
    ends_on = DateField()
    reason = CharField(max_length=200, default="")
    created_at = DateTimeField(default=utcnow)
    cancelled_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("user", "ends_on"), False),)

    @classmethod
    def live(cls, day=None):
        """Delegations in force on `day` (today in the company's time zone)."""
        day = day or today()
        return cls.select().where((cls.starts_on <= day) & (cls.ends_on >= day) & cls.cancelled_at.is_null())

    @classmethod
    def of(cls, user):
        """The user's delegations not over yet, and those to them, soonest first."""
        Delegator, Delegate = User.alias(), User.alias()
        return (cls.select(cls, Delegator, Delegate)
                .join(Delegator, on=(cls.user == Delegator.id)).switch(cls)
                .join(Delegate, on=(cls.delegate == Delegate.id))
                .where(((cls.user == user) | (cls.delegate == user)) & (cls.ends_on >= today())
                       & cls.cancelled_at.is_null())
                .order_by(cls.starts_on, cls.id))

    @classmethod
    def acting_for(cls, user, excluded=()):
        """Who decides for `user` now: their delegate (theirs, if away too), or None when the user
        is here. Never anyone `excluded` (the requester): then the user keeps the seat."""
        seen, acting = {user.id}, None
        for _ in range(MAX_HOPS):
            delegation = cls.live().where(cls.user == (acting or user).id).first()
            if delegation is None or delegation.delegate_id in seen:
                break
            seen.add(delegation.delegate_id)
            delegate = delegation.delegate
            if not delegate.active or delegate.id in {u.id for u in excluded}:
                break
            acting = delegate
        return acting

    @classmethod
    def add(cls, user, delegate, starts_on, ends_on, reason=""):
        """Delegate the user's approvals to `delegate` from `starts_on` to `ends_on` (both included)."""
        if delegate is None or not delegate.active:
            raise Invalid(_l("Choose someone who can sign in."), "delegate")
        if delegate.id == user.id:
            raise Invalid(_l("Choose someone other than yourself."), "delegate")
        if ends_on < starts_on:
            raise Invalid(_l("The last day cannot be before the first."), "ends_on")
        if ends_on < today():
            raise Invalid(_l("The last day has passed already."), "ends_on")
        if (ends_on - starts_on).days >= MAX_DAYS:
            raise Invalid(_l("Delegate for at most %(n)d days at a time.", n=MAX_DAYS), "ends_on")
        with db.atomic():
            lock("delegation:%d" % user.id)  # two tabs at once: the second sees the first's days
            overlap = (cls.select().where((cls.user == user) & cls.cancelled_at.is_null()
                                          & (cls.starts_on <= ends_on) & (cls.ends_on >= starts_on)).first())
            if overlap is not None:
                raise Invalid(_l("You have delegated to %(name)s from %(start)s to %(end)s already; cancel that "
                                 "first.", name=overlap.delegate.name, start=overlap.starts_on.isoformat(),
                                 end=overlap.ends_on.isoformat()), "starts_on")
            delegation = cls.create(user=user, delegate=delegate, starts_on=starts_on, ends_on=ends_on,
                                    reason=reason)
            AuditEntry.record(user, "delegation.add", delegation, {
                "delegate": [None, delegate.name], "days": [None, "%s – %s" % (starts_on, ends_on)]}, summary=reason)
            notify(delegate, "approval.delegated", link=urlsplit(mail.absolute_url("requests.delegations")).path,
                   name=user.name, start=starts_on.isoformat(),
                   end=ends_on.isoformat())
        if starts_on <= today():
            # Imported here: the seats' module builds on this one (routing asks who is away).
            from portal.requests.escalation import hand_seats_to_delegates
            hand_seats_to_delegates([user.id])
        return delegation

    def cancel(self, by):
        """End the delegation now (back early, or a mistake); seats handed over stay with the delegate."""
        with db.atomic():
            delegation = self.refresh()
            if delegation.cancelled_at is not None:
                raise Invalid(_l("This delegation is cancelled already."))
            taken = (Delegation.update(cancelled_at=utcnow())
                     .where((Delegation.id == self.id) & Delegation.cancelled_at.is_null()).execute())
            if not taken:
                raise Invalid(_l("This delegation is cancelled already."))
            AuditEntry.record(by, "delegation.cancel", self, {"cancelled": [False, True]})
        return self
