"""What a comparison returns: a measure across documents, two documents aligned, coverage, lineage links."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..models import Clause, Document, Record, Target

# How a match status reads, wherever it is shown (CLI, app, exports).
MATCH_LABELS = {"match": "对应", "weak": "可能对应（较弱）", "none": "无对应条款"}

def _doc_brief(d: Document) -> dict:
    """The fields a comparison shows for a document."""
    return {
        "source": d.source, "doc_id": d.id, "title": d.title, "level": d.level, "level_label": d.level_label,
        "date": d.date, "region": d.region, "status_doc": d.status, "doc_number": d.doc_number, "issuers": d.issuers,
    }


@dataclass
class Highlight(Record):
    """A span of a clause's text to mark: a term of the measure ("match") or one other rows lack ("distinct")."""

    start: int
    end: int
    term: str
    kind: str  # "match" | "distinct"


@dataclass
class DiffTerm:
    """A distinctive term of one text that the other lacks, with where it occurs (offsets into that text)."""

    term: str
    spans: list[tuple[int, int]] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"term": self.term, "spans": [list(s) for s in self.spans]}


@dataclass
class TargetPair:
    """Two clauses' targets on the same metric side by side; one side is None when only the other states it."""

    metric: str
    a: Target | None
    b: Target | None

    def to_dict(self) -> dict:
        return {
            "metric": self.metric,
            "a": self.a.to_dict() if self.a else None,
            "b": self.b.to_dict() if self.b else None,
        }


@dataclass
class ClauseDiff:
    """How clause B differs from clause A: targets side by side, responsible units, distinctive terms."""

    targets: list[TargetPair] = field(default_factory=list)
    units_a: list[str] = field(default_factory=list)
    units_b: list[str] = field(default_factory=list)
    only_a: list[DiffTerm] = field(default_factory=list)
    only_b: list[DiffTerm] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "targets": [t.to_dict() for t in self.targets],
            "units_a": self.units_a, "units_b": self.units_b,
            "only_a": [t.to_dict() for t in self.only_a], "only_b": [t.to_dict() for t in self.only_b],
        }


@dataclass
class ClauseMatch:
    """A clause chosen as a document's counterpart to a measure, with how sure we are and what to highlight."""

    clause: Clause
    score: float  # ranking score within its document (not comparable across documents)
    confidence: float  # 0–1, comparable across documents; the status thresholds apply to it
    status: str  # "match" | "weak"
    signals: dict[str, float] = field(default_factory=dict)  # bm25, dense, heading, topic … as measured
    matched_terms: list[str] = field(default_factory=list)
    distinct_terms: list[str] = field(default_factory=list)  # terms this clause has that the other rows lack
    highlights: list[Highlight] = field(default_factory=list)
    diff: ClauseDiff | None = None  # against the comparison's reference clause (the first row's)

    def to_dict(self) -> dict:
        c = self.clause
        return {
            "clause_id": c.id, "path": c.path, "heading": c.heading, "kind": c.kind, "parents": c.parents,
            "text": c.text, "score": round(self.score, 6), "confidence": round(self.confidence, 4),
            "status": self.status, "signals": {k: round(v, 6) for k, v in self.signals.items()},
            "topics": c.topic_keys, "targets": [t.to_dict() for t in c.targets],
            "responsible_units": c.responsible_units, "matched_terms": self.matched_terms,
            "distinct_terms": self.distinct_terms, "highlights": [h.to_dict() for h in self.highlights],
            "diff": self.diff.to_dict() if self.diff else None,
        }


@dataclass
class CompareRow:
    """One document in a comparison: its best clause(s), or none when nothing is close enough."""

    document: Document
    status: str  # "match" | "weak" | "none"
    confidence: float  # of the best clause, even when it fell below the threshold
    matches: list[ClauseMatch] = field(default_factory=list)  # empty when status is "none"

    def to_dict(self) -> dict:
        return _doc_brief(self.document) | {
            "status": self.status, "confidence": round(self.confidence, 4),
            "clauses": [m.to_dict() for m in self.matches],
        }


@dataclass
class Comparison:
    """A measure across documents: rows grouped by level (national first), by date within a level."""

    measure: str  # the free text asked, or "" for a topic-only comparison
    topic: str  # topic key, or ""
    query: str  # the text actually searched
    rows: list[CompareRow] = field(default_factory=list)
    thresholds: dict[str, float] = field(default_factory=dict)  # "match" and "weak" confidence cut-offs

    def by_level(self) -> dict[str, list[CompareRow]]:
        out: dict[str, list[CompareRow]] = {}
        for r in self.rows:
            out.setdefault(r.document.level or "", []).append(r)
        return out

    def row(self, key: str) -> CompareRow:
        """The row of a document, by id or source file name."""
        for r in self.rows:
            if key in (r.document.id, r.document.source):
                return r
        raise KeyError(key)

    def to_dict(self) -> dict:
        return {"measure": self.measure, "topic": self.topic, "query": self.query,
                "thresholds": self.thresholds, "rows": [r.to_dict() for r in self.rows]}


@dataclass
class AlignedPair:
    """A clause of document A and its counterpart in B, with the evidence and the differences."""

    a: Clause
    b: Clause
    score: float  # combined similarity, in standard deviations above the pair of documents' background
    confidence: float  # 0–1; 0.5 at the threshold
    signals: dict[str, float] = field(default_factory=dict)  # dense cosine, lexical overlap, topic cosine
    a_span: tuple[int, int] = (0, 0)  # the best-matching sentences, offsets into each clause's text
    b_span: tuple[int, int] = (0, 0)
    diff: ClauseDiff | None = None

    def to_dict(self) -> dict:
        return {
            "a": _clause_brief(self.a), "b": _clause_brief(self.b), "score": round(self.score, 4),
            "confidence": round(self.confidence, 4), "signals": {k: round(v, 4) for k, v in self.signals.items()},
            "a_span": list(self.a_span), "b_span": list(self.b_span),
            "diff": self.diff.to_dict() if self.diff else None,
        }


def _clause_brief(c: Clause) -> dict:
    return {"clause_id": c.id, "source": c.source, "path": c.path, "heading": c.heading, "kind": c.kind,
            "text": c.text, "targets": [t.to_dict() for t in c.targets],
            "responsible_units": c.responsible_units, "topics": c.topic_keys}


@dataclass
class Alignment:
    """Which clauses of a higher-level document A have counterparts in B, which are absent, and B's own."""

    doc_a: Document
    doc_b: Document
    pairs: list[AlignedPair] = field(default_factory=list)  # one-to-many: an A clause may have several
    absent: list[Clause] = field(default_factory=list)  # A clauses without a counterpart in B
    local_only: list[Clause] = field(default_factory=list)  # B clauses without a counterpart in A
    clauses_a: list[Clause] = field(default_factory=list)  # the clauses compared (preamble etc. left out)
    clauses_b: list[Clause] = field(default_factory=list)
    threshold: float = 0.0
    implements: bool = False  # B may implement A (lower level, a region inside A's, later): kb/compare/lineage.py
    # Named local schemes: quoted names in a B clause (“险资入洛”, “科创指数”) that A never uses, by B clause id.
    # A clause can have a counterpart and still introduce one.
    local_terms: dict[str, list[str]] = field(default_factory=dict)

    @property
    def matched(self) -> list[Clause]:
        """A clauses with at least one counterpart, in document order."""
        ids = {p.a.id for p in self.pairs}
        return [c for c in self.clauses_a if c.id in ids]

    @property
    def counts(self) -> dict[str, int]:
        return {"matched": len(self.matched), "absent": len(self.absent), "local_only": len(self.local_only),
                "pairs": len(self.pairs), "clauses_a": len(self.clauses_a), "clauses_b": len(self.clauses_b)}

    def to_dict(self) -> dict:
        return {
            "a": _doc_brief(self.doc_a), "b": _doc_brief(self.doc_b), "threshold": self.threshold,
            "implements": self.implements,
            "counts": self.counts,
            "matched": [_clause_brief(c) | {"counterparts": [p.b.id for p in self.pairs if p.a.id == c.id]}
                        for c in self.matched],
            "pairs": [p.to_dict() for p in self.pairs],
            "absent": [_clause_brief(c) for c in self.absent],
            "local_only": [_clause_brief(c) for c in self.local_only],
            "local_terms": self.local_terms,
        }


@dataclass
class CoverageCell(Record):
    """How strongly one document covers one topic."""

    topic: str
    topic_label: str
    source: str
    doc_id: str
    level: str
    count: int  # clauses tagged with the topic at or above the minimum score
    strength: float  # sum of those clauses' topic scores
    best: float  # highest topic score of a single clause
    confidence: float  # 0–1 from the best score
    best_clause_id: str = ""


@dataclass
class Coverage:
    """Topics × documents: which document says how much about what."""

    topics: list[tuple[str, str]]  # (key, label) in taxonomy order
    documents: list[Document]  # in comparison order: by level, then date
    cells: list[CoverageCell] = field(default_factory=list)
    min_score: float = 0.0

    def cell(self, topic: str, doc: str) -> CoverageCell:
        for c in self.cells:
            if c.topic == topic and doc in (c.doc_id, c.source):
                return c
        raise KeyError((topic, doc))

    def matrix(self, value: str = "count") -> list[list[float]]:
        """Rows = topics, columns = documents; `value` is count, strength, best or confidence."""
        index = {(c.topic, c.doc_id): c for c in self.cells}
        return [[getattr(index[(t, d.id)], value) for d in self.documents] for t, _ in self.topics]

    def to_dict(self) -> dict:
        return {"min_score": self.min_score, "topics": [list(t) for t in self.topics],
                "documents": [_doc_brief(d) for d in self.documents], "cells": [c.to_dict() for c in self.cells]}


@dataclass
class LineageLink:
    """A document's reference to a higher-level document, resolved to a corpus document when titles match."""

    child: Document
    reference: str  # the title as cited, without 《》
    parent: Document | None = None
    score: float = 0.0  # title similarity of the best candidate (0–1)
    candidate: str = ""  # title of the best candidate, even when below the threshold

    @property
    def resolved(self) -> bool:
        return self.parent is not None

    def to_dict(self) -> dict:
        return {"child": _doc_brief(self.child), "reference": self.reference, "resolved": self.resolved,
                "parent": _doc_brief(self.parent) if self.parent else None, "score": round(self.score, 4),
                "candidate": self.candidate}
