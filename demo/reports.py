"""The demo company's weekly reports: every department hands them in by Friday 18:00; three weeks
of them (some late, some commented on, some asking another department for help), and this week's
so far, with a draft in progress and people who still owe theirs. The large company adds months of
reports of its 300 people."""
import datetime
import json
import random

from demo import Rows, flush, scaled

from portal.accounts.models import Department, User
from portal.audit import AuditEntry
from portal.db import db
from portal.reports.models import Report, ReportComment, ReportHelp
from portal.reports.plans import DEFAULT_SECTIONS, ReportPlan

# Per department code: a week's sections, as its people write them.
WRITING = {
    "sales": ["- 苏州经销商签约 200 台首批订单\n- 拜访华东 6 家新经销商", "- 跟进杭州、宁波两家经销商的样机试用",
              "需要研发部提供 X200 演示样机 2 台", "华东渠道价格战，可能影响毛利"],
    "finance": ["- 完成 4 月结账\n- 应收账款对账 12 家", "- 出具一季度成本分析", "", "两家大客户回款慢"],
    "procurement": ["- 铜材重新招标，降价 6%\n- 锁体弹簧补货 2000 件下单", "- 评估第二供应商", "",
                    "弹簧交期仍有一周风险"],
    "rnd": ["- X200 试产良率 93%\n- 修复报价单导出的金额错误", "- 小批试产第二轮", "需要采购部确认弹簧到货日期",
            "测试环境数据不全"],
    "admin": ["- 新园区验收准备\n- 年会场地确认", "- 差旅新规宣讲", "", ""],
}
COMMENTS = ["进展不错，下周重点跟进回款。Good week; follow up on collections next week.",
            "风险写得很清楚，周一例会上讨论。The risks are clear; let's discuss them on Monday."]
# (department code of the writer, department code asked, what), handed in with the reports two weeks ago.
ASKS = [("sales", "rnd", "X200 演示样机 2 台，下周三前 Two X200 demo units by next Wednesday"),
        ("rnd", "procurement", "确认锁体弹簧到货日期 Confirm when the lock springs arrive")]


def seed(departments, size="small", scale=1):
    """Plans and reports, unless the Sales plan exists (running the demo twice adds nothing)."""
    if ReportPlan.select().join(Department).where(Department.id == departments["sales"].id).exists():
        return
    with db.atomic():
        for department in Department.select().order_by(Department.id):
            ReportPlan.configure(None, department, active=True, cadence="weekly", due_weekday=4,
                                 due_time=datetime.time(18, 0), sections=DEFAULT_SECTIONS["weekly"])
        _seed_small(departments)
    if size == "large":
        _seed_large(scale)


def _person(code):
    return User.by_email("%s@example.com" % code)


def _seed_small(departments):
    head_of = {department.id: department.head for department in departments.values()}
    for code, department in departments.items():
        plan = ReportPlan.of(department.id)
        current = plan.current_period()
        people = list(department.active_members())
        for weeks_ago in (3, 2, 1):
            period = current
            for _ in range(weeks_ago):
                period = period.previous()
            due = plan.due_at(period)
            if due is None:
                continue
            for n, person in enumerate(people):
                late = (n + weeks_ago) % 4 == 0
                report = Report.start(person, plan, period)
                asks = [(departments[asked], None, what) for writer, asked, what in ASKS
                        if weeks_ago == 2 and writer == code and person.id == department.head_id]
                report.submit(person, report.version, WRITING[code], asks,
                              now=due + datetime.timedelta(hours=15 if late else -2))
                if weeks_ago == 1 and person.id != department.head_id:
                    report.comment(head_of[department.id], COMMENTS[n % len(COMMENTS)])
        # This week: the R&D and finance staff and the head of administration have handed in, so three
        # people of administration still owe theirs; the sales staff has a draft going.
        if plan.due_at(current) is not None:
            for person in people:
                if person.email in ("rnd.staff@example.com", "finance.staff@example.com", "admin.head@example.com"):
                    report = Report.start(person, plan, current)
                    report.submit(person, report.version, WRITING[code], [])
                elif person.email == "sales.staff@example.com":
                    Report.start(person, plan, current)
    for ask in ReportHelp.select().where(ReportHelp.department == departments["rnd"].id):
        ask.give(departments["rnd"].head)


# The large company: this many weeks of reports, each person handing in most of them.
LARGE_WEEKS = 26
HANDED_IN, LATE, ASKING = 0.93, 0.12, 0.04


def _seed_large(scale):
    """Months of weekly reports of everyone, written in bulk as Report.submit would have."""
    if Report.select().join(User, on=(Report.author == User.id)).where(
            User.email == "staff001@example.com").exists():
        return
    pick = random.Random(LARGE_WEEKS)
    plans = {plan.department_id: plan for plan in ReportPlan.select()}
    people = list(User.select().where(User.active & User.department.is_null(False) & User.email.startswith("staff"))
                  .order_by(User.id))
    departments = list(Department.select().order_by(Department.id))
    heads = {d.id: d.head_id for d in departments}
    reports = Rows(Report, "author", "department", "cadence", "period_start", "due_at", "sections", "state", "late",
                   "version", "created_at", "updated_at", "submitted_at")
    asks = Rows(ReportHelp, "report", "department", "person", "what", "created_at", "sent_at", "given_at",
                "given_by")
    comments = Rows(ReportComment, "report", "author", "body", "created_at")
    audit = Rows(AuditEntry, "at", "actor_id", "actor_name", "action", "object_type", "object_id", "summary",
                 "changes")
    texts = list(WRITING.values())
    with db.atomic():
        any_plan = next(iter(plans.values()))
        period = any_plan.current_period().previous()
        for _ in range(scaled(LARGE_WEEKS, scale, least=2)):
            due = any_plan.due_at(period)
            if due is not None:
                for person in people:
                    if pick.random() > HANDED_IN:
                        continue
                    late = pick.random() < LATE
                    handed = due + datetime.timedelta(hours=pick.randint(2, 60) if late else -pick.randint(1, 30))
                    written = pick.choice(texts)
                    sections = [dict(section, text=text) for section, text in zip(DEFAULT_SECTIONS["weekly"], written,
                                                                                  strict=True)]
                    report_id = reports.add(person.id, person.department_id, "weekly", period.start, due,
                                            json.dumps(sections, ensure_ascii=False), "submitted", late, 2,
                                            handed - datetime.timedelta(hours=1), handed, handed)
                    audit.add(handed, person.id, person.name, "report.submit", "Report", report_id, "",
                              json.dumps({"state": ["draft", "submitted"], "late": [None, late]}))
                    if pick.random() < ASKING:
                        asked = pick.choice([d for d in departments if d.id != person.department_id])
                        given = handed + datetime.timedelta(days=pick.randint(1, 5)) if pick.random() < .6 else None
                        asks.add(report_id, asked.id, None, written[2][:100] or "需要资源支持 Resources needed",
                                 handed, handed, given, heads[asked.id] if given else None)
                    if pick.random() < 0.05 and heads.get(person.department_id):
                        comments.add(report_id, heads[person.department_id], pick.choice(COMMENTS),
                                     handed + datetime.timedelta(hours=20))
            period = period.previous()
        flush(reports, asks, comments, audit)
