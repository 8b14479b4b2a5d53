"""The boards over HTTP: each role on each board, filters in the URL, columns that load in pages,
card moves that update only what changed, and refusals that leave everything as it was."""
import datetime
import json
import re

import pytest
import time_machine

from portal.accounts.models import Department, User
from portal.db import utcnow
from portal.tasks.models import Task

HX = {"HX-Request": "true"}
NOW = datetime.datetime(2026, 5, 6, 2, 0)  # Wednesday 10:00 in Shanghai


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def asked(company, make_task):
    """A P0 that Sales asks of R&D, due Friday."""
    return make_task(company.engineer, by=company.seller, title="样机评审", priority="P0", reason="客户催",
                     requesting_department=company.sales, due_date=datetime.date(2026, 5, 8))


def _move(client, task, status, scope="mine", version=None, column=None, headers=HX, query=""):
    """Move as htmx does: the 303 is followed, within the same request, to the card where it now is."""
    data = {"status": status, "version": task.version if version is None else version,
            "column": column or task.status}
    return client.post("/boards/%s/tasks/%d/move%s" % (scope, task.id, query), data=data, headers=headers,
                       follow_redirects=bool(headers))


def _text(response):
    return response.get_data(as_text=True)


# -- who sees what ----------------------------------------------------------------------------

EDITORS = {"engineer", "seller", "rnd_head", "sales_head", "coordinator", "admin"}
SHOWN = {"mine": {"engineer"}, "department": {"engineer", "rnd_head"},
         "priorities": EDITORS | {"outsider"}}


@pytest.mark.parametrize("scope", ["mine", "department", "priorities"])
@pytest.mark.parametrize("role", sorted(EDITORS | {"outsider"}))
def test_each_role_sees_each_board_and_a_move_control_only_where_it_may_change_the_card(
        client, company, asked, admin, make_user, role, scope):
    people = dict(vars(company), admin=admin, outsider=make_user(company.coordinator.department, name="Outsider"))
    client.login(people[role])
    page = _text(client.get("/boards/%s" % scope))
    assert "<h1>%s</h1>" % {"mine": "My tasks", "department": "My department",
                            "priorities": "Company priorities"}[scope] in page
    assert ("样机评审" in page) == (role in SHOWN[scope])
    assert ('id="move-%d"' % asked.id in page) == (role in SHOWN[scope] and role in EDITORS)


def test_the_board_is_a_fragment_for_htmx_and_a_page_otherwise_with_a_clean_shareable_url(client, company, asked):
    client.login(company.coordinator)
    fragment = client.get("/boards/priorities?department=0&owner=0&priority=P0&tag=&side=all", headers=HX)
    assert _text(fragment).startswith('<div id="board"') and "<html" not in _text(fragment)
    assert fragment.headers["HX-Push-Url"] == "/boards/priorities?priority=P0"
    page = client.get("/boards/priorities?priority=P0")
    assert "<html" in _text(page) and "样机评审" in _text(page) and "HX-Push-Url" not in page.headers


@pytest.fixture
def priority_titles(client, company, asked, make_task):
    """The titles the coordinator reads on the company's priorities at an address's query: the P0
    asked for, a P1 of sales tagged q3 and a blocked P1 of R&D."""
    make_task(company.seller, title="Sales P1", priority="P1", tags="q3")
    make_task(company.engineer, title="R&D P1 blocked", priority="P1", status="blocked")
    client.login(company.coordinator)

    def titles(query):
        return set(re.findall(r'class="card-title" href="/tasks/\d+">#\d+ ([^<]+)<', _text(
            client.get("/boards/priorities" + query))))
    return titles


def test_filters_in_the_url_narrow_the_board_and_bad_values_are_ignored(client, company, priority_titles):
    titles = priority_titles
    assert titles("") == {"样机评审", "Sales P1", "R&amp;D P1 blocked"}
    assert titles("?department=%d" % company.rnd.id) == {"样机评审", "R&amp;D P1 blocked"}
    assert titles("?owner=%d" % company.seller.id) == {"Sales P1"}
    # The owner is found by name: the select offers "Anyone" and the one chosen, not the whole company.
    owner = re.search(r'<select id="owner".*?</select>', _text(client.get("/boards/priorities?owner=%d"
                                                                          % company.seller.id))).group(0)
    assert re.findall(r'value="(\d+)"', owner) == ["0", str(company.seller.id)] and "selected" in owner
    assert titles("?priority=P0") == {"样机评审"}
    assert titles("?tag=Q3") == set(), "tags are matched as stored, lower case"
    assert titles("?tag=q3") == {"Sales P1"}
    assert titles("?blocked=y") == {"R&amp;D P1 blocked"}
    assert titles("?owner=abc&priority=P9&department=-4&tag=" + "x" * 500) == titles("")


def test_a_hand_made_link_turns_a_yes_or_no_filter_off_with_0_or_false_and_a_bad_tag_drops_alone(client,
                                                                                                   priority_titles):
    titles = priority_titles
    everything = titles("")
    assert {"Sales P1", "R&amp;D P1 blocked"} <= everything
    for off in ("0", "false", "n", "No", ""):
        assert titles("?blocked=" + off) == everything, off
    assert titles("?blocked=1") == titles("?blocked=y") == {"R&amp;D P1 blocked"}
    assert titles("?tag=%20q3%20") == {"Sales P1"}, "spaces around a tag are not part of it"
    assert titles("?tag=q3%00&priority=P1") == {"Sales P1", "R&amp;D P1 blocked"}, "the tag alone is dropped"
    # The form drawn shows what was read: the checkbox ticked, the dropped tag empty.
    form = re.search(r'<form class="filters.*?</form>', _text(client.get("/boards/priorities?blocked=1&tag=q3%00")),
                     re.S).group(0)
    assert re.search(r'<input checked[^>]*name="blocked"|name="blocked"[^>]*checked', form)
    assert re.search(r'<input id="tag" maxlength="30" name="tag" type="search" value="">', form)


def test_overdue_is_judged_by_the_viewers_own_date(client, company, make_task):
    make_task(company.engineer, title="due yesterday", due_date=datetime.date(2026, 5, 5))
    make_task(company.engineer, title="due today", due_date=datetime.date(2026, 5, 6))
    client.login(company.engineer)
    page = _text(client.get("/boards/mine?overdue=y"))
    assert "due yesterday" in page and "due today" not in page
    assert page.count("<strong>Overdue</strong>") == 1


def test_the_department_board_shows_what_others_ask_of_us_and_what_we_ask_of_others(app, client, company, asked,
                                                                                     make_task):
    make_task(company.engineer, by=company.rnd_head, title="内部重构", requesting_department=company.rnd)
    client.login(company.rnd_head)
    everything = _text(client.get("/boards/department"))
    assert "样机评审" in everything and "内部重构" in everything
    asked_of_us = _text(client.get("/boards/department?side=asked"))
    assert "样机评审" in asked_of_us and "内部重构" not in asked_of_us
    sales = app.test_client()
    sales.login(company.sales_head)
    we_asked = _text(sales.get("/boards/department?side=asking"))
    assert "样机评审" in we_asked and "内部重构" not in we_asked
    assert "样机评审" not in _text(sales.get("/boards/department"))


def test_someone_without_a_department_is_asked_to_choose_one(client, make_user):
    loner = make_user(department=False)
    client.login(loner)
    page = _text(client.get("/boards/department"))
    assert "You are not in a department yet" in page


def test_company_priorities_group_by_department_and_flag_a_p0_collision(client, company, asked, make_task):
    make_task(company.rnd_head, title="另一个 P0", priority="P0", due_date=datetime.date(2026, 5, 7))
    make_task(company.seller, title="销售 P0", priority="P0", due_date=datetime.date(2026, 5, 7))
    make_task(company.engineer, title="不急", priority="P2")
    client.login(company.coordinator)
    page = _text(client.get("/boards/priorities"))
    assert "不急" not in page
    assert 'id="column-%d"' % company.rnd.id in page and 'id="column-%d"' % company.sales.id in page
    assert "<strong>R&amp;D</strong>: 2 P0s due in the week of May 4, 2026" in page
    assert 'class="column collision" id="column-%d"' % company.rnd.id in page
    assert 'class="column" id="column-%d"' % company.sales.id in page


# -- large boards -------------------------------------------------------------------------------

def _many(owner, n, status="todo", priority="P1"):
    now = utcnow()
    rows = [{"title": "Bulk %d" % i, "owner": owner.id, "department": owner.department_id, "priority": priority,
             "status": status, "created_at": now, "updated_at": now} for i in range(n)]
    for start in range(0, n, 500):
        Task.insert_many(rows[start:start + 500]).execute()


def test_a_column_opens_with_its_first_eight_cards_and_loads_thirty_more_at_a_time(client, company):
    _many(company.engineer, 45)
    client.login(company.engineer)
    page = _text(client.get("/boards/mine"))
    assert page.count('class="task-card') == 8
    assert '<span id="count-todo" class="count">45</span>' in page
    assert "Show more (37)" in page
    more = _text(client.get("/boards/mine/columns/todo?offset=8", headers=HX))
    assert more.count('class="task-card') == 30 and "offset=38" in more
    rest = client.get("/boards/mine/columns/todo?offset=38", headers=HX)
    assert _text(rest).count('class="task-card') == 7 and "Show more" not in _text(rest)
    assert _text(rest).lstrip().startswith('<li id="task-')
    whole = _text(client.get("/boards/mine/columns/todo?offset=38"))
    assert "<html" in whole and whole.count('class="task-card') == 7 and "← Previous" in whole
    assert client.get("/boards/mine/columns/archived").status_code == 404
    assert client.get("/boards/everything").status_code == 404


def test_two_thousand_tasks_render_at_most_a_page_per_column_in_as_many_queries_as_twenty(
        client, company, count_queries):
    client.login(company.coordinator)
    _many(company.engineer, 10, priority="P0")
    _many(company.seller, 10, priority="P1", status="doing")
    boards = ("/boards/priorities", "/boards/department?department=%d" % company.rnd.id)
    pages = {}

    def visit(url):
        pages[url] = client.get(url)
    # Each board's first visit after the tasks changed: a second would be answered from memory.
    small = [count_queries(lambda url=url: visit(url)) for url in boards]
    for status in ("todo", "doing", "blocked", "review"):
        _many(company.engineer, 495, status=status, priority="P0")
    large = [count_queries(lambda url=url: visit(url)) for url in boards]
    assert Task.select().count() == 2000
    assert _text(pages["/boards/priorities"]).count('class="task-card') == 5 + 5, "the first five of each department"
    assert large == small


# -- moving cards ------------------------------------------------------------------------------

def test_a_move_updates_only_the_card_and_the_two_column_counts(client, company, asked):
    client.login(company.engineer)
    response = _move(client, asked, "doing")
    body = _text(response)
    assert response.status_code == 200
    assert 'hx-swap-oob="afterbegin:#cards-doing"' in body and 'id="task-%d"' % asked.id in body
    assert re.findall(r'<span id="count-(\w+)" class="count" hx-swap-oob="true">(\d+)</span>', body) == [
        ("doing", "1"), ("todo", "0")]
    assert 'name="version" value="2"' in body
    task = Task.get_by_id(asked.id)
    assert (task.status, task.version) == ("doing", 2)


def test_without_javascript_a_move_returns_to_the_same_filtered_board(client, company, asked):
    client.login(company.engineer)
    response = _move(client, asked, "review", headers={}, query="?priority=P0")
    assert response.status_code == 303 and response.headers["Location"] == "/boards/mine?priority=P0"
    page = _text(client.get(response.headers["Location"]))
    assert "#%d moved to In review." % asked.id in page
    assert Task.get_by_id(asked.id).status == "review"


def test_a_move_passes_the_boards_filters_on_and_the_card_checks_them(client, company, asked):
    """The move itself reads no filter: it hands them to the card, which drops what is not one of
    its filters or not a value it could have; what it names itself (the column left) is its own."""
    client.login(company.engineer)
    card = client.post("/boards/mine/tasks/%d/move?priority=P0&owner=x&left=blocked&task_id=1&q=1" % asked.id,
                       data={"status": "review", "version": 1, "column": "todo"}, headers=HX)
    assert card.status_code == 200 and 'id="task-%d"' % asked.id in _text(card)
    # Counted on the board of P0s, the owner "x" dropped: a value no owner can have; the column
    # left is the one the card was shown in, not the address's "blocked".
    assert re.findall(r'<span id="count-(\w+)" class="count" hx-swap-oob="true">(\d+)</span>', _text(card)) == [
        ("review", "1"), ("todo", "0")]


def test_a_stale_move_is_refused_with_a_toast_and_the_card_as_it_now_is(client, company, asked):
    asked.move(company.rnd_head, asked.version, "review")
    client.login(company.engineer)
    response = _move(client, asked, "doing", version=1, column="todo")
    assert response.status_code == 200
    toast = json.loads(response.headers["HX-Trigger"])["showMessage"][0]
    assert toast["level"] == "error" and "Zhang Wei changed this task since you opened it" in toast["text"]
    body = _text(response)
    assert 'hx-swap-oob="afterbegin:#cards-review"' in body and 'name="version" value="2"' in body
    assert set(re.findall(r'id="count-(\w+)"', body)) == {"todo", "review"}
    assert Task.get_by_id(asked.id).status == "review"


def test_moving_to_a_column_that_does_not_exist_is_refused_and_nothing_changes(client, company, asked):
    client.login(company.engineer)
    response = _move(client, asked, "archived")
    assert response.status_code == 200
    assert "There is no status “archived”" in json.loads(response.headers["HX-Trigger"])["showMessage"][0]["text"]
    assert 'afterbegin:#cards-todo' in _text(response), "the card goes back where it is"
    missing = client.post("/boards/mine/tasks/%d/move" % asked.id, data={"status": "doing"}, headers=HX,
                          follow_redirects=True)
    assert "Reload the board" in missing.headers["HX-Trigger"]
    plain = _move(client, asked, "archived", headers={})
    assert plain.status_code == 303
    assert "There is no status" in _text(client.get(plain.headers["Location"]))
    task = Task.get_by_id(asked.id)
    assert (task.status, task.version) == ("todo", 1)


def test_moving_someone_elses_card_is_forbidden_and_an_unknown_card_is_not_found(client, company, asked, make_user):
    client.login(make_user(company.sales, name="Another seller"))
    assert _move(client, asked, "doing").status_code == 403
    assert client.post("/boards/mine/tasks/99999/move", data={"status": "doing", "version": 1}).status_code == 404
    assert client.post("/boards/nowhere/tasks/%d/move" % asked.id, data={"status": "doing"}).status_code == 404
    assert Task.get_by_id(asked.id).status == "todo"


def test_on_the_priorities_board_a_move_changes_the_card_in_place_and_done_leaves_the_board(client, company, asked):
    client.login(company.coordinator)
    column = str(company.rnd.id)
    moved = _text(_move(client, asked, "doing", scope="priorities", column=column))
    assert moved.lstrip().startswith('<li id="task-%d"' % asked.id), "swapped in place, in its department"
    assert "In progress" in moved and "hx-swap-oob=\"afterbegin" not in moved
    done = _text(_move(client, Task.get_by_id(asked.id), "done", scope="priorities", column=column))
    assert 'id="task-' not in done
    assert '<span id="count-%s" class="count" hx-swap-oob="true">0</span>' % column in done


def test_a_move_is_recorded_in_the_history(client, company, asked):
    client.login(company.engineer)
    _move(client, asked, "doing")
    page = _text(client.get("/tasks/%d" % asked.id))
    assert "Zhou Jie</strong> moved the card" in page
    assert re.search(r"Status:\s+To do → In progress", page)


def test_departments_and_people_stay_readable_in_chinese(client, company, asked):
    User.update(language="zh_CN").where(User.id == company.coordinator.id).execute()
    Department.update(name_en="").execute()
    client.login(company.coordinator)
    page = _text(client.get("/boards/priorities"))
    assert "P0 紧急" in page and "研发部" in page and "公司重点任务" in page


def test_a_task_moved_to_done_while_it_waits_for_others_says_so_and_is_done(client, company, asked, make_task):
    prototype = make_task(company.engineer, title="Prototype")
    asked.add_blocker(company.engineer, prototype)
    client.login(company.engineer)
    response = _move(client, Task.get_by_id(asked.id), "done")
    toasts = json.loads(response.headers["HX-Trigger"])["showMessage"]
    assert {"level": "info", "text": "#%d is done, though it still waits for #%d Prototype. Check that they are "
            "still needed." % (asked.id, prototype.id)} in toasts
    assert Task.get_by_id(asked.id).status == "done"
    marked = make_task(company.engineer, title="Waiting on the supplier", status="blocked")
    page = _move(client, marked, "done", headers={})
    assert "#%d is done; it was marked blocked until now." % marked.id in _text(client.get(page.headers["Location"]))
    plain = make_task(company.engineer, title="Nothing in the way")
    assert "showMessage" not in json.loads(_move(client, plain, "done").headers.get("HX-Trigger", "{}"))


def test_a_move_on_a_board_filtered_by_a_chinese_tag_answers_with_that_boards_counts(client, company, make_task):
    tagged = make_task(company.engineer, title="图纸", tags="设计")
    make_task(company.engineer, title="别的")  # not tagged: not on the board, not counted
    client.login(company.engineer)
    card = _move(client, tagged, "doing", query="?tag=%E8%AE%BE%E8%AE%A1")
    assert card.status_code == 200 and 'id="task-%d"' % tagged.id in _text(card)
    assert re.findall(r'<span id="count-(\w+)" class="count" hx-swap-oob="true">(\d+)</span>', _text(card)) == [
        ("doing", "1"), ("todo", "0")]
