"""Field kinds: exact numbers and money as people type them, conditions, and values as shown."""
import decimal

import pytest
from markupsafe import escape

from portal.requests.fields import FieldSpec, condition_holds, parse_decimal


@pytest.mark.parametrize("typed, money, expected", [
    ("12000.5", True, "12000.50"), ("12,000.50", True, "12000.50"), ("¥ 300", True, "300.00"),
    ("１２３．４", True, "123.40"), ("2.5", False, "2.5"), ("20", False, "20"), ("  ", False, None),
    ("-3", False, "-3"),
])
def test_numbers_are_read_exactly_as_people_type_them(typed, money, expected):
    value = parse_decimal(typed, money=money)
    assert (None if value is None else str(value)) == expected


@pytest.mark.parametrize("typed, money, message", [
    ("12.345", True, "at most two decimal places (fen/cents)"), ("1.005", False, "at most two decimal places"),
    ("12k", True, "digits only, for example 12000.50"), ("1e5", False, "digits only"), ("NaN", True, "digits only"),
    ("9" * 14, True, "too large"),
])
def test_letters_and_too_many_decimals_are_refused_with_a_clear_message(typed, money, message):
    with pytest.raises(ValueError) as refused:
        parse_decimal(typed, money=money)
    assert message in str(refused.value.args[0])


def test_conditions_compare_exact_numbers_and_choices_and_never_match_an_empty_value(app):
    money = FieldSpec({"key": "f1", "label": "金额", "kind": "money"})
    choice = FieldSpec({"key": "f2", "label": "类别", "kind": "choice", "choices": ["差旅", "培训"]})
    assert condition_holds({"op": ">", "value": "10000"}, money, "10000.01")
    assert not condition_holds({"op": ">", "value": "10000"}, money, "10000.00")
    assert condition_holds({"op": "!=", "value": "差旅"}, choice, "培训")
    assert not condition_holds({"op": "<", "value": "10"}, money, None)


def test_stored_values_are_shown_in_the_readers_terms(app):
    with app.test_request_context():
        money = FieldSpec({"key": "f1", "label": "金额", "kind": "money", "currency": "CNY"})
        days = FieldSpec({"key": "f2", "label": "期间", "kind": "date_range"})
        person = FieldSpec({"key": "f3", "label": "领用人", "kind": "person"})
        assert str(money.shown("12000.50", {})) == "CN¥12,000.50"
        assert escape(money.shown("12000.50", {})) == (
            'CN¥12,000.50<span class="capitals">（壹万贰仟元伍角）</span>')
        assert days.shown(["2026-06-01", "2026-06-05"], {}) == "Jun 1, 2026 – Jun 5, 2026 (5 days)"
        assert person.shown(7, {("person", 7): "周杰"}) == "周杰"
        assert money.shown(None, {}) == "—"
        assert money.number("1.10") == decimal.Decimal("1.10")
