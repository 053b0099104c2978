"""Hybrid clause search: BM25 over jieba tokens and dense vectors, filtered first, then fused.

Candidates and their BM25 and vector scores come from a retrieval backend (`kb.backends`: in process by
default, or Milvus); tokenizing, query embedding, the extra signals and the fusion happen here, the same
over either backend."""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .backends import Selection
from .errors import MissingDependencyError, ModelUnavailableError, QueryError
from .fusion import FusionWeights, fuse
from .library import Library
from .models import Document, Filters, Hit
from .question import COMMON_TERM_SHARE, RETRIEVERS, clean_query
from .sentences import SentenceVectors
from .text import found_terms, normalize, term_spans

if TYPE_CHECKING:  # the indexes and models load lazily: `kb --help` must not import FAISS
    from .answer import Answer
    from .backends import RetrievalBackend
    from .bm25 import BM25Index
    from .config import Settings
    from .dense import DenseIndex
    from .embed import Embedder

__all__ = ["RETRIEVERS", "FusionWeights", "KnowledgeBase"]

log = logging.getLogger(__name__)

_SPACE = re.compile(r"\s+")
_QCACHE_LOCK = threading.Lock()


@dataclass
class KnowledgeBase(Library):
    """A loaded index: records, a retrieval backend, and (when a model loads) the query embedder.

    Safe to share across threads."""

    backend: RetrievalBackend | None = None
    embedder: Embedder | None = None
    weights: FusionWeights = field(default_factory=FusionWeights)
    notices: list[str] = field(default_factory=list)  # said once: e.g. the dense model is unavailable
    sentences: SentenceVectors | None = None  # per-sentence vectors of the build, when it has them
    _doc_rows: np.ndarray | None = field(default=None, repr=False)
    _qcache: dict = field(default_factory=dict, repr=False)
    _flat: dict = field(default_factory=dict, repr=False)
    _topic_rows: dict[str, np.ndarray] | None = field(default=None, repr=False)

    @classmethod
    def load(cls, index_dir: Path, embedder=None, load_model: bool = True, verify: bool = True,
             settings: Settings | None = None) -> KnowledgeBase:
        """Load the current build. The manifest names the backend its rows went to and the model that embeds
        queries; `embedder` overrides the model (tests pass a fake). Without a usable model, search runs on
        BM25 alone and says so in `notices`. `settings` give a Milvus address (default: the environment's)."""
        from .backends import open_backend

        lib = Library.load(index_dir, verify=verify)
        kb = cls(lib.build_dir, lib.manifest, lib.documents, lib.clauses)
        model = lib.manifest.get("model")
        kb.backend = open_backend(lib.build_dir, lib.manifest, settings, with_vectors=bool(model and load_model))
        if model and load_model:
            try:
                from .embed import load_embedder

                kb.embedder = embedder or load_embedder(model["name"])
                if int(kb.embedder.dim) != int(model["dim"]):
                    raise ModelUnavailableError(
                        f"模型 {kb.embedder.name} 的维度 {kb.embedder.dim} 与索引记录的 {model['dim']} 不一致")
            except (ModelUnavailableError, MissingDependencyError) as e:
                kb.embedder = None
                kb.notices.append(f"向量模型不可用，检索仅使用关键词（BM25）：{e}")
        elif not model:
            kb.notices.append("索引未包含向量，检索仅使用关键词（BM25）")
        if kb.embedder is not None and lib.manifest.get("sentences"):
            kb.sentences = SentenceVectors.load(lib.build_dir, len(lib.clauses))
        kb._index_documents()
        kb.warm_up()
        return kb

    @classmethod
    def from_parts(cls, build_dir: Path, manifest: dict, documents: list[Document], clauses: list,
                   bm25: BM25Index | None = None, dense: DenseIndex | None = None,
                   embedder: Embedder | None = None, weights: FusionWeights | None = None,
                   backend: RetrievalBackend | None = None) -> KnowledgeBase:
        """A knowledge base from parts already in memory (benchmarks, synthetic indexes): records in row order,
        their BM25 index and optionally vectors (or any `backend` holding those rows), and the model that
        embeds queries."""
        if backend is None:
            from .backends.local import LocalBackend

            backend = LocalBackend(bm25, dense)
        kb = cls(Path(build_dir), manifest, documents, clauses, backend=backend, embedder=embedder,
                 weights=weights or FusionWeights())
        kb._index_documents()
        return kb

    def _index_documents(self) -> None:
        doc_index = self._doc_index  # a property that builds the dict: once, not once per clause
        self._doc_rows = np.array([doc_index[c.doc_id] for c in self.clauses], dtype=np.int32)

    def clear_query_cache(self) -> None:
        """Forget cached query vectors (benchmarks measure the model, not the cache)."""
        with _QCACHE_LOCK:
            self._qcache.clear()

    def warm_up(self) -> None:
        """Initialise the tokenizer, taxonomy and model now, so the first question is as fast as the rest."""
        from .answer import warm_up
        from .tokenize import get_tokenizer
        from .topics import default_taxonomy

        get_tokenizer().tokenize("预热")
        default_taxonomy()
        self._rows_of_topics()
        if self.has_dense:
            self.query_vector("预热")
        warm_up(self)  # the gazetteer, thesaurus, cue words and floor the answer reads

    @property
    def _doc_index(self) -> dict[str, int]:
        return {d.id: i for i, d in enumerate(self.documents)}

    @property
    def has_dense(self) -> bool:
        return self.backend is not None and self.backend.has_vectors and self.embedder is not None

    @property
    def bm25(self) -> BM25Index | None:
        """The in-process BM25 index (local backend only; benchmarks inspect it)."""
        return getattr(self.backend, "bm25", None)

    @property
    def dense(self) -> DenseIndex | None:
        """The in-process vector index (local backend only; benchmarks tune its search beam)."""
        return getattr(self.backend, "dense", None)

    # ------------------------------------------------------------ filters

    def mask(self, filters: Filters | None) -> np.ndarray | None:
        """Boolean mask over clause rows, or None when nothing is filtered. Unknown values raise QueryError."""
        if filters is None or filters.empty:
            return None
        from .aliases import resolve_filters

        filters = resolve_filters(filters)  # 市级 = municipal, 保险保障 = insurance; unknown levels raise
        # An unknown topic is an error, as in `kb compare`: a filter on a topic that does not exist would
        # otherwise return an empty result that reads as "nothing found".
        from .aliases import topic_key

        for topic in filters.topics:
            topic_key(topic)  # strict: raises QueryError listing the topics
        for day in (filters.date_from, filters.date_to):
            # Dates compare as strings, so "2024/01/01" or "2024" would filter silently wrong.
            if day and not _iso_date(day):
                raise QueryError(f"日期“{day}”格式不对，应为 YYYY-MM-DD，例如 2024-01-31")
        ok_docs = np.array([self._doc_matches(d, filters) for d in self.documents], dtype=bool)
        mask = ok_docs[self._doc_rows] if len(self.clauses) else np.zeros(0, dtype=bool)
        if filters.topics:
            wanted = set(filters.topics)
            mask &= np.array([bool(wanted.intersection(c.topic_keys)) for c in self.clauses], dtype=bool)
        if filters.kinds:
            kinds = set(filters.kinds)
            mask &= np.array([c.kind in kinds for c in self.clauses], dtype=bool)
        return mask

    @staticmethod
    def _doc_matches(d, f: Filters) -> bool:
        if f.levels and d.level not in f.levels:
            return False
        if f.statuses and d.status not in f.statuses:
            return False
        if f.regions and not any(r and r in d.region for r in f.regions):
            return False
        if f.issuers and not any(i and any(i in name for name in d.issuers) for i in f.issuers):
            return False
        if f.documents and d.id not in f.documents and d.source not in f.documents:
            return False
        if (f.date_from or f.date_to) and not d.date:
            return False
        if f.date_from and d.date < f.date_from:
            return False
        if f.date_to and d.date > f.date_to:
            return False
        return True

    # ------------------------------------------------------------ search

    def search(self, query: str, k: int = 10, filters: Filters | None = None, retriever: str = "hybrid") -> list[Hit]:
        """The k best clauses for a question that pass the relevance floor, exact lookups first; nothing when
        nothing is relevant. `answer()` says why, and offers the weaker candidates."""
        return self.answer(query, k=k, filters=filters, retriever=retriever).hits

    def answer(self, query: str, k: int = 10, filters: Filters | None = None, retriever: str = "hybrid",
               **kw) -> Answer:
        """The full answer (kb/answer.py): hits, understood scope, weaker candidates, why it is empty."""
        from .answer import answer

        return answer(self, query, k=k, filters=filters, retriever=retriever, **kw)

    def ranked(self, query: str, k: int = 10, filters: Filters | None = None, retriever: str = "hybrid") -> list[Hit]:
        """The plain fused ranking, without floor, lookups, understanding or thesaurus (the search before
        issue 12; benchmarks compare against it)."""
        if retriever not in RETRIEVERS:
            raise QueryError(f"未知检索方式“{retriever}”，可选 {'、'.join(RETRIEVERS)}")
        query = clean_query(query)
        mask = self.mask(filters)
        if not query or k <= 0 or not self.clauses or (mask is not None and not mask.any()):
            return []
        if retriever == "dense" and not self.has_dense:
            raise ModelUnavailableError(self.notices[0] if self.notices else "索引未包含向量")
        tokens = self.query_tokens(query)
        where = Selection(filters, mask)
        rows, parts = self._score(query, tokens, where, retriever, max(k * 3, self.weights.candidates))
        if rows.size == 0:
            return []
        order = np.lexsort((rows, -parts["fused"]))[:k]
        telling = self._telling_terms(tokens)
        hits = []
        for rank, i in enumerate(order, start=1):
            clause = self.clauses[int(rows[i])]
            terms = found_terms(telling, clause.text) or found_terms(tokens, clause.text)
            hits.append(Hit(
                rank=rank,
                score=float(parts["fused"][i]),
                clause=clause,
                document=self.doc_of(clause),
                scores={name: float(v[i]) for name, v in parts.items() if name != "fused"},
                matched_terms=terms,
                spans=[(s, e) for s, e, _ in term_spans(clause.text, terms)],
            ))
        return hits

    def _telling_terms(self, tokens: list[str]) -> list[str]:
        """The query's terms without those too common in the corpus to explain a match (COMMON_TERM_SHARE)."""
        limit = COMMON_TERM_SHARE * max(1, len(self.clauses))
        df = self.backend.document_frequencies(list(dict.fromkeys(tokens)))
        return [t for t in tokens if df[t] <= limit]

    @staticmethod
    def query_tokens(query: str) -> list[str]:
        """The query as the index sees it: our tokenizer, stop words gone (the same for every retriever)."""
        from .tokenize import get_tokenizer

        return get_tokenizer().tokenize(query)

    def _score(self, query: str, tokens: list[str], where: Selection, retriever: str,
               n_cand: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        w = self.weights
        use_bm25 = retriever in ("hybrid", "bm25")
        use_dense = retriever in ("hybrid", "dense") and self.has_dense
        qvec = self.query_vector(query) if use_dense else None
        cand = self.backend.candidates(tokens if use_bm25 else None, qvec, n_cand, where)
        rows = cand.rows
        if rows.size == 0:
            return rows, {}
        parts: dict[str, np.ndarray] = {}
        if cand.bm25 is not None:
            parts["bm25"] = cand.bm25
        if cand.dense is not None:
            parts["dense"] = cand.dense
        if retriever == "hybrid":
            signals = {"heading": lambda: self._heading_scores(tokens, rows),
                       "topic": lambda: self._topic_scores(query, rows),
                       "coverage": lambda: self._coverage_scores(tokens, rows),
                       "phrase": lambda: self._phrase_scores(query, rows)}
            for name, compute in signals.items():
                if getattr(w, name):  # a signal without weight is not computed
                    parts[name] = compute()
        parts["fused"] = fuse(parts, w)
        return rows, parts

    def query_vector(self, query: str) -> np.ndarray:
        """Query vectors are cached: the app reruns the same search on every widget change."""
        cache = self._qcache
        vec = cache.get(query)
        if vec is None:
            vec = self.embedder.embed_query(query)
            with _QCACHE_LOCK:  # threads share one KnowledgeBase: evicting races with inserting
                while len(cache) >= 256:
                    cache.pop(next(iter(cache)))
                cache[query] = vec
        return vec

    def _coverage_scores(self, tokens: list[str], rows: np.ndarray) -> np.ndarray:
        """IDF-weighted share of the distinct query terms each candidate contains."""
        from .bm25 import lucene_idf, unique_tokens

        terms = unique_tokens(tokens)
        df, n = self.backend.document_frequencies(terms), self.backend.count()
        idf = {t: lucene_idf(df[t], n) for t in terms if df[t] > 0}
        total = sum(idf.values())
        out = np.zeros(rows.size)
        if total <= 0:
            return out
        present = self.backend.contains(list(idf), rows)
        for i, weight in enumerate(idf.values()):
            out += weight * present[i]
        return out / total

    def _phrase_scores(self, query: str, rows: np.ndarray) -> np.ndarray:
        """Share of the query's CJK character trigrams that occur in the clause text as written."""
        chars = re.sub(r"[^\u4e00-\u9fff0-9a-z]", "", normalize(query))
        grams = {chars[i : i + 3] for i in range(len(chars) - 2)}
        if not grams:
            return np.zeros(rows.size)
        return _per_row(rows, lambda row: sum(1 for g in grams if g in self._flat_text(row)) / len(grams))

    def _flat_text(self, row: int) -> str:
        text = self._flat.get(row)
        if text is None:
            text = _SPACE.sub("", normalize(self.clauses[row].text))  # match_form, without its LRU cache
            if len(self._flat) < 200_000:
                self._flat[row] = text
        return text

    def _heading_scores(self, tokens: list[str], rows: np.ndarray) -> np.ndarray:
        """Share of the query's characters (in tokens of two or more) that the heading path contains."""
        terms = [t for t in dict.fromkeys(tokens) if len(t) >= 2]
        total = sum(len(t) for t in terms)
        if not total:
            return np.zeros(rows.size)

        def share(row: int) -> float:
            c = self.clauses[row]
            head = c.heading + "".join(c.parents[-1:])
            return sum(len(t) for t in terms if t in head) / total

        return _per_row(rows, share)

    def _topic_scores(self, query: str, rows: np.ndarray) -> np.ndarray:
        from .topics import default_taxonomy, topic_query_match

        wanted = {t.key for t in topic_query_match(query, default_taxonomy())}
        out = np.zeros(rows.size)
        marked = self._rows_of_topics()
        for key in wanted:
            if key in marked:
                out[marked[key][rows]] = 1.0
        return out

    def _rows_of_topics(self) -> dict[str, np.ndarray]:
        """Topic key → which clause rows carry it (a mask over rows), made once for the index."""
        if self._topic_rows is None:
            rows: dict[str, list[int]] = {}
            for i, c in enumerate(self.clauses):
                for key in c.topic_keys:
                    rows.setdefault(key, []).append(i)
            marked = {}
            for key, found in rows.items():
                marked[key] = np.zeros(len(self.clauses), dtype=bool)
                marked[key][found] = True
            self._topic_rows = marked
        return self._topic_rows


def _per_row(rows: np.ndarray, score) -> np.ndarray:
    """One float per candidate row."""
    return np.fromiter((score(int(r)) for r in rows), dtype=np.float64, count=rows.size)


def _iso_date(s: str) -> bool:
    try:
        return re.fullmatch(r"\d{4}-\d{2}-\d{2}", s) is not None and date.fromisoformat(s) is not None
    except ValueError:
        return False
