"""Files kept in a project or attached to a task, a request or meeting minutes: versions, soft
deletion with 30 days to restore, the size limit, and what search finds them by."""
import datetime
import io
import logging

from flask import current_app
from flask_babel import lazy_gettext as _l
from peewee import JOIN, BigIntegerField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField, fn

from portal import jobs, search
from portal.accounts.models import User
from portal.audit import AuditEntry
from portal.db import BaseModel, Invalid, db, utcnow
from portal.files import intake, text
from portal.meetings.models import Meeting
from portal.projects.models import Project
from portal.requests.models import ResourceRequest
from portal.storage import TooLarge, storage
from portal.tasks.models import Task

RESTORABLE_FOR = datetime.timedelta(days=30)
DEFAULT_MAX_MB = 20
# Where a file can be kept: the URL's word for it, and the File column naming it.
PLACES = {"project": "project", "task": "task", "request": "request", "meeting": "meeting"}
log = logging.getLogger(__name__)


class FileSettings(BaseModel):
    """The admin's settings for files: one row."""
    max_mb = IntegerField(default=DEFAULT_MAX_MB)

    @classmethod
    def current(cls):
        return cls.select().first() or cls(max_mb=DEFAULT_MAX_MB)

    @staticmethod
    def largest_allowed():
        """No limit above the largest request the portal accepts (PORTAL_MAX_REQUEST_MB)."""
        return max(1, current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024) - 1)

    @classmethod
    def change(cls, by, max_mb):
        if not 1 <= max_mb <= cls.largest_allowed():
            raise Invalid(_l("Choose a size from 1 to %(n)d MB.", n=cls.largest_allowed()), "max_mb")
        with db.atomic():
            settings = cls.select().first() or cls.create(max_mb=DEFAULT_MAX_MB)
            before = settings.max_mb
            if before != max_mb:
                cls.update(max_mb=max_mb).where(cls.id == settings.id).execute()
                AuditEntry.record(by, "files.settings", settings, {"max_mb": [before, max_mb]})

    @property
    def max_bytes(self):
        return min(self.max_mb, self.largest_allowed()) * 1024 * 1024


class File(BaseModel):
    """A file as people know it: a name in a place, its versions behind it."""
    project = ForeignKeyField(Project, null=True, backref="files", on_delete="CASCADE")
    task = ForeignKeyField(Task, null=True, backref="files", on_delete="CASCADE")
    request = ForeignKeyField(ResourceRequest, null=True, backref="files", on_delete="CASCADE")
    meeting = ForeignKeyField(Meeting, null=True, backref="files", on_delete="CASCADE")
    name = CharField(max_length=intake.MAX_NAME)
    kind = CharField(max_length=10)
    size = BigIntegerField()
    versions_count = IntegerField(default=1)
    created_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow, index=True)
    deleted_at = DateTimeField(null=True, index=True)
    deleted_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")

    def __str__(self):
        return self.name

    @property
    def place(self):
        """The project, task, request or meeting the file is kept in."""
        return self.project or self.task or self.request or self.meeting

    @property
    def place_name(self):
        return next(name for name, column in PLACES.items() if getattr(self, column + "_id"))

    @property
    def deleted(self):
        return self.deleted_at is not None

    @property
    def kind_label(self):
        return intake.KINDS[self.kind][0]

    @property
    def is_image(self):
        return self.kind in intake.IMAGES

    def latest(self):
        return self.versions.order_by(FileVersion.number.desc()).first()

    def history(self):
        return (FileVersion.select(FileVersion, User)
                .join(User, JOIN.LEFT_OUTER, on=(FileVersion.uploaded_by == User.id))
                .where(FileVersion.file == self.id).order_by(FileVersion.number.desc()))

    def restorable_until(self):
        return self.deleted_at + RESTORABLE_FOR if self.deleted_at else None

    # -- lists -------------------------------------------------------------------------------

    @classmethod
    def kept_in(cls, place, deleted=False):
        """The files of a place, newest change first, with who added them."""
        column = getattr(cls, _column(place))
        condition = cls.deleted_at.is_null(False) if deleted else cls.deleted_at.is_null()
        return (cls.select(cls, User).join(User, JOIN.LEFT_OUTER, on=(cls.created_by == User.id))
                .where((column == place.id) & condition).order_by(cls.updated_at.desc(), cls.id.desc()))

    @classmethod
    def of_project_tasks(cls, project):
        """Files attached to the project's tasks, with their task."""
        return (cls.select(cls, Task, User).join(Task).switch(cls)
                .join(User, JOIN.LEFT_OUTER, on=(cls.created_by == User.id))
                .where((Task.project == project.id) & cls.deleted_at.is_null())
                .order_by(cls.updated_at.desc(), cls.id.desc()))

    @classmethod
    def storage_by_project(cls):
        """[(project, files, bytes in all versions kept, deleted ones until purged)], largest first."""
        owner = fn.COALESCE(cls.project, Task.project)
        rows = (FileVersion.select(owner.alias("project_id"), fn.COUNT(cls.id.distinct()).alias("files"),
                                   fn.SUM(FileVersion.size).alias("bytes"))
                .join(cls).join(Task, JOIN.LEFT_OUTER, on=(cls.task == Task.id)).group_by(owner).dicts())
        totals = {row["project_id"]: row for row in rows}
        projects = {p.id: p for p in Project.select().where(Project.id.in_([k for k in totals if k]))}
        return sorted(((projects.get(key), row["files"], row["bytes"]) for key, row in totals.items()),
                      key=lambda item: -item[2])

    # -- behaviours --------------------------------------------------------------------------

    @classmethod
    def upload(cls, by, place, upload):
        """Keep an upload (a werkzeug FileStorage) in `place`; refuse what is not an office file
        or is over the limit, with Invalid."""
        key, found, size = _take(upload)
        try:
            with db.atomic():
                _refuse_if_read_only(place)
                kept = cls.create(**{_column(place): place}, name=found.name, kind=found.kind, size=size,
                                  created_by=by)
                version = FileVersion.create(file=kept, number=1, key=key, name=found.name, kind=found.kind,
                                             size=size, uploaded_by=by)
                AuditEntry.record(by, "file.upload", kept, {"name": [None, found.name], "size": [None, size]})
                kept.index_for_search()
        except BaseException:
            storage().delete(key)
            raise
        version.after_upload()
        return kept

    def add_version(self, by, upload):
        """A newer version of the file; the older ones are kept, the latest is shown."""
        key, found, size = _take(upload)
        try:
            with db.atomic():
                self.refresh()
                if self.deleted:
                    raise Invalid(_l("This file was deleted; restore it first."), "upload")
                _refuse_if_read_only(self.place)
                number = self.versions_count + 1
                version = FileVersion.create(file=self, number=number, key=key, name=found.name, kind=found.kind,
                                             size=size, uploaded_by=by)
                before = (self.name, self.size)
                File.update(name=found.name, kind=found.kind, size=size, versions_count=number, updated_at=utcnow()
                            ).where(File.id == self.id).execute()
                self.refresh()
                AuditEntry.record(by, "file.version", self, {"version": [number - 1, number],
                                                             "name": [before[0], found.name],
                                                             "size": [before[1], size]})
                self.index_for_search()
        except BaseException:
            storage().delete(key)
            raise
        version.after_upload()
        return version

    def delete_softly(self, by):
        """Hide the file; its coordinator can restore it for RESTORABLE_FOR, then it is purged."""
        with db.atomic():
            taken = (File.update(deleted_at=utcnow(), deleted_by=by)
                     .where((File.id == self.id) & File.deleted_at.is_null()).execute())
            if not taken:
                raise Invalid(_l("This file was already deleted."))
            self.refresh()
            AuditEntry.record(by, "file.delete", self, {"deleted": [None, self.name]})
            search.remove(self.search_kind, self.id)

    def restore(self, by):
        with db.atomic():
            taken = (File.update(deleted_at=None, deleted_by=None)
                     .where((File.id == self.id) & (File.deleted_at >= utcnow() - RESTORABLE_FOR)).execute())
            if not taken:
                raise Invalid(_l("This file can no longer be restored."))
            self.refresh()
            AuditEntry.record(by, "file.restore", self, {"deleted": [self.name, None]})
            self.index_for_search()

    @classmethod
    def purge(cls, now=None):
        """Remove files deleted longer ago than RESTORABLE_FOR, their stored bytes once the rows are gone."""
        cutoff = (now or utcnow()) - RESTORABLE_FOR
        purged = 0
        for old in cls.select().where(cls.deleted_at < cutoff):
            with db.atomic():
                keys = [v.key for v in FileVersion.select(FileVersion.key).where(FileVersion.file == old.id)]
                keys += [v.preview_key for v in FileVersion.select(FileVersion.preview_key)
                         .where((FileVersion.file == old.id) & FileVersion.preview_key.is_null(False))]
                if not cls.delete().where((cls.id == old.id) & (cls.deleted_at < cutoff)).execute():
                    continue
                AuditEntry.record(None, "file.purge", old, {"deleted": [old.name, None]})
            for key in keys:
                storage().delete(key)
            purged += 1
        return purged

    # -- search --------------------------------------------------------------------------------

    @property
    def search_kind(self):
        return self.place_name + "_file"

    def search_document(self, place=None, text=None):
        """Found by its name and the text of its latest version (`place`, `text` save reading them)."""
        place = place if place is not None else self.place
        if text is None:
            text = (FileVersion.select(FileVersion.text).where(FileVersion.file == self.id)
                    .order_by(FileVersion.number.desc()).scalar() or "")
        keys = {"parent_id": place.id}
        if self.place_name == "project":
            keys["project_id"] = place.id
        elif self.place_name == "meeting":
            keys["series_id"] = place.series_id
        return dict(kind=self.search_kind, object_id=self.id, title=self.name, body=text, at=self.updated_at,
                    creator_id=self.created_by_id, **keys)

    def index_for_search(self):
        search.index(**self.search_document())


class FileVersion(BaseModel):
    file = ForeignKeyField(File, backref="versions", on_delete="CASCADE")
    number = IntegerField()
    # The storage key (portal.storage): made by the storage, never from the uploaded name.
    key = CharField(max_length=64, unique=True)
    name = CharField(max_length=intake.MAX_NAME)
    kind = CharField(max_length=10)
    size = BigIntegerField()
    uploaded_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    uploaded_at = DateTimeField(default=utcnow)
    # A re-encoded copy of an image, the only form in which an upload is ever shown inline.
    preview_key = CharField(max_length=64, null=True)
    preview_type = CharField(max_length=20, default="")
    text = TextField(default="")

    class Meta:
        indexes = ((("file", "number"), True),)

    @property
    def content_type(self):
        return intake.KINDS[self.kind][2]

    def after_upload(self):
        """What may take a while is done once the upload is stored: an image's preview here,
        the text of a document in a job."""
        if self.kind in intake.IMAGES:
            picture = intake.preview(lambda: storage().get(self.key))
            if picture is not None:
                preview_key = storage().put(io.BytesIO(picture.full), len(picture.full))
                FileVersion.update(preview_key=preview_key, preview_type=picture.content_type).where(
                    FileVersion.id == self.id).execute()
        elif self.kind in text.EXTRACTORS:
            extract_text(self.id)


@jobs.task()
def extract_text(version_id):
    """Read the text of a PDF, Word or Excel version (capped) and index it with its file."""
    version = FileVersion.get_or_none(FileVersion.id == version_id)
    if version is None:
        return
    try:
        with storage().get(version.key) as data:
            found = text.extract(version.kind, data)
    except Exception:  # a damaged or hostile document: it stays findable by its name
        log.warning("no text from file version %d", version_id, exc_info=True)
        return
    with db.atomic():
        FileVersion.update(text=found).where(FileVersion.id == version_id).execute()
        kept = File.get_or_none(File.id == version.file_id)
        if kept is not None and not kept.deleted and kept.versions_count == version.number:
            search.index(**kept.search_document(text=found))


def _column(place):
    name = type(place).__name__
    return {"Project": "project", "Task": "task", "ResourceRequest": "request", "Meeting": "meeting"}[name]


def _refuse_if_read_only(place):
    if isinstance(place, Project):
        place.refuse_if_archived(field="upload")
    elif isinstance(place, Task) and place.project_id:
        place.project.refuse_if_archived(field="upload")


def _take(upload):
    """Store an upload and examine it: (storage key, Intake, size); nothing kept when refused."""
    limit = FileSettings.current().max_bytes
    try:
        key = storage().put(upload.stream, limit)
    except TooLarge:
        raise Invalid(_l("This file is larger than %(n)d MB, the most the portal keeps. Make it smaller, or "
                         "split it.", n=limit // (1024 * 1024)), "upload") from None
    try:
        size = storage().size(key)
        if size == 0:
            raise Invalid(_l("This file is empty."), "upload")
        return key, intake.examine(upload.filename, lambda: storage().get(key)), size
    except BaseException:
        storage().delete(key)
        raise



@jobs.periodic_task(jobs.crontab(minute="37", hour="3"))
def purge_deleted_files():
    """Nightly: files deleted more than 30 days ago go for good."""
    return File.purge()
