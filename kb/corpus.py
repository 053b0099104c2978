"""Adding files to the corpus folder safely: sanitised names, allowed types, size limit, no silent overwrite."""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from pathlib import Path

from .config import MAX_FILE_BYTES
from .errors import ReadError

ALLOWED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx")


def sanitize_name(name: str) -> str:
    """A plain file name that cannot leave the corpus folder: "../../x.txt" → "x.txt"."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/")
    name = name.split("/")[-1]
    name = re.sub(r"[\x00-\x1f\x7f<>:\"|?*]", "", name).strip().lstrip(".")
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    stem = re.sub(r"\s+", "_", stem)[:120].strip("._") or "document"
    return f"{stem}.{suffix.lower()}" if suffix else stem


def add_to_corpus(
    corpus_dir: Path, name: str, data: bytes, *, replace: bool = False, max_bytes: int = MAX_FILE_BYTES
) -> Path:
    """Write one uploaded or copied file into the corpus folder. Raises ReadError with a reason a person reads."""
    clean = sanitize_name(name)
    suffix = Path(clean).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise ReadError(name, f"不支持的文件类型 {suffix or '（无扩展名）'}，可上传 {'、'.join(ALLOWED_SUFFIXES)}")
    if not data:
        raise ReadError(name, "文件为空")
    if len(data) > max_bytes:
        raise ReadError(name, f"文件过大（{len(data) / 1e6:.1f} MB，上限 {max_bytes / 1e6:.0f} MB）")
    corpus_dir = Path(corpus_dir).resolve()
    corpus_dir.mkdir(parents=True, exist_ok=True)
    target = (corpus_dir / clean).resolve()
    if target.parent != corpus_dir:  # belt and braces: sanitize_name already strips directories
        raise ReadError(name, "文件名不合法")
    if target.exists() and not replace:
        if target.read_bytes() == data:
            return target  # the same file again: nothing to do
        raise ReadError(name, f"语料中已有同名文件 {clean}；如需替换请选择“覆盖”或先改名")
    fd, tmp = tempfile.mkstemp(dir=corpus_dir, prefix=".upload-", suffix=suffix)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, target)
    return target
