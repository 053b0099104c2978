"""The held-out judgement files (eval/README.md): written before the system ran on them and never tuned on.
Tuning and probing scripts call `refuse` on every file they would read; benchmark writers report these sets as
counts and figures only (no question text, no individual miss), so nobody tunes by reading bench output."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

# Session 6 (2026-12-03 18:25): session 5's sets (fresh5_*, targets_fresh4) released for tuning after their figures at
# 02d949b were recorded (eval/README.md); session 6 holds out its own sets (fresh6_*, fresh6b_*, targets_fresh5).
# session 5 (2026-12-03): retrieval, off-topic and comparison over corpus/; target truth over more real documents.
# Session 4's sets (fresh4_*, targets_fresh3) were released for tuning at the start of session 5, after their
# untouched figures were recorded (eval/README.md).
HELD_OUT: frozenset[str] = frozenset({"fresh6_queries.jsonl", "fresh6_offtopic.jsonl", "fresh6_compare.jsonl",
                                       "fresh6b_queries.jsonl", "fresh6b_offtopic.jsonl", "fresh6b_compare.jsonl",
                                       "targets_fresh5.jsonl"})


def is_held_out(name: str | Path) -> bool:
    return Path(name).name in HELD_OUT


def refuse(files: Iterable[str | Path], what: str) -> None:
    """Stop a tuning or probing script that was about to read a held-out file."""
    bad = sorted(Path(f).name for f in files if is_held_out(f))
    if bad:
        raise SystemExit(f"{what} never reads the held-out sets (eval/README.md): {', '.join(bad)}")
