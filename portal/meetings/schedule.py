"""The meetings' periodic jobs: every recurring series has its next meeting; participants and their
groups are reminded."""
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


def tell_groups_meetings_start(now=None):
    """Tell each meeting's group robots it starts soon; return how many messages were queued."""
    now = now or utcnow()
    return sum(len(meeting.tell_groups_it_starts(now)) for meeting in Meeting.starting_soon(now))


@jobs.periodic_task(jobs.crontab(minute="*"))
def tell_groups():
    tell_groups_meetings_start()


@jobs.periodic_task(jobs.crontab(minute="*/15"))
def plan_next_meetings():
    MeetingSeries.ensure_all_next_meetings()
