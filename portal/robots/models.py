"""Channels (group robots and webhooks), what each hears, and the messages queued for them."""
import uuid
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from portal.audit import AuditEntry, apply_changes
from portal.db import BaseModel, Invalid, db, utcnow
from portal.robots import transport
from portal.robots.platforms import KINDS

KIND_LABELS = {"wecom": _l("WeCom (企业微信) group robot"), "dingtalk": _l("DingTalk (钉钉) group robot"),
               "feishu": _l("Feishu (飞书) group robot"), "webhook": _l("Webhook (JSON, signed)")}
SCOPES = ("company", "project", "series", "department")
LANGUAGES = {"zh_CN": "简体中文", "en": "English"}
EVENTS = {
    "minutes.closed": _l("Minutes closed: decisions and action items"),
    "target.at_risk": _l("A target turns at risk or off track"),
    "task.priority": _l("A new P0/P1, or a priority raised on another department's work"),
    "request.waiting": _l("A request waiting past half its time limit"),
    "request.escalated": _l("A request escalated"),
    "request.decided": _l("A request decided"),
    "meeting.starting": _l("A meeting starts in 15 minutes"),
    "digest.weekly": _l("Monday's project digest"),
}
# What a channel of each scope can hear (portal.robots.Where says why: a meeting's minutes and
# reminders are for its participants, a request for its two departments), and what a new one
# hears unless its creator chooses.
SCOPE_EVENTS = {
    "company": ("target.at_risk", "task.priority", "digest.weekly"),
    "project": ("target.at_risk", "task.priority", "digest.weekly"),
    "series": ("minutes.closed", "meeting.starting"),
    "department": tuple(EVENTS),
}
DEFAULT_EVENTS = {
    "company": ("target.at_risk", "task.priority", "digest.weekly"),
    "project": ("target.at_risk", "task.priority", "digest.weekly"),
    "series": ("minutes.closed", "meeting.starting"),
    "department": ("minutes.closed", "target.at_risk", "task.priority", "request.waiting", "request.escalated",
                   "request.decided", "digest.weekly"),
}


class Channel(BaseModel):
    name = CharField(max_length=100)
    kind = CharField(max_length=16)
    # The address is a credential too (企业微信 key, 钉钉 access_token, 飞书 hook token): never shown whole.
    url = TextField()
    secret = CharField(max_length=200, default="")
    scope_kind = CharField(max_length=16)
    scope_id = IntegerField(null=True)
    language = CharField(max_length=10, default="zh_CN")
    events = TextField(default="")  # ",minutes.closed,target.at_risk," — commas around each
    active = BooleanField(default=True)
    created_by_id = IntegerField(null=True)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    # Touched when a delivery is claimed: on PostgreSQL the row lock keeps two workers from
    # both sending a channel's twentieth message of the minute.
    last_attempt_at = DateTimeField(null=True)
    # The ISO week ("2026-W48") of the last weekly digest queued here.
    digest_week = CharField(max_length=8, default="")

    class Meta:
        indexes = ((("scope_kind", "scope_id"), False),)

    def __str__(self):
        return self.name

    @property
    def kind_label(self):
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def event_set(self):
        return [event for event in self.events.split(",") if event]

    @property
    def event_labels(self):
        return [EVENTS[event] for event in self.event_set if event in EVENTS]

    @property
    def masked_url(self):
        return mask(self.url)

    @classmethod
    def of_scope(cls, scope_kind, scope_id=None):
        return cls.select().where((cls.scope_kind == scope_kind) & (cls.scope_id == scope_id)).order_by(cls.name)

    @classmethod
    def add(cls, by, *, name, kind, url, secret="", scope_kind, scope_id=None, language="zh_CN", events=None):
        events = DEFAULT_EVENTS[scope_kind] if events is None else events
        values = _checked(kind=kind, url=url, secret=secret, scope_kind=scope_kind, language=language,
                          events=events, name=name)
        with db.atomic():
            channel = cls.create(scope_id=scope_id, created_by_id=getattr(by, "id", None), **values)
            AuditEntry.record(by, "channel.create", channel, {
                "name": [None, channel.name], "kind": [None, kind], "scope": [None, channel.scope_label()],
                "url": [None, channel.masked_url], "secret": [None, "set" if secret else "not set"],
                "language": [None, language], "events": [None, ", ".join(channel.event_set)]})
        return channel

    def update_settings(self, by, *, name, language, events, active, url="", secret="", clear_secret=False):
        """Change what the form shows; an empty `url` or `secret` keeps the stored one."""
        with db.atomic():
            self.refresh()
            new_secret = "" if clear_secret else (secret or self.secret)
            values = _checked(kind=self.kind, url=url or self.url, secret=new_secret, scope_kind=self.scope_kind,
                              language=language, events=events, name=name)
            old_url, old_secret = self.url, self.secret
            changes = apply_changes(self, name=values["name"], language=language, events=values["events"],
                                    active=active)
            if "events" in changes:
                changes["events"] = [", ".join(_split(value)) for value in changes["events"]]
            # The audit trail says that the address or the secret changed, never what they are.
            if values["url"] != old_url:
                self.url = values["url"]
                changes["url"] = [mask(old_url), mask(self.url)]
            if new_secret != old_secret:
                self.secret = new_secret
                changes["secret"] = ["set" if old_secret else "not set",
                                     "changed" if new_secret else "removed"]
            if changes:
                self.updated_at = utcnow()
                self.save()
                AuditEntry.record(by, "channel.update", self, changes)
        return changes

    def remove(self, by):
        with db.atomic():
            self.refresh()
            AuditEntry.record(by, "channel.delete", self, {"name": [self.name, None]},
                              summary="%s · %s" % (self.kind, self.scope_label()))
            self.delete_instance(recursive=True)

    def claim_digest(self, week):
        """Mark `week`'s digest as this channel's, once: False when it already had it. Call it in
        the transaction that queues the digest, so the mark and the message commit together."""
        return bool(Channel.update(digest_week=week)
                    .where((Channel.id == self.id) & (Channel.digest_week != week)).execute())

    def scope_label(self):
        return self.scope_kind if self.scope_id is None else "%s:%d" % (self.scope_kind, self.scope_id)

    def test_messages(self, message_id):
        """The test message `message_id` of this channel, as a list (empty when there is none)."""
        if message_id is None:
            return []
        return list(self.messages.where((RobotMessage.id == message_id) & (RobotMessage.event == "test")))

    def recent_messages(self, limit=10):
        return self.messages.order_by(RobotMessage.id.desc()).limit(limit)


class RobotMessage(BaseModel):
    """One request to a channel, rendered when queued, delivered by the job in portal.robots.delivery."""

    channel = ForeignKeyField(Channel, backref="messages", on_delete="CASCADE")
    created_at = DateTimeField(default=utcnow)
    event = CharField(max_length=40)
    ref = CharField(max_length=64, default="", index=True)  # what it is about, e.g. "meeting:12"
    delivery = CharField(max_length=36, default=lambda: str(uuid.uuid4()), unique=True)
    body = TextField()
    state = CharField(max_length=10, default="queued")
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(default=utcnow)
    claimed_at = DateTimeField(null=True)
    sent_at = DateTimeField(null=True)
    reason = CharField(max_length=32, default="")  # a code of REASONS, for the last try
    answer = CharField(max_length=500, default="")  # the start of the platform's last answer

    class Meta:
        indexes = ((("state", "next_attempt_at"), False), (("channel", "claimed_at"), False))

    STATES = {"queued": _l("Queued"), "sending": _l("Sending"), "sent": _l("Sent"), "failed": _l("Failed")}

    @property
    def state_label(self):
        return self.STATES.get(self.state, self.state)

    @property
    def reason_text(self):
        return REASONS.get(self.reason, self.reason)


REASONS = {
    "wrong_key": _l("The robot's address is wrong, or the robot was removed from its group."),
    "bad_signature": _l("The signature does not match: check the secret (加签 / 签名校验)."),
    "keyword_missing": _l("The robot only takes messages containing its keyword: add the keyword, or switch "
                          "the robot's security setting to signing."),
    "ip_not_allowed": _l("The robot does not take messages from this server's IP address."),
    "rate_limited": _l("The platform limits how often this robot may send: the message waits and goes later."),
    "too_long": _l("The platform found the message too long."),
    "bad_request": _l("The platform refused the message as malformed or too long."),
    "unreachable": _l("The address could not be reached; the message will be tried again."),
    "timeout": _l("The address did not answer within 5 seconds; the message will be tried again."),
    "server_error": _l("The platform had an error; the message will be tried again."),
    "unknown_host": _l("The address's host name was not found; the message will be tried again."),
    "internal_address": _l("Refused by the network rule: the address leads into the internal network. An "
                           "administrator may allow it with PORTAL_WEBHOOK_ALLOW_NETWORKS."),
    "https_only": _l("Refused by the network rule: only https addresses may be reached."),
    "bad_url": _l("This is not a valid http(s) address."),
    "certificate": _l("The address's certificate is not valid for its name."),
    "redirect": _l("The address answered with a redirect, which is never followed."),
    "http_refused": _l("The receiver refused the message."),
    "unexpected_answer": _l("The answer is not what this platform sends: is the address of the chosen platform?"),
    "platform_error": _l("The platform refused the message; see its answer."),
}


def mask(url):
    """An address without its credential: scheme, host and the start of the path."""
    parts = urlsplit(url)
    path = parts.path.rsplit("/", 1)[0] if parts.path.count("/") > 1 else ""
    return "%s://%s%s/…" % (parts.scheme, parts.netloc.rsplit("@", 1)[-1], path)


def _split(events):
    return [event for event in events.split(",") if event]


def _checked(*, kind, url, secret, scope_kind, language, events, name):
    if kind not in KINDS:
        raise Invalid(_l("Choose a platform."), "kind")
    if scope_kind not in SCOPES:
        raise Invalid(_l("Choose where the channel belongs."))
    name = " ".join((name or "").split())
    if not name:
        raise Invalid(_l("Give the channel a name, such as the group's."), "name")
    try:
        transport.check_url(url)
    except transport.Refused:
        raise Invalid(_l("Enter the robot's full address, starting with https://."), "url") from None
    if kind == "webhook" and not secret:
        raise Invalid(_l("A webhook needs a secret to sign its messages with."), "secret")
    if language not in LANGUAGES:
        raise Invalid(_l("Choose a language."), "language")
    unknown = set(events) - set(SCOPE_EVENTS[scope_kind])
    if unknown:
        raise Invalid(_l("This channel cannot hear that."), "events")
    ordered = [event for event in SCOPE_EVENTS[scope_kind] if event in set(events)]
    return {"name": name[:100], "kind": kind, "url": url, "secret": secret, "scope_kind": scope_kind,
            "language": language, "events": "," + ",".join(ordered) + "," if ordered else ""}
