"""BM25 index: scores match a reference Lucene BM25, masks filter before ranking, save/load round-trips."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.bm25 import BM25Index
from kb.errors import IndexCorruptError, IndexMissingError

DOCS = [
    ["供应链", "金融", "应收账款", "票据"],
    ["出口信用保险", "保险", "外贸"],
    ["首台套", "保险", "补贴", "保险"],
    ["不良容忍度", "提高", "小微企业", "贷款"],
    ["供应链", "供应链", "票据", "贷款", "贷款", "信用贷款"],
    [],
    ["绿色金融", "碳减排支持工具", "金融"],
]


def reference_bm25(docs: list[list[str]], query: list[str], k1: float = 1.5, b: float = 0.75) -> list[float]:
    """bm25s's default ("lucene"): idf = ln(1 + (N-df+.5)/(df+.5)), tf part = tf / (tf + k1(1-b+b·dl/avgdl))."""
    n = len(docs)
    avgdl = sum(len(d) for d in docs) / n
    df = Counter(t for d in docs for t in set(d))
    scores = []
    for d in docs:
        tf = Counter(d)
        s = 0.0
        for t in dict.fromkeys(query):  # each distinct query term once
            if tf[t]:
                idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
                s += idf * tf[t] / (tf[t] + k1 * (1 - b + b * len(d) / avgdl))
        scores.append(s)
    return scores


@pytest.fixture(scope="module")
def index() -> BM25Index:
    return BM25Index.build(DOCS)


@pytest.mark.parametrize(
    "query",
    [
        ["供应链"],
        ["保险"],
        ["供应链", "票据", "贷款"],
        ["金融", "金融", "保险"],
        ["提高", "不良容忍度", "未知词"],
    ],
)
def test_scores_match_reference(index, query):
    np.testing.assert_allclose(index.scores(query), reference_bm25(DOCS, query), rtol=1e-5, atol=1e-6)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from("abcdefgh"), max_size=12), min_size=1, max_size=15),
    st.lists(st.sampled_from("abcdefghxyz"), max_size=5),
)
def test_scores_match_reference_on_random_corpora(docs, query):
    idx = BM25Index.build(docs)
    np.testing.assert_allclose(idx.scores(query), reference_bm25(docs, query), rtol=1e-5, atol=1e-6)


def test_search_best_first_positive_only(index):
    rows, scores = index.search(["供应链", "票据"], k=10)
    ref = reference_bm25(DOCS, ["供应链", "票据"])
    assert list(rows) == sorted((i for i, s in enumerate(ref) if s > 0), key=lambda i: -ref[i])
    assert np.all(scores > 0) and np.all(np.diff(scores) <= 0)
    assert rows.dtype == np.int64 and scores.dtype == np.float32
    assert len(index.search(["保险"], k=1)[0]) == 1


def test_mask_applies_before_ranking(index):
    allowed = np.zeros(len(DOCS), dtype=bool)
    allowed[[0, 3]] = True
    rows, _ = index.search(["供应链", "票据", "贷款"], k=1, allowed=allowed)
    assert list(rows) == [0]  # row 4 scores higher but is filtered out, and k=1 still finds row 0
    rows, _ = index.search(["保险"], k=10, allowed=allowed)
    assert rows.size == 0


def test_all_false_mask_returns_nothing(index):
    rows, scores = index.search(["保险"], k=10, allowed=np.zeros(len(DOCS), dtype=bool))
    assert rows.size == 0 and scores.size == 0


def test_mask_of_wrong_length_rejected(index):
    with pytest.raises(ValueError):
        index.search(["保险"], k=3, allowed=np.ones(3, dtype=bool))


def test_unknown_and_empty_queries(index):
    assert index.search(["不存在的词"], k=5)[0].size == 0
    assert index.search([], k=5)[0].size == 0
    assert index.search(["保险"], k=0)[0].size == 0
    assert not index.scores([]).any() and index.scores([]).shape == (len(DOCS),)
    known = index.search(["保险"], k=5)
    mixed = index.search(["不存在的词", "保险"], k=5)
    assert np.array_equal(known[0], mixed[0]) and np.allclose(known[1], mixed[1])
    assert index.known(["保险", "不存在的词", "保险"]) == ["保险"]


def test_rows_follow_input_including_empty_documents():
    idx = BM25Index.build([[], ["甲"], [], ["甲", "乙"]])
    assert len(idx) == 4
    assert set(idx.search(["甲"], k=10)[0]) == {1, 3}
    empty = BM25Index.build([[], []])
    assert len(empty) == 2 and empty.search(["甲"], k=3)[0].size == 0
    assert len(BM25Index.build([])) == 0


def test_save_load_roundtrip(index, tmp_path):
    index.save(tmp_path / "bm25")
    for path in (tmp_path / "bm25").glob("*.npy"):
        np.load(path, allow_pickle=False)  # plain arrays, no pickle
    for mmap in (False, True):
        loaded = BM25Index.load(tmp_path / "bm25", mmap=mmap)
        assert len(loaded) == len(index)
        for query in (["供应链", "票据"], ["保险"], ["不存在"]):
            a, b = index.search(query, 10), loaded.search(query, 10)
            assert np.array_equal(a[0], b[0]) and np.allclose(a[1], b[1])


def test_build_is_deterministic(tmp_path):
    BM25Index.build(DOCS).save(tmp_path / "a")
    BM25Index.build(DOCS).save(tmp_path / "b")
    for name in ("vocab.index.json", "data.csc.index.npy", "indices.csc.index.npy"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_load_errors(index, tmp_path):
    with pytest.raises(IndexMissingError):
        BM25Index.load(tmp_path / "nothing")
    index.save(tmp_path / "bm25")
    data = tmp_path / "bm25" / "data.csc.index.npy"
    data.write_bytes(data.read_bytes()[:-8])
    with pytest.raises(IndexCorruptError):
        BM25Index.load(tmp_path / "bm25")
