"""The token owner's notifications, and marking one read."""
from flask import current_app
from flask_login import current_user

from portal.api import schemas
from portal.api.protocol import answer, api, operation, query
from portal.api.cursor import page
from portal.notifications.models import Notification
from portal.permissions import authorized

TAGS = ["notifications"]


@api.route("/notifications")
@operation(query=schemas.NotificationQuery, model=schemas.NotificationPage, tags=TAGS)
def notifications():
    """The owner's notifications not yet archived, newest first."""
    asked = query(schemas.NotificationQuery)
    found = Notification.listing(current_user, state="unread" if asked.unread else None)
    rows, cursor = page(found, [Notification.id], asked.cursor, asked.limit, descending=True)
    # Those about something the owner may no longer see are left out, as on the notifications page.
    rows = Notification.shown_to(current_user, rows)
    return answer(schemas.NotificationPage(items=[_notification(n) for n in rows], next_cursor=cursor))


@api.route("/notifications/<int:notification_id>/read", methods=["POST"])
@operation(model=schemas.Notification, answers=(403, 404), tags=TAGS)
def read(notification_id):
    found = authorized(Notification, notification_id, "read")
    Notification.mark_read(current_user, found.id)
    return answer(_notification(Notification.get_by_id(found.id)))


def _notification(n):
    link = current_app.config["BASE_URL"] + n.link if n.link.startswith("/") else n.link
    return schemas.Notification(id=n.id, event=n.event, level=n.level, text=n.text, link=link,
                                created_at=n.created_at, read_at=n.read_at)
