"""The metrics: ideal DCG over every clause of the index that satisfies a judged item, per kind, off-topic."""

from __future__ import annotations

import json

import numpy as np
import pytest

from kb.evaluate import Judged, Query, evaluate, load_queries, relevant_in_index, score_ranking
from kb.models import Clause


def _clause(source: str, text: str) -> Clause:
    return Clause(id=f"{source}:{text}", doc_id=source, source=source, ordinal=0, kind="measure", path="",
                  heading="", parents=[], text=text, start=0, end=len(text))


INDEX = [_clause("a.txt", "甲 保险"), _clause("a.txt", "乙 保险"), _clause("b.txt", "保险"), _clause("a.txt", "无关")]


def test_a_judged_string_in_two_clauses_counts_two_and_ndcg_stays_at_most_one():
    q = Query("q", "?", [Judged("a.txt", "保险")])
    assert relevant_in_index(q, INDEX) == 2
    both = score_ranking(q, INDEX[:2], relevant_total=relevant_in_index(q, INDEX))
    assert both.ndcg == pytest.approx(1.0)
    one = score_ranking(q, [INDEX[0], INDEX[3]], relevant_total=2)
    assert one.ndcg == pytest.approx(1 / (1 + 1 / np.log2(3)))
    # Without the index, R is at least what was returned relevant: never above 1.
    assert score_ranking(q, INDEX[:2]).ndcg == pytest.approx(1.0)


def test_offtopic_questions_score_as_returning_nothing():
    q = Query("o", "?", [], "offtopic")
    assert q.offtopic
    assert score_ranking(q, []).ndcg == 1.0 and score_ranking(q, INDEX[:1]).ndcg == 0.0


def test_evaluate_reports_per_kind_and_offtopic_share():
    queries = [Query("k", "保险", [Judged("b.txt", "保险")], "keyword"), Query("o1", "足球", [], "offtopic"),
               Query("o2", "篮球", [], "offtopic")]
    answers = {"保险": [INDEX[2]], "足球": [], "篮球": [INDEX[3]]}
    r = evaluate(lambda q: answers[q], queries, clauses=INDEX)
    assert r.queries == 1 and r.ndcg == 1.0 and r.offtopic == 2 and r.offtopic_empty == 0.5
    assert r.per_kind["keyword"].ndcg == 1.0 and r.per_kind["offtopic"].empty_share == 0.5
    d = r.to_dict()
    assert d["offtopic_empty"] == 0.5 and set(d["per_kind"]) == {"keyword", "offtopic"}


def test_load_queries_reads_kind_and_empty_relevant(tmp_path):
    p = tmp_path / "q.jsonl"
    p.write_text(json.dumps({"id": "a", "query": "x", "relevant": []}) + "\n" +
                 json.dumps({"id": "b", "kind": "lookup", "query": "y", "relevant": [{"doc": "d", "contains": "c"}]}),
                 "utf-8")
    a, b = load_queries(p)
    assert a.offtopic and a.kind == "offtopic" and b.kind == "lookup" and not b.offtopic
