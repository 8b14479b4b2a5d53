"""The demo company's request types and a dozen requests in every state, spread over recent weeks."""
import datetime
import decimal
import json

from portal.accounts.models import User
from portal.db import db
from portal.requests.models import Allocation, RequestEvent, RequestStep, ResourceRequest, StepApprover
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
     "Priority": "P2 中", "People-days": "3"}, 2, []),
    ("equipment", "rnd.staff", "测试手机两台",
     {"Item": "安卓测试手机", "Quantity": "2", "Estimated cost": "4000.00"}, 1,
     [(3, "rnd.head", "approve", "")]),
]


def seed(departments):
    """Create the demo types and requests once; later runs find them and add nothing."""
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
