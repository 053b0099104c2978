"""Cross-level comparison: one measure across documents, clause alignment of two documents, coverage, lineage.

`measure.py` (compare_measure), `align.py`, `coverage.py` (with its CSV), `lineage.py`, `diff.py` (how two
clauses differ); the result types are in `results.py`, what they share in `common.py`.
"""

from .align import ALIGN_THRESHOLD, align, pair_confidence
from .common import EXCLUDED_KINDS
from .coverage import COVERAGE_HEADERS, coverage, coverage_to_csv
from .diff import clause_diff, diff_terms, pair_targets
from .lineage import LINEAGE_THRESHOLD, default_pair, lineage, may_implement, split_title, title_similarity
from .measure import CONFIDENCE, RANK, compare_measure, distinct_targets
from .results import (
    MATCH_LABELS,
    AlignedPair,
    Alignment,
    ClauseDiff,
    ClauseMatch,
    CompareRow,
    Comparison,
    Coverage,
    CoverageCell,
    DiffTerm,
    Highlight,
    LineageLink,
    TargetPair,
)

__all__ = [
    "ALIGN_THRESHOLD", "MATCH_LABELS", "COVERAGE_HEADERS", "CONFIDENCE", "EXCLUDED_KINDS", "LINEAGE_THRESHOLD", "RANK",
    "AlignedPair", "Alignment", "ClauseDiff", "ClauseMatch", "CompareRow", "Comparison", "Coverage", "CoverageCell",
    "DiffTerm", "Highlight", "LineageLink", "TargetPair",
    "align", "pair_confidence", "clause_diff", "compare_measure", "coverage", "coverage_to_csv", "diff_terms", "distinct_targets",
    "default_pair", "lineage", "may_implement", "pair_targets", "split_title", "title_similarity",
]
