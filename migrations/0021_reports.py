"""Weekly and daily reports: each department"s plan, the reports, their asks for help and comments."""
import datetime

from peewee import *


def _utcnow():
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def up(migrator, db):
    class Department(Model):
        class Meta:
            database = db
            table_name = "department"

    class User(Model):
        class Meta:
            database = db
            table_name = "user"

    class Report(Model):
        author = ForeignKeyField(User, on_delete="RESTRICT")
        department = ForeignKeyField(Department, null=True, on_delete="SET NULL")
        cadence = CharField(max_length=10)
        period_start = DateField()
        due_at = DateTimeField(null=True)
        sections = TextField(default="[]")
        state = CharField(index=True, max_length=10, default="draft")
        late = BooleanField(default=False)
        version = IntegerField(default=1)
        copy = CharField(max_length=32, default="")
        created_at = DateTimeField(default=_utcnow)
        updated_at = DateTimeField(default=_utcnow)
        submitted_at = DateTimeField(index=True, null=True)

        class Meta:
            database = db
            table_name = "report"
            indexes = ((("author", "cadence", "period_start"), True), (("department", "period_start"), False))
    db.create_tables([Report])

    class ReportComment(Model):
        report = ForeignKeyField(Report, on_delete="CASCADE")
        author = ForeignKeyField(User, null=True, on_delete="SET NULL")
        body = TextField()
        created_at = DateTimeField(default=_utcnow)

        class Meta:
            database = db
            table_name = "report_comment"
    db.create_tables([ReportComment])

    class ReportHelp(Model):
        report = ForeignKeyField(Report, on_delete="CASCADE")
        department = ForeignKeyField(Department, null=True, on_delete="CASCADE")
        person = ForeignKeyField(User, null=True, on_delete="CASCADE")
        what = CharField(max_length=300)
        created_at = DateTimeField(default=_utcnow)
        sent_at = DateTimeField(index=True, null=True)
        given_at = DateTimeField(null=True)
        given_by = ForeignKeyField(User, null=True, on_delete="SET NULL")

        class Meta:
            database = db
            table_name = "report_help"
    db.create_tables([ReportHelp])

    class ReportPlan(Model):
        department = ForeignKeyField(Department, unique=True, on_delete="CASCADE")
        active = BooleanField(default=True)
        cadence = CharField(max_length=10, default="weekly")
        due_weekday = IntegerField(default=4)
        due_time = TimeField(default=datetime.time(18, 0))
        sections = TextField(default="[]")
        updated_at = DateTimeField(default=_utcnow)

        class Meta:
            database = db
            table_name = "report_plan"
    db.create_tables([ReportPlan])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("report_plan"), migrator.drop_table("report_help"),
                     migrator.drop_table("report_comment"), migrator.drop_table("report"))
