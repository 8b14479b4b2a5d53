"""Whole numbers in a URL beyond what a 64-bit database integer holds: 404 for an id in the path,
400 for a number in the query, never a server error."""
import datetime

import pytest

from portal.params import LARGEST, whole_number
from portal.projects.models import Project

TOO_LARGE = str(LARGEST + 1)


@pytest.fixture
def project(admin):
    return Project.start(admin, name="Launch", goal="", coordinator=admin, departments=[admin.department],
                         start_date=datetime.date(2026, 1, 1), end_date=datetime.date(2026, 12, 31))


@pytest.mark.parametrize("path", ["/tasks/%s" % TOO_LARGE, "/tasks/%s/history" % TOO_LARGE,
                                  "/projects/%s" % TOO_LARGE, "/requests/%s" % TOO_LARGE,
                                  "/meetings/%s" % LARGEST, "/tasks/%s" % (10 ** 40)])
def test_an_id_in_the_path_beyond_the_database_answers_404(client, admin, path):
    client.login(admin)
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("query", ["/requests/?page=%d" % LARGEST, "/projects/?page=%s" % TOO_LARGE,
                                   "/admin/users/?page=%d" % LARGEST,
                                   "/boards/department/columns/todo?offset=%s" % TOO_LARGE,
                                   "/boards/department/columns/todo?offset=-1"])
def test_a_number_in_the_query_beyond_what_the_list_can_reach_answers_400(client, admin, query):
    client.login(admin)
    assert client.get(query).status_code == 400


def test_a_feed_page_before_an_impossible_update_answers_400(client, admin, project):
    client.login(admin)
    assert client.get("/projects/%d/updates?before=%s" % (project.id, TOO_LARGE)).status_code == 400
    assert client.get("/projects/%d/updates?before=%d" % (project.id, LARGEST)).status_code == 200


@pytest.mark.parametrize("name", ["owner", "project", "department"])
def test_a_board_filter_beyond_the_database_is_dropped_like_any_unknown_one(client, admin, name):
    client.login(admin)
    response = client.get("/boards/department?%s=%s" % (name, TOO_LARGE))
    assert response.status_code == 200
    assert 'value="%s"' % TOO_LARGE not in response.get_data(as_text=True)


def test_a_board_column_of_a_department_beyond_the_database_answers_404(client, admin):
    client.login(admin)
    assert client.get("/boards/priorities/columns/%s" % TOO_LARGE).status_code == 404
    assert client.get("/boards/priorities/columns/²").status_code == 404


def test_a_whole_number_is_ascii_digits_within_64_bits():
    assert whole_number(" 42 ") == 42 and whole_number(-LARGEST) == -LARGEST
    for refused in ("1_000", "١٢", "²", "4.0", "", TOO_LARGE, LARGEST + 1):
        with pytest.raises(ValueError):
            whole_number(refused)
