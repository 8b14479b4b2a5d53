"""The audit trail: who changed what, when, old → new; written in the transaction of the change."""
import datetime
import decimal
import enum
import json

from peewee import CharField, DateTimeField, IntegerField, TextField

from portal.db import BaseModel, PreparedQuery, db, utcnow


def _plain(value):
    """A JSON-safe, human-readable form of a field value."""
    if isinstance(value, BaseModel):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    return value


def apply_changes(obj, **values):
    """Set the given fields on obj; return {field: [old, new]} for those that really changed."""
    changes = {}
    for name, new in values.items():
        old = getattr(obj, name)
        if old != new:
            changes[name] = [_plain(old), _plain(new)]
            setattr(obj, name, new)
    return changes


class AuditEntry(BaseModel):
    at = DateTimeField(default=utcnow, index=True)
    # The actor's name is copied so the trail reads the same after a rename.
    actor_id = IntegerField(null=True, index=True)
    actor_name = CharField(max_length=200, default="")
    action = CharField(max_length=64)
    object_type = CharField(max_length=64)
    object_id = IntegerField(null=True)
    summary = CharField(max_length=500, default="")
    changes = TextField(default="{}")

    class Meta:
        indexes = ((("object_type", "object_id"), False),)

    @classmethod
    def record(cls, actor, action, obj, changes=None, summary=""):
        """Write one entry; call it inside the transaction that makes the change."""
        # The type itself: a proxy (flask_login's current_user) passes isinstance() for what it
        # wraps, and would be stored as "LocalProxy".
        if not issubclass(type(obj), BaseModel):
            raise TypeError("the audit names a model row, not %s" % type(obj).__name__)
        entry = cls(
            at=utcnow(),
            actor_id=actor.id if actor is not None else None,
            actor_name=actor.name if actor is not None else "",
            action=action,
            object_type=type(obj).__name__,
            object_id=obj.id,
            summary=summary[:500],
            changes=json.dumps(changes or {}, ensure_ascii=False),
        )
        rows = _WRITE(*(field.db_value(entry.__data__[field.name]) for field in _WRITTEN))
        entry.id = rows[0][0] if db.returning_clause else rows.cursor.lastrowid
        return entry

    @classmethod
    def for_object(cls, obj):
        return (cls.select()
                .where((cls.object_type == type(obj).__name__) & (cls.object_id == obj.id))
                .order_by(cls.at.desc(), cls.id.desc()))

    @property
    def change_list(self):
        return sorted(json.loads(self.changes).items())



# Every change writes one entry: compiling the INSERT took longer than running it.
_WRITTEN = [field for field in AuditEntry._meta.sorted_fields if field is not AuditEntry._meta.primary_key]


def _insert(*places):
    query = AuditEntry.insert(dict(zip(_WRITTEN, places, strict=True)))
    return query.returning(AuditEntry.id).tuples() if db.returning_clause else query


_WRITE = PreparedQuery(_insert, places=len(_WRITTEN))
