"""`flask demo` loads the demo projects once, with every target status, check-ins, milestones and a photo."""
import pytest

from portal.projects.feed import Mention, Photo, ProjectUpdate
from portal.projects.models import CheckIn, Milestone, Project, Target
from portal.storage import storage


@pytest.mark.demo_company
def test_the_demo_projects_load_once_with_every_status_and_a_photo(runner):
    counts = [m.select().count() for m in (Project, Target, CheckIn, Milestone, ProjectUpdate, Photo, Mention)]
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert [m.select().count() for m in (Project, Target, CheckIn, Milestone, ProjectUpdate, Photo, Mention)] == counts

    assert counts[0] == 4 and counts[5] >= 1 and counts[6] >= 1
    assert {t.status for t in Target.select()} == {"on_track", "at_risk", "off_track"}
    assert all(t.check_ins().count() >= 5 for t in Target.select()), "several weeks of check-ins"
    restricted = Project.get(Project.visibility == "participants")
    assert len(restricted.department_ids) == 2
    launch = Project.get(Project.name.contains("X200"))
    assert {d.name for d in launch.departments} == {"研发部", "销售部", "采购部"}
    assert Milestone.select().where(Milestone.closed_at.is_null(False)).exists()
    photo = Photo.get()
    assert storage().size(photo.key()) > 10_000
