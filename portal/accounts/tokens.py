"""Personal access tokens for the JSON API, and each person's secret calendar address.

A token is shown once, when made; only its SHA-256 is kept (it carries 256 random bits, so a
slow hash would add nothing). It dies when revoked, when it expires, or with its account. A
password change leaves tokens alone: scripts keep working, and the settings page shows every
token with its last use, so one its owner did not make stands out.
"""
import datetime
import hashlib
import secrets

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, Signer
from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField

from portal import allowance
from portal.accounts.models import User
from portal.audit import AuditEntry
from portal.db import BaseModel, Invalid, PreparedQuery, db, utcnow

PREFIX = "dq_"
# Lifetimes offered when making a token, in days; None never expires.
LIFETIMES = (30, 90, 365, None)
MAX_LIVE_TOKENS = 20
USE_NOTED_EVERY = datetime.timedelta(minutes=1)


class AccessToken(BaseModel):
    user = ForeignKeyField(User, backref="access_tokens", on_delete="CASCADE")
    name = CharField(max_length=100)
    token_hash = CharField(max_length=64, unique=True)
    # The first characters of the token, so its owner can tell which script holds which.
    hint = CharField(max_length=12)
    can_write = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField(null=True)
    last_used_at = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)

    def __str__(self):
        return self.name

    def expired(self, now=None):
        return self.expires_at is not None and self.expires_at <= (now or utcnow())

    @classmethod
    def live_of(cls, user):
        """The user's tokens that have not been revoked, newest first (expired ones included)."""
        return (cls.select().where((cls.user == user) & cls.revoked_at.is_null())
                .order_by(cls.created_at.desc(), cls.id.desc()))

    @classmethod
    def issue(cls, by, user, name, can_write=False, days=90):
        """Make a token for `user`; return (token, the secret to show once)."""
        name = " ".join((name or "").split())
        if not name:
            raise Invalid(_l("Name the token after what will use it, for example “finance export”."), "name")
        if len(name) > 100:
            raise Invalid(_l("Keep the name under 100 characters."), "name")
        if days not in LIFETIMES:
            raise Invalid(_l("Choose how long the token lasts from the list."), "days")
        if not user.active:
            raise Invalid(_l("A deactivated account cannot have access tokens."))
        secret = PREFIX + secrets.token_urlsafe(32)
        now = utcnow()
        with db.atomic():
            if cls.live_of(user).count() >= MAX_LIVE_TOKENS:
                raise Invalid(_l("You have %(n)d tokens already; revoke one you no longer use first.",
                                 n=MAX_LIVE_TOKENS), "name")
            token = cls.create(user=user, name=name, token_hash=_digest(secret), hint=secret[:7],
                               can_write=can_write, created_at=now,
                               expires_at=now + datetime.timedelta(days=days) if days else None)
            AuditEntry.record(by, "token.create", token, {
                "name": [None, name], "access": [None, "read-write" if can_write else "read-only"],
                "expires_at": [None, token.expires_at.isoformat() if token.expires_at else None]},
                summary="for %s" % user.email)
        return token, secret

    @classmethod
    def holder(cls, secret, now=None):
        """The live token a secret belongs to, with its active user; None for anything else."""
        if not isinstance(secret, str) or not secret.startswith(PREFIX) or len(secret) > 100:
            return None
        now = cls.expires_at.db_value(now or utcnow())
        return next(iter(_HOLDER(_digest(secret), now)), None)

    def spend(self, per_minute, now):
        """Take one request from the token's allowance (portal.allowance) and note the use.
        Returns 0 when the request may go ahead, else the seconds until it may."""
        wait = allowance.spend("token:%d" % self.id, per_minute, now.replace(tzinfo=datetime.UTC).timestamp())
        if not wait:
            self._note_use(now)
        return wait

    def _note_use(self, now):
        # Once a minute at most: the settings page shows the minute, and a write per request is
        # what the allowance was moved off the database to spare. Conditional, so that of a
        # token's requests arriving together in several workers one writes.
        since = now - USE_NOTED_EVERY
        if self.last_used_at is None or self.last_used_at <= since:
            (AccessToken.update(last_used_at=now)
             .where((AccessToken.id == self.id)
                    & (AccessToken.last_used_at.is_null() | (AccessToken.last_used_at <= since))).execute())
            self.last_used_at = now

    def revoke(self, by):
        with db.atomic():
            revoked = (AccessToken.update(revoked_at=utcnow())
                       .where((AccessToken.id == self.id) & AccessToken.revoked_at.is_null()).execute())
            if revoked:
                AuditEntry.record(by, "token.revoke", self, {"name": [self.name, None]},
                                  summary="of %s" % self.user.email)
        return bool(revoked)

    @classmethod
    def revoke_all(cls, user):
        """End every token of `user` (their account is being deactivated); call inside its transaction."""
        return (cls.update(revoked_at=utcnow())
                .where((cls.user == user) & cls.revoked_at.is_null()).execute())


# Asked by every request of the API: compiling it cost more than running it.
_HOLDER = PreparedQuery(lambda digest, now: AccessToken.select(AccessToken, User).join(User).where(
    (AccessToken.token_hash == digest) & AccessToken.revoked_at.is_null()
    & (AccessToken.expires_at.is_null() | (AccessToken.expires_at > now)) & (User.active == True)).limit(1),  # noqa: E712
    places=2)


def _digest(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


# -- the calendar address -------------------------------------------------------------------------
# The address carries the person's id signed with the application's secret and the number of
# times they asked for a new one: nothing secret is stored, and a new address ends the old.

def feed_key(user):
    return _feed_signer(user).sign(str(user.id)).decode()


def feed_owner(key):
    """The active user whose current calendar address carries `key`; None for anything else."""
    user_id, _, _ = (key or "").partition(".")
    if not user_id.isdigit() or len(user_id) > 18:
        return None
    user = User.get_or_none((User.id == int(user_id)) & (User.active == True))  # noqa: E712
    if user is None:
        return None
    try:
        _feed_signer(user).unsign(key)
    except BadSignature:
        return None
    return user


def new_feed_key(user):
    """Replace the user's calendar address: every copy of the old one stops working."""
    with db.atomic():
        User.update(feed_generation=User.feed_generation + 1).where(User.id == user.id).execute()
        user.feed_generation = User.select(User.feed_generation).where(User.id == user.id).scalar()
        AuditEntry.record(user, "user.calendar_address", user, summary="calendar address replaced")
    return feed_key(user)


def _feed_signer(user):
    salt = "calendar-feed:%d" % user.feed_generation
    return Signer(current_app.config["SECRET_KEY"], salt=salt, digest_method=hashlib.sha256)
