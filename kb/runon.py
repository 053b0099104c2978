"""A paragraph that holds several → its paragraphs: a body a crawler stored as one line, a part heading run into
its first measure. kb/segment.py splits its lines here; the text itself is not changed (offsets stay exact)."""

from __future__ import annotations

import re

from .grammar import DATE, is_org_line
from .text import CN_NUMERALS

_CN = CN_NUMERALS
# A line this long holding this many starts of articles, chapters or parts (一、) is several paragraphs run
# together (a crawler's get_text(), a page whose paragraphs were source-code line breaks). A real paragraph may
# enumerate measures or items inline ("包括：（一）…；（二）…"), but never holds three parts or articles.
RUNON_MIN_CHARS = 600
RUNON_MIN_STARTS = 3
_TOP_START = re.compile(rf"第[{_CN}]{{1,6}}[章节条]|[{_CN}]{{1,3}}、")

# "一、扩大即期外汇市场交易主体（一）非金融企业…": a part's short heading (no punctuation) and its first measure.
_HEADING_THEN_MEASURE = re.compile(rf"^[{_CN}]{{1,3}}、[^，。；：:、,（()]{{2,30}}?(?=[（(]一[）)])")
# Where a paragraph starts inside a run-on line.
_STARTS = re.compile(
    # an article or chapter number followed by a space, as a text lays them out ("第一条  为加强…")
    rf"(?<=\S)(?=第[{_CN}]{{1,6}}[章节条][ \u3000])"
    # a part, measure or item marker after a sentence end (an export's "@@" marker may stand between)
    # ("附件：1. …" is the attachment list, not an outline)
    rf"|(?<=[。；：:！？])(?<!附件：)(?<!附件:)[ \u3000@]*(?=[{_CN}]{{1,3}}、|[（(][{_CN}]{{1,3}}[）)]|\d{{1,2}}[.．、](?!\d))"
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
