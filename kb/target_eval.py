"""Target extraction against hand-written truth: precision and recall of subject + comparator + value + unit.

A truth file has one JSON object per target: ``doc`` (source file name), ``text`` (verbatim words around the
target), ``subject``, ``comparator`` (a sign ≤ ≥ < > = ≈ → ↑ ↓, or the wording 不超过/以下 …), ``value``,
``unit``, ``reference``, ``deadline`` and ``kind`` (goal | criterion); ranges have ``value_max``. An extracted target counts
for a truth target when it sits in the same document at the same words, reads the same way (comparator
sign, value, unit; the reference when there is no value) and names a similar subject. Baselines (statistics
such as 截至…末余额14.24亿元) and bare directions (适度提高…容忍度, with neither number nor reference) are
not targets: they are extracted and labelled as what they are, and count for neither precision nor recall.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

from .errors import QueryError
from .models import COMPARATOR_SIGNS, Clause, Target

SCORED_KINDS = ("goal", "criterion")
SUBJECT_MIN_RATIO = 0.5  # difflib ratio of two subjects (or one inside the other) to count as the same
_CHANGE_TO = re.compile(r"(?:提高|提升|增加|增长|降低|下降|压降|缩短|延长)(?:到|至)|增至|降至|调整为")
_UP = re.compile(r"提高|提升|增加|增长|上调|扩大|上升")
_DOWN = re.compile(r"降低|下降|下调|压降|减少|减低|缩小|降")
_SIGNS = frozenset("≤≥<>=≈→↑↓") | {"区间", "–", "范围"}
_CHANGE_CLASSES = {"提高": "↑", "增长": "↑", "降低": "↓"}  # the truth's words for a change against a reference


def comparator_class(comparator: str) -> str:
    """One sign for the many wordings: 以下/不超过 → ≤, 提高到 → →, 适度提高 → ↑, 降低 → ↓, range → 区间."""
    c = (comparator or "").strip()
    if c in _SIGNS:
        return "区间" if c in ("–", "范围") else c
    if c in COMPARATOR_SIGNS:
        return COMPARATOR_SIGNS[c] or "区间"
    if _CHANGE_TO.search(c):
        return "→"
    if _UP.search(c):
        return "↑"
    if _DOWN.search(c):
        return "↓"
    return c


def _squash(text: str) -> str:
    return re.sub(r"[\s*]+", "", (text or "").replace("％", "%"))


def _similar(a: str, b: str, ratio: float = SUBJECT_MIN_RATIO) -> bool:
    a, b = _squash(a), _squash(b)
    if not a or not b:
        return a == b
    return a in b or b in a or SequenceMatcher(None, a, b, autojunk=False).ratio() >= ratio


def _overlap(a: str, b: str) -> bool:
    """The two texts are (around) the same words: one inside the other, or a long common run."""
    a, b = _squash(a), _squash(b)
    if not a or not b:
        return False
    if a in b or b in a:
        return True
    m = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return m.size >= min(4, len(a), len(b))


@dataclass
class TruthTarget:
    doc: str
    text: str
    subject: str = ""
    comparator: str = ""
    value: float | None = None
    unit: str = ""
    reference: str = ""
    deadline: str = ""
    kind: str = "goal"
    upper: float | None = None

    @classmethod
    def from_dict(cls, d: Mapping) -> TruthTarget:
        value = d.get("value")
        upper = d.get("upper", d.get("value_max"))
        if isinstance(value, list):  # a range written as [low, high]
            value, upper = (value + [None, None])[:2]
        return cls(doc=str(d["doc"]), text=str(d["text"]), subject=str(d.get("subject") or ""),
                   comparator=str(d.get("comparator") or ""), value=None if value is None else float(value),
                   unit=str(d.get("unit") or ""), reference=str(d.get("reference") or ""),
                   deadline=str(d.get("deadline") or ""), kind=str(d.get("kind") or "goal"),
                   upper=None if upper is None else float(upper))


@dataclass
class Found:
    """An extracted target, where it was found."""

    doc: str
    clause_id: str
    clause_text: str
    target: Target

    def to_dict(self) -> dict:
        t = self.target
        return {"doc": self.doc, "clause_id": self.clause_id, "display": t.display, "phrase": t.phrase,
                "kind": t.kind}


@dataclass
class TargetReport:
    truth: int  # scored truth targets (goals and criteria)
    predicted: int  # extracted goals and criteria in the same documents
    matched: int
    kind_agree: int  # matched pairs whose kind agrees
    deadline_agree: int  # matched pairs whose deadline agrees (both empty counts)
    baseline_truth: int = 0
    baseline_found: int = 0  # truth baselines extracted and labelled baseline
    misses: list[dict] = field(default_factory=list)  # truth targets not found
    extras: list[dict] = field(default_factory=list)  # extracted targets the truth does not have
    kind_errors: list[dict] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.truth if self.truth else 1.0

    def to_dict(self) -> dict:
        return asdict(self) | {"precision": round(self.precision, 4), "recall": round(self.recall, 4)}


def load_truth(path: Path) -> list[TruthTarget]:
    try:
        rows = [json.loads(line) for line in Path(path).read_text("utf-8").splitlines() if line.strip()]
        return [TruthTarget.from_dict(r) for r in rows]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise QueryError(f"无法读取指标标注文件 {path}：{e}") from e
    except (KeyError, TypeError, ValueError) as e:
        raise QueryError(f"指标标注文件 {path} 格式有误：{e}") from e


def is_target_file(path: Path) -> bool:
    """A target truth file's rows have "subject" and "comparator" where judgement files have "query"."""
    try:
        first = next(line for line in Path(path).read_text("utf-8").splitlines() if line.strip())
        row = json.loads(first)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, StopIteration):
        return False
    return isinstance(row, dict) and "comparator" in row and "text" in row and "query" not in row


def _agrees(truth: TruthTarget, found: Found) -> bool:
    t = found.target
    if not _overlap(truth.text, t.phrase):
        return False
    want, got = comparator_class(truth.comparator), comparator_class(t.comparator)
    if truth.comparator in _CHANGE_CLASSES:  # 较上年提高2个百分点: a change, however the bound is worded
        if not t.change or _CHANGE_CLASSES[truth.comparator] != ("↑" if t.change == "+" else "↓"):
            if got != _CHANGE_CLASSES[truth.comparator]:
                return False
    elif want != got and not (want == "=" and got == "→"):  # 提高到2000万元 reads as "= 2000万元"
        return False
    if (truth.value is None) != (t.value is None):
        return False
    if truth.value is not None and abs(truth.value - t.value) > 1e-6:
        return False
    if truth.upper is not None and (t.upper is None or abs(truth.upper - t.upper) > 1e-6):
        return False
    if truth.value is not None and _squash(truth.unit) != _squash(t.unit):
        return False
    if truth.value is None and truth.reference and not _similar(truth.reference, t.reference, 0.6):
        return False
    return _similar(truth.subject, t.metric)


def score_targets(clauses: Mapping[str, Sequence[Clause]], truth: Iterable[TruthTarget]) -> TargetReport:
    """Greedy one-to-one matching of truth to extracted targets, document by document, in text order."""
    truth = list(truth)
    found: dict[str, list[Found]] = {
        doc: [Found(doc, c.id, c.text, t) for c in cs for t in c.targets] for doc, cs in clauses.items()}
    report = TargetReport(0, 0, 0, 0, 0)
    used: set[int] = set()
    for tt in truth:
        pool = found.get(tt.doc, [])
        hit = next((f for f in pool if id(f) not in used and _agrees(tt, f)), None)
        if tt.kind == "baseline":
            report.baseline_truth += 1
            if hit is not None:
                used.add(id(hit))
                report.baseline_found += hit.target.kind == "baseline"
            continue
        report.truth += 1
        if hit is None:
            report.misses.append(asdict(tt))
            continue
        used.add(id(hit))
        report.matched += 1
        if hit.target.kind == tt.kind:
            report.kind_agree += 1
        else:
            report.kind_errors.append({"truth": asdict(tt), "found": hit.to_dict()})
        report.deadline_agree += _squash(hit.target.deadline) == _squash(tt.deadline)
    for pool in found.values():
        for f in pool:
            if f.target.kind in SCORED_KINDS:
                report.predicted += 1
                if id(f) not in used:
                    report.extras.append(f.to_dict())
    # A baseline extracted as a goal is an extra too: it was counted among the predicted above.
    return report


def evaluate_targets(corpus: Path, path: Path, only_named: bool = False) -> TargetReport:
    """Extract targets from the documents of `corpus` and score them against the truth in `path`.

    The truth lists every target of the corpus, so a document it never names has none: its extracted targets
    count against precision. `only_named` scores the named documents alone (a truth for part of a corpus).
    """
    from .catalog import load_catalog
    from .ingest import ingest_file
    from .read import SUPPORTED_SUFFIXES

    truth = load_truth(path)
    corpus = Path(corpus)
    catalog = load_catalog(corpus)
    docs = {t.doc for t in truth}
    missing = sorted(d for d in docs if not (corpus / d).is_file())
    if missing:
        raise QueryError(f"指标标注文件提到的文件不在 {corpus}：{'、'.join(missing)}")
    clauses = {}
    for p in sorted(corpus.iterdir()):
        if p.suffix.lower() in SUPPORTED_SUFFIXES and (p.name in docs or not only_named):
            clauses[p.name] = ingest_file(p, catalog_entry=catalog.get(p.name)).clauses
    return score_targets(clauses, truth)
