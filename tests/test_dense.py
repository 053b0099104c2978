"""FAISS index: exact vs HNSW recall, filter masks, exact rescoring, save/load and corrupt files."""

from __future__ import annotations

import json

import numpy as np
import pytest

import kb.dense
from kb.dense import DenseIndex
from kb.errors import IndexCorruptError, IndexMissingError


def unit(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    x = rng.standard_normal((n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    return unit(rng, 5000, 64), unit(rng, 40, 64)


@pytest.fixture(scope="module")
def flat(data):
    return DenseIndex.build(data[0])


@pytest.fixture(scope="module")
def hnsw(data):
    return DenseIndex.build(data[0], exact_threshold=100)


def test_kind_follows_threshold(flat, hnsw):
    assert flat.kind == "flat" and hnsw.kind == "hnsw"
    assert len(flat) == len(hnsw) == 5000 and flat.dim == 64


def test_flat_is_exact(flat, data):
    x, queries = data
    for q in queries[:5]:
        rows, scores = flat.search(q, 10)
        expected = np.argsort(-(x @ q), kind="stable")[:10]
        assert list(rows) == list(expected)
        np.testing.assert_allclose(scores, x[rows] @ q, rtol=1e-5)


def test_hnsw_recall_against_exact(flat, hnsw, data):
    recall = np.mean([len(set(flat.search(q, 10)[0]) & set(hnsw.search(q, 10)[0])) / 10 for q in data[1]])
    assert recall >= 0.9


def test_k_bounds(flat, data):
    q = data[1][0]
    assert flat.search(q, 0)[0].size == 0
    small = DenseIndex.build(data[0][:3])
    assert len(small.search(q, 10)[0]) == 3
    empty = DenseIndex.build(np.zeros((0, 64), np.float32))
    assert empty.search(q, 5)[0].size == 0
    with pytest.raises(ValueError):
        flat.search(q[:10], 5)


@pytest.mark.parametrize("fraction", [0.002, 0.05, 0.5, 1.0])
@pytest.mark.parametrize("which", ["flat", "hnsw", "hnsw_graph_filter"])
def test_mask_restricts_before_ranking(request, data, monkeypatch, fraction, which):
    if which == "hnsw_graph_filter":  # force the filtered graph walk instead of exact brute force
        monkeypatch.setattr(kb.dense, "BRUTE_FORCE_MAX_ROWS", 10)
    index = request.getfixturevalue("flat" if which == "flat" else "hnsw")
    x, queries = data
    rng = np.random.default_rng(1)
    allowed = rng.random(len(x)) < fraction
    allowed[0] = True
    rows_ok = np.flatnonzero(allowed)
    hits = 0
    for q in queries[:10]:
        rows, scores = index.search(q, 10, allowed=allowed)
        assert set(rows) <= set(rows_ok)
        assert len(rows) == min(10, len(rows_ok))
        assert np.all(np.diff(scores) <= 1e-6)
        exact = rows_ok[np.argsort(-(x[rows_ok] @ q), kind="stable")[:10]]
        hits += len(set(rows) & set(exact))
    assert hits / (10 * min(10, len(rows_ok))) >= 0.9


def test_all_false_mask_returns_nothing(flat, hnsw, data):
    for index in (flat, hnsw):
        rows, scores = index.search(data[1][0], 10, allowed=np.zeros(len(data[0]), dtype=bool))
        assert rows.size == 0 and scores.size == 0
    with pytest.raises(ValueError):
        flat.search(data[1][0], 10, allowed=np.ones(7, dtype=bool))


def test_scores_for_is_exact(hnsw, data):
    x, queries = data
    rows = np.array([4, 0, 4999, 17])
    np.testing.assert_allclose(hnsw.scores_for(queries[0], rows), x[rows] @ queries[0], rtol=1e-5)
    assert hnsw.scores_for(queries[0], np.array([], dtype=np.int64)).size == 0


@pytest.mark.parametrize("which", ["flat", "hnsw"])
def test_save_load_roundtrip(request, data, tmp_path, which):
    index = request.getfixturevalue(which)
    index.save(tmp_path / "dense")
    for mmap in (False, True):
        loaded = DenseIndex.load(tmp_path / "dense", mmap=mmap)
        assert loaded.kind == which and len(loaded) == len(index)
        for q in data[1][:5]:
            a, b = index.search(q, 10), loaded.search(q, 10)
            assert np.array_equal(a[0], b[0]) and np.allclose(a[1], b[1])


def test_missing_and_corrupt_files(flat, tmp_path):
    with pytest.raises(IndexMissingError):
        DenseIndex.load(tmp_path / "nothing")
    d = tmp_path / "dense"
    flat.save(d)
    index_file = d / "index.faiss"
    good = index_file.read_bytes()

    index_file.write_bytes(good[: len(good) // 2])  # truncated
    with pytest.raises(IndexCorruptError, match="index.faiss"):
        DenseIndex.load(d)

    # same length, garbage content, and no recorded sizes: FAISS itself must fail, and we report it
    meta = json.loads((d / "dense.json").read_text())
    meta.pop("sizes")
    (d / "dense.json").write_text(json.dumps(meta))
    index_file.write_bytes(b"\x00garbage" * (len(good) // 8))
    with pytest.raises(IndexCorruptError, match="index.faiss"):
        DenseIndex.load(d)
    index_file.write_bytes(good[:100])
    with pytest.raises(IndexCorruptError, match="index.faiss"):
        DenseIndex.load(d)

    index_file.write_bytes(good)
    (d / "vectors.npy").write_bytes(b"not an array")
    with pytest.raises(IndexCorruptError, match="vectors.npy"):
        DenseIndex.load(d)
