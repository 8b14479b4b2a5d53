"""Adding a channel, and changing what it hears."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.forms import Form
from portal.robots.models import EVENTS, KIND_LABELS, LANGUAGES, SCOPE_EVENTS


class _Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class _ChannelForm(Form):
    name = StringField(_l("Name"), validators=[InputRequired(_l("Give the channel a name, such as the group's.")),
                                               Length(max=100)])
    language = SelectField(_l("Language of its messages"), choices=[SelectChoice(k, v) for k, v in LANGUAGES.items()])
    events = _Checkboxes(_l("What it hears"), validate_choice=False)
    secret = PasswordField(_l("Secret"), validators=[Optional(), Length(max=200)],
                           render_kw={"autocomplete": "new-password"})

    def __init__(self, scope_kind, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.events.choices = [SelectChoice(event, EVENTS[event]) for event in SCOPE_EVENTS[scope_kind]]


class NewChannelForm(_ChannelForm):
    kind = SelectField(_l("Platform"), choices=[SelectChoice(k, v) for k, v in KIND_LABELS.items()])
    url = StringField(_l("Robot address (webhook URL)"), validators=[
        InputRequired(_l("Paste the robot's webhook address.")), Length(max=1000)],
        render_kw={"inputmode": "url", "autocomplete": "off", "spellcheck": "false"})


class EditChannelForm(_ChannelForm):
    url = StringField(_l("Replace the address"), validators=[Optional(), Length(max=1000)],
                      render_kw={"inputmode": "url", "autocomplete": "off", "spellcheck": "false"})
    clear_secret = BooleanField(_l("Remove the secret"))
    active = BooleanField(_l("Active: send it messages"))
