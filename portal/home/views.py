"""The start page: what needs attention across the shared goals."""
from flask import Blueprint
from flask_login import current_user

from portal.projects.feed import ProjectUpdate
from portal.projects.models import CheckIn, Project, Target, today, week_start
from portal.render import render

home = Blueprint("home", __name__)
ATTENTION_LIMIT = 15


@home.route("/")
def index():
    on = today()
    department = current_user.department_id
    elsewhere = Target.needing_attention(current_user, on=on)
    mine = []
    if department is not None:
        mine = list(Target.needing_attention(current_user, department, on).limit(ATTENTION_LIMIT))
        elsewhere = elsewhere.where(Target.department != department)
    return render("home/index.html", today=on,
                  projects=list(Project.with_details(Project.mine(current_user), departments=False)),
                  mine=mine, elsewhere=list(elsewhere.limit(ATTENTION_LIMIT)),
                  updates=list(ProjectUpdate.latest_for(current_user)),
                  activity=CheckIn.activity_since(current_user, week_start(current_user.timezone)))

