"""A task's pages over HTTP: creating, editing (stale edits, reasons, bad input), blockers,
checklist, comments, watching; fragments with and without htmx; unknown tasks."""
import datetime
import re

import pytest

from portal.audit import AuditEntry
from portal.notifications.models import Notification
from portal.tasks.models import ChecklistItem, Task, TaskComment, TaskDependency

HX = {"HX-Request": "true"}


@pytest.fixture
def task(company, make_task):
    return make_task(company.engineer, by=company.seller, title="样机评审", requesting_department=company.sales,
                     due_date=datetime.date(2026, 6, 1))


def _text(response):
    return response.get_data(as_text=True)


def _edit(task, **changes):
    data = {"title": task.title, "owner": task.owner_id, "requesting_department": task.requesting_department_id or 0,
            "priority": task.priority, "status": task.status,
            "due_date": task.due_date.isoformat() if task.due_date else "",
            "estimate_hours": "" if task.estimate_hours is None else str(task.estimate_hours),
            "tags": ", ".join(task.tag_names()), "description": task.description, "reason": "",
            "version": task.version}
    data.update(changes)
    return data


# -- creating ---------------------------------------------------------------------------------

def test_anyone_can_ask_a_colleague_in_another_department_for_a_task(client, company):
    client.login(company.seller)
    form = _text(client.get("/tasks/new"))
    assert '<optgroup label="R&amp;D">' in form
    assert re.search(r'<option selected value="%d">' % company.sales.id, form), "asked for by my department"
    response = client.post("/tasks/", data={
        "title": "报价单", "owner": company.engineer.id, "requesting_department": company.sales.id,
        "priority": "P1", "status": "todo", "due_date": "2026/06/30", "estimate_hours": "2.5",
        "tags": "报价，Q3", "description": "**急**", "reason": "客户周五要"})
    task = Task.get(Task.title == "报价单")
    assert response.headers["Location"] == "/tasks/%d" % task.id
    assert (task.department_id, task.due_date, str(task.estimate_hours)) == (
        company.rnd.id, datetime.date(2026, 6, 30), "2.5")
    page = _text(client.get(response.headers["Location"]))
    assert "is on Zhou Jie&#39;s board" in page and "<strong>急</strong>" in page and "q3" in page
    assert Notification.get(Notification.user == company.engineer).event == "task.assigned"


def test_a_new_task_with_bad_input_keeps_what_was_typed_and_saves_nothing(client, company, admin):
    company.engineer.deactivate(admin)
    client.login(company.seller)
    cases = [({"owner": company.engineer.id}, "Zhou Jie has been deactivated; choose an active owner."),
             ({"owner": 99999}, "Choose the owner from the list."),
             ({"due_date": "2026-02-30"}, "Enter the date as YYYY-MM-DD, for example 2026-05-31."),
             ({"due_date": "31.05.2026"}, "Enter the date as YYYY-MM-DD, for example 2026-05-31."),
             ({"priority": "P9"}, "There is no priority “P9”"),
             ({"status": "someday"}, "There is no status “someday”"),
             ({"title": "   "}, "This field is required."),
             ({"estimate_hours": "lots"}, "Not a valid decimal value."),
             ({"tags": "x" * 31}, "Keep each tag under 30 characters."),
             ({"priority": "P0", "owner": company.rnd_head.id}, "Say briefly why")]
    for changes, message in cases:
        data = {"title": "试试", "owner": company.rnd_head.id, "requesting_department": company.sales.id,
                "priority": "P2", "status": "todo", "due_date": "", "tags": "", "description": "", "reason": ""}
        response = client.post("/tasks/", data=dict(data, **changes))
        assert response.status_code == 200, changes
        assert message in _text(response), changes
    assert Task.select().count() == 0


# -- editing ----------------------------------------------------------------------------------

def test_the_edit_form_starts_from_the_task_as_it_is(client, company, make_task):
    task = make_task(company.rnd_head, by=company.seller, title="改版", requesting_department=company.sales,
                     priority="P3", status="review", tags="b, a", estimate_hours=4, reason="")
    client.login(company.rnd_head)
    form = _text(client.get("/tasks/%d/edit" % task.id))
    for selected in ('<option selected value="%d">Zhang Wei</option>' % company.rnd_head.id,
                     '<option selected value="%d">Sales</option>' % company.sales.id,
                     '<option selected value="P3">', '<option selected value="review">',
                     'name="tags" type="text" value="a, b"',
                     'name="estimate_hours" step="any" type="number" value="4.0"',
                     'name="version" type="hidden" value="1"'):
        assert selected in form, selected
    unchanged = client.post("/tasks/%d" % task.id, data=_edit(task))
    assert unchanged.status_code == 303 and Task.get_by_id(task.id).version == 1, "saving as is changes nothing"


def test_the_owner_edits_a_task_and_the_history_shows_old_and_new(client, company, task):
    client.login(company.engineer)
    response = client.post("/tasks/%d" % task.id, data=_edit(task, status="doing", tags="a,b"))
    assert response.status_code == 303
    page = _text(client.get("/tasks/%d" % task.id))
    assert re.search(r"Status:\s+To do → In progress", page) and re.search(r"Tags:\s+— → a, b", page)


def test_a_stale_edit_is_refused_showing_how_the_task_is_now_and_keeping_what_was_typed(client, app, company, task):
    client.login(company.engineer)
    loaded = task.version
    task.revise(company.rnd_head, loaded, priority="P1", status="review")
    response = client.post("/tasks/%d" % task.id, data=_edit(task, version=loaded, title="我改的标题"))
    page = _text(response)
    assert response.status_code == 200
    assert "Zhang Wei changed this task since you opened it, so nothing was saved." in page
    assert "How it is now" in page and "P1 High" in page and "In review" in page
    assert 'value="我改的标题"' in page and 'name="version" type="hidden" value="2"' in page
    assert Task.get_by_id(task.id).title == "样机评审"
    again = client.post("/tasks/%d" % task.id, data=_edit(Task.get_by_id(task.id), title="我改的标题"))
    assert again.status_code == 303 and Task.get_by_id(task.id).title == "我改的标题"


def test_raising_another_departments_task_needs_a_reason_shown_in_the_history(client, company, task):
    client.login(company.sales_head)
    refused = client.post("/tasks/%d" % task.id, data=_edit(task, priority="P0"))
    assert refused.status_code == 200 and 'id="reason-error"' in _text(refused)
    assert Task.get_by_id(task.id).priority == "P2"
    client.post("/tasks/%d" % task.id, data=_edit(task, priority="P0", reason="大客户下周验收"))
    page = _text(client.get("/tasks/%d" % task.id))
    assert "Reason: 大客户下周验收" in page and re.search(r"Priority:\s+P2 Medium → P0 Urgent", page)


def test_the_edit_page_names_a_deactivated_owner_and_refuses_to_assign_one(client, company, task, admin):
    company.engineer.deactivate(admin)
    client.login(company.rnd_head)
    form = _text(client.get("/tasks/%d/edit" % task.id))
    assert "Zhou Jie (deactivated)" in form
    response = client.post("/tasks/%d" % task.id, data=_edit(task, owner=company.rnd_head.id))
    assert response.status_code == 303, "moving it to an active owner is the fix"
    replaced = Task.get_by_id(task.id)
    refused = client.post("/tasks/%d" % task.id, data=_edit(replaced, owner=company.engineer.id))
    assert "has been deactivated" in _text(refused)
    assert Task.get_by_id(task.id).owner_id == company.rnd_head.id


@pytest.mark.parametrize("role", ["engineer", "seller", "rnd_head", "sales_head", "coordinator"])
def test_owner_requester_heads_and_coordinators_may_edit(client, company, task, role):
    client.login(getattr(company, role))
    assert client.get("/tasks/%d/edit" % task.id).status_code == 200
    assert ">Edit</a>" in _text(client.get("/tasks/%d" % task.id))


def test_a_colleague_without_a_stake_may_read_and_discuss_but_not_edit(client, company, task, make_user):
    client.login(make_user(company.sales, name="Bystander"))
    page = _text(client.get("/tasks/%d" % task.id))
    assert "样机评审" in page and ">Edit</a>" not in page and 'name="blocker"' not in page
    assert client.get("/tasks/%d/edit" % task.id).status_code == 403
    assert client.post("/tasks/%d" % task.id, data=_edit(task, title="hijack")).status_code == 403
    assert client.post("/tasks/%d/checklist" % task.id, data={"text": "x"}).status_code == 403
    assert client.post("/tasks/%d/blockers" % task.id, data={"blocker": "1"}).status_code == 403
    assert client.post("/tasks/%d/comments" % task.id, data={"body": "我也关心"}).status_code == 303
    assert Task.get_by_id(task.id).title == "样机评审"


@pytest.mark.parametrize("method, path", [
    ("get", "/tasks/99999"), ("get", "/tasks/99999/edit"), ("post", "/tasks/99999"),
    ("get", "/tasks/99999/blockers"), ("post", "/tasks/99999/blockers"), ("get", "/tasks/99999/checklist"),
    ("post", "/tasks/99999/checklist"), ("get", "/tasks/99999/comments"), ("post", "/tasks/99999/comments"),
    ("get", "/tasks/99999/history"), ("post", "/tasks/99999/watch"), ("post", "/boards/mine/tasks/99999/move")])
def test_an_unknown_task_is_not_found_everywhere(client, company, method, path):
    client.login(company.coordinator)
    assert getattr(client, method)(path).status_code == 404
    assert getattr(client, method)(path, headers=HX).status_code == 404


# -- blockers -----------------------------------------------------------------------------------

def test_a_blocker_is_added_as_a_fragment_and_its_owner_department_and_due_date_are_shown(client, company, task,
                                                                                          make_task):
    prototype = make_task(company.seller, title="客户确认", due_date=datetime.date(2026, 5, 20))
    client.login(company.engineer)
    response = client.post("/tasks/%d/blockers" % task.id, data={"blocker": "#%d" % prototype.id}, headers=HX,
                           follow_redirects=True)
    fragment = _text(response)
    assert fragment.startswith('<section class="card" id="task-blockers"')
    assert "Blocked: 1 task must be done first." in fragment
    assert "Chen Chen · Sales ·" in fragment and "due May 20, 2026" in fragment
    assert "taskChanged" in response.headers["HX-Trigger"]
    prototype.move(company.seller, prototype.version, "done")
    assert "Unblocked: every task this one waited for is done." in _text(client.get("/tasks/%d" % task.id))


def test_a_cycle_a_self_dependency_and_an_unknown_number_are_refused_in_the_fragment(client, company, task,
                                                                                    make_task):
    other = make_task(company.engineer, title="上游")
    other.add_blocker(company.engineer, task)
    client.login(company.engineer)
    for value, message in [(str(other.id), "That would make these tasks wait for each other in a circle: "
                            "#%d 样机评审 → #%d 上游 → #%d 样机评审." % (task.id, other.id, task.id)),
                           (str(task.id), "A task cannot wait for itself."),
                           ("#99999", "There is no task #99999."),
                           ("next week", "Enter the number of the task, like 123.")]:
        response = client.post("/tasks/%d/blockers" % task.id, data={"blocker": value}, headers=HX)
        assert response.status_code == 200
        assert _text(response).startswith('<section class="card" id="task-blockers"')
        assert message in _text(response), value
    assert TaskDependency.select().count() == 1


def test_without_htmx_a_blocker_change_lands_on_the_whole_task_page(client, company, task, make_task):
    other = make_task(company.seller, title="上游")
    client.login(company.engineer)
    added = client.post("/tasks/%d/blockers" % task.id, data={"blocker": str(other.id)})
    assert added.headers["Location"] == "/tasks/%d/blockers" % task.id
    page = _text(client.get(added.headers["Location"]))
    assert "<html" in page and "now waits for #%d 上游" % other.id in page
    removed = client.post("/tasks/%d/blockers/%d/delete" % (task.id, other.id))
    assert removed.status_code == 303 and TaskDependency.select().count() == 0
    assert client.post("/tasks/%d/blockers/%d/delete" % (task.id, other.id)).status_code == 404


# -- checklist, comments, watching, history -----------------------------------------------------

def test_the_checklist_is_worked_through_with_htmx(client, company, task, make_task):
    client.login(company.engineer)
    added = client.post("/tasks/%d/checklist" % task.id, data={"text": "画图纸"}, headers=HX, follow_redirects=True)
    assert _text(added).startswith('<section class="card" id="task-checklist"') and "画图纸" in _text(added)
    item = ChecklistItem.get()
    checked = client.post("/tasks/%d/checklist/%d/check" % (task.id, item.id), headers=HX, follow_redirects=True)
    assert 'aria-pressed="true"' in _text(checked) and "1/1" in _text(checked)
    client.post("/tasks/%d/checklist/%d/uncheck" % (task.id, item.id))
    assert ChecklistItem.get_by_id(item.id).done is False
    empty = client.post("/tasks/%d/checklist" % task.id, data={"text": ""}, headers=HX)
    assert empty.status_code == 200 and "This field is required." in _text(empty)
    elsewhere = make_task(company.engineer)
    assert client.post("/tasks/%d/checklist/%d/delete" % (elsewhere.id, item.id)).status_code == 404
    client.post("/tasks/%d/checklist/%d/delete" % (task.id, item.id))
    assert ChecklistItem.select().count() == 0
    history = _text(client.get("/tasks/%d/history" % task.id, headers=HX))
    assert history.startswith('<section class="card history" id="task-history"')
    assert "changed the checklist" in history and "画图纸" in history


def test_comments_render_markdown_without_scripts_or_unsafe_links(client, company, task):
    client.login(company.seller)
    body = ("**谢谢** <script>alert('x')</script> [good](https://example.com) [bad](javascript:alert(1)) "
            "<img src=x onerror=alert(1)>")
    response = client.post("/tasks/%d/comments" % task.id, data={"body": body}, headers=HX, follow_redirects=True)
    fragment = _text(response)
    assert fragment.startswith('<section class="card" id="task-comments"')
    assert "<strong>谢谢</strong>" in fragment
    assert '<a href="https://example.com" rel="noopener noreferrer">good</a>' in fragment
    assert "<script>alert" not in fragment and 'href="javascript:' not in fragment and "<img" not in fragment
    assert TaskComment.get().author_id == company.seller.id
    blank = client.post("/tasks/%d/comments" % task.id, data={"body": "   "})
    assert blank.status_code == 200 and "This field is required." in _text(blank)
    assert "<html" in _text(client.get("/tasks/%d/comments" % task.id))


def test_watching_a_task_brings_news_of_its_priority_and_due_date(client, company, task, make_user):
    watcher = make_user(company.sales, name="Curious")
    client.login(watcher)
    client.post("/tasks/%d/watch" % task.id)
    assert "Stop watching" in _text(client.get("/tasks/%d" % task.id))
    task.revise(company.engineer, task.version, priority="P1")
    assert Notification.get(Notification.user == watcher).event == "task.changed"
    client.post("/tasks/%d/unwatch" % task.id)
    assert [u.name for u in Task.get_by_id(task.id).watchers()] == ["Chen Chen"]
    assert AuditEntry.select().where(AuditEntry.action == "task.watch").count() == 1


def test_a_hostile_title_is_stored_as_typed_and_shown_escaped(client, company, task):
    client.login(company.engineer)
    client.post("/tasks/%d" % task.id, data=_edit(task, title='"><img src=x onerror=alert(1)>'))
    for path in ("/tasks/%d" % task.id, "/boards/mine"):
        page = _text(client.get(path))
        assert "<img src=x" not in page and "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in page


PAYLOADS = {"script": "<script>alert('x')</script>", "nul": "abc\x00def", "control": "tab\x07bell",
            "huge": "x" * 1024 * 1024, "spaces": "   ", "unicode": "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ✓ 中文"}


@pytest.mark.parametrize("field", ["title", "owner", "requesting_department", "priority", "status", "due_date",
                                   "estimate_hours", "tags", "description", "reason", "version"])
@pytest.mark.parametrize("payload", sorted(PAYLOADS))
def test_hostile_input_to_the_task_form_gets_an_answer_and_saves_nothing_half(client, company, task, field,
                                                                              payload):
    client.login(company.engineer)
    before = (Task.select().count(), AuditEntry.select().count())
    response = client.post("/tasks/%d" % task.id, data=_edit(task, **{field: PAYLOADS[payload]}))
    assert response.status_code in (200, 303)
    body = _text(response)
    assert "<script>alert('x')</script>" not in body
    if response.status_code == 200:
        assert 'class="error"' in body or "message-error" in body, "the refusal says why"
        assert (Task.select().count(), AuditEntry.select().count()) == before
        assert Task.get_by_id(task.id).version == 1


@pytest.mark.parametrize("path, field", [("/tasks/{id}/comments", "body"), ("/tasks/{id}/checklist", "text"),
                                         ("/tasks/{id}/blockers", "blocker")])
@pytest.mark.parametrize("payload", sorted(PAYLOADS))
def test_hostile_input_to_the_small_forms_is_answered(client, company, task, path, field, payload):
    client.login(company.engineer)
    response = client.post(path.format(id=task.id), data={field: PAYLOADS[payload]}, headers=HX)
    assert response.status_code in (200, 303)
    assert "<script>alert('x')</script>" not in _text(response)


def test_a_hostile_title_quoted_in_a_refusal_is_escaped(client, company, task, make_task):
    hostile = make_task(company.engineer, title="<img src=x onerror=alert(1)>")
    hostile.add_blocker(company.engineer, task)
    client.login(company.engineer)
    response = client.post("/tasks/%d/blockers" % task.id, data={"blocker": str(hostile.id)}, headers=HX)
    assert "circle" in _text(response) and "<img src=x" not in _text(response)
    assert "&lt;img src=x onerror=alert(1)&gt;" in _text(response)


def test_where_the_system_made_a_task_is_said_in_each_readers_language(client, company, make_task):
    task = make_task(company.engineer, by=company.sales_head, title="Send the quote", origin=("meeting", 7))
    client.login(company.engineer)
    english = client.get("/tasks/%d" % task.id).get_data(as_text=True)
    assert 'Agreed in a meeting: <a href="/meetings/7" rel="noopener noreferrer">see its minutes</a>.' in english
    company.engineer.update_preferences("zh_CN", company.engineer.timezone)
    chinese = client.get("/tasks/%d" % task.id).get_data(as_text=True)
    assert '在会议上商定：<a href="/meetings/7" rel="noopener noreferrer">查看会议纪要</a>。' in chinese
