"""A paragraph that holds several → its paragraphs: a body a crawler stored as one line, a part heading run into
its first measure. kb/segment.py splits its lines here; the text itself is not changed (offsets stay exact)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .grammar import DATE, is_org_line
from .markers import marker_number, match_marker
from .text import CN_NUMERALS

_CN = CN_NUMERALS
# The markers a run-on line is cut at, bounded so that scanning stays linear: 第一条 (or 章, 节), 一、, （一）.
_ARTICLE = rf"第[{_CN}]{{1,6}}[章节条]"
_PART = rf"[{_CN}]{{1,3}}、"
_MEASURE = rf"[（(][{_CN}]{{1,3}}[）)]"
# A line this long holding this many starts of articles, chapters or parts (一、) is several paragraphs run
# together (a crawler's get_text(), a page whose paragraphs were source-code line breaks). A real paragraph may
# enumerate measures or items inline ("包括：（一）…；（二）…"), but never holds three parts or articles.
RUNON_MIN_CHARS = 600
RUNON_MIN_STARTS = 3
_TOP_START = re.compile(f"{_ARTICLE}|{_PART}")

# "一、扩大即期外汇市场交易主体（一）非金融企业…": a part's short heading (no punctuation) and its first measure.
_HEADING_THEN_MEASURE = re.compile(rf"^{_PART}[^，。；：:、,（()]{{2,30}}?(?=[（(]一[）)])")
# Where a paragraph starts inside a run-on line.
_STARTS = re.compile(
    # an article or chapter number followed by a space, as a text lays them out ("第一条  为加强…")
    rf"(?<=\S)(?={_ARTICLE}[ \u3000])"
    # a part, measure or item marker after a sentence end (an export's "@@" marker may stand between)
    # ("附件：1. …" is the attachment list, not an outline)
    rf"|(?<=[。；：:！？])(?<!附件：)(?<!附件:)[ \u3000@]*(?={_PART}|{_MEASURE}|\d{{1,2}}[.．、](?!\d))"
    # the attachment list after the last sentence
    r"|(?<=[。])[ \u3000]*(?=附件\s*\d*\s*[：:])"
)
# A signature run into the text: "…贯彻落实。安顺市人民政府2023年9月5日（此件公开发布）安顺市…办法".
_SIGNATURE = re.compile(rf"(?<=[。！])([\u4e00-\u9fff]{{2,40}}?)({DATE})([（(]此件[^（）()]{{1,20}}[）)])?")
# An addressee line at the start: "各县、自治县、区人民政府（管委会），市政府各工作部门…：现将…".
_ADDRESSEE = re.compile(r"^[^。：:]{2,150}?[：:](?=\S)")


# A signature block printed on one line: "浙江省物价局浙江省财政厅二○○七年五月八日".
_SIGNED_LINE = re.compile(rf"^([\u4e00-\u9fff ]{{2,60}}?)({DATE})$")


def split_points(text: str) -> list[int]:
    """Offsets inside `text` where a new paragraph starts; empty when it is one paragraph."""
    cuts: set[int] = set()
    m = _HEADING_THEN_MEASURE.match(text)
    if m:
        cuts.add(m.end())
    m = _SIGNED_LINE.match(text)
    if m and is_org_line(m.group(1)):
        cuts.add(m.start(2))
    if len(text) >= RUNON_MIN_CHARS:
        starts = [s.end() for s in _STARTS.finditer(text)]
        if sum(1 for s in starts if _TOP_START.match(text, s)) >= RUNON_MIN_STARTS:
            cuts.update(starts)
            addressee = _ADDRESSEE.match(text)
            if addressee and re.search(r"[，、]|^各", addressee.group(0)):
                cuts.add(addressee.end())
            for sig in _SIGNATURE.finditer(text):
                if is_org_line(sig.group(1)):
                    cuts.update((sig.start(1), sig.start(2), sig.end(2)))
                    if sig.group(3):
                        cuts.add(sig.end(3))
    return sorted(c for c in cuts if 0 < c < len(text))


# A chapter, section or article heading run into the end of the paragraph before it, as extraction joins lines:
# "…可以仲裁。第三条【消极适用范围】下列纠纷…", "…制定仲裁规则。第三章 仲裁协议". Taken as a start only when it
# follows a sentence end and continues the document's numbering (`HeadingSequence`).
_RUN_IN = re.compile(rf"(?<=[。；！？])[ \u3000]*+(第([{_CN}]{{1,6}}|\d{{1,4}})([章节条]))")
_HEADING_LEVEL = {"章": "chapter", "节": "section", "条": "article"}
# What follows a run-in article number: its text after a space, or a bracketed article heading (【消极适用范围】);
# a chapter or section: a space or a short heading ending the line.
_ARTICLE_NEXT = re.compile(r"[ \u3000【［\[]")
_SHORT_HEADING = re.compile(r"^[ \u3000]?[\u4e00-\u9fff][\u4e00-\u9fff ]{0,19}$")


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
        for m in _RUN_IN.finditer(paragraph):
            level = _HEADING_LEVEL[m.group(3)]
            n = marker_number(m.group(2))
            if n != self.last.get(level, 0) + 1 or match_marker(paragraph[m.start(1):]) is None:
                continue  # not the next one, or "第三条规定" citing an article
            rest = paragraph[m.end():]
            if level == "article" and not _ARTICLE_NEXT.match(rest):
                continue
            if level != "article" and not _SHORT_HEADING.match(rest):
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
