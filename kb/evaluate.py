"""Quality on judgements as shared/eval/README.md defines them: retrieval (Recall@10, MRR@10, nDCG@10) and comparison."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .errors import QueryError
from .models import Clause, Record

CUTOFF = 10


@dataclass
class Judged:
    doc: str  # source file name
    contains: str


@dataclass
class Query:
    id: str
    query: str
    relevant: list[Judged]  # empty for an off-topic question: the right answer is no answer
    kind: str = ""  # e.g. keyword, colloquial, lookup, offtopic; reported separately

    @property
    def offtopic(self) -> bool:
        return not self.relevant


@dataclass
class QueryResult:
    id: str
    query: str
    recall: float
    rr: float
    ndcg: float
    ranked: list[str] = field(default_factory=list)  # clause ids returned
    missed: list[Judged] = field(default_factory=list)
    kind: str = ""
    offtopic: bool = False  # scored as "returned nothing" (recall/rr/ndcg are 1 when empty, else 0)


@dataclass
class KindFigures:
    """The metrics over the queries of one kind (or the off-topic share answered with nothing)."""

    queries: int
    recall: float = 0.0
    mrr: float = 0.0
    ndcg: float = 0.0
    empty_share: float = 0.0  # off-topic kinds: share of questions that returned nothing

    def to_dict(self) -> dict:
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(self).items()}


@dataclass
class EvalReport:
    recall: float  # over answerable queries only
    mrr: float
    ndcg: float
    queries: int  # answerable queries
    mean_unit_chars: float
    per_query: list[QueryResult] = field(default_factory=list)
    offtopic: int = 0  # questions the corpus cannot answer
    offtopic_empty: float = 0.0  # share of them that returned nothing
    per_kind: dict[str, KindFigures] = field(default_factory=dict)

    def to_dict(self) -> dict:
        out = {"recall@10": round(self.recall, 4), "mrr@10": round(self.mrr, 4), "ndcg@10": round(self.ndcg, 4),
               "queries": self.queries, "mean_unit_chars": round(self.mean_unit_chars, 1)}
        if self.offtopic:
            out |= {"offtopic": self.offtopic, "offtopic_empty": round(self.offtopic_empty, 4)}
        if any(self.per_kind):
            out["per_kind"] = {k: v.to_dict() for k, v in self.per_kind.items()}
        return out


def normalise(text: str) -> str:
    """Whitespace and Markdown `*` removed, as the judgements are matched."""
    return re.sub(r"[\s*]+", "", text)


def load_queries(path: Path) -> list[Query]:
    """Retrieval judgements; a row whose "relevant" list is empty is an off-topic question."""
    try:
        rows = [json.loads(line) for line in Path(path).read_text("utf-8").splitlines() if line.strip()]
        return [Query(r["id"], r["query"], [Judged(j["doc"], j["contains"]) for j in r["relevant"]],
                      str(r.get("kind") or ("offtopic" if not r["relevant"] else "")))
                for r in rows]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, AttributeError) as e:
        raise QueryError(f"无法读取评测文件 {path}：{e}") from e


def satisfies(clause: Clause, item: Judged) -> bool:
    return clause.source == item.doc and normalise(item.contains) in normalise(clause.text)


def relevant_in_index(query: Query, clauses: Iterable[Clause]) -> int:
    """R: how many clauses of the whole index satisfy at least one judged item (the ideal DCG's length)."""
    return sum(1 for c in clauses if any(satisfies(c, item) for item in query.relevant))


def score_ranking(query: Query, ranked: list[Clause], cutoff: int = CUTOFF,
                  relevant_total: int | None = None) -> QueryResult:
    """Metrics of one ranking. `relevant_total` is R over the index (eval/README.md); without it, R is taken as
    the judged items or the relevant clauses returned, whichever is larger, so nDCG never exceeds 1."""
    top = ranked[:cutoff]
    if query.offtopic:
        ok = 1.0 if not top else 0.0
        return QueryResult(query.id, query.query, ok, ok, ok, [c.id for c in top], [], query.kind, True)
    found = [any(satisfies(c, item) for c in top) for item in query.relevant]
    relevant = [any(satisfies(c, item) for item in query.relevant) for c in top]
    rr = next((1.0 / (i + 1) for i, r in enumerate(relevant) if r), 0.0)
    dcg = sum(1.0 / math.log2(i + 2) for i, r in enumerate(relevant) if r)
    total = relevant_total if relevant_total is not None else max(len(query.relevant), sum(relevant))
    total = max(total, sum(relevant))  # a clause returned and relevant is in the index
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(cutoff, total)))
    return QueryResult(
        query.id, query.query,
        recall=sum(found) / len(found) if found else 0.0,
        rr=rr,
        ndcg=dcg / ideal if ideal else 0.0,
        ranked=[c.id for c in top],
        missed=[item for item, ok in zip(query.relevant, found, strict=True) if not ok],
        kind=query.kind,
    )


def _figures(results: list[QueryResult]) -> KindFigures:
    n = len(results) or 1
    if results and all(r.offtopic for r in results):
        return KindFigures(len(results), empty_share=sum(r.ndcg for r in results) / n)
    answerable = [r for r in results if not r.offtopic]
    m = len(answerable) or 1
    return KindFigures(len(answerable), sum(r.recall for r in answerable) / m, sum(r.rr for r in answerable) / m,
                       sum(r.ndcg for r in answerable) / m)


def evaluate(search: Callable[[str], list[Clause]], queries: list[Query], cutoff: int = CUTOFF,
             clauses: Sequence[Clause] | None = None) -> EvalReport:
    """Run every query through `search` (question → ranked clauses) and average the metrics. With `clauses`
    (the whole index) the ideal DCG counts every clause that satisfies a judged item."""
    results, lengths = [], []
    for q in queries:
        ranked = search(q.query)[:cutoff]
        lengths.extend(len(c.text) for c in ranked)
        total = relevant_in_index(q, clauses) if clauses is not None and not q.offtopic else None
        results.append(score_ranking(q, ranked, cutoff, total))
    answerable = [r for r in results if not r.offtopic]
    off = [r for r in results if r.offtopic]
    overall = _figures(answerable)
    kinds: dict[str, list[QueryResult]] = {}
    for r in results:
        kinds.setdefault(r.kind or "", []).append(r)
    return EvalReport(
        recall=overall.recall, mrr=overall.mrr, ndcg=overall.ndcg,
        queries=len(answerable),
        mean_unit_chars=sum(lengths) / len(lengths) if lengths else 0.0,
        per_query=results,
        offtopic=len(off),
        offtopic_empty=sum(r.ndcg for r in off) / len(off) if off else 0.0,
        per_kind={k: _figures(v) for k, v in sorted(kinds.items()) if k},
    )


def evaluate_kb(kb, path: Path, retriever: str = "hybrid", cutoff: int = CUTOFF) -> EvalReport:
    queries = load_queries(path)
    return evaluate(lambda q: [h.clause for h in kb.search(q, k=cutoff, retriever=retriever)], queries, cutoff,
                    clauses=kb.clauses)


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
class CompareMiss(Record):
    """A judged (measure, document) pair that does not hold, and what the comparison picked instead."""

    id: str
    measure: str
    doc: str
    contains: str
    status: str  # the row's status (match | weak | none), or "missing" when the document is not indexed
    clause_id: str = ""  # the clause picked, "" when none
    path: str = ""


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
    unjudged_confident: int = 0  # … as a match rather than a weak guess (可能对应（较弱）)
    held_also: int = 0  # judged pairs whose first clause is the judged one or one of the document's `also`

    def to_dict(self) -> dict:
        return {"accuracy": round(self.accuracy, 4), "pairs": self.pairs, "held": self.held,
                "per_measure": {k: list(v) for k, v in self.per_measure.items()},
                "misses": [m.to_dict() for m in self.misses], "also": self.also, "also_found": self.also_found,
                "extra": self.extra, "extra_judged": self.extra_judged, "unjudged": self.unjudged,
                "unjudged_matched": self.unjudged_matched, "unjudged_confident": self.unjudged_confident, "held_also": self.held_also}


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
                report.unjudged_confident += row.status == "match"
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
                report.held_also += 1
            else:
                report.held_also += best is not None and any(satisfies(best, j) for j in m.also if j.doc == item.doc)
                misses.append(CompareMiss(m.id, m.measure, item.doc, item.contains,
                                          row.status if row is not None else "missing",
                                          best.id if best else "", best.path if best else ""))
        held += ok
        pairs += len(m.expected)
        per_measure[m.measure] = (ok, len(m.expected))
    report.accuracy, report.pairs, report.held = (held / pairs if pairs else 0.0), pairs, held
    report.per_measure, report.misses = per_measure, misses
    return report
