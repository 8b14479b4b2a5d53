"""The demo company's departments and people."""
from portal.accounts.models import Department, User
from portal.db import db

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


def seed(password):
    """Create what is missing; return {code: department}."""
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
