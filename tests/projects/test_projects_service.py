"""Projects at the service level: who sees them, edits with history, archiving, milestones, the feed."""
import json

import pytest

from portal.audit import AuditEntry
from portal.db import Invalid
from portal.permissions import can
from portal.projects.feed import Mention, ProjectUpdate, mentioned_in
from portal.projects.models import Milestone, Project, ProjectDepartment
from tests.projects.conftest import DUE, START

ROLES = ["admin", "coordinator", "sales_head", "sales_member", "rnd_member", "outsider", "other_coordinator"]


@pytest.mark.parametrize("role", ROLES)
def test_a_restricted_project_is_seen_only_by_its_departments_coordinator_and_admins(company, restricted,
                                                                                     make_project, role):
    user = getattr(company, role)
    open_project = make_project(name="Open")
    expected = role not in ("outsider", "other_coordinator")
    assert can(user, "view", restricted) is expected
    assert set(Project.visible_to(user)) == ({restricted, open_project} if expected else {open_project})
    assert (user in set(restricted.audience())) is expected


def test_members_of_participating_departments_and_the_coordinator_take_part(company, restricted):
    assert restricted.takes_part(company.rnd_member) and restricted.takes_part(company.coordinator)
    assert not restricted.takes_part(company.outsider) and not restricted.takes_part(company.admin)


def test_starting_a_project_records_it_with_its_departments(company, make_project):
    project = make_project()
    assert project.department_ids == {company.sales.id, company.rnd.id}
    entry = AuditEntry.for_object(project).get()
    assert entry.action == "project.create"
    assert dict(entry.change_list)["departments"] == [None, "研发部, 销售部"]


@pytest.mark.parametrize("change, field", [
    ({"name": " "}, "name"),
    ({"departments": []}, "departments"),
    ({"end_date": START.replace(year=2025)}, "end_date"),
    ({"status": "archived"}, "status"),
    ({"visibility": "secret"}, "visibility"),
    ({"coordinator": None}, "coordinator"),
])
def test_a_project_that_makes_no_sense_is_refused_and_nothing_is_saved(company, make_project, change, field):
    with pytest.raises(Invalid) as refused:
        make_project(**change)
    assert refused.value.field == field
    assert Project.select().count() == 0 and ProjectDepartment.select().count() == 0


def test_editing_departments_records_old_and_new_and_refuses_dropping_an_owner_of_targets(
        company, make_project, make_target):
    project = make_project()
    make_target(project)
    base = dict(name=project.name, goal="Ship it", coordinator=company.coordinator, start_date=START,
                end_date=DUE, status="active", visibility="company")
    with pytest.raises(Invalid) as refused:
        project.update_details(company.coordinator, departments=[company.rnd], **base)
    assert refused.value.field == "departments" and "Sales owns targets" in str(refused.value.message)
    assert project.department_ids == {company.sales.id, company.rnd.id}

    changes = project.update_details(company.coordinator, departments=[company.sales, company.finance], **base)
    assert changes["departments"] == ["研发部, 销售部", "财务部, 销售部"]
    assert Project.get_by_id(project.id).department_ids == {company.sales.id, company.finance.id}
    project.update_details(company.coordinator, departments=[company.sales], **base)
    assert project.department_ids == {company.sales.id}
    assert [e.action for e in AuditEntry.for_object(project)] == ["project.update", "project.update",
                                                                  "project.create"]


def test_archiving_makes_a_project_read_only_and_restoring_puts_it_on_hold(company, make_project, make_target):
    project = make_project()
    target = make_target(project)
    project.archive(company.coordinator)
    target = type(target).get_by_id(target.id)
    with pytest.raises(Invalid):
        target.check_in(company.sales_member, "150")
    with pytest.raises(Invalid):
        ProjectUpdate.post(company.sales_member, project, "Still here?")
    with pytest.raises(Invalid):
        Milestone.plan(company.coordinator, project, "Later", DUE)
    with pytest.raises(Invalid):
        project.archive(company.coordinator)
    assert target.check_ins().count() == 0
    project.restore(company.admin)
    assert project.status == "on_hold"
    assert [e.action for e in AuditEntry.for_object(project)] == ["project.restore", "project.archive",
                                                                  "project.create"]


def test_closing_a_milestone_needs_a_review_and_happens_once(company, make_project):
    project = make_project()
    milestone = Milestone.plan(company.coordinator, project, "Prototype", START)
    assert milestone.overdue
    with pytest.raises(Invalid) as refused:
        milestone.close(company.coordinator, "   ")
    assert refused.value.field == "review_note"
    milestone.close(company.coordinator, "On time; supplier samples came late.")
    assert milestone.closed and not milestone.overdue and milestone.closed_by == company.coordinator
    with pytest.raises(Invalid):
        milestone.close(company.coordinator, "again")


def test_the_project_history_holds_changes_to_its_targets_milestones_and_updates(company, make_project,
                                                                                 make_target):
    project = make_project()
    other = make_project(name="Other")
    make_target(other)
    target = make_target(project)
    target.check_in(company.sales_member, "120")
    Milestone.plan(company.coordinator, project, "Prototype", DUE)
    ProjectUpdate.post(company.rnd_member, project, "Prototype done")
    actions = [e.action for e in project.history()]
    assert sorted(actions) == sorted(["project.create", "target.create", "target.check_in", "milestone.create",
                                      "update.post"])


def test_mentions_find_names_and_email_names_preferring_the_longest(make_user):
    zhang = make_user(name="张伟", email="zhang.wei@example.com")
    zhang_long = make_user(name="张伟明", email="zwm@example.com")
    ada = make_user(name="Ada Lovelace", email="ada@example.com")
    adam = make_user(name="Adam", email="adam@example.com")
    people = [zhang, zhang_long, ada, adam]
    assert mentioned_in("@张伟明 请看一下", people) == [zhang_long]
    assert mentioned_in("@张伟 你好, cc @zwm.", people) == [zhang, zhang_long]
    assert mentioned_in("thanks @ada lovelace and @Adam!", people) == [ada, adam]
    assert mentioned_in("@adams is nobody, mail@ada.example too", people) == []


def test_posting_an_update_stores_mentions_of_people_who_may_see_the_project(company, restricted):
    update = ProjectUpdate.post(company.rnd_member, restricted, "@Li Na please check, and @Zhao Lei too")
    assert [m.user for m in Mention.select().where(Mention.project_update == update)] == [company.sales_head]
    entry = AuditEntry.for_object(update).get()
    assert json.loads(entry.changes)["mentions"] == [None, "Li Na"]


def test_an_empty_or_oversized_update_is_refused(company, make_project):
    project = make_project()
    for body in ("", "   ", "x" * 5001):
        with pytest.raises(Invalid) as refused:
            ProjectUpdate.post(company.rnd_member, project, body)
        assert refused.value.field == "body"
    assert ProjectUpdate.select().count() == 0


def test_the_feed_pages_newest_first(company, make_project):
    project = make_project()
    posted = [ProjectUpdate.post(company.rnd_member, project, "update %d" % n) for n in range(13)]
    first, more = ProjectUpdate.feed(project)
    assert [u.body for u in first] == ["update %d" % n for n in range(12, 2, -1)] and more
    older, more = ProjectUpdate.feed(project, before=first[-1].id)
    assert [u.body for u in older] == ["update 2", "update 1", "update 0"] and not more
    assert posted[0].author.name == "Zhou Jie"
