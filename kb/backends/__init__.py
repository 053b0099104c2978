"""Retrieval backends: where clause rows live and how candidates are found (in process, or in Milvus).

kb keeps tokenization, query embedding, fusion, comparison and evaluation; a backend only stores clause
rows and answers at the level of candidates, scores and term statistics, so ranking code runs the same
over either one. `open_backend` picks the implementation a build's manifest names; `backend_writer`
picks the one the settings name for a new build.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from kb.errors import BackendError

from .base import (
    BACKENDS,
    BackendWriter,
    Candidates,
    ClauseRow,
    RetrievalBackend,
    Selection,
    Status,
    clause_rows,
    no_status,
)

if TYPE_CHECKING:
    from kb.config import Settings

__all__ = ["BACKENDS", "BackendWriter", "Candidates", "ClauseRow", "RetrievalBackend", "Selection", "Status",
           "backend_writer", "clause_rows", "no_status", "open_backend"]


def backend_writer(settings: Settings) -> BackendWriter:
    """The writer for the configured backend (`KB_BACKEND`, `local` by default)."""
    if settings.backend == "local":
        from .local import LocalWriter

        return LocalWriter()
    if settings.backend == "milvus":
        from .milvus import MilvusWriter

        return MilvusWriter.from_settings(settings)
    raise BackendError(f"未知检索后端“{settings.backend}”，可选 {'、'.join(BACKENDS)}")


def open_backend(build_dir: Path, manifest: dict, settings: Settings | None = None,
                 with_vectors: bool = True) -> RetrievalBackend:
    """The reader for a build, as its manifest says it was written (builds before backends: local)."""
    entry = manifest.get("backend") or {"name": "local"}
    name = entry.get("name", "local")
    if name == "local":
        from .local import LocalBackend

        return LocalBackend.load(Path(build_dir), with_vectors=with_vectors and bool(manifest.get("model")))
    if name == "milvus":
        from kb.config import load_settings

        from .milvus_search import MilvusBackend

        return MilvusBackend.open(entry, settings or load_settings(),
                                  with_vectors=with_vectors and bool(manifest.get("model")))
    raise BackendError(f"索引由未知检索后端“{name}”写入，请升级程序或运行 kb build --force")
