"""Comments on a request (评论): anyone who may see it discusses it there; an @-named person hears
of it, only when they may see the request."""
from flask_babel import lazy_gettext as _l
from peewee import JOIN, DateTimeField, ForeignKeyField, TextField

from portal.accounts.models import User
from portal.audit import AuditEntry
from portal.db import BaseModel, Invalid, db, utcnow
from portal.permissions import can
from portal.projects.feed import mentioned_in
from portal.requests.models import ResourceRequest
from portal.requests.notices import request_path
from portal.notifications.models import notify

MAX_LENGTH = 5000


class RequestComment(BaseModel):
    request = ForeignKeyField(ResourceRequest, backref="comments", on_delete="CASCADE")
    author = ForeignKeyField(User, null=True, backref="request_comments", on_delete="SET NULL")
    body = TextField()
    created_at = DateTimeField(default=utcnow)

    @classmethod
    def on(cls, request):
        return (cls.select(cls, User).join(User, JOIN.LEFT_OUTER, on=(cls.author == User.id))
                .where(cls.request == request).order_by(cls.created_at, cls.id))

    @classmethod
    def post(cls, by, request, body):
        body = (body or "").strip()
        if not body:
            raise Invalid(_l("Write something first."), "body")
        if len(body) > MAX_LENGTH:
            raise Invalid(_l("Keep a comment under 5,000 characters."), "body")
        with db.atomic():
            comment = cls.create(request=request, author=by, body=body)
            people = User.select().where(User.active & (User.id != by.id))
            mentioned = [person for person in mentioned_in(body, people) if can(person, "view", request)]
            link = "%s#comment-%d" % (request_path(request), comment.id)
            for person in mentioned:
                notify(person, "mention", link=link, subject=request, actor=by.name, place=request.title)
            AuditEntry.record(by, "request.comment", request, {"mentions": [None, ", ".join(
                person.name for person in mentioned)]}, summary=body[:200])
        return comment
