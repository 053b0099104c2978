"""Topics × documents: which document says how much about what, and the same as a CSV file."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from pathlib import Path

from .common import EXCLUDED_KINDS, TOPIC_SCALE, eligible, select_documents
from .results import Coverage, CoverageCell


def coverage(kb, min_score: float | None = None, documents: list[str] | None = None,
             levels: list[str] | None = None, exclude_kinds: Sequence[str] = EXCLUDED_KINDS) -> Coverage:
    """Topics × documents: how many clauses carry each topic (score ≥ `min_score`, default the tagger's
    own threshold) and how strongly (sum and best of their topic scores)."""
    from ..topics import MIN_SCORE, default_taxonomy

    floor = MIN_SCORE if min_score is None else float(min_score)
    topics = [(t.key, t.label) for t in default_taxonomy()]
    docs = select_documents(kb, documents, levels)
    cells = []
    for key, label in topics:
        for d in docs:
            tagged = [(t.score, c) for c in eligible(kb, d, exclude_kinds) for t in c.topics
                      if t.key == key and t.score >= floor]
            best_score, best_clause = max(tagged, key=lambda x: (x[0], -x[1].ordinal), default=(0.0, None))
            cells.append(CoverageCell(
                topic=key, topic_label=label, source=d.source, doc_id=d.id, level=d.level, count=len(tagged),
                strength=round(sum(s for s, _ in tagged), 3), best=best_score,
                confidence=round(1 - math.exp(-best_score / TOPIC_SCALE), 4) if tagged else 0.0,
                best_clause_id=best_clause.id if best_clause else "",
            ))
    return Coverage(topics, docs, cells, floor)


COVERAGE_HEADERS = ("主题键", "主题", "文件", "标题", "层级", "日期", "条款数", "强度", "最高分", "置信度", "代表条款")


def coverage_to_csv(cov: Coverage, path_or_buffer) -> None:
    """One row per topic × document, Chinese headers, UTF-8 with BOM so Excel opens it right."""
    docs = {d.id: d for d in cov.documents}
    lines = [COVERAGE_HEADERS]
    for c in cov.cells:
        d = docs[c.doc_id]
        lines.append((c.topic, c.topic_label, c.source, d.title, d.level_label, d.date, c.count, c.strength,
                      c.best, c.confidence, c.best_clause_id))
    if isinstance(path_or_buffer, (str, Path)):
        with open(path_or_buffer, "w", encoding="utf-8-sig", newline="") as f:
            csv.writer(f).writerows(lines)
    elif isinstance(path_or_buffer, io.TextIOBase) or hasattr(path_or_buffer, "encoding"):
        path_or_buffer.write("\ufeff")
        csv.writer(path_or_buffer).writerows(lines)
    else:  # a binary buffer
        text = io.StringIO(newline="")
        csv.writer(text).writerows(lines)
        path_or_buffer.write(text.getvalue().encode("utf-8-sig"))

