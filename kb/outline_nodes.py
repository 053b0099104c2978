"""Numbered lines of a text → outline nodes, nested as the document numbers them (a marker type seen first opens
a level under the current node; one seen before closes what was opened since). Attachments, attachment lists,
tables, notes after the text and a text republished after its amendments each start or stop an outline."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .grammar import ADOPTION, ATTACHMENT, ATTACHMENT_LIST, TITLE_GRAMMAR, TRAILER
from .markers import heading_of, marker_number, match_marker
from .runon import Line


@dataclass
class Node:
    """A numbered outline node while parsing."""

    type: str
    marker: str  # normalised, e.g. "（九）"
    heading: str
    start: int  # offset of the marker line
    first_line: int  # index into the line list
    cut: int = 0  # end of the marker in the first line's text
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)
    own_end_line: int = -1  # last line (exclusive) of this node's own text, before its first child

    @property
    def path(self) -> str:
        return "".join(a.marker for a in self.ancestors) + self.marker

    @property
    def ancestors(self) -> list[Node]:
        out, node = [], self.parent
        while node is not None:
            out, node = [node, *out], node.parent
        return out



def parse_outline(lines: list[Line], lo: int, hi: int) -> tuple[list[Node], int, list[int]]:
    """Numbered nodes between lines lo and hi, nested by first appearance of each marker type.

    Nesting is learned from the document rather than fixed: a marker type seen for the first time becomes
    a child of the current node; one seen before closes everything opened since its last appearance. So a
    part numbered 二 twice, skipped numbers or numbering restarting inside each part do not matter.
    Returns the nodes in order, the index of the first numbered line (or hi when none) and the lines that head
    a block after the text (notes, an appendix: `_ends_outline`), which stands outside the outline.
    """
    nodes: list[Node] = []
    stack: list[Node] = []
    trailers: list[int] = []
    first = hi
    in_list = False
    table_until = lo  # lines of an attachment laid out as a table: numbered cells are not an outline
    for i in range(lo, hi):
        text = lines[i].text
        if i < table_until:
            continue
        if ATTACHMENT.match(text):
            table_until = _table_end(lines, i + 1, hi)
        found = match_marker(text)
        if (ATTACHMENT_LIST.match(text) or (_LIST_HEAD.match(text) and i + 1 < hi and _first_entry(lines[i + 1].text))
                or found is not None and found[0] == "item" and text[found[2] :].lstrip().startswith("附件")):
            in_list = True  # "附件：1.…", "附件：" over its first entry, an entry naming an attachment ("1．附件：某表")
            stack.clear()
            continue
        if in_list and (found is not None and found[0] == "item" or found is None and _ENTRY_WRAP.match(text)):
            continue  # the next entry of the attachment list, or an entry's next line
        in_list = False
        if found is None:
            if ATTACHMENT.match(text) or _republished(lines, i, hi):
                stack.clear()  # an attachment, or a text republished after its amendments, starts an outline of its own
            elif stack and TRAILER.match(text) and _ends_outline(lines, i + 1, hi, stack):
                stack.clear()
                trailers.append(i)
            continue
        kind, marker, cut = found
        if kind in ("subitem",) and not stack:
            continue  # a stray "(1)" before any outline is prose
        depth = next((d for d, s in enumerate(stack) if s.type == kind), None)
        if depth is not None:
            del stack[depth:]
        node = Node(kind, marker, heading_of(lines[i].text[cut:]), lines[i].start, i, cut)
        node.parent = stack[-1] if stack else None
        if node.parent:
            node.parent.children.append(node)
        stack.append(node)
        nodes.append(node)
        first = min(first, i)
    return nodes, first, trailers


def _republished(lines: list[Line], i: int, hi: int) -> bool:
    """Is line i the title of a text printed whole after the decision amending it, its bracketed note under it
    ("江西省流动人口服务和管理办法" over "(2011年8月26日省人民政府令第190号公布　2016年9月21日…修正)")?"""
    if i + 1 >= hi or not TITLE_GRAMMAR.match(lines[i].text.replace(" ", "")):
        return False
    note = lines[i + 1].text.strip()
    return note[:1] in "（(" and ADOPTION.search(note[:80]) is not None


_LIST_HEAD = re.compile(r"^附件\s*[：:]$")
# An attachment list's entry wrapped over lines by a text extraction: short, no sentence punctuation, no heading.
_ENTRY_WRAP = re.compile(r"^(?!附件)[^。；，,：:]{1,40}$")


def _first_entry(text: str) -> bool:
    found = match_marker(text)
    return found is not None and found[0] == "item" and marker_number(found[1]) == 1


def _ends_outline(lines: list[Line], lo: int, hi: int, stack: list[Node]) -> bool:
    """Does a notes or appendix line before line lo close the text's outline? Yes unless the outline goes on after
    it: the first later marker of a type that is open continues that node's numbering (第二十五条 after an open
    第二十四条). Notes numbered 1. 2. after a last part 十二、, or an appendix's （一） after 第二十四条, do not."""
    open_numbers = {nd.type: marker_number(nd.marker) for nd in stack}
    seen: set[str] = set()
    for k in range(lo, hi):
        if len(seen) == len(open_numbers) or TRAILER.match(lines[k].text) or ATTACHMENT.match(lines[k].text):
            break  # each line is looked at for one block only: linear however many notes a text has
        found = match_marker(lines[k].text)
        if found is None or found[0] not in open_numbers or found[0] in seen:
            continue
        seen.add(found[0])
        last = open_numbers[found[0]]
        if last is not None and marker_number(found[1]) == last + 1:
            return False
    return True


# An attachment is a table when many of its lines are cells: short, unnumbered, no sentence punctuation
# ("50", "主干道", "0.80-1.50"); its numbered rows and notes are not an outline.
_CELL = re.compile(r"^[^。；，：:,;]{1,12}$")
_MIN_CELLS = 6
_CELL_SHARE = 0.3


def _table_end(lines: list[Line], lo: int, hi: int) -> int:
    """The end of the attachment starting at line lo when it is laid out as a table (lo itself when not): the
    next attachment heading or hi."""
    end = next((k for k in range(lo, hi) if ATTACHMENT.match(lines[k].text)), hi)
    cells = sum(1 for k in range(lo, end) if _CELL.match(lines[k].text) and match_marker(lines[k].text) is None)
    return end if cells >= _MIN_CELLS and cells >= _CELL_SHARE * (end - lo) else lo
