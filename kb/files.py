"""Folders and files on disk for the corpus and the index: folders made with a StorageError that names them;
a file written into the corpus folder atomically, through our own temporary file, which is removed on every
failure path; leftovers of a killed writer are removed by the next one.

Temporary names are `<prefix><pid>-<random>.tmp`: hidden, so a build never reads them, and carrying the
writer's process id, so a later writer knows when one is abandoned (its process is gone).
"""

from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path

from .errors import StorageError, os_error_message

# Leftovers without a process id (written by earlier versions) count as abandoned after this long.
_LEGACY_AFTER_S = 3600


def make_dirs(path: Path, what: str) -> None:
    """`mkdir -p path`; a refusal (permissions, a file in the way, disk full) is a StorageError naming
    `what` (索引目录, 语料目录…)."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise StorageError(f"无法创建{what} {path}：{os_error_message(e)}") from e


def write_atomic(path: Path, data: bytes, prefix: str) -> None:
    """Write `data` to `path` through a temporary file and `os.replace`. Raises StorageError (disk full,
    permissions…); the temporary file never outlives the call, and `path` is either old or new, never half."""
    path = Path(path)
    remove_leftovers(path.parent, prefix)
    tmp = path.parent / f"{prefix}{os.getpid()}-{secrets.token_hex(4)}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException as e:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise StorageError(f"无法写入 {path.name}：{os_error_message(e)}") from e
        raise


def remove_leftovers(folder: Path, prefix: str) -> list[Path]:
    """Remove temporary files of `prefix` whose writer is gone; returns what was removed."""
    removed = []
    own = re.compile(re.escape(prefix) + r"(\d+)-[0-9a-f]+\.tmp$")
    try:
        names = [p for p in Path(folder).iterdir() if p.name.startswith(prefix)]
    except OSError:
        return removed
    for p in names:
        m = own.match(p.name)
        try:
            if m:
                abandoned = not process_alive(int(m.group(1)))
            else:
                abandoned = p.is_file() and not p.is_symlink() and time.time() - p.stat().st_mtime > _LEGACY_AFTER_S
            if abandoned:
                p.unlink()
                removed.append(p)
        except OSError:
            continue
    return removed


def process_alive(pid: int) -> bool:
    """Whether a process of that id exists (ours counts as alive)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
