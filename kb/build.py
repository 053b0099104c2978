"""Corpus folder → index build: ingest every file, write records, BM25 and dense indexes, switch atomically."""

from __future__ import annotations

import fcntl
import logging
import sys
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import store
from .catalog import CATALOG_NAME, load_catalog
from .config import DEFAULT_MODEL, MAX_FILE_BYTES, ParseBudget
from .errors import (
    BuildError,
    KBError,
    MissingDependencyError,
    ModelUnavailableError,
    ReadError,
    StorageError,
    os_error_message,
)
from .files import make_dirs
from .fingerprint import (
    PIPELINE_VERSION,
    build_damage,
    hash_catalog_entry,
    hash_corpus,
    hash_data,
    hash_file,
    kept_backend_entries,
    reusable_records,
    tool_versions,
    try_manifest,
    writer_key,
)
from .models import Clause, Document
from .terminal import ParseBar, Progress, progress_iter, status_line

if TYPE_CHECKING:
    from .backends import BackendWriter

log = logging.getLogger(__name__)


@dataclass
class FileError:
    source: str
    reason: str


@dataclass
class BuildReport:
    build_dir: Path | None
    documents: int = 0
    clauses: int = 0
    errors: list[FileError] = field(default_factory=list)
    up_to_date: bool = False  # nothing to do: the corpus and settings are unchanged
    reused: int = 0  # documents taken over from the previous build
    embedded: int = 0  # texts the model had to embed (cache misses)
    model: str | None = None
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    ocr: list[str] = field(default_factory=list)  # files whose text (some pages or all) was recognised by OCR

    @property
    def ok(self) -> bool:
        return not self.errors


def build_index(
    corpus_dir: Path,
    index_dir: Path,
    embed_model: str | None = DEFAULT_MODEL,
    *,
    force: bool = False,
    use_catalog: bool = True,
    max_file_bytes: int = MAX_FILE_BYTES,
    progress: bool | Progress = False,
    embedder=None,
    backend: BackendWriter | None = None,
    dask: str | object | None = None,
    budget: ParseBudget | None = None,
) -> BuildReport:
    """Build (or refresh) the index for a corpus folder. The previous index stays usable until the switch.

    `embed_model` is a model spec for `kb.embed.load_embedder`, or None / "none" for BM25 only; `embedder`
    passes an already-loaded embedder (tests pass a fake one). `backend` is where the clause rows go
    (`kb.backends.backend_writer`; default: the in-process files). `dask` is a Dask scheduler address
    (or a `distributed.Client`) to parse and embed on. Every file is parsed under `budget` (kb/worker.py; by
    default the settings' budget). Bad files and files over budget are reported in the report's `errors`,
    the good ones are still indexed.
    """
    from .backends.local import LocalWriter
    from .read import scan_corpus, unsupported_reason

    backend = backend or LocalWriter()

    t0 = time.perf_counter()
    corpus_dir, index_dir = Path(corpus_dir).resolve(), Path(index_dir).resolve()
    if not corpus_dir.is_dir():
        raise BuildError(f"语料目录不存在：{corpus_dir}")
    make_dirs(index_dir, "索引目录")
    if budget is None:
        from .config import load_settings

        budget = load_settings().budget
    model_spec = None if embed_model in (None, "", "none") and embedder is None else (
        embedder.name if embedder is not None else embed_model
    )

    with _lock(index_dir):
        catalog = load_catalog(corpus_dir) if use_catalog else {}
        supported, unsupported = scan_corpus(corpus_dir)
        errors = [FileError(p.name, unsupported_reason(p.suffix)) for p in unsupported]
        hashes = {p.name: hash_file(p, max_file_bytes) for p in supported}
        corpus_hash = hash_corpus(hashes, corpus_dir if use_catalog else None, model_spec, writer_key(backend))

        warnings = _catalog_warnings(catalog, supported)
        previous = store.current_build(index_dir)
        prev_manifest = try_manifest(previous)
        damaged = None
        # Whatever is reused is verified first (`reusable_records`); verifying opens only regular files inside the
        # build folder, so a damaged or hostile previous build cannot stall `--force` either.
        if not force and prev_manifest and prev_manifest.get("corpus_hash") == corpus_hash:
            damaged = build_damage(previous, prev_manifest)
            if damaged is None:
                prior = [FileError(**e) for e in prev_manifest.get("errors", []) if isinstance(e, dict)]
                counts = prev_manifest.get("counts", {})
                return BuildReport(previous, counts.get("documents", 0), counts.get("clauses", 0), prior,
                                   up_to_date=True, model=model_spec, warnings=warnings,
                                   seconds=time.perf_counter() - t0)
            warnings.append(f"当前索引已损坏（{damaged}），已重新构建")

        old_docs, old_clauses = ({}, {}) if damaged else reusable_records(previous, prev_manifest)
        report = BuildReport(None, errors=errors, model=model_spec, warnings=warnings)
        runner = _runner(dask)
        documents, clauses = _ingest_all(supported, catalog, old_docs, old_clauses, max_file_bytes, progress, report,
                                         runner, budget)

        tmp = store.new_build_dir(index_dir, corpus_hash)
        written: dict | None = None
        try:
            for row, c in enumerate(clauses):
                c.row = row
            with status_line(progress, "写入记录"):
                store.write_records(tmp, documents, clauses)
            retrieval = _build_retrieval(tmp, index_dir, documents, clauses, model_spec, embedder, progress, report,
                                         backend, runner)
            written = retrieval["backend"]
            manifest = {
                "build_id": tmp.name.removeprefix(".tmp-"),
                "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "corpus_dir": str(corpus_dir),
                "corpus_hash": corpus_hash,
                "pipeline_version": PIPELINE_VERSION,
                "catalog_used": use_catalog,
                "documents": {
                    d.source: {"sha256": d.sha256, "doc_id": d.id, "clauses": d.clause_count,
                               "catalog": hash_catalog_entry(catalog.get(d.source))}
                    for d in documents
                },
                "counts": {"documents": len(documents), "clauses": len(clauses)},
                "errors": [e.__dict__ for e in report.errors],
                **retrieval,
                "tools": tool_versions(),
            }
            with status_line(progress, "写入清单"):
                store.write_manifest(tmp, manifest)
                final = store.finish_build(index_dir, tmp)
        except BaseException as e:
            import shutil

            backend.discard(written)
            shutil.rmtree(tmp, ignore_errors=True)
            if isinstance(e, OSError):  # disk full, permissions: a typed error; the index in place is kept
                raise StorageError(f"构建失败，原索引保持不变：{os_error_message(e)}") from e
            raise
        try:
            backend.activate(written)
        except KBError as e:  # the build serves through its own folder; only other readers' alias lags
            report.warnings.append(str(e))
        store.prune_builds(index_dir)
        backend.prune(kept_backend_entries(index_dir))

    report.build_dir = final
    report.documents, report.clauses = len(documents), len(clauses)
    report.seconds = time.perf_counter() - t0
    return report


def _ingest_all(supported, catalog, old_docs, old_clauses, max_file_bytes, progress, report, runner=None,
                budget: ParseBudget | None = None):
    from .ingest import doc_ids_for
    from .topics import default_taxonomy
    from .worker import bounded_ingest

    taxonomy = default_taxonomy()
    slots: list[tuple[Document, list[Clause]] | None] = [None] * len(supported)
    jobs: list[tuple[int, Path, dict | None, str]] = []  # files to parse: (position, path, catalog entry, id)
    doc_ids = doc_ids_for([p.name for p in supported])
    sizes = [_parse_size(p, max_file_bytes) for p in supported]
    report_to = progress if callable(progress) and runner is None else None
    with ParseBar(sum(sizes), progress is True and runner is None, report_to, len(supported)) as bar, \
            bounded_ingest(budget) as bounded:
        for i, (path, size) in enumerate(zip(supported, sizes, strict=True)):
            if callable(progress):
                progress("解析文件", i, len(supported))
            entry = catalog.get(path.name)
            doc_id = doc_ids[path.name]
            old = old_docs.get((path.name, hash_catalog_entry(entry)))
            try:
                # Hashed only when there is something to reuse, and never when oversized (refused unread
                # below) or a link (never followed).
                if (old is not None and old.id == doc_id and _regular_size(path) <= max_file_bytes
                        and old.sha256 == store.file_sha256(path)):
                    slots[i] = (old, old_clauses[old.id])
                    report.reused += 1
                    bar.skip(size)
                    continue
            except OSError:
                pass  # parsing it reports what is wrong with the file
            if runner is not None:
                jobs.append((i, path, entry, doc_id))
                continue
            with bar.file(size, i) as file_progress:
                outcome = ingest_one(path, entry, doc_id, max_file_bytes, taxonomy, file_progress, bounded)
            _place(outcome, i, slots, report)
        if jobs:
            outcomes = runner.map(ingest_one, [(p, e, d, max_file_bytes, None, None, budget) for _, p, e, d in jobs],
                                  "解析文件", progress)
            for (i, *_), outcome in zip(jobs, outcomes, strict=True):
                _place(outcome, i, slots, report)
    documents = [slot[0] for slot in slots if slot is not None]
    clauses = [c for slot in slots if slot is not None for c in slot[1]]
    report.ocr = [d.source for d in documents if "ocr" in d.provenance]  # read by OCR, now or before
    return documents, clauses


def ingest_one(path: Path, entry: dict | None, doc_id: str, max_file_bytes: int, taxonomy=None,
               file_progress=None, bounded=None) -> tuple[Document, list[Clause]] | FileError:
    """Parse one corpus file into its document and clauses, or say by name why it cannot be indexed.

    Runs in the build process or on a Dask worker (then with the default taxonomy and no progress). `bounded`
    is a `kb.worker.bounded_ingest` function, or a ParseBudget for one made here (on a Dask worker).
    """
    from .topics import default_taxonomy
    from .worker import bounded_ingest

    try:
        with nullcontext(bounded) if callable(bounded) else bounded_ingest(bounded) as ingest_file:
            result = ingest_file(path, source=path.name, catalog_entry=entry,
                                 taxonomy=taxonomy or default_taxonomy(), max_bytes=max_file_bytes, doc_id=doc_id,
                                 progress=file_progress)
    except ReadError as e:
        return FileError(path.name, e.reason)
    except KBError as e:
        return FileError(path.name, str(e))
    except Exception as e:  # a bug on one file must not lose the others; it is reported by name
        log.exception("ingest failed for %s", path)
        return FileError(path.name, f"处理失败：{type(e).__name__}: {e}")
    if not result.clauses:
        return FileError(path.name, "未能从文件中切分出任何条款")
    return result.document, result.clauses


def _place(outcome, i: int, slots: list, report: BuildReport) -> None:
    if isinstance(outcome, FileError):
        report.errors.append(outcome)
    else:
        slots[i] = outcome


def _parse_size(path: Path, max_bytes: int) -> int:
    """Bytes a file adds to the parsing bar: oversized ones and links are refused unread and add nothing."""
    size = _regular_size(path)
    return size if size <= max_bytes else 0


def _regular_size(path: Path) -> int:
    """Size of a regular file, never following a link; anything else counts as too big to touch."""
    import stat

    try:
        st = path.lstat()
    except OSError:
        return 0
    return st.st_size if stat.S_ISREG(st.st_mode) else sys.maxsize


def _build_retrieval(tmp: Path, index_dir: Path, documents: list[Document], clauses: list[Clause], model_spec,
                     embedder, progress, report, backend: BackendWriter, runner=None) -> dict:
    """Tokens always, vectors when a model loads, written by the backend. Returns the manifest entries."""
    from .backends import clause_rows
    from .tokenize import get_tokenizer

    tokenizer = get_tokenizer()
    tokens = []
    every = max(1, len(clauses) // 100)
    for i, c in enumerate(progress_iter(clauses, "分词", progress)):
        if callable(progress) and i % every == 0:
            progress("分词", i, len(clauses))
        tokens.append(tokenizer.tokenize(index_text(c)))
    out: dict = {"bm25": {"tokenizer": tokenizer.signature, "dictionary_hash": hash_data("userdict.txt")},
                 "model": None, "dense": None}
    vectors = sentences = None
    if model_spec is not None:
        try:
            vectors, sentences, embedder = _embed(index_dir, clauses, model_spec, embedder, progress, report, runner)
        except (ModelUnavailableError, MissingDependencyError) as e:
            report.warnings.append(f"向量模型不可用，本次仅建立关键词（BM25）索引：{e}")
            report.model = None
    if sentences is not None:
        out["sentences"] = sentences.save(tmp)
    entry = backend.write(tmp, clause_rows(documents, clauses, tokens), vectors,
                          status=lambda label: status_line(progress, label))
    out["backend"] = entry
    if vectors is not None:
        out["model"] = {"name": embedder.name, "dim": int(embedder.dim)}
        out["dense"] = {"kind": entry.get("dense_kind", entry["name"]), "count": int(vectors.shape[0])}
    return out


def _embed(index_dir: Path, clauses: list[Clause], model_spec, embedder, progress, report, runner):
    """Clause and sentence vectors (kb/sentences.py) through the embedding cache; with a Dask runner its workers
    embed what the cache lacks."""
    from .embed import load_embedder
    from .embed_cache import EmbeddingCache, embed_cached
    from .sentences import SentenceVectors, split_sentences

    embedder = embedder or load_embedder(model_spec)
    cache_dir = index_dir / "cache" / "embeddings"
    cache = EmbeddingCache(cache_dir)
    texts = [embed_text(c) for c in clauses]
    if runner is not None:
        from .distributed import embed_on_workers

        sentence_texts = [s for c in clauses for s in split_sentences(c.text)]
        report.embedded = embed_on_workers(runner, embedder, texts + sentence_texts, cache, progress)
    if callable(progress):
        progress("向量", 0, 1)
    before = cache.misses
    vectors = embed_cached(embedder, texts, cache, progress=progress is True)
    sentences = SentenceVectors.embed([c.text for c in clauses],
                                      lambda batch: embed_cached(embedder, batch, cache, progress=progress is True),
                                      int(embedder.dim))
    report.embedded += cache.misses - before
    return vectors, sentences, embedder


def index_text(c: Clause) -> str:
    """What BM25 sees: the parents' headings give context ("保险" under a part on insurance) and the text."""
    return " ".join([*c.parents, c.text])


def embed_text(c: Clause) -> str:
    """What the dense model sees: the heading path and the clause text."""
    context = " > ".join(c.parents)
    return f"{context}\n{c.text}" if context else c.text


def _runner(dask):
    if dask is None:
        return None
    from .distributed import DaskRunner

    return DaskRunner.connect(dask)


def _catalog_warnings(catalog: dict, supported: list[Path]) -> list[str]:
    """Entries whose key names no corpus file: kept (a catalog may describe a file not yet added), but said."""
    names = {p.name for p in supported}
    return [f"{CATALOG_NAME} 中的 [{key}] 在语料目录中没有对应文件（暂不使用）" for key in catalog if key not in names]


@contextmanager
def _lock(index_dir: Path):
    """One build at a time per index folder; readers never need the lock."""
    lock = index_dir / ".build.lock"
    try:
        f = open(lock, "a")
    except OSError as e:
        raise BuildError(f"无法创建构建锁 {lock}：{os_error_message(e)}") from e
    with f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as e:
            raise BuildError(f"另一个构建正在使用 {index_dir}，请稍后再试") from e
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
