"""Accounts at the service level: invitations, passwords, sessions, departments, the rate limit."""
import datetime
import json
from functools import partial

import pytest

from portal.accounts.models import Department, LoginAttempt, LoginSession, User
from portal.audit import AuditEntry
from portal.db import Invalid, utcnow
from portal.mail import OutboxMessage


def test_inviting_a_user_without_password_queues_a_welcome_mail_with_a_working_link(admin, make_department):
    sales = make_department("销售部", "Sales")
    user = User.invite(admin, " New.Person@Example.com ", "New Person", sales, "member")
    assert user.email == "new.person@example.com"
    assert user.password_hash is None
    mail = OutboxMessage.get(OutboxMessage.recipient_id == user.id)
    assert mail.template == "welcome"
    assert mail.to_address == "new.person@example.com"
    link = next(word for word in mail.body_text.split() if word.startswith("https://"))
    assert link.startswith("https://portal.example.test/password/set/")
    assert User.from_password_token(link.rsplit("/", 1)[1]) == user


def test_inviting_an_existing_email_is_refused_on_the_email_field(admin, member):
    with pytest.raises(Invalid) as refused:
        User.invite(admin, member.email.upper(), "Twin", None)
    assert refused.value.field == "email"


def test_a_set_password_link_works_once(member):
    token = member.password_token()
    assert User.from_password_token(token) == member
    member.set_password("a-brand-new-secret")
    assert User.from_password_token(token) is None


def test_a_set_password_link_expires_and_rejects_forgeries(member):
    token = member.password_token()
    assert User.from_password_token(token, max_age=-1) is None
    assert User.from_password_token(token[:-2] + "xx") is None
    assert User.from_password_token("not-a-token") is None


def test_a_password_change_ends_every_other_login_session(member):
    phone = LoginSession.start(member)
    laptop = LoginSession.start(member)
    member.set_password("another-secret-9", keep_session=laptop)
    assert LoginSession.user_for(phone) is None
    assert LoginSession.user_for(laptop) == member
    assert member.check_password("another-secret-9")


def test_each_session_finds_its_own_user_whole_from_the_statement_compiled_once(make_user):
    ada, bo = make_user(name="Ada", timezone="Europe/Berlin"), make_user(name="Bo", language="zh_CN")
    tokens = {LoginSession.start(ada): ada, LoginSession.start(bo): bo}
    for _ in range(2):
        for token, user in tokens.items():
            found = LoginSession.user_for(token)
            stored = User.get_by_id(user.id)
            assert found.__data__ == stored.__data__ and found.session_token == token
    assert LoginSession.user_for("not-a-session") is None


def test_deactivating_ends_sessions_keeps_history_and_frees_the_department_head(admin, make_user, make_department):
    department = make_department()
    head = make_user(department=department, head_of=True)
    token = LoginSession.start(head)
    head.deactivate(admin)
    assert LoginSession.user_for(token) is None
    assert Department.get_by_id(department.id).head is None
    assert User.get_by_id(head.id).active is False
    actions = [entry.action for entry in AuditEntry.for_object(head)]
    assert actions[0] == "user.deactivate" and "user.create" in actions


def test_an_admin_cannot_deactivate_themselves(admin):
    with pytest.raises(Invalid):
        admin.deactivate(admin)
    assert User.get_by_id(admin.id).active


def test_the_head_must_be_an_active_member_of_the_department(admin, make_user, make_department):
    sales, finance = make_department(), make_department()
    outsider = make_user(department=finance)
    with pytest.raises(Invalid) as refused:
        sales.update_details(admin, sales.name, "", outsider)
    assert refused.value.field == "head"
    insider = make_user(department=sales)
    sales.update_details(admin, sales.name, "", insider)
    assert Department.get_by_id(sales.id).head == insider


def test_a_department_head_cannot_be_moved_away_before_a_new_head_is_named(admin, make_user, make_department):
    sales, finance = make_department(), make_department()
    head = make_user(department=sales, head_of=True)
    with pytest.raises(Invalid):
        head.update_account(admin, department=finance)
    assert User.get_by_id(head.id).department == sales


def test_changes_are_audited_with_old_and_new_values(admin, member, make_department):
    other = make_department("采购部")
    member.update_account(admin, role="coordinator", department=other)
    entry = AuditEntry.for_object(member).first()
    assert entry.action == "user.update"
    assert entry.actor_name == admin.name
    changes = json.loads(entry.changes)
    assert changes["role"] == ["member", "coordinator"]
    assert changes["department"][1] == "采购部"


def test_an_update_that_changes_nothing_writes_no_audit_entry(admin, member):
    before = AuditEntry.select().count()
    member.update_account(admin, name=member.name, role=member.role)
    assert AuditEntry.select().count() == before


def test_a_failed_change_rolls_back_its_audit_entry_too(admin, make_department):
    make_department("财务部")
    before = AuditEntry.select().count()
    with pytest.raises(Invalid):
        Department.add(admin, "财务部")
    assert AuditEntry.select().count() == before


def test_failed_sign_ins_slow_down_then_lock_for_minutes(app):
    keys = ["email:x@example.com", "ip:10.0.0.1"]
    for _ in range(3):
        LoginAttempt.fail(keys)
    assert LoginAttempt.wait(keys) == 0
    LoginAttempt.fail(keys)
    assert 0 < LoginAttempt.wait(keys) <= 2
    for _ in range(6):
        LoginAttempt.fail(keys)
    assert LoginAttempt.wait(keys) > 14 * 60
    later = utcnow() + LoginAttempt.LOCK + datetime.timedelta(seconds=1)
    assert LoginAttempt.wait(keys, later) == 0


def test_an_office_address_tolerates_more_failures_than_one_account(app):
    office = ["ip:192.168.1.1"]
    for _ in range(10):
        LoginAttempt.fail(office)
    assert LoginAttempt.wait(office) == 0


def test_a_session_is_honoured_after_a_browser_update_but_not_from_another_kind_of_device(member):
    pixel = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile"
    token = LoginSession.start(member, pixel)
    assert LoginSession.user_for(token, pixel.replace("131.0.0.0", "132.0.6834.83")) == member
    assert LoginSession.user_for(token, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0.0.0") is None
    assert LoginSession.user_for(token, pixel) == member, "a refused copy does not end the owner's session"


def test_two_admins_adding_one_department_in_different_cases_at_once_make_one(admin, make_user, at_once):
    other = make_user(role="admin")
    for name in ("Quality", "Legal", "Logistics", "Security", "Training"):
        outcomes = at_once(partial(Department.add, admin, name), partial(Department.add, other, name.upper()))
        refused = [outcome for outcome in outcomes if isinstance(outcome, Invalid)]
        assert len(refused) == 1 and refused[0].field == "name"
        assert Department.select().where(Department.name.in_([name, name.upper()])).count() == 1
