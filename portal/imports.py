"""Importing rows from .xlsx or .csv: read safely, columns matched to fields by their headers (in
either language), every row planned and checked before anything is saved, then applied by the
area that owns the rows, in one transaction.

The upload is kept (portal.storage) between the preview and the confirmation, under a key signed
for the person and the place, and removed once confirmed or a day later.
"""
import csv
import datetime
import io
import logging
import zipfile
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import force_locale, format_decimal, gettext
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from peewee import CharField, DateTimeField, IntegerField

from portal import jobs
from portal.audit import AuditEntry
from portal.db import BaseModel, Invalid, db, utcnow
from portal.storage import TooLarge, storage

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 2_000
MAX_COLUMNS = 50
MAX_CELL = 20_000
# An .xlsx is a zip package: refused when it would unpack to more than this, or any part to more
# than MAX_RATIO times its packed size (ordinary workbooks stay far below both, zip bombs far above).
MAX_UNPACKED = 100 * 1024 * 1024
MAX_RATIO = 200
KEPT_FOR = datetime.timedelta(days=1)
log = logging.getLogger(__name__)


class Staged(BaseModel):
    """An uploaded import waiting for its confirmation."""
    key = CharField(max_length=64, unique=True)
    user_id = IntegerField()
    created_at = DateTimeField(default=utcnow, index=True)


@dataclass(frozen=True)
class Field:
    """A column an import understands: its key, the headers it is recognised by, and how a cell's
    text becomes a value (`parse` raises Invalid with the reason). The `matches` field is the one
    a row is matched by to what exists: each value once in a file."""
    key: str
    label: object
    headers: tuple
    parse: object
    required: bool = False
    matches: bool = False


@dataclass
class Row:
    number: int  # as the spreadsheet numbers it (the header is row 1)
    values: dict
    action: str = "create"  # create, update or unchanged
    existing: object = None
    changes: dict = field(default_factory=dict)


@dataclass
class Problem:
    row: int
    column: str
    reason: str


@dataclass
class Plan:
    rows: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    def count(self, action):
        return sum(1 for row in self.rows if row.action == action)

    @property
    def changing(self):
        return [row for row in self.rows if row.action != "unchanged"]


# -- reading -----------------------------------------------------------------------------------

def stage(by, upload):
    """Keep an uploaded .xlsx or .csv until it is confirmed; return its signed token. Invalid when
    it is too large, not a table, or a zip bomb."""
    name = (upload.filename or "").lower()
    if not name.endswith((".xlsx", ".csv")):
        raise Invalid(_l("Choose an Excel (.xlsx) or CSV file."), "upload")
    try:
        key = storage().put(upload.stream, MAX_BYTES)
    except TooLarge:
        raise Invalid(_l("The file is larger than 5 MB. Split it into smaller files."), "upload") from None
    Staged.create(key=key, user_id=by.id)
    token = _serializer().dumps({"k": key, "u": by.id, "x": name.rsplit(".", 1)[-1]})
    try:
        table(token, by)
    except Invalid:
        discard(token, by)
        raise
    return token


def table(token, by):
    """(headers, rows of text) of a staged upload; Invalid when it cannot be read as a table."""
    key, kind = _unsigned(token, by)
    try:
        with storage().get(key) as data:
            raw = data.read()
    except FileNotFoundError:
        raise Invalid(_l("This upload has expired. Upload the file again.")) from None
    rows = _xlsx_rows(raw) if kind == "xlsx" else _csv_rows(raw)
    rows = [row for row in rows if any(cell for cell in row)]
    if not rows:
        raise Invalid(_l("The file holds no rows."), "upload")
    if len(rows) - 1 > MAX_ROWS:
        raise _too_many_rows()
    width = max(len(row) for row in rows)
    if width > MAX_COLUMNS:
        raise Invalid(_l("The file has more than %(n)d columns.", n=MAX_COLUMNS), "upload")
    rows = [row + [""] * (width - len(row)) for row in rows]
    return rows[0], rows[1:]


def _too_many_rows():
    return Invalid(_l("The file has more than %(n)s rows. Split it into smaller files.", n=format_decimal(MAX_ROWS)),
                   "upload")


def unpacks_too_far(parts, max_unpacked):
    """Whether a zip package's parts (ZipInfo, from its directory, nothing unpacked) would unpack to
    more than `max_unpacked` bytes, or any part to more than MAX_RATIO times its packed size."""
    return (sum(part.file_size for part in parts) > max_unpacked
            or any(part.file_size > MAX_RATIO * max(part.compress_size, 1024) for part in parts))


def discard(token, by):
    key, _ = _unsigned(token, by)
    storage().delete(key)
    Staged.delete().where(Staged.key == key).execute()


def _xlsx_rows(raw):
    from openpyxl import load_workbook  # only imports need it
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as package:
            if unpacks_too_far(package.infolist(), MAX_UNPACKED):
                raise Invalid(_l("This file unpacks to far more than it holds (a zip bomb?); it was not read."),
                              "upload")
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
    except Invalid:
        raise
    except Exception:  # openpyxl fails in many ways on what is not a workbook
        raise Invalid(_l("This is not an Excel workbook we can read. Save it as .xlsx and try again."),
                      "upload") from None
    try:
        rows = []
        for number, cells in enumerate(book.worksheets[0].iter_rows(values_only=True), 1):
            if number > MAX_ROWS + 2:
                raise _too_many_rows()
            rows.append([_text(cell) for cell in cells[:MAX_COLUMNS + 1]])
        return rows
    finally:
        book.close()


def _text(cell):
    if cell is None:
        return ""
    if isinstance(cell, datetime.datetime):
        return cell.date().isoformat() if cell.time() == datetime.time() else cell.isoformat(" ")
    if isinstance(cell, datetime.date):
        return cell.isoformat()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()[:MAX_CELL]


def _csv_rows(raw):
    if b"\x00" in raw:
        raise Invalid(_l("This file is not UTF-8 or GBK text. Save it from Excel as “CSV UTF-8”."), "upload")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise Invalid(_l("This file is not UTF-8 or GBK text. Save it from Excel as “CSV UTF-8”."), "upload")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [[cell.strip()[:MAX_CELL] for cell in row[:MAX_COLUMNS + 1]]
            for row in csv.reader(io.StringIO(text), dialect)]


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="import")


def _unsigned(token, by):
    try:
        data = _serializer().loads(token, max_age=int(KEPT_FOR.total_seconds()))
    except (BadSignature, UnicodeError, ValueError, TypeError):
        raise Invalid(_l("This upload has expired. Upload the file again.")) from None
    if not isinstance(data, dict) or data.get("u") != by.id or data.get("x") not in ("xlsx", "csv"):
        raise Invalid(_l("This upload has expired. Upload the file again."))
    return data["k"], data["x"]


# -- cells ---------------------------------------------------------------------------------------

def in_both_languages(label):
    """A label as the template writes it in English and in Chinese, for matching what people type."""
    names = set()
    for locale in ("en", "zh_CN"):
        with force_locale(locale):
            names.add(str(label).casefold())
    return names


def choice_cell(choices, text):
    """The key of `choices` ({key: label}) a cell names by the key or its label in either language;
    None when it names none."""
    wanted = text.strip().casefold()
    return next((key for key, label in choices.items() if wanted == key or wanted in in_both_languages(label)), None)


def date_cell(text):
    """A date as spreadsheets write it (a workbook's dates arrive as YYYY-MM-DD)."""
    for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    raise Invalid(_l("Enter the date as YYYY-MM-DD, for example 2026-05-31."))


# -- planning ----------------------------------------------------------------------------------

def recognised(headers, fields):
    """{field key: column index} for the headers that name a field (either language, any case):
    its label as the template writes it in Chinese or English, or one of its other names."""
    names = {}
    for spec in fields:
        names[spec.key] = {h.casefold() for h in spec.headers} | in_both_languages(spec.label)
    found = {}
    for index, header in enumerate(headers):
        wanted = " ".join(str(header).split()).casefold()
        for spec in fields:
            if spec.key not in found and wanted in names[spec.key]:
                found[spec.key] = index
    return found


def plan(rows, mapping, fields, decide):
    """Every row parsed by `fields` through `mapping` ({field key: column index}); `decide(row)`
    (the area's) sets its action from what exists, or raises Invalid naming a field."""
    result = Plan()
    missing = [spec for spec in fields if spec.required and spec.key not in mapping]
    for spec in missing:
        result.problems.append(Problem(1, str(spec.label), gettext("No column is chosen for this; it is needed.")))
    if missing:
        return result
    labels = {spec.key: str(spec.label) for spec in fields}
    matching = [spec for spec in fields if spec.matches]
    seen = {spec.key: set() for spec in matching}
    for number, cells in enumerate(rows, 2):
        values, broken = {}, False
        for spec in fields:
            text = cells[mapping[spec.key]] if spec.key in mapping else ""
            if text.startswith("="):
                result.problems.append(Problem(number, labels[spec.key],
                                               gettext("This cell holds a formula; type its value instead.")))
                broken = True
                continue
            if not text:
                if spec.required:
                    result.problems.append(Problem(number, labels[spec.key], gettext("This is needed.")))
                    broken = True
                continue
            try:
                values[spec.key] = spec.parse(text)
            except Invalid as invalid:
                result.problems.append(Problem(number, labels[spec.key], invalid.message))
                broken = True
        if broken:
            continue
        row = Row(number, values)
        try:
            for spec in matching:
                if values[spec.key] in seen[spec.key]:
                    raise Invalid(gettext("“%(value)s” is on an earlier row too; each once.", value=values[spec.key]),
                                  spec.key)
                seen[spec.key].add(values[spec.key])
            decide(row)
        except Invalid as invalid:
            result.problems.append(Problem(number, labels.get(invalid.field, ""), invalid.message))
            continue
        result.rows.append(row)
    return result


def save(by, place, action, rows, mapping, fields, decide, save_row, source):
    """Plan the rows again (the caller holds the write lock), then save each row to create or
    update with `save_row(row)`, with one audit entry `action` on `place` for the whole import;
    refuse a plan with problems, saving nothing. Returns (created, updated)."""
    with db.atomic():
        result = plan(rows, mapping, fields, decide)
        if result.problems:
            raise Invalid(_l("Correct the rows with problems first; nothing was imported."))
        for row in result.changing:
            save_row(row)
        created, updated = result.count("create"), result.count("update")
        AuditEntry.record(by, action, place, {"created": [None, created], "updated": [None, updated]},
                          summary=source[:200])
    return created, updated


@jobs.periodic_task(jobs.crontab(minute="47", hour="3"))
def discard_stale_imports():
    """Nightly: uploads nobody confirmed within a day are removed."""
    stale = list(Staged.select().where(Staged.created_at < utcnow() - KEPT_FOR))
    for staged in stale:
        storage().delete(staged.key)
    Staged.delete().where(Staged.id.in_([s.id for s in stale])).execute()
    return len(stale)
