"""The build's progress on the terminal (tqdm on stderr) and to a callback: a parsing bar that counts bytes,
status lines for steps without a count, counted iteration (shares for the app: kb/progress.py)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# Progress callback for the app: (stage, done, total).
Progress = Callable[[str, float, int], None]  # stage, done (fractional inside a file being parsed), total


class ParseBar:
    """The terminal bar of the parsing stage. It counts bytes, not files, so that one huge file (a 50 MB
    text takes most of a minute) moves it too instead of leaving it at 0 until the file is done."""

    def __init__(self, total: int, show: bool, report: Progress | None = None, files: int = 0) -> None:
        self.bar = None
        self.done = 0
        # A progress callback (the app's bar) hears the files done as a fraction within the current file:
        # ("解析文件", 0.4, 1) while the only file is 40 % parsed.
        self.report, self.files = report, files
        if show and total:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc="解析文件", unit="B", unit_scale=True, unit_divisor=1024,
                            file=sys.stderr, leave=False)

    def __enter__(self) -> ParseBar:
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.close()

    def skip(self, size: int) -> None:
        """A file taken over unparsed: its bytes count as done at once."""
        self.done += size
        if self.bar is not None:
            self.bar.update(self.done - self.bar.n)

    @contextmanager
    def file(self, size: int, index: int = 0) -> Iterator[Callable[[float], None] | None]:
        """Progress callback for the file's share done (None when nobody listens); the bar ends at the file's end."""
        bar, start, report = self.bar, self.done, self.report

        def within(share: float) -> None:
            if bar is not None:
                bar.update(start + int(share * size) - bar.n)
            if report is not None:
                report("解析文件", index + max(0.0, min(1.0, share)), self.files)

        try:
            yield within if bar is not None or report is not None else None
        finally:
            self.done += size
            if bar is not None:
                bar.update(self.done - bar.n)


@contextmanager
def status_line(progress, label: str) -> Iterator[None]:
    """A line on the terminal while a step without a count of its own runs: with a 50 MB file, writing
    the records and building the BM25 and vector indexes take several seconds each."""
    if progress is not True:
        yield
        return
    from tqdm import tqdm

    bar = tqdm(total=1, desc=label, bar_format="{desc}……", file=sys.stderr, leave=False)
    try:
        yield
    finally:
        bar.close()


def progress_iter(items: list, label: str, progress) -> Iterator:
    if progress is True and len(items) > 1:
        from tqdm import tqdm

        yield from tqdm(items, desc=label, unit="项", file=sys.stderr, leave=False)
    else:
        yield from items
