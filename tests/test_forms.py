"""The base form's own parts: the select every portal form writes, and the rows people selects are read from."""
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wtforms import SelectChoice, SelectField, SelectMultipleField, widgets
from wtforms.validators import InputRequired, Optional

from portal import forms
from portal.accounts.models import User

TEXT = st.text(alphabet="ab中<>&'\" ", max_size=4)
VALUES = st.one_of(st.integers(-2, 3), TEXT, st.booleans())
LABELS = st.one_of(TEXT, st.none(), st.sampled_from([_l("— none —"), _l("No department")]))
GROUPS = st.sampled_from([None, "", "甲", "b<&>"])
CHOICES = st.lists(st.builds(SelectChoice, VALUES, LABELS, optgroup=GROUPS), max_size=6)
ATTRIBUTES = st.dictionaries(st.sampled_from(["class_", "data_people", "aria_invalid", "disabled"]),
                             st.one_of(TEXT, st.booleans()), max_size=2)


class Chooser(forms.Form):
    class Meta:
        csrf = False

    one = SelectField(coerce=str, validators=[InputRequired()])
    many = SelectMultipleField(coerce=str, validators=[Optional()])


@settings(max_examples=60, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
@given(choices=CHOICES, chosen=st.lists(VALUES, max_size=2), attributes=ATTRIBUTES,
       language=st.sampled_from(["zh_CN", "en"]))
def test_a_select_is_written_as_wtforms_writes_it(shared_app, choices, chosen, attributes, language):
    with shared_app.test_request_context(), force_locale(language):
        form = Chooser(data={"one": str(chosen[0]) if chosen else None, "many": [str(value) for value in chosen]})
        for field in (form.one, form.many):
            assert type(field.widget) is forms.Select
            field.choices = choices
            assert field(**attributes) == widgets.Select(multiple=field is form.many)(field, **attributes)


def test_a_select_of_tuples_is_left_to_wtforms(shared_app):
    with shared_app.test_request_context():
        field = Chooser().one
        field.choices = [("1", "<one>"), ("2", "two")]
        assert field() == widgets.Select()(field) == (
            '<select id="one" name="one" required><option value="1">&lt;one&gt;</option>'
            '<option value="2">two</option></select>')


def test_the_people_a_select_offers_are_the_directorys_in_its_order(make_user, make_department, admin):
    sales = make_department(name="销售部")
    for name, department in [("王芳", sales), ("李雷", False), ("王芳", False)]:
        make_user(name=name, department=department)
    make_user(name="韩梅梅", department=sales).deactivate(admin)
    condition = User.active | User.name.startswith("韩")
    assert list(User.listed(condition)) == [(u.id, u.name, u.department_id, u.active)
                                            for u in User.directory().where(condition)]
