"""The alignment map laid out for an SVG drawn on the server: a vertical tree, one box per target,
each indented under the target it serves, so it reads top to bottom on a 360 px phone."""
import functools
import unicodedata
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from portal.filters import percent
from portal.projects.models import TARGET_STATUSES

# The width a 360 px phone gives a card's content, so the map is drawn there at its own size;
# wider screens scale it up to the card's width.
WIDTH = 300
MARGIN, INDENT, DEEPEST_INDENT = 4, 14, 4
PAD, STRIPE, GAP = 8, 6, 8
TITLE_SIZE, TITLE_LINE, META_SIZE, META_LINE = 15, 19, 12.5, 17
TITLE_LINES = 2


@dataclass(frozen=True)
class Line:
    """A line of text and, when it nearly fills its box, the width to squeeze it into: a phone's
    font may run wider than the estimate, and the text must never spill out of its box."""

    text: str
    fit: float | None


def _line(text, room, size):
    width = _measure(text, size)
    return Line(text, round(min(width, room), 1) if width > room * 0.75 else None)


@dataclass(frozen=True)
class Box:
    node: object
    x: float
    y: float
    width: float
    height: float
    title: list
    who: Line
    how: Line

    @property
    def target(self):
        return self.node.target

    @property
    def text_x(self):
        return self.x + STRIPE + PAD

    def title_y(self, index):
        return self.y + PAD + TITLE_SIZE + index * TITLE_LINE

    @property
    def who_y(self):
        return self.y + PAD + len(self.title) * TITLE_LINE + META_LINE - 3

    @property
    def how_y(self):
        return self.who_y + META_LINE


class MapDrawing:
    width = WIDTH

    def __init__(self, tree):
        self.boxes, self.links = [], []
        placed = {}
        y = MARGIN
        for node in tree.ordered():
            x = MARGIN + min(node.depth, DEEPEST_INDENT) * INDENT
            width = WIDTH - MARGIN - x
            room = width - STRIPE - 2 * PAD
            title = list(_lines(node.target.title, room, TITLE_SIZE, TITLE_LINES))
            box = Box(node, x, y, width, PAD * 2 + len(title) * TITLE_LINE + 2 * META_LINE, title,
                      _lines(_owner(node.target), room, META_SIZE, 1)[0],
                      _lines(_standing(node), room, META_SIZE, 1)[0])
            parent = placed.get(node.target.serves_id) if node.depth else None
            if parent is not None:
                middle = box.y + box.height / 2
                self.links.append("M%s,%s V%s H%s" % (_n(parent.x + INDENT / 2), _n(parent.y + parent.height),
                                                      _n(middle), _n(box.x)))
            placed[node.target.id] = box
            self.boxes.append(box)
            y += box.height + GAP
        self.height = _n(max(y, MARGIN * 2))


def _n(value):
    return round(value, 1)


def _owner(target):
    """Whose it is: the owning department (the company, for a company goal) and the owner."""
    if target.department_id is not None:
        return "%s · %s" % (target.department.display_name, target.owner.name)
    return "%s · %s" % (_l("Company goal"), target.owner.name)


def _standing(node):
    text = "%s · %s" % (TARGET_STATUSES[node.status], percent(node.progress))
    if node.children:
        text += " · " + str(_l("roll-up %(percent)s", percent=percent(node.rollup)))
    return text


@functools.lru_cache(maxsize=4096)
def _lines(text, room, size, lines):
    """`text` wrapped and measured. Measuring is a Python loop over every character, and a map
    draws the same titles and names on every visit: the lines are kept by their text and room."""
    return tuple(_line(part, room, size) for part in wrap(text, room, size, lines))


@functools.lru_cache(maxsize=4096)
def _width(char, size):
    """A character's width in a CJK-capable sans-serif font, erring wide (the title is bold, and
    phones fall back to different fonts), near enough to break lines by."""
    if unicodedata.east_asian_width(char) in "WF":
        return size
    if char in " .,;:!|'ilIjft":
        return size * 0.36
    return size * (0.76 if char.isupper() or char in "mwMW%" else 0.66)


def wrap(text, room, size, lines):
    """`text` in at most `lines` lines of `room` units at font `size`; the last one ends in … when
    the rest does not fit. Latin words are kept whole where they fit on a line of their own."""
    words, current = [], ""
    for char in " ".join(str(text).split()):
        if unicodedata.east_asian_width(char) in "WF" or char == " ":
            if current:
                words.append(current)
            words.append(char)
            current = ""
        else:
            current += char
    if current:
        words.append(current)
    result, line = [], ""
    for word in words:
        if _measure(line + word, size) <= room:
            line += word
            continue
        if line.strip():
            result.append(line.rstrip())
        line = word.lstrip()
        while _measure(line, size) > room:  # a word longer than a line is cut
            cut = _fit(line, room, size)
            result.append(line[:cut])
            line = line[cut:]
    if line.strip():
        result.append(line.rstrip())
    if len(result) <= lines:
        return result or [""]
    kept = result[:lines]
    last = kept[-1]
    while last and _measure(last + "…", size) > room:
        last = last[:-1]
    kept[-1] = last.rstrip() + "…"
    return kept


def _measure(text, size):
    return sum(_width(char, size) for char in text)


def _fit(text, room, size):
    used = 0
    for index, char in enumerate(text):
        used += _width(char, size)
        if used > room:
            return max(index, 1)
    return len(text)
