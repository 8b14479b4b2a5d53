"""Notification preferences and the company calendar."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.forms import Form
from portal.i18n import country_choices
from portal.notifications.events import CHANNELS, EVENTS
from portal.calendar import SUPPORTED_COUNTRIES

HOURS = [InputRequired(), NumberRange(min=0, max=23)]


def preferences_form(channels, formdata=None):
    """A form with one channel choice per event, filled with the person's current choices."""
    choices = [SelectChoice(key, label) for key, label in CHANNELS.items()]
    fields = {event: SelectField(spec.label, choices=choices, default=channels[event])
              for event, spec in EVENTS.items()}
    form_class = type("PreferencesForm", (Form,), fields)
    return form_class(formdata=formdata)


class CalendarForm(Form):
    country = SelectField(_l("Public holidays of"))
    quiet_start = IntegerField(_l("Quiet from (hour)"), validators=HOURS)
    quiet_end = IntegerField(_l("Quiet until (hour)"), validators=HOURS)
    digest_hour = IntegerField(_l("Weekly digest at (hour)"), validators=HOURS)
    stale_checkin_days = IntegerField(_l("Remind target owners after this many days without a check-in"),
                                      validators=[InputRequired(), NumberRange(min=1, max=180)])
    office_hours = StringField(_l("Office hours"), validators=[DataRequired(), Length(max=200)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = country_choices(SUPPORTED_COUNTRIES)


class DayForm(Form):
    """A closed day, or (with the prefix "working") an extra working day."""

    day = DateField(_l("Date"), validators=[DataRequired(message=_l("Enter a date as YYYY-MM-DD."))])
    label = StringField(_l("Why"), validators=[Optional(), Length(max=100)])
