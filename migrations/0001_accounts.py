"""Departments, users, login sessions and attempts, the audit trail and the mail outbox."""
from peewee import *


def up(migrator, db):
    class UserRef(Model):
        class Meta:
            database = db
            table_name = "user"

    class Department(Model):
        name = CharField(unique=True, max_length=100)
        name_en = CharField(max_length=100, default="")
        # Department and user refer to each other. SQLite accepts a reference to a table not
        # created yet; elsewhere the constraint is added once "user" exists.
        if isinstance(db, SqliteDatabase):
            head = ForeignKeyField(UserRef, null=True, on_delete="SET NULL")
        else:
            head = IntegerField(null=True, index=True, column_name="head_id")

        class Meta:
            database = db
            table_name = "department"

    class User(Model):
        email = CharField(unique=True, max_length=254)
        name = CharField(max_length=100)
        password_hash = CharField(null=True)
        department = ForeignKeyField(Department, null=True, on_delete="RESTRICT")
        role = CharField(max_length=20, default="member")
        language = CharField(max_length=10, default="")
        timezone = CharField(max_length=64, default="Asia/Shanghai")
        active = BooleanField(default=True)
        created_at = DateTimeField()
        password_changed_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "user"

    class LoginSession(Model):
        user = ForeignKeyField(User, on_delete="CASCADE")
        token_hash = CharField(unique=True, max_length=64)
        created_at = DateTimeField()
        last_seen = DateTimeField()
        user_agent = CharField(max_length=200, default="")

        class Meta:
            database = db
            table_name = "login_session"

    class LoginAttempt(Model):
        key = CharField(index=True, max_length=300)
        at = DateTimeField()

        class Meta:
            database = db
            table_name = "login_attempt"

    class AuditEntry(Model):
        at = DateTimeField(index=True)
        actor_id = IntegerField(index=True, null=True)
        actor_name = CharField(max_length=200, default="")
        action = CharField(max_length=64)
        object_type = CharField(max_length=64)
        object_id = IntegerField(null=True)
        summary = CharField(max_length=500, default="")
        changes = TextField(default="{}")

        class Meta:
            database = db
            table_name = "audit_entry"
            indexes = ((("object_type", "object_id"), False),)

    class OutboxMessage(Model):
        created_at = DateTimeField()
        template = CharField(max_length=64)
        ref = CharField(index=True, max_length=64, default="")
        recipient_id = IntegerField(null=True)
        to_address = CharField(max_length=254)
        language = CharField(max_length=10)
        subject = CharField(max_length=300)
        body_text = TextField()
        body_html = TextField()
        attachments = TextField(default="[]")
        state = CharField(index=True, max_length=10, default="queued")
        attempts = IntegerField(default=0)
        last_error = CharField(max_length=500, default="")
        next_attempt_at = DateTimeField()
        claimed_at = DateTimeField(null=True)
        sent_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "outbox_message"

    db.create_tables([Department, User, LoginSession, LoginAttempt, AuditEntry, OutboxMessage])
    if not isinstance(db, SqliteDatabase):
        migrator.migrate(migrator.add_foreign_key_constraint(
            "department", "head_id", "user", "id", on_delete="SET NULL"))


def down(migrator, db):
    if not isinstance(db, SqliteDatabase):
        migrator.migrate(migrator.drop_foreign_key_constraint("department", "head_id"))
    for table in ("outbox_message", "audit_entry", "login_attempt", "login_session", "user", "department"):
        migrator.migrate(migrator.drop_table(table))
