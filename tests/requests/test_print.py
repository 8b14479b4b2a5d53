"""The print view: one A4 sheet with the fields, line items, amounts in capitals and who decided each step."""
from tests.requests.conftest import login


def test_the_print_view_shows_values_in_capitals_each_decider_and_time_and_is_for_viewers_only(
        client, file_request, company):
    request = file_request(budget="12000.50")
    request.decide(company.sales_head, request.active_step().id, "approve", "同意")
    login(client, company.seller)
    assert 'href="/requests/%d/print"' % request.id in client.get("/requests/%d" % request.id).get_data(as_text=True)
    page = client.get("/requests/%d/print" % request.id).get_data(as_text=True)
    assert "CN¥12,000.50<span class=\"capitals\">（壹万贰仟元伍角）</span>" in page and "#%d" % request.id in page
    steps = page[page.index('class="list print-steps"'):page.index("</table>", page.index("print-steps"))]
    assert "部门负责人审批" in steps and "Li Na" in steps and "同意" in steps and "Approved" in steps
    assert "财务审批" in steps and "Wang Fang" in steps and "Waiting" in steps
    assert "data-print" in page and 'class="signature"' in page
    login(client, company.outsider)
    assert client.get("/requests/%d/print" % request.id).status_code == 404
