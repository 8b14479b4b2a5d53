"""The base form: every text field is trimmed and refuses control characters (NUL and the like)."""
import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from peewee import Model
from wtforms import PasswordField, StringField

from portal.params import LARGEST

CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def object_id(value):
    """A select's value as an id, whether it comes from the request or from a model's field."""
    return value.id if isinstance(value, Model) else int(value)


class Form(FlaskForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):
            field_class = unbound_field.field_class
            if issubclass(field_class, StringField) and not issubclass(field_class, PasswordField):
                options["filters"] = [_strip, *options.get("filters", ())]
            return unbound_field.bind(form=form, **options)

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

    def show_error(self, invalid):
        """Attach a model's refusal (portal.db.Invalid) to its field, or to the whole form."""
        field = self._fields.get(invalid.field) if invalid.field else None
        if field is not None:
            field.errors = [*field.errors, invalid.message]
        else:
            self.form_errors.append(invalid.message)
