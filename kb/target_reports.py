"""A document's kind changes what its figures are: a statistical report's (统计公报) are statistics, not goals; and a
document may say how it reads its own bound words (“以上”不包括本数).

extract_targets reads one clause; ingest calls `read_as_reported` once the document's title is known and
`read_own_bounds` once all its clauses are read."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

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


# 本规程所称“以下”“最高”…均包括本数,“以上”不包括本数字: quoted bound words, then whether they include the figure.
_OWN_READING_RE = re.compile(r"((?:[“\"][^”\"]{1,6}[”\"][、，,和及与]?)+)均?(不)?(?:包括|包含|含)本数")
_QUOTED_RE = re.compile(r"[“\"]([^”\"]{1,6})[”\"]")
# A bound word read without its figure, and how it reads then.
_STRICT = {"以上": "超过", "以下": "低于"}


def read_own_bounds(clauses: Sequence[Clause]) -> None:
    """A document that says its 以上 (or 以下) does not include the figure has it read as > (<) in every target."""
    strict = {word for c in clauses for m in _OWN_READING_RE.finditer(c.text) if m.group(2)
              for word in _QUOTED_RE.findall(m.group(1)) if word in _STRICT}
    for c in clauses if strict else ():
        for t in c.targets:
            if t.comparator in strict and f"及{t.comparator}" not in t.phrase:  # 及以上 includes it still
                t.comparator = _STRICT[t.comparator]
