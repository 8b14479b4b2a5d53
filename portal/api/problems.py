"""Errors of the API as RFC 9457 problem details (application/problem+json), titled in the
reader's language."""
import json

from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

MEDIA_TYPE = "application/problem+json"
# A problem of a kind of our own names it with a tag URI (RFC 9457 §3.1.1 allows one that
# does not resolve); plain HTTP errors keep "about:blank" and a title of their status.
STALE = "tag:duiqi,2026:problem/stale"
INVALID = "tag:duiqi,2026:problem/invalid"

TITLES = {
    400: _l("Bad request"),
    401: _l("Access token missing or not valid"),
    403: _l("Not allowed"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    409: _l("Changed since you read it"),
    413: _l("Too large"),
    415: _l("Unsupported media type"),
    422: _l("The request cannot be carried out"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
    503: _l("Unavailable for a moment"),
}
DETAILS = {
    401: _l("Send a valid access token as “Authorization: Bearer <token>”. Tokens are made in your settings."),
    403: _l("You may see this, but you may not do that to it."),
    404: _l("There is nothing here, or it is not shared with you."),
    405: _l("This address does not accept that method."),
    413: _l("What you sent is larger than the portal accepts."),
    500: _l("The portal hit an error. Nothing was changed; try again in a moment."),
    503: _l("The portal cannot reach a service it needs. Nothing was changed; try again in a moment."),
}


class Problem(Exception):
    """An API error: raised anywhere below a view, answered as problem+json."""

    def __init__(self, status, detail=None, type="about:blank", headers=None, **members):
        super().__init__(status, detail)
        self.status, self.detail, self.type = status, detail, type
        self.headers, self.members = headers or {}, members


def respond(problem):
    body = {"type": problem.type, "title": str(TITLES.get(problem.status, TITLES[500])), "status": problem.status}
    detail = problem.detail if problem.detail is not None else DETAILS.get(problem.status)
    if detail is not None:
        body["detail"] = str(detail)
    body.update(problem.members)
    response = current_app.response_class(json.dumps(body, ensure_ascii=False), problem.status,
                                          mimetype=MEDIA_TYPE)
    response.headers.update(problem.headers)
    return response


def from_http(error):
    """An HTTP error raised by Flask or a view (abort(404) from the permissions module) as a problem."""
    if isinstance(error, HTTPException) and error.code is not None and error.code < 400:
        return error  # a redirect Flask's routing answers with (a missing trailing slash)
    status = error.code if isinstance(error, HTTPException) and error.code in TITLES else 500
    if status == 500:
        current_app.logger.error("unhandled API error", exc_info=getattr(error, "original_exception", error))
    headers = {}
    if status == 405 and isinstance(error, HTTPException):
        headers = {name: value for name, value in error.get_headers() if name == "Allow"}
    return respond(Problem(status, headers=headers))
