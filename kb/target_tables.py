"""Goal tables → targets: a Markdown table whose rows name an indicator and whose columns are years (指标 | 2024年 |
2025年) states one target per cell, its column's year the deadline (kb/ingest.py calls `read_goal_tables` once the
clauses hold their own targets; the row's text alone, without its header, cannot be read)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .models import Clause, Target
from .quantities import NUM, UNIT, normalise_unit, parse_number
from .text import to_half

# |序号|指标|目标| then |2024年|2025年|2026年|: a header row of years names the last columns of the table.
_YEAR_CELL_RE = re.compile(r"^(?:(?:19|20)\d{2})年?(?:底|末)?$")
# A cell with no words but a figure: >90万千瓦, ≥40%, 30个, >60, 40万千瓦/80万千瓦时 (two figures, one bound).
_SIGNS = {">": "超过", "<": "低于", "≥": "不低于", "≤": "不超过", ">=": "不低于", "<=": "不超过"}
_FIGURE = rf"(?P<n>{NUM})(?P<u>{UNIT})?"
_CELL_RE = re.compile(rf"^(?P<sign>>=|<=|[><≥≤])?{_FIGURE}(?:/(?P<sign2>>=|<=|[><≥≤])?(?P<n2>{NUM})(?P<u2>{UNIT})?)?$")
_SEPARATOR_RE = re.compile(r"^:?-{3,}:?$")
_ROW_RE = re.compile(r"^\|.*\|$")
_BREAK_RE = re.compile(r"<br\s*/?>|\*+|\s+")
# A cell with no unit in a table of counts counts things (超充桩数量 | >60): 个.
_BARE_UNIT = "个"


def _cells(line: str) -> list[str]:
    return [_BREAK_RE.sub("", c) for c in line.strip()[1:-1].split("|")]


def _figures(cell: str) -> list[tuple[str, float, str]]:
    """(comparator, value, unit) of each figure in a cell that holds nothing else; [] for a cell with words."""
    m = _CELL_RE.match(to_half(cell))
    if m is None or not m.group("n")[0].isdigit():
        return []
    out = []
    for sign, n, u in ((m.group("sign"), m.group("n"), m.group("u")), (m.group("sign2") or m.group("sign"),
                                                                        m.group("n2"), m.group("u2"))):
        if n is None:
            continue
        unit, value = normalise_unit(u or _BARE_UNIT, parse_number(n))
        out.append((_SIGNS.get(sign or "", ""), value, unit))
    return out


def _label(cells: Sequence[str]) -> tuple[int, str]:
    """The row's indicator: its first cell with words (not the 序号)."""
    for i, c in enumerate(cells):
        if re.search(r"[\u4e00-\u9fff]", c) and not _figures(c):
            return i, c
    return -1, ""


def read_goal_tables(clauses: Sequence[Clause]) -> None:
    """Each figure cell of a goals table becomes a target of its row's clause: subject the row's indicator, deadline
    the year heading its column; what the clause's own reading took from the row is replaced. A table whose header
    names no year is left to the clause reading (a table of tiers or rates is read like text)."""
    years: list[str] = []  # the header's year cells, for the table's last columns
    width = 0
    for c in clauses:
        offset = 0
        for line in c.text.splitlines(keepends=True):
            start, stripped = offset, line.strip()
            offset += len(line)
            if not _ROW_RE.match(stripped):
                years, width = [], 0
                continue
            cells = _cells(stripped)
            if all(not x or _SEPARATOR_RE.match(x) for x in cells):
                width = max(width, len(cells))
                continue
            if all(_YEAR_CELL_RE.match(to_half(x)) for x in cells if x) and any(cells):
                years = [x if x.endswith(("年", "底", "末")) else f"{x}年" for x in cells if x]
                continue
            width = max(width, len(cells))
            if years:
                _read_row(c, line, start, cells, years, width)


def _read_row(clause: Clause, line: str, start: int, cells: list[str], years: list[str], width: int) -> None:
    at, label = _label(cells)
    if at < 0:
        return
    found: list[Target] = []
    raw_cells = line.strip()[1:-1].split("|")
    cell_at = start + line.index("|") + 1
    first_year_col = width - len(years)
    for j, (cell, raw) in enumerate(zip(cells, raw_cells, strict=False)):
        if j > at and (figures := _figures(cell)) and j >= first_year_col:
            lead = len(raw) - len(raw.lstrip())
            a = cell_at + lead
            b = a + len(raw.strip())
            for comparator, value, unit in figures:
                found.append(Target(value=value, unit=unit, comparator=comparator, phrase=clause.text[a:b],
                                    start=a, end=b, metric=label, deadline=years[j - first_year_col],
                                    kind="goal"))
        cell_at += len(raw) + 1
    if not found:
        return
    row_start, row_end = start, start + len(line)
    clause.targets = [t for t in clause.targets if not (row_start <= t.start < row_end)] + found
    clause.targets.sort(key=lambda t: t.start)
