"""Each behaviour keeps the search index current in its own transaction: a new or changed thing is
found at once by who may see it, a moved or deleted one disappears at once."""
import re

from portal import search
from portal.finder import documents, visibility
from portal.tasks.models import Task


def found(user, q, **filters):
    results = search.query(q, visibility(user), **filters)
    return [(hit.kind, re.sub("</?mark>", "", str(hit.title)) or re.sub("</?mark>", "", str(hit.snippet)))
            for hit in results.hits]


def test_projects_are_found_by_name_and_goal_only_by_who_may_see_them(company):
    assert ("project", "2027 定价") in found(company.seller, "合同")
    assert ("project", "X200 上市") in found(company.accountant, "合同")
    assert ("project", "2027 定价") not in found(company.accountant, "合同")
    assert search.query("定价", visibility(company.accountant)).total == 0


def test_a_task_moved_into_a_restricted_project_disappears_at_once_for_outsiders(company):
    task = Task.open(company.seller, "华东合同审核", owner=company.seller)
    assert ("task", "华东合同审核") in found(company.accountant, "合同审核")
    task.revise(company.seller, task.version, project=company.secret)
    assert found(company.accountant, "合同审核") == []
    assert ("task", "华东合同审核") in found(company.seller, "合同审核")


def test_a_comment_makes_its_task_findable_by_what_it_says(company):
    task = Task.open(company.seller, "Dealer follow-up", owner=company.accountant)
    assert found(company.accountant, "盖章") == []
    task.comment(company.seller, "合同已经盖章")
    assert found(company.accountant, "盖章") == [("task", "Dealer follow-up")]


def test_decisions_are_found_by_participants_and_disappear_when_withdrawn(company):
    decision = company.meeting.record_decision(company.coordinator, "供应商合同改为季度结算")
    assert [kind for kind, _ in found(company.seller, "季度结算")] == ["decision"]
    assert found(company.accountant, "季度结算") == []  # finance does not take part in the series
    decision.withdraw(company.coordinator)
    assert found(company.seller, "季度结算") == []


def test_action_items_and_meeting_notes_are_found_through_their_meeting(company):
    company.meeting.assign_action(company.coordinator, "起草框架合同", company.seller, company.meeting.starts_at.date(),
                                  confirmed=True)  # the meeting lies in the past of the real clock
    item = company.meeting.add_agenda_item(company.coordinator, "other", "价格讨论")
    assert found(company.seller, "讨论") == []  # a topic without notes is not worth finding
    item.write_notes(company.coordinator, "对方要求合同期三年", item.version)
    assert {kind for kind, _ in found(company.seller, "合同")} >= {"action_item", "agenda_item"}
    item.remove(company.coordinator)
    assert "agenda_item" not in {kind for kind, _ in found(company.seller, "合同")}


def test_people_are_found_by_name_email_and_department_until_deactivated(company):
    assert found(company.seller, "王芳") == [("person", "王芳")]
    assert ("person", "王芳") in found(company.seller, "财务")
    company.finance.update_details(company.admin, "财务中心", "Finance", None)
    assert ("person", "王芳") in found(company.seller, "财务中心")
    company.accountant.deactivate(company.admin)
    assert found(company.seller, "王芳") == []


def test_a_rebuild_finds_exactly_what_the_behaviours_indexed(app, company):
    task = Task.open(company.seller, "合同归档", owner=company.seller, description="扫描件放共享盘")
    task.comment(company.admin, "已归档")
    # A move restamps the document without reading it again: it must still be what a rebuild writes.
    task = task.move(company.seller, task.version, "doing")
    task.revise(company.seller, task.version, priority="P1")
    company.meeting.record_decision(company.coordinator, "合同模板统一")
    columns = [getattr(search.SearchDocument, name) for name in search.DOCUMENT_COLUMNS]
    before = sorted(search.SearchDocument.select(*columns).tuples())
    tokens = search.SearchToken.select().count()
    assert search.rebuild(documents()) == len(before)
    after = sorted(search.SearchDocument.select(*columns).tuples())
    assert after == before and search.SearchToken.select().count() == tokens


def test_the_cli_rebuilds_the_index(app, runner, company):
    search.SearchDocument.delete().execute()
    result = runner.invoke(args=["search", "rebuild"])
    assert result.exit_code == 0 and "indexed" in result.output
    assert ("project", "X200 上市") in found(company.seller, "X200")
