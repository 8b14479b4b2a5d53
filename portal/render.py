"""Full page or htmx fragment from the same partial, flash messages as toasts, error pages."""
import functools
import hashlib
import io
import json
import re
from urllib.parse import quote, unquote_to_bytes, urlsplit

from flask import current_app, make_response, render_template, request, session, url_for
from flask.ctx import RequestContext
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.config import PROJECT_ROOT
from portal.permissions import can

ERROR_TEXT = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back and try again.")),
    403: (_l("Not allowed"), _l("You can see this, but you may not change it.")),
    404: (_l("Not found"), _l("There is nothing here, or it is not shared with you.")),
    405: (_l("Not allowed"), _l("This address does not accept that kind of request.")),
    413: (_l("Too large"), _l("What you sent is larger than the portal accepts.")),
    500: (_l("Something went wrong"),
          _l("The portal hit an error. Nothing you saved before is lost; try again in a moment.")),
    503: (_l("Briefly unavailable"),
          _l("The portal cannot reach its database just now. Nothing you saved is lost; try again in a minute.")),
}


def wants_fragment():
    """An htmx request gets the fragment, unless it is boosted or restoring history."""
    htmx = request.htmx
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(page, fragment=None, /, status=200, **context):
    """Render `page`, or `fragment` (the partial the page includes) for an htmx request."""
    template = fragment if fragment is not None and wants_fragment() else page
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


# What a browser drops when it follows a 303 with a GET: the body and what describes it; and Flask's
# request object, which werkzeug keeps in the environ.
_BODY_KEYS = frozenset({"CONTENT_TYPE", "CONTENT_LENGTH", "wsgi.input", "werkzeug.request"})


def answered_inline(response):
    """An htmx POST's 303 to the fragment it changed, followed here: the fragment in the same answer.

    Every htmx POST answers "see the fragment at this address" (one convention, and one place that
    writes a fragment: its GET). The browser followed that inside its XHR with a second request: a
    second trip through gunicorn and Flask's work for a request, a tenth of a card move's CPU. The
    GET is run here instead, before the POST's answer is finished: in a context of its own (a
    fresh `g`: what it reads is read after the change) with the POST's session (its flashes) and
    signed-in person; the POST's after-request work (toasts, headers, the session saved once) then
    finishes the fragment's answer. A plain or boosted POST still gets its 303 (the address
    changes), and a 303 elsewhere (another host, a path outside this portal) is left to the browser."""
    if response.status_code != 303 or request.method != "POST" or not wants_fragment():
        return response
    target = urlsplit(response.headers.get("Location", ""))
    root = request.script_root
    if target.scheme or target.netloc or not target.path.startswith(root + "/"):
        return response
    environ = {key: value for key, value in request.environ.items() if key not in _BODY_KEYS}
    environ.update({"REQUEST_METHOD": "GET", "QUERY_STRING": target.query, "wsgi.input": io.BytesIO(),
                    "PATH_INFO": unquote_to_bytes(target.path[len(root):]).decode("latin-1")})
    app = current_app._get_current_object()
    sender = current_user._get_current_object()
    with app.app_context(), RequestContext(app, environ, session=session._get_current_object()):
        # One request, answered as whoever sent it, as the POST left them (signed out, in another
        # language): their session was checked when it arrived, and is not read again.
        app.login_manager._update_request_context_with_user(sender if sender.is_authenticated else None)
        # Flask's full_dispatch_request but for finalize_request, which the POST's own does.
        try:
            answer = app.preprocess_request()
            if answer is None:
                answer = app.dispatch_request()
        except Exception as error:
            answer = app.handle_user_exception(error)
        return app.make_response(answer)


def toast(response, text, level="info"):
    _add_trigger(response, "showMessage", [{"level": level, "text": str(text)}])
    return response


def trigger(response, event, detail=None):
    """Have htmx fire `event` on the page once this response arrives, with `detail` (a dict) if any."""
    if detail is None:
        _add_trigger(response, event, [])
    else:
        _set_trigger(response, event, detail)
    return response


def _triggers(response):
    try:
        return json.loads(response.headers.get("HX-Trigger", "{}"))
    except ValueError:
        return {}


def _set_trigger(response, event, value):
    triggers = _triggers(response)
    triggers[event] = value
    # ASCII escapes keep Chinese text legal in a header.
    response.headers["HX-Trigger"] = json.dumps(triggers, ensure_ascii=True)


def _add_trigger(response, event, messages):
    _set_trigger(response, event, _triggers(response).get(event, []) + messages)


def _flashes_to_trigger(response):
    # A fragment has no flash area, so its messages travel in a header and show as toasts.
    # Redirects are followed inside the XHR: their flashes wait for the final response.
    if (wants_fragment() and response.status_code < 300 and "HX-Redirect" not in response.headers
            and "_flashes" in session):
        messages = [{"level": level, "text": str(text)} for level, text in session.pop("_flashes")]
        _add_trigger(response, "showMessage", messages)
    return response


def error_page(exc):
    code = exc.code if isinstance(exc, HTTPException) and exc.code in ERROR_TEXT else 500
    if isinstance(exc, CSRFError):
        title, text = _l("Form expired"), _l(
            "This form was open too long or came from elsewhere. Go back, reload and send it again.")
    else:
        title, text = ERROR_TEXT[code]
    if code == 500:
        current_app.logger.error("unhandled error on %s %s", request.method, request.path,
                                 exc_info=getattr(exc, "original_exception", exc))
    if wants_fragment():
        response = make_response("", code)
        response.headers["HX-Reswap"] = "none"
        return toast(response, text, "error")
    try:
        body = render_template("errors/error.html", code=code, title=title, text=text)
    except Exception:  # The page itself failed (database gone?): still no stack trace.
        current_app.logger.exception("error page failed to render")
        body = "%d %s" % (code, title)
    response = make_response(body, code)
    response.vary.add("HX-Request")
    return response


@functools.cache
def _fingerprint(filename):
    return hashlib.sha256((PROJECT_ROOT / "static" / filename).read_bytes()).hexdigest()[:10]


def static_url(filename):
    """A static file's URL with a content hash, so it can be cached for a year."""
    return "/static/%s?v=%s" % (filename, _fingerprint(filename))


ICONS = "vendor/lucide-1.62.0.svg"


def icon(name, label=None):
    """An icon of the vendored sprite; with `label` it is announced, else hidden from screen readers."""
    spoken = Markup(' role="img" aria-label="%s"') % label if label else Markup(' aria-hidden="true"')
    return Markup('<svg class="icon icon-%s"%s focusable="false"><use href="%s#i-%s"></use></svg>') % (
        name, spoken, static_url(ICONS), name)


# Values no row has (counting down from this one), to find where a URL holds those that vary.
_ANY_ID = 2147483647


def url_pattern(endpoint, key, *, build=url_for, **values):
    """`url_for(endpoint, key=v, **values)` for the rows of a list, from one url_for: a function of `v`
    (an id, or a word of letters, digits and _). `key` may be a tuple of keys, for a function of as
    many values in that order. Building a URL walks the route map, and a list of a hundred rows built
    three each. `build` builds the one URL instead of url_for (absolute links, portal.mail)."""
    keys = (key,) if isinstance(key, str) else tuple(key)
    marks = [str(_ANY_ID - n) for n in range(len(keys))]
    url = build(endpoint, **dict(zip(keys, map(int, marks), strict=True)), **values)
    pieces = re.split("(%s)" % "|".join(marks), url)
    texts, slots = pieces[0::2], [marks.index(mark) for mark in pieces[1::2]]
    if sorted(slots) != list(range(len(keys))):  # a placeholder also stands among the other values
        return lambda *row: build(endpoint, **dict(zip(keys, row, strict=True)), **values)
    if len(slots) == 1:  # most lists: half the time of the loop below, and a board has hundreds
        head, tail = texts
        return lambda value: head + quote(str(value), safe="") + tail

    def build(*row):
        url = texts[0]
        for slot, text in zip(slots, texts[1:], strict=True):
            url += quote(str(row[slot]), safe="") + text
        return url
    return build


KEPT = 256
_kept = {}


def keep(name, **values):
    """The template `name` rendered with `values` alone (no request, no user), kept by language and
    values: the page chrome's links and labels took a third of a small page's time, written afresh
    for every page. The template must depend on nothing else."""
    template = current_app.jinja_env.get_template(name)
    key = (template, str(get_locale()), request.script_root, tuple(sorted(values.items())))
    html = _kept.get(key)
    if html is None:
        # Autoescaped by the template, as the page around it is.
        written = template.render(values)
        html = Markup(written)  # nosec B704
        if len(_kept) >= KEPT:
            _kept.clear()  # a whole dict at once: safe beside another thread's reading
        _kept[key] = html
    return html


def page_exists(endpoint):
    """Whether a page is part of this portal (a link to an area another branch adds shows once it is)."""
    return endpoint in current_app.view_functions


def init_app(app):
    app.after_request(_flashes_to_trigger)
    app.jinja_env.globals.update(icon=icon, keep=keep, page_exists=page_exists, url_pattern=url_pattern)
    app.register_error_handler(HTTPException, error_page)
    app.register_error_handler(InternalServerError, error_page)
    app.jinja_env.globals["static_url"] = static_url
    app.jinja_env.globals["can"] = _can


def _can(action, obj=None):
    """`can(action, obj)` in templates: may the signed-in user do it? (shows or hides controls)"""
    return can(current_user, action, obj)
