"""What every retrieval backend shares: the stored row, the selection, the candidates, the read and write
interfaces (kb/backends/__init__.py picks an implementation; local.py and milvus.py implement them)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from kb.models import Clause, Document, Filters

BACKENDS = ("local", "milvus")
_EMPTY_ROWS = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class ClauseRow:
    """What a backend stores for one clause: kb's tokens, its vector and the fields filters look at."""

    row: int  # the clause's row in the build (clauses[row]); the key of every backend
    clause_id: str
    doc_id: str
    source: str
    tokens: list[str]  # kb's own tokens (kb.tokenize), never re-analysed differently by an engine
    level: str = ""
    region: str = ""
    issuers: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    status: str = ""
    date: str = ""
    kind: str = ""


@dataclass(frozen=True)
class Selection:
    """Which rows a search may return: the filters as asked, and the same over the loaded rows as a mask.

    The in-process backend reads the mask; an engine translates the filters into its own expression
    (tests check both select the same rows). None and None: every row.
    """

    filters: Filters | None = None
    mask: np.ndarray | None = None

    @property
    def everything(self) -> bool:
        return self.mask is None and (self.filters is None or self.filters.empty)


@dataclass
class Candidates:
    """The union of the keyword and vector candidates (rows ascending), with both scores for every row.

    `bm25` is kb's BM25 (Lucene form, k1 1.5, b 0.75; 0 where no query term occurs) and `dense` the
    inner product with the query vector; either is None when that side was not asked for.
    """

    rows: np.ndarray
    bm25: np.ndarray | None = None
    dense: np.ndarray | None = None

    @classmethod
    def empty(cls) -> Candidates:
        return cls(_EMPTY_ROWS)


@runtime_checkable
class RetrievalBackend(Protocol):
    """The read side: a loaded build's rows, searched and scored. Safe to share across threads."""

    name: str

    @property
    def has_vectors(self) -> bool: ...

    def count(self) -> int:
        """Rows in the build."""

    def document_frequencies(self, terms: Sequence[str]) -> dict[str, int]:
        """Rows containing each term (0 for unknown terms)."""

    def candidates(self, tokens: Sequence[str] | None, qvec: np.ndarray | None, k: int,
                   where: Selection) -> Candidates:
        """Top k by BM25 over `tokens` and top k by vector over `qvec`, both within `where`, united."""

    def bm25_scores(self, tokens: Sequence[str], rows: np.ndarray) -> np.ndarray:
        """kb's BM25 of the given rows (0 where no term occurs), same order."""

    def vector_scores(self, qvec: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Exact inner products of the query vector with the given rows."""

    def vectors(self, rows: np.ndarray | slice) -> np.ndarray:
        """The stored vectors of the given rows (or a slice of all rows), (len(rows), dim) float32."""

    def contains(self, terms: Sequence[str], rows: np.ndarray) -> np.ndarray:
        """(len(terms), len(rows)) booleans: whether each row's tokens include each term."""


class BackendBase:
    """What every implementation knows once a build is open: how many rows it holds and the dimension of their
    vectors (None when they were not loaded). Subclasses set both, and keep `row_count` current after a write."""

    row_count: int
    dim: int | None

    @property
    def has_vectors(self) -> bool:
        return self.dim is not None

    def count(self) -> int:
        return self.row_count


Status = Callable[[str], AbstractContextManager]


def no_status(label: str) -> AbstractContextManager:
    return nullcontext()


class BackendWriter(Protocol):
    """The write side of one build: rows in, a searchable state out, switched in only on success."""

    name: str

    def write(self, build_dir: Path, rows: Sequence[ClauseRow], vectors: np.ndarray | None,
              status: Status = no_status) -> dict:
        """Store a complete new build; returns the manifest's `backend` entry. Nothing serving changes.

        `status(label)` is entered around each long step (the CLI shows a line for it)."""

    def activate(self, entry: dict) -> None:
        """After the build's pointer switched: make the new state the one other readers see."""

    def discard(self, entry: dict | None) -> None:
        """Remove what `write` stored for a build that failed before its switch."""

    def prune(self, keep: Sequence[dict]) -> None:
        """Remove stored states of builds no longer kept (their manifest entries are not in `keep`)."""


def clause_rows(documents: Sequence[Document], clauses: Sequence[Clause],
                tokens: Sequence[list[str]]) -> list[ClauseRow]:
    """The backend rows of a build's clauses (in row order), `tokens[i]` being clause i's kb tokens."""
    docs = {d.id: d for d in documents}
    out = []
    for c, toks in zip(clauses, tokens, strict=True):
        d = docs[c.doc_id]
        out.append(ClauseRow(row=c.row, clause_id=c.id, doc_id=c.doc_id, source=d.source, tokens=list(toks),
                             level=d.level, region=d.region, issuers=list(d.issuers), topics=c.topic_keys,
                             status=d.status, date=d.date, kind=c.kind))
    return out
