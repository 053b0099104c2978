"""Records passed between pipeline stages: documents, clauses, tags and search hits."""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field, fields
from functools import cache
from typing import Any

LEVELS = ("national", "provincial", "municipal", "county")
LEVEL_LABELS = {"national": "国家", "provincial": "省级", "municipal": "市级", "county": "县级"}
STATUSES = ("draft", "final")
STATUS_LABELS = {"draft": "征求意见稿", "final": "正式稿"}

# Clause kinds, from the outline parser.
KINDS = ("preamble", "general", "target", "part", "article", "measure", "item", "release", "closing")


@dataclass
class RawDocument:
    """A file read from disk and decoded, before cleaning."""

    source: str  # file name inside the corpus folder, e.g. "001_3b50df308c9c2e77.txt"
    path: str  # absolute path at read time
    format: str  # txt | md | html | pdf | docx
    encoding: str  # e.g. "utf-8", "utf-8-sig", "gb18030", or "binary" for pdf/docx
    text: str  # decoded text, debris not yet removed
    sha256: str  # of the file bytes
    size: int


@dataclass
class Evidence:
    """Why a tag has its value: where it came from and the text that triggered it."""

    value: Any
    source: str  # "catalog" | "extracted" | "derived" | "default"
    evidence: str = ""  # the matched text, rule or catalog key

    def to_dict(self) -> dict:
        return asdict(self)


# How a target's comparator reads as a sign: 不超过/以下/以内 include the bound (≤), 低于/超过 do not.
COMPARATOR_SIGNS = {
    "不超过": "≤", "不高于": "≤", "不大于": "≤", "不多于": "≤", "以下": "≤", "以内": "≤", "最高": "≤", "最多": "≤",
    "不低于": "≥", "不少于": "≥", "不小于": "≥", "以上": "≥", "至少": "≥", "最低": "≥", "达到": "≥",
    "低于": "<", "少于": "<", "慢于": "<", "高于": ">", "超过": ">", "多于": ">", "快于": ">", "不慢于": "≥",
    "约": "≈", "区间": "", "": "=",
}
# goal: what a document wants to reach; criterion: what qualifies or what a product/subsidy is (认定标准, 额度上限);
# baseline: where things stand (截至…末余额14.24亿元); direction: a change with neither number nor reference
# (适度提高不良贷款容忍度). Only goals and criteria are targets proper; the others are labelled as what they are.
TARGET_KINDS = ("goal", "criterion", "baseline", "direction")
TARGET_KIND_LABELS = {"goal": "目标", "criterion": "标准", "baseline": "现状", "direction": "方向"}


@dataclass
class Target:
    """A quantitative target inside a clause: subject + comparator + value + unit, or a reference to compare with.

    "将综合担保费率稳定在1%以下" → metric 综合担保费率, comparator 以下, value 1, unit %: "综合担保费率 ≤ 1%".
    "增速不低于各项贷款平均增速" → value None, reference 各项贷款平均增速: "增速 ≥ 各项贷款平均增速".
    "不良容忍度可较各项贷款不良率提高不超过3个百分点" → reference 各项贷款不良率, change "+", value 3.
    """

    value: float | None  # None for qualitative ones (适度提高, 不低于各项贷款平均增速)
    unit: str  # 个百分点, %, 亿元, 万元, 万美元, 年, 户 …
    comparator: str  # as worded: 不低于 | 不超过 | 以下 | 以上 | 最高 | 达到 | 约 | 区间 | 适度提高 | "" …
    phrase: str  # the phrase it sits in, verbatim
    start: int = 0  # offset of the phrase in the clause text
    end: int = 0
    metric: str = ""  # the subject: what is measured (贷款增速, 综合担保费率 …)
    reference: str = ""  # what it is compared with, when not (only) a number: 各项贷款平均增速, 上年
    change: str = ""  # "+" / "-" when the value is a change against the reference (较…提高不超过3个百分点)
    upper: float | None = None  # a range's upper bound (value is then the lower one)
    deadline: str = ""  # 到2027年, 2025年末前, 三年内
    kind: str = "goal"  # one of TARGET_KINDS

    @property
    def subject(self) -> str:
        return self.metric

    @property
    def sign(self) -> str:
        """≤ ≥ < > ≈ = for a comparison; the comparator itself for a change (适度提高, 提高到, 新增)."""
        return COMPARATOR_SIGNS.get(self.comparator, self.comparator)

    @property
    def quantity(self) -> str:
        """The value side: "1%", "1%–3%", "各项贷款不良率 + 3个百分点", "各项贷款平均增速"."""
        if self.value is None:
            return self.reference
        number = f"{self.value:g}{self.unit}"
        if self.upper is not None:
            number += f"–{self.upper:g}{self.unit}"
        if self.reference:
            return f"{self.reference} {'−' if self.change == '-' else '+'} {number}"
        return number

    @property
    def display(self) -> str:
        """Subject, sign, value: "综合担保费率 ≤ 1%", "制造业贷款增速 ≥ 各项贷款平均增速", "到2027年 … ≥ …"."""
        subject = self.metric or "（未注明指标）"
        quantity = self.quantity
        if quantity:
            text = f"{subject} {self.sign} {quantity}" if self.sign else f"{subject} {quantity}"
        else:
            text = f"{subject} {self.comparator}".strip()  # a directed change: 信用贷款比例 合理提高
        return f"{self.deadline} {text}" if self.deadline else text

    @property
    def kind_label(self) -> str:
        return TARGET_KIND_LABELS.get(self.kind, self.kind)


@dataclass
class TopicTag:
    """A topic from the taxonomy, with the phrases that triggered it."""

    key: str  # English key, e.g. "supply_chain"
    label: str  # Chinese label, e.g. "供应链金融"
    score: float  # strength: weighted count of evidence hits
    evidence: list[str] = field(default_factory=list)


@dataclass
class Clause:
    """One retrievable unit: a numbered measure or item, or an unnumbered paragraph."""

    id: str  # stable: same document text → same id
    doc_id: str
    source: str  # file name of the document
    ordinal: int  # position inside the document, from 0
    kind: str  # one of KINDS
    path: str  # outline path, e.g. "三、（九）" or "二、（一）1."
    heading: str  # e.g. "加强供应链融资提升产业链韧性"
    parents: list[str]  # headings of enclosing parts/measures, outermost first
    text: str  # the full clause text (marker and heading included)
    start: int  # offsets into Document.text
    end: int
    topics: list[TopicTag] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    responsible_units: list[str] = field(default_factory=list)
    row: int = -1  # row number in the index (FAISS, BM25 and the clause table)

    @property
    def topic_keys(self) -> list[str]:
        return [t.key for t in self.topics]

    def to_dict(self) -> dict:
        return _record(self)

    @classmethod
    def from_dict(cls, d: dict) -> Clause:
        d = dict(d)
        d["topics"] = [TopicTag(**t) for t in d.get("topics", [])]
        d["targets"] = [Target(**t) for t in d.get("targets", [])]
        return cls(**_known(cls, d))


@dataclass
class Document:
    """A cleaned, tagged policy document."""

    id: str  # stable: derived from the cleaned text
    source: str  # file name inside the corpus folder
    format: str
    encoding: str
    sha256: str  # of the file bytes
    text: str  # cleaned text; clause offsets point into it
    title: str = ""
    issuers: list[str] = field(default_factory=list)
    doc_number: str = ""  # 文号, e.g. 金发〔2024〕5号
    date: str = ""  # ISO yyyy-mm-dd, or "" when unknown
    level: str = ""  # one of LEVELS, or "" when unknown
    region: str = ""  # e.g. 全国, 江苏省苏州市
    status: str = "final"  # one of STATUSES
    references: list[str] = field(default_factory=list)  # titles of documents it implements, without 《》
    source_url: str = ""
    body_start: int = 0  # the document proper inside a press-release wrapper
    body_end: int = -1
    provenance: dict[str, Evidence] = field(default_factory=dict)  # field → why
    clause_count: int = 0

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS.get(self.level, "未知")

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    def to_dict(self, with_text: bool = True) -> dict:
        d = _record(self)
        if not with_text:
            d.pop("text")
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Document:
        d = dict(d)
        d["provenance"] = {k: Evidence(**v) for k, v in d.get("provenance", {}).items()}
        return cls(**_known(cls, d))


@dataclass
class Hit:
    """A search result: the clause, its document, and how it scored."""

    rank: int
    score: float  # fused score
    clause: Clause
    document: Document
    scores: dict[str, float] = field(default_factory=dict)  # per retriever: bm25, dense, heading …
    matched_terms: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        c, d = self.clause, self.document
        return {
            "rank": self.rank,
            "score": round(self.score, 6),
            "scores": {k: round(v, 6) for k, v in self.scores.items()},
            "source": c.source,
            "clause_id": c.id,
            "path": c.path,
            "heading": c.heading,
            "kind": c.kind,
            "text": c.text,
            "level": d.level,
            "region": d.region,
            "status": d.status,
            "title": d.title,
            "doc_number": d.doc_number,
            "date": d.date,
            "issuers": d.issuers,
            "topics": c.topic_keys,
            "targets": [asdict(t) for t in c.targets],
            "responsible_units": c.responsible_units,
            "matched_terms": self.matched_terms,
        }


_ATOMS = (str, int, float, bool, type(None))


def _record(value: Any) -> Any:
    """What dataclasses.asdict gives, several times faster: a build writes one record per clause (66,000
    for a 50 MB file) and asdict deep-copies every string. Dataclasses, lists, tuples and dicts are
    rebuilt, immutable scalars shared, anything else deep-copied as asdict does."""
    if isinstance(value, _ATOMS):
        return value
    if isinstance(value, list):
        return [v if isinstance(v, _ATOMS) else _record(v) for v in value]
    if isinstance(value, dict):
        return {_record(k): _record(v) for k, v in value.items()}
    if hasattr(type(value), "__dataclass_fields__"):
        return {name: _record(getattr(value, name)) for name in _field_names(type(value))}
    if type(value) is tuple:
        return tuple(_record(v) for v in value)
    return copy.deepcopy(value)


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def _known(cls: type, d: dict) -> dict:
    """Drop keys a dataclass does not have, so older or newer records still load."""
    names = _field_names(cls)
    return {k: v for k, v in d.items() if k in names}


@dataclass
class Filters:
    """Search restrictions, applied before ranking. Empty fields do not restrict."""

    levels: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)  # substring match: "江苏" matches 江苏省苏州市
    issuers: list[str] = field(default_factory=list)  # substring match on any issuer
    topics: list[str] = field(default_factory=list)  # topic keys; a clause needs one of them
    statuses: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)  # document ids or source file names
    kinds: list[str] = field(default_factory=list)  # clause kinds
    date_from: str = ""  # ISO dates, inclusive; documents without a date are excluded when set
    date_to: str = ""

    @property
    def empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))


# ---------------------------------------------------------------- cross-level comparison (kb/compare.py)


def _doc_brief(d: Document) -> dict:
    """The fields a comparison shows for a document."""
    return {
        "source": d.source, "doc_id": d.id, "title": d.title, "level": d.level, "level_label": d.level_label,
        "date": d.date, "region": d.region, "status_doc": d.status, "doc_number": d.doc_number, "issuers": d.issuers,
    }


def _target_dict(t: Target) -> dict:
    return asdict(t) | {"display": t.display, "sign": t.sign, "kind_label": t.kind_label}


@dataclass
class Highlight:
    """A span of a clause's text to mark: a term of the measure ("match") or one other rows lack ("distinct")."""

    start: int
    end: int
    term: str
    kind: str  # "match" | "distinct"

    def to_dict(self) -> dict:
        return asdict(self)


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
            "a": _target_dict(self.a) if self.a else None,
            "b": _target_dict(self.b) if self.b else None,
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
            "topics": c.topic_keys, "targets": [_target_dict(t) for t in c.targets],
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
            "text": c.text, "targets": [_target_dict(t) for t in c.targets],
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
    # Named local schemes: quoted names in a B clause (“险资入洛”, “科创指数”) that A never uses, by B clause id.
    # A clause can have a counterpart and still introduce one.
    local_terms: dict[str, list[str]] = field(default_factory=dict)

    @property
    def matched(self) -> list[Clause]:
        """A clauses with at least one counterpart, in document order."""
        ids = {p.a.id for p in self.pairs}
        return [c for c in self.clauses_a if c.id in ids]

    def counterparts(self, clause_id: str) -> list[AlignedPair]:
        return [p for p in self.pairs if clause_id in (p.a.id, p.b.id)]

    @property
    def counts(self) -> dict[str, int]:
        return {"matched": len(self.matched), "absent": len(self.absent), "local_only": len(self.local_only),
                "pairs": len(self.pairs), "clauses_a": len(self.clauses_a), "clauses_b": len(self.clauses_b)}

    def to_dict(self) -> dict:
        return {
            "a": _doc_brief(self.doc_a), "b": _doc_brief(self.doc_b), "threshold": self.threshold,
            "counts": self.counts,
            "matched": [_clause_brief(c) | {"counterparts": [p.b.id for p in self.pairs if p.a.id == c.id]}
                        for c in self.matched],
            "pairs": [p.to_dict() for p in self.pairs],
            "absent": [_clause_brief(c) for c in self.absent],
            "local_only": [_clause_brief(c) for c in self.local_only],
            "local_terms": self.local_terms,
        }


@dataclass
class CoverageCell:
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

    def to_dict(self) -> dict:
        return asdict(self)


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

    def rows(self) -> list[dict]:
        """Tidy records (one per topic × document) for a heatmap."""
        docs = {d.id: d for d in self.documents}
        return [c.to_dict() | {"title": docs[c.doc_id].title, "date": docs[c.doc_id].date,
                               "level_label": docs[c.doc_id].level_label} for c in self.cells]

    def to_csv(self, path_or_buffer) -> None:
        from .compare import coverage_to_csv

        coverage_to_csv(self, path_or_buffer)

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
