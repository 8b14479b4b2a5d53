"""The outbox without a mail server: written with the change, delivered as .eml files."""
import email
from pathlib import Path

import pytest

from portal import mail
from portal.accounts.models import User
from portal.db import db
from portal.mail import OutboxMessage


def test_mail_queued_in_a_rolled_back_transaction_is_never_sent(app, member):
    with pytest.raises(RuntimeError), db.atomic():
        mail.queue("set_password", member, link="https://x", user=member, invited_by=None)
        raise RuntimeError("the change failed")
    assert OutboxMessage.select().count() == 0
    assert not (Path(app.instance_path) / "mail").exists()


def test_without_a_mail_server_each_mail_becomes_an_eml_file(app, member):
    message = mail.queue("set_password", member, link="https://portal.example.test/p/1", user=member,
                         invited_by=None)
    stored = OutboxMessage.get_by_id(message.id)
    assert stored.state == "sent" and stored.attempts == 1
    files = list((Path(app.instance_path) / "mail").glob("*.eml"))
    assert len(files) == 1
    parsed = email.message_from_bytes(files[0].read_bytes())
    assert parsed["To"] == member.email
    assert parsed["Message-ID"] == "<duiqi-outbox-%d@portal.example.test>" % message.id
    kinds = {part.get_content_type() for part in parsed.walk()}
    assert {"text/plain", "text/html"} <= kinds


def test_mail_is_rendered_in_the_recipients_language(app, make_user):
    chinese = make_user(language="zh_CN")
    english = make_user(language="en")
    for user in (chinese, english):
        mail.queue("set_password", user, link="https://x", user=user, invited_by=None)
    subjects = {m.to_address: m.subject for m in OutboxMessage.select()}
    assert subjects[chinese.email] == "设置对齐密码的链接"
    assert subjects[english.email] == "A link to set your Duiqi password"


def test_user_content_is_escaped_in_html_mail(app, admin):
    user = User.invite(admin, "x@example.com", '<script>alert(1)</script>', None)
    html = OutboxMessage.get(OutboxMessage.recipient_id == user.id).body_html
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_links_in_mail_use_the_base_url_whatever_host_the_request_named(app, admin):
    with app.test_request_context("/admin/users/", method="POST", headers={"Host": "evil.example"}):
        User.invite(admin, "host@example.com", "Host", None)
    body = OutboxMessage.get(OutboxMessage.to_address == "host@example.com").body_text
    assert "https://portal.example.test/password/set/" in body
    assert "evil.example" not in body


def test_admins_see_failed_mail_and_can_queue_it_again(client, admin, member):
    message = mail.queue("set_password", member, link="https://x", user=member, invited_by=None)
    OutboxMessage.update(state="failed", last_error="SMTPRecipientsRefused: 550 no such user").where(
        OutboxMessage.id == message.id).execute()
    client.login(admin)
    page = client.get("/admin/outbox/?state=failed").get_data(as_text=True)
    assert "550 no such user" in page and member.email in page
    client.post("/admin/outbox/%d/resend" % message.id)
    assert OutboxMessage.get_by_id(message.id).state == "sent"
