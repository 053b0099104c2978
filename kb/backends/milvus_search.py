"""Searching a build's Milvus collection: filters as Milvus expressions, candidates, scores and row fetches
(the connection, the schema and writing a build: kb/backends/milvus.py)."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from kb.bm25 import unique_tokens
from kb.errors import BackendError, IndexCorruptError, IndexMissingError

from .base import BackendBase, Candidates, ClauseRow, Selection
from .milvus import (
    BATCH,
    BM25_SCALE,
    HNSW_EF,
    ISSUER_SEP,
    MAX_LIMIT,
    MilvusConfig,
    client,
    df_collection,
    engine_text,
    engine_token,
    first_line,
    get_df,
    insert_rows,
    is_lite,
    put_df,
    term_counts,
)

if TYPE_CHECKING:
    from kb.config import Settings
    from kb.models import Filters

# ---------------------------------------------------------------- filters


def _lit(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _like(value: str) -> str:
    """LIKE pattern "value anywhere", with the pattern's own characters escaped."""
    v = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return _lit(f"%{v}%")


def _in(field: str, values: Sequence[str]) -> str:
    return f"{field} in [{', '.join(_lit(v) for v in values)}]"


def filter_expression(filters: Filters | None) -> str:
    """The Milvus boolean expression selecting what `KnowledgeBase.mask` selects ("" for everything)."""
    if filters is None or filters.empty:
        return ""
    parts = []
    if filters.levels:
        parts.append(_in("level", filters.levels))
    if filters.statuses:
        parts.append(_in("status", filters.statuses))
    regions = [r for r in filters.regions if r]
    if filters.regions:
        parts.append("(" + " or ".join(f"region like {_like(r)}" for r in regions) + ")" if regions else "false")
    issuers = [i for i in filters.issuers if i and ISSUER_SEP not in i]
    if filters.issuers:
        parts.append("(" + " or ".join(f"issuers like {_like(i)}" for i in issuers) + ")" if issuers else "false")
    if filters.documents:
        parts.append(f"({_in('doc_id', filters.documents)} or {_in('source', filters.documents)})")
    if filters.date_from or filters.date_to:
        parts.append('date != ""')
    if filters.date_from:
        parts.append(f"date >= {_lit(filters.date_from)}")
    if filters.date_to:
        parts.append(f"date <= {_lit(filters.date_to)}")
    if filters.topics:
        parts.append(f"array_contains_any(topics, [{', '.join(_lit(t) for t in filters.topics)}])")
    if filters.kinds:
        parts.append(_in("kind", filters.kinds))
    return " and ".join(parts)


def _rows_expr(rows: Sequence[int]) -> str:
    return f"row in [{', '.join(str(int(r)) for r in rows)}]"


def _and(*exprs: str) -> str:
    return " and ".join(f"({e})" for e in exprs if e)




class MilvusBackend(BackendBase):
    """A build's collection, read through pymilvus; the same code for milvus-lite and a server."""

    name = "milvus"

    def __init__(self, config: MilvusConfig, collection: str, count: int, dim: int | None):
        self.config = config
        self.collection = collection
        self.row_count = int(count)
        self.dim = dim
        self._client = client(config)
        self._df: dict[str, int] = {}
        self._df_lock = threading.Lock()

    @classmethod
    def open(cls, entry: dict, settings: Settings | None = None, with_vectors: bool = True) -> MilvusBackend:
        """The collection a manifest's `backend` entry names, at the configured address (or the recorded one)."""
        uri = (settings.milvus_uri if settings is not None and settings.milvus_uri else "") or entry.get("uri", "")
        if not uri:
            raise BackendError("索引写在 Milvus 中，但未设置 KB_MILVUS_URI")
        config = MilvusConfig(uri, settings.milvus_token if settings is not None else "",
                              entry.get("alias", "kb"), entry.get("analyzer", ""))
        backend = cls(config, entry["collection"], entry.get("count", 0),
                      entry.get("dim") if with_vectors else None)
        backend.check()
        return backend

    def check(self) -> None:
        """The collection exists, is loaded and holds the rows the manifest counted."""
        c = self._client
        try:
            for name in (self.collection, df_collection(self.collection)):
                if not c.has_collection(name):
                    raise IndexMissingError(f"Milvus（{self.config.uri}）中没有集合 {name}，请运行 kb build --force")
                c.load_collection(name)
            n = self._query_count("")
        except IndexMissingError:
            raise
        except Exception as e:
            raise BackendError(f"Milvus 集合 {self.collection} 不可用：{first_line(e)}") from e
        if n != self.row_count:
            raise IndexCorruptError(
                f"Milvus 集合 {self.collection} 有 {n} 行，索引清单记录 {self.row_count} 行，请运行 kb build --force")

    def _query_count(self, expr: str) -> int:
        res = self._client.query(self.collection, filter=expr, output_fields=["count(*)"])
        return int(res[0]["count(*)"])

    def document_frequencies(self, terms: Sequence[str]) -> dict[str, int]:
        """From the collection's term table (written with the rows, kept up to date by upsert and delete),
        looked up by key once per term, then remembered. (TEXT_MATCH counts would need no table, but take
        seconds a term on milvus-lite.)"""
        wanted = [t for t in dict.fromkeys(terms) if t not in self._df]
        if wanted:
            found = get_df(self._client, df_collection(self.collection), [engine_token(t) for t in wanted])
            with self._df_lock:
                for t in wanted:
                    self._df[t] = found.get(engine_token(t), 0)
        return {t: self._df[t] for t in terms}

    def candidates(self, tokens: Sequence[str] | None, qvec: np.ndarray | None, k: int,
                   where: Selection) -> Candidates:
        if k <= 0:
            return Candidates.empty()
        expr = filter_expression(where.filters)
        bm25: dict[int, float] = {}
        dense: dict[int, float] = {}
        found: list[int] = []
        terms = unique_tokens(tokens) if tokens is not None else []
        if terms:
            bm25 = self._bm25_search(terms, min(MAX_LIMIT, 2 * k), expr)
            found += _top(bm25, k, positive=True)
        use_dense = qvec is not None and self.has_vectors
        if use_dense:
            dense = self._dense_search(qvec, min(MAX_LIMIT, 2 * k), expr)
            found += _top(dense, k)
        rows = np.unique(np.asarray(found, dtype=np.int64))
        if rows.size == 0:
            return Candidates.empty()
        out = Candidates(rows)
        if tokens is not None:
            missing = [int(r) for r in rows if int(r) not in bm25]
            if missing and terms:
                bm25.update(zip(missing, self.bm25_scores(terms, np.asarray(missing)), strict=True))
            out.bm25 = np.array([bm25.get(int(r), 0.0) for r in rows], dtype=np.float64)
        if use_dense:
            # Exact for every candidate, as FAISS's scores_for: HNSW distances are approximate on a server.
            out.dense = self.vector_scores(qvec, rows)
        return out

    def _bm25_search(self, terms: list[str], limit: int, expr: str) -> dict[int, float]:
        res = self._client.search(
            self.collection, data=[engine_text(terms)], anns_field="sparse", limit=limit, filter=expr,
            output_fields=["row"], search_params={"metric_type": "BM25"})
        # milvus-lite returns BM25 negated; a server positive. Either way the magnitude is the score.
        return {int(h["row"]): abs(float(h["distance"])) * BM25_SCALE for h in res[0]}

    def _dense_search(self, qvec: np.ndarray, limit: int, expr: str) -> dict[int, float]:
        params = {"metric_type": "IP"}
        if not is_lite(self.config.uri):
            params["params"] = {"ef": max(HNSW_EF, limit)}
        res = self._client.search(
            self.collection, data=[np.asarray(qvec, dtype=np.float32).tolist()], anns_field="vec",
            limit=limit, filter=expr, output_fields=["row"], search_params=params)
        return {int(h["row"]): float(h["distance"]) for h in res[0]}

    def bm25_scores(self, tokens: Sequence[str], rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64)
        terms = unique_tokens(tokens)
        out = np.zeros(rows.size, dtype=np.float64)
        if not terms or rows.size == 0:
            return out
        got: dict[int, float] = {}
        for chunk in _chunks(rows.tolist(), MAX_LIMIT):
            got.update(self._bm25_search(terms, len(chunk), _rows_expr(chunk)))
        return np.array([got.get(int(r), 0.0) for r in rows], dtype=np.float64)

    def vector_scores(self, qvec: np.ndarray, rows: np.ndarray) -> np.ndarray:
        q = np.asarray(qvec, dtype=np.float32).reshape(-1)
        return (self.vectors(rows) @ q).astype(np.float64)

    def vectors(self, rows: np.ndarray | slice) -> np.ndarray:
        if isinstance(rows, slice):
            rows = np.arange(self.row_count)[rows]
        if not self.has_vectors:
            from kb.errors import ModelUnavailableError

            raise ModelUnavailableError("索引未包含向量")
        got = self._fetch(rows, "vec")
        return np.array([got[int(r)] for r in np.asarray(rows, dtype=np.int64)], dtype=np.float32).reshape(
            -1, self.dim)

    def contains(self, terms: Sequence[str], rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64)
        texts = self._fetch(rows, "text")
        words = {int(r): set(texts[int(r)].split()) for r in rows}
        return np.array([[engine_token(t) in words[int(r)] for r in rows] for t in terms], dtype=bool).reshape(
            len(terms), rows.size)

    def _fetch(self, rows: np.ndarray, field: str) -> dict[int, object]:
        out: dict[int, object] = {}
        for chunk in _chunks(sorted({int(r) for r in np.asarray(rows).tolist()}), BATCH):
            for rec in self._client.query(self.collection, filter=_rows_expr(chunk), output_fields=["row", field]):
                out[int(rec["row"])] = rec[field]
        missing = [int(r) for r in np.asarray(rows).tolist() if int(r) not in out]
        if missing:
            raise IndexCorruptError(f"Milvus 集合 {self.collection} 缺少第 {missing[0]} 行，请运行 kb build --force")
        return out

    def rows_matching(self, filters: Filters | None) -> np.ndarray:
        """Rows the engine selects for these filters (sorted), to check them against kb's own mask."""
        rows = self._column(filter_expression(filters), "row")
        return np.array(sorted(int(r) for r in rows), dtype=np.int64)

    # Writes into a serving collection: for deployments whose writers update in place (several writers,
    # no rebuilds). `kb build` does not use them: it writes a new collection and switches the alias.

    def upsert(self, rows: Sequence[ClauseRow], vectors: np.ndarray | None = None) -> None:
        """Insert rows, or replace those with the same row number; the term table follows."""
        replaced = self._texts(_rows_expr([r.row for r in rows])) if rows else []
        delta = term_counts([engine_text(r.tokens) for r in rows])
        delta.subtract(term_counts(replaced))
        insert_rows(self._client, self.collection, rows, vectors if self.has_vectors else None, upsert=True)
        self._adjust_df(delta)

    def delete_documents(self, doc_ids: Sequence[str]) -> int:
        """Remove every row of these documents; returns how many rows went."""
        if not doc_ids:
            return 0
        expr = _in("doc_id", list(doc_ids))
        texts = self._texts(expr)
        self._client.delete(self.collection, filter=expr)
        self._adjust_df(Counter({t: -n for t, n in term_counts(texts).items()}))
        return len(texts)

    def _texts(self, expr: str) -> list[str]:
        return self._column(expr, "text")

    def _column(self, expr: str, field: str) -> list:
        """One field of every row the expression selects, read in batches."""
        out = []
        it = self._client.query_iterator(self.collection, batch_size=BATCH, filter=expr, output_fields=[field])
        try:
            while batch := it.next():
                out += [r[field] for r in batch]
        finally:
            it.close()
        return out

    def _adjust_df(self, delta: Counter) -> None:
        delta = Counter({t: n for t, n in delta.items() if n})
        table = df_collection(self.collection)
        current = get_df(self._client, table, list(delta))
        put_df(self._client, table, {t: current.get(t, 0) + n for t, n in delta.items()})
        self.row_count = self._query_count("")
        with self._df_lock:
            self._df.clear()


def _top(scores: dict[int, float], k: int, positive: bool = False) -> list[int]:
    """kb's cut: best first, ties by row, at most k; for BM25 (kb.bm25.top_k) positive scores only."""
    ranked = sorted((r for r, s in scores.items() if s > 0 or not positive), key=lambda r: (-scores[r], r))
    return ranked[:k]


def _chunks(items: list, n: int) -> Iterable[list]:
    for i in range(0, len(items), n):
        yield items[i : i + n]
