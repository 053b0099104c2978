"""Records passed between pipeline stages: documents, clauses, tags and search hits."""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from functools import cache
from typing import Any

from .text import quote_title

LEVELS = ("national", "provincial", "municipal", "county")
LEVEL_LABELS = {"national": "国家", "provincial": "省级", "municipal": "市级", "county": "县级"}
STATUSES = ("draft", "final")
STATUS_LABELS = {"draft": "征求意见稿", "final": "正式稿"}
LEVEL_ORDER = {level: i for i, level in enumerate(LEVELS)}  # national first; unknown levels sort last

# What a reader is told about where a document field's value came from: stated in the document (its text,
# a web page's information box, a file's front matter), from the catalog, inferred by the tool, or missing.
PROVENANCE_LABELS = {"stated": "文件所载", "catalog": "目录填写", "inferred": "推断", "missing": "未注明"}
INFERRED_MARK = "（推断）"
MISSING_TEXT = "未注明"
# The document fields a citation carries, in the order they are shown.
CITED_FIELDS = ("title", "issuers", "doc_number", "date", "level", "region", "status")
# Fields whose absence is not worth a reviewer's check: many documents have no 文号, and the status is
# always decided (征求意见稿 when the text says so, else 正式稿).
_UNCHECKED_WHEN_MISSING = ("doc_number", "status")


def field_text(name: str, value: Any) -> str:
    """A field's value as readers see it: lists joined with 、, level and status by their Chinese labels."""
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if name == "level":
        return LEVEL_LABELS.get(str(value), str(value)) if value else ""
    if name == "status":
        return STATUS_LABELS.get(str(value), str(value)) if value else ""
    return "" if value is None else str(value)


def marked(text: str, kind: str) -> str:
    """A value as cited: "未注明" when missing, "…（推断）" when inferred, else as is."""
    if kind == "missing" or not text:
        return MISSING_TEXT
    return f"{text}{INFERRED_MARK}" if kind == "inferred" else text

# Clause kinds, from the outline parser.
KINDS = ("preamble", "general", "target", "part", "article", "measure", "item", "release", "closing")
KIND_LABELS = {
    "preamble": "前言", "general": "总则", "target": "目标", "part": "部分", "article": "条文", "measure": "措施",
    "item": "事项", "release": "发布说明", "closing": "结尾",
}  # fmt: skip


@dataclass
class RawDocument:
    """A file read from disk and decoded, before cleaning."""

    source: str  # file name inside the corpus folder, e.g. "001_3b50df308c9c2e77.txt"
    path: str  # absolute path at read time
    format: str  # txt | md | html | pdf | docx | ofd
    encoding: str  # e.g. "utf-8", "utf-8-sig", "gb18030", or "binary" for pdf/docx/ofd
    text: str  # decoded text, debris not yet removed
    sha256: str  # of the file bytes
    size: int
    ocr_pages: list[int] = field(default_factory=list)  # pages (0-based) whose text was recognised by OCR


class Record:
    """A dataclass whose JSON shape is its fields, as they are (asdict)."""

    def to_dict(self) -> dict:
        return asdict(self)  # type: ignore[call-overload]


@dataclass
class Evidence(Record):
    """Why a tag has its value: where it came from and the text that triggered it."""

    value: Any
    source: str  # "catalog" | "extracted" | "derived" | "default"
    evidence: str = ""  # the matched text, rule or catalog key


# How a target's comparator reads as a sign: 不超过/以下/以内 include the bound (≤), 低于/超过 do not.
COMPARATOR_SIGNS = {
    "不超过": "≤", "不高于": "≤", "不大于": "≤", "不多于": "≤", "以下": "≤", "以内": "≤", "最高": "≤", "最多": "≤",
    "不低于": "≥", "不少于": "≥", "不小于": "≥", "以上": "≥", "至少": "≥", "最低": "≥", "达到": "≥",
    "低于": "<", "少于": "<", "慢于": "<", "高于": ">", "超过": ">", "多于": ">", "快于": ">", "不慢于": "≥",
    "满": "≥", "连续": "=", "约": "≈", "区间": "", "": "=",
    # 控制在30% caps it; 稳定在70% / 保持在90% hold it at the figure (…左右 reads 约 ≈, …以下 reads ≤: the suffix wins)
    "控制在": "≤", "稳定在": "=", "保持在": "=",
}
# goal: what a document wants to reach; criterion: what qualifies or what a product/subsidy is (认定标准, 额度上限);
# baseline: where things stand (截至…末余额14.24亿元); direction: a change with neither number nor reference
# (适度提高不良贷款容忍度). Only goals and criteria are targets proper; the others are labelled as what they are.
# penalty: a sanction's amount (处1万元以上3万元以下罚款), which no one compares as a target.
TARGET_KINDS = ("goal", "criterion", "baseline", "direction", "penalty")
TARGET_KIND_LABELS = {"goal": "目标", "criterion": "标准", "baseline": "现状", "direction": "方向", "penalty": "罚则"}


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
    change: str = ""  # "+" / "-": a change against the reference (较…提高不超过3个百分点); "of": a share of it
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
        if self.reference and self.change == "of":  # 不高于承担风险责任的0.5%
            return f"{self.reference}的{number}"
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

    def to_dict(self) -> dict:
        """The record with how it reads (display, sign, kind label), for JSON out; records on disk omit those."""
        return asdict(self) | {"display": self.display, "label": self.label, "sign": self.sign,
                               "kind_label": self.kind_label}

    @property
    def label(self) -> str:
        """As a chip shows it: "综合担保费率 ≤ 1%"; criteria, baselines and directions say what they are."""
        return self.display if self.kind == "goal" else f"{self.kind_label}：{self.display}"


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

    def field_provenance(self, name: str) -> str:
        """Where the field's value came from: stated | catalog | inferred | missing (PROVENANCE_LABELS).
        A value without a provenance record was set by whoever built the record and counts as stated. A
        status decided by the absence of any draft mark is read from the text, so it counts as stated too."""
        ev = self.provenance.get(name)
        if ev is not None and ev.source == "catalog":
            return "catalog"
        if not getattr(self, name, None):
            return "missing"
        if ev is not None and (ev.source == "derived" or (ev.source == "default" and name != "status")):
            return "inferred"
        return "stated"

    def shown(self, name: str) -> str:
        """The field as it is cited: "未注明" when missing, "…（推断）" when inferred."""
        return marked(field_text(name, getattr(self, name, "")), self.field_provenance(name))

    def cited_title(self) -> str:
        """《title》 as cited (the file name when there is none), “（推断）” after a title the program drafted."""
        mark = INFERRED_MARK if self.field_provenance("title") == "inferred" else ""
        return quote_title(self.title or self.source) + mark

    def to_check(self) -> list[str]:
        """Fields a reviewer should check (待核实): the inferred ones, and the missing ones but 文号 and status."""
        return [name for name in CITED_FIELDS if (kind := self.field_provenance(name)) == "inferred"
                or (kind == "missing" and name not in _UNCHECKED_WHEN_MISSING)]

    def provenance_report(self) -> dict:
        """{"fields": {name: {value, provenance, evidence}}, "to_check": [...]} for the cited fields."""
        return {
            "fields": {name: {"value": getattr(self, name), "provenance": self.field_provenance(name),
                              "evidence": self.provenance[name].evidence if name in self.provenance else ""}
                       for name in CITED_FIELDS},
            "to_check": self.to_check(),
        }

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


def finite_or_none(x: float, digits: int = 6) -> float | None:
    """A score for JSON: rounded, and None instead of NaN or infinity (which JSON cannot hold)."""
    return round(x, digits) if math.isfinite(x) else None


@dataclass
class Hit:
    """A search result: the clause, its document, and how it scored."""

    rank: int
    score: float  # fused score
    clause: Clause
    document: Document
    scores: dict[str, float] = field(default_factory=dict)  # per retriever: bm25, dense, heading …
    matched_terms: list[str] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)  # where they occur: offsets into clause.text
    match: str = ""  # 文号匹配 / 标题匹配 / … (exact) / 含全部关键词 / 含部分关键词 / 仅语义相近 (kb/relevance.py)
    relevance: float = 1.0  # the relevance floor's probability for this clause (kb/relevance.py)

    def to_dict(self) -> dict:
        c, d = self.clause, self.document
        return {
            "rank": self.rank,
            "match": self.match,
            "relevance": finite_or_none(self.relevance, 4),
            "score": finite_or_none(self.score),
            "scores": {k: finite_or_none(v) for k, v in self.scores.items()},
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
            "targets": [t.to_dict() for t in c.targets],
            "responsible_units": c.responsible_units,
            "matched_terms": self.matched_terms,
            "spans": [list(sp) for sp in self.spans],
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


def document_order(d: Document) -> tuple:
    """Sort key: national → provincial → municipal → county (unknown last); by date within a level, undated last."""
    return (LEVEL_ORDER.get(d.level, len(LEVELS)), d.date == "", d.date, d.source)


def order_documents(docs: Iterable[Document]) -> list[Document]:
    """Documents in the order every list shows them (see `document_order`)."""
    return sorted(docs, key=document_order)
