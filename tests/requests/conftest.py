"""Factories for requests: a small company, a staff-loan type with a conditional finance step,
and filing under its published version."""
import json
from types import SimpleNamespace

import pytest

from portal.requests.models import ResourceRequest
from portal.requests.types import RequestType


@pytest.fixture
def company(make_department, make_user):
    sales, rnd = make_department("销售部", "Sales"), make_department("研发部", "R&D")
    finance = make_department("财务部", "Finance")
    return SimpleNamespace(
        sales=sales, rnd=rnd, finance=finance,
        sales_head=make_user(department=sales, head_of=True, name="Li Na"),
        seller=make_user(department=sales, name="Chen Chen"),
        rnd_head=make_user(department=rnd, head_of=True, name="Zhang Wei"),
        developer=make_user(department=rnd, name="Zhou Jie"),
        finance_head=make_user(department=finance, head_of=True, name="Wang Fang"),
        admin=make_user(department=finance, role="admin", name="Ada Admin"),
        outsider=make_user(name="Olga Outsider"),
    )


@pytest.fixture
def make_type(company):
    """A staff-loan type: the requester's head approves, finance approves budgets over 10,000,
    then R&D's head; optionally R&D records the allocation."""
    def make(name="人员支援", allocation=False, publish=True, first_step=None, provider=None):
        by = company.admin
        request_type = RequestType.add(by, name=name, name_en="Staff loan", description="Borrow people",
                                       provider=provider or company.rnd, allocation_step=allocation,
                                       allocation_hours=48 if allocation else None)
        request_type.add_field(by, label="人天", label_en="People-days", kind="number", required=True,
                               min_value=1, max_value=200, measure="people_days")
        budget = request_type.add_field(by, label="预算", label_en="Budget", kind="money", currency="CNY",
                                        measure="money")
        request_type.add_field(by, label="起止日期", label_en="Period", kind="date_range")
        first = dict({"approvers": [{"kind": "requester_head"}], "time_limit_hours": 24, "on_timeout": "escalate"},
                     **(first_step or {}))
        request_type.add_step(by, **step(name="部门负责人审批", **first))
        finance_head = [{"kind": "people", "ids": [company.finance_head.id]}]
        request_type.add_step(by, **step(name="财务审批", approvers=finance_head,
                                         condition_field=budget, condition_op=">", condition_value="10000",
                                         copied=[company.admin.id]))
        request_type.add_step(by, **step(name="提供部门审批", approvers=[{"kind": "provider_head"}],
                                         time_limit_hours=48, on_timeout="return"))
        if publish:
            request_type.publish(by)
        return RequestType.get_by_id(request_type.id)
    return make


def step(name, approvers, mode="any", condition_field=None, condition_op="", condition_value="", copied=(),
         time_limit_hours=None, on_timeout="remind"):
    return {"name": name, "name_en": "", "approvers": json.dumps(approvers), "mode": mode,
            "condition_field": condition_field, "condition_op": condition_op, "condition_value": condition_value,
            "copied": json.dumps(list(copied)), "time_limit_hours": time_limit_hours, "on_timeout": on_timeout}


def values(version, **by_english_label):
    """Stored values keyed the way the version keys them, from English labels."""
    keys = {spec.label_en.lower().replace("-", "_"): spec.key for spec in version.fields}
    return {keys[label]: value for label, value in by_english_label.items()}


@pytest.fixture
def file_request(make_type, company):
    default = []

    def file(request_type=None, requester=None, title="Two developers for the CRM", people_days="10",
             budget=None, **extra):
        if request_type is None:
            default[:] = default or [make_type()]
            request_type = default[0]
        version = request_type.latest_version()
        stored = values(version, people_days=people_days, budget=budget, **extra)
        return ResourceRequest.file(requester or company.seller, version, title, stored)
    return file


@pytest.fixture
def count_queries(monkeypatch):
    """count_queries(fn) -> how many SQL statements fn ran."""
    from portal.db import db

    def count(fn):
        seen = []
        original = db.obj.execute_sql

        def counting(sql, *args, **kwargs):
            seen.append(sql)
            return original(sql, *args, **kwargs)
        monkeypatch.setattr(db.obj, "execute_sql", counting)
        try:
            fn()
        finally:
            monkeypatch.setattr(db.obj, "execute_sql", original)
        return len(seen)
    return count


def login(client, user):
    client.post("/logout")
    client.login(user)
    return client
