"""The base form: every text field is trimmed and refuses control characters (NUL and the like)."""
import itertools
import re

from flask import request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from peewee import Model

from portal.i18n import ZONES, FormMessages, zone_choices
from portal.db import Ask
from wtforms import PasswordField, SelectChoice, SelectField, StringField, ValidationError
from wtforms.csrf.core import CSRFTokenField
from wtforms import widgets

from portal.params import LARGEST

CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Select(widgets.Select):
    """wtforms' select, its options written in one pass: wtforms writes each option through
    html_params and Markup.format, 14 ms for a list of 300 people (1.6 ms here). Choices it
    would write otherwise (tuples, options with attributes of their own) are left to it."""

    def __call__(self, field, **kwargs):
        choices = field.choices
        if not isinstance(choices, list) or not all(
                type(choice) is SelectChoice and not choice.render_kw and not hasattr(choice.value, "__html__")
                for choice in choices):
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        if self.multiple:
            kwargs["multiple"] = True
        flags = field.flags
        for name in dir(flags):
            if name in self.validation_attrs and name not in kwargs:
                kwargs[name] = getattr(flags, name)
        coerce, data = field.coerce, field.data
        if self.multiple:
            data = data or ()

            def chosen(value):
                return coerce(value) in data
        else:
            def chosen(value):
                return coerce(value) == data
        html = ["<select %s>" % widgets.html_params(name=field.name, **kwargs)]
        for group, members in itertools.groupby(choices, key=lambda choice: choice.optgroup):
            if group is not None:
                html.append('<optgroup label="%s">' % escape(group))
            html.extend('<option %svalue="%s">%s</option>' % (
                "selected " if chosen(choice.value) else "",
                escape(choice.value),
                escape(choice.label or choice.value)) for choice in members)
            if group is not None:
                html.append("</optgroup>")
        html.append("</select>")
        # Every value, label and group in it went through escape().
        return Markup("".join(html))  # nosec B704


# Every select of a portal form is written by the Select above (bound in Form.Meta.bind_field).
SELECTS = {False: Select(), True: Select(multiple=True)}


class ZoneSelect(Select):
    """Keeps each time zone select it wrote, by language, field, chosen zone and attributes: written
    afresh, its ~600 options took 45 ms of every page with a time zone (settings, a series)."""
    KEPT = 64

    def __init__(self):
        super().__init__()
        self.written = {}

    def __call__(self, field, **kwargs):
        key = (str(get_locale()), field.name, field.id, field.data,
               tuple(bool(getattr(field.flags, name, False)) for name in self.validation_attrs),
               tuple(sorted((name, repr(value)) for name, value in kwargs.items())))
        html = self.written.get(key)
        if html is None:
            html = super().__call__(field, **kwargs)
            if len(self.written) >= self.KEPT:
                self.written.clear()  # a whole dict at once: safe beside another thread's reading
            self.written[key] = html
        return html


class TimeZoneField(SelectField):
    """A time zone chosen by its name (北京时间 first, then by region); any IANA zone is accepted."""
    widget = ZoneSelect()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, validate_choice=False, **kwargs)

    def process(self, *args, **kwargs):
        super().process(*args, **kwargs)
        self.choices = zone_choices(self.data)

    def pre_validate(self, form):
        if self.data not in ZONES:
            raise ValidationError(_l("Choose a time zone from the list."))


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def object_id(value):
    """A select's value as an id, whether it comes from the request or from a model's field."""
    return value.id if isinstance(value, Model) else int(value)


_MESSAGES = FormMessages()


class Form(FlaskForm):
    question = None
    # Prefixes the ids (not the names) of the fields: two forms with a field of the same name can
    # share a page, each label pointing at its own field.
    id_prefix = ""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            field_class = unbound_field.field_class
            if form.id_prefix and "id" not in unbound_field.kwargs:
                options["id"] = form.id_prefix + options.get("prefix", "") + options["name"]
            if issubclass(field_class, CSRFTokenField):
                # Several forms share a page; one id="csrf_token" per form would repeat it.
                options["render_kw"] = {"id": False}
            elif issubclass(field_class, StringField) and not issubclass(field_class, PasswordField):
                options["filters"] = [_strip, *unbound_field.kwargs.get("filters", ())]
            elif type(field_class.widget) is widgets.Select and "widget" not in unbound_field.kwargs:
                options["widget"] = SELECTS[field_class.widget.multiple]
            return unbound_field.bind(form=form, **options)

        def get_translations(self, form):
            return _MESSAGES

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        for field in self:
            if isinstance(field.data, str) and CONTROL_CHARACTERS.search(field.data):
                field.errors = [*field.errors, _l("Remove the invisible control characters from this field.")]
                valid = False
            elif type(field.data) is int and abs(field.data) > LARGEST:  # more than a database integer holds
                field.errors = [*field.errors, _l("This number is too large.")]
                valid = False
            if field.errors and getattr(field.widget, "input_type", None) == "hidden":
                # Nobody sees a hidden field's message: say it where the form's own errors show.
                self.form_errors.extend(str(error) for error in field.errors)
        return valid

    @property
    def confirmed(self):
        """Whether the person answered yes to the question this form asked (portal.db.Ask)."""
        return request.form.get("confirm") == "yes"

    def show_error(self, invalid):
        """Attach a model's refusal (portal.db.Invalid) to its field, or to the whole form; a
        question (portal.db.Ask) is asked beside the form's button (the `question` macro)."""
        if isinstance(invalid, Ask):
            self.question = invalid
            return
        field = self._fields.get(invalid.field) if invalid.field else None
        if field is not None:
            field.errors = [*field.errors, invalid.message]
        else:
            self.form_errors.append(invalid.message)
