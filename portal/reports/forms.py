"""Forms of the reports area: a department's plan, writing a report, asking for help, commenting."""
import datetime
import secrets

import wtforms
from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, FieldList, FormField, HiddenField, RadioField, SelectChoice, SelectField,
                     StringField, TextAreaField)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.accounts.models import Department, User
from portal.forms import Form
from portal.meetings.forms import TIME
from portal.pagecache import fresh
from portal.reports.models import MAX_ASKS, MAX_TEXT, ReportHelp
from portal.reports.plans import CADENCES, MAX_SECTIONS, WEEKDAYS


class SectionTitle(wtforms.Form):
    zh = StringField(_l("Title in Chinese"), validators=[Optional(), Length(max=50)])
    en = StringField(_l("Title in English"), validators=[Optional(), Length(max=50)])


class PlanForm(Form):
    active = BooleanField(_l("People of this department hand in reports"))
    cadence = RadioField(_l("How often"), choices=[SelectChoice(k, v) for k, v in CADENCES.items()], default="weekly")
    due_weekday = SelectField(_l("Due on (weekly reports)"), coerce=int,
                              choices=[SelectChoice(n, day) for n, day in enumerate(WEEKDAYS)], default=4)
    due_time = StringField(_l("Due by"), render_kw={"type": "time"}, validators=[DataRequired()], default="18:00")
    sections = FieldList(FormField(SectionTitle), min_entries=MAX_SECTIONS, max_entries=MAX_SECTIONS)

    def validate_due_time(self, field):
        match = TIME.match(field.data or "")
        if not match or int(match[1]) > 23 or int(match[2]) > 59:
            raise ValidationError(_l("Enter a time between 00:00 and 23:59, such as 18:00."))

    def values(self):
        hour, minute = TIME.match(self.due_time.data).groups()
        return dict(active=self.active.data, cadence=self.cadence.data, due_weekday=self.due_weekday.data,
                    due_time=datetime.time(int(hour), int(minute)),
                    sections=[{"zh": entry.zh.data or "", "en": entry.en.data or ""} for entry in self.sections])


class Ask(wtforms.Form):
    who = SelectField(_l("Need help from"), default="")
    what = StringField(_l("With what"), validators=[Optional(), Length(max=300)])


class ReportForm(Form):
    version = HiddenField()
    # Names this open form, so its own saves as it is typed never count as someone else's.
    copy = HiddenField()
    texts = FieldList(TextAreaField(validators=[Optional(), Length(max=MAX_TEXT)], render_kw={"rows": 4}))
    asks = FieldList(FormField(Ask), max_entries=MAX_ASKS)

    def __init__(self, *args, report, **kwargs):
        sections = report.section_items()
        asks = list(ReportHelp.unsent(report))
        if kwargs.get("formdata", True) is None:
            kwargs.setdefault("texts", [text for _, text in sections])
            kwargs.setdefault("asks", [{"who": "%s:%d" % (("person", a.person_id) if a.person_id
                                                          else ("department", a.department_id)), "what": a.what}
                                       for a in asks])
            kwargs.setdefault("version", report.version)
            kwargs.setdefault("copy", fresh(lambda: secrets.token_hex(8)))
        super().__init__(*args, **kwargs)
        while len(self.texts) < len(sections):
            self.texts.append_entry()
        if len(self.asks) < min(len(asks) + 1, MAX_ASKS):
            self.asks.append_entry()
        for entry, (title, _) in zip(self.texts, sections, strict=False):
            entry.label.text = title
        self.departments = {d.id: d for d in Department.ordered()}
        self.people = {u.id: u for u in User.directory().where(User.active)}
        choices = [SelectChoice("", _l("— nobody —"))]
        choices += [SelectChoice("department:%d" % d.id, d.display_name) for d in self.departments.values()]
        choices += [SelectChoice("person:%d" % u.id, "%s · %s" % (u.name, u.department or "—"))
                    for u in self.people.values()]
        for entry in self.asks:
            entry.who.choices = choices

    @property
    def copy_token(self):
        return (self.copy.data or "")[:32]

    @property
    def version_number(self):
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return 0

    def values(self):
        """(texts, [(department, person, what)])."""
        asks = []
        for entry in self.asks:
            kind, _, key = (entry.who.data or "").partition(":")
            department = self.departments.get(int(key)) if kind == "department" else None
            person = self.people.get(int(key)) if kind == "person" else None
            what = entry.what.data or ""
            if what.strip() or department or person:
                asks.append((department, person, what))
        return [entry.data or "" for entry in self.texts], asks

    @property
    def ask_errors(self):
        """The list's own errors (each row's are shown on its fields)."""
        return [str(error) for error in self.asks.errors if not isinstance(error, (dict, list))]

    def validate_asks(self, field):
        for entry in field:
            if (entry.what.data or "").strip() and not entry.who.data:
                raise ValidationError(_l("Say whose help you need."))
            if entry.who.data and not (entry.what.data or "").strip():
                raise ValidationError(_l("Say what you need help with."))


class CommentForm(Form):
    body = TextAreaField(_l("Comment (点评)"), validators=[DataRequired(), Length(max=2000)], render_kw={"rows": 3})
