"""One page of a long list: its rows, and whether another page follows (read one row ahead)."""
from portal.params import page_number


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


def paginate(query, size):
    """The page of `query` that the current request's `?page=` asks for."""
    return Page(query, page_number(size), size)
