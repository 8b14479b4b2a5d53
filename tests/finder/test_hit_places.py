"""Where a hit lies, as the results name it: never a place the reader may not see."""
from portal.tasks.models import Task
from tests.finder.test_search_page import titles


def test_a_task_one_may_see_in_a_project_one_may_not_is_found_without_naming_the_project(app, company):
    Task.open(company.coordinator, "合同盖章 X300", owner=company.accountant, project=company.secret)
    client = app.test_client()
    client.login(company.accountant)
    page = client.get("/search?q=X300")
    assert titles(page) == ["合同盖章 X300"]
    assert "2027 定价" not in page.get_data(as_text=True)
    seller = app.test_client()
    seller.login(company.seller)
    assert "2027 定价" in seller.get("/search?q=X300").get_data(as_text=True)

