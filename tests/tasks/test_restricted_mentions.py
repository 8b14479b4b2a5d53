"""Work of a restricted project stays restricted where visible work mentions it: blockers, tasks
waiting, history lines, the notification that a blocker is done, and the edit form of its owner."""
import datetime
import random

import pytest

from portal.notifications.models import Notification
from portal.permissions import can
from portal.projects.models import Project
from portal.tasks.models import Task


@pytest.fixture
def secret_project(company):
    """A participants-only project of R&D, unknown to Sales."""
    return Project.start(None, name="Secret chip", goal="", coordinator=company.rnd_head, departments=[company.rnd],
                         start_date=datetime.date(2026, 1, 1), end_date=datetime.date(2026, 12, 31),
                         status="active", visibility="participants")


@pytest.fixture
def tangled(company, secret_project, make_task):
    """A public task waiting for a secret one, and a secret one waiting for a public one."""
    public = make_task(company.engineer, title="Datasheet", status="doing")
    secret_blocker = make_task(company.engineer, title="Tape-out", project=secret_project)
    public.add_blocker(company.engineer, secret_blocker)
    secret_waiting = make_task(company.engineer, title="Wafer order", project=secret_project)
    secret_waiting.add_blocker(company.engineer, public)
    return public, secret_blocker, secret_waiting


def test_a_public_task_names_no_restricted_task_it_waits_for_or_that_waits_for_it(client, company, tangled):
    public, secret_blocker, secret_waiting = tangled
    client.login(company.seller)
    for url in ("/tasks/%d" % public.id, "/tasks/%d/blockers" % public.id, "/tasks/%d/history" % public.id):
        for headers in ({}, {"HX-Request": "true"}):
            page = client.get(url, headers=headers).get_data(as_text=True)
            for secret in ("Tape-out", "Wafer order", "#%d" % secret_blocker.id, "#%d" % secret_waiting.id,
                           "/tasks/%d" % secret_blocker.id):
                assert secret not in page, (url, secret)
    page = client.get("/tasks/%d" % public.id).get_data(as_text=True)
    assert page.count("A restricted task") == 2  # one it waits for, one waiting for it
    assert "Blocked: 1 task must be done first." in page


def test_whoever_sees_the_project_still_sees_the_restricted_tasks_named(client, company, tangled):
    public, secret_blocker, secret_waiting = tangled
    client.login(company.rnd_head)
    page = client.get("/tasks/%d" % public.id).get_data(as_text=True)
    assert "#%d Tape-out" % secret_blocker.id in page and "#%d Wafer order" % secret_waiting.id in page
    assert "A restricted task" not in page


def test_the_history_of_a_public_task_hides_which_restricted_task_it_waited_for(client, company, tangled):
    public, secret_blocker, _ = tangled
    public.remove_blocker(company.engineer, secret_blocker)
    client.login(company.seller)
    history = client.get("/tasks/%d/history" % public.id, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Tape-out" not in history and "#%d" % secret_blocker.id not in history
    assert history.count("a restricted task") == 2  # added, then removed


def test_a_restricted_blocker_done_tells_an_owner_who_cannot_see_it_only_that_a_restricted_task_is_done(
        company, secret_project, make_task):
    waiting = make_task(company.seller, title="Quote for customer")
    blocker = make_task(company.engineer, title="Tape-out", project=secret_project)
    waiting.add_blocker(company.engineer, blocker)
    blocker.revise(company.engineer, blocker.version, status="done")
    told = Notification.get((Notification.user == company.seller) & (Notification.event == "blocker.done"))
    assert "Tape-out" not in told.text and "#%d" % blocker.id not in told.text
    assert told.text == "A restricted task is done, so it no longer blocks Quote for customer"
    assert Task.get_by_id(waiting.id).blockers(company.seller).where(Task.status != "done").count() == 0


def test_the_owner_outside_the_project_sees_their_task_but_not_the_projects_name(
        client, company, secret_project, make_task):
    task = make_task(company.seller, by=company.rnd_head, title="Customer quote", project=secret_project)
    client.login(company.seller)
    for url in ("/tasks/%d" % task.id, "/tasks/%d/history" % task.id, "/tasks/%d/edit" % task.id):
        page = client.get(url).get_data(as_text=True)
        assert "Customer quote" in page
        assert "Secret chip" not in page and "/projects/%d" % secret_project.id not in page, url
    assert "A restricted project" in client.get("/tasks/%d" % task.id).get_data(as_text=True)


def test_an_outside_owners_edit_keeps_the_task_in_the_project_they_cannot_see(
        client, company, secret_project, make_task):
    task = make_task(company.seller, by=company.rnd_head, title="Customer quote", project=secret_project)
    client.login(company.seller)
    response = client.post("/tasks/%d" % task.id, data={
        "title": "Customer quote, revised", "owner": company.seller.id, "requesting_department": 0,
        "priority": "P2", "status": "todo", "version": task.version, "project": 0})
    assert response.status_code == 303
    saved = Task.get_by_id(task.id)
    assert saved.title == "Customer quote, revised"
    assert saved.project_id == secret_project.id
    assert saved.id not in {t.id for t in Task.board(company.sales_head)}


def test_an_outside_owner_cannot_move_the_task_into_a_project_they_cannot_see(
        client, company, secret_project, make_task):
    task = make_task(company.seller, title="Customer quote")
    client.login(company.seller)
    page = client.post("/tasks/%d" % task.id, data={
        "title": "Customer quote", "owner": company.seller.id, "requesting_department": 0, "priority": "P2",
        "status": "todo", "version": task.version, "project": secret_project.id})
    assert page.status_code == 200
    assert Task.get_by_id(task.id).project_id is None


def test_which_linked_tasks_a_reader_may_see_agrees_with_the_view_rule_on_many_tasks(company, make_task):
    """The SQL twin of the task view rule, as blockers() and dependents() read it."""
    pick = random.Random(12)
    people = [company.sales_head, company.seller, company.rnd_head, company.engineer, company.coordinator]
    projects = [None] + [Project.start(None, name="P%d" % n, goal="", coordinator=pick.choice(people),
                                       departments=pick.sample([company.sales, company.rnd], pick.randint(1, 2)),
                                       start_date=datetime.date(2026, 1, 1), end_date=datetime.date(2026, 12, 31),
                                       status="active", visibility=pick.choice(["company", "participants"]))
                         for n in range(4)]
    hub = make_task(company.coordinator, title="Hub")
    for n in range(30):
        task = make_task(pick.choice(people), by=pick.choice(people), title="T%d" % n, project=pick.choice(projects))
        if n % 2:
            hub.add_blocker(company.coordinator, task)
        else:
            task.add_blocker(company.coordinator, hub)
    for reader in people:
        linked = list(hub.blockers(reader)) + list(hub.dependents(reader))
        assert len(linked) == 30
        assert [bool(t.visible) for t in linked] == [can(reader, "view", Task.get_by_id(t.id)) for t in linked]
