"""Quality on judgements as shared/eval/README.md defines them: retrieval (Recall@10, MRR@10, nDCG@10) and comparison."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .errors import QueryError
from .models import Clause

CUTOFF = 10


@dataclass
class Judged:
    doc: str  # source file name
    contains: str


@dataclass
class Query:
    id: str
    query: str
    relevant: list[Judged]


@dataclass
class QueryResult:
    id: str
    query: str
    recall: float
    rr: float
    ndcg: float
    ranked: list[str] = field(default_factory=list)  # clause ids returned
    missed: list[Judged] = field(default_factory=list)


@dataclass
class EvalReport:
    recall: float
    mrr: float
    ndcg: float
    queries: int
    mean_unit_chars: float
    per_query: list[QueryResult] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"recall@10": round(self.recall, 4), "mrr@10": round(self.mrr, 4), "ndcg@10": round(self.ndcg, 4),
                "queries": self.queries, "mean_unit_chars": round(self.mean_unit_chars, 1)}


def normalise(text: str) -> str:
    """Whitespace and Markdown `*` removed, as the judgements are matched."""
    return re.sub(r"[\s*]+", "", text)


def load_queries(path: Path) -> list[Query]:
    try:
        rows = [json.loads(line) for line in Path(path).read_text("utf-8").splitlines() if line.strip()]
        return [Query(r["id"], r["query"], [Judged(j["doc"], j["contains"]) for j in r["relevant"]]) for r in rows]
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as e:
        raise QueryError(f"无法读取评测文件 {path}：{e}") from e


def satisfies(clause: Clause, item: Judged) -> bool:
    return clause.source == item.doc and normalise(item.contains) in normalise(clause.text)


def score_ranking(query: Query, ranked: list[Clause], cutoff: int = CUTOFF) -> QueryResult:
    top = ranked[:cutoff]
    found = [any(satisfies(c, item) for c in top) for item in query.relevant]
    relevant = [any(satisfies(c, item) for item in query.relevant) for c in top]
    rr = next((1.0 / (i + 1) for i, r in enumerate(relevant) if r), 0.0)
    dcg = sum(1.0 / math.log2(i + 2) for i, r in enumerate(relevant) if r)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(cutoff, len(query.relevant))))
    return QueryResult(
        query.id, query.query,
        recall=sum(found) / len(found) if found else 0.0,
        rr=rr,
        ndcg=dcg / ideal if ideal else 0.0,
        ranked=[c.id for c in top],
        missed=[item for item, ok in zip(query.relevant, found, strict=True) if not ok],
    )


def evaluate(search: Callable[[str], list[Clause]], queries: list[Query], cutoff: int = CUTOFF) -> EvalReport:
    """Run every query through `search` (question → ranked clauses) and average the metrics."""
    results, lengths = [], []
    for q in queries:
        ranked = search(q.query)[:cutoff]
        lengths.extend(len(c.text) for c in ranked)
        results.append(score_ranking(q, ranked, cutoff))
    n = len(results) or 1
    return EvalReport(
        recall=sum(r.recall for r in results) / n,
        mrr=sum(r.rr for r in results) / n,
        ndcg=sum(r.ndcg for r in results) / n,
        queries=len(results),
        mean_unit_chars=sum(lengths) / len(lengths) if lengths else 0.0,
        per_query=results,
    )


def evaluate_kb(kb, path: Path, retriever: str = "hybrid", cutoff: int = CUTOFF) -> EvalReport:
    queries = load_queries(path)
    return evaluate(lambda q: [h.clause for h in kb.search(q, k=cutoff, retriever=retriever)], queries, cutoff)


# ---------------------------------------------------------------- comparison judgements


@dataclass
class MeasureJudgement:
    """One measure of dev_compare.jsonl: the clause each judged document's comparison should pick."""

    id: str
    measure: str  # short name, e.g. 供应链金融
    query: str  # the text compared
    expected: list[Judged]
    also: list[Judged] = field(default_factory=list)  # further clauses of a judged document that treat it too


@dataclass
class CompareMiss:
    """A judged (measure, document) pair that does not hold, and what the comparison picked instead."""

    id: str
    measure: str
    doc: str
    contains: str
    status: str  # the row's status (match | weak | none), or "missing" when the document is not indexed
    clause_id: str = ""  # the clause picked, "" when none
    path: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class CompareReport:
    accuracy: float  # share of judged pairs that hold
    pairs: int
    held: int
    per_measure: dict[str, tuple[int, int]] = field(default_factory=dict)  # measure → (held, pairs)
    misses: list[CompareMiss] = field(default_factory=list)
    also: int = 0  # judged further clauses ("also")
    also_found: int = 0  # … among the document's listed clauses
    extra: int = 0  # clauses listed after the first
    extra_judged: int = 0  # … that are a judged clause (expected or also) of that document
    unjudged: int = 0  # (measure, document) pairs the judgements leave out
    unjudged_matched: int = 0  # … where the comparison still names a counterpart

    def to_dict(self) -> dict:
        return {"accuracy": round(self.accuracy, 4), "pairs": self.pairs, "held": self.held,
                "per_measure": {k: list(v) for k, v in self.per_measure.items()},
                "misses": [m.to_dict() for m in self.misses], "also": self.also, "also_found": self.also_found,
                "extra": self.extra, "extra_judged": self.extra_judged, "unjudged": self.unjudged,
                "unjudged_matched": self.unjudged_matched}


def _read_rows(path: Path) -> list[dict]:
    try:
        rows = [json.loads(line) for line in Path(path).read_text("utf-8").splitlines() if line.strip()]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise QueryError(f"无法读取评测文件 {path}：{e}") from e
    if not all(isinstance(r, dict) for r in rows):
        raise QueryError(f"评测文件 {path} 的每一行应是一个 JSON 对象")
    return rows


def is_compare_file(path: Path) -> bool:
    """A comparison file's rows hold "expected" (per-document clauses) where a retrieval file's hold "relevant"."""
    rows = _read_rows(path)
    return bool(rows) and all("expected" in r and "relevant" not in r for r in rows)


def load_comparisons(path: Path) -> list[MeasureJudgement]:
    try:
        return [MeasureJudgement(r["id"], r.get("measure", r["query"]), r["query"],
                                 [Judged(j["doc"], j["contains"]) for j in r["expected"]],
                                 [Judged(j["doc"], j["contains"]) for j in r.get("also", [])])
                for r in _read_rows(path)]
    except (KeyError, TypeError) as e:
        raise QueryError(f"无法读取评测文件 {path}：缺少字段 {e}") from e


def evaluate_compare(kb, path: Path) -> CompareReport:
    """Compare each judged measure across the corpus; a pair holds when the document's best clause has `contains`."""
    from .compare import compare_measure

    held = pairs = 0
    per_measure: dict[str, tuple[int, int]] = {}
    misses: list[CompareMiss] = []
    report = CompareReport(0.0, 0, 0)
    for m in load_comparisons(path):
        rows = {r.document.source: r for r in compare_measure(kb, measure=m.query).rows}
        judged = {j.doc for j in m.expected}
        for source, row in rows.items():
            items = [j for j in m.expected + m.also if j.doc == source]
            if source not in judged:
                report.unjudged += 1
                report.unjudged_matched += bool(row.matches)
                continue
            chosen = [x.clause for x in row.matches]
            for j in m.also:
                if j.doc == source:
                    report.also += 1
                    report.also_found += any(satisfies(c, j) for c in chosen)
            report.extra += max(0, len(chosen) - 1)
            report.extra_judged += sum(any(satisfies(c, j) for j in items) for c in chosen[1:])
        ok = 0
        for item in m.expected:
            row = rows.get(item.doc)
            best = row.matches[0].clause if row is not None and row.matches else None
            if best is not None and satisfies(best, item):
                ok += 1
            else:
                misses.append(CompareMiss(m.id, m.measure, item.doc, item.contains,
                                          row.status if row is not None else "missing",
                                          best.id if best else "", best.path if best else ""))
        held += ok
        pairs += len(m.expected)
        per_measure[m.measure] = (ok, len(m.expected))
    report.accuracy, report.pairs, report.held = (held / pairs if pairs else 0.0), pairs, held
    report.per_measure, report.misses = per_measure, misses
    return report
