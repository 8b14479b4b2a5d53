"""Ready-made types: installed in one click, in the installer's language, editable, fileable once published."""
import pytest

from portal.audit import AuditEntry
from portal.requests.presets import PRESETS
from portal.requests.types import RequestType
from tests.requests.conftest import login


def test_an_admin_installs_the_expense_template_in_one_click_publishes_it_and_it_routes_by_the_total(
        client, company):
    login(client, company.admin)
    page = client.get("/admin/request-types/").get_data(as_text=True)
    assert 'value="expense"' in page and "Expense claim (报销)" in page
    response = client.post("/admin/request-types/presets", data={"preset": "expense", "provider": company.finance.id})
    assert response.status_code == 303
    expense = RequestType.get(RequestType.name == "Expense claim")
    assert response.headers["Location"] == "/admin/request-types/%d" % expense.id
    assert expense.provider_id == company.finance.id and not expense.published
    table = expense.ordered_fields().first()
    assert table.kind == "table" and [c["label"] for c in table.column_list] == ["Kind", "Date", "Amount", "Receipts"]
    assert [s.name for s in expense.ordered_steps()] == ["Supervisor approves", "Head of department approves",
                                                        "Finance checks"]
    assert AuditEntry.select().where(AuditEntry.action == "request_type.install").count() == 1
    assert AuditEntry.select().where(AuditEntry.action.startswith("request_type.")).count() == 1
    assert client.post("/admin/request-types/%d/publish" % expense.id).status_code == 303

    again = client.post("/admin/request-types/presets", data={"preset": "expense", "provider": company.finance.id})
    assert RequestType.get_by_id(int(again.headers["Location"].rsplit("/", 1)[1])).name == "Expense claim 2"


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_every_template_installs_in_chinese_and_publishes(app, company, preset):
    with app.test_request_context():
        request_type = RequestType.install(company.admin, PRESETS[preset], company.finance)
        assert request_type.name == PRESETS[preset]["name"][0]
        assert request_type.name_en == PRESETS[preset]["name"][1]
        assert request_type.publish(company.admin).number == 1


def test_a_made_up_template_or_department_is_refused_with_the_list_shown_again(client, company):
    login(client, company.admin)
    response = client.post("/admin/request-types/presets", data={"preset": "visa", "provider": company.finance.id})
    assert response.status_code == 200 and "Not a valid choice" in response.get_data(as_text=True)
    response = client.post("/admin/request-types/presets", data={"preset": "seal", "provider": "x"})
    assert response.status_code == 200 and RequestType.select().count() == 0
