"""The custom field kinds of a request type: their limits, form inputs, stored values and display."""
import datetime
import decimal
import re
import unicodedata

from flask_babel import format_currency, format_date, format_decimal, gettext, lazy_pgettext, ngettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, FormField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms import Form as PlainForm
from wtforms.validators import InputRequired, Length, Optional, ValidationError

KINDS = {
    "text": _l("Short text"), "long_text": _l("Long text"), "number": _l("Number"),
    "money": _l("Money"), "date": _l("Date"), "date_range": _l("Date range"), "choice": _l("Choice"),
    "person": _l("Person"), "department": _l("Department"), "checkbox": _l("Checkbox"),
}
# Which settings beyond label, help and "required" each kind takes.
SETTINGS = {
    "text": {"max_length"}, "long_text": {"max_length"},
    "number": {"min_value", "max_value", "measure"},
    "money": {"min_value", "max_value", "currency", "measure"},
    "choice": {"choices"},
}
MAX_LENGTH = {"text": (200, 500), "long_text": (4000, 20000)}  # (default, largest allowed)
CURRENCIES = ("CNY", "USD", "EUR", "HKD", "JPY", "GBP")
# A field can count in the reports: money as the amount asked for, a number as people-days.
MEASURES = {"money": ("money", _l("Counts as the amount in reports")),
            "number": ("people_days", _l("Counts as people-days in reports"))}
CONDITION_KINDS = {"number", "money", "choice"}
OPERATORS = {
    ">": (_l("is more than"), lambda a, b: a > b), ">=": (_l("is at least"), lambda a, b: a >= b),
    "<": (_l("is less than"), lambda a, b: a < b), "<=": (_l("is at most"), lambda a, b: a <= b),
    "=": (_l("is"), lambda a, b: a == b), "!=": (_l("is not"), lambda a, b: a != b),
}
CHOICE_OPERATORS = ("=", "!=")
DECIMAL_PLACES = 2
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)", re.ASCII)


def parse_decimal(raw, money=False):
    """An exact Decimal from what a person typed (full-width digits, 12,000.50, ¥ allowed);
    None for nothing; ValueError with a translated message for letters or too many decimals."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    text = re.sub(r"[,\s_]", "", text.removeprefix("¥").removeprefix("$").removeprefix("€"))
    if not text:
        return None
    if not _DECIMAL.fullmatch(text):
        if money:
            raise ValueError(_l("Enter the amount in digits only, for example 12000.50."))
        raise ValueError(_l("Enter a number in digits only, for example 2.5."))
    value = decimal.Decimal(text)
    if -value.as_tuple().exponent > DECIMAL_PLACES:
        if money:
            raise ValueError(_l("An amount has at most two decimal places (fen/cents)."))
        raise ValueError(_l("Use at most two decimal places."))
    if abs(value) >= 10 ** 13:
        raise ValueError(_l("This number is too large."))
    return value.quantize(decimal.Decimal(1).scaleb(-DECIMAL_PLACES)) if money else value


class FieldSpec:
    """One field as a published flow version defines it (read from the version's JSON)."""

    def __init__(self, data):
        self.key = data["key"]
        self.label = data["label"]
        self.label_en = data.get("label_en", "")
        self.help = data.get("help", "")
        self.kind = data["kind"]
        self.required = bool(data.get("required"))
        self.min_value = _decimal_or_none(data.get("min_value"))
        self.max_value = _decimal_or_none(data.get("max_value"))
        self.max_length = data.get("max_length") or MAX_LENGTH.get(self.kind, (None,))[0]
        self.choices = list(data.get("choices") or [])
        self.currency = data.get("currency") or ""
        self.measure = data.get("measure") or ""

    @property
    def display_label(self):
        from portal.i18n import current_language
        return self.label_en if self.label_en and current_language() == "en" else self.label

    # -- the form input ---------------------------------------------------------------------

    def form_field(self, people, departments):
        """An unbound WTForms field for this spec; people and departments are the choices."""
        label = self.display_label
        if self.kind == "money" and self.currency:
            label = "%s (%s)" % (label, self.currency)
        checks = [InputRequired() if self.required else Optional()]
        if self.kind in ("text", "long_text"):
            checks.append(Length(max=self.max_length))
            field_class = StringField if self.kind == "text" else TextAreaField
            return field_class(label, checks, description=self.help)
        if self.kind in ("number", "money"):
            low = self.min_value
            if low is None and self.kind == "money":
                low = decimal.Decimal(0)  # a refund or credit needs a type that sets a negative minimum
            return DecimalText(label, checks + [_within(low, self.max_value)],
                               description=self.help, money=self.kind == "money",
                               render_kw={"inputmode": "decimal", "autocomplete": "off"})
        if self.kind == "date":
            return DateField(label, checks, description=self.help)
        if self.kind == "date_range":
            return FormField(_DateRange if self.required else _OptionalDateRange, label,
                             description=self.help)
        if self.kind == "checkbox":
            return BooleanField(label, [_ticked] if self.required else [], description=self.help)
        options = {"choice": [SelectChoice(c) for c in self.choices],
                   "person": [SelectChoice(str(u.id), u.name) for u in people],
                   "department": [SelectChoice(str(d.id), d.display_name) for d in departments]}[self.kind]
        return SelectField(label, checks, choices=[SelectChoice("", _l("— choose —"))] + options,
                           description=self.help)

    # -- stored values ------------------------------------------------------------------------

    def stored(self, data):
        """The JSON-safe value kept on the request for what the form field holds."""
        if self.kind in ("number", "money"):
            return None if data is None else str(data)
        if self.kind == "date":
            return data.isoformat() if data else None
        if self.kind == "date_range":
            if not data or not data.get("start"):
                return None
            return [data["start"].isoformat(), data["end"].isoformat()]
        if self.kind == "checkbox":
            return bool(data)
        if self.kind in ("person", "department"):
            return int(data) if data else None
        return data or None

    def form_data(self, value):
        """What to put back into the form for a stored value (when a returned request is edited)."""
        if value is None:
            return None
        if self.kind in ("number", "money"):
            return value
        if self.kind == "date":
            return datetime.date.fromisoformat(value)
        if self.kind == "date_range":
            return {"start": datetime.date.fromisoformat(value[0]), "end": datetime.date.fromisoformat(value[1])}
        if self.kind in ("person", "department"):
            return str(value)
        return value

    def number(self, value):
        """The stored value as a Decimal, for conditions and reports; None when empty."""
        return decimal.Decimal(value) if value is not None and self.kind in ("number", "money") else None

    def shown(self, value, names):
        """The stored value as a reader sees it; `names` maps ("person"|"department", id) to a name."""
        if self.kind == "checkbox":
            return _l("Yes") if value else _l("No")
        if value is None or value == "":
            return "—"
        if self.kind == "money":
            return format_currency(decimal.Decimal(value), self.currency or "CNY")
        if self.kind == "number":
            return format_decimal(decimal.Decimal(value))
        if self.kind == "date":
            return format_date(datetime.date.fromisoformat(value))
        if self.kind == "date_range":
            start, end = (datetime.date.fromisoformat(v) for v in value)
            days = (end - start).days + 1
            return gettext("%(start)s – %(end)s (%(days)s)", start=format_date(start), end=format_date(end),
                           days=ngettext("%(num)d day", "%(num)d days", days))
        if self.kind in ("person", "department"):
            return names.get((self.kind, value), "#%s" % value)
        return value


def condition_holds(condition, spec, value):
    """Whether a step's condition holds for a field value; for an empty value, as the admin chose
    (flows published before there was a choice: it does not hold)."""
    if value is None or value == "":
        return condition.get("if_empty") == "holds"
    test = OPERATORS[condition["op"]][1]
    if spec.kind == "choice":
        return test(value, condition["value"])
    return test(decimal.Decimal(value), decimal.Decimal(condition["value"]))


class DecimalText(StringField):
    """A number typed as text, kept as an exact Decimal (a number input would hide our messages)."""

    def __init__(self, label=None, validators=None, money=False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.money = money

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist:
            self.data = parse_decimal(valuelist[0], money=self.money)

    def _value(self):
        if self.raw_data:  # what was typed, even when it was refused
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)


class _OptionalDateRange(PlainForm):
    start = DateField(lazy_pgettext("date range", "From"), [Optional()])
    end = DateField(lazy_pgettext("date range", "To"), [Optional()])

    def validate_end(self, field):
        if bool(self.start.data) != bool(field.data):
            raise ValidationError(_l("Give both the first and the last day, or neither."))
        if field.data and field.data < self.start.data:
            raise ValidationError(_l("The last day cannot be before the first."))


class _DateRange(_OptionalDateRange):
    start = DateField(lazy_pgettext("date range", "From"), [InputRequired()])
    end = DateField(lazy_pgettext("date range", "To"), [InputRequired()])


def _ticked(form, field):
    if not field.data:
        raise ValidationError(_l("Tick this box to continue."))


def _within(low, high):
    def check(form, field):
        if field.data is None:
            return
        if low is not None and field.data < low:
            raise ValidationError(_l("Enter at least %(n)s.", n=format_decimal(low)))
        if high is not None and field.data > high:
            raise ValidationError(_l("Enter at most %(n)s.", n=format_decimal(high)))
    return check


def _decimal_or_none(value):
    return None if value in (None, "") else decimal.Decimal(str(value))
