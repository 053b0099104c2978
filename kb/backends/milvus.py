"""The Milvus backend: clause rows in a Milvus collection (milvus-lite file, or a Milvus ≥ 2.5 server).

Milvus computes BM25 itself (a BM25 function over a VARCHAR field) over kb's own tokens, joined by
spaces and spelled so that any analyzer keeps each one whole (`engine_token`), with k1 1.5 and b 0.75
as kb's own BM25; its scores are (k1 + 1) times kb's and are scaled back. Vectors are searched
exactly (FLAT) on lite and with HNSW on a server. Every build writes a new collection and the
serving alias switches to it only after the build succeeded, so a failed build leaves the previous
collection serving.

Verified on milvus-lite only: the schema, BM25 function, filters, alias switch, scores. Needs a
Milvus ≥ 2.5 server to verify: the `whitespace` analyzer (lite has `standard` and `jieba` only) and
that BM25 statistics (IDF, mean length) span the whole collection (lite keeps them per segment).
`bench/milvus_smoke.py` checks both against a server.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from kb.bm25 import unique_tokens
from kb.errors import BackendError, IndexCorruptError, IndexMissingError, MissingDependencyError

from . import Candidates, ClauseRow, Selection, Status, no_status

if TYPE_CHECKING:
    from kb.config import Settings
    from kb.models import Filters

K1, B = 1.5, 0.75  # kb's BM25 (kb/bm25.py)
BM25_SCALE = 1.0 / (K1 + 1.0)  # Milvus multiplies the term weight by (k1 + 1); kb's Lucene form does not
MAX_TEXT_BYTES = 65_535  # Milvus's VARCHAR limit
MAX_LIMIT = 16_384  # Milvus's largest topk / query window
BATCH = 1_000  # rows a call when writing and reading
HNSW = {"M": 32, "efConstruction": 80}  # as kb/dense.py
HNSW_EF = 512
ISSUER_SEP = "\n"  # issuers are stored joined, so "substring of any issuer" is one LIKE
_PLAIN = re.compile(r"[0-9a-z\u3400-\u9fff]+")
_ESC = "zq"  # prefix of spelled-out tokens; plain tokens starting with it are spelled out too
_NAME = re.compile(r"[^0-9A-Za-z_]")


def engine_token(token: str) -> str:
    """A kb token as one word for any Milvus analyzer: lowercase letters, digits and Han characters pass
    as they are; anything else (3.5%, 保险+期货) is spelled as `zq` + its UTF-8 in hex. Injective."""
    if _PLAIN.fullmatch(token) and not token.startswith(_ESC):
        return token
    return _ESC + token.encode("utf-8").hex()


def engine_text(tokens: Iterable[str]) -> str:
    return " ".join(engine_token(t) for t in tokens if t)


def is_lite(uri: str) -> bool:
    """A local file path (milvus-lite) rather than an http(s)/tcp address of a server."""
    return "://" not in uri


@dataclass(frozen=True)
class MilvusConfig:
    uri: str
    token: str = ""
    alias: str = "kb"  # the serving alias; collections are named `<alias>_<build id>`
    analyzer: str = ""  # "" → standard on lite, whitespace on a server

    @classmethod
    def from_settings(cls, settings: Settings) -> MilvusConfig:
        if not settings.milvus_uri:
            raise BackendError("KB_BACKEND=milvus 需要设置 KB_MILVUS_URI（milvus-lite 文件路径或 http://主机:19530）")
        return cls(settings.milvus_uri, settings.milvus_token, settings.milvus_alias or "kb",
                   settings.milvus_analyzer)

    @property
    def analyzer_params(self) -> dict:
        name = self.analyzer or ("standard" if is_lite(self.uri) else "whitespace")
        return {"tokenizer": name}


_clients: dict[tuple[str, str], object] = {}
_clients_lock = threading.Lock()


def client(config: MilvusConfig):
    """One MilvusClient per (uri, token) and process: milvus-lite serves a data file to one process only."""
    try:
        from pymilvus import MilvusClient
    except ImportError as e:
        raise MissingDependencyError("Milvus 后端需要 pymilvus：pip install 'kb[milvus]'") from e
    key = (config.uri, config.token)
    with _clients_lock:
        c = _clients.get(key)
        if c is None:
            if is_lite(config.uri):
                Path(config.uri).parent.mkdir(parents=True, exist_ok=True)
            try:
                c = MilvusClient(uri=config.uri, token=config.token or "")
            except Exception as e:  # pymilvus raises many kinds for a wrong address or a locked file
                raise BackendError(f"无法连接 Milvus（{config.uri}）：{_first_line(e)}") from e
            _clients[key] = c
    return c


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


# ---------------------------------------------------------------- read side


class MilvusBackend:
    """A build's collection, read through pymilvus; the same code for milvus-lite and a server."""

    name = "milvus"

    def __init__(self, config: MilvusConfig, collection: str, count: int, dim: int | None):
        self.config = config
        self.collection = collection
        self._count = int(count)
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
            if not c.has_collection(self.collection):
                raise IndexMissingError(f"Milvus（{self.config.uri}）中没有集合 {self.collection}，请运行 kb build --force")
            c.load_collection(self.collection)
            n = self._query_count("")
        except IndexMissingError:
            raise
        except Exception as e:
            raise BackendError(f"Milvus 集合 {self.collection} 不可用：{_first_line(e)}") from e
        if n != self._count:
            raise IndexCorruptError(
                f"Milvus 集合 {self.collection} 有 {n} 行，索引清单记录 {self._count} 行，请运行 kb build --force")

    @property
    def has_vectors(self) -> bool:
        return self.dim is not None

    def count(self) -> int:
        return self._count

    def _query_count(self, expr: str) -> int:
        res = self._client.query(self.collection, filter=expr, output_fields=["count(*)"])
        return int(res[0]["count(*)"])

    def document_frequencies(self, terms: Sequence[str]) -> dict[str, int]:
        """Counted by the engine (TEXT_MATCH) once per term and collection, then remembered."""
        out = {}
        for t in terms:
            df = self._df.get(t)
            if df is None:
                df = self._query_count(f"TEXT_MATCH(text, {_lit(engine_token(t))})") if t else 0
                with self._df_lock:
                    self._df[t] = df
            out[t] = df
        return out

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
            rows = np.arange(self._count)[rows]
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
        expr = filter_expression(filters)
        out = []
        it = self._client.query_iterator(self.collection, batch_size=BATCH, filter=expr, output_fields=["row"])
        try:
            while batch := it.next():
                out += [int(r["row"]) for r in batch]
        finally:
            it.close()
        return np.array(sorted(out), dtype=np.int64)

    # Writes into a serving collection: for deployments whose writers update in place (several writers,
    # no rebuilds). `kb build` does not use them: it writes a new collection and switches the alias.

    def upsert(self, rows: Sequence[ClauseRow], vectors: np.ndarray | None = None) -> None:
        _insert(self._client, self.collection, rows, vectors if self.has_vectors else None, upsert=True)
        self._count = self._query_count("")
        with self._df_lock:
            self._df.clear()

    def delete_documents(self, doc_ids: Sequence[str]) -> int:
        """Remove every row of these documents; returns how many rows went."""
        if not doc_ids:
            return 0
        expr = _in("doc_id", list(doc_ids))
        n = self._query_count(expr)
        self._client.delete(self.collection, filter=expr)
        self._count = self._query_count("")
        with self._df_lock:
            self._df.clear()
        return n


def _top(scores: dict[int, float], k: int, positive: bool = False) -> list[int]:
    """kb's cut: best first, ties by row, at most k; for BM25 (kb.bm25.top_k) positive scores only."""
    ranked = sorted((r for r, s in scores.items() if s > 0 or not positive), key=lambda r: (-scores[r], r))
    return ranked[:k]


def _aliases(c) -> list[str]:
    """Every alias of the database (pymilvus lists them without a collection name)."""
    return list(c.list_aliases().get("aliases", []))


def _chunks(items: list, n: int) -> Iterable[list]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def _first_line(e: Exception) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0][:300]


# ---------------------------------------------------------------- write side


def _schema(client_, dim: int | None, analyzer_params: dict):
    from pymilvus import DataType, Function, FunctionType, MilvusClient

    s = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    s.add_field("row", DataType.INT64, is_primary=True)
    s.add_field("clause_id", DataType.VARCHAR, max_length=256)
    s.add_field("doc_id", DataType.VARCHAR, max_length=256)
    s.add_field("source", DataType.VARCHAR, max_length=1024)
    s.add_field("text", DataType.VARCHAR, max_length=MAX_TEXT_BYTES, enable_analyzer=True, enable_match=True,
                analyzer_params=analyzer_params)
    s.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    if dim is not None:
        s.add_field("vec", DataType.FLOAT_VECTOR, dim=int(dim))
    for name, size in (("level", 32), ("region", 256), ("status", 32), ("date", 16), ("kind", 32)):
        s.add_field(name, DataType.VARCHAR, max_length=size)
    s.add_field("issuers", DataType.VARCHAR, max_length=4096)
    s.add_field("topics", DataType.ARRAY, element_type=DataType.VARCHAR, max_capacity=256, max_length=128)
    s.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["text"],
                            output_field_names=["sparse"]))
    index = client_.prepare_index_params()
    index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                    params={"bm25_k1": K1, "bm25_b": B})
    return s, index


def _record(r: ClauseRow, vec) -> dict:
    text = engine_text(r.tokens)
    if len(text.encode("utf-8")) > MAX_TEXT_BYTES:
        raise BackendError(f"条款 {r.clause_id} 的词元超过 Milvus 单字段上限 {MAX_TEXT_BYTES} 字节")
    rec = {"row": int(r.row), "clause_id": r.clause_id, "doc_id": r.doc_id, "source": r.source, "text": text,
           "level": r.level, "region": r.region, "status": r.status, "date": r.date, "kind": r.kind,
           "issuers": ISSUER_SEP.join(r.issuers), "topics": list(r.topics)}
    if vec is not None:
        rec["vec"] = np.asarray(vec, dtype=np.float32).tolist()
    return rec


def _insert(client_, collection: str, rows: Sequence[ClauseRow], vectors: np.ndarray | None,
            upsert: bool = False) -> None:
    call = client_.upsert if upsert else client_.insert
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        vecs = vectors[start : start + len(batch)] if vectors is not None else [None] * len(batch)
        call(collection, [_record(r, v) for r, v in zip(batch, vecs, strict=True)])


class MilvusWriter:
    """Writes each build into a collection of its own, then points the serving alias at it."""

    name = "milvus"

    def __init__(self, config: MilvusConfig):
        self.config = config

    @classmethod
    def from_settings(cls, settings: Settings) -> MilvusWriter:
        return cls(MilvusConfig.from_settings(settings))

    def collection_for(self, build_dir: Path) -> str:
        return _NAME.sub("_", f"{self.config.alias}_{Path(build_dir).name.removeprefix('.tmp-')}")

    def write(self, build_dir: Path, rows: Sequence[ClauseRow], vectors: np.ndarray | None,
              status: Status = no_status) -> dict:
        c = client(self.config)
        name = self.collection_for(build_dir)
        dim = int(vectors.shape[1]) if vectors is not None else None
        entry = {"name": self.name, "uri": self.config.uri, "collection": name, "alias": self.config.alias,
                 "analyzer": self.config.analyzer_params["tokenizer"], "count": len(rows), "dim": dim,
                 "dense_kind": ("flat" if is_lite(self.config.uri) else "hnsw") if dim is not None else None}
        try:
            if c.has_collection(name):  # left by a build killed before it cleaned up
                c.drop_collection(name)
            schema, index = _schema(c, dim, self.config.analyzer_params)
            if dim is not None:
                if is_lite(self.config.uri):
                    index.add_index("vec", index_type="FLAT", metric_type="IP")
                else:
                    index.add_index("vec", index_type="HNSW", metric_type="IP", params=HNSW)
            with status("写入 Milvus"):
                # Strong: a search right after the build (or an upsert) sees every row, on a server too.
                c.create_collection(name, schema=schema, index_params=index, consistency_level="Strong")
                _insert(c, name, rows, vectors)
                c.flush(name)
                c.load_collection(name)
        except BackendError:
            self.discard(entry)
            raise
        except Exception as e:
            self.discard(entry)
            raise BackendError(f"写入 Milvus 集合 {name} 失败：{_first_line(e)}") from e
        return entry

    def activate(self, entry: dict) -> None:
        c = client(self.config)
        alias = entry.get("alias", self.config.alias)
        try:
            serving = self.serving()
            if serving == entry["collection"]:
                return
            if serving is None:
                c.create_alias(entry["collection"], alias)
            else:
                c.alter_alias(entry["collection"], alias)
        except Exception as e:
            raise BackendError(f"无法将 Milvus 别名 {alias} 指向 {entry['collection']}：{_first_line(e)}") from e

    def discard(self, entry: dict | None) -> None:
        if not entry:
            return
        try:
            c = client(self.config)
            if c.has_collection(entry["collection"]):
                c.drop_collection(entry["collection"])
        except Exception:  # best effort: the next build with that name drops it first
            pass

    def prune(self, keep: Sequence[dict]) -> None:
        c = client(self.config)
        kept = {e.get("collection") for e in keep if e}
        prefix = f"{self.config.alias}_"
        serving = self.serving()
        for name in c.list_collections():
            if name.startswith(prefix) and name not in kept and name != serving:
                c.drop_collection(name)

    def serving(self) -> str | None:
        """The collection the alias points at, or None."""
        c = client(self.config)
        if self.config.alias not in _aliases(c):
            return None
        return c.describe_alias(self.config.alias).get("collection_name")
