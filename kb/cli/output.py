"""What every command shares: the settings, the index and corpus folders, aligned tables, JSON lines and the notes
written beside the output (notices, warnings, files not indexed)."""

from __future__ import annotations

import argparse
import json
import math
import sys
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from ..config import load_settings


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _clip(s: str, n: int) -> str:
    out, w = [], 0
    for ch in s:
        cw = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if w + cw > n - 1 and w + cw > n:
            out.append("…")
            break
        out.append(ch)
        w += cw
    return "".join(out)


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]], limits: Sequence[int] | None = None) -> None:
    """A plain aligned table that respects the double width of Chinese characters."""
    cells = [[str(c) for c in headers]] + [[str(c) for c in r] for r in rows]
    if limits:
        cells = [[_clip(c, lim) if lim else c for c, lim in zip(r, limits, strict=False)] for r in cells]
    widths = [max(_width(r[i]) for r in cells) for i in range(len(headers))]
    for n, r in enumerate(cells):
        print("  ".join(c + " " * (w - _width(c)) for c, w in zip(r, widths, strict=True)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


def clause_name(clause) -> str:
    """Path and heading, the path without a heading it repeats (一、提质 提质 read twice): 一、提质; a clause outside
    the numbered outline by its part (前言), as the app names it."""
    from ..models import KIND_LABELS
    from ..outline import display_path

    return f"{display_path(clause)}{clause.heading}".strip() or KIND_LABELS.get(clause.kind, "正文")


def doc_brief(doc, level: bool = True) -> str:
    """A document's level, 文号 (when it has one) and date as cited: “市级（推断） 成文日期未注明”."""
    parts = [doc.shown("level")] if level else []
    if doc.doc_number:
        parts.append(doc.shown("doc_number"))
    parts.append(doc.shown("date") if doc.date else "成文日期未注明")
    return " ".join(parts)


def json_text(obj) -> str:
    """JSON for machines: a NaN or infinite number (which JSON cannot hold) becomes null, never `NaN`."""
    return json.dumps(_finite(obj), ensure_ascii=False, allow_nan=False)


def _finite(obj):
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


def print_jsonl(objs) -> None:
    """One JSON object per line, Chinese as written."""
    for obj in objs:
        print(json_text(obj))


def print_notes(lines: Iterable[str]) -> None:
    """Lines for the person at the terminal, not part of the output (which may be piped on): on stderr."""
    for line in lines:
        print(line, file=sys.stderr)


def notices(kb) -> Iterator[str]:
    """What an index says about itself when loaded (an old build, a missing model…)."""
    return (f"提示：{notice}" for notice in kb.notices)


def unindexed(report) -> Iterator[str]:
    """The files a build could not index, and why."""
    return (f"无法索引 {e.source}：{e.reason}" for e in report.errors)


def print_json(obj) -> None:
    print_jsonl([obj])


def index_dir(args: argparse.Namespace) -> Path:
    return Path(args.index) if getattr(args, "index", None) else load_settings().index_dir


def corpus_dir(args: argparse.Namespace) -> Path:
    return Path(args.corpus) if getattr(args, "corpus", None) else load_settings().corpus_dir
