"""Forms of the meetings area: series, agenda, notes, decisions, action items, closing."""
import datetime
import re

from flask_babel import lazy_pgettext
from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, DateField, HiddenField, IntegerField, SelectChoice, SelectField,
                     SelectMultipleField, StringField, TextAreaField, URLField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal import links
from portal.accounts.forms import NONE
from portal.accounts.models import Department, User
from portal.forms import Form, TimeZoneField
from portal.meetings import agenda
from portal.meetings.models import ACTION_STATES

TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
DATE_REQUIRED = DataRequired(message=_l("Enter a date as YYYY-MM-DD."))


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SeriesForm(Form):
    title = StringField(lazy_pgettext("meeting", "Title"), validators=[DataRequired(), Length(max=200)])
    coordinator = SelectField(_l("Coordinator"), coerce=int)
    departments = CheckboxListField(lazy_pgettext("meeting", "Participating departments"), coerce=int)
    people = SelectMultipleField(_l("Further people"), coerce=int)
    recurring = BooleanField(_l("Repeats every week"), default=True)
    day = DateField(_l("Date"), validators=[DATE_REQUIRED])
    start_time = StringField(_l("Start time"), render_kw={"type": "time"}, validators=[DataRequired()])
    duration_minutes = IntegerField(_l("Duration (minutes)"), default=60,
                                    validators=[InputRequired(), NumberRange(min=5, max=600)])
    timezone = TimeZoneField(_l("Time zone"))
    location = StringField(_l("Place"), validators=[Optional(), Length(max=200)])
    video_link = URLField(_l("Video link"), validators=[Optional(), Length(max=500)])
    reminder_minutes = IntegerField(_l("Remind participants (minutes before; 0 for never)"), default=60,
                                    validators=[InputRequired(), NumberRange(min=0, max=7 * 24 * 60)])

    def __init__(self, *args, schedule=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not schedule:  # a single meeting already held: there is nothing left to move
            del self.day, self.start_time
        self.all_departments = {d.id: d for d in Department.ordered()}
        names = {d.id: d.display_name for d in self.all_departments.values()}
        people = list(User.listed(User.active))
        self.user_ids = {user_id for user_id, *_rest in people}
        self.coordinator.choices = [SelectChoice(user_id, name) for user_id, name, *_rest in people]
        self.departments.choices = [SelectChoice(d.id, d.display_name) for d in self.all_departments.values()]
        self.people.choices = [SelectChoice(user_id, "%s (%s)" % (name, names.get(department_id, "—")))
                               for user_id, name, department_id, _active in people]

    def validate_start_time(self, field):
        match = TIME.match(field.data or "")
        if not match or int(match[1]) > 23 or int(match[2]) > 59:
            raise ValidationError(_l("Enter a time between 00:00 and 23:59, such as 09:30."))

    def validate_video_link(self, field):
        if field.data and not field.data.lower().startswith(("http://", "https://")):
            raise ValidationError(_l("A video link starts with http:// or https://."))

    def details(self):
        """The keyword arguments of MeetingSeries.plan / update_details."""
        values = {name: self[name].data for name in (
            "title", "recurring", "duration_minutes", "timezone", "location", "video_link", "reminder_minutes")}
        values["location"] = values["location"] or ""
        values["video_link"] = values["video_link"] or ""
        wanted = [i for i in [self.coordinator.data, *(self.people.data or [])] if i in self.user_ids]
        users = {u.id: u for u in User.select().where(User.id.in_(wanted))}
        values["coordinator"] = users.get(self.coordinator.data)
        values["departments"] = [self.all_departments[i] for i in self.departments.data or []
                                 if i in self.all_departments]
        values["people"] = [users[i] for i in self.people.data or [] if i in users]
        if "day" in self:
            values["day"] = self.day.data
            values["start_time"] = datetime.time(*map(int, self.start_time.data.split(":")))
        return values


class AgendaItemForm(Form):
    section = SelectField(_l("Section"))
    title = StringField(_l("Topic"), validators=[DataRequired(), Length(max=300)])
    link = URLField(_l("Link"), validators=[Optional(), Length(max=500)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.section.choices = [SelectChoice(key, title) for key, title in agenda.sections()]
        if not self.section.data:
            self.section.data = agenda.OTHER

    def validate_link(self, field):
        link = field.data or ""
        # A link that looks local must stay here as a browser reads it ("/\\host" and "/<tab>/host"
        # lead to another site): the rule of the sign-in's next= address.
        if link and not (links.is_web_address(link) or (link.startswith("/") and links.safe_next(link))):
            raise ValidationError(_l("A link starts with http://, https:// or /."))


class NotesForm(Form):
    notes = TextAreaField(_l("Notes"), validators=[Length(max=20000)])
    version = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])
    reason = StringField(_l("What does this correction change?"), validators=[Optional(), Length(max=300)])


class DecisionForm(Form):
    text = TextAreaField(_l("Decision"), validators=[DataRequired(), Length(max=5000)])


class DecisionEditForm(DecisionForm):
    version = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])
    reason = StringField(_l("What does this correction change?"), validators=[Optional(), Length(max=300)])


class ActionItemForm(Form):
    what = StringField(_l("What"), validators=[DataRequired(), Length(max=300)])
    owner = SelectField(_l("Owner"), coerce=int)
    due_on = DateField(_l("Due"), validators=[DATE_REQUIRED])

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {u.id: u for u in people}
        self.owner.choices = [NONE] + [SelectChoice(u.id, u.name) for u in self.people.values()]

    @property
    def chosen_owner(self):
        return self.people.get(self.owner.data)


class ActionStatusForm(Form):
    status = SelectField(_l("Status"), choices=[SelectChoice(k, v) for k, v in ACTION_STATES.items()])


class CloseForm(Form):
    recipients = CheckboxListField(_l("Send the minutes to"), coerce=int)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = {u.id: u for u in candidates}
        self.recipients.choices = [SelectChoice(u.id, "%s <%s>" % (u.name, u.email)) for u in candidates]

    @property
    def chosen(self):
        return [self.candidates[i] for i in self.recipients.data or [] if i in self.candidates]
