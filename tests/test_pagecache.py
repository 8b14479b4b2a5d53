"""Kept pages (portal.pagecache): a page read again before anything changed is answered from
memory, and never once something changed — by the reader, by someone else, on another connection."""
import datetime
import re
import threading
import time

import pytest
import time_machine

from portal.db import db, generation
from portal.pagecache import Pages
from portal.projects.models import Project
from tests.conftest import statements

START = datetime.date(2026, 1, 1)


@pytest.fixture
def shop(make_department, make_user):
    sales, finance = make_department("销售部", "Sales"), make_department("财务部", "Finance")
    coordinator = make_user(department=sales, role="coordinator", name="Cai Coordinator")
    project = Project.start(None, name="Spring fair", goal="Sell", coordinator=coordinator, departments=[sales],
                            start_date=START, end_date=START + datetime.timedelta(days=90), status="active",
                            visibility="participants")
    return {"project": project, "coordinator": coordinator, "seller": make_user(department=sales, name="Chen Chen"),
            "outsider": make_user(department=finance, name="Zhao Lei")}


def signed_in(app, user):
    client = app.test_client()
    client.login(user)
    return client


def rename(project, name):
    project = Project.get_by_id(project.id)
    project.update_details(None, departments=list(project.departments), name=name, goal=project.goal,
                           coordinator=project.coordinator, start_date=project.start_date,
                           end_date=project.end_date, status=project.status, visibility=project.visibility)


def token_of(html):
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def test_the_generation_moves_with_every_commit_whoever_makes_it(app, engine, make_department, at_once):
    make_department()
    engine.settle()
    before = generation()
    assert generation() == before  # reading moves nothing
    make_department()
    mine = generation()
    assert mine != before
    at_once(make_department)  # a commit on another connection
    engine.settle()
    assert generation() != mine


def test_a_page_read_again_unchanged_asks_the_database_only_who_reads_and_whether_anything_changed(
        app, engine, shop):
    client = signed_in(app, shop["seller"])
    url = "/projects/%d" % shop["project"].id
    engine.settle()  # before the first read: a database being copied for the next test ends later
    first = client.get(url)
    with statements() as seen:
        again = client.get(url)
    assert again.status_code == 200 and "Spring fair" in again.get_data(as_text=True)
    assert len(seen) <= 2, seen  # the signed-in person's session, the database's generation
    # The same page but for the form token, which is written for each answer.
    assert (first.get_data(as_text=True).replace(token_of(first.get_data(as_text=True)), "")
            == again.get_data(as_text=True).replace(token_of(again.get_data(as_text=True)), ""))


def test_a_change_shows_at_once_whoever_made_it(app, shop, at_once):
    coordinator, seller = signed_in(app, shop["coordinator"]), signed_in(app, shop["seller"])
    url = "/projects/%d" % shop["project"].id
    for reader in (coordinator, seller):
        assert "Spring fair" in reader.get(url).get_data(as_text=True)
    # the reader's own change, through the page's form
    response = coordinator.post(url + "/edit", data={
        "name": "Summer fair", "goal": "Sell", "coordinator": shop["coordinator"].id,
        "departments": [d.id for d in shop["project"].departments], "start_date": "2026-01-01",
        "end_date": "2026-04-01", "status": "active", "visibility": "participants"})
    assert response.status_code == 303
    assert "Summer fair" in coordinator.get(url).get_data(as_text=True)
    assert "Summer fair" in seller.get(url).get_data(as_text=True)
    # someone else's change, committed on a connection of its own
    at_once(lambda: rename(shop["project"], "Autumn fair"))
    for reader in (coordinator, seller):
        assert "Autumn fair" in reader.get(url).get_data(as_text=True)


def test_a_page_kept_for_one_reader_is_never_shown_to_another(app, shop):
    url = "/projects/%d" % shop["project"].id
    seller = signed_in(app, shop["seller"])
    assert seller.get(url).status_code == 200
    assert seller.get(url).status_code == 200
    assert signed_in(app, shop["outsider"]).get(url).status_code == 404


def test_the_form_token_of_a_kept_page_is_the_readers_own(app, engine, shop):
    url = "/projects/%d" % shop["project"].id
    phone, laptop = signed_in(app, shop["seller"]), signed_in(app, shop["seller"])
    engine.settle()
    phone.get(url)
    with statements() as seen:
        page = laptop.get(url).get_data(as_text=True)
    assert len(seen) <= 2  # answered from what the phone's visit kept
    answer = laptop.post("/notifications/read-all", headers={"X-CSRFToken": token_of(page)}, csrf=False)
    assert answer.status_code in (200, 303)


def test_a_message_waiting_to_be_shown_is_shown_once(app, shop):
    client = signed_in(app, shop["seller"])
    url = "/projects/%d" % shop["project"].id
    client.get(url)
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Saved a moment ago.")]
    assert "Saved a moment ago." in client.get(url).get_data(as_text=True)
    assert "Saved a moment ago." not in client.get(url).get_data(as_text=True)


def test_a_kept_page_is_written_again_each_minute(app, engine, shop):
    url = "/projects/%d" % shop["project"].id
    with time_machine.travel(datetime.datetime(2026, 3, 2, 9, 30, 5, tzinfo=datetime.UTC), tick=False) as clock:
        client = signed_in(app, shop["seller"])
        engine.settle()
        assert client.get(url).status_code == 200
        with statements() as kept:
            assert client.get(url).status_code == 200
        clock.shift(datetime.timedelta(seconds=55))  # 09:31:00: "3 minutes ago" may read otherwise
        with statements() as written:
            assert client.get(url).status_code == 200
    assert len(kept) <= 2 < len(written)


def test_no_reader_sees_the_page_of_before_a_change_once_it_is_committed(app, shop):
    url = "/projects/%d" % shop["project"].id
    readers = [signed_in(app, shop["seller"]) for _ in range(3)]
    for reader in readers:
        reader.get(url)
    start, committed, late, seen = threading.Barrier(len(readers) + 1), threading.Event(), [], []

    def write():
        with app.app_context(), db.connection_context():
            start.wait()
            time.sleep(0.05)  # the readers are reading by then
            rename(shop["project"], "Winter fair")
            committed.set()

    def read(client):
        start.wait()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            after = committed.is_set()  # asked before the request starts
            body = client.get(url).get_data(as_text=True)
            seen.append(after)
            if after:
                if "Winter fair" not in body:
                    late.append(body)
                return

    db.close()  # each thread reads and writes on a connection of its own
    threads = [threading.Thread(target=write)] + [threading.Thread(target=read, args=(r,)) for r in readers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    db.connect(reuse_if_open=True)
    assert committed.is_set() and seen.count(True) == len(readers) and not late
    assert seen.count(False) >= len(readers)  # they were reading while the change was made


def test_the_store_keeps_within_its_bound_and_lets_the_least_used_go_first():
    pages = Pages(400)
    for n in range(4):
        pages.put(n, ([], b"x" * 100), epoch=1)
    pages.get(0)
    pages.put(4, ([], b"x" * 100), epoch=1)
    assert pages.get(1) is None and pages.get(0) is not None and pages.size <= 400
    pages.put(5, ([], b"x" * 101), epoch=1)  # more than a quarter of the room: not kept
    assert pages.get(5) is None
    pages.put(6, ([], b"x" * 10), epoch=2)
    assert [pages.get(n) is not None for n in (0, 4, 6)] == [False, False, True] and pages.size == 10


def test_pages_of_before_a_change_leave_the_store_with_the_first_page_kept_after_it(app, engine, shop, at_once):
    project = "/projects/%d" % shop["project"].id
    with time_machine.travel(datetime.datetime(2026, 3, 2, 9, 30, 5, tzinfo=datetime.UTC), tick=False):
        seller = signed_in(app, shop["seller"])
        engine.settle()
        for url in (project, "/"):
            assert seller.get(url).status_code == 200
        store = app.extensions["pages"]
        assert len(store._pages) == 2
        at_once(lambda: rename(shop["project"], "Autumn fair"))
        assert "Autumn fair" in seller.get(project).get_data(as_text=True)
    assert [key[3] for key in store._pages] == [project + "?"]  # full_path
