"""Departments, users, their login sessions and failed sign-in attempts."""
import datetime
import hashlib
import re
import secrets

from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from peewee import (JOIN, BooleanField, CharField, DateTimeField, DeferredForeignKey, ForeignKeyField,
                    IntegerField, IntegrityError, fn)
from werkzeug.security import check_password_hash, generate_password_hash

from portal import mail, search
from portal.audit import AuditEntry, apply_changes
from portal.db import BaseModel, Invalid, PreparedQuery, db, lock, utcnow

ROLES = {"admin": _l("Admin"), "coordinator": _l("Coordinator"), "member": _l("Member")}
INVITE_MAX_AGE = 7 * 24 * 3600
VERSION_NUMBERS = re.compile(r"\d+(?:[._]\d+)*")
# A mainland mobile number: 1, then 3–9, then nine digits; written with +86 / 0086 / 86 or not,
# with spaces or hyphens anywhere, as people copy it from a business card.
MAINLAND_MOBILE = re.compile(r"(?:\+?(?:00)?86)?(1[3-9][0-9]{9})")
# How far up the org chart an approval may climb.
MAX_LEVELS = 10


class Department(BaseModel):
    name = CharField(max_length=100, unique=True)
    name_en = CharField(max_length=100, default="")
    # Departments and users name each other; the head column is added after both tables exist.
    head = DeferredForeignKey("User", null=True, on_delete="SET NULL")

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        return self.name_for(get_locale(), self.name, self.name_en)

    @staticmethod
    def name_for(locale, name, name_en):
        """The name readers of `locale` know a department by, from its two names as stored."""
        return name_en if name_en and locale is not None and locale.language == "en" else name

    @classmethod
    def ordered(cls):
        return cls.select().order_by(cls.name)

    @classmethod
    def with_counts(cls):
        """Departments with their head and number of active members, in one query."""
        Head = User.alias()
        members = (User.select(fn.COUNT(User.id)).where((User.department == cls.id) & User.active))
        return (cls.select(cls, Head, members.alias("member_count"))
                .join(Head, join_type=JOIN.LEFT_OUTER, on=(cls.head == Head.id)).order_by(cls.name))

    def active_members(self):
        return self.members.where(User.active == True).order_by(User.name)  # noqa: E712

    @classmethod
    def find(cls, name):
        """A department by its Chinese or English name, ignoring case; None if there is none."""
        key = name.strip().lower()
        return cls.get_or_none((fn.lower(cls.name) == key) | (fn.lower(cls.name_en) == key))

    @classmethod
    def add(cls, by, name, name_en=""):
        with db.atomic():
            cls._refuse_taken(name)
            department = cls.create(name=name, name_en=name_en)
            AuditEntry.record(by, "department.create", department, {"name": [None, name]})
        return department

    def update_details(self, by, name, name_en, head):
        if head is not None and (head.department_id != self.id or not head.active):
            raise Invalid(_l("The head must be an active member of this department."), "head")
        with db.atomic():
            self.refresh()
            if name != self.name:
                self._refuse_taken(name)
            changes = apply_changes(self, name=name, name_en=name_en, head=head)
            if changes:
                self.save()
                AuditEntry.record(by, "department.update", self, changes)
                if changes.keys() & {"name", "name_en"}:
                    for member in self.members.where(User.active == True):  # noqa: E712
                        member.index_for_search(self)
        return changes

    @classmethod
    def _refuse_taken(cls, name):
        lock("department.name")  # unique whatever the case, which no index says
        if cls.select().where(fn.lower(cls.name) == name.lower()).exists():
            raise Invalid(_l("A department with this name already exists."), "name")


class User(BaseModel):
    email = CharField(max_length=254, unique=True)
    name = CharField(max_length=100)
    password_hash = CharField(max_length=255, null=True)
    department = ForeignKeyField(Department, null=True, backref="members", on_delete="RESTRICT")
    role = CharField(max_length=20, default="member")
    # Empty means: follow the browser's Accept-Language.
    language = CharField(max_length=10, default="")
    timezone = CharField(max_length=64, default="Asia/Shanghai")
    active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)
    password_changed_at = DateTimeField(null=True)
    # Eleven digits or empty. Seen only by its owner and admins (the permissions module's
    # "see_mobile"); group robots @ it so the owner's phone rings.
    mobile = CharField(max_length=11, default="")
    # The direct supervisor (直属主管): approvals can climb this chain, escalations follow it.
    supervisor = ForeignKeyField("self", null=True, backref="direct_reports", on_delete="SET NULL")
    # Raised to replace the person's secret calendar address (portal.accounts.tokens.feed_key).
    feed_generation = IntegerField(default=0)

    def __str__(self):
        return self.name

    # flask-login reads these; the id it stores is the login session's token (see portal.accounts.auth).
    is_authenticated = True
    is_anonymous = False
    session_token = None

    @property
    def is_active(self):
        return self.active

    def get_id(self):
        return self.session_token

    @property
    def is_admin(self):
        return self.role == "admin"

    @property
    def is_coordinator(self):
        return self.role == "coordinator"

    @property
    def heads(self):
        """The department this user heads, if any."""
        return self.department if self.department and self.department.head_id == self.id else None

    @property
    def role_label(self):
        return ROLES.get(self.role, self.role)

    @property
    def mail_language(self):
        return self.language or current_app.config["DEFAULT_LOCALE"]

    @classmethod
    def by_email(cls, email):
        return cls.get_or_none(cls.email == normalize_email(email))

    @classmethod
    def directory(cls, search=""):
        """All users with their department, for admin lists and pickers; `search` matches a name,
        an email or a department."""
        query = (cls.select(cls, Department).join(Department, join_type=JOIN.LEFT_OUTER, on=cls.department)
                 .order_by(cls.active.desc(), cls.name, cls.id))
        if search:
            query = query.where(cls.name.contains(search) | cls.email.contains(search)
                                | Department.name.contains(search) | Department.name_en.contains(search))
        return query

    @classmethod
    def listed(cls, condition):
        """(id, name, department id, active) of the people `condition` picks, in the directory's
        order: what a select of people offers, read without a model per person (the company's 300
        people and their departments as models took 14 ms of each form that offers them)."""
        return (cls.select(cls.id, cls.name, cls.department, cls.active).where(condition)
                .order_by(cls.active.desc(), cls.name, cls.id).tuples())

    # -- behaviours -------------------------------------------------------------------------

    @classmethod
    def named(cls, text):
        """The active person a spreadsheet cell names: by email, or by a name only one active
        person has; Invalid otherwise."""
        found = list(cls.select().where(cls.active & ((fn.lower(cls.email) == text.lower()) | (cls.name == text)))
                     .limit(2))
        if not found:
            raise Invalid(_l("Nobody active is called or has the email “%(text)s”.", text=text))
        if len(found) > 1:
            raise Invalid(_l("More than one person is called “%(text)s”; give the email instead.", text=text))
        return found[0]

    @classmethod
    def invite(cls, by, email, name, department=None, role="member", language="", timezone=None,
               password=None):
        """Create an account; without a password, mail the new user a link to set one."""
        email = normalize_email(email)
        with db.atomic():
            if cls.select().where(cls.email == email).exists():
                raise Invalid(_l("An account with this email already exists."), "email")
            user = cls(email=email, name=name, department=department, role=role, language=language,
                       timezone=timezone or current_app.config["DEFAULT_TIMEZONE"])
            if password:
                user.password_hash = _hash(password)
                user.password_changed_at = utcnow()
            try:
                user.save()
            except IntegrityError:
                raise Invalid(_l("An account with this email already exists."), "email") from None
            AuditEntry.record(by, "user.create", user, {
                "email": [None, email], "role": [None, role],
                "department": [None, str(department) if department else None]})
            user.index_for_search(department)
            if not password:
                user.send_password_link(by, welcome=True)
        return user

    def supervisors(self, levels=MAX_LEVELS):
        """The chain of supervisors above this person, nearest first, at most `levels` long."""
        chain, person = [], self
        while person.supervisor_id and len(chain) < levels:
            person = person.supervisor
            if person.id == self.id or person in chain:
                break  # a circle the database was given by other means than set_supervisor
            chain.append(person)
        return chain

    def set_supervisor(self, by, supervisor):
        """Name this person's direct supervisor (直属主管), or None; what an import of the org
        chart calls for each person."""
        return self.update_account(by, supervisor=supervisor)

    def update_account(self, by, **values):
        """Admin edits: name, role, department, supervisor."""
        with db.atomic():
            self.refresh()
            if "department" in values and self.department_id and self.department.head_id == self.id \
                    and values["department"] != self.department:
                raise Invalid(_l("This user heads their department; name another head first."),
                              "department")
            if values.get("supervisor") is not None and values["supervisor"].id != self.supervisor_id:
                self._check_supervisor(values["supervisor"])
            changes = apply_changes(self, **values)
            if changes:
                self.save()
                AuditEntry.record(by, "user.update", self, changes)
                if self.active:
                    self.index_for_search()
        return changes

    def _check_supervisor(self, supervisor):
        if supervisor.id == self.id:
            raise Invalid(_l("Nobody is their own supervisor."), "supervisor")
        if not supervisor.active:
            raise Invalid(_l("Choose someone who can still sign in."), "supervisor")
        if self in supervisor.supervisors(levels=1000):
            raise Invalid(_l("%(name)s reports to %(person)s already, directly or further down: that would make "
                             "a circle.", name=supervisor.name, person=self.name), "supervisor")

    def update_preferences(self, language, timezone):
        with db.atomic():
            self.refresh()
            changes = apply_changes(self, language=language, timezone=timezone)
            if changes:
                self.save()
                AuditEntry.record(self, "user.preferences", self, changes)
        return changes

    def set_mobile(self, by, number):
        """Keep `number` (any usual way of writing a mainland mobile) as eleven digits; empty removes it."""
        with db.atomic():
            self.refresh()
            changes = apply_changes(self, mobile=mainland_mobile(number))
            if changes:
                self.save()
                # The audit trail is read by admins only, yet says no more than it must.
                AuditEntry.record(by, "user.mobile", self,
                                  {"mobile": [masked_mobile(value) for value in changes["mobile"]]})
        return changes

    def deactivate(self, by):
        from portal.accounts.tokens import AccessToken  # the tokens' module imports this one
        if by.id == self.id:
            raise Invalid(_l("You cannot deactivate your own account."))
        with db.atomic():
            self.refresh()
            changes = apply_changes(self, active=False)
            if changes:
                self.save()
                # Whoever this user headed is left without a head rather than with an inactive one.
                Department.update(head=None).where(Department.head == self).execute()
                LoginSession.end_all(self)
                # Dead for good: reactivating the account does not wake a forgotten script.
                AccessToken.revoke_all(self)
                AuditEntry.record(by, "user.deactivate", self, changes)
                search.remove("person", self.id)

    def reactivate(self, by):
        with db.atomic():
            self.refresh()
            changes = apply_changes(self, active=True)
            if changes:
                self.save()
                AuditEntry.record(by, "user.reactivate", self, changes)
                self.index_for_search()

    def search_document(self, department=None):
        """Colleagues are found by name, email and department (`department`, when known, saves reading it)."""
        department = department if department is not None else self.department
        names = [department.name, department.name_en] if department is not None else []
        return dict(kind="person", object_id=self.id, title=self.name, body=" ".join([self.email, *names]),
                    at=self.created_at, department_id=self.department_id)

    def index_for_search(self, department=None):
        search.index(**self.search_document(department))

    def check_password(self, password):
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def set_password(self, password, keep_session=None):
        """Change the password and end every login session but `keep_session`."""
        password_hash = _hash(password)  # Slow on purpose: not while holding the write lock.
        with db.atomic():
            self.refresh()
            self.password_hash = password_hash
            self.password_changed_at = utcnow()
            self.save()
            LoginSession.end_all(self, keep=keep_session)
            AuditEntry.record(self, "user.password", self, summary="password changed")

    def send_password_link(self, by, welcome=False):
        """Queue the set-password mail; return the link so an admin can pass it on by hand."""
        link = mail.absolute_url("accounts.set_password", token=self.password_token())
        with db.atomic():
            mail.queue("welcome" if welcome else "set_password", self, link=link, user=self,
                       invited_by=by)
            if not welcome:
                AuditEntry.record(by, "user.password_link", self, summary="set-password link sent")
        return link

    def password_token(self):
        return _token_serializer().dumps({"u": self.id, "p": self._password_fingerprint()})

    @classmethod
    def from_password_token(cls, token, max_age=INVITE_MAX_AGE):
        """The user a set-password link belongs to; None once expired, used or forged."""
        try:
            data = _token_serializer().loads(token, max_age=max_age)
        except (BadSignature, UnicodeError, ValueError):
            return None
        if not isinstance(data, dict):
            return None
        user = cls.get_or_none(cls.id == data.get("u"))
        if user is None or not user.active or data.get("p") != user._password_fingerprint():
            return None
        return user

    def _password_fingerprint(self):
        # Changes with every password, so a link works once.
        return hashlib.sha256((self.password_hash or "unset").encode()).hexdigest()[:16]


def mainland_mobile(text):
    """`text` as an eleven-digit mainland mobile number, "" for nothing; Invalid for anything else."""
    compact = re.sub(r"[\s\-()（）]", "", text or "")
    if not compact:
        return ""
    match = MAINLAND_MOBILE.fullmatch(compact)
    if match is None:
        raise Invalid(_l("Enter a mainland mobile number: 11 digits starting with 13–19, with or without +86."),
                      "mobile")
    return match.group(1)


def masked_mobile(number):
    return "%s****%s" % (number[:3], number[-4:]) if number else ""


class LoginSession(BaseModel):
    """One signed-in browser. Its token (hashed here) is what the cookie carries."""

    user = ForeignKeyField(User, backref="login_sessions", on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    created_at = DateTimeField(default=utcnow)
    last_seen = DateTimeField(default=utcnow)
    user_agent = CharField(max_length=200, default="")

    IDLE_LIMIT = datetime.timedelta(days=30)
    TOUCH_EVERY = datetime.timedelta(minutes=5)

    @classmethod
    def start(cls, user, user_agent=""):
        token = secrets.token_urlsafe(32)
        cls.create(user=user, token_hash=_digest(token), user_agent=user_agent[:200])
        return token

    @staticmethod
    def device(user_agent):
        """What stays the same about a browser between its updates: its user agent without version
        numbers ("Chrome/131.0.0.0" and "Chrome/132.0.0.0" are one device)."""
        return VERSION_NUMBERS.sub("", user_agent or "")

    @classmethod
    def user_for(cls, token, user_agent=""):
        """The active user a session token belongs to, with the token set; None when it has ended or
        the token comes from another kind of device than the one that signed in (a copied cookie).
        The address is not compared: a phone changes it whenever it moves between networks."""
        if not token or not isinstance(token, str):
            return None
        row = next(iter(_SIGNED_IN(_digest(token))), None)
        if row is None or cls.device(row.user_agent) != cls.device(user_agent[:200]):
            return None
        now = utcnow()
        if now - row.last_seen > cls.IDLE_LIMIT:
            row.delete_instance()
            return None
        if now - row.last_seen > cls.TOUCH_EVERY:
            cls.update(last_seen=now).where(cls.id == row.id).execute()
        user = row.user
        user.session_token = token
        return user

    @classmethod
    def end(cls, token):
        if token:
            cls.delete().where(cls.token_hash == _digest(token)).execute()

    @classmethod
    def purge(cls, now=None):
        """Forget sessions idle past the limit; a returning cookie would be refused anyway."""
        return cls.delete().where(cls.last_seen < (now or utcnow()) - cls.IDLE_LIMIT).execute()

    @classmethod
    def end_all(cls, user, keep=None):
        query = cls.delete().where(cls.user == user)
        if keep:
            query = query.where(cls.token_hash != _digest(keep))
        query.execute()


class LoginAttempt(BaseModel):
    """A failed sign-in, counted per account and per address to slow down guessing."""

    key = CharField(max_length=300, index=True)
    at = DateTimeField(default=utcnow)

    WINDOW = datetime.timedelta(minutes=30)
    # (free failures, failures that lock) per kind of key; an office shares one address.
    LIMITS = {"email": (3, 10), "ip": (20, 60)}
    LOCK = datetime.timedelta(minutes=15)

    @classmethod
    def wait(cls, keys, now=None):
        """Seconds to wait before another try, for the strictest of the keys; 0 if none."""
        now = now or utcnow()
        since = now - cls.WINDOW
        rows = (cls.select(cls.key, fn.COUNT(cls.id).alias("n"), fn.MAX(cls.at).alias("last"))
                .where(cls.key.in_(keys) & (cls.at > since)).group_by(cls.key).dicts())
        wait = 0
        for row in rows:
            free, lock = cls.LIMITS[row["key"].split(":", 1)[0]]
            last = row["last"]
            if isinstance(last, str):
                last = datetime.datetime.fromisoformat(last)
            if row["n"] >= lock:
                until = last + cls.LOCK
            elif row["n"] > free:
                until = last + datetime.timedelta(seconds=2 ** (row["n"] - free))
            else:
                continue
            wait = max(wait, (until - now).total_seconds())
        return int(wait + 0.999) if wait > 0 else 0

    @classmethod
    def fail(cls, keys):
        with db.atomic():
            cls.insert_many([{"key": key} for key in keys]).execute()

    @classmethod
    def forget(cls, key):
        cls.delete().where(cls.key == key).execute()

    @classmethod
    def purge(cls, now=None):
        return cls.delete().where(cls.at < (now or utcnow()) - cls.WINDOW).execute()


def normalize_email(email):
    return (email or "").strip().lower()


def _hash(password):
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


# Asked by every signed-in request: compiling it cost more than running it.
_SIGNED_IN = PreparedQuery(lambda digest: LoginSession.select(
    LoginSession.id, LoginSession.last_seen, LoginSession.user_agent, User).join(User).where(
    (LoginSession.token_hash == digest) & (User.active == True)).limit(1), places=1)  # noqa: E712


def _digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def _token_serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="set-password")
