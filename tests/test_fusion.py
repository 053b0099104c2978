"""Fusion is a pure function of the signals and the weights: checked here without building an index."""

from __future__ import annotations

import numpy as np
import pytest

from kb.fusion import ANSWER_SIGNALS, EXTRA_SIGNALS, FusionWeights, fuse, max_norm, minmax


def test_hybrid_weights_each_normalised_retriever():
    w = FusionWeights(bm25=0.3, dense=0.7, heading=0, topic=0, coverage=0, phrase=0)
    out = fuse({"bm25": np.array([4.0, 2.0, 0.0]), "dense": np.array([0.80, 0.90, 0.85])}, w)
    # bm25 / 4 → 1, .5, 0; dense min-max → 0, 1, .5
    assert out == pytest.approx([0.3, 0.3 * 0.5 + 0.7, 0.7 * 0.5])


def test_a_retriever_alone_weighs_one():
    w = FusionWeights(bm25=0.2, dense=0.8)
    assert fuse({"bm25": np.array([3.0, 1.5])}, w) == pytest.approx([1.0, 0.5])
    assert fuse({"dense": np.array([0.2, 0.6])}, w) == pytest.approx([0.0, 1.0])


def test_extra_signals_add_with_their_weights_and_missing_ones_count_nothing():
    w = FusionWeights(bm25=0.5, dense=0.5, heading=0.0, topic=0.05, coverage=0.1, phrase=0.5)
    base = {"bm25": np.array([1.0, 1.0])}
    extra = {"topic": np.array([1.0, 0.0]), "coverage": np.array([0.5, 1.0]), "phrase": np.array([0.0, 1.0])}
    out = fuse(base | extra, w)
    assert out == pytest.approx([1.0 + 0.05 + 0.05, 1.0 + 0.1 + 0.5])
    assert fuse(base, w) == pytest.approx([1.0, 1.0])
    assert set(extra) <= set(EXTRA_SIGNALS)


def test_order_of_candidates_follows_the_signals():
    rng = np.random.default_rng(0)
    bm25, dense, phrase = rng.random(50) * 10, rng.random(50), rng.random(50)
    w = FusionWeights()
    out = fuse({"bm25": bm25, "dense": dense, "phrase": phrase}, w)
    better = phrase + 0.5
    assert (fuse({"bm25": bm25, "dense": dense, "phrase": np.minimum(better, 1.0)}, w) >= out - 1e-12).all()
    assert fuse({}, w).size == 0


def test_normalisers():
    assert max_norm(np.array([2.0, 1.0, 0.0])).tolist() == [1.0, 0.5, 0.0]
    assert max_norm(np.array([0.0, 0.0])).tolist() == [0.0, 0.0]
    assert minmax(np.array([0.5, 0.7, 0.9])).round(3).tolist() == [0.0, 0.5, 1.0]
    assert minmax(np.array([0.8, 0.8])).tolist() == [1.0, 1.0]
    assert minmax(np.array([0.0, 0.0])).tolist() == [0.0, 0.0]


def test_the_full_search_variant_expansion_on_its_own_scale_weights_as_asked_and_grouped_sums():
    w = FusionWeights(bm25=0.4, dense=0.6, expansion=0.8, coverage=0.4, phrase=0.4, topic=0.05, scope=0.8)
    signals = {"expansion": np.array([2.0, 1.0]), "dense": np.array([0.5, 0.9]),
               "coverage": np.array([1.0, 0.5]), "phrase": np.array([0.0, 1.0]), "scope": np.array([1.0, 0.0])}
    # BM25 asked but no question word left: the dense side keeps its hybrid weight.
    out = fuse(signals, w, ANSWER_SIGNALS, both=True)
    assert out == pytest.approx([0.8 + 0.0 + 0.4 + 0.8, 0.4 + 0.6 + 0.2 + 0.4])
    assert fuse(signals, w, ANSWER_SIGNALS)[1] == pytest.approx(0.4 + 1.0 + 0.2 + 0.4)  # dense alone weighs 1
    # A tuple of names is added as one sum, as the figures were measured.
    cov, phrase = np.array([0.1, 0.7]), np.array([0.2, 0.3])
    grouped = fuse({"coverage": cov, "phrase": phrase}, w, (("coverage", "phrase"),))
    assert grouped.tolist() == (np.zeros(2) + (w.coverage * cov + w.phrase * phrase)).tolist()
