"""The request reports: months of the company's calendar in its time zone, step times in working
hours with the wall clock beside, and figures only over requests the reader may open."""
import datetime
import re
import zoneinfo

import time_machine

from portal.requests import reports
from tests.requests.conftest import login

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def local(*args):
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def test_a_request_filed_on_the_first_of_december_in_shanghai_counts_in_december(file_request, company):
    with time_machine.travel(local(2026, 12, 1, 7, 30), tick=False):  # 30 November 23:30 UTC
        file_request(budget="300")
    with time_machine.travel(local(2026, 12, 15, 10, 0), tick=False):
        months = reports.months_back(3)
        assert months == [("2026-10", datetime.datetime(2026, 9, 30, 16, 0)),
                          ("2026-11", datetime.datetime(2026, 10, 31, 16, 0)),
                          ("2026-12", datetime.datetime(2026, 11, 30, 16, 0))]
        rows = reports.monthly_totals(months, "provider", company.admin)
    assert [(row["month"], row["requests"]) for row in rows] == [("2026-12", 1)]


def test_a_step_decided_on_monday_morning_took_two_working_hours_not_sixty_five(file_request, company, client):
    with time_machine.travel(local(2026, 6, 12, 17, 0), tick=False) as clock:  # a Friday
        request = file_request()
        clock.move_to(local(2026, 6, 15, 10, 0))
        request.decide(company.sales_head, request.active_step().id, "approve")
        [row] = reports.step_times(datetime.datetime(2026, 6, 1), company.admin)
        assert (row["name"], row["decided"]) == ("部门负责人审批", 1)
        assert (row["average"], row["slowest"]) == (datetime.timedelta(hours=2), datetime.timedelta(hours=2))
        assert row["average_wall"] == datetime.timedelta(hours=65)
        page = login(client, company.admin).get("/requests/reports").get_data(as_text=True)
    assert "2 working hours" in page and "(3 days on the clock)" in page


def test_a_head_sees_figures_only_of_requests_they_may_open(file_request, make_type, company, client):
    # Finance asks R&D: the sales head may open neither the request nor its figures.
    finance_staff = company.finance_head
    file_request(requester=finance_staff, people_days="7", budget="700")
    file_request(people_days="3", budget="300")  # Sales asks R&D
    page = login(client, company.sales_head).get("/requests/reports").get_data(as_text=True)
    assert "CN¥300.00" in page and "CN¥700.00" not in page
    steps = re.findall(r"<td>(\d+)</td>\s*<td>[^<]*working hour", page)
    assert steps == [], "no step of theirs was decided yet"
    page = login(client, company.rnd_head).get("/requests/reports").get_data(as_text=True)
    assert "CN¥300.00" in page and "CN¥700.00" in page
