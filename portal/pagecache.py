"""Pages kept per reader until the data they show may have changed.

A page that only reads (no write, no flash, nothing kept in the session) may be marked `@kept`:
its answer is kept, in this process, under everything it depends on — the database's generation
(`portal.db.generation`, which moves on with any commit anywhere, the reader's own included), the
reader, the address with its query, the language, the htmx headers and the minute (for "3 minutes
ago", today's date and deadlines passing) — and the next identical request gets it without reading
or rendering again. What must differ in each answer (the form token, which is the session's own; a
name for each open copy of a form, `fresh()`) is kept as a mark and made anew on the way out.

Bounded by PAGE_CACHE_BYTES per process (0 turns it off); the oldest used page goes first, and
every page goes once the generation or the minute moves on, since none of them can be read again.
"""
import collections
import functools
import secrets
import threading

from flask import current_app, g, has_app_context, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from portal.db import generation, utcnow

# Stands for a value made for each answer in a kept page: random per process, so no page's text can
# contain it.
_MARK = "fresh-%s-" % secrets.token_hex(16)


def fresh(make):
    """make(), a value the page must not share with another answer (the name of an open copy of a
    form): in a kept page it is made again for each answer."""
    value = make()
    if has_app_context():
        g.setdefault("fresh_values", []).append((value, make))
    return value


class Pages:
    """A bounded store of answers, least recently used first out; safe between threads.

    Each page is put with its epoch, what makes every kept page stale when it moves on (the
    generation and the minute): a page of another epoch empties the store. Without that, pages
    nobody could read again stayed until the bound pushed them out, and each worker's store sat
    full (8 MiB a worker, bench/README.md)."""

    def __init__(self, limit):
        self.limit = limit
        self.size = 0
        self.epoch = None
        self._pages = collections.OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key, page, epoch):
        size = len(page[1])
        if size > self.limit // 4:  # one huge page would push out every other
            return
        with self._lock:
            if epoch != self.epoch:
                # Two threads of one worker may race here with the epochs before and after a
                # commit: the store then empties twice, which costs a page written again, never a
                # stale one (the key holds the epoch).
                self._pages.clear()
                self.size, self.epoch = 0, epoch
            old = self._pages.pop(key, None)
            if old is not None:
                self.size -= len(old[1])
            self._pages[key] = page
            self.size += size
            while self.size > self.limit:
                _, dropped = self._pages.popitem(last=False)
                self.size -= len(dropped[1])


def _key():
    """Everything the answer depends on, or None when it must not be kept or reused."""
    if request.method != "GET" or not current_user.is_authenticated or "_flashes" in session:
        return None
    version = generation()
    if version is None:
        return None
    minute = utcnow().replace(second=0, microsecond=0)
    htmx = tuple(sorted((name.lower(), value) for name, value in request.headers.items()
                        if name.lower().startswith("hx-")))
    # First the epoch (Pages.put); host_url: scheme, host and script root, which links written in
    # full depend on.
    return ((version, minute), current_user.id, request.host_url, request.full_path, str(get_locale()), htmx)


def kept(view):
    """Mark a view that only reads: its answers are kept and reused (see the module's docstring)."""
    @functools.wraps(view)
    def keeping(**values):
        pages = current_app.extensions.get("pages")
        key = _key() if pages is not None else None
        if key is None:
            return view(**values)
        page = pages.get(key)
        if page is not None:
            headers, body, makers = page
            for mark, make in makers:
                body = body.replace(mark, make().encode())
            return current_app.response_class(body, 200, headers)
        response = current_app.make_response(view(**values))
        if (response.status_code == 200 and not response.is_streamed and "Set-Cookie" not in response.headers
                and "_flashes" not in session):
            body, makers = response.get_data(), []
            made = g.get("fresh_values", [])
            token = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
            if token:  # the form token: generate_csrf() signs the session's own
                made = [*made, (token, generate_csrf)]
            for n, (value, make) in enumerate(made):
                mark = ("%s%d." % (_MARK, n)).encode()
                body = body.replace(str(value).encode(), mark)
                makers.append((mark, make))
            # The view's own headers: those of the hooks that run after it are added to every answer.
            pages.put(key, ([(name, value) for name, value in response.headers if name != "Content-Length"],
                            body, makers), epoch=key[0])
        return response
    return keeping


def init_app(app):
    limit = app.config["PAGE_CACHE_BYTES"]
    if limit > 0:
        app.extensions["pages"] = Pages(limit)
