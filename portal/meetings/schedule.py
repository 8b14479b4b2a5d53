"""The meetings' periodic jobs: every recurring series has its next meeting; participants are reminded."""
from portal import jobs
from portal.db import db, utcnow
from portal.meetings.models import Meeting, MeetingSeries


def send_reminders(now=None):
    """Remind the participants of each meeting whose reminder time has come; return how many meetings."""
    now = now or utcnow()
    due = Meeting.due_for_reminder(now)
    for meeting in due:
        with db.atomic():
            meeting.remind(now)
    return len(due)


@jobs.periodic_task(jobs.crontab(minute="*/5"))
def remind_participants():
    send_reminders()


@jobs.periodic_task(jobs.crontab(minute="*/15"))
def plan_next_meetings():
    MeetingSeries.ensure_all_next_meetings()
