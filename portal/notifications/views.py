"""The outbox as admins see it: what was mailed, what waits, what failed and why."""
from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _

from portal.mail import OutboxMessage
from portal.permissions import authorize, authorized
from portal.render import render

outbox = Blueprint("outbox", __name__, url_prefix="/admin/outbox")
PAGE_SIZE = 50


@outbox.route("/")
def index():
    authorize("administer")
    state = request.args.get("state", "")
    page = request.args.get("page", 1, type=int) or 1
    messages = OutboxMessage.recent(state).paginate(max(page, 1), PAGE_SIZE)
    return render("outbox/index.html", "outbox/_list.html", messages=messages, state=state,
                  page=max(page, 1), counts=OutboxMessage.counts(), page_size=PAGE_SIZE,
                  states=OutboxMessage.STATES)


@outbox.route("/<int:message_id>/resend", methods=["POST"])
def resend(message_id):
    message = authorized(OutboxMessage, message_id, "resend")
    message.resend()
    flash(_("The message to %(address)s is queued again.", address=message.to_address), "success")
    return redirect(url_for("outbox.index", state=request.args.get("state", "")), 303)
