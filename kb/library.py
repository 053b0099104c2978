"""The records of a built index in memory: documents and clauses, looked up by id, source or row."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import store
from .errors import QueryError
from .models import Clause, Document


@dataclass
class Library:
    build_dir: Path
    manifest: dict
    documents: list[Document]
    clauses: list[Clause]  # in row order: clauses[row].row == row
    _by_id: dict[str, Clause] = field(default_factory=dict, repr=False)
    _docs: dict[str, Document] = field(default_factory=dict, repr=False)
    _by_doc: dict[str, list[Clause]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_id = {c.id: c for c in self.clauses}
        self._docs = {d.id: d for d in self.documents}
        for c in self.clauses:
            self._by_doc.setdefault(c.doc_id, []).append(c)

    @classmethod
    def load(cls, index_dir: Path, verify: bool = True) -> Library:
        """Load the current build; with `verify`, sizes and checksums are checked against the manifest."""
        build = store.require_build(Path(index_dir))
        manifest = store.read_manifest(build)
        if verify:
            store.verify_build(build, manifest)
        docs, clauses = store.read_records(build)
        return cls(build, manifest, docs, clauses)

    def document(self, key: str) -> Document:
        """By id or by source file name."""
        if key in self._docs:
            return self._docs[key]
        for d in self.documents:
            if d.source == key or Path(d.source).stem == key:
                return d
        raise QueryError(f"索引中没有文件“{key}”，可用 kb docs 查看已索引的文件")

    def clause(self, clause_id: str) -> Clause:
        try:
            return self._by_id[clause_id]
        except KeyError:
            raise QueryError(f"索引中没有条款“{clause_id}”") from None

    def clauses_of(self, doc_id: str) -> list[Clause]:
        return self._by_doc.get(doc_id, [])

    def doc_of(self, clause: Clause) -> Document:
        return self._docs[clause.doc_id]

    @property
    def build_id(self) -> str:
        return self.manifest.get("build_id", self.build_dir.name)
