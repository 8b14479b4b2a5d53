"""The company calendar: office hours that approval time limits count, and extra working days
(调休上班) an admin enters by hand."""
from peewee import *


def up(migrator, db):
    class WorkingDay(Model):
        day = DateField(unique=True)
        label = CharField(max_length=100, default="")

        class Meta:
            database = db
            table_name = "working_day"

    migrator.migrate(migrator.add_column("company_calendar", "office_hours",
                                         CharField(max_length=200, default="09:00-12:00, 13:00-18:00")))
    db.create_tables([WorkingDay])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("working_day"),
                     migrator.drop_column("company_calendar", "office_hours"))
