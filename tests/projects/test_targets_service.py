"""Targets at the service level: progress for raise and lower, the status rule, check-in history."""
import datetime
import json
import random
from decimal import Decimal

import pytest

from portal.audit import AuditEntry
from portal.db import Invalid
from portal.projects.models import AT_RISK, OFF_TRACK, ON_TRACK, CheckIn, Target, exact_number
from tests.projects.conftest import DUE, START


def day(n):
    return START + datetime.timedelta(days=n)


def test_progress_of_a_raise_target_is_the_share_of_the_way_from_baseline_to_target(make_project, make_target,
                                                                                    company):
    target = make_target(make_project(), baseline="100", target_value="200")
    assert target.progress is None
    target.check_in(company.sales_member, "150")
    assert target.progress == 50
    target.check_in(company.sales_member, "80")
    assert target.progress == -20
    target.check_in(company.sales_member, "230")
    assert target.progress == 130 and target.capped_progress == 100


def test_progress_of_a_lower_target_grows_as_the_value_falls(make_project, make_target, company):
    target = make_target(make_project(), title="Unit cost", unit="元", baseline="200", target_value="150",
                         direction="lower")
    target.check_in(company.sales_member, "187.5")
    assert target.progress == 25
    target.check_in(company.sales_member, "210")
    assert target.progress == -20


@pytest.mark.parametrize("direction, baseline, target_value", [("raise", "100", "200"), ("lower", "200", "100")])
@pytest.mark.parametrize("value_progress, expected", [
    (50, ON_TRACK), (45, ON_TRACK), (40, ON_TRACK),  # up to 10 points behind the line
    (39, AT_RISK), (25, AT_RISK),                     # more than 10, up to 25 behind
    (24, OFF_TRACK), (0, OFF_TRACK),                  # more than 25 behind
    (80, ON_TRACK),                                   # ahead of the line
])
def test_status_compares_progress_with_the_straight_line(make_project, make_target, company, direction, baseline,
                                                         target_value, value_progress, expected):
    target = make_target(make_project(), baseline=baseline, target_value=target_value, direction=direction)
    step = (Decimal(target_value) - Decimal(baseline)) / 100
    target.check_in(company.sales_member, Decimal(baseline) + step * value_progress)
    halfway = day(50)  # the line expects 50 % on day 50 of 100
    assert target.expected_progress(halfway) == 50
    assert target.status_on(halfway) == expected
    assert _sql_status(target, halfway) == expected


def test_a_target_without_check_ins_gets_two_weeks_of_grace_then_counts_as_zero(make_project, make_target):
    target = make_target(make_project())
    assert target.status_on(day(13)) == ON_TRACK
    assert target.status_on(day(14)) == AT_RISK  # 14 points behind the line, no progress yet
    assert target.status_on(day(40)) == OFF_TRACK
    assert [_sql_status(target, day(n)) for n in (13, 14, 40)] == [ON_TRACK, AT_RISK, OFF_TRACK]


def test_before_the_start_everything_is_on_track_and_after_the_due_date_the_line_stands_at_100(
        make_project, make_target, company):
    target = make_target(make_project())
    target.check_in(company.sales_member, "180")
    assert target.status_on(day(-5)) == ON_TRACK
    assert target.expected_progress(DUE + datetime.timedelta(days=30)) == 100
    assert target.status_on(DUE) == AT_RISK  # 80 % at the end: 20 points short
    target.check_in(company.sales_member, "200")
    assert target.status_on(DUE + datetime.timedelta(days=30)) == ON_TRACK


def test_the_sql_rule_agrees_with_the_python_rule_on_many_targets(make_project, company):
    rng = random.Random(20260101)
    project = make_project()
    cases = []
    for _ in range(150):
        start = START + datetime.timedelta(days=rng.randint(-60, 60))
        due = start + datetime.timedelta(days=rng.randint(1, 200))
        baseline = Decimal(rng.randint(-5000, 5000)) / 4
        distance = Decimal(rng.choice([-1, 1]) * rng.randint(1, 4000)) / 8
        target = Target.define(None, project, title="t", unit="", baseline=baseline,
                               target_value=baseline + distance, direction="raise" if distance > 0 else "lower",
                               start_date=start, due_date=due, department=company.sales,
                               owner=company.sales_member, weight=1)
        if rng.random() < 0.8:
            target.check_in(company.sales_member, baseline + distance * Decimal(rng.randint(-50, 150)) / 97)
        on = START + datetime.timedelta(days=rng.randint(-30, 120))
        lag = target.lag(on)
        if min(abs(lag - 10), abs(lag - 25)) > Decimal("0.001"):  # floating point may round exact ties
            cases.append((target, on))
    assert len(cases) > 100
    assert {target.status_on(on) for target, on in cases} == {ON_TRACK, AT_RISK, OFF_TRACK}
    for target, on in cases:
        assert _sql_status(target, on) == target.status_on(on), (target.baseline, target.target_value, on)


def _sql_status(target, on):
    return (Target.select(Target.status_sql(on).alias("status")).where(Target.id == target.id)
            .dicts().get()["status"])


def test_at_risk_and_off_track_are_querysets_others_can_combine(make_project, make_target, company):
    project = make_project()
    on_track, at_risk, off_track = (make_target(project, title=t) for t in ("a", "b", "c"))
    for target, value in ((on_track, "150"), (at_risk, "130"), (off_track, "110")):
        target.check_in(company.sales_member, value)
    on = day(50)
    assert list(Target.at_risk(on)) == [at_risk]
    assert list(Target.off_track(on).where(Target.project == project)) == [off_track]
    assert {t.title for t in Target.needing_attention(company.sales_member, company.sales, on)} == {"b", "c"}
    assert list(Target.needing_attention(company.sales_member, on=on))[0] == off_track, "the worst comes first"


def test_a_check_in_keeps_history_and_a_correction_is_a_new_check_in(make_project, make_target, company):
    target = make_target(make_project())
    target.check_in(company.sales_member, "150", "Big order from Hangzhou")
    target.check_in(company.sales_head, "140", "Correction: one order was cancelled")
    rows = list(target.check_ins())
    assert [(c.value, c.author.name) for c in rows] == [(Decimal("140"), "Li Na"), (Decimal("150"), "Chen Chen")]
    assert target.current_value == 140 and target.checked_in_by == company.sales_head
    entries = list(AuditEntry.for_object(target).where(AuditEntry.action == "target.check_in"))
    assert [json.loads(e.changes)["value"] for e in entries] == [["150", "140"], [None, "150"]]
    assert entries[0].summary == "Correction: one order was cancelled"


def test_a_backdated_check_in_joins_the_history_without_replacing_the_latest(make_project, make_target, company):
    target = make_target(make_project())
    target.check_in(company.sales_member, "150")
    target.check_in(company.sales_member, "120", at=datetime.datetime(2026, 1, 10, 9, 0))
    assert target.current_value == 150
    assert CheckIn.select().where(CheckIn.target == target).count() == 2


@pytest.mark.parametrize("value", ["NaN", "nan", "inf", "-Infinity", "1e309", "sNaN", "abc", "", None, "1,5",
                                   "100000000000", float("nan"), float("inf")])
def test_absurd_numbers_are_refused(value):
    with pytest.raises(Invalid) as refused:
        exact_number(value, "value")
    assert refused.value.field == "value"


def test_exact_numbers_keep_four_decimals():
    assert exact_number("1234.56789", "v") == Decimal("1234.5679")
    assert exact_number(0.1, "v") == Decimal("0.1")
    assert exact_number("-99999999999.9999", "v") == Decimal("-99999999999.9999")


@pytest.mark.parametrize("change, field", [
    ({"target_value": "100"}, "target_value"),                    # equal to the baseline
    ({"target_value": "50"}, "target_value"),                     # a raise target below its baseline
    ({"direction": "lower"}, "target_value"),                     # a lower target above its baseline
    ({"due_date": START - datetime.timedelta(days=1)}, "due_date"),
    ({"due_date": START}, "due_date"),
    ({"baseline": "NaN"}, "baseline"),
    ({"target_value": "1e309"}, "target_value"),
    ({"title": "  "}, "title"),
    ({"weight": 0}, "weight"),
    ({"direction": "sideways"}, "direction"),
])
def test_a_target_that_makes_no_sense_is_refused_and_nothing_is_saved(make_project, make_target, change, field):
    project = make_project()
    before = (Target.select().count(), AuditEntry.select().count())
    with pytest.raises(Invalid) as refused:
        make_target(project, **change)
    assert refused.value.field == field
    assert (Target.select().count(), AuditEntry.select().count()) == before


def test_the_owner_must_belong_to_the_owning_department_which_must_take_part(make_project, make_target, company):
    project = make_project()
    with pytest.raises(Invalid) as refused:
        make_target(project, department=company.sales, owner=company.rnd_member)
    assert refused.value.field == "owner"
    with pytest.raises(Invalid) as refused:
        make_target(project, department=company.finance, owner=company.outsider)
    assert refused.value.field == "department"


def test_editing_a_target_records_old_and_new_values(make_project, make_target, company):
    target = make_target(make_project())
    changes = target.update_details(company.coordinator, title="Orders signed", unit="units", baseline="100",
                                    target_value="250.5", direction="raise", start_date=START, due_date=DUE,
                                    department=company.sales, owner=company.sales_head, weight=3)
    assert changes["target_value"] == ["200", "250.5"]
    entry = AuditEntry.for_object(target).first()
    assert entry.action == "target.update" and entry.actor_name == "Cai Coordinator"
    assert dict(entry.change_list)["owner"] == ["Chen Chen", "Li Na"]


def test_check_in_values_are_checked_and_a_refusal_saves_nothing(make_project, make_target, company):
    target = make_target(make_project())
    for value in ("NaN", "1e309", "lots"):
        with pytest.raises(Invalid):
            target.check_in(company.sales_member, value)
    with pytest.raises(Invalid) as refused:
        target.check_in(company.sales_member, "5", "x" * 501)
    assert refused.value.field == "note"
    assert CheckIn.select().count() == 0 and Target.get_by_id(target.id).current_value is None


def test_a_stale_copy_neither_checks_in_after_an_archive_nor_undoes_a_check_in(make_project, make_target, company):
    target = make_target(make_project())
    stale = Target.get_by_id(target.id)
    assert stale.project.status == "active"
    target.check_in(company.sales_member, "150")
    stale.update_details(company.coordinator, title="Orders signed", unit="units", baseline="100",
                         target_value="200", direction="raise", start_date=START, due_date=DUE,
                         department=company.sales, owner=company.sales_member, weight=1)
    fresh = Target.get_by_id(target.id)
    assert (fresh.title, fresh.current_value, fresh.checked_in_by) == ("Orders signed", 150, company.sales_member)

    type(target.project).get_by_id(target.project_id).archive(company.coordinator)
    with pytest.raises(Invalid) as refused:
        stale.check_in(company.sales_member, "160")
    assert "archived" in str(refused.value.message) and refused.value.field == "value"
    assert CheckIn.select().count() == 1
