"""明细 line items, several choices and calculated fields: built, filed on a phone without scripts,
totalled, tested by conditions, counted in reports and shown with the amount in Chinese capitals."""
import decimal
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.requests import fields
from portal.requests.models import ResourceRequest
from portal.requests.types import RequestType, TypeField
from tests.requests.conftest import login, step


@pytest.mark.parametrize("amount, words", [
    ("12345.67", "壹万贰仟叁佰肆拾伍元陆角柒分"), ("100", "壹佰元整"), ("10.05", "壹拾元零伍分"),
    ("0.50", "伍角"), ("100000001", "壹亿零壹元整"), ("1010", "壹仟零壹拾元整"), ("0", "零元整"),
])
def test_amounts_are_written_in_chinese_capitals_as_cheques_write_them(amount, words):
    assert fields.capitals(decimal.Decimal(amount)) == words


DIGITS = {digit: n for n, digit in enumerate("零壹贰叁肆伍陆柒捌玖")}
UNITS = {"拾": 10, "佰": 100, "仟": 1000}


def _read_capitals(text):
    """The amount a Chinese reader takes from the capitals: the test's own reading, not the code's."""
    whole, _, rest = text.partition("元") if "元" in text else ("", "", text)
    total, section, digit = 0, 0, 0
    for char in whole:
        if char in DIGITS:
            digit = DIGITS[char]
        elif char in UNITS:
            section += digit * UNITS[char]
            digit = 0
        elif char == "万":
            total += (section + digit) * 10_000
            section = digit = 0
        elif char == "亿":
            total = (total + section + digit) * 100_000_000
            section = digit = 0
    cents = sum(DIGITS[rest[i - 1]] * (10 if unit == "角" else 1) for i, unit in enumerate(rest) if unit in "角分")
    return decimal.Decimal(total + section + digit) + decimal.Decimal(cents).scaleb(-2)


@settings(max_examples=150, deadline=None)
@given(st.decimals(min_value=0, max_value=decimal.Decimal("999999999999.99"), places=2))
def test_every_amount_reads_back_from_its_capitals_to_the_same_fen(amount):
    words = fields.capitals(amount)
    assert set(words) <= set(DIGITS) | set(UNITS) | set("万亿元角分整")
    assert words.endswith("整") == (amount == amount.to_integral_value())
    assert _read_capitals(words) == amount


@pytest.fixture
def expense_type(company):
    """报销: a line-item table whose total is the amount, a finance step above ¥5,000, several
    choices and a calculated field."""
    by = company.admin
    request_type = RequestType.add(by, name="报销", name_en="Expenses", provider=company.finance)
    table = request_type.add_field(by, label="费用明细", label_en="Items", kind="table", required=True,
                                   currency="CNY", measure="money", columns=json.dumps([
                                       {"label": "项目", "kind": "text"}, {"label": "日期", "kind": "date"},
                                       {"label": "金额", "kind": "money"}, {"label": "张数", "kind": "number"}]))
    request_type.add_field(by, label="用途", label_en="Purpose", kind="multi_choice", choices="差旅\n招待\n办公")
    nights = request_type.add_field(by, label="晚数", label_en="Nights", kind="number")
    rate = request_type.add_field(by, label="房价", label_en="Rate", kind="money", currency="CNY")
    request_type.add_field(by, label="住宿预算", label_en="Lodging", kind="calculated", currency="CNY",
                           formula=json.dumps({"op": "product", "fields": [nights.id, rate.id]}))
    request_type.add_step(by, **step("主管审批", [{"kind": "requester_head"}]))
    request_type.add_step(by, **step("财务审批", [{"kind": "provider_head"}], condition_field=table,
                                     condition_op=">", condition_value="5000"))
    request_type.publish(by)
    return RequestType.get_by_id(request_type.id)


def _filing(client, company, expense_type):
    """The version, its keys by English label, and the filing address, signed in as a seller."""
    version = expense_type.latest_version()
    login(client, company.seller)
    return version, {spec.label_en: spec.key for spec in version.fields}, "/requests/new/%d" % expense_type.id


def _rows(key, *rows):
    data = {}
    for n, (item, day, amount, count) in enumerate(rows):
        data.update({"%s-%d-c1" % (key, n): item, "%s-%d-c2" % (key, n): day, "%s-%d-c3" % (key, n): amount,
                     "%s-%d-c4" % (key, n): count})
    return data


def test_a_requester_adds_and_removes_rows_without_scripts_and_files_with_the_total_as_the_amount(
        client, company, expense_type):
    version, key, url = _filing(client, company, expense_type)
    page = client.get(url).get_data(as_text=True)
    assert 'name="%s-0-c3"' % key["Items"] in page and 'value="%s:add"' % key["Items"] in page

    typed = {"title": "上海出差", "version_id": str(version.id), key["Purpose"]: ["差旅", "招待"],
             key["Nights"]: "3", key["Rate"]: "450", **_rows(key["Items"], ("机票", "2026-11-02", "1,280.50", "1"))}
    response = client.post(url, data=dict(typed, rows=key["Items"] + ":add"))
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and ResourceRequest.select().count() == 0
    assert 'value="1,280.50"' in body and 'autofocus id="%s-1-c1"' % key["Items"] in body
    assert "Total: CN¥1,280.50<span class=\"capitals\">（壹仟贰佰捌拾元伍角）</span>" in body
    # the calculated lodging, before sending
    assert "CN¥1,350.00<span class=\"capitals\">（壹仟叁佰伍拾元整）</span>" in body

    rows = _rows(key["Items"], ("机票", "2026-11-02", "1,280.50", "1"), ("酒店", "2026-11-03", "4000", "3"),
                 ("出租车", "", "", ""))
    response = client.post(url, data=dict(typed, **rows, rows=key["Items"] + ":remove:2"))
    body = response.get_data(as_text=True)
    assert 'value="出租车"' not in body and 'value="酒店"' in body and "Total: CN¥5,280.50" in body

    response = client.post(url, data=dict(typed, **_rows(key["Items"], ("机票", "2026-11-02", "1,280.50", "1"),
                                                         ("酒店", "2026-11-03", "4000", "3"), ("", "", "", ""))))
    assert response.status_code == 303
    request = ResourceRequest.get()
    stored = request.value_map
    assert stored[key["Items"]] == [{"c1": "机票", "c2": "2026-11-02", "c3": "1280.50", "c4": "1"},
                                    {"c1": "酒店", "c2": "2026-11-03", "c3": "4000.00", "c4": "3"}]
    assert stored[key["Purpose"]] == ["差旅", "招待"] and stored[key["Lodging"]] == "1350.00"
    assert request.amount == decimal.Decimal("5280.50") and request.currency == "CNY"
    assert [s.name for s in request.round_steps() if s.state != "skipped"] == ["主管审批", "财务审批"]

    page = client.get("/requests/%d" % request.id).get_data(as_text=True)
    assert '<td class="number">CN¥4,000.00</td>' in page and "酒店" in page
    assert "Total: CN¥5,280.50<span class=\"capitals\">（伍仟贰佰捌拾元伍角）</span>" in page
    assert "差旅, 招待" in page


def test_a_table_total_under_the_limit_skips_finance_and_an_empty_required_table_is_refused(
        client, company, expense_type):
    version, key, url = _filing(client, company, expense_type)
    base = {"title": "打印纸", "version_id": str(version.id)}
    body = client.post(url, data=dict(base, **_rows(key["Items"], ("", "", "", "")))).get_data(as_text=True)
    assert "Fill in at least one row." in body and ResourceRequest.select().count() == 0
    body = client.post(url, data=dict(base, **_rows(key["Items"], ("纸", "not a day", "12 yuan", "")))).get_data(
        as_text=True)
    assert "Enter the amount in digits only" in body and 'value="12 yuan"' in body and 'value="纸"' in body
    assert client.post(url, data=dict(base, **_rows(key["Items"], ("纸", "", "300", "")))).status_code == 303
    request = ResourceRequest.get()
    assert [s.name for s in request.round_steps() if s.state != "skipped"] == ["主管审批"]
    assert request.value_map[key["Lodging"]] is None  # a product with an empty operand stays empty


def test_a_returned_request_opens_with_its_rows_and_choices_filled_in(client, company, expense_type):
    version, key, _ = _filing(client, company, expense_type)
    request = ResourceRequest.file(company.seller, version, "出差", {
        key["Items"]: [{"c1": "火车", "c2": "2026-11-02", "c3": "553.00", "c4": None}], key["Purpose"]: ["差旅"]})
    request.decide(company.sales_head, request.active_step().id, "return", "写清楚")
    page = client.get("/requests/%d/edit" % request.id).get_data(as_text=True)
    assert 'value="火车"' in page and 'value="2026-11-02"' in page and 'value="553.00"' in page
    assert 'checked id="%s-0" name="%s" type="checkbox" value="差旅"' % (key["Purpose"], key["Purpose"]) in page


def test_the_builder_takes_columns_and_a_formula_and_refuses_what_cannot_work(client, company, expense_type):
    login(client, company.admin)
    base = "/admin/request-types/%d" % expense_type.id
    response = client.post(base + "/fields", data={
        "kind": "table", "label": "行程", "currency": "CNY", "columns-0-name": "城市", "columns-0-kind": "text",
        "columns-1-name": "", "columns-1-kind": "money", "columns-2-name": "里程", "columns-2-kind": "number"})
    assert response.status_code == 303
    trips = TypeField.get(TypeField.label == "行程")
    assert trips.column_list == [{"label": "城市", "kind": "text"}, {"label": "里程", "kind": "number"}]
    body = client.get(base + "/fields/%d/edit" % trips.id).get_data(as_text=True)
    assert 'value="城市"' in body and 'value="里程"' in body

    body = client.post(base + "/fields", data={"kind": "table", "label": "空表", "currency": "CNY"}).get_data(
        as_text=True)
    assert "Give the table at least one column." in body and 'value="空表"' in body
    nights = TypeField.get(TypeField.label == "晚数")
    lonely = {"kind": "calculated", "label": "合计", "formula_op": "sum", "currency": "",
              "formula_fields": [str(nights.id)]}
    body = client.post(base + "/fields", data=lonely).get_data(as_text=True)
    assert "Choose at least two fields to calculate from." in body and 'value="合计"' in body
    body = client.post(base + "/fields/%d/remove" % nights.id).get_data(as_text=True)
    assert "The calculated field “住宿预算” uses this field." in body
    assert TypeField.get_or_none(TypeField.id == nights.id) is not None
