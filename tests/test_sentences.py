"""Sentence vectors (kb/sentences.py): split, scored by the best sentence, written by `kb build`, used by search."""

from __future__ import annotations

import json

import numpy as np
import pytest

from kb.sentences import LAYOUT, OFFSETS_FILE, VECTORS_FILE, SentenceVectors, split_sentences


def test_split_keeps_sentences_of_a_clause_with_several():
    text = "加大投放。鼓励银行业金融机构制定专项信贷计划；优化信贷结构，加大首贷投放力度。一是"
    assert split_sentences(text) == ["鼓励银行业金融机构制定专项信贷计划；", "优化信贷结构，加大首贷投放力度。"]


def test_split_gives_nothing_for_one_sentence():
    assert split_sentences("推动制造业贷款规模和比重合理增长。") == []
    assert split_sentences("") == []


def _unit(v):
    v = np.asarray(v, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_best_is_the_max_sentence_cosine_and_nan_without_sentences():
    vecs = np.stack([_unit([1, 0, 0]), _unit([0, 1, 0]), _unit([1, 1, 0])]).astype(np.float16)
    sv = SentenceVectors(vecs, np.array([0, 2, 2, 3]))  # clause 0: two sentences, 1: none, 2: one
    q = _unit([0, 1, 0])
    got = sv.best(q, np.array([2, 0, 1]))
    assert got[0] == pytest.approx(float(_unit([1, 1, 0]) @ q), abs=1e-3)
    assert got[1] == pytest.approx(1.0, abs=1e-3)
    assert np.isnan(got[2])


def test_embed_and_save_roundtrip(tmp_path):
    texts = ["甲甲甲甲甲甲甲甲。乙乙乙乙乙乙乙乙。", "只有一句话的条款在这里。", "丙丙丙丙丙丙丙丙；丁丁丁丁丁丁丁丁。"]
    seen = []

    def embed(batch):
        seen.extend(batch)
        return np.stack([_unit(np.random.default_rng(len(t) + i).normal(size=4)) for i, t in enumerate(batch)])

    sv = SentenceVectors.embed(texts, embed, 4)
    assert len(seen) == 4 and list(sv.offsets) == [0, 2, 2, 4]
    entry = sv.save(tmp_path)
    assert entry["layout"] == LAYOUT and entry["count"] == 4
    back = SentenceVectors.load(tmp_path, clauses=3)
    assert back is not None and back.vectors.dtype == np.float16
    assert SentenceVectors.load(tmp_path, clauses=5) is None  # offsets for another build: not used


def test_build_writes_sentence_vectors_and_search_uses_them(seed_index, seed_kb):
    from kb.library import Library

    lib = Library.load(seed_index)
    entry = lib.manifest["sentences"]
    assert entry["layout"] == LAYOUT and entry["count"] > len(lib.clauses)
    assert {VECTORS_FILE, OFFSETS_FILE} <= set(lib.manifest["files"])
    assert seed_kb.sentences is not None
    hit = seed_kb.search("首台（套）重大技术装备保险", k=3)[0]
    assert "sentence" in hit.scores and hit.scores["sentence"] >= hit.scores["dense"] - 1e-3


def test_damaged_sentence_file_is_detected(seed_corpus, tmp_path):
    from kb.build import build_index
    from kb.errors import IndexCorruptError
    from kb.search import KnowledgeBase

    index = tmp_path / "index"
    report = build_index(seed_corpus, index, "hash")
    path = report.build_dir / VECTORS_FILE
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(IndexCorruptError):
        KnowledgeBase.load(index)


def test_bm25_only_build_has_no_sentence_vectors(seed_corpus, tmp_path):
    from kb.build import build_index

    report = build_index(seed_corpus, tmp_path / "index", None)
    manifest = json.loads((report.build_dir / "manifest.json").read_text("utf-8"))
    assert not manifest.get("sentences") and not (report.build_dir / VECTORS_FILE).exists()
