"""Tasks inside projects: the project board, and project visibility carried over to its work."""
import datetime

import pytest

from portal.db import Invalid
from portal.projects.models import Project
from portal.tasks.models import Task


@pytest.fixture
def secret_project(company):
    """A participants-only project of R&D, unknown to Sales."""
    return Project.start(None, name="Secret chip", goal="", coordinator=company.rnd_head, departments=[company.rnd],
                         start_date=datetime.date(2026, 1, 1), end_date=datetime.date(2026, 12, 31),
                         status="active", visibility="participants")


def test_work_of_a_restricted_project_stays_off_the_boards_of_those_who_may_not_see_it(
        company, secret_project, make_task):
    hidden = make_task(company.engineer, title="Tape-out", project=secret_project)
    open_work = make_task(company.engineer, title="Docs")
    seen_by_sales = {t.id for t in Task.board(company.seller)}
    assert open_work.id in seen_by_sales and hidden.id not in seen_by_sales
    assert hidden.id in {t.id for t in Task.board(company.rnd_head)}


def test_the_owner_and_the_asker_see_their_task_even_in_a_project_they_cannot_see(
        company, secret_project, make_task):
    # R&D's head asks a seller for help on the secret project.
    task = make_task(company.seller, by=company.rnd_head, title="Customer quote", project=secret_project)
    assert task.id in {t.id for t in Task.board(company.seller)}


def test_an_archived_project_takes_no_new_work(company, secret_project, make_task):
    secret_project.archive(company.rnd_head)
    with pytest.raises(Invalid) as refused:
        make_task(company.engineer, project=Project.get_by_id(secret_project.id))
    assert refused.value.field == "project"


def test_the_project_board_shows_the_projects_tasks_by_status(client, company, secret_project, make_task):
    make_task(company.engineer, title="Tape-out", project=secret_project, status="doing")
    make_task(company.engineer, title="Unrelated chore")
    client.login(company.engineer)
    page = client.get("/boards/project?project=%d" % secret_project.id).get_data(as_text=True)
    assert "<h1>Secret chip</h1>" in page or "Secret chip" in page
    assert "Tape-out" in page and "Unrelated chore" not in page
    ask = client.get("/boards/project").get_data(as_text=True)
    assert "Choose a project above to see its board." in ask


def test_a_task_of_a_restricted_project_answers_404_to_others(client, company, secret_project, make_task):
    task = make_task(company.engineer, title="Tape-out", project=secret_project)
    client.login(company.seller)
    assert client.get("/tasks/%d" % task.id).status_code == 404
    board = client.get("/boards/project?project=%d" % secret_project.id).get_data(as_text=True)
    assert "Tape-out" not in board and "Secret chip" not in board


def test_a_task_is_created_from_its_project_page(client, company, secret_project):
    client.login(company.engineer)
    form = client.get("/tasks/new?project=%d" % secret_project.id).get_data(as_text=True)
    assert '<option selected value="%d">Secret chip</option>' % secret_project.id in form
    response = client.post("/tasks/", data={"title": "Layout review", "owner": company.engineer.id,
                                            "requesting_department": 0, "project": secret_project.id,
                                            "priority": "P2", "status": "todo"})
    assert response.status_code == 303
    assert Task.get(Task.title == "Layout review").project == secret_project
