"""The start page and the health check."""
from flask import Blueprint, jsonify
from flask_login import current_user
from peewee import PeeweeException

from portal import auth
from portal.accounts.models import User
from portal.db import db
from portal.render import render

home = Blueprint("home", __name__)


@home.route("/")
def index():
    colleagues = (User.directory().where((User.department == current_user.department_id)
                                         & User.active & (User.id != current_user.id))
                  if current_user.department_id else [])
    return render("home/index.html", colleagues=colleagues)


@home.route("/healthz")
@auth.public
def healthz():
    try:
        db.execute_sql("SELECT 1").fetchone()
    except PeeweeException:
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
