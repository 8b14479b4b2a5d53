"""A person's mobile number, for group robots to @: written as people write it, kept as eleven
digits, seen only by its owner and admins, audited without the number in full."""
import json

import pytest

from portal.accounts.models import User, mainland_mobile
from portal.audit import AuditEntry
from portal.db import Invalid


@pytest.mark.parametrize("typed, kept", [
    ("13800138000", "13800138000"), ("138 0013 8000", "13800138000"), ("138-0013-8000", "13800138000"),
    ("+86 138 0013 8000", "13800138000"), ("+8613800138000", "13800138000"), ("0086 19912345678", "19912345678"),
    ("86-15012345678", "15012345678"), ("（+86）17712345678", "17712345678"), ("  ", "")])
def test_a_mainland_mobile_is_kept_as_eleven_digits_however_it_was_written(typed, kept):
    assert mainland_mobile(typed) == kept


@pytest.mark.parametrize("typed", [
    "12800138000", "1380013800", "138001380001", "+85291234567", "+1 415 555 0100", "021-62345678",
    "1380013800O", "１３８００１３８０００", "+86 +86 13800138000", "13800138000; DROP TABLE user"])
def test_anything_but_a_mainland_mobile_is_refused_with_a_clear_reason(typed):
    with pytest.raises(Invalid) as refused:
        mainland_mobile(typed)
    assert refused.value.field == "mobile" and "11 digits" in str(refused.value.message)


def test_a_member_saves_their_number_and_sees_it_and_a_wrong_one_is_shown_back_with_the_reason(client, member):
    client.login(member)
    response = client.post("/settings/mobile", data={"mobile": "+86 138 0013 8000"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/settings")
    assert User.get_by_id(member.id).mobile == "13800138000"
    assert 'value="13800138000"' in client.get("/settings").get_data(as_text=True)
    refused = client.post("/settings/mobile", data={"mobile": "+1 415 555 0100"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "11 digits" in text and 'value="+1 415 555 0100"' in text
    assert User.get_by_id(member.id).mobile == "13800138000"
    assert client.post("/settings/mobile", data={"mobile": ""}).status_code == 303
    assert User.get_by_id(member.id).mobile == ""


def test_the_audit_row_masks_the_number(member):
    member.set_mobile(member, "13800138000")
    member.set_mobile(member, "13800138000")  # unchanged: no second row
    [entry] = AuditEntry.for_object(member).where(AuditEntry.action == "user.mobile")
    assert json.loads(entry.changes) == {"mobile": ["", "138****8000"]}


def test_an_admin_sees_a_persons_number_and_a_colleague_never_does(app, client, admin, member, make_user):
    member.set_mobile(member, "13800138000")
    client.login(admin)
    assert "13800138000" in client.get("/admin/users/%d" % member.id).get_data(as_text=True)
    colleague = app.test_client()
    colleague.login(make_user(department=member.department))
    assert "13800138000" not in colleague.get("/settings").get_data(as_text=True)
    assert colleague.get("/admin/users/%d" % member.id).status_code in (403, 404)
