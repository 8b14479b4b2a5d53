"""A target's trend chart: check-ins against the straight line, laid out for an SVG drawn on the server."""
import math
from dataclasses import dataclass
from decimal import Decimal

from portal.projects.models import local_date

# A narrow canvas: on a phone it is drawn at about its own size, so the labels stay readable.
WIDTH, HEIGHT = 400, 260
LEFT, RIGHT, TOP, BOTTOM = 66, 14, 24, 40


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: Decimal
    date: object
    author: str


class TrendChart:
    width, height = WIDTH, HEIGHT
    left, right, top, bottom = LEFT, WIDTH - RIGHT, TOP, HEIGHT - BOTTOM

    def __init__(self, target, check_ins, today):
        self.target = target
        check_ins = sorted(check_ins, key=lambda c: (c.created_at, c.id))
        dated = [(local_date(c.created_at), c) for c in check_ins]
        self.first = min([target.start_date] + [d for d, _ in dated])
        self.last = max([target.due_date] + [d for d, _ in dated])
        self.today = today
        values = [target.baseline, target.target_value] + [c.value for c in check_ins]
        self.ticks = _nice_ticks(float(min(values)), float(max(values)))
        self.low, self.high = self.ticks[0], self.ticks[-1]
        self.points = [Point(self.x(d), self.y(c.value), c.value, d, c.author.name) for d, c in dated]

    def x(self, date):
        span = max((self.last - self.first).days, 1)
        return round(self.left + (date - self.first).days * (self.right - self.left) / span, 1)

    def y(self, value):
        span = (self.high - self.low) or 1
        return round(self.bottom - (float(value) - self.low) * (self.bottom - self.top) / span, 1)

    @property
    def ideal(self):
        """The straight line from the baseline on the start date to the target on the due date."""
        t = self.target
        return (self.x(t.start_date), self.y(t.baseline), self.x(t.due_date), self.y(t.target_value))

    @property
    def polyline(self):
        return " ".join("%s,%s" % (p.x, p.y) for p in self.points)

    @property
    def y_ticks(self):
        return [(self.y(v), Decimal(repr(v))) for v in self.ticks]

    @property
    def today_x(self):
        return self.x(self.today) if self.first <= self.today <= self.last else None


def _nice_ticks(low, high, count=4):
    """Round tick values spanning low..high, about `count` intervals."""
    if high == low:
        high, low = high + 1, low - 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start, end = math.floor(low / step), math.ceil(high / step)
    return [round(i * step, 10) for i in range(start, end + 1)]
