"""The in-process backend (the default): bm25s weights and a FAISS index in files beside the build's records."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from kb.bm25 import BM25Index, top_k, unique_tokens

from .base import BackendBase, Candidates, ClauseRow, Selection, Status, no_status

BM25_DIR = "bm25"
DENSE_DIR = "dense"


class LocalBackend(BackendBase):
    """BM25 (`kb.bm25.BM25Index`) and vectors (`kb.dense.DenseIndex`), row i = clause row i, in memory."""

    name = "local"

    def __init__(self, bm25: BM25Index, dense=None):
        self.bm25 = bm25
        self.dense = dense
        self.row_count = bm25.num_docs
        self.dim = dense.dim if dense is not None else None

    @classmethod
    def load(cls, build_dir: Path, with_vectors: bool = True) -> LocalBackend:
        bm25 = BM25Index.load(Path(build_dir) / BM25_DIR)
        dense = None
        if with_vectors:
            from kb.dense import DenseIndex

            dense = DenseIndex.load(Path(build_dir) / DENSE_DIR)
        return cls(bm25, dense)

    def document_frequencies(self, terms: Sequence[str]) -> dict[str, int]:
        return {t: self.bm25.df(t) for t in terms}

    def candidates(self, tokens: Sequence[str] | None, qvec: np.ndarray | None, k: int,
                   where: Selection) -> Candidates:
        """Exactly the search of kb before backends: BM25 scored once over all rows, FAISS with the mask."""
        mask = where.mask
        bm25_all = self.bm25.scores(list(tokens)) if tokens is not None else None
        found = []
        if bm25_all is not None:
            found.append(top_k(bm25_all, k, mask)[0])
        use_dense = qvec is not None and self.dense is not None
        if use_dense:
            found.append(self.dense.search(qvec, k, mask)[0])
        rows = np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)
        if rows.size == 0:
            return Candidates.empty()
        return Candidates(
            rows,
            bm25=bm25_all[rows].astype(np.float64) if bm25_all is not None else None,
            dense=np.asarray(self.dense.scores_for(qvec, rows), dtype=np.float64) if use_dense else None,
        )

    def bm25_scores(self, tokens: Sequence[str], rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64)
        if not unique_tokens(tokens) or rows.size == 0:
            return np.zeros(rows.size, dtype=np.float64)
        return self.bm25.scores(list(tokens))[rows].astype(np.float64)

    def bm25_all(self, tokens: Sequence[str]) -> np.ndarray:
        """Every row's BM25 at once: cheaper here than asking for rows (one bincount)."""
        return self.bm25.scores(list(tokens)).astype(np.float64)

    def vector_scores(self, qvec: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return np.asarray(self._dense().scores_for(qvec, rows), dtype=np.float64)

    def vectors(self, rows: np.ndarray | slice) -> np.ndarray:
        vectors = self._dense().vectors
        return vectors[rows] if isinstance(rows, slice) else vectors[np.asarray(rows, dtype=np.int64)]

    def contains(self, terms: Sequence[str], rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64)
        out = np.zeros((len(terms), rows.size), dtype=bool)
        for i, term in enumerate(terms):
            postings = self.bm25.rows_with(term)  # sorted rows: binary search, not a set per query
            if postings.size and rows.size:
                pos = np.minimum(np.searchsorted(postings, rows), len(postings) - 1)
                out[i] = postings[pos] == rows
        return out

    def _dense(self):
        if self.dense is None:
            from kb.errors import ModelUnavailableError

            raise ModelUnavailableError("索引未包含向量")
        return self.dense


class LocalWriter:
    """Writes the BM25 and FAISS files into the new build folder; the folder's own switch makes them live."""

    name = "local"

    def write(self, build_dir: Path, rows: Sequence[ClauseRow], vectors: np.ndarray | None,
              status: Status = no_status) -> dict:
        with status("建立关键词索引"):
            BM25Index.build([r.tokens for r in rows]).save(Path(build_dir) / BM25_DIR)
        entry: dict = {"name": self.name}
        if vectors is not None:
            from kb.dense import DenseIndex

            with status("建立向量索引"):
                dense = DenseIndex.build(vectors)
                dense.save(Path(build_dir) / DENSE_DIR)
            entry["dense_kind"] = dense.kind
        return entry

    def activate(self, entry: dict) -> None:
        """Nothing beyond the folder switch."""

    def discard(self, entry: dict | None) -> None:
        """The build folder is removed with everything in it."""

    def prune(self, keep: Sequence[dict]) -> None:
        """Old builds' folders are pruned with their files."""
