"""Ready-made request types an admin installs in one click and edits afterwards: 请假, 出差, 报销, 用印, 采购.

Each text is (简体中文, English); the installer's language names the type, its fields and steps,
and the English is kept beside for English readers. Steps point at fields by their `ref`.
"""
from flask_babel import lazy_gettext as _l

HEAD = [{"kind": "supervisor"}]
PROVIDER = [{"kind": "provider_head"}]

PRESETS = {
    "leave": {
        "name": ("请假", "Leave"), "title": _l("Leave (请假)"),
        "description": ("请假前提交，写明类型和起止日期。", "File before your leave, with its kind and dates."),
        "fields": [
            {"ref": "kind", "label": ("请假类型", "Kind of leave"), "kind": "choice", "required": True,
             "choices": (["年假", "事假", "病假", "调休", "婚假", "产假", "陪产假", "丧假"],
                         ["Annual", "Personal", "Sick", "Time off in lieu", "Marriage", "Maternity", "Paternity",
                          "Bereavement"])},
            {"ref": "period", "label": ("请假时间", "Dates"), "kind": "date_range", "required": True},
            {"ref": "days", "label": ("天数", "Days"), "kind": "number", "required": True, "min_value": "0.5",
             "max_value": "365"},
            {"ref": "reason", "label": ("事由", "Reason"), "kind": "long_text"},
        ],
        "steps": [
            {"name": ("直属主管审批", "Supervisor approves"), "approvers": HEAD, "time_limit_hours": 8},
            {"name": ("部门负责人审批", "Head of department approves"), "approvers": [{"kind": "requester_head"}],
             "condition": {"field": "days", "op": ">", "value": "3"}},
            {"name": ("行政备案", "Administration records it"), "approvers": PROVIDER},
        ],
    },
    "travel": {
        "name": ("出差", "Business trip"), "title": _l("Business trip (出差)"),
        "description": ("出发前申请，写明去哪里、几天、怎么去和大致费用。",
                        "Ask before you go: where, how long, how you travel and what it may cost."),
        "fields": [
            {"ref": "where", "label": ("目的地", "Destination"), "kind": "text", "required": True},
            {"ref": "period", "label": ("出差时间", "Dates"), "kind": "date_range", "required": True},
            {"ref": "by", "label": ("交通方式", "Travelling by"), "kind": "multi_choice",
             "choices": (["飞机", "高铁/火车", "汽车", "自驾"], ["Plane", "Train", "Coach", "Own car"])},
            {"ref": "why", "label": ("出差事由", "Purpose"), "kind": "long_text", "required": True},
            {"ref": "cost", "label": ("预计费用", "Estimated cost"), "kind": "money", "currency": "CNY",
             "measure": "money"},
        ],
        "steps": [
            {"name": ("直属主管审批", "Supervisor approves"), "approvers": HEAD, "time_limit_hours": 8},
            {"name": ("财务审批", "Finance approves"), "approvers": PROVIDER,
             "condition": {"field": "cost", "op": ">", "value": "5000"}},
        ],
    },
    "expense": {
        "name": ("报销", "Expense claim"), "title": _l("Expense claim (报销)"),
        "description": ("逐项填写费用明细，合计自动算出；纸质发票交财务。",
                        "List each expense; the total is worked out for you. Hand the paper receipts to finance."),
        "fields": [
            {"ref": "items", "label": ("费用明细", "Expenses"), "kind": "table", "required": True,
             "currency": "CNY", "measure": "money",
             "columns": [{"label": ("费用类型", "Kind"), "kind": "text"}, {"label": ("日期", "Date"), "kind": "date"},
                         {"label": ("金额", "Amount"), "kind": "money"},
                         {"label": ("票据张数", "Receipts"), "kind": "number"}]},
            {"ref": "note", "label": ("报销说明", "Notes"), "kind": "long_text"},
        ],
        "steps": [
            {"name": ("直属主管审批", "Supervisor approves"), "approvers": HEAD, "time_limit_hours": 8},
            {"name": ("部门负责人审批", "Head of department approves"), "approvers": [{"kind": "requester_head"}],
             "condition": {"field": "items", "op": ">", "value": "5000"}},
            {"name": ("财务审核", "Finance checks"), "approvers": PROVIDER, "time_limit_hours": 16},
        ],
    },
    "seal": {
        "name": ("用印", "Company seal"), "title": _l("Company seal (用印)"),
        "description": ("用印前申请，写明文件、份数和用途。",
                        "Ask before a document is sealed: which, how many copies, what for."),
        "fields": [
            {"ref": "seal", "label": ("印章类型", "Seal"), "kind": "multi_choice", "required": True,
             "choices": (["公章", "合同专用章", "财务专用章", "法人章"],
                         ["Company seal", "Contract seal", "Finance seal", "Legal representative's seal"])},
            {"ref": "document", "label": ("文件名称", "Document"), "kind": "text", "required": True},
            {"ref": "copies", "label": ("份数", "Copies"), "kind": "number", "required": True, "min_value": "1",
             "max_value": "1000"},
            {"ref": "why", "label": ("用途", "Purpose"), "kind": "long_text", "required": True},
            {"ref": "when", "label": ("用印日期", "Date"), "kind": "date"},
        ],
        "steps": [
            {"name": ("直属主管审批", "Supervisor approves"), "approvers": HEAD, "time_limit_hours": 8},
            {"name": ("行政用印", "Administration seals it"), "approvers": PROVIDER},
        ],
    },
    "purchase": {
        "name": ("采购", "Purchase"), "title": _l("Purchase (采购)"),
        "description": ("逐项写明要买的东西和金额，采购部统一下单。",
                        "List what to buy and what each costs; procurement places the order."),
        "fields": [
            {"ref": "items", "label": ("采购明细", "Items"), "kind": "table", "required": True, "currency": "CNY",
             "measure": "money",
             "columns": [{"label": ("物品名称", "Item"), "kind": "text"},
                         {"label": ("规格型号", "Model"), "kind": "text"},
                         {"label": ("数量", "Quantity"), "kind": "number"},
                         {"label": ("金额", "Amount"), "kind": "money"}]},
            {"ref": "by", "label": ("期望到货日期", "Needed by"), "kind": "date"},
            {"ref": "why", "label": ("采购理由", "Why"), "kind": "long_text", "required": True},
        ],
        "steps": [
            {"name": ("部门负责人审批", "Head of department approves"), "approvers": [{"kind": "requester_head"}],
             "time_limit_hours": 8},
            {"name": ("采购部审批", "Procurement approves"), "approvers": PROVIDER, "time_limit_hours": 16},
        ],
    },
}
