"""Demo projects: a product launch, a cost-reduction drive, an office move and a confidential pricing
project, with targets in every status, weeks of check-ins, milestones and photo updates; the large
company adds dozens more across its twelve departments."""
import collections
import datetime
import io
import json
import random
from decimal import Decimal

from PIL import Image, ImageDraw
from werkzeug.datastructures import FileStorage

from demo import Rows, flush, scaled

from portal.accounts.models import Department, User
from portal.audit import AuditEntry
from portal.db import db, utcnow
from portal.projects import photos
from portal.projects.feed import ProjectUpdate
from portal.projects.models import CheckIn, Milestone, Project, ProjectDepartment, Target, shown, today

# Where each target stands today against the straight line, in points: on track, at risk, off track.
PACE = {"on": -2, "risk": 17, "off": 34}

PROJECTS = [
    {
        "name": "X200 智能门锁上市 X200 smart lock launch",
        "goal": "X200 在 6 月前进入华东 40 家经销商，首批良率达到 98%。\n\n"
                "Get the X200 into 40 East China dealers by June with a 98% first-batch yield.",
        "coordinator": "coordinator", "departments": ["rnd", "sales", "procurement"], "status": "active",
        "visibility": "company", "weeks_ago": 8, "weeks_left": 10,
        "targets": [
            ("首批量产良率 First-batch yield", "%", "82", "98", "rnd.head", "rnd", 3, "on"),
            ("经销商签约 Dealers signed", "家", "0", "40", "sales.staff", "sales", 2, "risk"),
            ("关键物料准时到货率 On-time key parts", "%", "70", "95", "procurement.staff", "procurement", 2, "off"),
            ("预售订单 Pre-orders", "万元", "0", "300", "sales.head", "sales", 1, "on"),
        ],
        "milestones": [("样机评审 Prototype review", -35, "结构件公差偏大，已与供应商确定新模具。Tolerances were wide; "
                                                       "new moulds agreed with the supplier."),
                       ("小批试产 Pilot run", 5, None), ("上市发布会 Launch event", 60, None)],
        "updates": [("rnd.staff", "试产线今天跑通，良率 93%。@刘洋 锁体弹簧还差 2000 件。\n\n"
                                  "Pilot line ran today, 93% yield. @刘洋 we are 2,000 lock springs short.", True),
                    ("sales.staff", "苏州经销商愿意首批进货 200 台，等样机。Suzhou dealer will take 200 units once "
                                    "they see a sample.", False)],
    },
    {
        "name": "降本增效 2026 Cost down 2026",
        "goal": "全年综合成本下降 8%，不影响交付。Cut total cost by 8% this year without slowing delivery.",
        "coordinator": "finance.head", "departments": ["finance", "procurement", "admin"], "status": "active",
        "visibility": "company", "weeks_ago": 9, "weeks_left": 30,
        "targets": [
            ("主料单位采购成本 Unit cost of main materials", "元", "128", "115", "procurement.head", "procurement", 3,
             "on"),
            ("月度差旅费用 Monthly travel spend", "万元", "42", "30", "admin.staff", "admin", 1, "off"),
            ("应收账款周转天数 Days sales outstanding", "天", "65", "50", "finance.staff", "finance", 2, "risk"),
        ],
        "milestones": [("供应商重新招标 Supplier re-tender", -20, "三家供应商报价，铜材降价 6%。Three bids; copper "
                                                                  "down 6%."),
                       ("差旅新规上线 New travel policy", 14, None)],
        "updates": [("finance.staff", "上月回款比预期慢，主要是两家大客户。Collections were slow last month, two "
                                      "large customers.", False)],
    },
    {
        "name": "研发中心搬迁 R&D centre move",
        "goal": "研发中心 9 月前搬入新园区，停工不超过 3 天。Move R&D to the new campus by September with at most "
                "three days of downtime.",
        "coordinator": "admin.head", "departments": ["admin", "rnd", "finance"], "status": "on_hold",
        "visibility": "company", "weeks_ago": 6, "weeks_left": 20,
        "targets": [
            ("实验室设备迁移 Lab equipment moved", "台", "0", "120", "admin.staff", "admin", 1, "risk"),
        ],
        "milestones": [("新园区验收 Campus handover", 30, None)],
        "updates": [],
    },
    {
        "name": "2027 定价策略 2027 pricing strategy",
        "goal": "在不丢大客户的前提下，把毛利率提高到 35%。Raise gross margin to 35% without losing a key account.",
        "coordinator": "sales.head", "departments": ["sales", "finance"], "status": "active",
        "visibility": "participants", "weeks_ago": 5, "weeks_left": 12,
        "targets": [
            ("综合毛利率 Gross margin", "%", "31", "35", "finance.head", "finance", 1, "on"),
        ],
        "milestones": [("价格表评审 Price list review", 10, None)],
        "updates": [("finance.head", "新价格表草稿已发给 @李娜。Draft price list sent to @李娜.", False)],
    },
]


def seed(departments, size="small", scale=1):
    """Create the demo projects that are missing; `departments` maps codes to the demo departments."""
    for spec in PROJECTS:
        if not Project.select().where(Project.name == spec["name"]).exists():
            _project(spec, departments)
    if size == "large":
        _seed_large(scale)


def _person(code):
    return User.by_email("%s@example.com" % code)


def _project(spec, departments):
    now = today()
    start = now - datetime.timedelta(weeks=spec["weeks_ago"])
    end = now + datetime.timedelta(weeks=spec["weeks_left"])
    coordinator = _person(spec["coordinator"])
    with db.atomic():
        project = Project.start(coordinator, name=spec["name"], goal=spec["goal"], coordinator=coordinator,
                                departments=[departments[code] for code in spec["departments"]],
                                start_date=start, end_date=end, status=spec["status"],
                                visibility=spec["visibility"])
        for title, unit, baseline, goal, owner, department, weight, pace in spec["targets"]:
            target = Target.define(coordinator, project, title=title, unit=unit, baseline=baseline,
                                   target_value=goal, direction="raise" if Decimal(goal) > Decimal(baseline)
                                   else "lower", start_date=start, due_date=end, department=departments[department],
                                   owner=_person(owner), weight=weight)
            weekly_check_ins(target, _person(owner), pace, now)
        for title, offset, review in spec["milestones"]:
            milestone = Milestone.plan(coordinator, project, title, now + datetime.timedelta(days=offset))
            if review:
                milestone.close(coordinator, review)
        for author, body, with_photo in spec["updates"]:
            pictures = [photos.prepare(FileStorage(io.BytesIO(_whiteboard()), "pilot-run.jpg"))] if with_photo else []
            ProjectUpdate.post(_person(author), project, body, pictures)


def weekly_check_ins(target, owner, pace, now):
    """Weekly check-ins that arrive, today, where `pace` says the target stands against the line."""
    progress_now = target.expected_progress(now) - PACE[pace]  # below zero: it went the wrong way
    elapsed = (now - target.start_date).days
    span = target.target_value - target.baseline
    for days in range(7, elapsed + 1, 7):
        share = progress_now * days / elapsed
        value = target.baseline + span * share / 100
        moment = datetime.datetime.combine(target.start_date + datetime.timedelta(days=days), datetime.time(2, 30))
        target.check_in(owner, value.quantize(Decimal("0.1")), at=min(moment, utcnow()))


def _whiteboard():
    """A photo of a whiteboard with a burn-up chart, drawn here so no binary file is kept in the repository."""
    image = Image.new("RGB", (1600, 1200), (236, 238, 232))
    draw = ImageDraw.Draw(image)
    draw.rectangle((80, 80, 1520, 1120), outline=(60, 60, 60), width=8)
    draw.line((200, 1000, 200, 200), fill=(40, 40, 40), width=6)
    draw.line((200, 1000, 1400, 1000), fill=(40, 40, 40), width=6)
    draw.line((200, 1000, 1400, 260), fill=(150, 150, 150), width=5)
    points = [(200, 1000), (400, 900), (600, 760), (800, 700), (1000, 560)]
    draw.line(points, fill=(20, 90, 180), width=10)
    for x, y in points:
        draw.ellipse((x - 16, y - 16, x + 16, y + 16), fill=(200, 40, 40))
    draw.text((240, 140), "X200 PILOT RUN  93%", fill=(20, 20, 20), font_size=64)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


# The large company: this many projects in all (the four above among them), over its twelve departments.
LARGE_PROJECTS = 60
THEMES = [("华东渠道拓展", "East China channel expansion"), ("ERP 二期上线", "ERP phase two"),
          ("供应商整合", "Supplier consolidation"), ("客户满意度提升", "Customer satisfaction"),
          ("新品 Y100 研发", "Y100 development"), ("仓储自动化", "Warehouse automation"),
          ("海外市场试点", "Overseas pilot market"), ("质量体系认证", "Quality certification"),
          ("人才梯队建设", "Talent pipeline"), ("数字化营销", "Digital marketing"),
          ("产线节能改造", "Line energy savings"), ("售后服务升级", "After-sales upgrade"),
          ("合同管理规范化", "Contract management"), ("物流成本优化", "Logistics cost")]
# title, unit, baseline, target
MEASURES = [("月销售额 Monthly sales", "万元", "120", "180"), ("新客户 New customers", "家", "0", "60"),
            ("一次交验合格率 First-pass yield", "%", "88", "97"), ("平均交付周期 Lead time", "天", "21", "14"),
            ("库存周转天数 Days of inventory", "天", "55", "40"), ("月度客诉 Complaints a month", "件", "30", "10"),
            ("培训覆盖率 Training coverage", "%", "40", "90"), ("单位能耗 Energy per unit", "kWh", "12.5", "10"),
            ("线上线索 Online leads", "条", "200", "800"), ("准时付款率 On-time payments", "%", "75", "95")]
STAGES = ["方案评审 Plan review", "试点上线 Pilot live", "中期复盘 Mid-term review", "全面推广 Roll-out",
          "验收 Sign-off"]
REVIEW = "按计划完成，主要风险已关闭。Done as planned; the main risks are closed."
NEWS = ["本周进展顺利，下周开始试点。Good week; the pilot starts next week.",
        "供应商交期推迟一周，正在协调。The supplier slipped a week; we are on it.",
        "客户反馈积极，准备扩大范围。Customers like it; widening the scope.",
        "预算已批，采购流程启动。Budget approved, purchasing has started.",
        "关键岗位招聘到位。The key hires have joined."]
LARGE_STATUSES = (["active"] * 14) + ["planned", "planned", "on_hold", "on_hold", "done", "done", "archived"]


def large_name(n):
    theme, theme_en = THEMES[n % len(THEMES)]
    return "%s %s %02d" % (theme, theme_en, n)


def _seed_large(scale):
    """The large company's further projects, written in bulk as their behaviours would have."""
    if Project.select().where(Project.name == large_name(1)).exists():
        return
    rows = _LargeProjects()
    with db.atomic():
        for n in range(1, scaled(LARGE_PROJECTS, scale, least=len(PROJECTS) + 1) - len(PROJECTS) + 1):
            rows.project(n)
        rows.write()


class _LargeProjects:
    def __init__(self):
        self.random = random.Random(LARGE_PROJECTS)
        self.today, self.now = today(), utcnow()
        self.departments = list(Department.select().order_by(Department.id))
        self.members = collections.defaultdict(list)
        for user in User.select().where(User.active & User.department.is_null(False)).order_by(User.id):
            self.members[user.department_id].append(user)
        self.people = {user.id: user for team in self.members.values() for user in team}
        self.coordinator = User.by_email("coordinator@example.com")
        self.projects = Rows(Project, "name", "goal", "coordinator", "start_date", "end_date", "status",
                             "visibility", "created_at")
        self.links = Rows(ProjectDepartment, "project", "department")
        self.targets = Rows(Target, "project", "title", "unit", "baseline", "target_value", "direction",
                            "start_date", "due_date", "department", "owner", "weight", "created_at", "current_value",
                            "checked_in_at", "checked_in_by")
        self.check_ins = Rows(CheckIn, "target", "author", "value", "note", "created_at")
        self.milestones = Rows(Milestone, "project", "title", "due_date", "closed_at", "closed_by", "review_note",
                               "created_at")
        self.updates = Rows(ProjectUpdate, "project", "author", "body", "created_at")
        self.audit = Rows(AuditEntry, "at", "actor_id", "actor_name", "action", "object_type", "object_id",
                          "summary", "changes")

    def write(self):
        flush(self.projects, self.links, self.targets, self.check_ins, self.milestones, self.updates, self.audit)

    def record(self, at, actor, action, object_type, object_id, changes, summary=""):
        self.audit.add(at, actor.id, actor.name, action, object_type, object_id, summary[:500],
                       json.dumps(changes, ensure_ascii=False))

    def project(self, n):
        pick = self.random
        status = pick.choice(LARGE_STATUSES)
        if status == "planned":
            start = self.today + datetime.timedelta(days=pick.randint(7, 60))
            end = start + datetime.timedelta(days=pick.randint(120, 360))
        elif status in ("done", "archived"):
            start = self.today - datetime.timedelta(days=pick.randint(200, 365))
            end = self.today - datetime.timedelta(days=pick.randint(10, 60))
        else:
            start = self.today - datetime.timedelta(days=pick.randint(30, 330))
            end = self.today + datetime.timedelta(days=pick.randint(30, 300))
        teams = pick.sample(self.departments, pick.randint(2, 4))
        head = teams[0].head_id and self.people.get(teams[0].head_id)
        coordinator = head if head and pick.random() < 0.75 else self.coordinator
        visibility = "participants" if pick.random() < 0.15 else "company"
        name = large_name(n)
        created = datetime.datetime.combine(min(start, self.today) - datetime.timedelta(days=3), datetime.time(1))
        project_id = self.projects.add(name, "%s：全年重点项目。A priority for the year." % name, coordinator.id,
                                       start, end, status, visibility, created)
        for team in teams:
            self.links.add(project_id, team.id)
        self.record(created, coordinator, "project.create", "Project", project_id, {
            "name": [None, name], "coordinator": [None, coordinator.name], "start_date": [None, start.isoformat()],
            "end_date": [None, end.isoformat()], "status": [None, status], "visibility": [None, visibility],
            "departments": [None, ", ".join(sorted(team.name for team in teams))]})
        for _ in range(pick.randint(3, 5)):
            self.target(project_id, coordinator, pick.choice(teams), start, end, created, status)
        for offset, title in enumerate(pick.sample(STAGES, pick.randint(2, 3))):
            due = start + (end - start) * (offset + 1) / 4
            self.milestone(project_id, coordinator, title, due, created)
        if status != "planned":
            for _ in range(pick.randint(1, 4)):
                team = pick.choice(teams)
                author = pick.choice(self.members[team.id])
                moment = created + (min(self.now, datetime.datetime.combine(end, datetime.time())) - created) * \
                    pick.random()
                body = pick.choice(NEWS)
                update_id = self.updates.add(project_id, author.id, body, moment)
                self.record(moment, author, "update.post", "ProjectUpdate", update_id,
                            {"photos": [None, 0], "mentions": [None, None]}, summary=body)

    def target(self, project_id, coordinator, team, start, end, created, project_status):
        pick = self.random
        title, unit, baseline, goal = pick.choice(MEASURES)
        baseline, goal = Decimal(baseline), Decimal(goal)
        owner = pick.choice(self.members[team.id])
        direction = "raise" if goal > baseline else "lower"
        weight = pick.randint(1, 3)
        line = Target(start_date=start, due_date=end, baseline=baseline, target_value=goal)
        pace = "on" if project_status in ("done", "archived") else pick.choice(["on", "on", "on", "risk", "off"])
        last = min(self.today, end)
        path = []
        elapsed = (last - start).days
        if elapsed >= 7:
            progress_now = line.expected_progress(last) - PACE[pace]
            for days in range(7, elapsed + 1, 7):
                share = progress_now * days / elapsed + Decimal(pick.uniform(-2, 2))
                moment = datetime.datetime.combine(start + datetime.timedelta(days=days), datetime.time(2, 30))
                author = owner if pick.random() < 0.8 else pick.choice(self.members[team.id])
                path.append((min(moment, self.now), author, (baseline + (goal - baseline) * share / 100)
                             .quantize(Decimal("0.1"))))
        latest = path[-1] if path else (None, None, None)
        target_id = self.targets.add(project_id, title, unit, baseline, goal, direction, start, end, team.id,
                                     owner.id, weight, created, latest[2], latest[0], latest[1] and latest[1].id)
        self.record(created, coordinator, "target.create", "Target", target_id, {
            "title": [None, title], "unit": [None, unit], "baseline": [None, shown(baseline)],
            "target_value": [None, shown(goal)], "direction": [None, direction],
            "start_date": [None, start.isoformat()], "due_date": [None, end.isoformat()],
            "department": [None, team.name], "owner": [None, owner.name], "weight": [None, weight]})
        previous = None
        for moment, author, value in path:
            self.check_ins.add(target_id, author.id, value, "", moment)
            self.record(moment, author, "target.check_in", "Target", target_id, {"value": [previous, shown(value)]})
            previous = shown(value)

    def milestone(self, project_id, coordinator, title, due, created):
        closed = due < self.today
        closed_at = datetime.datetime.combine(due, datetime.time(9)) if closed else None
        milestone_id = self.milestones.add(project_id, title, due, closed_at, coordinator.id if closed else None,
                                           REVIEW if closed else "", created)
        self.record(created, coordinator, "milestone.create", "Milestone", milestone_id,
                    {"title": [None, title], "due_date": [None, due.isoformat()]})
        if closed:
            self.record(closed_at, coordinator, "milestone.close", "Milestone", milestone_id, {
                "closed_at": [None, closed_at.isoformat()], "closed_by": [None, coordinator.name],
                "review_note": ["", REVIEW]})
