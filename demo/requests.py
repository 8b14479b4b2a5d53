"""The demo company's request types and a dozen requests in every state, spread over recent weeks;
the large company adds a year of requests between its departments."""
import datetime
import decimal
import json
import random

from flask import current_app

from demo import Rows, flush, scaled, weighted

from portal.accounts.models import Department, User
from portal.audit import AuditEntry
from portal.db import db, utcnow
from portal.calendar import CompanyCalendar
from portal.requests import approvers, fields
from portal.requests.models import (Allocation, RequestEvent, RequestRound, RequestStep, ResourceRequest,
                                    StepApprover, StepCopy)
from portal.requests.types import RequestType

HOUR = datetime.timedelta(hours=1)


def _step(name, name_en, approvers, mode="any", condition=None, copied=(), hours=None, on_timeout="remind"):
    return {"name": name, "name_en": name_en, "approvers": approvers, "mode": mode, "condition": condition,
            "copied": list(copied), "time_limit_hours": hours, "on_timeout": on_timeout}


# (key, name, English name, provider, description, allocation, fields, steps); a field is
# (label, English label, kind, settings); people named in steps by email.
TYPES = [
    ("loan", "人员支援", "Staff loan", "rnd", "向研发部借调人员支持项目，按人天计算。", True, [
        ("支援岗位/技能", "Role or skill", "text", {"required": True, "help": "例如：后端开发、测试"}),
        ("人数", "Headcount", "number", {"required": True, "min_value": 1, "max_value": 20}),
        ("起止日期", "Period", "date_range", {"required": True}),
        ("预计人天", "People-days", "number", {"required": True, "min_value": "0.5", "max_value": 500,
                                            "measure": "people_days", "help": "人数 × 工作日"}),
        ("说明", "Notes", "long_text", {}),
    ], [
        _step("申请部门负责人审批", "Requesting head approves", [{"kind": "requester_head"}], hours=24,
              on_timeout="escalate"),
        _step("研发部负责人审批", "R&D head approves", [{"kind": "provider_head"}], hours=48, on_timeout="escalate"),
    ]),
    ("budget", "预算申请", "Budget", "finance", "申请部门预算；超过一万元需财务负责人审批。", False, [
        ("用途", "Purpose", "text", {"required": True}),
        ("金额", "Amount", "money", {"required": True, "min_value": 1, "max_value": 1000000, "currency": "CNY",
                                   "measure": "money"}),
        ("费用类别", "Category", "choice", {"required": True, "choices": "差旅\n市场活动\n软件采购\n培训\n其他"}),
        ("使用期间", "Period of use", "date_range", {}),
    ], [
        _step("部门负责人审批", "Head of department approves", [{"kind": "requester_head"}], hours=24,
              on_timeout="escalate"),
        _step("财务负责人审批", "Finance head approves", [{"kind": "provider_head"}], hours=48,
              on_timeout="escalate", condition=("金额", ">", "10000"), copied=["admin@example.com"]),
    ]),
    ("equipment", "设备物资", "Equipment", "admin", "电脑、显示器、办公物资等的申领。", True, [
        ("物品", "Item", "text", {"required": True}),
        ("数量", "Quantity", "number", {"required": True, "min_value": 1, "max_value": 100}),
        ("预计金额", "Estimated cost", "money", {"currency": "CNY", "measure": "money"}),
        ("需要日期", "Needed by", "date", {}),
        ("领用人", "For whom", "person", {}),
    ], [
        _step("部门负责人审批", "Head of department approves", [{"kind": "requester_head"}], hours=24),
        _step("行政部审批", "Administration approves", [{"kind": "provider_head"}], hours=48, on_timeout="return"),
    ]),
    ("change", "需求变更", "Change request", "rnd",
     "对进行中的项目提出需求变更，由研发负责人与协调人共同确认。", False, [
        ("变更内容", "What changes", "long_text", {"required": True}),
        ("影响项目", "Project affected", "text", {}),
        ("优先级", "Priority", "choice", {"required": True, "choices": "P0 紧急\nP1 高\nP2 中\nP3 低"}),
        ("预计人天", "People-days", "number", {"min_value": "0.5", "max_value": 500, "measure": "people_days"}),
        ("已与客户确认", "Agreed with the customer", "checkbox", {}),
    ], [
        _step("申请部门负责人审批", "Requesting head approves", [{"kind": "requester_head"}], hours=24,
              on_timeout="escalate"),
        _step("研发负责人与协调人会签", "R&D head and coordinator both approve",
              [{"kind": "provider_head"}, {"kind": "role", "role": "coordinator"}], mode="all", hours=72,
              on_timeout="escalate", copied=["coordinator@example.com"]),
    ]),
]

# (type, requester, title, values by English label, days ago filed, what happens next); a date
# range is given as days after filing
# where each action is (hours later, who by email, "approve"/"reject"/"return"/"withdraw"/"allocate", comment).
REQUESTS = [
    ("loan", "sales.staff", "华东大客户演示需两名开发支援", {"Role or skill": "前端开发", "Headcount": "2",
     "Period": (3, 14), "People-days": "20"}, 70,
     [(5, "sales.head", "approve", "客户很重要，同意。"), (20, "rnd.head", "approve", "周杰和一名测试支援。"),
      (8, "rnd.head", "allocate", "周杰（前端）+ 测试一名，3月2日至13日")]),
    ("budget", "sales.staff", "三月华南展会展位费", {"Purpose": "展会展位与物料", "Amount": "18000.00",
     "Category": "市场活动"}, 60,
     [(3, "sales.head", "approve", ""), (30, "finance.head", "approve", "请保留发票。")]),
    ("budget", "rnd.staff", "测试设备云服务续费",
     {"Purpose": "云测试平台年费", "Amount": "6800.00", "Category": "软件采购"}, 45,
     [(2, "rnd.head", "approve", "")]),
    ("equipment", "procurement.staff", "新同事笔记本电脑", {"Item": "笔记本电脑 14 寸", "Quantity": "1",
     "Estimated cost": "7500.00"}, 40,
     [(4, "procurement.head", "approve", ""), (26, "admin.head", "approve", ""),
      (6, "admin.head", "allocate", "ThinkPad 一台，4月1日领取")]),
    ("change", "sales.staff", "CRM 报表增加区域筛选", {"What changes": "销售报表按大区筛选，并可导出 Excel。",
     "Project affected": "CRM 二期", "Priority": "P1 高", "People-days": "8", "Agreed with the customer": True}, 30,
     [(6, "sales.head", "approve", "客户催得急。"), (30, "rnd.head", "approve", "排入下个迭代。"),
      (10, "coordinator", "approve", "")]),
    ("budget", "admin.staff", "全员培训讲师费",
     {"Purpose": "沟通技巧培训", "Amount": "42000.00", "Category": "培训"}, 25,
     [(5, "admin.head", "approve", ""), (40, "finance.head", "reject", "本季度培训预算已用完，请下季度再申请。")]),
    ("loan", "finance.staff", "年终结算期间借调数据分析", {"Role or skill": "数据分析", "Headcount": "1",
     "Period": (10, 20), "People-days": "9"}, 20,
     [(8, "finance.head", "return", "请写清楚需要分析的报表范围。")]),
    ("equipment", "sales.staff", "会议室投影仪", {"Item": "投影仪", "Quantity": "1", "Estimated cost": "3200.00"}, 15,
     [(2, "sales.staff", "withdraw", "已借到行政部的旧投影仪。")]),
    ("loan", "procurement.staff", "供应商系统对接需后端支援", {"Role or skill": "后端开发", "Headcount": "1",
     "Period": (7, 18), "People-days": "10"}, 6,
     [(4, "procurement.head", "approve", ""), (20, "rnd.head", "approve", "可以安排一名后端。")]),
    ("budget", "procurement.staff", "供应商年会差旅", {"Purpose": "赴深圳参加供应商大会", "Amount": "12500.50",
     "Category": "差旅"}, 3, [(3, "procurement.head", "approve", "")]),
    ("change", "admin.staff", "OA 请假流程增加调休类型", {"What changes": "请假类型增加“调休”，自动扣减加班时长。",
     "Priority": "P2 中", "People-days": "3"}, 6, []),
    ("equipment", "rnd.staff", "测试手机两台",
     {"Item": "安卓测试手机", "Quantity": "2", "Estimated cost": "4000.00"}, 1,
     [(3, "rnd.head", "approve", "")]),
]


def seed(departments, size="small", scale=1):
    """Create the demo types and requests once; later runs find them and add nothing."""
    _seed_small(departments)
    if size == "large":
        _seed_large(scale)


def _seed_small(departments):
    with db.atomic():
        if RequestType.select().where(RequestType.name == TYPES[0][1]).exists():
            return
        admin = User.by_email("admin@example.com")
        types = {spec[0]: _request_type(admin, departments, *spec[1:]) for spec in TYPES}
        for kind, who, title, values, days_ago, actions in REQUESTS:
            _request(types[kind], _person(who), title, values, days_ago, actions)


def _person(code):
    return User.by_email(code if "@" in code else code + "@example.com")


def _request_type(admin, departments, name, name_en, provider, description, allocation, field_specs, steps):
    request_type = RequestType.add(admin, name=name, name_en=name_en, description=description,
                                   provider=departments[provider], allocation_step=allocation,
                                   allocation_hours=48 if allocation else None)
    by_label = {}
    for label, label_en, kind, settings in field_specs:
        settings = {key: decimal.Decimal(str(value)) if key.endswith("_value") else value
                    for key, value in settings.items()}
        by_label[label] = request_type.add_field(admin, label=label, label_en=label_en, kind=kind, **settings)
    for spec in steps:
        spec = dict(spec)
        condition = spec.pop("condition")
        spec.update(approvers=json.dumps(spec["approvers"]),
                    copied=json.dumps([_person(email).id for email in spec["copied"]]))
        if condition:
            spec.update(condition_field=by_label[condition[0]], condition_op=condition[1],
                        condition_value=condition[2])
        request_type.add_step(admin, **spec)
    request_type.publish(admin)
    return request_type


def _request(request_type, requester, title, by_label, days_ago, actions):
    version = request_type.latest_version()
    keys = {spec.label_en: spec for spec in version.fields}
    values = {}
    for label, value in by_label.items():
        spec = keys[label]
        if spec.kind == "date_range":
            filed = datetime.date.today() - datetime.timedelta(days=days_ago)
            value = [(filed + datetime.timedelta(days=offset)).isoformat() for offset in value]
        values[spec.key] = value
    item = ResourceRequest.file(requester, version, title, values)
    # Each action happens "now"; everything before it is moved back by the gap, so the trail
    # ends up spread over the days since filing, with realistic waiting times per step.
    elapsed = 0
    for hours, who, action, comment in actions:
        _shift(item, hours * HOUR)
        elapsed += hours
        user = _person(who)
        if action == "withdraw":
            item.withdraw(user, comment)
        elif action == "allocate":
            step = item.active_step()
            item.record_allocation(user, step.id, comment, people_days=item.people_days, amount=item.amount)
        else:
            item.decide(user, item.active_step().id, action, comment)
    _shift(item, datetime.timedelta(days=days_ago) - elapsed * HOUR)


def _shift(item, delta):
    """Move every timestamp of the request back by delta."""
    for model, column_names, where in (
            (ResourceRequest, ("submitted_at", "finished_at"), ResourceRequest.id == item.id),
            (RequestRound, ("submitted_at",), RequestRound.request == item.id),
            (RequestStep, ("started_at", "due_at", "next_check_at", "escalated_at", "finished_at"),
             RequestStep.request == item.id),
            (RequestEvent, ("at",), RequestEvent.request == item.id),
            (Allocation, ("recorded_at",), Allocation.request == item.id),
            (StepApprover, ("added_at", "decided_at"),
             StepApprover.step.in_(RequestStep.select(RequestStep.id).where(RequestStep.request == item.id)))):
        for row in model.select().where(where):
            changes = {name: getattr(row, name) - delta for name in column_names if getattr(row, name)}
            if changes:
                model.update(**changes).where(model.id == row.id).execute()


# The large company: this many requests in all (the dozen above among them), filed over a year.
LARGE_REQUESTS = 5_000
# (weight, where a request ends up): most are long settled; a request waits a day or two for its
# decisions, so at twenty a working day a few dozen wait for someone today.
OUTCOMES = [(1, "in_review"), (0.5, "allocating"), (1.5, "returned"), (74, "approved"), (12, "rejected"),
            (11, "withdrawn")]
KINDS = [(25, "loan"), (35, "budget"), (25, "equipment"), (15, "change")]
SUBJECTS = {"loan": ["客户演示需开发支援", "新品测试需测试工程师", "数据迁移需后端支援", "展会样机调试支援"],
            "budget": ["展会费用", "员工培训费", "软件订阅续费", "客户答谢活动", "出差费用"],
            "equipment": ["新同事笔记本电脑", "显示器更换", "测试手机", "会议室设备", "办公椅"],
            "change": ["报表增加导出", "审批流程调整", "接口字段变更", "页面改版", "权限规则调整"]}
SKILLS = ["前端开发", "后端开发", "测试", "数据分析", "硬件工程师"]
PURPOSES = ["展位与物料", "讲师费", "年费续订", "客户活动", "差旅"]
ITEMS = ["笔记本电脑 14 寸", "27 寸显示器", "安卓测试手机", "投影仪", "人体工学椅"]
REFUSALS = ["本季度预算已用完，请下季度再申请。", "请补充用途说明和报价单。", "人手紧张，建议改期。",
            "Please attach the quote first."]
WITHDRAWALS = ["需求取消了。", "已找到替代方案。", "Solved within the team."]


def large_title(kind, n):
    return "%s %d" % (SUBJECTS[kind][n % len(SUBJECTS[kind])], n)


def _seed_large(scale):
    """A year of requests between the departments, each taken through its flow as the behaviours
    would (seats, decisions, allocations, the trail and the audit log), written in bulk."""
    if ResourceRequest.select().where(ResourceRequest.title == large_title("loan", 1)).exists():
        return
    flows = _LargeRequests()
    with db.atomic():
        for n in range(1, scaled(LARGE_REQUESTS, scale, least=len(REQUESTS) + 1) - len(REQUESTS) + 1):
            flows.request(n)
        flows.write()


class _LargeRequests:
    def __init__(self):
        self.now, self.random = utcnow(), random.Random(LARGE_REQUESTS)
        self.clock = CompanyCalendar.current().working_time(current_app.config["DEFAULT_TIMEZONE"])
        self.flows = {}
        for key, name, *_ in TYPES:
            version = RequestType.get(RequestType.name == name).latest_version()
            self.flows[key] = (version, {spec.label_en: spec for spec in version.fields})
        self.departments = {d.id: d for d in Department.select()}
        self.requesters = list(User.select().where(User.active & User.department.is_null(False)
                                                   & (User.role == "member")).order_by(User.id))
        self.seated = {}
        self.requests = Rows(ResourceRequest, "type", "version", "requester", "department", "provider", "title",
                             "number", "values", "amount_cents", "currency", "people_days", "state", "round",
                             "submitted_at", "finished_at")
        self.rounds = Rows(RequestRound, "request", "number", "title", "values", "submitted_at")
        self.steps = Rows(RequestStep, "request", "round", "position", "kind", "spec_index", "name", "name_en",
                          "mode", "state", "time_limit_hours", "on_timeout", "started_at", "due_at",
                          "next_check_at", "nudge_at", "escalated_at", "reminders_sent", "finished_at")
        self.copies = Rows(StepCopy, "step", "user")
        self.seats = Rows(StepApprover, "step", "user", "state", "reason", "replaces", "added_at", "decided_at",
                          "comment")
        self.events = Rows(RequestEvent, "request", "step", "at", "actor", "action", "comment", "waited_seconds",
                           "detail")
        self.allocations = Rows(Allocation, "request", "recorded_by", "recorded_at", "commitment", "people_days",
                                "amount_cents", "currency", "starts_on", "ends_on")
        self.audit = Rows(AuditEntry, "at", "actor_id", "actor_name", "action", "object_type", "object_id",
                          "summary", "changes")

    def write(self):
        flush(self.requests, self.rounds, self.steps, self.copies, self.seats, self.events, self.allocations,
              self.audit)

    def values(self, kind, specs, day):
        pick = self.random
        start = day + datetime.timedelta(days=pick.randint(3, 10))
        end = start + datetime.timedelta(days=pick.randint(5, 20))
        headcount = pick.randint(1, 3)
        if kind == "loan":
            by_label = {"Role or skill": pick.choice(SKILLS), "Headcount": str(headcount),
                        "Period": [start.isoformat(), end.isoformat()],
                        "People-days": str(headcount * pick.randint(3, 10))}
        elif kind == "budget":
            by_label = {"Purpose": pick.choice(PURPOSES), "Amount": "%d.00" % pick.randint(800, 60000),
                        "Category": pick.choice(specs["Category"].choices)}
        elif kind == "equipment":
            by_label = {"Item": pick.choice(ITEMS), "Quantity": str(pick.randint(1, 4)),
                        "Estimated cost": "%d.00" % pick.randint(300, 12000)}
        else:
            by_label = {"What changes": "按业务需要调整，详见附件。",
                        "Priority": pick.choice(specs["Priority"].choices),
                        "People-days": str(pick.randint(1, 20)), "Agreed with the customer": pick.random() < 0.5}
        return {specs[label].key: value for label, value in by_label.items()}

    def approvers_of(self, entries, requester, provider_id):
        """Who sits on a step, as routing decides it (the same few answers, so asked once each)."""
        key = (json.dumps(entries), requester.id, provider_id)
        if key not in self.seated:
            stand_in = ResourceRequest(requester=requester, department=self.departments[requester.department_id],
                                       provider=self.departments[provider_id])
            self.seated[key] = approvers.assign(stand_in, entries)
        return self.seated[key]

    def request(self, n):
        pick = self.random
        kind = weighted(pick, KINDS)
        version, specs = self.flows[kind]
        outcome = weighted(pick, OUTCOMES)
        if outcome == "allocating" and version.allocation is None:
            outcome = "in_review"
        flow = _Flow(self, version, pick.choice(self.requesters), large_title(kind, n))
        flow.plan(outcome, self.values(kind, specs, self.now.date()))
        flow.run(outcome)

    def deadline(self, start, hours):
        return self.clock.deadline(start, hours)

    def note(self, request_id, step, at, actor, action, comment="", waited=None, detail=None):
        self.events.add(request_id, step["id"] if step else None, at, actor.id if actor else None, action, comment,
                        None if waited is None else int(waited.total_seconds()),
                        json.dumps(detail or {}, ensure_ascii=False))

    def record(self, at, actor, action, request_id, changes, summary=""):
        self.audit.add(at, actor.id if actor else None, actor.name if actor else "", action, "ResourceRequest",
                       request_id, summary[:500], json.dumps(changes, ensure_ascii=False))


class _Flow:
    """One request taken from filing to where its outcome leaves it, on a clock that ends today."""

    def __init__(self, company, version, requester, title):
        self.company, self.version, self.requester, self.title = company, version, requester, title
        self.id = company.requests.reserve()
        self.provider_id = version.data["provider_id"]
        self.state, self.finished, self.allocation = "in_review", None, None

    def plan(self, outcome, values):
        """Lay out the steps and their seats, choose where the flow stops and when it was filed."""
        company, pick = self.company, self.company.random
        specs = [dict(spec, kind="approval", spec_index=index) for index, spec in enumerate(self.version.steps)]
        if self.version.allocation is not None:
            specs.append({"kind": "allocation", "spec_index": None, "name": "", "name_en": "", "mode": "any",
                          "copied": [], "time_limit_hours": self.version.allocation["time_limit_hours"],
                          "on_timeout": "remind", "approvers": [{"kind": "provider_head"}], "condition": None})
        self.steps = []
        for position, spec in enumerate(specs, 1):
            condition = spec["condition"]
            holds = condition is None or fields.condition_holds(
                condition, self.version.field(condition["field"]), values.get(condition["field"]))
            seating = company.approvers_of(spec["approvers"], self.requester, self.provider_id) if holds else None
            self.steps.append(dict(spec, id=company.steps.reserve(), position=position,
                                   state="waiting" if holds else "skipped", started=None, due=None, nudge=None,
                                   ended=None, seats=[], people=seating.seats if seating else [],
                                   replaced=seating.replaced if seating else []))
        approvals = [s for s in self.steps if s["state"] == "waiting" and s["kind"] == "approval"]
        self.passing = len(approvals) if outcome in ("approved", "allocating") else pick.randrange(len(approvals))
        decisions = sum(len(s["people"]) if s["mode"] == "all" else 1 for s in approvals[:self.passing])
        self.gaps = [datetime.timedelta(hours=pick.uniform(1, 30)) for _ in range(decisions + 1)]
        if outcome in ("in_review", "allocating"):
            # Waiting for a decision now, still within its time limit.
            self.gaps[-1] = datetime.timedelta(hours=pick.uniform(0.5, 20))
            self.filed = company.now - sum(self.gaps, datetime.timedelta())
        else:
            span = datetime.timedelta(days=60 if outcome == "returned" else 365)
            self.filed = company.now - sum(self.gaps, datetime.timedelta()) - span * pick.random()
        shift = self.filed.date() - company.now.date()
        self.values = {key: [(datetime.date.fromisoformat(day) + shift).isoformat() for day in value]
                       if isinstance(value, list) else value for key, value in values.items()}

    def run(self, outcome):
        company, pick = self.company, self.company.random
        clock = self.filed
        company.note(self.id, None, clock, self.requester, "filed")
        company.record(clock, self.requester, "request.file", self.id, {"state": [None, "in_review"]},
                       summary=self.title)
        for step in self.steps:
            if step["state"] == "skipped":
                company.note(self.id, step, clock, None, "skipped")
        self.advance(clock, self.requester)
        gaps = iter(self.gaps)
        for step in [s for s in self.steps if s["kind"] == "approval" and s["state"] != "skipped"][:self.passing]:
            for seat in (step["seats"] if step["mode"] == "all" else step["seats"][:1]):
                clock += next(gaps)
                self.approve(step, seat, clock)
        step = next((s for s in self.steps if s["state"] == "active"), None)
        clock += next(gaps)
        if outcome == "approved" and step is not None:
            self.allocate(step, step["seats"][0], clock)
        elif outcome in ("rejected", "returned"):
            self.refuse(step, step["seats"][0], clock, outcome, pick.choice(REFUSALS))
        elif outcome == "withdrawn":
            self.withdraw(step, clock, pick.choice(WITHDRAWALS))
        self.write()

    def activate(self, step, at):
        company = self.company
        step.update(state="active", started=at)
        if step["time_limit_hours"]:
            step["due"] = company.deadline(at, step["time_limit_hours"])
            step["nudge"] = company.deadline(at, step["time_limit_hours"] / 2)
        for replaced, stand_in, merged in step["replaced"]:
            detail = {"to": stand_in.name if stand_in else "", "reason": "substitute", "for": replaced.name}
            company.note(self.id, step, at, None, "substituted", detail=dict(detail, merged=True) if merged else detail)
        for user, reason, replaces in step["people"]:
            step["seats"].append({"user": user, "state": "pending", "reason": reason, "replaces": replaces,
                                  "added": at, "decided": None, "comment": ""})
            if reason in ("own_request", "fallback"):
                company.note(self.id, step, at, None, "substituted", detail={"to": user.name, "reason": reason,
                                                                             "for": ""})

    def close(self, step, state, at):
        step.update(state=state, ended=at)
        for seat in step["seats"]:
            if seat["state"] == "pending":
                seat["state"] = "not_needed"
        self.nudged(step, at)

    @staticmethod
    def nudged(step, now):
        """The job nudges a step at half its time limit if it still waits then, and clears the mark."""
        if step["nudge"] and step["nudge"] <= now:
            step["nudge"] = None

    def decide(self, step, seat, at, state, comment="", action=None):
        seat.update(state=state, decided=at, comment=comment)
        self.company.note(self.id, step, at, seat["user"], action or state, comment, waited=at - step["started"])

    def advance(self, at, by):
        step = next((s for s in self.steps if s["state"] == "waiting"), None)
        if step is None:
            self.end(at, by, "approved")
            self.company.note(self.id, None, at, None, "completed")
            return
        if step["kind"] == "allocation":
            self.state = "allocating"
        self.activate(step, at)

    def approve(self, step, seat, at):
        before = self.state
        self.decide(step, seat, at, "approved")
        if step["mode"] == "any" or not any(s["state"] == "pending" for s in step["seats"]):
            self.close(step, "approved", at)
            self.advance(at, seat["user"])
        self.audit(at, seat["user"], "request.approve", before, {"step": [step["name"], "approved"]})

    def allocate(self, step, seat, at):
        before, values = self.state, self.measures()
        commitment = "按申请安排，%s 起执行。" % at.date().isoformat()
        self.allocation = (seat["user"], at, commitment, values["currency"] or "CNY")
        self.decide(step, seat, at, "approved", commitment, action="allocated")
        self.close(step, "approved", at)
        self.advance(at, seat["user"])
        self.audit(at, seat["user"], "request.allocate", before, {
            "people_days": [None, None if values["people_days"] is None else str(values["people_days"])],
            "amount": [None, None if values["amount"] is None else str(values["amount"])]})

    def refuse(self, step, seat, at, state, comment):
        before, decision = self.state, {"rejected": "reject", "returned": "return"}[state]
        self.decide(step, seat, at, state, comment)
        self.close(step, state, at)
        self.cancel_waiting()
        if state == "rejected":
            self.end(at, seat["user"], "rejected", comment)
        else:
            self.state = "returned"
        self.audit(at, seat["user"], "request." + decision, before, {"step": [step["name"], state]}, comment)

    def withdraw(self, step, at, comment):
        before = self.state
        self.close(step, "cancelled", at)
        self.cancel_waiting()
        self.company.note(self.id, None, at, self.requester, "withdrawn", comment)
        self.end(at, self.requester, "withdrawn", comment)
        self.audit(at, self.requester, "request.withdrawn", before, {}, comment)

    def cancel_waiting(self):
        for step in self.steps:
            if step["state"] == "waiting":
                step["state"] = "cancelled"

    def audit(self, at, by, action, before, changes, summary=""):
        """One audit row per change, with the state it moved the request to (as ResourceRequest.audit)."""
        if self.state != before:
            changes = dict(changes, state=[before, self.state])
        self.company.record(at, by, action, self.id, changes, summary=summary)

    def end(self, at, by, state, comment=""):
        self.state, self.finished = state, at
        if state == "approved" and self.allocation is None:
            # Without an allocation step, approval commits what was asked for.
            self.allocation = (by, at, "", self.measures()["currency"])

    def measures(self):
        money, days = self.version.measure_field("money"), self.version.measure_field("people_days")
        amount = money.number(self.values.get(money.key)) if money else None
        return {"amount": amount, "amount_cents": None if amount is None else int(amount * 100),
                "currency": money.currency if money else "",
                "people_days": days.number(self.values.get(days.key)) if days else None}

    def write(self):
        company, values = self.company, self.measures()
        company.requests.fill(self.id, self.version.type_id, self.version.id, self.requester.id,
                              self.requester.department_id, self.provider_id, self.title, "",
                              json.dumps(self.values, ensure_ascii=False), values["amount_cents"], values["currency"],
                              values["people_days"], self.state, 1, self.filed, self.finished)
        company.rounds.add(self.id, 1, self.title, json.dumps(self.values, ensure_ascii=False), self.filed)
        for step in self.steps:
            self.nudged(step, company.now)
            company.steps.fill(step["id"], self.id, 1, step["position"], step["kind"], step["spec_index"],
                               step["name"], step["name_en"], step["mode"], step["state"],
                               step["time_limit_hours"], step["on_timeout"],
                               step["started"], step["due"], step["due"], step["nudge"], None, 0, step["ended"])
            if step["state"] != "skipped":
                for user_id in step["copied"]:
                    company.copies.add(step["id"], user_id)
            for seat in step["seats"]:
                company.seats.add(step["id"], seat["user"].id, seat["state"], seat["reason"],
                                  seat["replaces"].id if seat["replaces"] else None, seat["added"], seat["decided"],
                                  seat["comment"])
        if self.allocation is not None:
            by, at, commitment, currency = self.allocation
            starts_on, ends_on = ResourceRequest(version=self.version,
                                                 values=json.dumps(self.values)).requested_period()
            company.allocations.add(self.id, by.id, at, commitment, values["people_days"], values["amount_cents"],
                                    currency, starts_on, ends_on)
