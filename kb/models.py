"""Records passed between pipeline stages: documents, clauses, tags and search hits."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
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


@dataclass
class Target:
    """A quantitative target inside a clause, e.g. 不良容忍度…提高不超过3个百分点."""

    value: float | None  # None for qualitative ones such as 适度提高
    unit: str  # 个百分点, %, 亿元, 万元, 万美元, 年, 户 …
    comparator: str  # 不低于 | 不超过 | 以下 | 以上 | 最高 | 达到 | 约 | "" …
    phrase: str  # the phrase it sits in
    start: int = 0  # offset of the phrase in the clause text
    end: int = 0
    metric: str = ""  # what is measured, when recognisable (贷款增速, 担保费率 …)

    @property
    def display(self) -> str:
        """"不超过3个百分点"; a qualitative target names what it measures: "贷款增速不低于"."""
        if self.value is None:
            return f"{self.metric}{self.comparator}" or self.phrase[:20]
        return f"{self.comparator}{self.value:g}{self.unit}"


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
        return asdict(self)

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
        d = asdict(self)
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


def _known(cls: type, d: dict) -> dict:
    """Drop keys a dataclass does not have, so older or newer records still load."""
    names = {f.name for f in fields(cls)}
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
