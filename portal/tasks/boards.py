"""The boards: my tasks, my department, company priorities; moving a card; a column's next cards."""
import functools
from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import pgettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal import sheets
from portal.accounts.models import Department
from portal.db import Invalid
from portal.i18n import in_language
from portal.pagecache import kept
from portal.params import query_int, whole_number
from portal.permissions import authorize, authorized, can
from portal.render import render, url_pattern, wants_fragment
from portal.tasks.forms import BoardFilters, MoveForm
from portal.projects.models import Project
from portal.tasks.models import PRIORITIES, STATUSES, URGENT, Task, local_today

boards = Blueprint("boards", __name__, url_prefix="/boards")


PAGE = 30
# Cards a column shows before "Show more": a board that opened with thirty in every column spent
# most of its time rendering cards nobody scrolled to (390 on the company's priorities).
FIRST = {"status": 8, "department": 5}
TITLES = {"mine": _l("My tasks"), "department": _l("My department"), "priorities": _l("Company priorities"),
          "project": _l("Project board")}
SIDES = {"all": _l("All our work"), "asked": _l("Asked of us"), "asking": _l("We asked of others")}
# What every card may say: a board shows hundreds of cards, and a translation looked up for each of
# them was most of the page's time.
CARD_WORDS = {"move": _l("Move"), "move_to": _l("Move %(task)s to"), "overdue": _l("Overdue"),
              "due_soon": _l("Due soon"), "unblocked": _l("Unblocked"), "deactivated": _l("deactivated"),
              "no_department": _l("No department"), "asked_by": _l("for %(department)s")}


@dataclass
class Column:
    key: str  # in element ids and URLs: a status, a department id, or "none"
    label: str
    count: int
    cards: list


class Board:
    """One board as its URL describes it: the scope, the filters, and the query they make."""

    def __init__(self, scope, args, shown=False):
        """`shown`: the page draws the filter form (the full board page), not only the cards."""
        if scope not in TITLES:
            abort(404)
        self.scope = scope
        self.filters = filters = BoardFilters(args, scope, shown)
        self.layout = layout_of(scope)
        self.key = Task.department if self.layout == "department" else Task.status
        self.department = None
        self.project = filters.chosen_project
        criteria = {"department": filters.department or None, "owner": filters.owner or None,
                    "priority": filters.priority or None, "tag": filters.tag or None,
                    "overdue": filters.overdue, "blocked": filters.blocked,
                    "seen_project": self.project}  # read by the filters among those its reader sees
        if scope == "mine":
            criteria["owner"] = current_user.id
        elif scope == "department":
            self.department = Department.get_or_none(
                Department.id == (filters.department or current_user.department_id or 0))
            side = filters.side
            if side == "asking":
                criteria.update(department=None, requesting_department=self.department, cross=True)
            else:
                criteria.update(department=self.department, cross=side == "asked")
        elif scope == "priorities":
            criteria.update(priority=criteria["priority"] or URGENT, open_only=True)
        # Without a department or project to show, the board asks for one instead of showing everything.
        missing = (scope == "department" and self.department is None) or (scope == "project" and self.project is None)
        self.criteria = None if missing else criteria

    @functools.cached_property
    def query(self):
        """The board's tasks, or None when it lacks a department or project; built when first asked
        for, since a card move answers with a redirect and never reads it."""
        return None if self.criteria is None else Task.board(current_user, **self.criteria)

    def counts(self):
        """{column value: number of cards} of the whole board."""
        return {} if self.criteria is None else Task.counts(current_user, self.key, **self.criteria)

    @property
    def title(self):
        return self.project.name if self.scope == "project" and self.project else TITLES[self.scope]

    def url(self, endpoint="boards.show", **values):
        return url_for(endpoint, scope=self.scope, **self.arguments, **values)

    @functools.cached_property
    def arguments(self):
        return self.filters.args()

    @functools.cached_property
    def move_url(self):
        """Where a card's move goes, a function of the task's id."""
        return url_pattern("boards.move", "task_id", scope=self.scope, **self.arguments)

    @functools.cached_property
    def department_names(self):
        return {d.id: d.display_name for d in Department.select()}

    def columns(self):
        cards = Task.first_cards(self.query, self.key, FIRST[self.layout])
        counts = {key: shown[0].column_total for key, shown in cards.items()}
        if self.layout == "status":
            return [Column(key, label, counts.get(key, 0), cards.get(key, [])) for key, label in STATUSES.items()]
        names = self.department_names
        present = sorted(counts, key=lambda d: (d is None, names.get(d, "")))
        return [Column(self.column_key_for(d), names[d] if d else _("No department"), counts[d], cards.get(d, []))
                for d in present]

    def column_value(self, key):
        """What the column named `key` in a URL groups by; LookupError for a column this board cannot have."""
        if self.layout == "status":
            if key not in STATUSES:
                raise LookupError(key)
            return key
        if key == "none":
            return None
        try:
            return whole_number(key)
        except ValueError:
            raise LookupError(key) from None

    def column_key(self, task):
        return column_key(self.layout, task)

    @staticmethod
    def column_key_for(department_id):
        return str(department_id) if department_id else "none"

    def card(self, task_id):
        """The task as this board shows it, with its project (what the view rule reads), or None when
        it no longer belongs on the board or its reader may not see it."""
        if self.criteria is None:
            return None
        card = Task.card(current_user, task_id, **self.criteria)
        if card is not None and "department_names" not in self.__dict__:
            # A card names at most the two departments joined to it; the board's whole list is not needed.
            self.department_names = {department.id: department.display_name
                                     for department in (card.department, card.requesting_department) if department}
        return card


def layout_of(scope):
    """What a board's columns are: departments on the company's priorities, else statuses."""
    return "department" if scope == "priorities" else "status"


def column_key(layout, task):
    """The key of the column that shows `task` on a board of `layout`."""
    return task.status if layout == "status" else Board.column_key_for(task.department_id)


def _context(board, **extra):
    return {"board": board, "titles": TITLES, "sides": SIDES, "today": local_today(current_user),
            "statuses": in_language(STATUSES), "priorities": in_language(PRIORITIES), "words": in_language(CARD_WORDS),
            "day": functools.cache(lambda day: format_date(day, "medium")),
            "task_url": url_pattern("tasks.show", "task_id"),
            "viewer": current_user._get_current_object(), "can": can, **extra}


@boards.route("/<scope>")
@kept
def show(scope):
    board = Board(scope, request.args, shown=not wants_fragment())
    columns, collisions = [], {}
    if board.query is not None:
        columns = board.columns()
        if board.layout == "department":
            collisions = Task.collisions(board.query, local_today(current_user))
    response = render("tasks/board.html", "tasks/_board.html",
                      **_context(board, columns=columns,
                                 collisions={board.column_key_for(d): weeks for d, weeks in collisions.items()}))
    if wants_fragment():
        # The filter form sends every field; the address bar gets only those that narrow the view.
        response.headers["HX-Push-Url"] = board.url()
    return response


@boards.route("/<scope>/export")
def export(scope):
    """The board's tasks, as filtered, as a spreadsheet (?format=csv for CSV)."""
    board = Board(scope, request.args)
    if board.query is None:
        abort(404)
    tasks = (board.query.select_extend(Task.estimate_hours, Task.created_at, Task.updated_at, Project.name)
             .order_by(*Task.card_order()).limit(sheets.MAX_ROWS))
    statuses, priorities = in_language(STATUSES), in_language(PRIORITIES)
    columns = [sheets.Column(pgettext("column of ids", "Number"), "integer", 8), sheets.Column(_("Title"), width=40),
               sheets.Column(_("Status")), sheets.Column(_("Priority")), sheets.Column(_("Owner")),
               sheets.Column(_("Department")), sheets.Column(_("Asked for by")), sheets.Column(_("Project"), width=24),
               sheets.Column(_("Due date"), "date"), sheets.Column(_("Estimate (hours)"), "number"),
               sheets.Column(_("Created"), "datetime", 17), sheets.Column(_("Last changed"), "datetime", 17)]
    rows = ([task.id, task.title, statuses.get(task.status, task.status), priorities.get(task.priority, task.priority),
             task.owner.name, task.department.display_name if task.department_id else "",
             task.requesting_department.display_name if task.requesting_department_id else "",
             task.project.name if task.project_id else "", task.due_date, task.estimate_hours,
             sheets.local(task.created_at), sheets.local(task.updated_at)] for task in tasks)
    return sheets.response([sheets.Sheet(str(board.title), columns, rows)], "tasks-%s" % scope,
                           sheets.wanted_kind(request.args))


@boards.route("/<scope>/columns/<key>")
def column(scope, key):
    """A column's cards after the first page: the next batch for htmx, a page of its own without."""
    board = Board(scope, request.args)
    try:
        value = board.column_value(key)
    except LookupError:
        abort(404)
    if board.query is None:
        abort(404)
    offset = query_int("offset", FIRST[board.layout], low=0)
    cards = Task.more_cards(board.query, board.key, value, offset, PAGE + 1)
    label = STATUSES.get(key) or (Department.get_or_none(Department.id == value) or _("No department"))
    return render("tasks/column.html", "tasks/_more.html",
                  **_context(board, key=key, label=label, cards=cards[:PAGE], offset=offset, page_size=PAGE,
                             next_offset=offset + PAGE if len(cards) > PAGE else None))


@boards.route("/<scope>/tasks/<int:task_id>/move", methods=["POST"])
def move(scope, task_id):
    if scope not in TITLES:
        abort(404)
    task = authorized(Task, task_id, "edit")
    form = MoveForm()
    # The columns whose counts may change: where the page showed the card, and where it was stored.
    left = {request.form.get("column", ""), column_key(layout_of(scope), task)}
    status_before = task.status
    try:
        if not form.validate():
            raise Invalid(next(iter(form.errors.values()))[0])
        task = task.move(current_user, form.version.data, form.status.data)
    except Invalid as refused:  # Stale included: it names who moved the card first
        flash(refused.message, "error")
    else:
        if not wants_fragment():
            flash(_("%(task)s moved to %(status)s.", task="#%d" % task.id, status=task.status_label), "success")
        note = task.done_note(status_before, current_user)
        if note:
            flash(note, "info")
    # The move reads no filter, so it passes them on unread: the board or the card it answers with
    # reads and checks them, as for any link (reading them here was a tenth of a move's time).
    filters = BoardFilters.passed_on(request.args)
    if not wants_fragment():  # a plain form post (no JavaScript): back to the board
        return redirect(url_for("boards.show", scope=scope, **filters), 303)
    return redirect(url_for("boards.card", scope=scope, task_id=task.id,
                            left=",".join(sorted(key for key in left if key)), **filters), 303)


@boards.route("/<scope>/tasks/<int:task_id>/card")
def card(scope, task_id):
    """The card where it now belongs, and the counts of the columns it may have left: what a move changes."""
    board = Board(scope, request.args)
    shown = board.card(task_id)
    if shown is not None:
        authorize("view", shown)
    # A card the board no longer shows (moved out of its filters) still updates the counts.
    task = shown or authorized(Task, task_id)
    counts = board.counts()
    changed = []
    for key in sorted(set(request.args.get("left", "").split(",")[:3]) | {board.column_key(task)}):
        try:
            changed.append((key, counts.get(board.column_value(key), 0)))
        except LookupError:
            continue
    return render("tasks/_moved.html", "tasks/_moved.html", **_context(board, card=shown, counts=changed))
