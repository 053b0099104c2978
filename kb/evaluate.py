"""Retrieval quality on relevance judgements: Recall@10, MRR@10 and nDCG@10 as shared/eval/README.md defines them."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
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
