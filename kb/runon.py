"""A paragraph that holds several → its paragraphs: a body a crawler stored as one line, a part heading run into
its first measure. kb/segment.py splits its lines here; the text itself is not changed (offsets stay exact)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .grammar import (
    ARTICLE_NEXT,
    HEADING_THEN_ARTICLE,
    HEADING_THEN_MEASURE,
    PARAGRAPH_START,
    RUN_IN_ADDRESSEE,
    RUN_IN_HEADING,
    RUN_IN_SIGNATURE,
    SHORT_HEADING,
    SIGNED_LINE,
    TOP_START,
    is_org_line,
)
from .markers import marker_number, match_marker

# A line this long holding this many starts of articles, chapters or parts (一、) is several paragraphs run
# together (a crawler's get_text(), a page whose paragraphs were source-code line breaks). A real paragraph may
# enumerate measures or items inline ("包括：（一）…；（二）…"), but never holds three parts or articles.
# (The markers, signatures and addressees a run-on line is cut at: kb/data/grammar.toml.)
RUNON_MIN_CHARS = 600
RUNON_MIN_STARTS = 3


def split_points(text: str) -> list[int]:
    """Offsets inside `text` where a new paragraph starts; empty when it is one paragraph."""
    cuts: set[int] = set()
    m = HEADING_THEN_MEASURE.match(text) or HEADING_THEN_ARTICLE.match(text)
    if m:
        cuts.add(m.end())
    m = SIGNED_LINE.match(text)
    if m and is_org_line(m.group(1)):
        cuts.add(m.start(2))
    if len(text) >= RUNON_MIN_CHARS:
        starts = [s.end() for s in PARAGRAPH_START.finditer(text)]
        if sum(1 for s in starts if TOP_START.match(text, s)) >= RUNON_MIN_STARTS:
            cuts.update(starts)
            addressee = RUN_IN_ADDRESSEE.match(text)
            if addressee and re.search(r"[，、]|^各", addressee.group(0)):
                cuts.add(addressee.end())
            for sig in RUN_IN_SIGNATURE.finditer(text):
                if is_org_line(sig.group(1)):
                    cuts.update((sig.start(1), sig.start(2), sig.end(2)))
                    if sig.group(3):
                        cuts.add(sig.end(3))
    return sorted(c for c in cuts if 0 < c < len(text))


# A chapter, section or article heading run into the end of the paragraph before it, as extraction joins lines
# ("…可以仲裁。第三条【消极适用范围】下列纠纷…", RUN_IN_HEADING), is a start only when it continues the numbering.
_HEADING_LEVEL = {"章": "chapter", "节": "section", "条": "article"}


class HeadingSequence:
    """The last chapter, section and article number seen in a document, read paragraph by paragraph, so that a
    heading run into a paragraph is told from a cited article by whether it is the next one."""

    def __init__(self) -> None:
        self.last: dict[str, int] = {}

    def see(self, paragraph: str) -> None:
        """Note the chapter, section or article a paragraph opens with."""
        found = match_marker(paragraph)
        if found and found[0] in ("chapter", "section", "article"):
            self._number(found[0], marker_number(found[1]) or 0)

    def _number(self, level: str, n: int) -> None:
        self.last[level] = n
        if level == "chapter":
            self.last.pop("section", None)  # sections count again in each chapter

    def run_ins(self, paragraph: str) -> list[int]:
        """Offsets where the next chapter, section or article starts inside `paragraph` (its own opening seen
        first), noting each one found."""
        self.see(paragraph)
        cuts = []
        for m in RUN_IN_HEADING.finditer(paragraph):
            level = _HEADING_LEVEL[m.group(3)]
            n = marker_number(m.group(2))
            if n != self.last.get(level, 0) + 1 or match_marker(paragraph[m.start(1):]) is None:
                continue  # not the next one, or "第三条规定" citing an article
            rest = paragraph[m.end():]
            if level == "article" and not ARTICLE_NEXT.match(rest):
                continue
            if level != "article" and not SHORT_HEADING.match(rest):
                continue
            self._number(level, n)
            cuts.append(m.start(1))
        return cuts


@dataclass
class Line:
    """One paragraph of the cleaned text with its offsets."""

    text: str
    start: int
    end: int


def split_lines(text: str) -> list[Line]:
    """Paragraphs (non-empty lines) of the cleaned text with their offsets. A line holding several paragraphs
    (a body stored as one line, a heading run into its first measure) is split where each starts."""
    lines: list[Line] = []
    headings = HeadingSequence()
    pos = 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        if stripped:
            start = pos + len(raw) - len(raw.lstrip())
            cuts = split_points(stripped)
            for a, b in zip([0, *cuts], [*cuts, len(stripped)], strict=True):
                runs = [a + r for r in headings.run_ins(stripped[a:b])]  # "…可以仲裁。第三条【…】…"
                for c, d in zip([a, *runs], [*runs, b], strict=True):
                    piece = stripped[c:d]
                    lead = len(piece) - len(piece.lstrip())
                    piece = piece.strip()
                    if piece:
                        lines.append(Line(piece, start + c + lead, start + c + lead + len(piece)))
        pos += len(raw) + 1
    return lines
