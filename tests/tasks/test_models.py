"""Tasks at the service level: ownership, history, reasons, stale edits, dependencies, boards."""
import datetime
import json
import threading

import pytest
import time_machine

from portal.audit import AuditEntry
from portal.db import Invalid, Stale, db
from portal.notifications.models import Notification
from portal.tasks.models import ChecklistItem, Task, TaskComment, TaskDependency, local_today, parse_tags

TODAY = datetime.date(2026, 5, 6)  # a Wednesday


def _events(user):
    return [(n.event, json.loads(n.params)) for n in Notification.select().where(Notification.user == user)
            .order_by(Notification.id)]


def _history(task):
    return [(e.action, json.loads(e.changes), e.summary) for e in AuditEntry.for_object(task).order_by(AuditEntry.id)]


# -- ownership and creation ---------------------------------------------------------------------

def test_a_new_task_takes_its_owners_department_and_tells_the_owner(company, make_task):
    task = make_task(company.engineer, by=company.seller, title="报价单", requesting_department=company.sales)
    assert (task.department_id, task.requesting_department_id) == (company.rnd.id, company.sales.id)
    assert _events(company.engineer) == [("task.assigned", {"actor": "Chen Chen", "title": "报价单"})]
    assert [u.name for u in task.watchers()] == ["Chen Chen"], "who asks for the work hears how it goes"
    assert _history(task)[0][0] == "task.create"


def test_the_owners_department_is_kept_when_the_owner_later_moves(company, make_task, admin):
    task = make_task(company.engineer)
    company.engineer.update_account(admin, department=company.sales)
    assert Task.get_by_id(task.id).department_id == company.rnd.id


def test_a_deactivated_owner_is_refused_and_nothing_is_saved(company, admin, make_task):
    company.engineer.deactivate(admin)
    with pytest.raises(Invalid) as refused:
        make_task(company.engineer, by=company.rnd_head)
    assert refused.value.field == "owner" and "deactivated" in str(refused.value.message)
    task = make_task(company.rnd_head)
    with pytest.raises(Invalid):
        task.revise(company.rnd_head, task.version, owner=company.engineer)
    assert Task.get_by_id(task.id).owner_id == company.rnd_head.id
    assert Task.select().count() == 1


def test_reassigning_tells_the_new_owner_and_records_old_and_new(company, make_task):
    task = make_task(company.engineer, by=company.rnd_head)
    task = task.revise(company.rnd_head, task.version, owner=company.seller)
    assert task.department_id == company.sales.id
    assert _events(company.seller) == [("task.assigned", {"actor": "Zhang Wei", "title": task.title})]
    action, changes, _ = _history(task)[-1]
    assert action == "task.update"
    assert changes["owner"] == ["Zhou Jie", "Chen Chen"] and changes["department"] == ["R&D", "Sales"]


def test_unknown_priorities_and_statuses_are_refused_with_their_name(company, make_task):
    with pytest.raises(Invalid, match="There is no priority “P9”"):
        make_task(company.engineer, priority="P9")
    task = make_task(company.engineer)
    with pytest.raises(Invalid, match="There is no status “archived”"):
        task.move(company.engineer, task.version, "archived")
    assert Task.get_by_id(task.id).status == "todo"


def test_tags_are_split_at_any_comma_trimmed_and_deduplicated():
    assert parse_tags(" 报价 ，Q3、 q3; New  Product ,") == ["报价", "q3", "new product"]
    with pytest.raises(Invalid):
        parse_tags("x" * 31)
    with pytest.raises(Invalid):
        parse_tags(",".join(str(n) for n in range(11)))


# -- reasons and notifications ------------------------------------------------------------------

def test_raising_another_departments_task_to_p0_needs_a_reason_kept_in_the_history(company, make_task):
    task = make_task(company.engineer, by=company.rnd_head)
    with pytest.raises(Invalid) as refused:
        task.revise(company.sales_head, task.version, priority="P0")
    assert refused.value.field == "reason"
    assert Task.get_by_id(task.id).priority == "P2"
    task = task.revise(company.sales_head, task.version, priority="P0", reason="客户明天验收")
    assert _history(task)[-1] == ("task.update", {"priority": ["P2", "P0"]}, "客户明天验收")


def test_no_reason_is_needed_inside_ones_own_department_or_to_lower_a_priority(company, make_task):
    task = make_task(company.engineer, by=company.rnd_head, priority="P1", due_date=TODAY)
    task = task.revise(company.rnd_head, task.version, priority="P0", due_date=TODAY + datetime.timedelta(days=3))
    task = task.revise(company.sales_head, task.version, priority="P3")
    assert (task.priority, task.version) == ("P3", 3)


def test_moving_another_departments_due_date_needs_a_reason(company, make_task):
    task = make_task(company.engineer, by=company.seller, due_date=TODAY)
    with pytest.raises(Invalid):
        task.revise(company.seller, task.version, due_date=TODAY - datetime.timedelta(days=2))
    task.revise(company.seller, task.version, due_date=TODAY - datetime.timedelta(days=2), reason="展会提前")
    assert Task.get_by_id(task.id).due_date == datetime.date(2026, 5, 4)


def test_creating_a_p0_for_another_department_needs_a_reason(company, make_task):
    with pytest.raises(Invalid):
        make_task(company.engineer, by=company.seller, priority="P0")
    task = make_task(company.engineer, by=company.seller, priority="P0", reason="大客户投诉")
    assert _history(task)[0][2] == "大客户投诉"


def test_priority_and_due_date_changes_reach_owner_and_watchers_but_not_the_actor(company, make_task):
    task = make_task(company.engineer, by=company.seller, due_date=TODAY)
    task.watch(company.coordinator)
    task = task.revise(company.engineer, task.version, priority="P1", due_date=TODAY + datetime.timedelta(days=1))
    change = {"actor": "Zhou Jie", "title": task.title, "change": "2026-05-06 → 2026-05-07; P2 → P1"}
    assert _events(company.seller) == [("task.changed", change)]
    assert _events(company.coordinator) == [("task.changed", change)]
    assert [event for event, _ in _events(company.engineer)] == ["task.assigned"]
    task.revise(company.engineer, task.version, title="renamed")
    assert Notification.select().where(Notification.event == "task.changed").count() == 2, "titles are not news"


# -- no silent overwrites -----------------------------------------------------------------------

def test_an_edit_made_on_an_old_version_is_refused_and_shows_the_current_state(company, make_task):
    task = make_task(company.engineer)
    loaded = task.version
    task.revise(company.rnd_head, loaded, priority="P1")
    task.comment(company.seller, "comments do not change the version")
    with pytest.raises(Stale) as stale:
        task.revise(company.engineer, loaded, title="my late edit")
    assert stale.value.current.priority == "P1" and stale.value.current.version == loaded + 1
    assert "Zhang Wei changed this task since you opened it" in str(stale.value.message)
    assert Task.get_by_id(task.id).title != "my late edit"


def test_a_stale_move_is_refused_too(company, make_task):
    task = make_task(company.engineer)
    task.move(company.engineer, task.version, "doing")
    with pytest.raises(Stale):
        task.move(company.rnd_head, task.version, "review")
    assert Task.get_by_id(task.id).status == "doing"


def test_an_edit_that_changes_nothing_keeps_the_version(company, make_task):
    task = make_task(company.engineer, tags="a, b")
    same = task.revise(company.engineer, task.version, title=task.title, tags="b,a")
    assert same.version == task.version and len(_history(task)) == 1


def test_a_change_written_between_load_and_save_still_loses(company, make_task):
    """The compare-and-set holds even if two writers passed the version check together."""
    task = make_task(company.engineer)
    Task.update(version=Task.version + 1).where(Task.id == task.id).execute()
    with pytest.raises(Stale), db.atomic():
        fresh = Task.get_by_id(task.id)
        fresh.title = "late"
        fresh._save_over(task.version, {"title": [task.title, "late"]})
    assert Task.get_by_id(task.id).title == task.title


def test_two_people_moving_one_card_at_once_from_what_they_read_one_wins_the_other_is_told(app, company, make_task):
    task = make_task(company.engineer)
    # Each page read the card before either move: both hold the same version.
    read = {"engineer": Task.read_for_permissions(task.id), "rnd_head": Task.read_for_permissions(task.id)}
    db.close()
    start, outcome = threading.Barrier(2, timeout=60), {}

    def move(who, status):
        with app.app_context(), db.connection_context():
            start.wait()
            try:
                outcome[who] = read[who].move(getattr(company, who), read[who].version, status).status
            except Stale as stale:
                outcome[who] = stale

    threads = [threading.Thread(target=move, args=args) for args in (("engineer", "doing"), ("rnd_head", "review"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.connect(reuse_if_open=True)
    [winner] = [who for who, result in outcome.items() if isinstance(result, str)]
    [loser] = [who for who in outcome if who != winner]
    assert isinstance(outcome[loser], Stale) and outcome[loser].current.status == outcome[winner]
    stored = Task.get_by_id(task.id)
    assert stored.status == outcome[winner] and stored.version == task.version + 1
    moves = AuditEntry.for_object(task).where(AuditEntry.action == "task.move")
    assert [(entry.actor_id, json.loads(entry.changes)) for entry in moves] == [
        (getattr(company, winner).id, {"status": ["todo", outcome[winner]]})]
    assert read[loser].status == "todo", "the refused mover's copy still shows what they read"


# -- dependencies -------------------------------------------------------------------------------

def test_a_task_cannot_wait_for_itself_or_for_the_same_task_twice(company, make_task):
    a, b = make_task(company.engineer), make_task(company.seller)
    with pytest.raises(Invalid, match="cannot wait for itself"):
        a.add_blocker(company.engineer, a)
    a.add_blocker(company.engineer, b)
    with pytest.raises(Invalid, match="already waits for"):
        a.add_blocker(company.engineer, b)
    assert TaskDependency.select().count() == 1


def test_a_cycle_is_refused_with_a_message_naming_it(company, make_task):
    a = make_task(company.engineer, title="A")
    b = make_task(company.seller, title="B")
    c = make_task(company.rnd_head, title="C")
    a.add_blocker(company.engineer, b)
    b.add_blocker(company.seller, c)
    with pytest.raises(Invalid) as refused:
        c.add_blocker(company.rnd_head, a)
    assert "#%d C → #%d A → #%d B → #%d C" % (c.id, a.id, b.id, c.id) in str(refused.value.message)
    assert TaskDependency.select().count() == 2


def test_finishing_the_last_blocker_unblocks_the_task_and_tells_its_owner(company, make_task):
    waiting = make_task(company.seller, title="发布会")
    first, last = make_task(company.engineer, title="样机"), make_task(company.rnd_head, title="说明书")
    waiting.add_blocker(company.seller, first)
    waiting.add_blocker(company.seller, last)
    first.move(company.engineer, first.version, "done")
    assert [e for e, _ in _events(company.seller)] == [], "one blocker is still open"
    already_done = make_task(company.engineer, title="早就做完了", status="done")
    already_done.add_blocker(company.engineer, last)
    last.move(company.rnd_head, last.version, "done")
    assert _events(company.seller) == [("blocker.done", {"blocker": "#%d 说明书" % last.id, "title": "发布会"})]
    assert [e for e, _ in _events(company.engineer)] == [], "a task already done is not unblocked"
    assert _history(waiting)[-1] == ("task.unblocked", {}, "#%d 说明书" % last.id)
    assert [t.open_blockers for t in Task.board(company.seller).where(Task.id == waiting.id)] == [0]


def test_adding_and_removing_a_blocker_is_in_the_history(company, make_task):
    a, b = make_task(company.engineer), make_task(company.seller, title="B")
    a.add_blocker(company.engineer, b)
    a.remove_blocker(company.engineer, b)
    assert [(action, changes) for action, changes, _ in _history(a)[1:]] == [
        ("task.blocker_add", {"blocked_by": [None, "#%d B" % b.id]}),
        ("task.blocker_remove", {"blocked_by": ["#%d B" % b.id, None]})]


# -- comments and checklists --------------------------------------------------------------------

def test_comments_and_checklist_items_are_kept_with_the_task(company, make_task):
    task = make_task(company.engineer)
    with pytest.raises(Invalid):
        task.comment(company.seller, "   ")
    task.comment(company.seller, "什么时候能好？")
    first, second = task.add_item(company.engineer, "画图"), task.add_item(company.engineer, "打样")
    task.check_item(company.engineer, first, True)
    task.remove_item(company.engineer, second)
    assert [c.body for c in task.discussion()] == ["什么时候能好？"]
    assert [(i.text, i.done) for i in task.checklist_items()] == [("画图", True)]
    assert TaskComment.select().count() == 1 and ChecklistItem.select().count() == 1


# -- boards ------------------------------------------------------------------------------------

def test_the_board_filters_by_department_owner_priority_tag_overdue_and_blocked(company, make_task):
    with time_machine.travel(datetime.datetime(2026, 5, 6, 4, 0), tick=False):
        late = make_task(company.engineer, priority="P1", due_date=TODAY - datetime.timedelta(days=1), tags="q3")
        blocked = make_task(company.seller, priority="P0", reason="r", status="blocked", by=company.seller)
        waiting = make_task(company.sales_head)
        waiting.add_blocker(company.sales_head, late)
        done_late = make_task(company.engineer, status="done", due_date=TODAY - datetime.timedelta(days=3))

        def ids(**filters):
            return {t.id for t in Task.board(company.coordinator, **filters)}

        assert ids() == {late.id, blocked.id, waiting.id, done_late.id}
        assert ids(department=company.rnd.id) == {late.id, done_late.id}
        assert ids(owner=company.seller.id) == {blocked.id}
        assert ids(priority=("P0", "P1")) == {late.id, blocked.id}
        assert ids(tag="q3") == {late.id}
        assert ids(overdue=True) == {late.id}
        assert ids(blocked=True) == {blocked.id, waiting.id}
        assert ids(open_only=True) == {late.id, blocked.id, waiting.id}


def test_what_others_ask_of_a_department_and_what_it_asks_of_others(company, make_task):
    asked_of_rnd = make_task(company.engineer, by=company.seller, requesting_department=company.sales)
    internal = make_task(company.engineer, by=company.rnd_head, requesting_department=company.rnd)
    asked_of_sales = make_task(company.seller, by=company.engineer, requesting_department=company.rnd)
    board = Task.board

    def ids(query):
        return {t.id for t in query}

    assert ids(board(company.engineer, department=company.rnd.id)) == {asked_of_rnd.id, internal.id}
    assert ids(board(company.engineer, department=company.rnd.id, cross=True)) == {asked_of_rnd.id}
    assert ids(board(company.engineer, requesting_department=company.rnd.id, cross=True)) == {asked_of_sales.id}


def test_columns_order_cards_by_priority_then_due_date_and_count_in_one_group_by(company, make_task):
    day = datetime.timedelta(days=1)
    undated_p1 = make_task(company.engineer, priority="P1")
    later_p1 = make_task(company.engineer, priority="P1", due_date=TODAY + 2 * day)
    sooner_p1 = make_task(company.engineer, priority="P1", due_date=TODAY + day)
    p0 = make_task(company.engineer, priority="P0", due_date=TODAY + 9 * day)
    doing = make_task(company.engineer, status="doing")
    query = Task.board(company.engineer)
    cards = Task.first_cards(query, Task.status, limit=3)
    assert [t.id for t in cards["todo"]] == [p0.id, sooner_p1.id, later_p1.id]
    assert [t.id for t in cards["doing"]] == [doing.id]
    # The counts read a narrower query than the cards: they must agree with the cards' own totals.
    assert Task.counts(company.engineer, Task.status) == {"todo": 4, "doing": 1} == {
        key: shown[0].column_total for key, shown in cards.items()}
    assert [t.id for t in Task.more_cards(query, Task.status, "todo", 3, 30)] == [undated_p1.id]


def test_a_board_costs_the_same_two_queries_however_many_tasks_it_holds(company, make_task, count_queries):
    shown = []

    def read_board():
        query = Task.board(company.engineer)
        for cards in Task.first_cards(query, Task.status, 30).values():
            shown.extend((t.owner.name, t.department.name, t.open_blockers, t.requesting_department) for t in cards)
        Task.counts(company.engineer, Task.status)

    make_task(company.engineer, requesting_department=company.sales)
    few = count_queries(read_board)
    for n in range(40):
        make_task(company.engineer if n % 2 else company.seller, status=["todo", "doing", "review"][n % 3],
                  requesting_department=company.rnd)
    assert count_queries(read_board) == few == 2
    assert len(shown) == 1 + 41


def test_two_p0s_due_the_same_week_in_one_department_are_a_collision(company, make_task):
    day = datetime.timedelta(days=1)
    make_task(company.engineer, priority="P0", due_date=TODAY + day)            # Thursday
    make_task(company.rnd_head, priority="P0", due_date=TODAY - 3 * day)        # overdue: counts this week
    make_task(company.engineer, priority="P0", due_date=TODAY + 7 * day)        # next week, alone
    make_task(company.seller, priority="P0", due_date=TODAY + day)              # another department, alone
    make_task(company.engineer, priority="P1", due_date=TODAY + day)            # not a P0
    collisions = Task.collisions(Task.board(company.coordinator), TODAY)
    assert dict(collisions) == {company.rnd.id: [(datetime.date(2026, 5, 4), 2)]}


def test_today_is_the_viewers_own_date(make_user):
    tokyo, berlin = make_user(timezone="Asia/Tokyo"), make_user(timezone="Europe/Berlin")
    now = datetime.datetime(2026, 5, 6, 20, 0)  # UTC
    assert (local_today(tokyo, now), local_today(berlin, now)) == (datetime.date(2026, 5, 7), TODAY)


def test_two_people_making_two_tasks_wait_for_each_other_at_once_leave_no_circle(company, make_task, at_once):
    first, second = make_task(company.seller), make_task(company.engineer)
    outcomes = at_once(lambda: Task.get_by_id(first.id).add_blocker(company.seller, second),
                       lambda: Task.get_by_id(second.id).add_blocker(company.engineer, first))
    refused = [outcome for outcome in outcomes if isinstance(outcome, Invalid)]
    assert len(refused) == 1 and "circle" in refused[0].message
    assert TaskDependency.select().count() == 1


def test_a_card_read_through_its_compiled_statement_is_the_board_query_run_after_run(company, make_task):
    """The statement's columns are worked out at its first run (here one that finds nothing) and
    reused: every later card still gets its own owner, departments, blockers and project."""
    asked = make_task(company.engineer, priority="P1", requesting_department=company.sales)
    own = make_task(company.seller)
    assert Task.card(company.engineer, 2147483000) is None
    for task in (asked, own, asked):
        for viewer in (company.engineer, company.seller):
            expected = Task.board(viewer).where(Task.id == task.id).first()
            card = Task.card(viewer, task.id)
            if expected is None:
                assert card is None
                continue
            assert (card.id, card.title, card.owner.name, card.department_id, card.requesting_department,
                    card.open_blockers, card.project) == (
                expected.id, expected.title, expected.owner.name, expected.department_id,
                expected.requesting_department, expected.open_blockers, expected.project)
