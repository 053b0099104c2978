"""KB_BACKEND=milvus end to end on milvus-lite: build, add, search, compare, export and the app answer as the
in-process backend does, and a failed build leaves the previous collection serving.

Tolerance: the same clauses in the same order; fused scores within 1e-6 (BM25 comes back from Milvus in
float32 times (k1 + 1) and is scaled back; vectors are searched exactly on lite, as FAISS does below
50,000 rows). Verified on lite only; what needs a server is in bench/milvus_smoke.py.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from kb.build import build_index
from kb.models import Filters
from kb.search import KnowledgeBase
from tests.conftest import EVAL, SEEDS

pytest.importorskip("pymilvus", reason="the Milvus tests need kb[milvus]")

from kb.backends.milvus import MilvusConfig, MilvusWriter, client  # noqa: E402
from kb.backends.milvus_search import MilvusBackend  # noqa: E402

SCORE_TOL = 1e-6


@pytest.fixture
def milvus_env(tmp_path, monkeypatch):
    uri = str(tmp_path / "milvus.db")
    monkeypatch.setenv("KB_BACKEND", "milvus")
    monkeypatch.setenv("KB_MILVUS_URI", uri)
    return uri


def _writer(uri: str) -> MilvusWriter:
    return MilvusWriter(MilvusConfig(uri))


def _questions() -> list[str]:
    return [json.loads(x)["query"] for x in (EVAL / "dev_queries.jsonl").read_text("utf-8").splitlines() if x.strip()]


def _same_hits(a, b) -> None:
    assert [h.clause.id for h in a] == [h.clause.id for h in b]
    for x, y in zip(a, b, strict=True):
        assert abs(x.score - y.score) <= SCORE_TOL
        assert x.scores.keys() == y.scores.keys()
        assert all(abs(x.scores[k] - y.scores[k]) <= 1e-5 * max(1.0, abs(x.scores[k])) for k in x.scores)
        assert x.matched_terms == y.matched_terms


@pytest.fixture
def milvus_kb(milvus_env, tmp_path):
    report = build_index(SEEDS, tmp_path / "index", "hash", backend=_writer(milvus_env))
    assert report.ok
    return KnowledgeBase.load(tmp_path / "index")


def test_manifest_names_the_collection_and_no_local_index_files(milvus_kb, milvus_env):
    entry = milvus_kb.manifest["backend"]
    assert entry["name"] == "milvus" and entry["uri"] == milvus_env and entry["count"] == len(milvus_kb.clauses)
    assert not (milvus_kb.build_dir / "bm25").exists() and not (milvus_kb.build_dir / "dense").exists()
    assert isinstance(milvus_kb.backend, MilvusBackend) and milvus_kb.has_dense
    assert _writer(milvus_env).serving() == entry["collection"]


def test_search_equals_the_local_backend(milvus_kb, seed_kb):
    for q in _questions():
        for retriever in ("hybrid", "bm25", "dense"):
            _same_hits(seed_kb.search(q, k=10, retriever=retriever), milvus_kb.search(q, k=10, retriever=retriever))


def test_filtered_search_equals_the_local_backend(milvus_kb, seed_kb):
    filters = [Filters(levels=["municipal"]), Filters(regions=["江苏"], topics=["insurance"]),
               Filters(date_from="2024-01-01", kinds=["measure"]), Filters(documents=["003_142beb58a89e468f.txt"]),
               Filters(issuers=["不存在的机关"])]
    for q in _questions()[:8]:
        for f in filters:
            a, b = seed_kb.search(q, k=10, filters=f), milvus_kb.search(q, k=10, filters=f)
            _same_hits(a, b)
            assert all(seed_kb.mask(f)[h.clause.row] for h in b)


def test_dev_figures_equal(milvus_kb, seed_kb):
    from kb.evaluate import evaluate_kb

    for retriever in ("hybrid", "bm25", "dense"):
        a = evaluate_kb(seed_kb, EVAL / "dev_queries.jsonl", retriever).to_dict()
        b = evaluate_kb(milvus_kb, EVAL / "dev_queries.jsonl", retriever).to_dict()
        assert a == b, retriever


def test_compare_and_align_equal(milvus_kb, seed_kb):
    from kb.compare import align, compare_measure

    for q in _questions()[:6]:
        a, b = compare_measure(seed_kb, q), compare_measure(milvus_kb, q)
        assert [(r.document.id, r.status, [m.clause.id for m in r.matches]) for r in a.rows] == \
               [(r.document.id, r.status, [m.clause.id for m in r.matches]) for r in b.rows]
        assert np.allclose([r.confidence for r in a.rows], [r.confidence for r in b.rows], atol=1e-6)
        da, db = [r.to_dict() for r in a.rows], [r.to_dict() for r in b.rows]
        for x, y in zip(da, db, strict=True):  # distinct terms, highlights, diffs: all as the local backend's
            for ca, cb in zip(x["clauses"], y["clauses"], strict=True):
                for key in ("matched_terms", "distinct_terms", "highlights", "diff"):
                    assert ca[key] == cb[key], key
    x, y = align(seed_kb, "001_3b50df308c9c2e77.txt", "000_70838f8e5a3ffbff.txt"), \
        align(milvus_kb, "001_3b50df308c9c2e77.txt", "000_70838f8e5a3ffbff.txt")
    assert [(p.a.id, p.b.id) for p in x.pairs] == [(p.a.id, p.b.id) for p in y.pairs]


def test_cli_build_search_compare_export(milvus_env, tmp_path, capsys, seed_kb):
    from kb.cli import main

    index = tmp_path / "cli_index"
    assert main(["--index", str(index), "build", str(SEEDS), "--model", "hash", "--json"]) == 0
    built = json.loads(capsys.readouterr().out)
    assert built["clauses"] == len(seed_kb.clauses)
    q = "出口信用保险怎么支持外贸制造企业"
    assert main(["--index", str(index), "search", q, "--json", "-k", "5"]) == 0
    got = [json.loads(x)["clause_id"] for x in capsys.readouterr().out.splitlines() if x.strip()]
    assert got == [h.clause.id for h in seed_kb.search(q, k=5)]
    assert main(["--index", str(index), "compare", "供应链金融支持产业链上下游企业融资", "--json"]) == 0
    assert len([x for x in capsys.readouterr().out.splitlines() if x.strip()]) == len(seed_kb.documents)
    out = tmp_path / "cites.md"
    assert main(["--index", str(index), "export", "--query", q, "-k", "3", "-o", str(out)]) == 0
    assert "出口信用保险" in out.read_text("utf-8")
    capsys.readouterr()
    assert main(["--index", str(index), "build", str(SEEDS), "--model", "hash", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["up_to_date"]


def test_add_builds_a_new_collection_reusing_unchanged_documents(milvus_env, tmp_path, seed_corpus):
    index = tmp_path / "index"
    first = build_index(seed_corpus, index, "hash", backend=_writer(milvus_env))
    from tests.conftest import FIXTURES

    shutil.copy(FIXTURES / "provincial_gd.txt", seed_corpus / "provincial_gd.txt")
    second = build_index(seed_corpus, index, "hash", backend=_writer(milvus_env))
    assert second.reused == first.documents and second.documents == first.documents + 1
    assert 0 < second.embedded < second.clauses
    kb = KnowledgeBase.load(index)
    hits = kb.search("广东", k=50, filters=Filters(documents=["provincial_gd.txt"]))
    assert hits and all(h.document.source == "provincial_gd.txt" for h in hits)
    (seed_corpus / "provincial_gd.txt").unlink()
    third = build_index(seed_corpus, index, "hash", backend=_writer(milvus_env))
    assert third.documents == first.documents and third.embedded == 0
    kb = KnowledgeBase.load(index)
    assert not kb.search("广东", k=50, filters=Filters(documents=["provincial_gd.txt"]))
    # Three builds, two kept (kb.store.prune_builds): the first build's collection is gone.
    names = [c for c in client(MilvusConfig(milvus_env)).list_collections() if c.startswith("kb_")]
    rows = [c for c in names if not c.endswith("_df")]
    assert len(rows) == 2 and kb.manifest["backend"]["collection"] in rows
    assert sorted(names) == sorted(rows + [f"{c}_df" for c in rows])  # each with its term table


@pytest.mark.parametrize("stage", ["insert", "manifest", "pointer"])
def test_failed_build_leaves_the_old_collection_serving(milvus_env, tmp_path, seed_corpus, monkeypatch, stage):
    import kb.backends.milvus as milvus_mod
    import kb.store

    index = tmp_path / "index"
    build_index(seed_corpus, index, "hash", backend=_writer(milvus_env))
    before = KnowledgeBase.load(index)
    q = _questions()[0]
    expected = [h.clause.id for h in before.search(q)]
    collections = set(client(MilvusConfig(milvus_env)).list_collections())
    (seed_corpus / "001_3b50df308c9c2e77.txt").write_text("第一条 新的条款：出口信用保险全覆盖。", "utf-8")

    def die(*a, **kw):
        raise RuntimeError(f"injected failure at {stage}")

    if stage == "insert":
        real = milvus_mod.insert_rows

        def half(c, name, rows, vectors, upsert=False):
            real(c, name, rows[: len(rows) // 2], None if vectors is None else vectors[: len(rows) // 2])
            die()

        monkeypatch.setattr(milvus_mod, "insert_rows", half)
    elif stage == "manifest":
        monkeypatch.setattr(kb.store, "write_manifest", die)
    else:
        monkeypatch.setattr(kb.store, "finish_build", die)
    with pytest.raises(Exception, match="injected|写入 Milvus"):
        build_index(seed_corpus, index, "hash", backend=_writer(milvus_env))
    monkeypatch.undo()
    assert set(client(MilvusConfig(milvus_env)).list_collections()) == collections
    assert _writer(milvus_env).serving() == before.manifest["backend"]["collection"]
    after = KnowledgeBase.load(index)
    assert after.build_id == before.build_id and [h.clause.id for h in after.search(q)] == expected


def test_missing_collection_is_reported(milvus_env, tmp_path):
    from kb.errors import IndexMissingError

    index = tmp_path / "index"
    build_index(SEEDS, index, "hash", backend=_writer(milvus_env))
    name = KnowledgeBase.load(index).manifest["backend"]["collection"]
    c = client(MilvusConfig(milvus_env))
    c.drop_alias("kb")
    c.drop_collection(name)
    with pytest.raises(IndexMissingError, match="kb build --force"):
        KnowledgeBase.load(index)


def test_milvus_without_uri_is_a_clear_error(monkeypatch, tmp_path):
    from kb.backends import backend_writer
    from kb.config import load_settings
    from kb.errors import BackendError

    monkeypatch.setenv("KB_BACKEND", "milvus")
    monkeypatch.delenv("KB_MILVUS_URI", raising=False)
    with pytest.raises(BackendError, match="KB_MILVUS_URI"):
        backend_writer(load_settings())
    monkeypatch.setenv("KB_BACKEND", "elastic")
    with pytest.raises(BackendError, match="未知检索后端"):
        backend_writer(load_settings())


def test_app_searches_through_milvus(milvus_env, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    index = tmp_path / "index"
    build_index(SEEDS, index, "hash", backend=_writer(milvus_env))
    monkeypatch.setenv("KB_INDEX", str(index))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.text_input(key="search_q").input("出口信用保险怎么支持外贸制造企业").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(b.key and b.key.startswith("add_001_") for b in at.button)
    at.switch_page("ui/compare.py").run()
    assert not at.exception, [e.value for e in at.exception]
