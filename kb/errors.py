"""Typed exceptions raised by the library; only the CLI and the app turn them into messages."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from contextlib import contextmanager

# What opening or reading a damaged zip package (DOCX, OFD) raises: a bad directory or header (negative seek),
# a CRC error, an unknown compression method or version ("zip file version 13.8").
ZIP_DAMAGE = (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError)


class KBError(Exception):
    """Base class for every error the kb package raises on purpose."""


class ReadError(KBError):
    """A corpus file cannot be read: unsupported, empty, binary, corrupt, encrypted or too large."""

    def __init__(self, source: str, reason: str):
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


def require_text(source: str, text: str, reason: str) -> str:
    """A reader's last check: `text` when it holds a visible character, else ReadError(source, reason)."""
    if not text.strip():
        raise ReadError(source, reason)
    return text


# A kind of exception (or several) and what it means to a reader.
Failure = tuple[type[BaseException] | tuple[type[BaseException], ...], str]


@contextmanager
def read_errors(source: str, *failures: Failure) -> Iterator[None]:
    """Inside: an exception of a kind named becomes ReadError(source, its reason), the first kind that fits (its
    cause dropped: the reason says it all); a ReadError raised inside passes as it is."""
    try:
        yield
    except ReadError:
        raise
    except tuple(k for kind, _ in failures for k in (kind if isinstance(kind, tuple) else (kind,))) as e:
        reason = next(r for kind, r in failures if isinstance(e, kind))
        raise ReadError(source, reason) from None


class CatalogError(KBError):
    """The catalog file is malformed or holds a value that is not allowed."""


class IndexMissingError(KBError):
    """No built index where one was expected."""


class IndexCorruptError(KBError):
    """An index file is missing, truncated or does not match its checksum."""


class BuildError(KBError):
    """A build could not complete; the previous index is left in place."""


class ModelUnavailableError(KBError):
    """The configured embedding model cannot be loaded."""


class MissingDependencyError(KBError):
    """An optional dependency is not installed; the message says what to install."""


class QueryError(KBError):
    """A query or filter value is not usable (e.g. an unknown level)."""


class BackendError(KBError):
    """The retrieval backend (e.g. a Milvus server) is misconfigured, unreachable or refused a write."""


class ConfigError(KBError):
    """A setting (environment variable or kb.toml) holds a value that cannot be used."""


class StorageError(KBError):
    """The operating system refused a file operation (disk full, permission, a folder where a file should be)."""


_ERRNO_TEXT = {
    "ENOSPC": "磁盘空间不足", "EDQUOT": "磁盘配额已满", "EACCES": "没有权限", "EPERM": "没有权限",
    "ENOENT": "文件或文件夹不存在", "EISDIR": "应为文件，实际是文件夹", "ENOTDIR": "路径中有一项不是文件夹",
    "EROFS": "文件系统只读", "ELOOP": "符号链接层数过多", "ENAMETOOLONG": "文件名过长", "EEXIST": "文件已存在",
    "EMFILE": "打开的文件过多", "EIO": "磁盘读写错误", "EBUSY": "文件正被占用", "EXDEV": "不能跨磁盘移动",
}


def os_error_message(e: OSError) -> str:
    """An operating-system error in words a person reads: what failed, on which file, and the system's text."""
    import errno

    name = errno.errorcode.get(e.errno or 0, "")
    what = _ERRNO_TEXT.get(name) or "系统错误"
    where = f"：{e.filename}" if e.filename else ""
    return f"{what}{where}（{e.strerror or e}）"
