"""Fusion is a pure function of the signals and the weights: checked here without building an index."""

from __future__ import annotations

import numpy as np
import pytest

from kb.fusion import EXTRA_SIGNALS, FusionWeights, fuse, max_norm, minmax


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
