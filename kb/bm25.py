"""Keyword retrieval: a BM25 index over clause tokens (bm25s sparse matrices), row i = clause row i."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from kb.errors import IndexCorruptError, IndexMissingError

META_FILE = "bm25.json"
_EMPTY_ROWS = np.zeros(0, dtype=np.int64)
_EMPTY_SCORES = np.zeros(0, dtype=np.float32)


def unique_tokens(tokens: list[str]) -> list[str]:
    """Query tokens without repeats, first occurrence kept: each query term counts once."""
    return list(dict.fromkeys(t for t in tokens if t))


def lucene_idf(df: int, n: int) -> float:
    """BM25's IDF in the Lucene form, log(1 + (N − df + 0.5) / (df + 0.5)), for a term in df of n rows."""
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def top_k(scores: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Rows with score > 0 (and allowed), best first, ties by row number; at most k of them."""
    if allowed is not None:
        allowed = np.asarray(allowed, dtype=bool)
        if allowed.shape != scores.shape:
            raise ValueError(f"mask has shape {allowed.shape}, index has {scores.shape[0]} rows")
        cand = np.flatnonzero((scores > 0) & allowed)
    else:
        cand = np.flatnonzero(scores > 0)
    if k <= 0 or cand.size == 0:
        return _EMPTY_ROWS, _EMPTY_SCORES
    vals = scores[cand]
    if cand.size > k:
        # Keep everything tied with the k-th value so the final cut is deterministic.
        kth = np.partition(vals, cand.size - k)[cand.size - k]
        keep = vals >= kth
        cand, vals = cand[keep], vals[keep]
    order = np.lexsort((cand, -vals))[:k]
    return cand[order].astype(np.int64), vals[order].astype(np.float32)


class BM25Index:
    """Precomputed BM25 weights in a CSC matrix (vocabulary × rows), scored with one bincount per query.

    bm25s's defaults are used: Lucene BM25 with k1=1.5, b=0.75, i.e.
    idf = ln(1 + (N - df + 0.5) / (df + 0.5)) and tf part = tf / (tf + k1·(1 - b + b·dl/avgdl)).
    """

    def __init__(
        self,
        data: np.ndarray,
        indices: np.ndarray,
        indptr: np.ndarray,
        vocab: dict[str, int],
        num_docs: int,
        params: dict | None = None,
        meta: dict | None = None,
    ):
        self.data = data
        self.indices = indices
        self.indptr = indptr
        self.vocab = vocab
        self.num_docs = int(num_docs)
        self.params = dict(params or {})
        self.meta = dict(meta or {})

    def __len__(self) -> int:
        return self.num_docs

    @classmethod
    def build(
        cls,
        token_lists: list[list[str]],
        k1: float = 1.5,
        b: float = 0.75,
        method: str = "lucene",
        meta: dict | None = None,
    ) -> BM25Index:
        """Index one token list per row; `meta` (e.g. the tokenizer signature) is saved alongside."""
        import bm25s

        token_lists = [list(t) for t in token_lists]
        params = {"k1": k1, "b": b, "method": method, "bm25s_version": bm25s.__version__}
        n = len(token_lists)
        if not any(token_lists):  # bm25s cannot build without a single token
            return cls(
                np.zeros(0, np.float32), np.zeros(0, np.int32), np.zeros(1, np.int64), {}, n, params, meta
            )
        # A sorted vocabulary makes the saved files identical for identical input (bm25s uses a set).
        vocab = {tok: i for i, tok in enumerate(sorted(set().union(*token_lists)))}
        ids = [list(map(vocab.__getitem__, tokens)) for tokens in token_lists]
        retriever = bm25s.BM25(k1=k1, b=b, method=method)
        retriever.index((ids, vocab), create_empty_token=False, show_progress=False)
        s = retriever.scores
        return cls(s["data"], s["indices"], s["indptr"], vocab, n, params, meta)

    def known(self, query_tokens: list[str]) -> list[str]:
        """The query tokens present in the vocabulary (unique, in query order)."""
        return [t for t in unique_tokens(query_tokens) if t in self.vocab]

    def df(self, token: str) -> int:
        """Document frequency: how many rows hold the token (0 when it is not in the vocabulary)."""
        i = self.vocab.get(token)
        return 0 if i is None else int(self.indptr[i + 1] - self.indptr[i])

    def term_idf(self, token: str) -> float:
        """Lucene IDF, the one BM25 scores with (`lucene_idf`); absent tokens at df 0."""
        return lucene_idf(self.df(token), self.num_docs)

    def idf(self, query_tokens: list[str]) -> dict[str, float]:
        """IDF of each known query token (distinct)."""
        return {t: self.term_idf(t) for t in self.known(query_tokens)}

    def rows_with(self, token: str) -> np.ndarray:
        """Rows whose tokens include `token` (sorted)."""
        i = self.vocab.get(token)
        if i is None:
            return np.zeros(0, dtype=np.int64)
        return np.asarray(self.indices[self.indptr[i] : self.indptr[i + 1]])

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        """BM25 score of every row (float32, 0 where no query term occurs)."""
        ids = [self.vocab[t] for t in self.known(query_tokens)]
        if not ids or self.num_docs == 0:
            return np.zeros(self.num_docs, dtype=np.float32)
        starts, ends = self.indptr[ids], self.indptr[np.asarray(ids) + 1]
        if len(ids) == 1:
            rows, weights = self.indices[starts[0] : ends[0]], self.data[starts[0] : ends[0]]
        else:
            rows = np.concatenate([self.indices[a:z] for a, z in zip(starts, ends, strict=True)])
            weights = np.concatenate([self.data[a:z] for a, z in zip(starts, ends, strict=True)])
        return np.bincount(rows, weights=weights, minlength=self.num_docs).astype(np.float32)

    def search(
        self, query_tokens: list[str], k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (rows, scores) among allowed rows with score > 0; the mask applies before ranking."""
        if allowed is not None and len(allowed) != self.num_docs:
            raise ValueError(f"mask has {len(allowed)} entries, index has {self.num_docs} rows")
        if k <= 0 or not self.known(query_tokens):
            return _EMPTY_ROWS, _EMPTY_SCORES
        return top_k(self.scores(query_tokens), k, allowed)

    def save(self, dir: Path) -> None:
        """bm25s's own layout (plain .npy, vocab and params JSON, no pickle) plus `bm25.json`."""
        import bm25s

        dir = Path(dir)
        dir.mkdir(parents=True, exist_ok=True)
        retriever = bm25s.BM25(
            k1=self.params.get("k1", 1.5),
            b=self.params.get("b", 0.75),
            method=self.params.get("method", "lucene"),
        )
        retriever.scores = {
            "data": np.asarray(self.data),
            "indices": np.asarray(self.indices),
            "indptr": np.asarray(self.indptr),
            "num_docs": self.num_docs,
        }
        retriever.vocab_dict = self.vocab
        retriever.nonoccurrence_array = None
        retriever.save(dir, allow_pickle=False, show_progress=False)
        meta = {
            "num_docs": self.num_docs,
            "vocab_size": len(self.vocab),
            "nnz": int(len(self.data)),
            "params": self.params,
            "meta": self.meta,
        }
        tmp = dir / (META_FILE + ".tmp")
        tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(dir / META_FILE)

    @classmethod
    def load(cls, dir: Path, mmap: bool = False) -> BM25Index:
        """Load a saved index; missing → IndexMissingError, unreadable or inconsistent → IndexCorruptError."""
        import bm25s

        dir = Path(dir)
        if not (dir / META_FILE).exists():
            raise IndexMissingError(f"no BM25 index in {dir}")
        try:
            meta = json.loads((dir / META_FILE).read_text(encoding="utf-8"))
            r = bm25s.BM25.load(dir, mmap=mmap, show_progress=False)
            data, indices, indptr = r.scores["data"], r.scores["indices"], r.scores["indptr"]
            vocab = r.vocab_dict
            num_docs = int(meta["num_docs"])
        except Exception as e:  # json, numpy and bm25s raise many kinds on a damaged file
            raise IndexCorruptError(f"BM25 index in {dir} cannot be read: {e}") from e
        problems = []
        if len(indptr) != len(vocab) + 1:
            problems.append(f"indptr has {len(indptr)} entries for {len(vocab)} terms")
        if len(data) != len(indices) or (len(indptr) and int(indptr[-1]) != len(data)):
            problems.append("data, indices and indptr disagree")
        if len(indices) and int(indices.max()) >= num_docs:
            problems.append(f"a row number exceeds {num_docs} rows")
        if int(meta.get("nnz", len(data))) != len(data):
            problems.append(f"{len(data)} weights where {meta['nnz']} were saved")
        if problems:
            raise IndexCorruptError(f"BM25 index in {dir} is inconsistent: " + "; ".join(problems))
        return cls(data, indices, indptr, vocab, num_docs, meta.get("params"), meta.get("meta"))
