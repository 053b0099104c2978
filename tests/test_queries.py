"""Odd questions and filters against the seed index: every one answers with hits or nothing, never an error."""

from __future__ import annotations

import sys
import threading

import pytest

from kb.errors import QueryError
from kb.models import Filters, Hit

ODD_QUERIES = {
    "empty": "",
    "whitespace": " \t\n\u3000 ",
    "long": "出口信用保险支持外贸企业" * 200,  # 2,400 characters
    "punctuation": "，。！？；：、“”（）《》……——,.!?;:()[]{}<>",
    "english": "How does export credit insurance support manufacturers?",
    "emoji": "😀🎉🏭💰",
    "sql": "'; DROP TABLE clauses; --",
    "html": "<script>alert(1)</script>",
    "stop words": "怎么 如何",
    "control characters": "贷款\x00\x01\x1b[31m",
    "one character": "贷",
    "digits": "2024",
    "unpaired surrogate": "贷款\ud800",
    "full-width ascii": "ＳＱＬ　ＤＲＯＰ",
    "regex metacharacters": ".*+?^$()[]{}|\\",
    "mixed": "制造业 loans 贷款 2024年 50%",
}


def check_hits(hits: list[Hit], k: int) -> None:
    assert isinstance(hits, list) and len(hits) <= k
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert all(h.score == h.score for h in hits)  # no NaN
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


@pytest.mark.parametrize("retriever", ["hybrid", "bm25", "dense"])
@pytest.mark.parametrize("name", list(ODD_QUERIES))
def test_odd_queries_answer_sensibly(seed_kb, name, retriever):
    hits = seed_kb.search(ODD_QUERIES[name], k=5, retriever=retriever)
    check_hits(hits, 5)


@pytest.mark.parametrize("name", ["empty", "whitespace"])
def test_blank_queries_return_nothing(seed_kb, name):
    assert seed_kb.search(ODD_QUERIES[name]) == []


def test_long_query_still_finds_its_subject(seed_kb):
    hits = seed_kb.search(ODD_QUERIES["long"], k=5)
    assert hits and any("出口信用保险" in h.clause.text for h in hits)


def test_query_text_is_data_not_code(seed_kb):
    """SQL, HTML and regex characters are searched as text: nothing is executed or interpreted."""
    before = [c.text for c in seed_kb.clauses]
    for name in ("sql", "html", "regex metacharacters"):
        for h in seed_kb.search(ODD_QUERIES[name], k=10):
            assert all(t in h.clause.text.lower() for t in h.matched_terms)
    assert [c.text for c in seed_kb.clauses] == before


def test_keyword_search_of_nothing_searchable_is_empty(seed_kb):
    """Without a known term BM25 has nothing to rank; it returns nothing rather than arbitrary rows."""
    for name in ("punctuation", "emoji", "whitespace"):
        assert seed_kb.search(ODD_QUERIES[name], retriever="bm25") == []


@pytest.mark.parametrize("k", [0, -1, 1, 10_000])
def test_odd_k(seed_kb, k):
    hits = seed_kb.search("贷款", k=k)
    # As many as asked for, up to the clauses that pass the relevance floor (all of them for a big k).
    passing = seed_kb.answer("贷款", k=len(seed_kb.clauses)).hits
    assert len(hits) == max(0, min(k, len(passing))) and len(passing) <= len(seed_kb.clauses)


def test_unknown_retriever_is_a_query_error(seed_kb):
    with pytest.raises(QueryError, match="未知检索方式"):
        seed_kb.search("贷款", retriever="sql")


# ---------------------------------------------------------------------------------------------------
# Filters.


@pytest.mark.parametrize("filters,match", [
    (Filters(levels=["city"]), "未知层级“city”"),
    (Filters(levels=["national", "乡镇"]), "未知层级“乡镇”"),  # 省级 is an alias of provincial
    (Filters(statuses=["published"]), "未知状态"),
    (Filters(date_from="2024/01/01"), "日期"),
    (Filters(date_to="2024"), "日期"),
    (Filters(date_from="2024-13-01"), "日期"),
    (Filters(date_to="昨天"), "日期"),
    (Filters(date_from="2024-W01-1"), "日期"),
])
def test_bad_filter_values_are_query_errors_in_chinese(seed_kb, filters, match):
    with pytest.raises(QueryError, match=match) as info:
        seed_kb.search("贷款", filters=filters)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(info.value))


@pytest.mark.parametrize("filters", [
    Filters(levels=["provincial"]),  # a known level no seed has
    Filters(regions=["西藏"]),
    Filters(issuers=["不存在的机关"]),
    Filters(documents=["no_such_file.txt"]),
    Filters(kinds=["chapter"]),
    Filters(date_from="2030-01-01"),
    Filters(date_to="1990-12-31"),
    Filters(date_from="2025-01-01", date_to="2024-01-01"),  # an empty range
    Filters(levels=["county"], regions=["洛阳"]),  # each matches, together nothing
])
def test_filter_matching_nothing_returns_empty_list(seed_kb, filters):
    for retriever in ("hybrid", "bm25", "dense"):
        assert seed_kb.search("贷款", filters=filters, retriever=retriever) == []


def test_date_ranges_are_inclusive_and_exclude_undated(seed_kb):
    dated = {d.source: d.date for d in seed_kb.documents if d.date}
    undated = {d.source for d in seed_kb.documents if not d.date}
    assert dated and undated

    def sources(**kw) -> set[str]:
        return {h.document.source for h in seed_kb.search("贷款", k=200, filters=Filters(**kw))}

    for source, day in dated.items():
        assert sources(date_from=day, date_to=day) == {source}
    first, last = min(dated.values()), max(dated.values())
    assert sources(date_from=first) == set(dated)
    assert sources(date_to=last) == set(dated)
    assert sources(date_from="2024-01-01", date_to="2024-12-31") == {s for s, d in dated.items() if d[:4] == "2024"}
    assert not sources(date_from=first, date_to=last) & undated


def test_filters_with_odd_queries(seed_kb):
    for query in ODD_QUERIES.values():
        hits = seed_kb.search(query, k=5, filters=Filters(levels=["county"]))
        check_hits(hits, 5)
        assert all(h.document.level == "county" for h in hits)


# ---------------------------------------------------------------------------------------------------
# One loaded index shared by threads (the app serves every session from one).


def test_concurrent_distinct_queries(seed_kb):
    """Many different questions at once: the query-vector cache fills and evicts under contention."""
    errors: list[BaseException] = []

    def ask(t: int) -> None:
        try:
            for i in range(1000):
                check_hits(seed_kb.search(f"贷款{t}-{i}", k=3), 3)
        except BaseException as e:  # noqa: BLE001 - any failure is the finding
            errors.append(e)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible to expose races
    try:
        threads = [threading.Thread(target=ask, args=(t,)) for t in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    finally:
        sys.setswitchinterval(interval)
    assert not errors, errors
