"""The demo company's alignment map: two company goals, a goal of each department, the demo projects'
targets serving them, and the tensions between targets; the large company's project targets serve
their departments' goals."""
import datetime
import json
import random
from decimal import Decimal

from demo import Rows, flush
from demo.projects import weekly_check_ins

from portal.accounts.models import Department, User
from portal.audit import AuditEntry
from portal.db import db, utcnow
from portal.projects.alignment import Tension
from portal.projects.models import LIVE, Project, Target, today

# title, unit, baseline, target, where it stands against its straight line (demo.projects.PACE), owner
COMPANY_GOALS = [
    ("营业收入 1.2 亿元 Revenue of ¥120M", "万元", "0", "12000", "on", "admin"),
    ("综合成本下降 8% Total cost down 8%", "%", "0", "8", "risk", "finance.head"),
]
# department code: (title, unit, baseline, target, pace, the company goal it serves (index))
DEPARTMENT_GOALS = {
    "sales": ("销售部：新增经销商 60 家 Sales: 60 new dealers", "家", "0", "60", "on", 0),
    "rnd": ("研发部：两款新品按期上市 R&D: two launches on time", "款", "0", "2", "off", 0),
    "procurement": ("采购部：采购成本下降 6% Procurement: purchase cost down 6%", "%", "0", "6", "on", 1),
    "finance": ("财务部：回款周期缩短到 50 天 Finance: collections within 50 days", "天", "65", "50", "risk", 0),
    "admin": ("行政部：行政费用下降 10% Administration: overheads down 10%", "%", "0", "10", "on", 1),
}
# A demo project's target (its title starts so) and the goal it serves: a department's (by code) or
# the company's (by index).
SERVES = [
    ("经销商签约", "sales"), ("预售订单", 0), ("首批量产良率", "rnd"), ("关键物料准时到货率", "procurement"),
    ("主料单位采购成本", "procurement"), ("月度差旅费用", "admin"), ("应收账款周转天数", "finance"),
    ("实验室设备迁移", "rnd"), ("综合毛利率", 0),
]
# Two targets' title prefixes, and how they pull against each other.
TENSIONS = [
    ("关键物料准时到货率", "主料单位采购成本",
     "加急交货要付加急费，降本却要压价。Rush deliveries cost extra; cost down squeezes the price."),
    ("预售订单", "综合毛利率", "促销拉动预售会拉低毛利。Promotions that lift pre-orders lower the margin."),
    ("首批量产良率", "月度差旅费用",
     "驻厂调试需要出差，差旅预算却在压缩。Tuning on site needs travel; the travel budget is shrinking."),
]


def seed(departments, size="small", scale=1):
    """Goals, links and tensions, unless the first company goal exists (running twice adds nothing)."""
    if Target.select().where(Target.title == COMPANY_GOALS[0][0]).exists():
        return
    with db.atomic():
        goals = [_goal(*spec, department=None) for spec in COMPANY_GOALS]
        by_department = {}
        for code, (title, unit, baseline, goal, pace, serves) in DEPARTMENT_GOALS.items():
            by_department[code] = _goal(title, unit, baseline, goal, pace, "%s.head" % code,
                                        department=departments[code], serves=goals[serves])
        for prefix, serves in SERVES:
            target = Target.get_or_none(Target.title.startswith(prefix) & Target.project.is_null(False))
            if target is not None:
                parent = by_department[serves] if isinstance(serves, str) else goals[serves]
                target.update_details(None, **_details(target), serves=parent)
        for one, other, note in TENSIONS:
            first = Target.get_or_none(Target.title.startswith(one) & Target.project.is_null(False))
            second = Target.get_or_none(Target.title.startswith(other) & Target.project.is_null(False))
            if first is not None and second is not None:
                Tension.name(first.owner, first, second, note)
        if size == "large":
            _seed_large(by_department)


def _goal(title, unit, baseline, goal, pace, owner, department, serves=None):
    """A goal for the current year, checked in today where `pace` says it stands against its line."""
    now = today()
    start, due = datetime.date(now.year, 1, 1), datetime.date(now.year, 12, 31)
    person = User.by_email("%s@example.com" % owner)
    target = Target.define(person, None, title=title, unit=unit, baseline=baseline, target_value=goal,
                           direction="raise" if Decimal(goal) > Decimal(baseline) else "lower", start_date=start,
                           due_date=due, department=department, owner=person, weight=1, serves=serves)
    weekly_check_ins(target, person, pace, now)
    return target


def _details(target):
    return dict(title=target.title, unit=target.unit, baseline=target.baseline, target_value=target.target_value,
                direction=target.direction, start_date=target.start_date, due_date=target.due_date,
                department=target.department, owner=target.owner, weight=target.weight)


# The large company: this share of its project targets serve their department's goal, and this many
# tensions between targets of different departments.
LARGE_SERVING = 0.6
LARGE_TENSIONS = 12


def _seed_large(by_department):
    """A goal for each further department; targets of live projects serve their department's goal."""
    pick = random.Random(LARGE_TENSIONS)
    company = Target.get(Target.title == COMPANY_GOALS[0][0])
    goals = {goal.department_id: goal.id for goal in by_department.values()}
    for department in Department.select().where(Department.id.not_in(list(goals))).order_by(Department.id):
        head = department.head or department.members.first()
        title = "%s：年度重点目标 %s: the year's key goal" % (department.name, department.name_en)
        goal = _goal(title, "%", "0", "100", pick.choice(["on", "on", "risk", "off"]), head.email.split("@")[0],
                     department=department, serves=company)
        goals[department.id] = goal.id
    audit = Rows(AuditEntry, "at", "actor_id", "actor_name", "action", "object_type", "object_id", "summary",
                 "changes")
    now = utcnow()
    targets = list(Target.select(Target.id, Target.department, Target.title).join(Project).where(
        Project.status.in_(LIVE) & Target.serves.is_null()).order_by(Target.id))
    serving = [t for t in targets if t.department_id in goals and pick.random() < LARGE_SERVING]
    for department_id, goal_id in goals.items():
        ids = [t.id for t in serving if t.department_id == department_id]
        if ids:
            Target.update(serves=goal_id).where(Target.id.in_(ids)).execute()
    for target in serving:
        audit.add(now, None, "", "target.update", "Target", target.id, "",
                  json.dumps({"serves": [None, goals[target.department_id]]}))
    flush(audit)
    named = set()
    while len(named) < min(LARGE_TENSIONS, len(serving) // 2):
        one, other = pick.sample(serving, 2)
        if one.department_id != other.department_id and (one.id, other.id) not in named \
                and (other.id, one.id) not in named:
            named.add((one.id, other.id))
            Tension.name(None, Target.get_by_id(one.id), Target.get_by_id(other.id),
                         "两个部门的目标互相牵制，需要在对齐会上权衡。The two departments' targets pull against "
                         "each other; to weigh in the alignment meeting.")
