"""Adding files to the corpus folder safely: sanitised names, allowed types, size limit, no silent overwrite."""

from __future__ import annotations

import os
import re
import stat
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .config import MAX_FILE_BYTES, ParseBudget
from .errors import KBError, ReadError, os_error_message
from .files import make_dirs, write_atomic
from .read import SUPPORTED_SUFFIXES, unsupported_reason

ALLOWED_SUFFIXES = SUPPORTED_SUFFIXES
MAX_NAME_BYTES = 255
UPLOAD_PREFIX = ".upload-"


def sanitize_name(name: str) -> str:
    """A plain file name that cannot leave the corpus folder: "../../x.txt" → "x.txt"."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/")
    name = name.split("/")[-1]
    name = re.sub(r"[\x00-\x1f\x7f<>:\"|?*]", "", name).strip().lstrip(".")
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    suffix = suffix.lower()[:16]
    # File systems allow 255 bytes per name (not characters: a Chinese character is 3 bytes in UTF-8).
    room = MAX_NAME_BYTES - (len(suffix.encode("utf-8")) + 1 if suffix else 0)
    stem = re.sub(r"\s+", "_", stem)
    stem = stem.encode("utf-8", "ignore")[:room].decode("utf-8", "ignore").strip("._") or "document"
    return f"{stem}.{suffix}" if suffix else stem


def add_to_corpus(
    corpus_dir: Path, name: str, data: bytes, *, replace: bool = False, max_bytes: int = MAX_FILE_BYTES
) -> Path:
    """Write one uploaded or copied file into the corpus folder. Raises ReadError with a reason a person reads
    (StorageError when the disk refuses); nothing is left behind on failure."""
    base = unicodedata.normalize("NFC", name or "").replace("\\", "/").split("/")[-1]
    if base.startswith("~$"):
        raise ReadError(name, "这是 Office 打开文档时生成的临时锁文件（~$ 开头），不是文档，未保存")
    clean = sanitize_name(name)
    suffix = Path(clean).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise ReadError(name, f"{unsupported_reason(suffix)}，可上传 {'、'.join(ALLOWED_SUFFIXES)}")
    if not data:
        raise ReadError(name, "文件为空")
    if len(data) > max_bytes:
        raise ReadError(name, f"文件过大（{len(data) / 1e6:.1f} MB，上限 {max_bytes / 1e6:.0f} MB）")
    corpus_dir = Path(corpus_dir).resolve()
    make_dirs(corpus_dir, "语料目录")
    target = corpus_dir / clean
    if target.parent != corpus_dir or clean in (".", ".."):  # sanitize_name already strips directories
        raise ReadError(name, "文件名不合法")
    if os.path.lexists(target) and not replace:
        if _same_content(target, data):
            return target  # the same file again: nothing to do
        raise ReadError(name, f"语料中已有同名文件 {clean}；如需替换请选择“覆盖”或先改名")
    write_atomic(target, data, prefix=UPLOAD_PREFIX)
    return target


@dataclass
class UploadResult:
    """What became of one uploaded file; `message` is for the person who uploaded it."""

    name: str  # as uploaded
    ok: bool
    message: str
    saved_as: str = ""


def store_upload(corpus_dir: Path, name: str, data: bytes, *, replace: bool = False,
                 max_bytes: int | None = None, budget: ParseBudget | None = None) -> UploadResult:
    """Check an uploaded file parses first, then add it to the corpus; nothing unreadable is kept. The check
    is the build's own bounded parse (kb/worker.py), so a file that would hang or exhaust the build is
    refused here, in the time budget, with the same reason; the app's process never parses it itself."""
    from .config import load_settings
    from .worker import bounded_ingest

    limit = max_bytes or MAX_FILE_BYTES
    clean = sanitize_name(name)
    try:
        if data and len(data) <= limit and Path(clean).suffix.lower():
            with tempfile.TemporaryDirectory(prefix="kb-upload-") as tmp:
                probe = Path(tmp) / clean
                probe.write_bytes(data)
                with bounded_ingest(budget or load_settings().budget) as ingest:
                    ingest(probe, source=clean, max_bytes=limit)
        target = add_to_corpus(corpus_dir, name, data, replace=replace, max_bytes=limit)
    except ReadError as e:
        return UploadResult(name, False, e.reason)
    except KBError as e:
        return UploadResult(name, False, str(e))
    except OSError as e:  # the temporary folder for the check: disk full, permissions
        return UploadResult(name, False, f"无法保存：{os_error_message(e)}")
    renamed = f"（已保存为 {target.name}）" if target.name != name else ""
    return UploadResult(name, True, f"已加入语料库{renamed}", target.name)


def _same_content(target: Path, data: bytes) -> bool:
    """Whether an existing regular file holds exactly `data` (a link or a folder never does; never followed)."""
    try:
        st = target.lstat()
        if not stat.S_ISREG(st.st_mode) or st.st_size != len(data):
            return False
        return target.read_bytes() == data
    except OSError:
        return False
