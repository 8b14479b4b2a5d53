"""Forms of an approver handing their seat over (转交), adding another approver (加签) or delegating
all their approvals while away (委托)."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.accounts.models import Department, User
from portal.forms import Form
from portal.requests.forms import DecisionForm

REASON = [DataRequired(_l("Say why.")), Length(max=2000)]


def colleagues(leave_out=()):
    """Active people to pick from, grouped by department, without `leave_out` (ids)."""
    return [SelectChoice(0, _l("— choose —"))] + [
        SelectChoice(u.id, u.name, optgroup=u.department.display_name if u.department_id else None)
        for u in User.directory().where(User.active & User.id.not_in(list(leave_out)))
        .order_by(Department.name, User.name)]


class HandOverForm(Form):
    """转交: whom the seat goes to, and why."""

    to = SelectField(_l("Pass it on to"), coerce=int, validate_choice=False)
    comment = TextAreaField(_l("Why (they see it)"), REASON)

    def __init__(self, *args, leave_out=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.to.choices = colleagues(leave_out)

    def chosen(self):
        return User.get_or_none(User.id == self.to.data)


class AddApproverForm(HandOverForm):
    """加签: whom to add, before or after me, and why."""

    where = RadioField(_l("They decide"), default="before", choices=[
        SelectChoice("before", _l("Before me: the step waits for them first")),
        SelectChoice("after", _l("After me: a step of their own after mine"))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.to.label.text = _l("Add")



class DelegationForm(Form):
    """委托: to whom, and which days."""

    delegate = SelectField(_l("Delegate to"), coerce=int, validate_choice=False)
    starts_on = DateField(_l("First day"), [DataRequired(_l("Give the first day."))])
    ends_on = DateField(_l("Last day"), [DataRequired(_l("Give the last day."))])
    reason = StringField(_l("Why (optional, e.g. on leave)"), [Optional(), Length(max=200)])

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.delegate.choices = colleagues([user.id])

    def chosen(self):
        return User.get_or_none(User.id == self.delegate.data)


class ReturnForm(DecisionForm):
    """退回: to the requester (0), or to an earlier step of this round (退回到指定节点)."""

    to_step = IntegerField(_l("Send it back to"), [Optional()], default=0)


class RevokeForm(Form):
    """撤销: why the approved request should be undone."""

    comment = TextAreaField(_l("Why it should be revoked"), REASON)
