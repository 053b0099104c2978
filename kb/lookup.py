"""Exact lookups, matched before anything fuzzy: a document by 文号, title or short form, a clause path inside a
named document, and quoted phrases found as written. Pure functions over documents and clauses."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from .models import Clause, Document
from .text import normalize
from .understand import CLAUSE_PATH, Understanding, chinese_number, doc_number_key

_TITLE_NOISE = re.compile(r"[\s《》〈〉“”\"'‘’「」『』（）()【】\[\]，,。.、：:；;！!？?·-]+")
_FLAT_NOISE = re.compile(r"[\s*]+")
MIN_TITLE_CHARS = 6  # a shorter piece of a title (关于金融) names no document


@dataclass
class Lookup:
    """What the question names exactly. Rows are clause rows (Clause.row order of the index)."""

    documents: list[str] = field(default_factory=list)  # ids of documents the question names, best first
    how: dict[str, str] = field(default_factory=dict)  # doc id → 文号 | 标题 | 简称
    pinned: list[int] = field(default_factory=list)  # clause rows named by path inside a named document
    phrases: dict[str, list[int]] = field(default_factory=dict)  # quoted phrase → rows containing it
    missing_phrases: list[str] = field(default_factory=list)  # quoted phrases no clause contains
    headed: set[int] = field(default_factory=set)  # rows whose heading or path holds a quoted phrase (its subject)
    rest: str = ""  # the question's residual without the named documents' titles or short forms

    @property
    def empty(self) -> bool:
        return not (self.documents or self.pinned or any(self.phrases.values()))

    @property
    def phrase_rows(self) -> set[int]:
        """Rows that contain every quoted phrase the question has (a clause must hold them all)."""
        sets = [set(rows) for rows in self.phrases.values()]
        return set.intersection(*sets) if sets and not self.missing_phrases else set()


class FlatTexts:
    """Every clause's `flat` text in one string, newline between them (a flat text holds none), so the clauses
    holding a phrase are found by str.find over the whole index instead of a test per clause. `texts()` gives
    them, asked on the first search (an index whose questions quote nothing never joins them)."""

    def __init__(self, texts: Callable[[], Sequence[str]]):
        self._texts = texts
        self.text, self.starts = "", np.zeros(0, dtype=np.int64)
        self._joined = False

    def _join(self) -> None:
        texts = self._texts()
        starts = np.cumsum([0] + [len(t) + 1 for t in texts[:-1]], dtype=np.int64) if texts else self.starts
        self.text, self.starts, self._joined = "\n".join(texts), starts, True

    def rows_with(self, phrase: str) -> list[int]:
        """Positions of the texts holding `phrase` (flat, no newline), ascending; none for an empty phrase."""
        if not self._joined:
            self._join()
        at, places = (self.text.find(phrase) if phrase else -1), []
        while at >= 0:  # every row holding the phrase has a place here (the phrase holds no newline)
            places.append(at)
            at = self.text.find(phrase, at + len(phrase))
        return np.unique(np.searchsorted(self.starts, places, side="right") - 1).tolist() if places else []


def flat(text: str) -> str:
    """Text as compared for exact matches: NFKC, lower case, no whitespace or Markdown emphasis."""
    return _FLAT_NOISE.sub("", normalize(text))


@lru_cache(maxsize=65536)
def _flat_label(text: str) -> str:
    """`flat` of a heading or path: short, and repeated from clause to clause (a phrase's rows ask for them)."""
    return flat(text)


def title_key(text: str) -> str:
    """A title without brackets, quotes, punctuation or spaces: 《关于…的通知》 and 关于…的通知 compare equal."""
    return _TITLE_NOISE.sub("", normalize(text))


def _by_number(u: Understanding, documents: Sequence[Document]) -> list[Document]:
    out = []
    for cue in u.of("docnumber"):
        want = doc_number_key(cue.text)
        for d in documents:
            have = doc_number_key(d.doc_number)
            # The question's prefix may carry words before the abbreviation (查金发…): compare the tail.
            if want and have and want[1:] == have[1:] and (want[0].endswith(have[0]) or have[0].endswith(want[0])
                                                          or _order_by_name(want[0], d)):
                out.append(d)
    return out


def _order_by_name(prefix: str, d: Document) -> bool:
    """An order number written with the issuer's full name (广东省人民政府令第197号 for 粤府令第197号)."""
    return prefix.endswith("令") and any(name and prefix.endswith(name + "令") for name in d.issuers)


def title_keys(documents: Sequence[Document]) -> list[str]:
    """Each document's `title_key`, in order: what `lookup` compares questions with (kept per index)."""
    return [title_key(d.title) for d in documents]


def _by_title(query: str, keyed: Sequence[tuple[Document, str]]) -> list[Document]:
    q = title_key(query)
    if len(q) < MIN_TITLE_CHARS:
        return []
    full = [d for d, key in keyed if len(key) >= MIN_TITLE_CHARS and key in q]
    if full:
        return sorted(full, key=lambda d: -len(d.title))
    # The question is a piece of exactly one title (staff drop 关于 and the type): that document.
    part = [d for d, key in keyed if q in key]
    return part if len(part) == 1 else []


def _by_short_form(u: Understanding, keyed: Sequence[tuple[Document, str]]) -> list[Document]:
    """Issuing bodies (or their number, or the place) plus the document type: 七部门指导意见, 洛阳 若干措施."""
    types = u.of("doctype")
    scope = [c for c in u.cues if c.kind in ("issuer", "bodies", "region")]
    if types and not scope:
        return _by_subject_and_type(u, keyed)
    if not types:
        return []
    out = []
    for d, title in keyed:
        if not any(title.endswith(t.value) for t in types):
            continue
        if all(in_scope(d, c) for c in scope):
            out.append(d)
    return out if 0 < len(out) <= 2 else []


SUBJECT_CHARS = (3, 16)  # a piece of a title named before its type (碳排放 管理办法, 政府性融资担保基金 指导意见)


def _by_subject_and_type(u: Understanding, keyed: Sequence[tuple[Document, str]]) -> list[Document]:
    """The words just before a document type, when exactly one title of that type holds them: 碳排放管理办法."""
    for cue in u.of("doctype"):
        keys = [(d, key) for d, key in keyed if key.endswith(cue.value)]
        before = title_key(u.query[: cue.start])
        for n in range(min(SUBJECT_CHARS[1], len(before)), SUBJECT_CHARS[0] - 1, -1):
            piece = before[-n:]
            found = [d for d, key in keys if piece in key]
            if len(found) == 1:
                return found
            if found:
                break  # a longer piece held by several titles: a shorter one will not single one out
    return []


def in_scope(d: Document, cue) -> bool:
    """Whether a document is what a scope cue (region, level, issuer, bodies, year) points at."""
    if cue.kind == "issuer":
        return any(cue.value in name or name in cue.value for name in d.issuers)
    if cue.kind == "bodies":
        return len(d.issuers) == int(cue.value) or cue.text in d.title
    if cue.kind == "region":
        return cue.value in d.region
    if cue.kind == "level":
        return d.level == cue.value
    if cue.kind == "year":
        return d.date.startswith(cue.value) or f"〔{cue.value}〕" in d.doc_number
    return False


def _rest(u: Understanding, named: list[Document], how: dict[str, str]) -> str:
    """What the question asks beyond naming the document: 《title》 or 七部门指导意见 taken out."""
    rest = u.residual
    for d in named:
        if how.get(d.id) == "标题":
            key = title_key(d.title)
            squeezed = title_key(rest)
            rest = squeezed.replace(key, " ") if key in squeezed else rest
    if any(how.get(d.id) == "简称" for d in named):
        for cue in u.of("doctype"):
            rest = rest.replace(cue.text, " ")
    return re.sub(r"\s+", " ", rest).strip()


def clause_number(path: str) -> int | None:
    """The number of a clause's last bracketed or 第…条 segment: "三、（十一）" → 11."""
    found = list(CLAUSE_PATH.finditer(path or ""))
    if not found:
        return None
    m = found[-1]
    return chinese_number(m.group(1) or m.group(2) or "")


def _scoped(u: Understanding, documents: Sequence[Document]) -> list[str]:
    """Ids of the documents in every place, issuer, bodies and level the question names (none when it names no
    place, issuer or bodies)."""
    if not any(c.kind in ("region", "issuer", "bodies") for c in u.cues):
        return []
    cues = [c for c in u.cues if c.kind in ("region", "issuer", "bodies", "level")]
    return [d.id for d in documents if all(in_scope(d, c) for c in cues)]


def lookup(u: Understanding, documents: Sequence[Document], clauses: Sequence[Clause],
           flat_text=None, titles: Sequence[str] | None = None, texts: FlatTexts | None = None) -> Lookup:
    """Documents named by 文号, title or short form; clauses named by path in them; rows with quoted phrases.
    `flat_text(row)` gives a clause's flattened text (a cache the caller keeps); `flat` of the text otherwise;
    `titles` the documents' `title_keys` (kept by the caller), computed here otherwise; `texts` the clauses'
    `FlatTexts` (kept by the caller), else each clause is tested for a quoted phrase."""
    out = Lookup()
    keyed = list(zip(documents, title_keys(documents) if titles is None else titles, strict=True))
    for how, found in (("文号", _by_number(u, documents)), ("标题", _by_title(u.query, keyed)),
                       ("简称", _by_short_form(u, keyed))):
        for d in found:
            if d.id not in out.how:
                out.how[d.id] = how
                out.documents.append(d.id)
    # A quoted word inside the title that named the document (…和“三农”发展的指导意见) is part of the title.
    titled = [key for d, key in keyed if out.how.get(d.id) == "标题"] if out.how else []
    paths = [int(c.value) for c in u.of("path")]
    scope = (out.documents or _scoped(u, documents)) if paths else []
    if paths and (out.documents or len(scope) == 1):
        named = set(scope)
        for i, c in enumerate(clauses):
            if c.doc_id in named and clause_number(c.path) in paths:
                out.pinned.append(c.row if c.row >= 0 else i)
    out.rest = _rest(u, [d for d in documents if d.id in out.how], out.how)
    get = flat_text or (lambda row: flat(clauses[row].text))
    for cue in u.of("phrase"):
        if any(title_key(cue.value) and title_key(cue.value) in t for t in titled):
            continue
        want = flat(cue.value)
        found = texts.rows_with(want) if texts else [i for i in range(len(clauses)) if want and want in get(i)]
        rows = [clauses[i].row if clauses[i].row >= 0 else i for i in found]
        out.phrases[cue.value] = rows
        out.headed |= {r for i, r in zip(found, rows, strict=True)
                       if want in _flat_label(clauses[i].heading) or want in _flat_label(clauses[i].path)}
        if not rows:
            out.missing_phrases.append(cue.value)
    return out
