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

This module holds the connection, the engine's spelling of tokens, the schema and writing a build;
searching a build is kb/backends/milvus_search.py.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from kb.errors import BackendError, MissingDependencyError

from .base import ClauseRow, Status, no_status

if TYPE_CHECKING:
    from kb.config import Settings

K1, B = 1.5, 0.75  # kb's BM25 (kb/bm25.py)
BM25_SCALE = 1.0 / (K1 + 1.0)  # Milvus multiplies the term weight by (k1 + 1); kb's Lucene form does not
MAX_TEXT_BYTES = 65_535  # Milvus's VARCHAR limit
MAX_TERM_BYTES = 1_024  # a term table key; longer tokens are not kept by kb's tokenizer in practice
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
                raise BackendError(f"无法连接 Milvus（{config.uri}）：{first_line(e)}") from e
            _clients[key] = c
    return c


def first_line(e: Exception) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0][:300]


def df_collection(collection: str) -> str:
    """The companion collection holding each term's document frequency (Milvus needs a vector in every
    collection, so its rows carry a constant 2-d one that nothing searches)."""
    return f"{collection}_df"


def term_counts(texts: Iterable[str]) -> Counter:
    """Rows containing each engine token."""
    out: Counter = Counter()
    for text in texts:
        out.update(set(text.split()))
    return out


def get_df(c, table: str, terms: Sequence[str]) -> dict[str, int]:
    """Document frequencies from a term table (absent terms are left out)."""
    out: dict[str, int] = {}
    for start in range(0, len(terms), BATCH):
        for rec in c.get(table, ids=list(terms[start : start + BATCH]), output_fields=["term", "df"]):
            out[rec["term"]] = int(rec["df"])
    return out


def put_df(c, table: str, dfs: dict[str, int]) -> None:
    """Write document frequencies; a term at 0 leaves the table."""
    gone = [t for t, n in dfs.items() if n <= 0]
    # A term longer than a key may be (a run of letters hundreds long) goes uncounted: df 0, as if unknown.
    keep = [{"term": t, "df": int(n), "v": [1.0, 0.0]} for t, n in dfs.items()
            if n > 0 and len(t.encode("utf-8")) <= MAX_TERM_BYTES]
    for start in range(0, len(keep), BATCH):
        c.upsert(table, keep[start : start + BATCH])
    for start in range(0, len(gone), BATCH):
        c.delete(table, ids=gone[start : start + BATCH])


def _df_schema(c):
    from pymilvus import DataType, MilvusClient

    s = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    s.add_field("term", DataType.VARCHAR, max_length=MAX_TERM_BYTES, is_primary=True)
    s.add_field("df", DataType.INT64)
    s.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    index = c.prepare_index_params()
    index.add_index("v", index_type="FLAT", metric_type="IP")
    return s, index


def _aliases(c) -> list[str]:
    """Every alias of the database (pymilvus lists them without a collection name)."""
    return list(c.list_aliases().get("aliases", []))


# ---------------------------------------------------------------- writing a build


def _schema(client_, dim: int | None, analyzer_params: dict):
    from pymilvus import DataType, Function, FunctionType, MilvusClient

    s = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    s.add_field("row", DataType.INT64, is_primary=True)
    s.add_field("clause_id", DataType.VARCHAR, max_length=256)
    s.add_field("doc_id", DataType.VARCHAR, max_length=256)
    s.add_field("source", DataType.VARCHAR, max_length=1024)
    s.add_field("text", DataType.VARCHAR, max_length=MAX_TEXT_BYTES, enable_analyzer=True,
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


def insert_rows(client_, collection: str, rows: Sequence[ClauseRow], vectors: np.ndarray | None,
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
            for leftover in (name, df_collection(name)):  # left by a build killed before it cleaned up
                if c.has_collection(leftover):
                    c.drop_collection(leftover)
            schema, index = _schema(c, dim, self.config.analyzer_params)
            if dim is not None:
                if is_lite(self.config.uri):
                    index.add_index("vec", index_type="FLAT", metric_type="IP")
                else:
                    index.add_index("vec", index_type="HNSW", metric_type="IP", params=HNSW)
            with status("写入 Milvus"):
                # Strong: a search right after the build (or an upsert) sees every row, on a server too.
                c.create_collection(name, schema=schema, index_params=index, consistency_level="Strong")
                insert_rows(c, name, rows, vectors)
                table = df_collection(name)
                df_schema, df_index = _df_schema(c)
                c.create_collection(table, schema=df_schema, index_params=df_index, consistency_level="Strong")
                put_df(c, table, term_counts(engine_text(r.tokens) for r in rows))
                for n in (name, table):
                    c.flush(n)
                    c.load_collection(n)
        except BackendError:
            self.discard(entry)
            raise
        except Exception as e:
            self.discard(entry)
            raise BackendError(f"写入 Milvus 集合 {name} 失败：{first_line(e)}") from e
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
            raise BackendError(f"无法将 Milvus 别名 {alias} 指向 {entry['collection']}：{first_line(e)}") from e

    def discard(self, entry: dict | None) -> None:
        if not entry:
            return
        try:
            c = client(self.config)
            for name in (entry["collection"], df_collection(entry["collection"])):
                if c.has_collection(name):
                    c.drop_collection(name)
        except Exception:  # best effort: the next build with that name drops it first
            pass

    def prune(self, keep: Sequence[dict]) -> None:
        c = client(self.config)
        kept = {name for e in keep if e and e.get("collection")
                for name in (e["collection"], df_collection(e["collection"]))}
        prefix = f"{self.config.alias}_"
        serving = self.serving()
        serving_df = df_collection(serving) if serving else None
        for name in c.list_collections():
            if name.startswith(prefix) and name not in kept and name not in (serving, serving_df):
                c.drop_collection(name)

    def serving(self) -> str | None:
        """The collection the alias points at, or None."""
        c = client(self.config)
        if self.config.alias not in _aliases(c):
            return None
        return c.describe_alias(self.config.alias).get("collection_name")
