"""The outbox: mail is written in the transaction of the change, then delivered by a job.

SMTP down means delayed, never lost: a message stays queued with back-off until it goes out.
Each message carries a Message-ID made from its outbox id, so a retry after a crash between
the SMTP hand-over and the "sent" mark is recognisable as the same message downstream.
"""
import base64
import datetime
import json
import re
import smtplib
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_mail import Attachment, BadHeaderError, Connection, Message
from peewee import CharField, DateTimeField, IntegerField, TextField

from portal import jobs
from portal.db import BaseModel, db, utcnow

# Both names, so the sender reads right in either language of the mail.
SENDER_NAME = "对齐 Duiqi"

MAX_ATTEMPTS = 20


class OutboxMessage(BaseModel):
    created_at = DateTimeField(default=utcnow)
    template = CharField(max_length=64)
    # What the mail is about ("meeting:12"), so a page can show delivery per recipient.
    ref = CharField(max_length=64, default="", index=True)
    recipient_id = IntegerField(null=True)
    to_address = CharField(max_length=254)
    language = CharField(max_length=10)
    subject = CharField(max_length=300)
    body_text = TextField()
    body_html = TextField()
    attachments = TextField(default="[]")
    state = CharField(max_length=10, default="queued", index=True)
    attempts = IntegerField(default=0)
    last_error = CharField(max_length=500, default="")
    next_attempt_at = DateTimeField(default=utcnow)
    claimed_at = DateTimeField(null=True)
    sent_at = DateTimeField(null=True)

    STATES = {"queued": _l("Queued"), "sending": _l("Sending"), "sent": _l("Sent"), "failed": _l("Failed")}

    def message_id(self):
        host = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
        return "<duiqi-outbox-%d@%s>" % (self.id, host)

    def resend(self):
        """Queue a failed (or sent) message again, keeping its Message-ID."""
        with db.atomic():
            (OutboxMessage.update(state="queued", next_attempt_at=utcnow(), last_error="")
             .where(OutboxMessage.id == self.id).execute())
        db.after_commit(deliver_outbox)

    @classmethod
    def recent(cls, state=None):
        query = cls.select().order_by(cls.id.desc())
        if state in cls.STATES:
            query = query.where(cls.state == state)
        return query

    @classmethod
    def counts(cls):
        from peewee import fn
        return {row.state: row.n for row in
                cls.select(cls.state, fn.COUNT(cls.id).alias("n")).group_by(cls.state)}


def queue(template, to, ref="", attachments=(), **context):
    """Render templates/email/<template>.{txt,html} in the recipient's language and queue it.

    `to` is a User (their address and language) or a bare address. Call it inside the
    transaction of the change that causes the mail; delivery starts once that commits.
    """
    address = getattr(to, "email", to)
    language = getattr(to, "mail_language", None) or current_app.config["DEFAULT_LOCALE"]
    with force_locale(language):
        context.setdefault("recipient", to)
        context.setdefault("base_url", current_app.config["BASE_URL"])
        text = render_template("email/%s.txt" % template, **context)
        html = render_template("email/%s.html" % template, **context)
    subject, _, body = text.partition("\n")
    message = OutboxMessage.create(
        template=template, ref=ref, recipient_id=getattr(to, "id", None), to_address=address,
        language=language, subject=_one_line(subject.removeprefix("Subject:"))[:300],
        body_text=body.lstrip("\n"), body_html=html,
        attachments=json.dumps([_encode(a) for a in attachments]))
    db.after_commit(deliver_outbox)
    return message


def sender():
    """The From of every mail: the configured address, named "对齐 Duiqi" if it has no name of its own."""
    name, address = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])
    return (name or SENDER_NAME, address)


def absolute_url(endpoint, **values):
    """A link for mail, built from PORTAL_BASE_URL, never from a request's Host header."""
    return _base_adapter().build(endpoint, values, force_external=True)


def _base_adapter():
    # Bound once per base address: the API writes a link into each of up to 200 items, and binding
    # cost as much as building.
    base_url = current_app.config["BASE_URL"]
    kept = current_app.extensions.get("absolute_url")
    if kept is None or kept[0] != base_url:
        base = urlsplit(base_url)
        kept = current_app.extensions["absolute_url"] = (
            base_url, current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme))
    return kept[1]


def deliver_due(now=None, batch=50):
    """Send what is due; return how many went out. Safe to run in several workers at once."""
    now = now or utcnow()
    stale = now - datetime.timedelta(seconds=current_app.config["MAIL_STALE_SECONDS"])
    (OutboxMessage.update(state="queued")
     .where((OutboxMessage.state == "sending") & (OutboxMessage.claimed_at < stale))
     .execute())
    due = (OutboxMessage.select(OutboxMessage.id)
           .where((OutboxMessage.state == "queued") & (OutboxMessage.next_attempt_at <= now))
           .order_by(OutboxMessage.id).limit(batch))
    sent = 0
    with _Transport() as transport:
        for row in list(due):
            message = _claim(row.id, now)
            if message is None:
                continue
            try:
                transport.send(message)
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, BadHeaderError,
                    ValueError) as exc:
                _record_failure(message, exc, permanent=True)
            except (OSError, smtplib.SMTPException) as exc:
                _record_failure(message, exc, permanent=False)
                break  # The server is down or refusing: leave the rest for the next run.
            else:
                (OutboxMessage.update(state="sent", sent_at=utcnow(), last_error="")
                 .where(OutboxMessage.id == message.id).execute())
                sent += 1
    return sent


@jobs.task()
def deliver_outbox():
    deliver_due()


@jobs.periodic_task(jobs.crontab(minute="*"))
def deliver_outbox_periodically():
    deliver_due()


def _claim(message_id, now):
    with db.atomic():
        claimed = (OutboxMessage
                   .update(state="sending", claimed_at=now, attempts=OutboxMessage.attempts + 1)
                   .where((OutboxMessage.id == message_id) & (OutboxMessage.state == "queued"))
                   .execute())
    return OutboxMessage.get_by_id(message_id) if claimed else None


def _record_failure(message, exc, permanent):
    error = ("%s: %s" % (type(exc).__name__, exc))[:500]
    give_up = permanent or message.attempts >= MAX_ATTEMPTS
    delay = datetime.timedelta(minutes=min(2 ** message.attempts, 60))
    (OutboxMessage.update(state="failed" if give_up else "queued", last_error=error,
                          next_attempt_at=utcnow() + delay)
     .where(OutboxMessage.id == message.id).execute())


class _Transport:
    """SMTP through Flask-Mail when MAIL_SERVER is set; otherwise .eml files in instance/mail/."""

    def __enter__(self):
        self.connection = None
        return self

    def send(self, message):
        msg = Message(subject=message.subject, recipients=[message.to_address],
                      body=message.body_text, html=message.body_html, sender=sender(),
                      # RFC 3834: written by the system, so no out-of-office reply comes back.
                      extra_headers={"Auto-Submitted": "auto-generated"})
        msg.msgId = message.message_id()
        for item in json.loads(message.attachments):
            msg.attachments.append(Attachment(item["filename"], item["content_type"],
                                              base64.b64decode(item["data"])))
        if not current_app.config["MAIL_SERVER"]:
            folder = Path(current_app.instance_path) / "mail"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / ("%06d-%s.eml" % (message.id, message.template))).write_bytes(msg.as_bytes())
            return
        if self.connection is None:
            self.connection = _TimedConnection(current_app.extensions["mail"]).__enter__()
        self.connection.send(msg)

    def __exit__(self, *exc):
        if self.connection is not None:
            try:
                self.connection.__exit__(None, None, None)
            except (OSError, smtplib.SMTPException):
                pass


class _TimedConnection(Connection):
    # Flask-Mail opens SMTP without a timeout: a server that accepts and then hangs would hold
    # the worker forever.
    def configure_host(self):
        smtp = smtplib.SMTP_SSL if self.mail.use_ssl else smtplib.SMTP
        host = smtp(self.mail.server, self.mail.port, timeout=current_app.config["MAIL_TIMEOUT"])
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


def _encode(attachment):
    filename, content_type, data = attachment
    return {"filename": filename, "content_type": content_type,
            "data": base64.b64encode(data).decode()}


def _one_line(text):
    return re.sub(r"\s+", " ", text).strip()
