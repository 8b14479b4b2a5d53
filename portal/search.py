"""The search index: one document per searchable thing, found the way Chinese and English are typed.

Words. Text is folded (NFKC, case-folded) and cut into runs. A run of Chinese (or Japanese,
Korean) characters is indexed as overlapping pairs, and its last character alone: 办公用品采购 →
办公 公用 用品 品采 采购 购. Any two characters of it are one token, so 采购 is found inside
办公用品采购计划; a longer query looks up a few of its pairs, then keeps the documents that hold
it whole; one character is a prefix of a token. A run of letters and digits is indexed as a word
(X200 → x200), and again from each switch between letters and digits (200), and a query word
matches the start of a word (suppl → suppliers). This is a plain table of (token, document), so
SQLite and PostgreSQL give the same answers; the token column sorts by code point on both (BINARY,
COLLATE "C"), which prefix ranges rely on. Measured against SQLite FTS5 (trigram, unicode61),
jieba, pg_trgm and LIKE in the search branch's report.

Visibility. Search must never show, count or quote what its reader may not see, so the filter
is SQL, applied before counting. Each document keeps the keys the areas' visibility rules read:
its project, meeting series, the departments it is between, its owner and creator. What can
change without the document changing (a project made restricted, a department added to a
series, a new approver on a request) stays in the areas' tables and is read at query time, so
such a change needs no reindexing. The caller passes one condition per kind; a kind it names no
condition for is never searched, so a new kind stays hidden until someone decides who sees it.
Read the reader's visible projects and series first and pass them as lists of ids
(`project_id IN (3, 7, ...)`, numbers written into the statement: `portal.db.id_list`): given
subqueries there, PostgreSQL filtered every document instead of probing the candidates. (The last
figures, a head's search 515-725 ms against 337-524 ms with lists, were taken with JIT on and
mostly measured compiling; with JIT off the two were within noise under load: to measure again.)

Currency. An area calls `index` or `remove` in the transaction of each change, so the index
commits or rolls back with it; `rebuild` fills it from scratch (an existing database, the demo).
"""
import operator
import re
import unicodedata
from dataclasses import dataclass, field
from functools import reduce

from flask_babel import gettext as _
from markupsafe import Markup, escape
from peewee import (SQL, Case, CharField, CompositeKey, DateTimeField, ForeignKeyField,
                    IntegerField, Select, TextField, fn)

from portal import bulk
from portal.db import BaseModel, Invalid, PreparedQuery, analyze, db, utcnow

MAX_QUERY_LENGTH = 100
MAX_WORDS = 10
# Longer words are cut to this; a query word longer still looks them up by this much of it.
MAX_TOKEN = 32
# A long run of Chinese in a query looks up at most this many of its pairs; the run is then
# matched whole, so fewer pairs only cost speed, never precision.
PAIRS_LOOKED_UP = 4
# Above every character: a prefix p matches the tokens from p to p + HIGHEST.
HIGHEST = "\U0010ffff"
# Marks a token of a title (never part of a token itself): ranking asks the index alone whether
# a title holds a word, which is what lets PostgreSQL answer from the index without the table.
TITLE = "^"

_PAIRED = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
_RUN = re.compile(r"([%s]+)|[^\W_%s]+" % (_PAIRED, _PAIRED))
# Where a word of letters and digits starts again inside a run: x200 → 200, 2026q1 → q1.
_SWITCH = re.compile(r"(?<=\d)(?=[^\W\d_])|(?<=[^\W\d_])(?=\d)")


class SearchDocument(BaseModel):
    """One searchable thing, keyed by its kind ("task", "decision", ...) and id."""
    kind = CharField(max_length=20)
    object_id = IntegerField()
    title = TextField()
    body = TextField(default="")
    at = DateTimeField(default=utcnow, index=True)
    # The object a hit opens when it is part of another (a decision → its meeting).
    parent_id = IntegerField(null=True)
    # What visibility conditions and filters read; see the module docstring.
    project_id = IntegerField(null=True, index=True)
    series_id = IntegerField(null=True)
    department_id = IntegerField(null=True)
    other_department_id = IntegerField(null=True)
    owner_id = IntegerField(null=True)
    creator_id = IntegerField(null=True)

    class Meta:
        indexes = ((("kind", "object_id"), True),)


class SearchToken(BaseModel):
    """A token of a document's text; those of its title once more, after TITLE."""
    token = TextField()
    # Indexed by the (document, token) index below.
    document = ForeignKeyField(SearchDocument, on_delete="CASCADE", index=False)

    class Meta:
        primary_key = CompositeKey("token", "document")
        # Probing one document's tokens (ranking, the later words of a query) and deleting them.
        indexes = ((("document", "token"), False),)


FIELDS = ("parent_id", "project_id", "series_id", "department_id", "other_department_id", "owner_id",
          "creator_id")


# -- words -------------------------------------------------------------------------------------

def fold(text):
    """(text as search compares it, and where each of its characters came from in `text`, or None
    when position i is position i)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    if len(folded) == len(text):
        return folded, None
    pieces, origin = [], []
    for i, char in enumerate(text):
        piece = unicodedata.normalize("NFKC", char).casefold()
        pieces.append(piece)
        origin.extend([i] * len(piece))
    return "".join(pieces), origin


def tokens(text):
    """The set of tokens a text is indexed under."""
    found = set()
    for match in _RUN.finditer(fold(text)[0]):
        run = match.group()
        if match.group(1):
            found.update(map(operator.add, run, run[1:]))
            found.add(run[-1])
        else:
            found.update(run[start:start + MAX_TOKEN] for start in _word_starts(run))
    return found


def _word_starts(run):
    return [0] + [m.start() for m in _SWITCH.finditer(run)]


@dataclass(frozen=True)
class Word:
    """One run of a query: Chinese (`paired`) or letters and digits."""
    text: str
    paired: bool

    def lookups(self):
        """What a document's tokens must hold for it: [(exact token, None) or (None, prefix)]."""
        if self.paired and len(self.text) > 1:
            pairs = sorted({self.text[i:i + 2] for i in range(0, len(self.text) - 1, 2)}
                           | {self.text[-2:]})
            step = max(1, len(pairs) // PAIRS_LOOKED_UP)
            return [(pair, None) for pair in pairs[::step][:PAIRS_LOOKED_UP]]
        return [(None, self.text[:MAX_TOKEN])]

    @property
    def phrase(self):
        """Whether the whole run must be checked in the text (its pairs may lie apart)."""
        return self.paired and len(self.text) > 2


def words(q):
    """The words of a query, in order, each once; raise Invalid for a query too long to mean one thing."""
    q = (q or "").strip()
    if len(q) > MAX_QUERY_LENGTH:
        raise Invalid(_("Search for at most %(n)d characters.", n=MAX_QUERY_LENGTH), "q")
    found = []
    for match in _RUN.finditer(fold(q)[0]):
        word = Word(match.group(), bool(match.group(1)))
        if word not in found:
            found.append(word)
    if len(found) > MAX_WORDS:
        raise Invalid(_("Search for at most %(n)d words.", n=MAX_WORDS), "q")
    return found


# -- keeping the index current ------------------------------------------------------------------

def index(kind, object_id, title, body="", at=None, **keys):
    """Add or replace the document of (kind, object_id); `at` is when it last changed (recent ranks
    first), `keys` are FIELDS. Call it inside the transaction of the change, also when only its
    keys change (moved to another project): an unchanged text costs one read and one update."""
    unknown = set(keys) - set(FIELDS)
    if unknown:
        raise TypeError("unknown document fields: %s" % ", ".join(sorted(unknown)))
    values = dict({name: None for name in FIELDS}, **keys, title=title or "", body=body or "",
                  at=at or utcnow())
    with db.atomic():
        found = list(_INDEXED(kind, object_id))
        if not found:
            document_id = SearchDocument.insert(kind=kind, object_id=object_id, **values).execute()
        else:
            document_id, title, body = found[0]
            SearchDocument.update(**values).where(SearchDocument.id == document_id).execute()
            if (title, body) == (values["title"], values["body"]):
                return
            SearchToken.delete().where(SearchToken.document == document_id).execute()
        bulk.insert(SearchToken, TOKEN_COLUMNS, _token_rows(document_id, values["title"], values["body"]))


# Read by every change of anything searchable: compiling it cost more than running it.
_INDEXED = PreparedQuery(lambda kind, object_id: SearchDocument.select(
    SearchDocument.id, SearchDocument.title, SearchDocument.body).where(_document(kind, object_id)).tuples(), places=2)


# Every move of a card runs it: compiling the UPDATE took longer than running it.
_RESTAMP = PreparedQuery(lambda at, kind, object_id: SearchDocument.update(at=at).where(_document(kind, object_id)),
                         places=3)


def restamp(kind, object_id, at):
    """Say (kind, object_id) changed at `at` while its text and keys stayed (a task moved to another
    column): one update, where `index` would read the document and the task's comments first."""
    _RESTAMP(SearchDocument.at.db_value(at), kind, object_id)


def remove(kind, object_id):
    """Take (kind, object_id) out of the index, in the transaction of its deletion; its tokens go
    with it (ON DELETE CASCADE)."""
    SearchDocument.delete().where(_document(kind, object_id)).execute()


def _document(kind, object_id):
    return (SearchDocument.kind == kind) & (SearchDocument.object_id == object_id)


DOCUMENT_COLUMNS = ("kind", "object_id", "title", "body", "at", *FIELDS)
TOKEN_COLUMNS = ("token", "document")


def rebuild(documents):
    """Empty the index and fill it from `documents`, dicts of `index`'s arguments; return how many.

    Written straight through the driver: the query builder would take longer than the database."""
    now = utcnow()
    documents = [dict(document, title=document.get("title") or "", body=document.get("body") or "",
                      at=document.get("at") or now) for document in documents]
    with db.atomic():
        SearchToken.delete().execute()
        SearchDocument.delete().execute()
        bulk.insert(SearchDocument, DOCUMENT_COLUMNS, [[d.get(name) for name in DOCUMENT_COLUMNS] for d in documents])
        analyze(SearchDocument)
        ids = {(kind, object_id): id_ for id_, kind, object_id in
               SearchDocument.select(SearchDocument.id, SearchDocument.kind, SearchDocument.object_id).tuples()}
        bulk.insert(SearchToken, TOKEN_COLUMNS,
               (row for d in documents for row in _token_rows(ids[d["kind"], d["object_id"]], d["title"], d["body"])))
    return len(documents)


def _token_rows(document_id, title, body):
    in_title = tokens(title)
    return ([(token, document_id) for token in in_title | tokens(body)]
            + [(TITLE + token, document_id) for token in in_title])


# -- asking ---------------------------------------------------------------------------------------

@dataclass
class Hit:
    """One document found: what to link to, and its title and snippet, escaped and marked."""
    kind: str
    object_id: int
    parent_id: int
    project_id: int
    at: object
    in_title: bool
    title: Markup
    snippet: Markup


@dataclass
class Results:
    """A page of hits, how many of each kind there are in all, and the words searched for (none:
    the query held nothing to search for)."""
    words: list
    hits: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)

    @property
    def total(self):
        return sum(self.counts.values())


def query(q, visibility, kinds=None, project_id=None, person_id=None, since=None, until=None,
          limit=20, offset=0):
    """Documents holding every word of `q` that the reader may see, best first: title hits before
    body hits, then the most recent; with counts per kind and snippets.

    `visibility` is {kind: SQL condition on SearchDocument, or True} for the reader; kinds not in
    it are not searched. Filters: `kinds`, `project_id`, `person_id` (owner or creator), `since`
    and `until` (datetimes, on `at`). Raises Invalid for a query too long; a query without words
    (empty, only punctuation) finds nothing.
    """
    found = words(q)
    results = Results(found)
    # Kinds that share a rule share its SQL: a reader's visible projects are asked for once.
    rules = {}
    for kind, rule in visibility.items():
        if kinds is None or kind in kinds:
            rules.setdefault(id(rule), (rule, []))[1].append(kind)
    lookups = [part for word in found for part in word.lookups()]
    driver = _rarest(lookups) if lookups and rules else None
    if driver is None:
        return results
    condition = _holds_every(found, lookups, driver) & reduce(operator.or_, [
        SearchDocument.kind.in_(group) if rule is True else SearchDocument.kind.in_(group) & rule
        for rule, group in rules.values()])
    if project_id is not None:
        condition &= SearchDocument.project_id == project_id
    if person_id is not None:
        condition &= (SearchDocument.owner_id == person_id) | (SearchDocument.creator_id == person_id)
    if since is not None:
        condition &= SearchDocument.at >= since
    if until is not None:
        condition &= SearchDocument.at < until
    # One query counts the matches of each kind and ranks them within it, so the reader's rules
    # are turned into SQL and run once and no more than a page of each kind leaves the database;
    # the best of those pages are the best overall.
    matches = SearchDocument.select(SearchDocument.id, SearchDocument.kind, SearchDocument.at,
                                    Case(None, [(_in_title(found), 1)], 0).alias("in_title")
                                    ).where(condition).alias("matches")
    order = [matches.c.in_title.desc(), matches.c.at.desc(), matches.c.id.desc()]
    ranked = Select([matches], [
        matches.c.id, matches.c.kind, matches.c.at, matches.c.in_title,
        fn.ROW_NUMBER().over(partition_by=[matches.c.kind], order_by=order).alias("place"),
        fn.COUNT(matches.c.id).over(partition_by=[matches.c.kind]).alias("n")]).alias("ranked")
    tops = list(db.execute(Select([ranked], [ranked.c.id, ranked.c.kind, ranked.c.at, ranked.c.in_title, ranked.c.n])
                           .where(ranked.c.place <= offset + limit)))
    results.counts = {kind: n for _, kind, _, _, n in tops}
    page = sorted(tops, key=lambda top: (top[3], top[2], top[0]), reverse=True)[offset:offset + limit]
    rows = {row.id: row for row in SearchDocument.select().where(SearchDocument.id.in_([top[0] for top in page]))}
    results.hits = [Hit(row.kind, row.object_id, row.parent_id, row.project_id, row.at, bool(top[3]),
                        highlight(row.title, found), snippet(row.body, found))
                    for row, top in ((rows[top[0]], top) for top in page)]
    return results


def _rarest(lookups):
    """The lookup with the fewest documents, to find candidates by; None if a word is in none."""
    exact = {token for token, _ in lookups if token is not None}
    if not exact:
        return max(lookups, key=lambda part: len(part[1]))
    counts = dict(SearchToken.select(SearchToken.token, fn.COUNT(SearchToken.document))
                  .where(SearchToken.token.in_(list(exact))).group_by(SearchToken.token).tuples())
    if len(counts) < len(exact):
        return None
    return min(((token, None) for token in exact), key=lambda part: counts[part[0]])


def _token_condition(exact, prefix):
    if exact is not None:
        return SearchToken.token == exact
    return (SearchToken.token >= prefix) & (SearchToken.token < prefix + HIGHEST)


def _has(exact, prefix, title=False):
    if title:
        exact, prefix = (TITLE + exact if exact else None), (TITLE + prefix if prefix else None)
    return fn.EXISTS(SearchToken.select(SQL("1")).where((SearchToken.document == SearchDocument.id)
                                                         & _token_condition(exact, prefix)))


def _holds_every(found, lookups, driver):
    """The candidates are the driver's documents; the other lookups are probed per candidate
    through the (document, token) index."""
    condition = SearchDocument.id.in_(SearchToken.select(SearchToken.document).where(_token_condition(*driver)))
    for part in lookups:
        if part != driver:
            condition &= _has(*part)
    for word in found:
        if word.phrase:
            condition &= SearchDocument.title.contains(word.text) | SearchDocument.body.contains(word.text)
    return condition


def _in_title(found):
    held = [SearchDocument.title.contains(word.text) if word.phrase else
            reduce(operator.and_, [_has(*part, title=True) for part in word.lookups()]) for word in found]
    return reduce(operator.and_, held)


# -- showing ------------------------------------------------------------------------------------

SNIPPET_BEFORE = 30
SNIPPET_LENGTH = 120


def _spans(text, found):
    """[(start, end)] in `text` of every place a query word matches, in order, not overlapping."""
    folded, origin = fold(text)
    starts = {m.start() + s for m in _RUN.finditer(folded) if not m.group(1) for s in _word_starts(m.group())}
    spans = []
    for word in found:
        position = folded.find(word.text)
        while position >= 0:
            if word.paired or position in starts:
                spans.append((position, position + len(word.text)))
            position = folded.find(word.text, position + 1)
    merged = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    if origin is None:
        return merged
    return [(origin[start], origin[end - 1] + 1) for start, end in merged]


def _marked(text, spans, start=0, end=None):
    end = len(text) if end is None else end
    out, at = [], start
    for left, right in spans:
        left, right = max(left, start), min(right, end)
        if left >= right:
            continue
        out.append(escape(text[at:left]))
        out.append(Markup("<mark>%s</mark>") % text[left:right])
        at = right
    out.append(escape(text[at:end]))
    return Markup("").join(out)


def highlight(text, found):
    """All of `text`, escaped, each match of the query in <mark>."""
    return _marked(text, _spans(text, found))


def snippet(text, found, before=SNIPPET_BEFORE, length=SNIPPET_LENGTH):
    """About `length` characters of `text` around its first match, escaped, matches in <mark>;
    the beginning of `text` when it holds none."""
    spans = _spans(text, found)
    start = max(0, spans[0][0] - before) if spans else 0
    end = min(len(text), start + length)
    start = max(0, min(start, end - length))
    return Markup("").join([Markup("…") if start else Markup(""), _marked(text, spans, start, end),
                            Markup("…") if end < len(text) else Markup("")])
