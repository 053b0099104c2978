"""The on-disk embedding cache: vectors keyed by model and text hash, in append-only shards that concurrent
writers publish atomically; `embed_cached` embeds only what the cache lacks (embedders: kb/embed.py)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from kb.embed import Embedder
from kb.errors import ModelUnavailableError

KEY_BYTES = 32  # sha256 digest
_COMPACT_AT = 32  # merge shards once a model has this many
_ABANDONED_AFTER_S = 3600  # a temporary or unpublished file this old belongs to a crashed writer


def text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def _write_npy(path: Path, array: np.ndarray) -> None:
    """Write to a temporary file, fsync, then rename: readers see the old state or the whole new file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "wb") as f:
            np.save(f, array, allow_pickle=False)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


class _ModelCache:
    """The loaded shards of one model: key → (shard, row)."""

    def __init__(self) -> None:
        self.shards: dict[str, np.ndarray] = {}  # shard stem → vectors (memory-mapped)
        self.where: dict[bytes, tuple[str, int]] = {}
        self.dim: int | None = None


class EmbeddingCache:
    """Passage vectors on disk, keyed by (model spec, sha256 of the text); append-only, no pickle.

    Layout: `<dir>/<model slug>/<stamp>.vec.npy` (float32, n × dim) and `<stamp>.key.npy`
    (uint8, n × 32), written vectors first, keys second, each via a temporary file and
    `os.replace`. A shard counts only once its key file exists and agrees with its vectors, so a
    crash mid-write or a concurrent reader never sees half a shard. Vectors are memory-mapped,
    so loading a model's cache costs about as much as reading its keys.
    """

    def __init__(self, dir: Path):
        self.dir = Path(dir)
        self._models: dict[str, _ModelCache] = {}
        self.hits = 0  # texts served from the cache by embed_cached, over this object's life
        self.misses = 0  # texts embed_cached had to embed (distinct ones, per call)
        self.rejected = 0  # cached rows found invalid (not finite, not unit length) and embedded again

    def model_dir(self, model: str) -> Path:
        slug = re.sub(r"[^A-Za-z0-9._-]+", "_", model).strip("_")[-60:]
        return self.dir / f"{slug}-{hashlib.sha256(model.encode()).hexdigest()[:10]}"

    def _key_files(self, mdir: Path) -> list[Path]:
        return sorted(mdir.glob("*.key.npy")) if mdir.is_dir() else []

    def _refresh(self, model: str) -> _ModelCache:
        """Load shards written since the last look (by us or by another process)."""
        mc = self._models.setdefault(model, _ModelCache())
        for key_file in self._key_files(self.model_dir(model)):
            stem = key_file.name[: -len(".key.npy")]
            if stem in mc.shards:
                continue
            try:
                keys = np.load(key_file, allow_pickle=False)
                vecs = np.load(key_file.with_name(f"{stem}.vec.npy"), mmap_mode="r", allow_pickle=False)
            except (OSError, ValueError):  # removed by a compaction, or damaged: treat as absent
                continue
            if keys.ndim != 2 or keys.shape[1] != KEY_BYTES or vecs.ndim != 2 or len(vecs) != len(keys):
                continue
            if mc.dim is None:
                mc.dim = vecs.shape[1]
            elif vecs.shape[1] != mc.dim:
                continue
            mc.shards[stem] = vecs
            raw = keys.tobytes()
            for row in range(len(keys)):
                # A later shard wins: it holds the re-embedded vector of a row found bad in an earlier one.
                mc.where[raw[row * KEY_BYTES : (row + 1) * KEY_BYTES]] = (stem, row)
        return mc

    def __len__(self) -> int:
        return sum(len(m.where) for m in self._models.values())

    def count(self, model: str) -> int:
        """How many vectors are cached for `model`."""
        return len(self._refresh(model).where)

    def get(self, model: str, keys: list[bytes]) -> tuple[np.ndarray | None, np.ndarray]:
        """(vectors with zero rows for misses, found mask); vectors is None when nothing is cached."""
        mc = self._refresh(model)
        found = np.array([k in mc.where for k in keys], dtype=bool)
        if not found.any() or mc.dim is None:
            return None, found
        out = np.zeros((len(keys), mc.dim), dtype=np.float32)
        wanted: dict[str, tuple[list[int], list[int]]] = {}
        for i, k in enumerate(keys):
            hit = mc.where.get(k)
            if hit is not None:
                dst, src = wanted.setdefault(hit[0], ([], []))
                dst.append(i)
                src.append(hit[1])
        for stem, (dst, src) in wanted.items():  # one fancy-indexed read per shard
            out[dst] = mc.shards[stem][np.asarray(src)]
        # What is read is verified: a NaN or garbage row (a damaged or foreign file) is a miss, embedded again.
        bad = found & ~_valid_rows(out)
        if bad.any():
            for i in np.flatnonzero(bad):
                mc.where.pop(keys[i], None)
            out[bad] = 0.0
            found &= ~bad
            self.rejected += int(bad.sum())
        return out, found

    def dim(self, model: str) -> int | None:
        """The dimension of the vectors cached for `model`, or None when there are none."""
        return self._refresh(model).dim

    def put(self, model: str, keys: list[bytes], vectors: np.ndarray) -> None:
        """Persist new vectors as one shard (keys already cached are skipped)."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if len(keys) != len(vectors):
            raise ValueError(f"{len(keys)} keys for {len(vectors)} vectors")
        mc = self._refresh(model)
        if mc.dim is not None and vectors.ndim == 2 and vectors.shape[1] != mc.dim:
            raise ValueError(f"cache for {model!r} holds dimension {mc.dim}, not {vectors.shape[1]}")
        new = {}
        for k, v in zip(keys, vectors, strict=True):
            if k not in mc.where and k not in new:
                new[k] = v
        if not new:
            return
        mdir = self.model_dir(model)
        mdir.mkdir(parents=True, exist_ok=True)
        meta = mdir / "model.json"
        if not meta.exists():
            tmp = meta.with_name(f".model.json.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
            tmp.write_text(json.dumps({"model": model, "dim": int(vectors.shape[1])}), encoding="utf-8")
            os.replace(tmp, meta)
        self._write_shard(mdir, list(new), np.stack(list(new.values())))
        self._refresh(model)
        if len(mc.shards) >= _COMPACT_AT:
            self.compact(model)

    def _write_shard(self, mdir: Path, keys: list[bytes], vectors: np.ndarray) -> str:
        stem = f"{time.time_ns():020d}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        key_array = np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(len(keys), KEY_BYTES)
        _write_npy(mdir / f"{stem}.vec.npy", vectors)
        _write_npy(mdir / f"{stem}.key.npy", key_array)  # last: its presence publishes the shard
        return stem

    def compact(self, model: str) -> None:
        """Merge a model's shards into one, so loading stays a handful of file reads."""
        mc = self._refresh(model)
        if len(mc.shards) < 2:
            return
        keys = list(mc.where)
        vectors, found = self.get(model, keys)
        mdir = self.model_dir(model)
        if vectors is not None and found.any():
            self._write_shard(mdir, [k for k, ok in zip(keys, found, strict=True) if ok], vectors[found])
        for stem in list(mc.shards):  # key file first, so no reader ever sees keys without vectors
            (mdir / f"{stem}.key.npy").unlink(missing_ok=True)
            (mdir / f"{stem}.vec.npy").unlink(missing_ok=True)
        # Leftovers of crashed writers: unpublished vector files and temporaries, once clearly abandoned.
        cutoff = time.time() - _ABANDONED_AFTER_S
        for path in [*mdir.glob("*.vec.npy"), *mdir.glob(".*.tmp")]:
            if (
                path.name.endswith(".vec.npy")
                and path.with_name(path.name[: -len(".vec.npy")] + ".key.npy").exists()
            ):
                continue
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
            except OSError:
                pass
        self._models.pop(model, None)
        self._refresh(model)


def _valid_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows that are finite and of unit length (or all zero, what an empty text may give)."""
    with np.errstate(all="ignore"):
        finite = np.isfinite(vectors).all(axis=1)
        norms = np.linalg.norm(np.where(finite[:, None], vectors, 0.0), axis=1)
    return finite & ((np.abs(norms - 1.0) < 1e-2) | (norms == 0.0))


def first_occurrences(keys: list[bytes]) -> Iterator[int]:
    seen: set[bytes] = set()
    for i, k in enumerate(keys):
        if k not in seen:
            seen.add(k)
            yield i


def embed_cached(
    embedder: Embedder, texts: list[str], cache: EmbeddingCache | None = None, progress: bool = False
) -> np.ndarray:
    """Passage vectors for `texts`, embedding only those the cache lacks, then caching them.

    The key is the model spec, not the weights: after replacing the files of a local model
    directory in place, delete its cache folder (`EmbeddingCache.model_dir(spec)`).
    """
    if cache is None:
        return embedder.embed_passages(list(texts), progress=progress)
    keys = [text_key(t) for t in texts]
    out, found = cache.get(embedder.name, keys)
    if out is None or out.shape[1] != embedder.dim:
        out, found = np.zeros((len(texts), embedder.dim), dtype=np.float32), np.zeros(len(texts), dtype=bool)
    missing = [i for i in first_occurrences(keys) if not found[i]]
    cache.hits += int(found.sum())
    cache.misses += len(missing)
    if missing:
        vecs = embedder.embed_passages([texts[i] for i in missing], progress=progress)
        if vecs.shape != (len(missing), embedder.dim) or not _valid_rows(vecs).all():
            raise ModelUnavailableError(f"{embedder.name} 输出了无效的向量（非有限值或维度不符），本次不使用向量检索")
        if cache.dim(embedder.name) in (None, embedder.dim):  # else: same spec, another model; don't mix
            cache.put(embedder.name, [keys[i] for i in missing], vecs)
        index = {keys[i]: row for row, i in enumerate(missing)}
        for i, k in enumerate(keys):
            if not found[i]:
                out[i] = vecs[index[k]]
    return out
