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
RAW_MARKUP = ("<script>", "<img src=x onerror", 'href="javascript:', "href='javascript:")
BASE_URL = "https://portal.example.test"


def _password_mail(recipient):
    return {"user": recipient, "invited_by": recipient,
            "link": mail.absolute_url("accounts.set_password", token="sample-token")}


# How to fill each template in templates/email/; a new template fails the test until it has one.
# Build links the way the code does (mail.absolute_url), inside the lying request.
CONTEXTS = {
    "set_password": _password_mail,
    "welcome": _password_mail,
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
    assert not [marker for marker in RAW_MARKUP if marker in html]
    assert "&lt;script&gt;" in html, "the hostile name is shown, escaped"
    assert "\n" not in stored.subject and "\r" not in stored.subject
    links = re.findall(r'href="([^"]*)"', html) + re.findall(r"https?://\S+", stored.body_text)
    assert links and all(link.startswith(BASE_URL + "/") for link in links), links
    delivered = list((Path(app.instance_path) / "mail").glob("*.eml"))
    assert len(delivered) == 1
    parsed = email.message_from_bytes(delivered[0].read_bytes())
    assert parsed["Bcc"] is None and parsed.get_all("To") == [recipient.email]
    assert b"evil.example" not in delivered[0].read_bytes()
    security_report["mail: templates x languages rendered with hostile content"] += 1
