"""The API's blueprint: who is asking (a bearer token, never the session), the per-token rate
limit, parsing with the schemas, errors as problem details, and the OpenAPI document."""
import copy
import functools

from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import gettext
from pydantic import ValidationError
from spectree import Response, SecurityScheme, SpecTree
from spectree.models import SecuritySchemeData

from portal.accounts import auth
from portal.accounts.tokens import AccessToken
from portal.api import problems
from portal.api.problems import Problem
from portal.api.schemas import FieldError, Me, ProblemDetails, Ref, TokenInfo
from portal.db import utcnow
from portal.extensions import csrf
from portal.i18n import LANGUAGES
from portal.mail import absolute_url
from portal.render import error_page, url_pattern

api = Blueprint("api", __name__, url_prefix="/api/v1")
# Bearer tokens are not sent by browsers on their own, so there is no cross-site request to forge.
csrf.exempt(api)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# Every operation may answer these; each names the others it may give.
ALWAYS = {"HTTP_401": ProblemDetails, "HTTP_429": ProblemDetails}

spec = SpecTree(
    "flask", mode="strict", title="Duiqi 对齐 API", version="1",
    description=("Projects, targets, tasks, requests, meetings and notifications of Duiqi, as the token's owner "
                 "sees them. Errors are RFC 9457 problem details; lists are paged with `next_cursor`."),
    naming_strategy=lambda model: model.__name__, nested_naming_strategy=lambda parent, child: child,
    validation_error_status=422,
    validation_error_model=ProblemDetails,
    security_schemes=[SecurityScheme(name="token", data=SecuritySchemeData(
        type="http", scheme="bearer", description="A personal access token, made in the portal's settings."))],
    security={"token": []})


def operation(*, answers=(), query=None, body=None, tags=(), status=200, model=None):
    """Document a view (its query, body and answers) for OpenAPI; the view parses them itself,
    once it knows the object may be seen, so that a hidden object answers 404 whatever was sent."""
    codes = {"HTTP_%d" % status: model, **ALWAYS, **{"HTTP_%d" % code: ProblemDetails for code in answers}}
    if query is not None or body is not None:
        codes["HTTP_422"] = ProblemDetails
    if query is not None:
        codes["HTTP_404"] = ProblemDetails  # a cursor the portal did not give out names no page
    if body is not None:
        codes["HTTP_403"] = ProblemDetails  # a read-only token's writes
        codes["HTTP_415"] = ProblemDetails
        codes["HTTP_400"] = ProblemDetails
    document = spec.validate(query=query, json=body, resp=Response(**codes), tags=tags, skip_validation=True)

    def decorate(view):
        return auth.own_credentials(document(view))
    return decorate


@api.before_request
def _authenticate():
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "public", False):
        return None
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    token = AccessToken.holder(secret.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        challenge = 'Bearer realm="Duiqi"' + (', error="invalid_token"' if secret else "")
        raise Problem(401, headers={"WWW-Authenticate": challenge})
    user = token.user
    # The reader's language: the one the request asks for, else the token owner's.
    g.locale = request.accept_languages.best_match(LANGUAGES) or user.language or current_app.config["DEFAULT_LOCALE"]
    auth.act_as(user)
    g.token = token
    if request.method not in SAFE_METHODS and not token.can_write:
        raise Problem(403, gettext("This token is read-only. Make a read-and-write token to change things."))
    wait = token.spend(current_app.config["API_RATE_PER_MINUTE"], utcnow())
    if wait:
        raise Problem(429, gettext("This token made too many requests. Try again in %(n)d seconds.", n=wait),
                      headers={"Retry-After": str(wait)})
    return None


@api.app_errorhandler(404)
@api.app_errorhandler(405)
def _nowhere(error):
    """An address under the API's that no route has (an unknown path, a negative id, a method it does
    not take) is answered in the API's own way; every other page keeps the portal's error page."""
    if request.path.startswith(api.url_prefix + "/"):
        return problems.from_http(error)
    return error_page(error)


@api.errorhandler(Problem)
def _problem(problem):
    return problems.respond(problem)


@api.errorhandler(Exception)
def _http_error(error):
    return problems.from_http(error)


def parse(model, data):
    """`data` read as `model`; what does not fit is refused with 422 and a message per field."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        where = "#/%s" if data is not request.args else "%s"
        errors = [FieldError(pointer=where % "/".join(str(part) for part in item["loc"]), detail=_message(item))
                  for item in error.errors(include_url=False)]
        raise Problem(422, gettext("Some of what was sent cannot be used; see errors."), problems.INVALID,
                      errors=[e.model_dump() for e in errors]) from None


def query(model):
    return parse(model, request.args.to_dict())


def body(model):
    if not request.get_data(cache=True):
        return parse(model, {})
    if request.mimetype != "application/json":
        raise Problem(415, gettext("Send the body as JSON (Content-Type: application/json)."))
    data = request.get_json(silent=True)
    if data is None:
        raise Problem(400, gettext("The body is not valid JSON."))
    return parse(model, data)


def refused(invalid):
    """A model's refusal (portal.db.Invalid) as a 422 problem naming the field when there is one."""
    members = {"errors": [{"pointer": "#/%s" % invalid.field, "detail": invalid.message}]} if invalid.field else {}
    return Problem(422, invalid.message, problems.INVALID, **members)


def answer(model, status=200):
    response = current_app.response_class(model.model_dump_json(), status, mimetype="application/json")
    return response


def link(endpoint, **values):
    """The portal page of something, as an absolute URL built from PORTAL_BASE_URL."""
    return absolute_url(endpoint, **values)


def links(endpoint, key):
    """`link(endpoint, key=v)` as a function of `v`, for the items of a list: one URL built per list,
    not one per item."""
    return url_pattern(endpoint, key, build=absolute_url)


def ref(obj, name=None):
    return None if obj is None else Ref(id=obj.id, name=name if name is not None else str(obj))


_MESSAGES = {
    "missing": lambda ctx: gettext("This is required."),
    "extra_forbidden": lambda ctx: gettext("This is not something this request takes."),
    "string_too_long": lambda ctx: gettext("Keep it under %(n)d characters.", n=ctx["max_length"] + 1),
    "string_too_short": lambda ctx: gettext("This cannot be empty."),
    "string_type": lambda ctx: gettext("Give text here."),
    "int_parsing": lambda ctx: gettext("Give a whole number."),
    "int_type": lambda ctx: gettext("Give a whole number."),
    "int_from_float": lambda ctx: gettext("Give a whole number."),
    "bool_parsing": lambda ctx: gettext("Give true or false."),
    "bool_type": lambda ctx: gettext("Give true or false."),
    "date_from_datetime_parsing": lambda ctx: gettext("Give a date as YYYY-MM-DD."),
    "date_parsing": lambda ctx: gettext("Give a date as YYYY-MM-DD."),
    "date_type": lambda ctx: gettext("Give a date as YYYY-MM-DD."),
    "decimal_parsing": lambda ctx: gettext("Give a number, like 12.5."),
    "decimal_type": lambda ctx: gettext("Give a number, like 12.5."),
    "finite_number": lambda ctx: gettext("Give a number, like 12.5."),
    "literal_error": lambda ctx: gettext("Choose one of %(choices)s.", choices=ctx["expected"]),
    "greater_than_equal": lambda ctx: gettext("Give at least %(n)s.", n=ctx["ge"]),
    "less_than_equal": lambda ctx: gettext("Give at most %(n)s.", n=ctx["le"]),
    "too_long": lambda ctx: gettext("Give at most %(n)s of them.", n=ctx["max_length"]),
    "list_type": lambda ctx: gettext("Give a list here."),
    "model_type": lambda ctx: gettext("Give a JSON object."),
}


def _message(item):
    describe = _MESSAGES.get(item["type"])
    try:
        return describe(item.get("ctx", {})) if describe else item["msg"]
    except KeyError:
        return item["msg"]


# -- the document and who is asking ----------------------------------------------------------------

@functools.cache
def _document():
    return spec.spec


@api.route("/openapi.json")
@auth.public
def openapi():
    """The OpenAPI 3.1 description of this API, generated from the code."""
    document = copy.deepcopy(_document())
    document["servers"] = [{"url": current_app.config["BASE_URL"] + "/api/v1"}]
    # Problems are served as application/problem+json: say so where the document names them.
    for operations in document["paths"].values():
        for spec_operation in operations.values():
            for code, response in spec_operation["responses"].items():
                content = response.get("content", {})
                if code.startswith(("4", "5")) and "application/json" in content:
                    response["content"] = {problems.MEDIA_TYPE: content["application/json"]}
    document["paths"] = {path.removeprefix("/api/v1"): item for path, item in document["paths"].items()}
    return jsonify(document)


@api.route("/me")
@operation(model=Me, tags=["me"])
def me():
    """Who the token belongs to, and what it may do."""
    user, token = g.token.user, g.token
    return answer(Me(id=user.id, name=user.name, email=user.email, role=user.role, department=ref(user.department),
                     language=user.language, timezone=user.timezone,
                     token=TokenInfo(name=token.name, access="write" if token.can_write else "read",
                                     expires_at=token.expires_at)))
