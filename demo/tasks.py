"""The demo company's tasks: every priority and status, overdue work, blockers across departments,
and P0 collisions for the coordinator to settle; the large company adds a year of work."""
import collections
import datetime
import json
import random

from demo import Rows, flush, scaled, weighted
from demo import projects as projects_demo

from portal.accounts.models import Department, User
from portal.audit import AuditEntry
from portal.db import db, utcnow
from portal.projects.models import Project, ProjectDepartment
from portal.tasks.models import (URGENT, ChecklistItem, Tag, Task, TaskComment, TaskDependency, TaskTag, TaskWatcher,
                                 local_today)

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
    # Work one department finished for another this month, on time and late: the scorecard counts it.
    ("X200 演示样机", "rnd.staff", "sales.head", "sales", "P1", "done", 3, "新品", "经销商周五要看样机"),
    ("锁体弹簧补货", "procurement.staff", "rnd.head", "rnd", "P1", "done", -3, "新品", "产线等料"),
    ("新品成本核算", "finance.staff", "rnd.head", "rnd", "P2", "done", 2, "", ""),
    ("经销商培训资料", "admin.staff", "sales.head", "sales", "P2", "done", None, "", ""),
]

# (waiting task, the task it waits for): most of them across departments.
WAITS = [("产品说明书更新", "新品样机评审"), ("客户定制接口", "客户需求确认"), ("渠道返利核对", "三季度对账"),
         ("发票系统升级", "ERP 接口开发"), ("展台物料制作", "新品样机评审"), ("样品寄送", "新品样机评审"),
         ("新品样机评审", "外壳模具询价"), ("会议室预订系统", "ERP 接口开发")]


# The work of the demo projects (by their place in projects.demo.PROJECTS); the rest belongs to none.
PROJECT_WORK = {
    0: ["新品样机评审", "固件 2.1 发布", "电源模块选型", "产品说明书更新", "客户定制接口", "客户需求确认",
        "华东展会准备", "样品寄送", "竞品分析报告", "芯片备货", "外壳模具询价", "测试夹具采购", "展台物料制作"],
    1: ["供应商付款审批", "发票系统升级", "包装材料降本", "供应商年度评估", "费用报销制度修订", "ERP 接口开发"],
    2: ["办公室搬迁方案", "服务器续费"],
}


def seed(departments, size="small", scale=1):
    """Create the demo tasks once; `departments` is {code: Department} from the accounts demo."""
    _seed_small(departments)
    if size == "large":
        _seed_large(scale)


def _seed_small(departments):
    if Task.select().where(Task.title == TASKS[0][0]).exists():
        return
    people = {user.email.split("@")[0]: user for user in User.select().where(User.email.endswith("@example.com"))}
    today = local_today(people["coordinator"])
    projects = {title: Project.get(Project.name == projects_demo.PROJECTS[index]["name"])
                for index, titles in PROJECT_WORK.items() for title in titles}
    with db.atomic():
        tasks = {}
        for title, owner, by, asked_for, priority, status, due_in, tags, reason in TASKS:
            tasks[title] = Task.open(
                people[by], title, people[owner], priority=priority, status=status, tags=tags, reason=reason,
                requesting_department=departments[asked_for], project=projects.get(title),
                due_date=None if due_in is None else today + datetime.timedelta(days=due_in),
                description="演示任务：%s。" % title)
        for waiting, blocker in WAITS:
            tasks[waiting].add_blocker(tasks[waiting].owner, tasks[blocker])
        # The coordinator settles one conflict, so the history has a reason to show.
        quote = tasks["季度报价单"]
        quote.revise(people["coordinator"], quote.version, priority="P0", reason="客户周五签约，报价优先")


# The large company: this many tasks in all, over a year, its people, departments and projects.
LARGE_TASKS = 20_000
WORK = ["客户拜访计划", "报价单复核", "供应商对账", "样品测试报告", "培训课件准备", "合同条款修订", "设备点检",
        "月度数据分析", "招聘面试安排", "产品手册翻译", "展会物料清单", "系统权限梳理", "库存盘点", "质量问题复盘",
        "物流线路比价", "客户投诉回复", "预算执行跟踪", "工艺文件更新", "网站内容更新", "应收账款催收"]
TAGS = ["新品", "q3", "客户", "erp", "对账", "展会", "质量", "培训", "采购", "合同", "招聘", "物流", "预算", "安全",
        "数据", "售后", "marketing", "urgent-fix", "文档", "产线"]
REMARKS = ["已和对方确认，本周内完成。", "需要财务先给数据。", "Draft is in the shared folder.",
           "进度 60%，周五前提交。", "客户又改了需求，重新评估工作量。", "Waiting for the supplier's reply.",
           "完成，请复核。"]
CHECKS = ["收集资料", "初稿", "内部评审", "发出"]
# (weight, status) by the age of the task: old work is mostly done.
STATUS_BY_AGE = [(90, [(85, "done"), (5, "todo"), (4, "doing"), (3, "review"), (3, "blocked")]),
                 (30, [(55, "done"), (12, "todo"), (15, "doing"), (8, "review"), (10, "blocked")]),
                 (0, [(20, "done"), (35, "todo"), (25, "doing"), (12, "review"), (8, "blocked")])]
PRIORITY_WEIGHTS = [(4, "P0"), (18, "P1"), (50, "P2"), (28, "P3")]


def large_title(n):
    return "%s %d" % (WORK[n % len(WORK)], n)


def _seed_large(scale):
    """The large company's year of work, written in bulk as Task.open, moves, blockers and comments would."""
    if Task.select().where(Task.title == large_title(1)).exists():
        return
    work = _LargeWork()
    with db.atomic():
        for n in range(1, scaled(LARGE_TASKS, scale, least=len(TASKS) + 1) - len(TASKS) + 1):
            work.task(n)
        work.write()


class _LargeWork:
    def __init__(self):
        self.random = random.Random(LARGE_TASKS)
        self.now = utcnow()
        self.departments = {d.id: d for d in Department.select()}
        self.people = {u.id: u for u in User.select().where(User.active & User.department.is_null(False))}
        self.members = collections.defaultdict(list)
        for user in sorted(self.people.values(), key=lambda u: u.id):
            self.members[user.department_id].append(user)
        teams = collections.defaultdict(list)
        for link in ProjectDepartment.select():
            teams[link.project_id].append(link.department_id)
        self.projects = [(p, teams[p.id]) for p in Project.select().where(Project.status != "planned")
                         .order_by(Project.id)]
        self.recent = collections.defaultdict(list)  # the latest tasks of each project, to wait for
        self.tags = {tag.name: tag.id for tag in Tag.select()}
        self.tag_rows = Rows(Tag, "name")
        for name in TAGS:
            if name not in self.tags:
                self.tags[name] = self.tag_rows.add(name)
        self.tasks = Rows(Task, "title", "description", "owner", "department", "requesting_department", "project",
                          "created_by", "priority", "status", "due_date", "estimate_hours", "version", "created_at",
                          "updated_at", "done_at")
        self.task_tags = Rows(TaskTag, "task", "tag")
        self.watchers = Rows(TaskWatcher, "task", "user")
        self.waits = Rows(TaskDependency, "task", "blocked_by", "created_at")
        self.comments = Rows(TaskComment, "task", "author", "body", "created_at")
        self.items = Rows(ChecklistItem, "task", "text", "done", "position")
        self.audit = Rows(AuditEntry, "at", "actor_id", "actor_name", "action", "object_type", "object_id",
                          "summary", "changes")

    def write(self):
        flush(self.tag_rows, self.tasks, self.task_tags, self.watchers, self.waits, self.comments, self.items,
              self.audit)

    def record(self, at, actor, action, task_id, changes=None, summary=""):
        self.audit.add(at, actor.id, actor.name, action, "Task", task_id, summary,
                       json.dumps(changes or {}, ensure_ascii=False))

    def _placed(self):
        """(project or None, its departments, when the task was created)."""
        pick = self.random
        if self.projects and pick.random() < 0.75:
            project, teams = pick.choice(self.projects)
            first = max(datetime.datetime.combine(project.start_date, datetime.time()),
                        self.now - datetime.timedelta(days=365))
            last = min(datetime.datetime.combine(project.end_date, datetime.time(23)), self.now)
            if first < last:
                return project, teams, first + (last - first) * pick.random()
        return None, [], self.now - datetime.timedelta(days=365) * pick.random()

    def task(self, n):
        pick = self.random
        project, teams, created = self._placed()
        home = pick.choice(teams) if teams and pick.random() < 0.9 else pick.choice(list(self.members))
        owner = pick.choice(self.members[home])
        asking = owner.department_id if pick.random() < 0.65 else pick.choice(teams or list(self.members))
        by = owner if pick.random() < 0.45 else self._asker(asking)
        priority = weighted(pick, PRIORITY_WEIGHTS)
        age = (self.now - created).days
        if project is not None and project.status in ("done", "archived"):
            status = "done"
        else:
            status = weighted(pick, next(choices for days, choices in STATUS_BY_AGE if age >= days))
        due = created.date() + datetime.timedelta(days=pick.randint(3, 60)) if pick.random() < 0.85 else None
        moved = created + (self.now - created) * pick.uniform(0.05, 0.9)
        title = large_title(n)
        reason = "客户等结果" if priority in URGENT and by.department_id != owner.department_id else ""
        names = sorted(pick.sample(TAGS, pick.choice([0, 0, 1, 1, 2, 3])))
        task_id = self.tasks.add(
            title, "%s：详见附件与会议纪要。" % title, owner.id, owner.department_id, asking,
            project.id if project else None, by.id, priority, status, due,
            pick.choice([None, None, 2, 4, 8, 16, 24, 40]), 1 if status == "todo" else 2, created,
            created if status == "todo" else moved, moved if status == "done" else None)
        changes = {"title": [None, title], "owner": [None, owner.name], "priority": [None, priority],
                   "status": [None, "todo"]}
        if project is not None:
            changes["project"] = [None, project.name]
        if due:
            changes["due_date"] = [None, due.isoformat()]
        if names:
            changes["tags"] = [None, ", ".join(names)]
        self.record(created, by, "task.create", task_id, changes, summary=reason)
        for name in names:
            self.task_tags.add(task_id, self.tags[name])
        if by.id != owner.id:
            self.watchers.add(task_id, by.id)
        if status != "todo":
            self.record(moved, owner, "task.move", task_id, {"status": ["todo", status]})
        self._wait(task_id, project, owner, created, status)
        self._discuss(task_id, title, owner, by, created, moved)
        recent = self.recent[project.id if project else None]
        recent.append((task_id, title))
        del recent[:-200]

    def _asker(self, department_id):
        department = self.departments[department_id]
        if department.head_id in self.people and self.random.random() < 0.5:
            return self.people[department.head_id]
        return self.random.choice(self.members[department_id])

    def _wait(self, task_id, project, owner, created, status):
        """Make some tasks wait for earlier ones (always earlier: no circles), blocked ones most often."""
        earlier = self.recent[project.id if project else None]
        if not earlier or self.random.random() > (0.6 if status == "blocked" else 0.1):
            return
        for blocker_id, blocker_title in self.random.sample(earlier, min(len(earlier), self.random.randint(1, 2))):
            self.waits.add(task_id, blocker_id, created)
            self.record(created, owner, "task.blocker_add", task_id,
                        {"blocked_by": [None, "#%d %s" % (blocker_id, blocker_title)]})

    def _discuss(self, task_id, title, owner, by, created, moved):
        pick = self.random
        for _ in range(pick.choice([0, 0, 0, 0, 0, 1, 1, 1, 2, 3])):
            author = pick.choice([owner, by, owner])
            at = created + (moved - created) * pick.random()
            comment_id = self.comments.add(task_id, author.id, pick.choice(REMARKS), at)
            self.record(at, author, "task.comment", task_id, summary="comment %d" % comment_id)
        if pick.random() < 0.1:
            for position, text in enumerate(CHECKS, 1):
                self.items.add(task_id, text, position <= 2, position)
                self.record(created, owner, "task.checklist", task_id, {"item": [None, text]})
                if position <= 2:
                    self.record(moved, owner, "task.checklist", task_id, {"checked": [False, True]}, summary=text)
