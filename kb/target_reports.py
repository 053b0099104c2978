"""A document's kind changes what its figures are: a statistical report's (统计公报) are statistics, not goals.

extract_targets reads one clause; ingest calls `read_as_reported` once the document's title is known."""

from __future__ import annotations

from collections.abc import Iterable

from .models import Clause
from .target_patterns import _REPORT_TITLE_RE

# What a report of past figures can still state as a goal or a criterion: nothing it extracts is one, but a
# sanction's sum (penalty) and a bare direction (稳步增长) keep their kind.
_REPORTED_KINDS = ("goal", "criterion")


def reports_past(title: str) -> bool:
    """万载县2022年国民经济和社会发展统计公报, 2023年统计年鉴: a document whose figures report what happened."""
    return bool(title) and _REPORT_TITLE_RE.search(title) is not None


def read_as_reported(title: str, clauses: Iterable[Clause]) -> None:
    """In a report of past figures (by its title), every goal or criterion extracted is a baseline."""
    if not reports_past(title):
        return
    for c in clauses:
        for t in c.targets:
            if t.kind in _REPORTED_KINDS:
                t.kind = "baseline"
