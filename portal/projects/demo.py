"""Demo projects: a product launch, a cost-reduction drive, an office move and a confidential pricing
project, with targets in every status, weeks of check-ins, milestones and photo updates."""
import datetime
import io
from decimal import Decimal

from PIL import Image, ImageDraw
from werkzeug.datastructures import FileStorage

from portal.accounts.models import User
from portal.db import db, utcnow
from portal.projects import photos
from portal.projects.feed import ProjectUpdate
from portal.projects.models import Milestone, Project, Target, today

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


def seed(departments):
    """Create the demo projects that are missing; `departments` maps codes to the demo departments."""
    for spec in PROJECTS:
        if not Project.select().where(Project.name == spec["name"]).exists():
            _project(spec, departments)


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
            _check_ins(target, _person(owner), pace, now)
        for title, offset, review in spec["milestones"]:
            milestone = Milestone.plan(coordinator, project, title, now + datetime.timedelta(days=offset))
            if review:
                milestone.close(coordinator, review)
        for author, body, with_photo in spec["updates"]:
            pictures = [photos.prepare(FileStorage(io.BytesIO(_whiteboard()), "pilot-run.jpg"))] if with_photo else []
            ProjectUpdate.post(_person(author), project, body, pictures)


def _check_ins(target, owner, pace, now):
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
