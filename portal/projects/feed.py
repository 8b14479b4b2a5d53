"""The updates feed of a project: short posts with photos and @mentions, newest first."""
import re
import secrets

from flask_babel import lazy_gettext as _l
from peewee import JOIN, PREFETCH_TYPE, CharField, DateTimeField, ForeignKeyField, IntegerField, Load, TextField

from portal import search
from portal.accounts.models import Department, User
from portal.audit import AuditEntry
from portal.db import BaseModel, Invalid, db, utcnow
from portal.notifications.models import notify
from portal.projects import photos
from portal.projects.models import Project, names
from portal.storage import storage


class ProjectUpdate(BaseModel):
    project = ForeignKeyField(Project, backref="updates", on_delete="CASCADE")
    author = ForeignKeyField(User, backref="updates", on_delete="RESTRICT")
    body = TextField(default="")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("project", "id"), False),)

    PAGE_SIZE = 10
    MAX_LENGTH = 5000
    MAX_PHOTOS = 6

    @classmethod
    def _with_details(cls, query):
        # Photos and mentions by the updates' ids, not by the updates' query again inside theirs,
        # and of whoever is mentioned the name only.
        mentions = Mention.select(Mention, User.id, User.name).join(User)
        return (query.select_extend(User, Department).join_from(cls, User, on=(cls.author == User.id))
                .join_from(User, Department, JOIN.LEFT_OUTER)
                .with_related(Load(ProjectUpdate.photos, strategy=PREFETCH_TYPE.MATERIALIZE),
                              Load(ProjectUpdate.mentions, mentions, strategy=PREFETCH_TYPE.MATERIALIZE)))

    @classmethod
    def feed(cls, project, before=None):
        """A page of the project's updates, newest first, older than the update `before`, and
        whether older ones remain."""
        query = cls.select().where(cls.project == project.id)
        if before:
            query = query.where(cls.id < before)
        rows = list(cls._with_details(query.order_by(cls.id.desc()).limit(cls.PAGE_SIZE + 1)))
        for row in rows:
            row.project = project  # asked of each update (may it be deleted?), and already in hand
        return rows[:cls.PAGE_SIZE], len(rows) > cls.PAGE_SIZE

    @classmethod
    def latest_for(cls, user, limit=5):
        query = (cls.select(cls, Project).join(Project).where(Project.visibility_for(user))
                 .order_by(cls.id.desc()).limit(limit))
        return cls._with_details(query)

    @classmethod
    def post(cls, by, project, body, pictures=()):
        """Post text and already checked photos (photos.Picture); mentions are stored with it."""
        body = (body or "").strip()
        if not body and not pictures:
            raise Invalid(_l("Write something or add a photo."), "body")
        if len(body) > cls.MAX_LENGTH:
            raise Invalid(_l("Keep an update under 5,000 characters."), "body")
        if len(pictures) > cls.MAX_PHOTOS:
            raise Invalid(_l("Add at most %(n)d photos to one update.", n=cls.MAX_PHOTOS), "photos")
        written = []
        try:
            with db.atomic():
                project.refuse_if_archived()
                update = cls.create(project=project, author=by, body=body)
                for picture in pictures:
                    token = secrets.token_urlsafe(18)
                    written += picture.store(token)
                    Photo.create(project_update=update, token=token, extension=picture.extension,
                                 content_type=picture.content_type, width=picture.width, height=picture.height,
                                 thumb_width=picture.thumb_width, thumb_height=picture.thumb_height,
                                 byte_size=len(picture.full))
                mentioned = [person for person in mentioned_in(body, project.audience()) if person.id != by.id]
                if mentioned:
                    Mention.insert_many([{"project_update": update, "user": p} for p in mentioned]).execute()
                link = "%s#update-%d" % (project.path(), update.id)
                for person in mentioned:
                    notify(person, "mention", link=link, subject=update, actor=by.name, place=project.name)
                AuditEntry.record(by, "update.post", update, summary=body[:200], changes={
                    "photos": [None, len(pictures)], "mentions": [None, names(mentioned)]})
                if body:
                    search.index(**update.search_document())
        except BaseException:
            for key in written:
                storage().delete(key)
            raise
        return update

    def search_document(self):
        return dict(kind="project_update", object_id=self.id, title="", body=self.body, at=self.created_at,
                    project_id=self.project_id, creator_id=self.author_id)

    def withdraw(self, by):
        """Delete the update with its photos and mentions. The files go once the deletion is stored:
        a deletion that fails keeps an update whose photos still show."""
        pictures = list(self.photos)
        with db.atomic():
            self.project.refuse_if_archived()
            AuditEntry.record(by, "update.delete", self, summary=self.body[:200], changes={
                "body": [self.body, None], "photos": [len(pictures), None]})
            self.delete_instance()  # its photos and mentions with it (ON DELETE CASCADE)
            search.remove("project_update", self.id)
        for picture in pictures:
            for thumb in (False, True):
                storage().delete(picture.key(thumb))


def mentioned_in(text, people):
    """The people named as @name or @email-name in text; the longest name wins at each @."""
    handles = sorted(((handle.lower(), person) for person in people
                      for handle in {person.name, person.email.split("@")[0]} if handle),
                     key=lambda pair: -len(pair[0]))
    found = {}
    lowered = text.lower()
    # An @ right after a letter or digit is part of an email address, not a mention.
    for match in re.finditer(r"(?<![a-z0-9_.])@", lowered):
        start = match.end()
        for handle, person in handles:
            end = start + len(handle)
            if lowered.startswith(handle, start) and not re.match(r"[a-z0-9_]", lowered[end:end + 1]):
                found.setdefault(person.id, person)
                break
    return list(found.values())


class Photo(BaseModel):
    project_update = ForeignKeyField(ProjectUpdate, backref="photos", on_delete="CASCADE")
    # Random, and the storage key of both sizes: nothing the uploader typed names a file or a header.
    token = CharField(max_length=40, unique=True)
    extension = CharField(max_length=5)
    content_type = CharField(max_length=20)
    width = IntegerField()
    height = IntegerField()
    thumb_width = IntegerField()
    thumb_height = IntegerField()
    byte_size = IntegerField()
    created_at = DateTimeField(default=utcnow)

    @classmethod
    def for_permissions(cls):
        # The view rule reads the project of the update the photo belongs to.
        return cls.select(cls, ProjectUpdate, Project).join(ProjectUpdate).join(Project)

    def key(self, thumb=False):
        return photos.stored_as(self.token, thumb)

    @property
    def download_name(self):
        return "photo-%d.%s" % (self.id, self.extension)


class Mention(BaseModel):
    project_update = ForeignKeyField(ProjectUpdate, backref="mentions", on_delete="CASCADE")
    user = ForeignKeyField(User, backref="mentions", on_delete="CASCADE")

    class Meta:
        indexes = ((("project_update", "user"), True),)
