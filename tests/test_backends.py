"""Retrieval backends: the in-process one and Milvus (milvus-lite) answer the same questions the same way.

Tolerance: BM25 and inner products agree to 1e-5 relative (Milvus computes in float32 in another
order, and its BM25 carries a (k1 + 1) factor kb scales back); candidate sets are identical. What
milvus-lite cannot show (the whitespace analyzer, collection-wide BM25 statistics) is checked by
`bench/milvus_smoke.py` against a server.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from kb.backends import Candidates, ClauseRow, RetrievalBackend, Selection, clause_rows
from kb.backends.local import LocalBackend
from kb.models import Filters
from tests.conftest import EVAL

pymilvus = pytest.importorskip("pymilvus", reason="the Milvus tests need kb[milvus]")

from kb.backends.milvus import MilvusConfig, MilvusWriter, engine_token  # noqa: E402
from kb.backends.milvus_search import MilvusBackend, filter_expression  # noqa: E402

RTOL = 1e-5


def _questions() -> list[str]:
    return [json.loads(line)["query"] for line in EVAL.joinpath("dev_queries.jsonl").read_text("utf-8").splitlines()
            if line.strip()]


def _tokens(kb) -> list[list[str]]:
    from kb.build import index_text
    from kb.tokenize import get_tokenizer

    tok = get_tokenizer()
    return [tok.tokenize(index_text(c)) for c in kb.clauses]


@pytest.fixture(scope="module")
def milvus_uri(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("milvus") / "kb.db")


@pytest.fixture(scope="module")
def pair(seed_kb, milvus_uri):
    """(local, milvus) backends over the seed build: the same rows, tokens and vectors."""
    local = LocalBackend.load(seed_kb.build_dir)
    rows = clause_rows(seed_kb.documents, seed_kb.clauses, _tokens(seed_kb))
    writer = MilvusWriter(MilvusConfig(milvus_uri, alias="t"))
    entry = writer.write(seed_kb.build_dir, rows, local.dense.vectors)
    writer.activate(entry)
    return local, MilvusBackend.open(entry), rows


def test_engine_tokens_are_whole_words_and_injective():
    assert engine_token("供应链") == "供应链" and engine_token("5g") == "5g"
    odd = ["保险+期货", "3.5%", "r&d", "zq31", "zq"]
    spelled = [engine_token(t) for t in odd]
    assert all(s.isalnum() and s.isascii() for s in spelled)
    assert len(set(spelled)) == len(odd) and not set(spelled) & set(odd)


def test_both_satisfy_the_interface(pair):
    local, milvus, _ = pair
    assert isinstance(local, RetrievalBackend) and isinstance(milvus, RetrievalBackend)
    assert local.count() == milvus.count() > 100 and local.has_vectors and milvus.has_vectors


def test_bm25_scores_equal_for_every_row(pair, seed_kb):
    local, milvus, _ = pair
    every = np.arange(local.count())
    for q in _questions():
        tokens = seed_kb.query_tokens(q)
        a, b = local.bm25_scores(tokens, every), milvus.bm25_scores(tokens, every)
        assert (a > 0).sum() > 0, q
        np.testing.assert_allclose(b, a, rtol=RTOL, atol=1e-6, err_msg=q)


def test_candidates_equal(pair, seed_kb):
    local, milvus, _ = pair
    for q in _questions()[:12]:
        tokens, qvec = seed_kb.query_tokens(q), seed_kb.query_vector(q)
        for args in ((tokens, None), (None, qvec), (tokens, qvec)):
            a: Candidates = local.candidates(*args, 20, Selection())
            b: Candidates = milvus.candidates(*args, 20, Selection())
            assert a.rows.tolist() == b.rows.tolist(), q
            for name in ("bm25", "dense"):
                x, y = getattr(a, name), getattr(b, name)
                assert (x is None) == (y is None)
                if x is not None:
                    np.testing.assert_allclose(y, x, rtol=RTOL, atol=1e-6)


FILTERS = [
    Filters(levels=["national"]),
    Filters(levels=["county", "municipal"], statuses=["final"]),
    Filters(regions=["江苏"]),
    Filters(regions=["洛阳", "池州"]),
    Filters(regions=["%"]),
    Filters(issuers=["人民银行"]),
    Filters(issuers=["_"]),
    Filters(topics=["insurance", "supply_chain"]),
    Filters(kinds=["measure"]),
    Filters(date_from="2024-01-01"),
    Filters(date_from="2023-01-01", date_to="2024-06-30"),
    Filters(documents=["001_3b50df308c9c2e77.txt"]),
    Filters(documents=["nonexistent", "\"quoted\\"]),
    Filters(regions=["江苏"], topics=["insurance"], kinds=["measure"]),
]


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: filter_expression(f)[:60])
def test_filters_agree_with_the_mask(pair, seed_kb, filters):
    _, milvus, _ = pair
    mask = seed_kb.mask(filters)
    assert milvus.rows_matching(filters).tolist() == np.flatnonzero(mask).tolist()


def test_filtered_candidates_equal(pair, seed_kb):
    local, milvus, _ = pair
    q = _questions()[0]
    tokens, qvec = seed_kb.query_tokens(q), seed_kb.query_vector(q)
    for f in FILTERS:
        where = Selection(f, seed_kb.mask(f))
        a, b = local.candidates(tokens, qvec, 15, where), milvus.candidates(tokens, qvec, 15, where)
        assert a.rows.tolist() == b.rows.tolist(), filter_expression(f)
        assert set(a.rows.tolist()) <= set(np.flatnonzero(where.mask).tolist())


def test_statistics_and_fetches_equal(pair, seed_kb):
    local, milvus, _ = pair
    terms = sorted({t for q in _questions()[:10] for t in seed_kb.query_tokens(q)}) + ["不存在的词"]
    assert milvus.document_frequencies(terms) == local.document_frequencies(terms)
    rows = np.arange(0, local.count(), 3)
    assert (milvus.contains(terms, rows) == local.contains(terms, rows)).all()
    np.testing.assert_allclose(milvus.vectors(rows[::-1]), local.vectors(rows[::-1]), rtol=RTOL, atol=1e-6)
    qvec = seed_kb.query_vector(_questions()[3])
    np.testing.assert_allclose(milvus.vector_scores(qvec, rows), local.vector_scores(qvec, rows), atol=1e-5)


def test_delete_and_upsert_a_document(milvus_uri, seed_kb):
    local = LocalBackend.load(seed_kb.build_dir)
    rows = clause_rows(seed_kb.documents, seed_kb.clauses, _tokens(seed_kb))
    writer = MilvusWriter(MilvusConfig(milvus_uri, alias="edit"))
    entry = writer.write(seed_kb.build_dir, rows, local.dense.vectors)
    m = MilvusBackend.open(entry)
    doc = seed_kb.documents[1].id
    mine = [r for r in rows if r.doc_id == doc]
    q = seed_kb.query_tokens(_questions()[0])
    before = m.candidates(q, None, 200, Selection())
    assert {r.row for r in mine} & set(before.rows.tolist())
    assert m.delete_documents([doc]) == len(mine)
    assert m.count() == len(rows) - len(mine)
    after = m.candidates(q, None, 200, Selection())
    assert not {r.row for r in mine} & set(after.rows.tolist()) and after.rows.size
    assert m.rows_matching(Filters(documents=[doc])).size == 0
    m.upsert(mine, local.dense.vectors[[r.row for r in mine]])
    assert m.count() == len(rows)
    again = m.candidates(q, None, 200, Selection())
    assert again.rows.tolist() == before.rows.tolist()
    writer.discard(entry)


def test_failed_write_leaves_the_serving_collection(milvus_uri, seed_kb, tmp_path):
    local = LocalBackend.load(seed_kb.build_dir)
    rows = clause_rows(seed_kb.documents, seed_kb.clauses, _tokens(seed_kb))
    writer = MilvusWriter(MilvusConfig(milvus_uri, alias="fail"))
    first = writer.write(tmp_path / "b1", rows, local.dense.vectors)
    writer.activate(first)
    assert writer.serving() == first["collection"]
    broken = [*rows[:-1], ClauseRow(**{**rows[-1].__dict__, "tokens": ["词"] * 40_000})]  # over the size limit
    from kb.errors import BackendError

    with pytest.raises(BackendError):
        writer.write(tmp_path / "b2", broken, local.dense.vectors)
    from kb.backends.milvus import client

    assert not client(writer.config).has_collection(writer.collection_for(tmp_path / "b2"))
    assert writer.serving() == first["collection"]
    assert MilvusBackend.open(first).count() == len(rows)
    second = writer.write(tmp_path / "b3", rows, local.dense.vectors)
    writer.activate(second)
    assert writer.serving() == second["collection"]
    writer.prune([second])
    assert not client(writer.config).has_collection(first["collection"])
    assert MilvusBackend.open(second).count() == len(rows)
