"""Every mail template, filled with hostile user content and queued during a request whose Host
header lies: the HTML part shows the content escaped, no header can be injected, and every link
points at PORTAL_BASE_URL."""
import email
import re
from pathlib import Path

import pytest

from portal import mail
from portal.accounts.models import User
from portal.config import PROJECT_ROOT
from portal.db import db
from portal.mail import OutboxMessage

HOSTILE = ("<script>alert(1)</script> \"><img src=x onerror=alert(1)> [click](javascript:alert(1)) "
           "<a href=\"javascript:alert(1)\">x</a>\r\nBcc: victim@example.com")
# Live markup, not its escaped text (which may well quote `href="javascript:` harmlessly).
RAW_MARKUP = re.compile(r"<script>|<img src=x onerror|<a\b[^<>]*\shref=[\"']?javascript:")
BASE_URL = "https://portal.example.test"


def _password_mail(recipient):
    return {"user": recipient, "invited_by": recipient,
            "link": mail.absolute_url("accounts.set_password", token="sample-token")}


def _notification_mail(recipient):
    from portal.notifications.models import notify
    notification = notify(recipient, "mention", link="/notifications/", actor=HOSTILE, place=HOSTILE)
    return {"notification": notification, "preferences": mail.absolute_url("notifications.preferences")}


def _digest_mail(recipient):
    return {"sections": [(HOSTILE, [{"text": HOSTILE, "link": "/notifications/", "note": HOSTILE}])],
            "week": "2026-W48", "preferences": mail.absolute_url("notifications.preferences")}


def _minutes_mail(recipient):
    import datetime

    from portal.db import utcnow
    from portal.meetings.models import MeetingSeries
    series, meeting = MeetingSeries.plan(
        recipient, departments=[], people=[recipient], day=utcnow().date() + datetime.timedelta(days=7),
        start_time=datetime.time(10, 0), timezone="Asia/Shanghai", recurring=True, title=HOSTILE[:100],
        coordinator=recipient, duration_minutes=60, location=HOSTILE[:100], video_link="", reminder_minutes=60)
    decision = meeting.record_decision(recipient, HOSTILE)
    action = meeting.assign_action(recipient, HOSTILE, recipient, datetime.date(2030, 1, 1))
    topic = meeting.add_agenda_item(recipient, "other", HOSTILE[:300])
    topic.write_notes(recipient, HOSTILE, version=0)
    from portal.meetings.models import ATTENDANCE, AgendaItem
    return {"meeting": meeting, "decisions": [decision], "actions": [(recipient, [action])], "targets": [],
            "link": mail.absolute_url("meetings.show", meeting_id=meeting.id), "following": None,
            "notes": [AgendaItem.get_by_id(topic.id)], "attendance": [(recipient, "present")],
            "attendance_choices": ATTENDANCE}


# How to fill each template in templates/email/; a new template fails the test until it has one.
# Build links the way the code does (mail.absolute_url), inside the lying request.
CONTEXTS = {
    "set_password": _password_mail,
    "welcome": _password_mail,
    "notification": _notification_mail,
    "digest": _digest_mail,
    "minutes": _minutes_mail,
}
TEMPLATES = sorted(path.stem for path in (PROJECT_ROOT / "templates" / "email").glob("*.txt")
                   if not path.stem.startswith("_"))


def test_every_mail_template_has_a_hostile_context():
    assert set(TEMPLATES) == set(CONTEXTS), "add the new template to CONTEXTS"


@pytest.mark.parametrize("language", ["en", "zh_CN"])
@pytest.mark.parametrize("template", TEMPLATES)
def test_user_content_in_mail_is_escaped_and_links_use_the_base_url(app, template, language, security_report):
    recipient = User.invite(None, "hostile-%s@example.com" % language, HOSTILE[:100], language=language,
                            password="not-used-1")
    with app.test_request_context("/", headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"}):
        with db.atomic():
            message = mail.queue(template, recipient, **CONTEXTS[template](recipient))
    stored = OutboxMessage.get_by_id(message.id)
    html = stored.body_html
    assert not RAW_MARKUP.search(html)
    assert "&lt;script&gt;" in html, "the hostile name is shown, escaped"
    assert "\n" not in stored.subject and "\r" not in stored.subject
    links = re.findall(r'<a\b[^<>]*\shref="([^"]*)"', html) + re.findall(r"https?://\S+", stored.body_text)
    assert links and all(link.startswith(BASE_URL + "/") for link in links), links
    delivered = list((Path(app.instance_path) / "mail").glob("*.eml"))
    assert len(delivered) == 1
    parsed = email.message_from_bytes(delivered[0].read_bytes())
    assert parsed["Bcc"] is None and parsed.get_all("To") == [recipient.email]
    assert b"evil.example" not in delivered[0].read_bytes()
    security_report["mail: templates x languages rendered with hostile content"] += 1
