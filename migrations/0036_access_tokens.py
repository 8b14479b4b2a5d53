"""Personal access tokens for the JSON API, and the number behind each person's calendar address."""
from peewee import *


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = "user"

    class AccessToken(Model):
        user = ForeignKeyField(User, on_delete="CASCADE")
        name = CharField(max_length=100)
        token_hash = CharField(max_length=64, unique=True)
        hint = CharField(max_length=12)
        can_write = BooleanField(default=False)
        created_at = DateTimeField()
        expires_at = DateTimeField(null=True)
        last_used_at = DateTimeField(null=True)
        revoked_at = DateTimeField(null=True)
        allowance_at = DoubleField(null=True)

        class Meta:
            database = db
            table_name = "access_token"

    db.create_tables([AccessToken])
    migrator.migrate(migrator.add_column("user", "feed_generation", IntegerField(default=0)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("user", "feed_generation"))
    db.execute_sql('DROP TABLE "access_token"')
