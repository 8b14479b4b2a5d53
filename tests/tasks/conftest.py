"""Factories for tasks: two departments with a head and a member each, and tasks between them."""
import itertools
from types import SimpleNamespace

import pytest

from portal.tasks.models import Task

_serial = itertools.count(1)


@pytest.fixture
def company(make_department, make_user):
    """Sales and R&D, each with a head and a member, plus a coordinator."""
    sales, rnd = make_department("销售部", "Sales"), make_department("研发部", "R&D")
    return SimpleNamespace(
        sales=sales, rnd=rnd,
        sales_head=make_user(sales, head_of=True, name="Li Na"),
        seller=make_user(sales, name="Chen Chen"),
        rnd_head=make_user(rnd, head_of=True, name="Zhang Wei"),
        engineer=make_user(rnd, name="Zhou Jie"),
        coordinator=make_user(make_department("行政部", "Administration"), role="coordinator", name="Zheng"),
    )


@pytest.fixture
def make_task(app):
    def make(owner, by=None, **kw):
        kw.setdefault("title", "Task %d" % next(_serial))
        return Task.open(by or owner, owner=owner, **kw)
    return make


@pytest.fixture
def count_queries(app):
    """count_queries(fn) -> how many SQL statements fn() ran."""
    from portal.db import db

    def count(fn):
        executed = []
        original = db.obj.execute_sql

        def counting(sql, *args, **kwargs):
            executed.append(sql)
            return original(sql, *args, **kwargs)

        db.obj.execute_sql = counting
        try:
            fn()
        finally:
            del db.obj.execute_sql
        return len(executed)
    return count
