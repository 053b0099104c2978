"""Lines a page's text extraction wrote one text node each: a breadcrumb laid out one step a line (首页 / > / 政务公开
/ > / 通知), and the pieces of one date, one 文号 or one name (“202”/“5”/“年”/“12”/“月”/“9”/“日”, “京发改”/“〔2026〕”/
“341号”, “市工业”/“和信息化局”). kb/clean.py drops the first and joins the second, so that what follows reads whole lines;
it asks here too whether a page end broke a paragraph of a text extracted one paragraph a line."""

from __future__ import annotations

import re

from .grammar import DATE, DATE_LINE, DOC_NUMBER, TITLE_GRAMMAR, is_org_line

# A breadcrumb: at least _MIN_SEPARATORS separators, each on a line of its own or before its step ("/ 政务公开");
# a step is short and holds no punctuation.
_SEPARATOR = re.compile(r"^[>＞»›/／]$")
_SEPARATED_STEP = re.compile(r"^[>＞»›/／][ \u3000]*([^>＞»›/／]+)$")
_STEP, _MIN_SEPARATORS = re.compile(r"^[^，。；：:,;、！？]{1,15}$"), 2

# A date or a 文号 broken into runs: the first run may be longer (“内能源公告〔2026”), the next ones are short; a name
# broken before a conjunction, which never opens one (“市工业” / “和信息化局”).
_WHOLE = re.compile(rf"{DATE.pattern}|[（(]?(?:{DOC_NUMBER.pattern})[）)]?")
_FIRST_RUN, _NEXT_RUN, _MAX_RUNS, _NAME_RUN = 20, 6, 8, 15
_CONJUNCTION, _PUNCT = ("和", "与", "及"), re.compile(r"[，。；：:,;、！？《》]")


def regroup(texts: list[str]) -> list[tuple[int, int, int]]:
    """The lines to keep, as spans [a, b) each read as one line (a date's runs joined), with the number of
    breadcrumb lines dropped just before each."""
    crumbs = breadcrumb_lines(texts)
    groups = dict(run_groups(texts))
    out: list[tuple[int, int, int]] = []
    dropped, i = 0, 0
    while i < len(texts):
        if i in crumbs:
            dropped, i = dropped + 1, i + 1
            continue
        end = groups.get(i, i + 1)
        out.append((i, end, dropped))
        dropped, i = 0, end
    return out


def breadcrumb_lines(texts: list[str]) -> set[int]:
    """Indexes of lines that make a breadcrumb laid out one step a line: at least two separators between steps."""
    out: set[int] = set()
    i = 0
    while i < len(texts):
        end, separators = _breadcrumb_end(texts, i)
        if separators >= _MIN_SEPARATORS:
            out.update(range(i, end))
            i = end
        else:
            i += 1
    return out


def _breadcrumb_end(texts: list[str], i: int) -> tuple[int, int]:
    if not _STEP.match(texts[i]) or _SEPARATOR.match(texts[i]) or _SEPARATED_STEP.match(texts[i]):
        return i + 1, 0
    k, separators = i + 1, 0
    while k < len(texts):
        if _SEPARATOR.match(texts[k]) and k + 1 < len(texts) and _STEP.match(texts[k + 1]) \
                and not _SEPARATOR.match(texts[k + 1]):
            k, separators = k + 2, separators + 1
        elif _SEPARATED_STEP.match(texts[k]) and _STEP.match(_SEPARATED_STEP.match(texts[k]).group(1).strip()):
            k, separators = k + 1, separators + 1
        else:
            break
    return k, separators


def run_groups(texts: list[str]) -> list[tuple[int, int]]:
    """Spans [a, b) of consecutive lines that are the runs of one date, one 文号 (bracketed or not) or one name."""
    groups: list[tuple[int, int]] = []
    i = 0
    while i < len(texts):
        end = _runs_of_one(texts, i)
        if end > i + 1:
            groups.append((i, end))
        i = max(end, i + 1)
    return groups


def _runs_of_one(texts: list[str], i: int) -> int:
    """The end of the group of lines starting at line i (i + 1 when it is a whole line)."""
    first = texts[i]
    if len(first) > _FIRST_RUN or _PUNCT.search(first) or _WHOLE.fullmatch(first.replace(" ", "")):
        return i + 1
    joined = first
    for k in range(i + 1, min(i + _MAX_RUNS, len(texts))):
        if len(texts[k]) > _NEXT_RUN:
            break
        joined += texts[k]
        if _WHOLE.fullmatch(joined.replace(" ", "")):
            return k + 1
    following = texts[i + 1] if i + 1 < len(texts) else ""
    if (following.startswith(_CONJUNCTION) and len(first) <= _NAME_RUN and len(following) <= _NAME_RUN
            and not _PUNCT.search(following) and not is_org_line(first) and is_org_line(first + following)):
        return i + 2
    return i + 1


# A text extracted one paragraph a line whose paragraphs a page end broke: a long sentence with a comma in it that
# stops inside a word, before a line that is neither numbered (kb/clean.py checks) nor a signature, a date or a 文号;
# a title (…，…的通知) is no broken sentence. A numbered line must be longer: "（一）加强组织领导，压实责任" heads the
# paragraph under it.
_PAGE_BREAK_MIN = 20
_NUMBERED_BREAK_MIN = 40


def page_break(line: str, following: str, numbered: bool) -> bool:
    """Was a paragraph broken after `line` by a page end (`following` continuing it)?"""
    least = _NUMBERED_BREAK_MIN if numbered else _PAGE_BREAK_MIN
    if len(line) < least or "，" not in line or not "\u4e00" <= line[-1] <= "\u9fff" or TITLE_GRAMMAR.match(line):
        return False
    return not (is_org_line(following) or DATE_LINE.match(following) or _WHOLE.fullmatch(following.strip("（()）")))
