"""Horizontal stacked bars drawn on the server: one row per department or person, the label above its
bar, so names of any length read on a 360 px phone."""
from dataclasses import dataclass

WIDTH = 300
LEFT, RIGHT, LABEL, BAR, GAP = 4, 44, 18, 16, 12


@dataclass(frozen=True)
class Bar:
    label: str
    link: str
    y: float
    on_time: int
    late: int
    on_time_width: float
    late_width: float

    @property
    def total(self):
        return self.on_time + self.late

    @property
    def label_y(self):
        return self.y + 13

    @property
    def bar_y(self):
        return self.y + LABEL

    @property
    def late_x(self):
        return LEFT + self.on_time_width

    @property
    def value_x(self):
        return LEFT + self.on_time_width + self.late_width + 6


class BarChart:
    width = WIDTH
    left = LEFT
    bar_height = BAR

    def __init__(self, rows):
        """`rows`: [(label, link, on time, late)], drawn in that order."""
        most = max([on_time + late for _, _, on_time, late in rows] + [1])
        room = WIDTH - LEFT - RIGHT
        self.bars = []
        y = 4
        for label, link, on_time, late in rows:
            self.bars.append(Bar(label, link, y, on_time, late, round(room * on_time / most, 1),
                                 round(room * late / most, 1)))
            y += LABEL + BAR + GAP
        self.height = y
