"""Project pages over HTTP: each role, restricted projects, editing, archiving, milestones, history."""
import pytest

from portal.audit import AuditEntry
from portal.projects.feed import ProjectUpdate
from portal.projects.models import Milestone, Project
from portal.projects import photos
from tests.projects.conftest import DUE, image_bytes, sign_in_as, upload

FORM = {"name": "Cost down 2026", "goal": "Cut **unit cost** by 8%", "coordinator": "", "departments": [],
        "start_date": "2026-01-01", "end_date": "2026-12-31", "status": "active", "visibility": "company"}


def project_form(company, **changes):
    data = dict(FORM, coordinator=str(company.coordinator.id),
                departments=[str(company.sales.id), str(company.rnd.id)])
    data.update(changes)
    return data


def inside_urls(project):
    """Every page and action inside a project, as (method, url)."""
    target = project.targets.get()
    milestone = Milestone.plan(None, project, "Pilot", DUE)
    update = ProjectUpdate.post(project.coordinator, project, "Hello", [photos.prepare(upload(image_bytes()))])
    photo = update.photos.get()
    return [("GET", "/projects/%d" % project.id), ("GET", "/projects/%d/edit" % project.id),
            ("POST", "/projects/%d/edit" % project.id), ("POST", "/projects/%d/archive" % project.id),
            ("POST", "/projects/%d/restore" % project.id), ("GET", "/projects/%d/history" % project.id),
            ("POST", "/projects/%d/milestones" % project.id), ("POST", "/projects/milestones/%d/close" % milestone.id),
            ("GET", "/projects/%d/targets/new" % project.id), ("POST", "/projects/%d/targets/" % project.id),
            ("GET", "/targets/%d" % target.id), ("GET", "/targets/%d/edit" % target.id),
            ("POST", "/targets/%d/edit" % target.id), ("POST", "/targets/%d/check-ins" % target.id),
            ("GET", "/targets/%d/history" % target.id), ("GET", "/projects/%d/updates" % project.id),
            ("POST", "/projects/%d/updates" % project.id), ("GET", "/photos/%d" % photo.id),
            ("GET", "/photos/%d/thumb" % photo.id)]


@pytest.mark.parametrize("role", ["outsider", "other_coordinator"])
def test_a_non_participant_gets_404_on_a_restricted_project_and_everything_inside_it(client, company, restricted,
                                                                                      role):
    urls = inside_urls(restricted)
    client.login(getattr(company, role))
    for method, url in urls:
        for headers in ({}, {"HX-Request": "true"}):
            response = client.open(url, method=method, headers=headers, data={"body": "x", "value": "1"})
            assert response.status_code == 404, (method, url, headers)
            assert "Secret pricing" not in response.get_data(as_text=True)
    listing = client.get("/projects/?status=all&q=Secret").get_data(as_text=True)
    assert "Secret pricing" not in listing and "No projects match." in listing
    assert "Secret pricing" not in client.get("/").get_data(as_text=True)


def test_the_same_project_is_open_to_them_when_it_is_company_wide_but_read_only(client, company, make_project,
                                                                              make_target):
    project = make_project(name="Open launch")
    target = make_target(project)
    client.login(company.outsider)
    page = client.get("/projects/%d" % project.id).get_data(as_text=True)
    assert "Open launch" in page and "Orders" in page
    assert "Post update" not in page and "/edit" not in page
    assert client.get("/projects/%d/edit" % project.id).status_code == 403
    assert client.post("/projects/%d/updates" % project.id, data={"body": "hi"}).status_code == 403
    assert client.post("/targets/%d/check-ins" % target.id, data={"value": "150"}).status_code == 403
    assert ProjectUpdate.select().count() == 0 and target.check_ins().count() == 0


@pytest.mark.parametrize("role, status", [("admin", 200), ("coordinator", 200), ("sales_head", 403),
                                          ("sales_member", 403), ("rnd_member", 403), ("outsider", 404)])
def test_only_admins_and_the_coordinator_edit_a_project(client, company, restricted, role, status):
    client.login(getattr(company, role))
    assert client.get("/projects/%d/edit" % restricted.id).status_code == status
    response = client.post("/projects/%d/edit" % restricted.id, data=project_form(company, name="Renamed"))
    assert response.status_code == (303 if status == 200 else status)
    assert (Project.get_by_id(restricted.id).name == "Renamed") is (status == 200)


@pytest.mark.parametrize("role, allowed", [("admin", True), ("coordinator", True), ("sales_head", True),
                                           ("sales_member", False), ("outsider", False)])
def test_admins_coordinators_and_heads_start_projects(client, company, role, allowed):
    client.login(getattr(company, role))
    assert client.get("/projects/new").status_code == (200 if allowed else 403)
    assert ("Start a project" in client.get("/projects/").get_data(as_text=True)) is allowed
    response = client.post("/projects/", data=project_form(company))
    assert response.status_code == (303 if allowed else 403)
    if allowed:
        project = Project.get(Project.name == "Cost down 2026")
        assert response.headers["Location"] == "/projects/%d" % project.id
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "Project Cost down 2026 started." in page and "<strong>unit cost</strong>" in page


@pytest.mark.parametrize("changes, message", [
    ({"end_date": "2025-12-31"}, "The end date cannot be before the start date."),
    ({"departments": []}, "Choose at least one participating department."),
    ({"coordinator": "0"}, "Choose an active person as coordinator."),
    ({"coordinator": "abc"}, "Invalid Choice"),
    ({"name": ""}, "This field is required."),
    ({"start_date": "2026-02-30"}, "Not a valid date value."),
    ({"status": "archived"}, "Not a valid choice"),
    ({"departments": ["99999"]}, "not a valid choice"),
])
def test_a_bad_project_form_explains_itself_keeps_the_input_and_saves_nothing(client, company, changes, message):
    client.login(company.coordinator)
    response = client.post("/projects/", data=project_form(company, **changes))
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and message in body
    assert 'value="Cost down 2026"' in body or changes.get("name") == ""
    assert Project.select().count() == 0


def test_editing_a_project_is_in_its_history(client, company, restricted):
    client.login(company.coordinator)
    client.post("/projects/%d/edit" % restricted.id,
                data=project_form(company, name="Secret pricing", end_date="2026-06-30",
                                  departments=[str(company.sales.id), str(company.rnd.id), str(company.finance.id)]))
    page = client.get("/projects/%d/history" % restricted.id).get_data(as_text=True)
    assert "changed the project" in page and "2026-04-11 → 2026-06-30" in page
    assert "研发部, 销售部 → 研发部, 财务部, 销售部" in page
    assert "set the target" in page and "<em>Margin</em>" in page, "the targets' changes are part of it"


def test_archiving_keeps_the_project_findable_but_read_only(client, company, make_project, make_target):
    project = make_project(name="Old launch")
    target = make_target(project)
    client.login(company.coordinator)
    archived = client.post("/projects/%d/archive" % project.id)
    assert "is archived: still visible" in client.get(archived.headers["Location"]).get_data(as_text=True)
    assert "Old launch" not in client.get("/projects/").get_data(as_text=True)
    assert "Old launch" in client.get("/projects/?status=archived").get_data(as_text=True)
    assert "Old launch" in client.get("/projects/?status=all&q=old").get_data(as_text=True)
    page = client.get("/projects/%d" % project.id).get_data(as_text=True)
    assert "This project is archived" in page and "Post update" not in page and "Restore" in page
    assert client.get("/projects/%d/edit" % project.id).status_code == 403

    sign_in_as(client, company.sales_member)
    target_page = client.get("/targets/%d" % target.id).get_data(as_text=True)
    assert "Record check-in" not in target_page and "This project is archived" in target_page
    assert client.post("/targets/%d/check-ins" % target.id, data={"value": "150"}).status_code == 403
    assert target.check_ins().count() == 0

    sign_in_as(client, company.coordinator)
    client.post("/projects/%d/restore" % project.id)
    assert Project.get_by_id(project.id).status == "on_hold"


def test_the_project_list_filters_as_you_type_with_htmx_and_without(client, company, make_project):
    make_project(name="Launch X200")
    make_project(name="Cost down", goal="Cheaper parts")
    client.login(company.outsider)
    full = client.get("/projects/?q=x200")
    assert "<html" in full.get_data(as_text=True) and "Launch X200" in full.get_data(as_text=True)
    fragment = client.get("/projects/?q=parts", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.startswith('<div id="project-list">') and "Cost down" in fragment
    assert "Launch X200" not in fragment and "<html" not in fragment
    assert "No projects match." in client.get("/projects/?q=%25").get_data(as_text=True), "% is no wildcard"


def test_milestones_are_added_and_closed_with_a_review(client, company, make_project):
    project = make_project()
    client.login(company.coordinator)
    response = client.post("/projects/%d/milestones" % project.id,
                           data={"title": "Pilot run", "due_date": "2026-03-01"})
    assert response.status_code == 303
    milestone = Milestone.get(Milestone.title == "Pilot run")
    refused = client.post("/projects/milestones/%d/close" % milestone.id, data={"review_note": ""})
    assert refused.status_code == 200 and "This field is required." in refused.get_data(as_text=True)
    client.post("/projects/milestones/%d/close" % milestone.id, data={"review_note": "Went **well**"})
    page = client.get("/projects/%d" % project.id).get_data(as_text=True)
    assert "Went <strong>well</strong>" in page and "Closed" in page
    assert client.post("/projects/milestones/%d/close" % milestone.id,
                       data={"review_note": "again"}).status_code == 403

    sign_in_as(client, company.sales_member)
    assert client.post("/projects/%d/milestones" % project.id,
                       data={"title": "Mine", "due_date": "2026-03-01"}).status_code == 403
    assert [e.action for e in AuditEntry.for_object(milestone)] == ["milestone.close", "milestone.create"]


def test_a_bad_milestone_date_is_explained_on_the_project_page(client, company, make_project):
    project = make_project()
    client.login(company.coordinator)
    response = client.post("/projects/%d/milestones" % project.id, data={"title": "Pilot", "due_date": "soon"})
    assert response.status_code == 200 and "Not a valid date value." in response.get_data(as_text=True)
    assert Milestone.select().count() == 0


def test_unknown_ids_are_404(client, company):
    client.login(company.admin)
    for url in ("/projects/999", "/targets/999", "/photos/999", "/projects/999/updates", "/targets/999/history"):
        assert client.get(url).status_code == 404
