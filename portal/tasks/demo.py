"""The demo company's tasks: every priority and status, overdue work, blockers across departments,
and P0 collisions for the coordinator to settle."""
import datetime

from portal.accounts.models import User
from portal.db import db
from portal.tasks.models import Task, local_today

# title, owner, asked by, for department, priority, status, due in days (None: no date), tags, reason
TASKS = [
    ("新品样机评审", "rnd.staff", "sales.head", "sales", "P0", "doing", 0, "新品, Q3", "大客户下周到访"),
    ("固件 2.1 发布", "rnd.head", "rnd.head", "rnd", "P0", "todo", -1, "固件", ""),
    ("电源模块选型", "rnd.head", "rnd.head", "rnd", "P1", "doing", 4, "新品", ""),
    ("产品说明书更新", "rnd.staff", "sales.staff", "sales", "P2", "todo", 10, "新品", ""),
    ("客户定制接口", "rnd.staff", "sales.staff", "sales", "P1", "blocked", 4, "", "合同已签"),
    ("ERP 接口开发", "rnd.staff", "finance.head", "finance", "P1", "todo", 8, "ERP", "月底结账要用"),
    ("代码评审规范", "rnd.head", "rnd.head", "rnd", "P3", "review", None, "", ""),
    ("客户需求确认", "sales.staff", "sales.staff", "sales", "P1", "doing", -3, "", ""),
    ("季度报价单", "sales.head", "sales.head", "sales", "P1", "todo", 0, "报价", ""),
    ("华东展会准备", "sales.staff", "admin.head", "admin", "P1", "todo", 12, "展会", "展位已付定金"),
    ("渠道返利核对", "sales.head", "sales.head", "sales", "P2", "todo", 6, "", ""),
    ("样品寄送", "sales.staff", "rnd.staff", "rnd", "P2", "todo", 2, "新品", ""),
    ("竞品分析报告", "sales.staff", "sales.head", "sales", "P2", "todo", 15, "", ""),
    ("大客户回访", "sales.staff", "sales.head", "sales", "P2", "done", -5, "", ""),
    ("五月销售复盘", "sales.head", "sales.head", "sales", "P3", "done", -10, "", ""),
    ("三季度对账", "finance.staff", "finance.head", "finance", "P1", "doing", 1, "对账", ""),
    ("供应商付款审批", "finance.head", "procurement.head", "procurement", "P0", "review", -1, "付款", "供应商停止供货"),
    ("发票系统升级", "finance.staff", "finance.head", "finance", "P2", "blocked", 9, "ERP", ""),
    ("年度预算编制", "finance.head", "finance.head", "finance", "P1", "todo", 20, "预算", ""),
    ("合同模板法务审核", "finance.staff", "sales.head", "sales", "P2", "review", 3, "", ""),
    ("费用报销制度修订", "finance.head", "finance.head", "finance", "P3", "todo", 30, "", ""),
    ("芯片备货", "procurement.staff", "rnd.head", "rnd", "P0", "doing", -2, "新品", "缺货风险"),
    ("外壳模具询价", "procurement.head", "rnd.staff", "rnd", "P0", "todo", 0, "新品", "样机等外壳"),
    ("测试夹具采购", "procurement.staff", "rnd.head", "rnd", "P1", "todo", 5, "", "产线验证要用"),
    ("仓库盘点", "procurement.staff", "procurement.head", "procurement", "P2", "doing", -1, "", ""),
    ("供应商年度评估", "procurement.head", "procurement.head", "procurement", "P2", "todo", 14, "", ""),
    ("包装材料降本", "procurement.staff", "procurement.head", "procurement", "P3", "done", -7, "", ""),
    ("办公室搬迁方案", "admin.head", "admin.head", "admin", "P1", "doing", 7, "", ""),
    ("展台物料制作", "admin.staff", "sales.head", "sales", "P1", "todo", 6, "展会", "展会前必须到位"),
    ("服务器续费", "admin.staff", "admin.head", "admin", "P1", "todo", 1, "", ""),
    ("新员工入职培训", "admin.staff", "rnd.head", "rnd", "P2", "review", 2, "", ""),
    ("消防演练", "admin.staff", "admin.head", "admin", "P2", "todo", 9, "", ""),
    ("会议室预订系统", "admin.staff", "admin.head", "admin", "P3", "blocked", None, "ERP", ""),
    ("国庆值班安排", "admin.head", "admin.head", "admin", "P2", "done", -20, "", ""),
    ("员工满意度调查", "admin.head", "admin.head", "admin", "P3", "review", None, "", ""),
    ("跨部门周会纪要模板", "coordinator", "coordinator", "admin", "P3", "todo", None, "", ""),
]

# (waiting task, the task it waits for): most of them across departments.
WAITS = [("产品说明书更新", "新品样机评审"), ("客户定制接口", "客户需求确认"), ("渠道返利核对", "三季度对账"),
         ("发票系统升级", "ERP 接口开发"), ("展台物料制作", "新品样机评审"), ("样品寄送", "新品样机评审"),
         ("新品样机评审", "外壳模具询价"), ("会议室预订系统", "ERP 接口开发")]


def seed(departments):
    """Create the demo tasks once; `departments` is {code: Department} from the accounts demo."""
    if Task.select().where(Task.title == TASKS[0][0]).exists():
        return
    people = {user.email.split("@")[0]: user for user in User.select().where(User.email.endswith("@example.com"))}
    today = local_today(people["coordinator"])
    with db.atomic():
        tasks = {}
        for title, owner, by, asked_for, priority, status, due_in, tags, reason in TASKS:
            tasks[title] = Task.open(
                people[by], title, people[owner], priority=priority, status=status, tags=tags, reason=reason,
                requesting_department=departments[asked_for],
                due_date=None if due_in is None else today + datetime.timedelta(days=due_in),
                description="演示任务：%s。" % title)
        for waiting, blocker in WAITS:
            tasks[waiting].add_blocker(tasks[waiting].owner, tasks[blocker])
        # The coordinator settles one conflict, so the history has a reason to show.
        quote = tasks["季度报价单"]
        quote.revise(people["coordinator"], quote.version, priority="P0", reason="客户周五签约，报价优先")
