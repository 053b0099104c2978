"""A comparison as a side-by-side table (新旧对照 / 多级对照): one row per document, national → county then by
date, a row for each level without a document, and what each document adds or leaves out against the level above.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..models import LEVEL_LABELS, LEVELS, Document, Target
from .diff import only_terms, pair_targets
from .lineage import may_implement
from .results import ClauseMatch, CompareRow, Comparison, _doc_brief

NO_DOCUMENT = "no_document"  # status of a level row that has no document
MAX_DIFF_TERMS = 8  # per side: what a row adds, what it leaves out


@dataclass
class TableRow:
    """One line of the table: a document's clauses for the measure, or a level with no document."""

    level: str
    document: Document | None  # None: no document of this level takes part
    status: str  # match | weak | none | no_document
    confidence: float = 0.0
    matches: list[ClauseMatch] = field(default_factory=list)  # ranked, first = best
    targets: list[Target] = field(default_factory=list)  # of the matched clauses, in order, each once
    units: list[str] = field(default_factory=list)  # responsible units of the matched clauses
    above: Document | None = None  # the higher-level document this row is set against
    implements_above: bool = False  # `above` is one this document may implement (later, same region)
    adds: list[str] = field(default_factory=list)  # policy terms and targets the row has and `above` lacks
    leaves_out: list[str] = field(default_factory=list)  # those of `above` the row lacks

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS.get(self.level, "层级未知")

    def to_dict(self) -> dict:
        doc = _doc_brief(self.document) if self.document else {"source": None, "level": self.level,
                                                               "level_label": self.level_label}
        return doc | {
            "status": self.status, "confidence": round(self.confidence, 4),
            "clauses": [m.to_dict() | {"rank": i + 1} for i, m in enumerate(self.matches)],
            "targets": [t.to_dict() for t in self.targets], "responsible_units": self.units,
            "above": _doc_brief(self.above) if self.above else None, "implements_above": self.implements_above,
            "adds": self.adds, "leaves_out": self.leaves_out,
        }


@dataclass
class ComparisonTable:
    comparison: Comparison
    rows: list[TableRow]

    @property
    def document_rows(self) -> list[TableRow]:
        return [r for r in self.rows if r.document is not None]

    def to_dict(self) -> dict:
        c = self.comparison
        return {"measure": c.measure, "topic": c.topic, "query": c.query, "thresholds": c.thresholds,
                "rows": [r.to_dict() for r in self.rows]}


def comparison_table(comparison: Comparison, levels: Sequence[str] | None = None, kb=None) -> ComparisonTable:
    """Rows in the comparison's order (national → county, by date), a row for each of `levels` (default all four)
    that has no document, documents of unknown level last; each row set against the level above. With `kb`,
    terms most clauses of the corpus use are not differences."""
    by_level: dict[str, list[CompareRow]] = {}
    for r in comparison.rows:
        by_level.setdefault(r.document.level if r.document.level in LEVELS else "", []).append(r)
    shown = [lv for lv in LEVELS if lv in (levels or LEVELS)]
    rows: list[TableRow] = []
    for level in [*shown, ""]:
        group = by_level.get(level, [])
        if not group and level:
            rows.append(TableRow(level, None, NO_DOCUMENT))
        for r in group:
            rows.append(_row(r, level))
    for row in rows:
        if row.document is not None and row.matches and row.level:
            _set_against(row, rows, kb)
    return ComparisonTable(comparison, rows)


def _row(r: CompareRow, level: str) -> TableRow:
    targets: dict[str, Target] = {}
    units: dict[str, None] = {}
    for m in r.matches:
        for t in m.clause.targets:
            targets.setdefault(t.label, t)
        for u in m.clause.responsible_units:
            units.setdefault(u)
    return TableRow(level, r.document, r.status, r.confidence, list(r.matches), list(targets.values()), list(units))


def _set_against(row: TableRow, rows: list[TableRow], kb=None) -> None:
    """The higher-level document the row is set against: the nearest one with matched clauses that this row
    may implement (later, a region that holds it), the latest of a level; failing that, the first matched
    document of the nearest higher level, marked as not implemented."""
    rank = LEVELS.index(row.level)
    matched = [r for r in rows if r.document is not None and r.matches]
    if any(r.status == "match" for r in matched if LEVELS.index(r.level) < rank if r.level):
        matched = [r for r in matched if r.status == "match"]  # a weak counterpart is no yardstick when a real one exists
    higher = [[r for r in matched if r.level == lv] for lv in reversed(LEVELS[:rank])]
    ref = next((c[-1] for c in ([r for r in g if may_implement(r.document, row.document)] for g in higher) if c),
               None)
    row.implements_above = ref is not None
    if ref is None:
        ref = next((g[0] for g in higher if g), None)
    if ref is None:
        return
    row.above = ref.document
    row.adds, row.leaves_out = differences(row.matches, ref.matches, row.targets, ref.targets, kb)


def differences(own: Sequence[ClauseMatch], other: Sequence[ClauseMatch], own_targets: Sequence[Target],
                other_targets: Sequence[Target], kb=None) -> tuple[list[str], list[str]]:
    """(adds, leaves out): targets only one side states (paired by what they measure), then the policy terms
    only one side uses (the rule of `only_terms`: never generic prose, never what most clauses say)."""
    own_text = "\n".join(m.clause.text for m in own)
    other_text = "\n".join(m.clause.text for m in other)
    pairs = pair_targets([t for t in own_targets if t.kind != "direction"],
                         [t for t in other_targets if t.kind != "direction"])
    adds = [p.a.label for p in pairs if p.a is not None and p.b is None]
    leaves = [p.b.label for p in pairs if p.b is not None and p.a is None]
    adds += [d.term for d in only_terms(own_text, other_text, kb, MAX_DIFF_TERMS)]
    leaves += [d.term for d in only_terms(other_text, own_text, kb, MAX_DIFF_TERMS)]
    return adds, leaves
