"""Sentence vectors: a clause scored by its best sentence, not only by one vector for its 250 characters.

`kb build` embeds each sentence of a clause that has more than one (through the embedding cache, keyed by
content hash like the clause vectors) and writes them beside the build as float16 rows with per-clause offsets;
the manifest records the layout. At query time only the candidates already taken from BM25 and the clause
vectors are rescored (kb/answer.py), so the cost is a few hundred dot products whatever the corpus size, and
the files are memory-mapped, not loaded.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

VECTORS_FILE = "sentence_vectors.npy"
OFFSETS_FILE = "sentence_offsets.npy"
# Part of the corpus hash when a model is in use: a build without sentence vectors is redone (records reused).
LAYOUT = "sentences-1"
MIN_CHARS = 8  # shorter pieces (一是, 同时，) say too little to be scored alone
_END = re.compile(r"(?<=[。；！？!?;])")


def split_sentences(text: str) -> list[str]:
    """The clause's sentences of at least MIN_CHARS characters; [] when it has fewer than two (then the clause
    vector already is the sentence vector)."""
    parts = [s.strip() for s in _END.split(text)]
    parts = [s for s in parts if len(s) >= MIN_CHARS]
    return parts if len(parts) >= 2 else []


@dataclass
class SentenceVectors:
    """Unit vectors of sentences (float16), clause i owning rows offsets[i]:offsets[i + 1]."""

    vectors: np.ndarray
    offsets: np.ndarray

    @classmethod
    def embed(cls, texts: Sequence[str], embed, dim: int) -> SentenceVectors:
        """`embed(list[str]) → (n, dim) unit vectors` over every clause text's sentences (kb.embed_cache)."""
        sentences: list[str] = []
        offsets = [0]
        for text in texts:
            sentences.extend(split_sentences(text))
            offsets.append(len(sentences))
        vecs = np.asarray(embed(sentences), dtype=np.float32) if sentences else np.zeros((0, dim), np.float32)
        return cls(vecs.astype(np.float16), np.asarray(offsets, dtype=np.int64))

    def save(self, build_dir: Path) -> dict:
        np.save(Path(build_dir) / VECTORS_FILE, self.vectors, allow_pickle=False)
        np.save(Path(build_dir) / OFFSETS_FILE, self.offsets, allow_pickle=False)
        return {"layout": LAYOUT, "count": int(self.vectors.shape[0]), "dtype": "float16",
                "files": [VECTORS_FILE, OFFSETS_FILE]}

    @classmethod
    def load(cls, build_dir: Path, clauses: int) -> SentenceVectors | None:
        """The build's sentence vectors, or None when it has none (older builds, no model) or they do not fit."""
        vp, op = Path(build_dir) / VECTORS_FILE, Path(build_dir) / OFFSETS_FILE
        if not (vp.is_file() and op.is_file()):
            return None
        offsets = np.load(op, allow_pickle=False)
        vectors = np.load(vp, mmap_mode="r", allow_pickle=False)
        if offsets.shape != (clauses + 1,) or int(offsets[-1]) != vectors.shape[0]:
            return None
        return cls(vectors, offsets)

    def best(self, qvec: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Per row, the best sentence cosine with the query; NaN for a clause with no sentence rows."""
        rows = np.asarray(rows, dtype=np.int64)
        start, end = self.offsets[rows], self.offsets[rows + 1]
        counts = end - start
        out = np.full(rows.size, np.nan)
        has = counts > 0
        if not has.any():
            return out
        lengths = counts[has]
        bounds = np.concatenate([[0], np.cumsum(lengths)[:-1]])  # where each clause's rows begin in idx
        idx = np.arange(int(lengths.sum())) + np.repeat(start[has] - bounds, lengths)  # every clause's rows, in turn
        sims = np.asarray(self.vectors[idx], dtype=np.float32) @ np.asarray(qvec, dtype=np.float32).ravel()
        out[has] = np.maximum.reduceat(sims, bounds)
        return out
