"""A document's outline (parts → measures → items) from its clauses' paths, and how a clause is named in it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .models import KIND_LABELS, Clause
from .text import CN_NUMERALS, no_spaces


def clause_title(clause: Clause) -> str:
    """What a clause is called on a card: its heading, else the start of its text."""
    if clause.heading:
        return clause.heading
    text = no_spaces(clause.text)
    return text[:24] + ("…" if len(text) > 24 else "")


def display_path(clause: Clause) -> str:
    """The outline path without a trailing heading it repeats: 一、提质 with heading 提质 → 一、."""
    path = clause.path or ""
    if clause.heading and path.endswith(clause.heading) and len(path) > len(clause.heading):
        return path[: -len(clause.heading)]
    return path



# The outline markers of a clause path, by level as 党政机关公文格式 orders them (一、 → （一） → 1. → （1）), with
# 第X条/章/部分 as written; the first group is the number.
_N = f"[{CN_NUMERALS}]+"
MARKERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("named", re.compile(rf"第((?:{_N}|\d+))(?:编|章|节|条|款|项|目|点|部分)")),
    ("part", re.compile(rf"(?<![{CN_NUMERALS}])({_N})[、.．]")),  # from a run's start only: linear
    ("measure", re.compile(rf"[（(]({_N})[）)]")),
    ("item", re.compile(r"(?<!\d)(\d+)(?:[.．、](?!\d)|$)")),
    ("point", re.compile(r"[（(](\d+)[）)]")),
)


def split_path(path: str) -> list[tuple[str, str, str]]:
    """An outline path as (level, marker, number): 二、（一）1. → [("part", "二、", "二"), ("measure", "（一）", "一"),
    ("item", "1.", "1")]. Trailing words that are no marker come last as ("", words, "")."""
    path = no_spaces(path or "")
    out, pos = [], 0
    while pos < len(path):
        for level, pattern in MARKERS:
            m = pattern.match(path, pos)
            if m and m.end() > pos:
                out.append((level, m.group(), m.group(1)))
                pos = m.end()
                break
        else:
            out.append(("", path[pos:], ""))
            break
    return out


def body_start(clause: Clause) -> int:
    """Where the clause text goes on after the marker and heading a card already shows as its title:
    "（九）加强供应链融资。鼓励…" with heading 加强供应链融资 → the offset of 鼓励. 0 when the text does not
    open with the heading, or holds nothing else."""
    heading = no_spaces(clause.heading or "")
    if not heading:
        return 0
    text = clause.text
    pos = len(text) - len(text.lstrip())
    while True:  # the markers the text opens with: （九）, 三、（九）, 1.
        m = next((m for _, p in MARKERS if (m := p.match(text, pos)) and m.end() > pos), None)
        if m is None:
            break
        pos = m.end() + len(text[m.end():]) - len(text[m.end():].lstrip())
    said = re.compile(r"\s*".join(map(re.escape, heading)) + r"\s*[。．.：:；;，,]?\s*").match(text, pos)
    if not said or not text[said.end():].strip():
        return 0
    return said.end()


def heading_trail(clause: Clause) -> list[str]:
    """The clause's place as the outline names it, outermost first: ["三、加大重点领域支持", "（九）加强供应链融资"]."""
    segments = path_segments(clause.path)
    if not segments:
        return [clause.heading or KIND_LABELS.get(clause.kind, "正文")]
    out = []
    for depth, seg in enumerate(segments):
        last = depth == len(segments) - 1
        name = clause_title(clause) if last else (clause.parents[depth] if depth < len(clause.parents) else "")
        out.append(seg + (name if name and not seg.endswith(name) else ""))
    return out


def path_segments(path: str) -> list[str]:
    """An outline path split at its markers: 二、（一）1. → ["二、", "（一）", "1."]; trailing words stay whole."""
    return [segment for _, segment, _ in split_path(path)]


@dataclass
class OutlineNode:
    """One line of a document's outline: a part, measure or item; `clause_id` is empty for a heading that is
    only known from its children (a part whose title line holds no text of its own)."""

    label: str
    marker: str = ""
    clause_id: str = ""
    children: list[OutlineNode] = field(default_factory=list)

    def walk(self) -> Iterable[OutlineNode]:
        yield self
        for child in self.children:
            yield from child.walk()


def outline_tree(clauses: Sequence[Clause]) -> list[OutlineNode]:
    """Parts → measures → items, from the clauses' outline paths and their parents' headings, in text order."""
    roots: list[OutlineNode] = []
    index: dict[tuple[str, ...], OutlineNode] = {}
    for c in clauses:
        segments = path_segments(c.path)
        if not segments:  # 前言, 发布说明, 结尾: a top-level line of its own
            roots.append(OutlineNode(label=c.heading or KIND_LABELS.get(c.kind, "正文"), clause_id=c.id))
            continue
        siblings = roots
        for depth, seg in enumerate(segments[:-1]):
            key = tuple(segments[: depth + 1])
            node = index.get(key)
            if node is None:
                heading = c.parents[depth] if depth < len(c.parents) else ""
                node = OutlineNode(label=heading, marker=seg)
                index[key] = node
                siblings.append(node)
            siblings = node.children
        key = tuple(segments)
        node = index.get(key)
        if node is not None and not node.clause_id:
            node.clause_id, node.label = c.id, c.heading or node.label
            continue
        node = OutlineNode(label=c.heading or clause_title(c), marker=segments[-1], clause_id=c.id)
        if key not in index:
            index[key] = node
        siblings.append(node)
    return roots


def outline_labels(nodes: Sequence[OutlineNode]) -> dict[str, str]:
    """clause id → indented label, for a picker that follows the outline."""
    out: dict[str, str] = {}

    def visit(items: Sequence[OutlineNode], depth: int, prefix: str) -> None:
        for n in items:
            full = prefix + n.marker
            if n.clause_id:
                out[n.clause_id] = "　" * depth + (f"{full} " if full else "") + (n.label or "（无标题）")
            visit(n.children, depth + 1, full)

    visit(nodes, 0, "")
    return out



def neighbours(clauses: Sequence[Clause], clause_id: str, before: int = 1, after: int = 1) -> list[Clause]:
    """The clause with the ones around it, for reading in context."""
    for i, c in enumerate(clauses):
        if c.id == clause_id:
            return list(clauses[max(0, i - before): i + after + 1])
    return []

