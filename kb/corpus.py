"""Adding files to the corpus folder safely: sanitised names, allowed types, size limit, no silent overwrite."""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .config import MAX_FILE_BYTES
from .errors import KBError, ReadError
from .read import SUPPORTED_SUFFIXES, unsupported_reason

ALLOWED_SUFFIXES = SUPPORTED_SUFFIXES


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
        raise ReadError(name, f"{unsupported_reason(suffix)}，可上传 {'、'.join(ALLOWED_SUFFIXES)}")
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


@dataclass
class UploadResult:
    """What became of one uploaded file; `message` is for the person who uploaded it."""

    name: str  # as uploaded
    ok: bool
    message: str
    saved_as: str = ""


def store_upload(corpus_dir: Path, name: str, data: bytes, *, replace: bool = False,
                 max_bytes: int | None = None) -> UploadResult:
    """Check an uploaded file reads as text first, then add it to the corpus; nothing unreadable is kept."""
    from .read import read_file

    limit = max_bytes or MAX_FILE_BYTES
    clean = sanitize_name(name)
    try:
        if data and len(data) <= limit and Path(clean).suffix.lower():
            with tempfile.TemporaryDirectory(prefix="kb-upload-") as tmp:
                probe = Path(tmp) / clean
                probe.write_bytes(data)
                read_file(probe, max_bytes=limit)
        target = add_to_corpus(corpus_dir, name, data, replace=replace, max_bytes=limit)
    except ReadError as e:
        return UploadResult(name, False, e.reason)
    except KBError as e:
        return UploadResult(name, False, str(e))
    renamed = f"（已保存为 {target.name}）" if target.name != name else ""
    return UploadResult(name, True, f"已加入语料库{renamed}", target.name)

