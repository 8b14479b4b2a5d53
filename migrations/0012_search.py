"""The search index: a document per searchable thing and the tokens it is found by."""
from peewee import *


def up(migrator, db):
    sqlite = isinstance(db, SqliteDatabase)

    class SearchDocument(Model):
        kind = CharField(max_length=20)
        object_id = IntegerField()
        title = TextField()
        body = TextField(default="")
        at = DateTimeField(index=True)
        parent_id = IntegerField(null=True)
        project_id = IntegerField(null=True, index=True)
        series_id = IntegerField(null=True)
        department_id = IntegerField(null=True)
        other_department_id = IntegerField(null=True)
        owner_id = IntegerField(null=True)
        creator_id = IntegerField(null=True)

        class Meta:
            database = db
            table_name = "search_document"
            indexes = ((("kind", "object_id"), True),)

    class SearchToken(Model):
        # Prefix lookups are ranges (token >= 'suppl' AND token < 'suppl' || U+10FFFF), which
        # need tokens ordered by code point: SQLite's BINARY does, PostgreSQL's "C" does, a
        # language's collation does not.
        token = TextField(collation=None if sqlite else '"C"')
        document = ForeignKeyField(SearchDocument, on_delete="CASCADE", index=False)

        class Meta:
            database = db
            table_name = "search_token"
            primary_key = CompositeKey("token", "document")
            indexes = ((("document", "token"), False),)
            # The primary key is the table: a rowid beside it would double its size.
            without_rowid = sqlite

    db.create_tables([SearchDocument, SearchToken])


def down(migrator, db):
    for table in ("search_token", "search_document"):
        migrator.migrate(migrator.drop_table(table))
