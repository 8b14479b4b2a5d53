"""The home dashboard, and the query count of the busiest pages staying flat as data grows."""
import datetime
import logging

import pytest
import time_machine

from portal.projects import photos
from portal.projects.feed import ProjectUpdate
from portal.projects.models import Milestone
from tests.projects.conftest import image_bytes, upload

NOW = "2026-02-20 10:00 +0800"  # day 50 of the sample targets: the line expects 50 %


def test_the_dashboard_shows_my_projects_what_needs_attention_updates_and_activity(client, company, make_project,
                                                                                   make_target, restricted):
    launch = make_project(name="X200 launch")
    cost = make_project(name="Cost down", departments=[company.finance, company.rnd], coordinator=company.outsider)
    sales_late = make_target(launch, title="Dealer sign-ups")
    rnd_late = make_target(cost, title="BOM cost", department=company.rnd, owner=company.rnd_member,
                           baseline="500", target_value="400", direction="lower")
    fine = make_target(launch, title="Samples shipped", weight=4)
    with time_machine.travel(NOW, tick=False):
        sales_late.check_in(company.sales_head, "110", "slow month")
        rnd_late.check_in(company.rnd_member, "480")
        fine.check_in(company.sales_member, "160")
        ProjectUpdate.post(company.rnd_member, launch, "Tooling ordered")
        client.login(company.sales_member)
        page = client.get("/").get_data(as_text=True)

    to_check_in = page[page.index("Targets to check in"):page.index("</section>")]
    assert "Dealer sign-ups" in to_check_in, "off track"
    assert "Margin" in to_check_in, "never checked in"
    assert "Samples shipped" not in to_check_in and "BOM cost" not in to_check_in, "on track; someone else's"
    mine = page[page.index('id="my-projects"'):page.index('id="attention"')]
    assert "X200 launch" in mine and "Secret pricing" in mine and "Cost down" not in mine
    launch_card = mine[mine.index("X200 launch"):].split("</li>")[0]
    assert "50%" in launch_card, "10 % and 60 % of the way, weighted 1 and 4"
    assert "Off track 1" in launch_card and "At risk" not in launch_card
    attention = page[page.index('id="attention"'):page.index('id="latest-updates"')]
    in_sales, elsewhere = attention.split("Elsewhere in the company")
    assert "Dealer sign-ups" in in_sales and "Off track" in in_sales and "last check-in" in in_sales
    assert "Li Na" in in_sales, "who last touched it"
    assert "Margin" in in_sales, "no check-in after the grace period counts as zero"
    assert "BOM cost" in elsewhere and "Dealer sign-ups" not in elsewhere and "Samples shipped" not in page
    assert "Tooling ordered" in page and "X200 launch" in page[page.index('id="latest-updates"'):]
    activity = page[page.index('id="activity"'):]
    assert activity.index("Sales") < activity.index("R&amp;D") < activity.index("Finance")
    assert "<td>Sales</td><td>2</td><td>2</td>" in activity.replace("\n", "").replace("  ", "")


def test_the_dashboard_hides_everything_of_a_restricted_project_from_outsiders(client, company, restricted):
    target = restricted.targets.get()
    with time_machine.travel(NOW, tick=False):
        target.check_in(company.sales_member, "101")
        ProjectUpdate.post(company.rnd_member, restricted, "Confidential price list")
        client.login(company.outsider)
        page = client.get("/").get_data(as_text=True)
    assert "Secret pricing" not in page and "Margin" not in page and "Confidential" not in page
    activity = page[page.index('id="activity"'):].replace("\n", "").replace("  ", "")
    assert "<td>Sales</td><td>0</td>" in activity, "check-ins on projects one cannot see are not counted"


def test_an_admin_without_a_department_sees_every_project_across_the_company(client, company, restricted,
                                                                          make_user):
    admin = make_user(department=False, role="admin", name="Root")
    with time_machine.travel(NOW, tick=False):
        restricted.targets.get().check_in(company.sales_member, "101")
        client.login(admin)
        page = client.get("/").get_data(as_text=True)
    assert "Across the company" in page and "Margin" in page
    assert "<td>Sales</td><td>1</td><td>1</td>" in page.replace("\n", "").replace("  ", "")


def test_someone_without_a_department_sees_the_targets_needing_attention_of_projects_open_to_all(
        client, company, restricted, make_project, make_target, make_user):
    make_target(make_project(name="X200 launch"), title="Dealer sign-ups")
    loner = make_user(department=False, name="Lone Wolf")
    with time_machine.travel(NOW, tick=False):
        client.login(loner)
        page = client.get("/").get_data(as_text=True)
    attention = page[page.index('id="attention"'):page.index('id="latest-updates"')]
    assert "Across the company" in attention and "Dealer sign-ups" in attention and "Margin" not in attention


def _grow(company, make_project, make_target, size):
    """Projects with targets in every state, check-ins, milestones and updates with photos and mentions."""
    picture = photos.prepare(upload(image_bytes()))
    for n in range(size):
        restricted = (size - 1 - n) % 2 == 0  # the last one, which the pages show, always is
        departments = [company.sales, company.rnd] + ([company.finance] if size > 1 else [])
        project = make_project(name="Project %d" % n, visibility="participants" if restricted else "company",
                               departments=departments)
        for m in range(3):
            target = make_target(project, title="Target %d.%d" % (n, m))
            for value in ("105", "120", str(130 + 10 * m)):
                target.check_in(company.sales_member, value)
        Milestone.plan(company.coordinator, project, "Milestone %d" % n, datetime.date(2026, 3, 1))
        for _ in range(2):
            ProjectUpdate.post(company.rnd_member, project, "@Li Na update %d" % n, [picture])
    return project


def _queries(client, caplog, url):
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="peewee"):
        response = client.get(url)
    assert response.status_code == 200
    return len([r for r in caplog.records if r.name == "peewee"])


@pytest.mark.parametrize("page", ["/", "/projects/", "/projects/{project}", "/targets/{target}",
                                  "/projects/{project}/updates?before=999999"])
def test_the_busiest_pages_run_the_same_number_of_queries_whatever_the_data(client, company, make_project,
                                                                             make_target, caplog, page):
    with time_machine.travel(NOW, tick=False):
        small = _grow(company, make_project, make_target, 1)
        client.login(company.sales_member)
        url = page.format(project=small.id, target=small.targets.get().id)
        before = _queries(client, caplog, url)
        large = _grow(company, make_project, make_target, 6)
        url = page.format(project=large.id, target=large.targets.get().id)
        _grow_one_target(large, company)
        after = _queries(client, caplog, url)
    assert after == before, "%s: %d queries with little data, %d with more" % (page, before, after)
    # The start page also leads with what waits for the reader: approvals, tasks due, the next
    # meeting, targets to check in, the report due, and the tab bar's two badges.
    assert before <= (20 if page == "/" else 16)


def _grow_one_target(project, company):
    target = project.targets.get()
    for value in range(140, 160):
        target.check_in(company.sales_member, str(value))
    for n in range(12):
        ProjectUpdate.post(company.sales_member, project, "more %d" % n)
