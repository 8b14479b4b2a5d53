"""Closed minutes keep who took part: a row (status "") for each participant never marked present,
absent or excused. Meetings closed before this learn their participants as the series has them now,
the nearest record there is."""
from peewee import *


def _models(db):
    class Base(Model):
        class Meta:
            database = db

    class User(Base):
        active = BooleanField()
        department_id = IntegerField(null=True)

        class Meta:
            table_name = "user"

    class MeetingSeries(Base):
        coordinator_id = IntegerField()

        class Meta:
            table_name = "meeting_series"

    class SeriesDepartment(Base):
        series_id = IntegerField()
        department_id = IntegerField()

        class Meta:
            table_name = "series_department"

    class SeriesPerson(Base):
        series_id = IntegerField()
        user_id = IntegerField()

        class Meta:
            table_name = "series_person"

    class Meeting(Base):
        series_id = IntegerField()
        state = CharField()

        class Meta:
            table_name = "meeting"

    class Attendance(Base):
        meeting_id = IntegerField()
        user_id = IntegerField()
        status = CharField()

        class Meta:
            table_name = "attendance"

    return User, MeetingSeries, SeriesDepartment, SeriesPerson, Meeting, Attendance


def up(migrator, db):
    User, MeetingSeries, SeriesDepartment, SeriesPerson, Meeting, Attendance = _models(db)
    named = SeriesPerson.select(SeriesPerson.user_id).where(SeriesPerson.series_id == Meeting.series_id)
    departments = (SeriesDepartment.select(SeriesDepartment.department_id)
                   .where(SeriesDepartment.series_id == Meeting.series_id))
    marked = Attendance.select(Attendance.id).where((Attendance.meeting_id == Meeting.id)
                                                    & (Attendance.user_id == User.id))
    missing = (Meeting.select(Meeting.id, User.id, Value(""))
               .join(MeetingSeries, on=(MeetingSeries.id == Meeting.series_id))
               .join(User, on=(User.active & (User.id.in_(named) | User.department_id.in_(departments)
                                              | (User.id == MeetingSeries.coordinator_id))))
               .where((Meeting.state == "closed") & ~fn.EXISTS(marked)))
    Attendance.insert_from(missing, [Attendance.meeting_id, Attendance.user_id, Attendance.status]).execute()


def down(migrator, db):
    *_, Attendance = _models(db)
    Attendance.delete().where(Attendance.status == "").execute()
