"""Bounded parsing: each corpus file is read, cleaned, segmented and tagged in a worker process under a budget.

No single file may stall or exhaust the build or the app. The worker process has an address-space limit
(`resource.RLIMIT_AS`) and a CPU limit per file (`RLIMIT_CPU`); the parent waits with a wall-clock deadline
that grows with the file's size and kills the worker when it passes; the result is refused when it is larger
than the output budget. A file over budget raises `ReadError` with the reason in Chinese, like any other bad
file, and the next file gets a fresh worker. A worker is a fresh interpreter (`subprocess`, never `fork`: the
app has threads; not `multiprocessing` spawn either, which re-imports the caller's main script and so fails
in a script without a `__main__` guard), talking over a socket pair, and it is reused across files and builds:
a build pays the start-up (interpreter, imports, lazily loaded data: 1–5 s on 2 busy cores) once, and that
start-up is not charged to the first file's budget.
"""

from __future__ import annotations

import json
import math
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .config import MAX_FILE_BYTES, ParseBudget
from .errors import KBError, ReadError

FileProgress = Callable[[float], None]
STARTUP_TIMEOUT_S = 120.0  # a worker that has not imported the pipeline by then is not coming


class ParseWorker:
    """One worker process. `ingest` runs `kb.ingest.ingest_file` in it and returns the `Ingested` result."""

    def __init__(self, budget: ParseBudget) -> None:
        from multiprocessing.connection import Connection

        self.budget = budget
        mine, theirs = socket.socketpair()
        # The child imports this very kb (the caller's sys.path), prints nothing to our stdout (it may be JSON
        # output), and leaves when the socket closes, however this process ends.
        self._proc = subprocess.Popen(
            [sys.executable, "-c", _BOOT, json.dumps(sys.path), str(theirs.fileno()), str(budget.memory_mb)],
            pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        )
        theirs.close()
        self._conn = Connection(mine.detach())
        self._ready = False

    def _wait_ready(self, source: str) -> None:
        """Start-up (interpreter, imports) is not charged to the first file: its deadline starts after it."""
        if self._ready:
            return
        try:
            ready = self._conn.poll(STARTUP_TIMEOUT_S) and self._conn.recv() == ("ready", None)
        except (OSError, EOFError):
            ready = False
        if not ready:
            self.close()
            raise ReadError(source, "解析进程无法启动（可能是内存预算过小），已跳过")
        self._ready = True

    @property
    def alive(self) -> bool:
        return self._proc.poll() is None

    def ingest(self, path: Path, *, source: str, catalog_entry: dict | None = None, taxonomy=None,
               max_bytes: int = MAX_FILE_BYTES, doc_id: str | None = None,
               progress: FileProgress | None = None):
        """Parse one file within the budget; raises ReadError (over budget, unreadable) or KBError."""
        try:
            size = os.lstat(path).st_size
        except OSError:
            size = 0
        seconds = self.budget.seconds_for(min(size, max_bytes))
        self._wait_ready(source)
        job = dict(path=str(path), source=source, catalog_entry=catalog_entry, taxonomy=taxonomy,
                   max_bytes=max_bytes, doc_id=doc_id, budget=self.budget, cpu_seconds=math.ceil(seconds))
        try:
            self._conn.send(job)
        except (OSError, EOFError):  # the worker died between files
            self.close()
            raise ReadError(source, "解析进程意外退出，请重试") from None
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            try:
                ready = left > 0 and self._conn.poll(min(left, 0.5))
            except (OSError, EOFError):
                ready = True  # the worker died: recv below says so
            if not ready:
                if left <= 0:
                    self.close()
                    raise ReadError(source, f"解析超时（超过 {seconds:.0f} 秒的时间预算），已跳过")
                continue
            try:
                kind, value = self._conn.recv()
            except (OSError, EOFError):
                raise ReadError(source, self._death_reason()) from None
            if kind == "progress":
                if progress is not None:
                    progress(value)
                continue
            return self._result(source, kind, value)

    def _result(self, source: str, kind: str, value):
        if kind == "ok":
            return pickle.loads(value)
        if kind == "read_error":
            raise ReadError(source, value)
        if kind == "kb_error":
            raise KBError(value)
        if kind == "memory":
            self.close()  # a worker that ran out of memory is not trusted with the next file
            raise ReadError(source, f"解析所需内存超出预算（{self.budget.memory_mb} MB），已跳过")
        if kind == "output":
            raise ReadError(source, f"解析结果过大（{value / 1e6:.0f} MB，上限 {self.budget.output_mb} MB），已跳过")
        if kind == "recursion":
            raise ReadError(source, "文件结构嵌套过深，无法解析")
        raise ReadError(source, f"处理失败：{value}")

    def _death_reason(self) -> str:
        try:
            code = self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        self.close()
        if code == -signal.SIGXCPU:
            return "解析超时（超过 CPU 时间预算），已跳过"
        return f"解析进程异常退出（退出码 {code}，可能超出内存预算 {self.budget.memory_mb} MB），已跳过"

    def close(self) -> None:
        """Stop the worker (killed if it does not leave at once)."""
        try:
            self._conn.close()
        except OSError:
            pass
        if self._proc.poll() is None:
            self._proc.kill()
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass


# Idle workers by memory limit (the one part of the budget fixed at start; the rest travels with each job): a
# build takes one and gives it back, so the next build (or upload) reuses it.
_idle: dict[int, list[ParseWorker]] = {}
_idle_lock = threading.Lock()


@contextmanager
def bounded_ingest(budget: ParseBudget | None = None) -> Iterator[Callable[..., object]]:
    """A function with the signature of `ParseWorker.ingest`, backed by a (reused) worker process."""
    budget = budget or ParseBudget()
    holder: list[ParseWorker] = []
    with _idle_lock:
        pool = _idle.setdefault(budget.memory_mb, [])
        while pool and not holder:
            w = pool.pop()
            if w.alive:
                holder.append(w)
            else:
                w.close()

    def ingest(path: Path, **kwargs):
        if not holder or not holder[0].alive:
            if holder:
                holder.pop().close()
            holder.append(ParseWorker(budget))
        holder[0].budget = budget
        return holder[0].ingest(path, **kwargs)

    try:
        yield ingest
    finally:
        if holder and holder[0].alive:
            with _idle_lock:
                holder[0].budget = budget
                _idle.setdefault(budget.memory_mb, []).append(holder[0])


def shutdown() -> None:
    """Stop every idle worker (tests and the app's shutdown; workers are daemons otherwise)."""
    with _idle_lock:
        for pool in _idle.values():
            for w in pool:
                w.close()
        _idle.clear()


# ---------------------------------------------------------------------------------------------------
# The worker process.

_BOOT = ("import sys, json; sys.path[:0] = json.loads(sys.argv[1]); from kb.worker import _child; "
         "_child(int(sys.argv[2]), int(sys.argv[3]))")


def _child(fd: int, memory_mb: int) -> None:
    from multiprocessing.connection import Connection

    _serve(Connection(fd), memory_mb)


def _serve(conn, memory_mb: int) -> None:
    """Run jobs until the parent closes the pipe. Every failure is sent back as a typed message."""
    import resource
    import sys

    limit = memory_mb * 1024 * 1024
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):  # already lower, or not permitted: keep what we have
        pass
    sys.setrecursionlimit(5000)
    try:
        from .ingest import ingest_file, warm_up

        warm_up()  # not charged to the first file's time budget
    except MemoryError:
        return
    except Exception:  # a real problem shows again on the first file, with its name
        pass
    conn.send(("ready", None))

    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        _limit_cpu(job.pop("cpu_seconds"))
        budget: ParseBudget = job.pop("budget")
        path = Path(job.pop("path"))
        try:
            result = ingest_file(path, budget=budget, progress=lambda share: conn.send(("progress", share)), **job)
            data = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
            del result
            if len(data) > budget.output_mb * 1024 * 1024:
                reply = ("output", len(data))
            else:
                reply = ("ok", data)
        except ReadError as e:
            reply = ("read_error", e.reason)
        except KBError as e:
            reply = ("kb_error", str(e))
        except MemoryError:
            reply = ("memory", None)
        except RecursionError:
            reply = ("recursion", None)
        except Exception as e:  # a bug on one file must not lose the others; reported by name
            reply = ("error", f"{type(e).__name__}: {e}")
        try:
            conn.send(reply)
        except (OSError, EOFError):
            return
        except MemoryError:
            conn.send(("memory", None))
        if reply[0] == "memory":
            return


def _limit_cpu(seconds: int) -> None:
    """CPU time for the next file: what the process has used so far plus the file's budget (SIGXCPU after)."""
    import resource

    used = resource.getrusage(resource.RUSAGE_SELF)
    soft = int(used.ru_utime + used.ru_stime) + max(1, seconds) + 1
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
    except (ValueError, OSError):
        pass
