"""Outline markers at the start of a paragraph (第一章, 第十条, 一、, （一）, 1., （1）, ①): which one opens it,
in one normalised spelling, and the heading that follows (kb/segment.py builds the outline from them)."""

from __future__ import annotations

import re

from .text import CN_NUMERALS, cn_number, no_spaces, to_half

# Outline markers at the start of a paragraph. Markdown bold or heading marks may survive cleaning of
# unusual input, so they are tolerated in front of a marker. The order only matters for matching.
_LEAD = r"^(?:[#>\s]|\*\*)*+"  # possessive, one mark per step: linear on a line of 40 "#" (was exponential)
_CN_NUM = CN_NUMERALS
_SPACED_CN = rf"[{_CN_NUM}](?: ?[{_CN_NUM}]){{0,5}}"  # 二十九, 二 十 九
MARKER_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # 第一章, 第十条, and 第1条 / 第 1 0 条 / 第二十九 条 / 第 十 一 条 as offices type them or a PDF's text layer
    # spaces them (a stray space is debris).
    ("chapter", re.compile(_LEAD + rf"(第 ?{_SPACED_CN} ?章)\s*")),
    ("section", re.compile(_LEAD + rf"(第 ?{_SPACED_CN} ?节)\s*")),
    ("article", re.compile(_LEAD + rf"(第 ?{_SPACED_CN} ?条|第 ?\d(?: ?\d){{0,3}} ?条)\s*")),
    ("part", re.compile(_LEAD + rf"([{_CN_NUM}]+\s*[、，,．.])\s*")),
    ("measure", re.compile(_LEAD + rf"([（(]\s*[{_CN_NUM}]+\s*[）)])\s*")),
    ("item", re.compile(_LEAD + r"(\d{1,2}\s*[\.．、](?!\d))\s*")),
    ("subitem", re.compile(_LEAD + r"([（(]\s*\d{1,2}\s*[）)]|[①②③④⑤⑥⑦⑧⑨⑩])\s*")),
]


# An article number run straight into 规定 (or into its 款/项 first) cites an article: "第九十九条规定：“…”",
# "第八十一条第一款规定". A document's own article is followed by a space or its text, never by 规定.
_CITED_ARTICLE = re.compile(rf"(?:第[{_CN_NUM}\d]+[款项])*(?:的|之)?规定")


def match_marker(text: str) -> tuple[str, str, int] | None:
    """(type, normalised marker, end offset of the marker) when a paragraph opens with an outline marker."""
    for kind, pattern in MARKER_PATTERNS:
        m = pattern.match(text)
        if not m:
            continue
        rest = text[m.end() :]
        if kind == "part" and not _looks_like_part(m.group(1), rest):
            continue
        if kind == "item" and (rest[:1] in ("%", "％") or re.match(r"[亿万]?元[，。；]?$", rest)):
            continue
        if kind == "article" and _CITED_ARTICLE.match(text, m.end(1)):
            continue  # "第九十九条规定：…" quotes another text's article; it is not one of this document's
        if not rest.strip("*").strip() and kind not in ("chapter", "section", "article"):
            # A bare marker with nothing after it is not an outline node.
            continue
        return kind, normalise_marker(kind, m.group(1)), m.end()
    return None


def _looks_like_part(marker: str, rest: str) -> bool:
    # "一、" is a part marker; "一是…" or "二〇二四年" are not. A comma or full stop after a numeral is
    # accepted only with a heading-like rest, since "一，" rarely numbers anything.
    if marker.rstrip().endswith("、"):
        return True
    return bool(rest) and len(rest) < 40 and not rest[:1].isdigit()


def normalise_marker(kind: str, marker: str) -> str:
    """Half-width brackets and stray spaces removed, so "(一)" and "（一）" give the same path."""
    m = no_spaces(marker)
    if kind in ("item", "subitem", "article"):
        m = to_half(m)  # "１．" is "1.", "第１条" is "第1条"
    m = m.replace("(", "（").replace(")", "）")
    if kind == "part":
        m = m[:-1] + "、"
    if kind == "item":
        m = m[:-1] + "."
    return m


def marker_number(marker: str) -> int | None:
    """The number a marker counts: 第二十四条 → 24, （三） → 3, 12. → 12, 第1条 → 1; None for ① and the like."""
    m = re.search(r"\d+|[〇零一二两三四五六七八九十百千]+", marker)
    if m is None:
        return None
    return int(m.group()) if m.group().isdigit() else int(cn_number(m.group()))


def heading_of(rest: str) -> str:
    """The heading that follows a marker: up to the first 。 if it comes early, else the short line itself."""
    rest = rest.replace("**", "").strip()
    m = re.search(r"[。；;！？]", rest)
    if m and m.start() <= 60:
        return rest[: m.start()].strip()
    if len(rest) <= 40:
        return rest.rstrip("：:，,")
    comma = re.search(r"[，,：:]", rest)
    if comma and comma.start() <= 30:
        return rest[: comma.start()]
    return rest[:24] + "…"
