"""The key pages: what the benchmark loads and the query-count test checks as data grows.

A feature adds its key page here: a name, the endpoint, and (for a page about one object) how
to find a representative object in the seeded company, called inside the app with the
database open. A POST names its form; the client adds the CSRF token.
"""
import dataclasses
from collections.abc import Callable

from flask import url_for


@dataclasses.dataclass(frozen=True)
class Page:
    name: str
    endpoint: str
    arguments: Callable[[], dict] = dict
    user: str = "admin@example.com"
    method: str = "GET"
    form: Callable[[], dict] | None = None

    def resolve(self):
        """(method, path, form) for the seeded company; call inside a request context."""
        return self.method, url_for(self.endpoint, **self.arguments()), self.form() if self.form else None


KEY_PAGES = [
    Page("home", "home.index", user="sales.staff@example.com"),
    Page("people", "users.index"),
    Page("departments", "departments.index"),
    Page("outbox", "outbox.index"),
]
# The floor: a trivial route of the same app under the same server and load.
FLOOR = Page("floor (/healthz)", "home.healthz")
