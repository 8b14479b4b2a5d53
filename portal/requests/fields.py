"""The custom field kinds of a request type: their limits, form inputs, stored values and display."""
import datetime
import decimal
import functools
import re
import unicodedata

from flask import render_template
from flask_babel import format_currency, format_date, format_decimal, gettext, lazy_pgettext, ngettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms import (BooleanField, DateField, FieldList, FormField, SelectChoice, SelectField, SelectMultipleField,
                     StringField, TextAreaField)
from wtforms import Form as PlainForm
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.i18n import current_language

KINDS = {
    "text": _l("Short text"), "long_text": _l("Long text"), "number": _l("Number"),
    "money": _l("Money"), "date": _l("Date"), "date_range": _l("Date range"), "choice": _l("Choice"),
    "person": _l("Person"), "department": _l("Department"), "checkbox": _l("Checkbox"),
    "multi_choice": _l("Several choices"), "table": _l("Line items (明细)"), "calculated": _l("Calculated"),
}
# Which settings beyond label, help and "required" each kind takes.
SETTINGS = {
    "text": {"max_length"}, "long_text": {"max_length"},
    "number": {"min_value", "max_value", "measure"},
    "money": {"min_value", "max_value", "currency", "measure"},
    "choice": {"choices"}, "multi_choice": {"choices"},
    "table": {"columns", "currency", "measure"},
    "calculated": {"formula", "currency"},
}
MAX_LENGTH = {"text": (200, 500), "long_text": (4000, 20000)}  # (default, largest allowed)
CURRENCIES = ("CNY", "USD", "EUR", "HKD", "JPY", "GBP")
# A field can count in the reports: money as the amount asked for, a number as people-days.
MEASURES = {"money": ("money", _l("Counts as the amount in reports")),
            "number": ("people_days", _l("Counts as people-days in reports")),
            "table": ("money", _l("Its money total counts as the amount in reports"))}
CONDITION_KINDS = {"number", "money", "choice", "table", "calculated"}
# What a calculated field may use, and what it does with them.
OPERAND_KINDS = {"number", "money", "table"}
FORMULAS = {"sum": _l("Sum (+)"), "product": _l("Product (×)")}
COLUMN_KINDS = {"text": _l("Short text"), "number": _l("Number"), "money": _l("Money"), "date": _l("Date")}
MAX_COLUMNS = 6
MAX_ROWS = 50
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
        self.columns = data.get("columns") or []
        self.formula = data.get("formula") or {}

    @property
    def display_label(self):
        return self.label_en if self.label_en and current_language() == "en" else self.label

    # -- the form input ---------------------------------------------------------------------

    def form_field(self, people, departments):
        """An unbound WTForms field for this spec; people ((id, name) pairs) and departments are the choices."""
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
        if self.kind == "multi_choice":
            return SelectMultipleField(label, [_some_chosen] if self.required else [], description=self.help,
                                       choices=[SelectChoice(c) for c in self.choices],
                                       widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
        if self.kind == "table":
            return FieldList(FormField(self._row_form), label, [_some_rows] if self.required else [],
                             description=self.help, min_entries=1, max_entries=MAX_ROWS)
        options = {"choice": [SelectChoice(c) for c in self.choices],
                   "person": [SelectChoice(str(user_id), name) for user_id, name in people],
                   "department": [SelectChoice(str(d.id), d.display_name) for d in departments]}[self.kind]
        return SelectField(label, checks, choices=[SelectChoice("", _l("— choose —"))] + options,
                           description=self.help)

    @functools.cached_property
    def _row_form(self):
        class Row(PlainForm):
            pass
        for column in self.columns:
            kind, label = column["kind"], column["label"]
            if kind == "text":
                cell = StringField(label, [Optional(), Length(max=200)])
            elif kind == "date":
                cell = DateField(label, [Optional()])
            else:
                cell = DecimalText(label, [Optional(), _within(decimal.Decimal(0) if kind == "money" else None, None)],
                                   money=kind == "money", render_kw={"inputmode": "decimal", "autocomplete": "off"})
            setattr(Row, column["key"], cell)
        return Row

    # -- stored values ------------------------------------------------------------------------

    def stored(self, data):
        """The JSON-safe value kept on the request for what the form field holds."""
        if self.kind == "table":
            rows = [{column["key"]: _cell_stored(column["kind"], row.get(column["key"])) for column in self.columns}
                    for row in data or []]
            rows = [row for row in rows if any(cell is not None for cell in row.values())]
            return rows or None
        if self.kind == "multi_choice":
            return [choice for choice in self.choices if choice in (data or [])] or None
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
        if self.kind == "table":
            return [{key: datetime.date.fromisoformat(cell) if cell and kinds[key] == "date" else cell
                     for key, cell in row.items()}
                    for kinds in [{c["key"]: c["kind"] for c in self.columns}] for row in value]
        if self.kind == "date":
            return datetime.date.fromisoformat(value)
        if self.kind == "date_range":
            return {"start": datetime.date.fromisoformat(value[0]), "end": datetime.date.fromisoformat(value[1])}
        if self.kind in ("person", "department"):
            return str(value)
        return value

    def number(self, value):
        """The stored value as a Decimal, for conditions and reports (a table's: its total); None when empty."""
        if value is None:
            return None
        if self.kind == "table":
            column = self.total_column
            return None if column is None else self.totals(value)[column["key"]]
        return decimal.Decimal(value) if self.kind in ("number", "money", "calculated") else None

    @property
    def is_money(self):
        return self.kind == "money" or (self.kind in ("table", "calculated") and bool(self.currency))

    @property
    def total_column(self):
        """The column whose total stands for a table in conditions, formulas and reports: the first
        money column, else the first number column."""
        numeric = [c for c in self.columns if c["kind"] in ("money", "number")]
        return next((c for c in numeric if c["kind"] == "money"), numeric[0] if numeric else None)

    def totals(self, rows):
        """{column key: Decimal total} of the number and money columns of stored rows."""
        return {c["key"]: sum((decimal.Decimal(row[c["key"]]) for row in rows or [] if row.get(c["key"]) is not None),
                              decimal.Decimal(0))
                for c in self.columns if c["kind"] in ("money", "number")}

    def calculate(self, values, specs):
        """A calculated field's value from the other stored values; None while an operand is empty."""
        numbers = [spec.number(values.get(spec.key)) for spec in specs if spec.key in self.formula.get("fields", [])]
        if not numbers or None in numbers:
            return None
        result = sum(numbers) if self.formula.get("op") == "sum" else functools.reduce(lambda a, b: a * b, numbers)
        if abs(result) >= 10 ** 13:
            return None
        return str(result.quantize(decimal.Decimal("0.01")) if self.currency else result.normalize())

    def shown(self, value, names):
        """The stored value as a reader sees it; `names` maps ("person"|"department", id) to a name."""
        if self.kind == "checkbox":
            return _l("Yes") if value else _l("No")
        if value is None or value == "":
            return "—"
        if self.kind == "table":
            return LineItems(self, value)
        if self.kind == "multi_choice":
            return ("、" if current_language() == "zh" else ", ").join(value)
        if self.is_money:
            return Money(decimal.Decimal(value), self.currency or "CNY")
        if self.kind in ("number", "calculated"):
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
    number = value if spec.kind == "choice" else spec.number(value)
    if number is None or number == "":
        return condition.get("if_empty") == "holds"
    test = OPERATORS[condition["op"]][1]
    if spec.kind == "choice":
        return test(value, condition["value"])
    return test(number, decimal.Decimal(condition["value"]))


def capitals(amount):
    """An amount of yuan in Chinese capitals (大写金额), as cheques and expense forms write it:
    12345.67 → 壹万贰仟叁佰肆拾伍元陆角柒分, 100 → 壹佰元整."""
    # cn2an builds its text-cleaning tables on import (a third of a second): only pages with money pay it.
    from cn2an import an2cn
    return an2cn("{:f}".format(decimal.Decimal(amount).quantize(decimal.Decimal("0.01"))), "rmb")


class Money:
    """An amount as a reader sees it: on a page (and on paper), yuan also in Chinese capitals, which
    finance asks for; as text (exports, the API, comparing rounds) only the figure."""

    def __init__(self, amount, currency):
        self.amount, self.currency = amount, currency

    def __str__(self):
        return format_currency(self.amount, self.currency)

    def __html__(self):
        shown = escape(str(self))
        if self.currency != "CNY":
            return shown
        return Markup('%s<span class="capitals">（%s）</span>') % (shown, capitals(self.amount))


class LineItems:
    """A table's rows as shown: a table in HTML, a line of text everywhere else (exports, the API,
    comparing rounds)."""

    def __init__(self, spec, rows):
        self.spec = spec
        self.rows = [[(column, _cell_shown(column["kind"], row.get(column["key"]), spec.currency))
                      for column in spec.columns] for row in rows]
        totals = spec.totals(rows)
        self.totals = [(column, totals.get(column["key"])) for column in spec.columns]
        total, column = spec.number(rows), spec.total_column
        self.total = None
        if total is not None:
            self.total = Money(total, spec.currency or "CNY") if column["kind"] == "money" else format_decimal(total)

    def __str__(self):
        lines = ["; ".join(text for _, text in row if text) for row in self.rows]
        if self.total is not None:
            lines.append(gettext("Total: %(total)s", total=self.total))
        return " / ".join(lines)

    def __html__(self):
        # Jinja takes what __html__ returns as safe: the template escaped every cell.
        return render_template("requests/_line_items.html", items=self)


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


def _cell_stored(kind, data):
    if data is None or data == "":
        return None
    if kind == "date":
        return data.isoformat()
    return str(data)


def _cell_shown(kind, value, currency):
    if value is None:
        return ""
    if kind == "money":
        return format_currency(decimal.Decimal(value), currency or "CNY")
    if kind == "number":
        return format_decimal(decimal.Decimal(value))
    if kind == "date":
        return format_date(datetime.date.fromisoformat(value))
    return value


def _some_rows(form, field):
    if not any(any(value not in (None, "") for value in entry.data.values()) for entry in field.entries):
        raise ValidationError(_l("Fill in at least one row."))


def _some_chosen(form, field):
    if not field.data:
        raise ValidationError(_l("Choose at least one."))


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
