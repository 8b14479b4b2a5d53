"""The API over HTTP, as each role's script: what each may see (404 otherwise) and change (403
otherwise), stale changes (409 with the task now), bad input (422, translated), decisions that count
once, cursors."""
import datetime
import threading

import pytest

from portal.notifications.models import notify
from portal.requests.models import RequestEvent, ResourceRequest
from portal.tasks.models import Task


def _walk(script, path, **asked):
    """Every item of a paged list, following the cursors."""
    items, cursor = [], None
    while True:
        answer = script.get(path, query_string={"limit": 2, **asked, **({"cursor": cursor} if cursor else {})})
        assert answer.status_code == 200, answer.json
        items += answer.json["items"]
        cursor = answer.json["next_cursor"]
        if cursor is None:
            return items


# -- projects and targets ----------------------------------------------------------------------

def test_each_role_lists_exactly_the_projects_it_may_see(company, script):
    seen = {name: {p["name"] for p in _walk(script(getattr(company, name)), "/projects")}
            for name in ("seller", "engineer", "finance_head", "coordinator", "admin")}
    assert seen == {"seller": {"X200 launch", "2027 pricing"}, "engineer": {"X200 launch"},
                    "finance_head": {"X200 launch", "2027 pricing"}, "coordinator": {"X200 launch", "2027 pricing"},
                    "admin": {"X200 launch", "2027 pricing"}}


def test_a_restricted_project_and_everything_in_it_answers_404_to_who_may_not_see_it(company, script):
    engineer = script(company.engineer, write=True)
    for path in ("/projects/%d" % company.pricing.id, "/projects/%d/targets" % company.pricing.id,
                 "/targets/%d" % company.margin.id, "/targets/%d/check-ins" % company.margin.id):
        answer = engineer.get(path)
        assert answer.status_code == 404 and answer.mimetype == "application/problem+json", path
        assert "2027 pricing" not in answer.get_data(as_text=True) and "Margin" not in answer.get_data(as_text=True)
    posted = engineer.post("/targets/%d/check-ins" % company.margin.id, {"value": "25"})
    assert posted.status_code == 404
    assert posted.json == {"type": "about:blank", "title": "Not found", "status": 404,
                           "detail": "There is nothing here, or it is not shared with you."}


def test_the_owner_checks_in_through_the_api_and_someone_who_may_only_look_gets_403(company, script):
    posted = script(company.seller, write=True).post("/targets/%d/check-ins" % company.orders.id,
                                                    {"value": "150.5", "note": "week 12"})
    assert posted.status_code == 201, posted.json
    assert (posted.json["value"], posted.json["author"]["name"]) == ("150.5", "Chen Chen")
    target = script(company.engineer).get("/targets/%d" % company.orders.id).json
    assert (target["current_value"], target["progress"]) == ("150.5", 15.05)
    refused = script(company.engineer, write=True).post("/targets/%d/check-ins" % company.orders.id, {"value": 1})
    assert refused.status_code == 403 and refused.json["title"] == "Not allowed"


def test_a_check_in_that_is_not_a_number_is_refused_with_422_naming_the_field(company, script):
    answer = script(company.seller, write=True).post("/targets/%d/check-ins" % company.orders.id,
                                                    {"value": "lots", "extra": 1})
    assert answer.status_code == 422 and answer.json["type"] == "tag:duiqi,2026:problem/invalid"
    assert {(e["pointer"], e["detail"]) for e in answer.json["errors"]} == {
        ("#/value", "Give a number, like 12.5."), ("#/extra", "This is not something this request takes.")}


# -- tasks -------------------------------------------------------------------------------------

def test_a_script_asks_a_colleague_for_a_task_and_filters_the_board(company, script):
    seller = script(company.seller, write=True)
    made = seller.post("/tasks", {"title": "Quote for ACME", "owner_id": company.engineer.id, "priority": "P2",
                                  "due_date": "2026-06-30", "project_id": company.launch.id, "tags": ["acme"]})
    assert made.status_code == 201, made.json
    assert made.headers["Location"] == "https://portal.example.test/api/v1/tasks/%d" % made.json["id"]
    assert (made.json["owner"]["name"], made.json["department"]["name"], made.json["version"]) == (
        "Zhou Jie", "R&D", 1)
    engineer = script(company.engineer)
    assert [t["title"] for t in engineer.get("/tasks", query_string={"owner": "me"}).json["items"]] == [
        "Quote for ACME"]
    assert engineer.get("/tasks", query_string={"owner": "me", "status": "done"}).json["items"] == []
    assert engineer.get("/tasks", query_string={"tag": "acme", "project": company.launch.id}).json["items"]


def test_the_open_tasks_are_those_not_done_page_after_page_whether_a_priority_is_asked_or_not(
        company, script, make_task_for):
    statuses = ["done", "todo", "doing", "done", "blocked", "review"]
    tasks = [make_task_for(company.engineer, priority="P1", status=status) for status in statuses]
    engineer = script(company.engineer)
    open_ones = [task.id for task in tasks if task.status != "done"]
    assert [t["id"] for t in _walk(engineer, "/tasks", open="true")] == open_ones
    assert [t["id"] for t in _walk(engineer, "/tasks", open="true", priority="P1")] == open_ones


def test_each_task_of_the_list_reads_byte_for_byte_as_the_task_itself_and_a_change_shows_at_once(
        company, script, make_task_for):
    make_task_for(company.engineer, by=company.seller, description="Two **drafts**", estimate_hours="6.00",
                  due_date=datetime.date(2026, 6, 30), requesting_department=company.sales, project=company.launch)
    make_task_for(company.engineer, status="done")
    make_task_for(company.seller)
    for language in ("en", "zh-CN"):
        engineer = script(company.engineer, write=True)
        asked = {"headers": {"Accept-Language": language}}
        listed = engineer.get("/tasks", **asked)
        ids = [t["id"] for t in listed.json["items"]]
        alone = [engineer.get("/tasks/%d" % task_id, **asked).get_data() for task_id in ids]
        assert len(ids) == 3 and b'{"items":[' + b",".join(alone) + b"]," in listed.get_data()
    first = listed.json["items"][0]
    # Hours without padding, whatever the engine (PostgreSQL's column gives 6.0).
    assert (first["estimate_hours"], first["requesting_department"]["name"], first["updated_at"][-1]) == (
        "6", "销售部", "Z")
    changed = engineer.patch("/tasks/%d" % ids[0], {"version": 1, "status": "review"}, **asked)
    assert changed.status_code == 200
    assert engineer.get("/tasks", **asked).get_data().startswith(b'{"items":[' + changed.get_data() + b",")


def test_a_change_made_on_an_old_version_answers_409_with_the_task_as_it_is_now(company, script, make_task_for):
    task = make_task_for(company.engineer, by=company.seller)
    seller, engineer = script(company.seller, write=True), script(company.engineer, write=True)
    assert engineer.patch("/tasks/%d" % task.id, {"version": 1, "status": "doing"}).json["version"] == 2
    stale = seller.patch("/tasks/%d" % task.id, {"version": 1, "priority": "P3"})
    assert stale.status_code == 409 and stale.json["type"] == "tag:duiqi,2026:problem/stale"
    assert (stale.json["current"]["status"], stale.json["current"]["version"]) == ("doing", 2)
    assert "Zhou Jie changed this task since you opened it" in stale.json["detail"]
    assert Task.get_by_id(task.id).priority == "P2"
    moved = seller.patch("/tasks/%d" % task.id, {"version": 2, "owner_id": company.rnd_head.id})
    assert moved.status_code == 200 and moved.json["owner"]["name"] == "Zhang Wei"


def test_raising_another_departments_task_needs_a_reason_and_who_may_not_edit_gets_403(company, script,
                                                                                     make_task_for):
    task = make_task_for(company.engineer)
    seller = script(company.seller, write=True)
    assert seller.patch("/tasks/%d" % task.id, {"version": 1, "priority": "P0"}).status_code == 403
    coordinator = script(company.coordinator, write=True)
    refused = coordinator.patch("/tasks/%d" % task.id, {"version": 1, "priority": "P0"})
    assert refused.status_code == 422 and refused.json["errors"][0]["pointer"] == "#/reason"
    assert coordinator.patch("/tasks/%d" % task.id, {"version": 1, "priority": "P0",
                                                     "reason": "Customer escalation"}).status_code == 200


def test_a_task_of_a_restricted_project_is_404_to_outsiders_and_its_project_cannot_be_named(company, script,
                                                                                          make_task_for):
    task = make_task_for(company.seller, project=company.pricing)
    assert script(company.engineer).get("/tasks/%d" % task.id).status_code == 404
    assert all(t["id"] != task.id for t in _walk(script(company.engineer), "/tasks"))
    refused = script(company.engineer, write=True).post("/tasks", {
        "title": "Sneak", "owner_id": company.engineer.id, "project_id": company.pricing.id})
    assert refused.status_code == 422 and "no project" in refused.json["detail"]


def test_bad_input_is_refused_in_the_readers_language(company, script):
    engineer = script(company.engineer, write=True)
    answer = engineer.post("/tasks", {"title": "", "owner_id": "x"}, headers={"Accept-Language": "zh-CN"})
    assert answer.status_code == 422 and answer.json["title"] == "请求无法执行"
    assert {e["pointer"] for e in answer.json["errors"]} == {"#/title", "#/owner_id"}
    assert not answer.json["detail"].isascii()
    company.engineer.update_preferences("zh_CN", company.engineer.timezone)
    assert script(company.engineer).get("/projects/%d" % company.pricing.id).json["title"] == "页面不存在"
    assert script(company.engineer).get("/projects/%d" % company.pricing.id,
                                        headers={"Accept-Language": "en"}).json["title"] == "Not found"
    broken = engineer("POST", "/tasks", headers={"Content-Type": "application/json"}, data="{not json")
    assert broken.status_code == 400 and broken.json["detail"] == "请求体不是有效的 JSON。"
    form = engineer("POST", "/tasks", data={"title": "x"})
    assert form.status_code == 415


# -- requests ----------------------------------------------------------------------------------

@pytest.fixture
def budgets(company, budget_type):
    """Three budget requests of sales: one approved, one waiting for finance, one rejected."""
    version = budget_type.latest_version()
    amount = version.fields[0].key

    def file(title, money):
        return ResourceRequest.file(company.seller, version, title, {amount: money})
    approved, waiting, rejected = file("Trade fair", "25000.00"), file("Ads", "8000.00"), file("Party", "900.00")
    for item in (approved, waiting):
        item.decide(company.sales_head, item.active_step().id, "approve")
    approved.decide(company.finance_head, approved.active_step().id, "approve")
    rejected.decide(company.sales_head, rejected.active_step().id, "reject", "Not this year")
    return approved, ResourceRequest.get_by_id(waiting.id), rejected


def test_a_finance_script_reads_approved_budgets_with_a_read_only_token(company, budgets, budget_type, script):
    finance = script(company.finance_head)
    approved = finance.get("/requests", query_string={"state": "approved", "type": budget_type.id}).json["items"]
    assert [(r["title"], r["amount"], r["currency"], r["provider"]["name"]) for r in approved] == [
        ("Trade fair", "25000.00", "CNY", "Finance")]
    detail = finance.get("/requests/%d" % approved[0]["id"]).json
    assert [(f["label"], f["value"]) for f in detail["fields"]] == [("Amount", "CN¥25,000.00")]
    assert detail["waiting_step"] is None
    assert [r["title"] for r in finance.get("/requests", query_string={"scope": "waiting"}).json["items"]] == ["Ads"]


def test_an_approver_decides_through_the_api_and_others_cannot(company, budgets, script):
    _, waiting, _ = budgets
    step_id = waiting.active_step().id
    assert script(company.engineer, write=True).post(
        "/requests/%d/approve" % waiting.id, {"step_id": step_id}).status_code == 404
    seller = script(company.seller, write=True)
    assert seller.post("/requests/%d/approve" % waiting.id, {"step_id": step_id}).status_code == 403
    no_reason = script(company.finance_head, write=True).post("/requests/%d/reject" % waiting.id, {"step_id": step_id})
    assert no_reason.status_code == 422 and no_reason.json["errors"][0]["pointer"] == "#/comment"
    done = script(company.finance_head, write=True).post("/requests/%d/approve" % waiting.id,
                                                         {"step_id": step_id, "comment": "OK"})
    assert done.status_code == 200 and done.json["state"] == "approved" and done.json["waiting_step"] is None


def test_two_approvals_of_one_step_sent_at_once_count_once(app, company, budgets, token_for, script):
    _, waiting, _ = budgets
    step_id = waiting.active_step().id
    scripts = [script(secret=token_for(company.finance_head, write=True)) for _ in range(2)]
    barrier, answers = threading.Barrier(2), []

    def approve(one):
        with app.app_context():
            barrier.wait()
            answers.append(one.post("/requests/%d/approve" % waiting.id, {"step_id": step_id}))
    threads = [threading.Thread(target=approve, args=(one,)) for one in scripts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a.status_code for a in answers) == [200, 422]
    assert "already decided" in [a for a in answers if a.status_code == 422][0].json["detail"]
    assert ResourceRequest.get_by_id(waiting.id).state == "approved"
    decisions = RequestEvent.select().where((RequestEvent.request == waiting.id) & (RequestEvent.step == step_id)
                                            & (RequestEvent.action == "approved"))
    assert decisions.count() == 1


# -- meetings and notifications ------------------------------------------------------------------

def test_participants_read_meetings_and_minutes_and_others_get_404(company, script):
    from portal.meetings.models import MeetingSeries
    series, meeting = MeetingSeries.plan(
        company.coordinator, departments=[company.sales], people=[], title="Sales weekly",
        day=datetime.date.today() + datetime.timedelta(days=3), start_time=datetime.time(9, 30),
        timezone="Asia/Shanghai", recurring=True, coordinator=company.coordinator, duration_minutes=45,
        location="Room 1", video_link="", reminder_minutes=60)
    meeting.record_decision(company.coordinator, "Raise prices in Q3")
    meeting.assign_action(company.coordinator, "Draft the price list", company.seller,
                          datetime.date.today() + datetime.timedelta(days=10))
    seller = script(company.seller)
    listed = seller.get("/meetings", query_string={"state": "open"}).json["items"]
    assert [(m["series"]["name"], m["timezone"], m["location"]) for m in listed] == [
        ("Sales weekly", "Asia/Shanghai", "Room 1")]
    minutes = seller.get("/meetings/%d/minutes" % meeting.id).json
    assert minutes["decisions"] == ["Raise prices in Q3"] and minutes["closed"] is False
    assert [(a["what"], a["owner"]["name"]) for a in minutes["action_items"]] == [("Draft the price list", "Chen Chen")]
    assert script(company.engineer).get("/meetings/%d/minutes" % meeting.id).status_code == 404
    assert script(company.engineer).get("/meetings").json["items"] == []


def test_a_script_reads_its_owners_notifications_and_marks_one_read(company, script):
    mine = notify(company.seller, "mention", link="/tasks/1", actor="Li Na", place="a task")
    theirs = notify(company.engineer, "mention", link="/", actor="Li Na", place="a task")
    seller = script(company.seller, write=True)
    unread = seller.get("/notifications", query_string={"unread": "true"}).json["items"]
    assert [n["id"] for n in unread] == [mine.id] and unread[0]["link"] == "https://portal.example.test/tasks/1"
    assert seller.post("/notifications/%d/read" % theirs.id).status_code == 404
    assert seller.post("/notifications/%d/read" % mine.id).json["read_at"] is not None
    assert seller.get("/notifications", query_string={"unread": "true"}).json["items"] == []


# -- lists, cursors, the rate limit ----------------------------------------------------------------

def test_cursors_walk_a_long_list_once_and_a_forged_cursor_is_refused(company, script, make_task_for):
    made = [make_task_for(company.seller, title="Task %d" % n).id for n in range(7)]
    seller = script(company.seller)
    assert [t["id"] for t in _walk(seller, "/tasks")] == made
    first = seller.get("/tasks", query_string={"limit": 2}).json["next_cursor"]
    forged = seller.get("/tasks", query_string={"cursor": first[:-2] + "xx"})
    assert forged.status_code == 404 and "cursor" in forged.json["detail"]
    elsewhere = seller.get("/projects", query_string={"cursor": first})
    assert elsewhere.status_code == 404, "a cursor of one list means nothing to another"
    assert seller.get("/tasks", query_string={"limit": 201}).status_code == 422
