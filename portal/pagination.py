"""One page of a long list: its rows, and whether another page follows (read one row ahead)."""
from flask import abort, request

# The largest page number anyone could reach by clicking; a bigger one is a typo or a probe.
LAST_PAGE = 100_000


class Page:
    def __init__(self, query, number, size):
        rows = list(query.offset((number - 1) * size).limit(size + 1))
        self.items = rows[:size]
        self.number = number
        self.size = size
        self.has_next = len(rows) > size
        self.has_previous = number > 1

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)


def page_number():
    """`?page=` of the current request: 1 when absent, 404 when it is not a page anyone could reach."""
    raw = request.args.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= LAST_PAGE:
        abort(404)
    return int(raw)


def paginate(query, size):
    """The page of `query` that the current request asks for."""
    return Page(query, page_number(), size)
