"""The demo company's departments and people, small or large."""
import datetime
import json

from flask import current_app
from werkzeug.security import generate_password_hash


from portal import bulk
from portal.accounts.models import Department, User
from portal.audit import AuditEntry
from portal.db import db, utcnow

DEPARTMENTS = [
    # (code used in the demo emails, name, English name, head, staff member)
    ("sales", "销售部", "Sales", "李娜", "陈晨"),
    ("finance", "财务部", "Finance", "王芳", "赵磊"),
    ("procurement", "采购部", "Procurement", "刘洋", "孙丽"),
    ("rnd", "研发部", "R&D", "张伟", "周杰"),
    ("admin", "行政部", "Administration", "杨静", "吴敏"),
]

ACCOUNTS = [("admin@example.com", "admin"), ("coordinator@example.com", "coordinator")] + [
    (email, role) for code, *_ in DEPARTMENTS
    for email, role in (("%s.head@example.com" % code, "head"), ("%s.staff@example.com" % code, "member"))
]


# The large company's further departments: (name, English name).
MORE_DEPARTMENTS = [("市场部", "Marketing"), ("人力资源部", "Human Resources"), ("客服部", "Customer Service"),
                    ("法务部", "Legal"), ("质量部", "Quality"), ("生产部", "Production"), ("物流部", "Logistics")]
LARGE_PEOPLE = 300
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN_NAMES = ["伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超",
               "秀英", "华", "丹", "鹏", "玲", "桂英", "建华", "晓东"]


def seed(password, size="small"):
    """Create what is missing; return {code: department}."""
    departments = _seed_small(password)
    if size == "large":
        _seed_large(password, departments)
    return departments


def _seed_small(password):
    with db.atomic():
        departments = {}
        for code, name, name_en, head_name, staff_name in DEPARTMENTS:
            department = Department.get_or_none(Department.name == name) or Department.add(None, name, name_en)
            departments[code] = department
            head = _user(password, "%s.head@example.com" % code, head_name, department)
            _user(password, "%s.staff@example.com" % code, staff_name, department)
            if department.head_id is None:
                department.update_details(None, department.name, department.name_en, head)
        _user(password, "admin@example.com", "管理员 Admin", departments["admin"], role="admin")
        _user(password, "coordinator@example.com", "郑协调 Coordinator", departments["admin"],
              role="coordinator")
    return departments


def _user(password, email, name, department, role="member"):
    return User.by_email(email) or User.invite(None, email, name, department, role, password=password)


def _seed_large(password, departments):
    """Up to 300 people in 12 departments, inserted in bulk with one password hash for all."""
    if User.by_email("staff001@example.com") is not None:
        return
    hashed = generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])
    with db.atomic():
        teams = list(departments.values()) + [Department.add(None, name, name_en) for name, name_en in MORE_DEPARTMENTS]
        newcomers = LARGE_PEOPLE - User.select().count()
        now = utcnow()
        rows = [{"email": "staff%03d@example.com" % n, "name": _chinese_name(n), "department": teams[n % len(teams)].id,
                 "password_hash": hashed, "password_changed_at": now,
                 "timezone": current_app.config["DEFAULT_TIMEZONE"]} for n in range(1, newcomers + 1)]
        User.insert_many(rows).execute()
        for team in teams:
            if team.head_id is None:
                head = team.members.order_by(User.id).first()
                Department.update(head=head).where(Department.id == team.id).execute()


def _chinese_name(n):
    return SURNAMES[n % len(SURNAMES)] + GIVEN_NAMES[n // len(SURNAMES) % len(GIVEN_NAMES)]


def seed_history(total):
    """Fill the audit trail up to `total` rows with years of people's history (settings, edits)."""
    missing = total - AuditEntry.select().count()
    people = list(User.select(User.id, User.name).order_by(User.id))
    if missing <= 0 or not people:
        return
    start = utcnow() - datetime.timedelta(days=3 * 365)
    step = datetime.timedelta(days=3 * 365) / missing
    zones = ["Asia/Shanghai", "Asia/Tokyo"]
    columns = ("at", "actor_id", "actor_name", "action", "object_type", "object_id", "summary", "changes")
    rows = ((str(start + step * n), person.id, person.name, "user.preferences", "User", person.id, "",
             json.dumps({"timezone": [zones[n % 2], zones[(n + 1) % 2]]}))
            for n, person in ((n, people[n % len(people)]) for n in range(missing)))
    # Straight to the driver: building 200,000 inserts through the query builder takes half a minute.
    with db.atomic():
        bulk.insert(AuditEntry, columns, rows)
