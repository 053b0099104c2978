"""Decoded text → clean text: page numbers, web-page debris and markup removed, hard-wrapped lines rejoined."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .grammar import (
    BARE_MARKER,
    NOTE_LINE,
    PAGE_NUMBER,
    PARAGRAPH_MARK,
    SOURCE_STAMP,
    UNIT_NOTE_LINE,
    WEB_DATELINE,
)
from .text import WIDE, alternation, unify_breaks
from .text_runs import page_break, regroup

# ---------------------------------------------------------------------------------------------------
# Character classes. Every pattern below is a plain character class or is anchored and bounded, so all
# of cleaning stays linear in the input size (a 50 MB file or one enormous line is fine). A run that a
# pattern must be followed by something is matched from the run's first character only ((?<! ) and
# possessive quantifiers), so a long run that is not followed by it is scanned once, not once per character.

_IDEO = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"  # CJK ideographs
# CJK punctuation: the CJK symbols block, full-width forms, and the curly quotes, ellipsis and em dash
# that Chinese text uses as full-width punctuation.
_CJK_PUNCT = "\u3001-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\uffe0-\uffe6\u2018-\u201d\u2026\u2014\u00b7"
_WIDE_RUNS = re.compile(WIDE.pattern + "+")  # one match a run, not a character: widths of CJK lines are cheap

_ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")
_SPACES = re.compile(r"[\t \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_LINE_END_SPACES = re.compile(r"(?<! ) *+\n *+")
# A long gap inside a line (4+ spaces) separates columns, e.g. "某某办公室      2020年9月17日印发"
# in a 版记. It becomes a line break so the two parts are not glued together by the spacing rules.
# A gap after a lone character is letter-spacing, not a column: "第一章  总    则".
_COLUMN_GAP = re.compile(r"(?<=\S)(?<!^\S)(?<!\s\S)[\t \u00a0\u2000-\u200a\u202f\u205f\u3000]{4,}(?=\S)", re.M)
# A database export's paragraph mark ("@@  一、…"), at a line start or after a sentence end: not text.
_EXPORT_MARK = re.compile(r"(?:^|(?<=[。；：:！？\s]))@@[\t \u3000]*", re.M)
# A whole line of single ideographs each followed by one space: letter-spacing, closed up.
_LETTER_SPACED = re.compile(rf"^[{_IDEO}](?: [{_IDEO}]){{2,}}$", re.M)
# Spaces to drop: between an ideograph and an ASCII letter or digit (either order), next to CJK
# punctuation, and between a digit and a percent sign. A space between two ideographs is kept: issuer
# names on one line are separated that way ("中国人民银行 工业和信息化部").
# (The pattern starts with the space itself so the engine scans for spaces instead of trying every position.)
# A line that ends in a web address, and a line that is only a piece of one (a letter or a slash in it: "1." is a marker).
_URL_END = re.compile(r"(?:https?|ftp)://[!-~]{0,2000}$")
_URL_PART = re.compile(r"(?=[!-~]{0,199}[A-Za-z/])[A-Za-z0-9\-._~:/?#@!$&'()*+,;=%]{3,200}")
_SPACE_DROP = re.compile(
    rf" (?:(?<=[{_IDEO}] )(?=[A-Za-z0-9])|(?<=[A-Za-z0-9] )(?=[{_IDEO}])"
    rf"|(?<=[{_CJK_PUNCT}] )|(?=[{_CJK_PUNCT}])|(?<=[0-9] )(?=[%％‰]))"
)

# ---------------------------------------------------------------------------------------------------
# Debris: whole lines that are not part of the document.

# Web-page debris is only recognised on short lines, so a huge one-line file is never dropped whole.
_WEB_LINE_MAX = 200
# Labels of a page's information bar: a line opening with one of them and a colon is debris.
_WEB_LABELS = ("发布时间", "发布日期", "浏览次数", "点击数", "阅读量", "访问量", "责任编辑", "当前位置", "您现在的位置",
               "您所在的位置", "主办单位", "技术支持", "联系我们")
# A line opening with one of these is the page's footer or one of its buttons (运行维护单位 with or without
# its colon).
_WEB_FOOTERS = ("版权所有", "网站标识码", "运行维护单位", "Copyright", "©", "扫一扫在手机打开当前页", "返回顶部", "【我要纠错】")
# Anywhere in a short line: the site's registration and its page tools.
_WEB_MARKS = ("网站标识码", "打印本页", "关闭窗口")
# Buttons and widgets: a line made only of these (and separators) is debris.
_WIDGET_WORDS = ("打印本页", "打印", "关闭窗口", "关闭", "收藏", "分享", "返回顶部", "大 中 小", "我要纠错", "下载",
                 # a site's accessibility and elder-care tools (无障碍, 长者模式) and its script switch
                 "无障碍", "长者模式", "退出长者模式", "页面放大", "页面缩小", "语音播报", "指读", "大鼠标", "朗读", "返回首页",
                 "简体", "繁体", "繁體")
_WEB_DEBRIS = re.compile(
    rf"^(?:{alternation(_WEB_LABELS)}[:：]"
    r"|(?:信息|文章|稿件)?来源[:：].{0,40}$"  # short only: a document may cite a source at length
    rf"|{alternation(_WEB_FOOTERS)}|分享到[:：]?"
    r"|(?:网站)?首页 ?[>＞»›])"  # a breadcrumb: 首页 > 政务公开 > 政策文件
)
_WEB_ANYWHERE = re.compile(rf"ICP备\s*\d|公网安备\s*\d|【字体[:：]|{alternation(_WEB_MARKS)}")
# Cheap first test: a line holding none of the words above, nor a stem of the patterns' own forms (来源,
# 分享到, ICP备…, 字体, 首页, a date), cannot be web debris. Built from the words, so one added there is never missed.
_WEB_HINT = re.compile(
    alternation(_WEB_LABELS, _WEB_FOOTERS, _WEB_MARKS, _WIDGET_WORDS, ("来源", "分享", "ICP备", "公网安备", "字体", "首页"))
    + r"|\d{4}[-/.年]"
)
# The widgets of a line made only of widgets.
_WIDGETS = re.compile(rf"【?(?:字体[:：] ?大 ?中 ?小|{alternation(_WIDGET_WORDS)})】?|[\s\[\]【】|｜/]")

# ---------------------------------------------------------------------------------------------------
# Paragraph structure.

# A line ending in one of these (closing quotes and brackets aside) ends its sentence; a line ending
# in one of _CONTINUES cannot end a paragraph.
_SENTENCE_FINAL = "。！？；：!?;:"
_CLOSERS = "”’」』）)】》〕]\"'"
_CONTINUES = "，、,“‘「『（(【《〔—…-"
_IDEO_END = re.compile(f"[{_IDEO}]$")  # a line that stops inside a word
_NEVER_OPENS = "）)」』》〕”’，。、；：！？"  # a text extraction's line that opens with one of these continues the line before
_PROSE = re.compile(r"[，。；,;]")  # sentence punctuation: the line is prose, not a title
_ASCII_ALNUM = re.compile(r"[A-Za-z0-9]")

# Markdown.
_MD_HEADING_TAIL = re.compile(r"(?<! ) ++#++ *+$")
_MD_RULE = re.compile(r"^ {0,3}(?:(?:- *){3,}|(?:\* *){3,}|(?:_ *){3,}|(?:= *){3,})$")
# A heading's marks before a full-width opening mark lose their space when spaces are normalised ("# 《…》").
_MD_LEADS = re.compile(r"(?: {0,3}(?:#{1,6}(?: ++|$|(?=[《〈（“【「]))|>(?: ?)|[-*+] ++(?=\S)))++")
_MD_LINK = re.compile(r"!?\[([^\[\]\n]{0,300})\]\([^()\s]{0,1000}(?: \"[^\"\n]{0,300}\")?\)")
# Markdown inside a .txt (seeds 002 and 004 are such files): a heading line or **bold**.
_LOOKS_MD = re.compile(r"^ {0,3}#{1,6} +\S|\*\*\S", re.M)


@dataclass
class _Line:
    text: str
    width: int  # display_width(text)
    gap: int = 0  # blank or debris lines before this one
    heading: bool = False  # a markdown heading: a paragraph of its own
    hard_break: bool = False  # markdown hard line break (two trailing spaces): ends a paragraph


def clean_text(text: str, fmt: str) -> str:
    """Clean decoded text of format `fmt` (txt, md, html, pdf, docx): one paragraph per line, debris removed.

    Cleaning repeats until nothing changes, so clean_text(clean_text(x)) == clean_text(x).
    """
    fmt = fmt.lower().lstrip(".")
    text = unify_breaks(text)  # control characters out first: an XML parser refuses them
    if fmt in ("html", "htm"):
        from .webpage import main_text  # the page's main content, chrome and hidden copies dropped

        text = main_text(text)
    sniff = fmt in ("txt", "md", "markdown")
    markdown = fmt in ("md", "markdown")
    # Each pass removes characters or line breaks, so the loop ends; two passes are the usual case.
    # A sniffed Markdown mode is decided afresh on each pass's text, as a fresh call would decide it: the fixed
    # point is then a fixed point of a fresh call (markup stripped in one pass leaves a text that no longer looks
    # like Markdown, whose hard-wrapped lines a plain pass still joins).
    memos: dict[bool, dict[str, tuple[str, int, bool] | None]] = {False: {}, True: {}}
    for _ in range(20):
        mode = markdown or (sniff and _LOOKS_MD.search(text) is not None)
        cleaned = _clean_once(text, mode, memos[mode])
        if cleaned == text:
            break
        text = cleaned
    return text


def strip_comments(text: str) -> str:
    """HTML comments (<!-- … -->, as Markdown exports leave them) out; an unclosed one runs to the end.
    A scan with find, so many openers without a closer stay linear."""
    out: list[str] = []
    pos = 0
    while True:
        a = text.find("<!--", pos)
        if a < 0:
            out.append(text[pos:])
            break
        out.append(text[pos:a])
        b = text.find("-->", a + 4)
        if b < 0:
            break
        pos = b + 3
    return "".join(out)


def normalize_spaces(text: str) -> str:
    """Odd spaces → space, runs collapsed, line ends stripped, and spaces next to CJK punctuation or
    between ideographs and ASCII letters/digits dropped; a letter-spaced line ("宁 波 市 财 政 局", a
    signature justified to the width of the one above it) closed up. Line breaks are kept."""
    text = _SPACES.sub(" ", _ZERO_WIDTH.sub("", text))
    text = _LINE_END_SPACES.sub("\n", text).strip(" ")
    text = _LETTER_SPACED.sub(lambda m: m.group(0).replace(" ", ""), text)
    return _SPACE_DROP.sub("", text)


def display_width(line: str) -> int:
    """Columns the line takes in a monospaced layout: CJK characters count as two."""
    return 2 * len(line) - len(_WIDE_RUNS.sub("", line))


def is_page_number(line: str) -> bool:
    """A page number alone on a line: — 2 —, - 2 -, 第 2 页, 2/10."""
    return len(line) <= 30 and PAGE_NUMBER.match(line) is not None


def is_web_debris(line: str) -> bool:
    """A line of website chrome: dateline, source, footer, buttons."""
    if not line or len(line) > _WEB_LINE_MAX or not _WEB_HINT.search(line):
        return False
    if _WEB_DEBRIS.match(line) or _WEB_ANYWHERE.search(line) or WEB_DATELINE.match(line):
        return True
    return _WIDGETS.sub("", line) == "" and any(c not in " []【】|｜/" for c in line)


# Lines remembered per clean_text call: a line's treatment depends on the line alone, and lines recur
# (the next pass sees every line that was already a whole paragraph; running heads and footers repeat).
_MEMO_LINES = 200_000
_UNSEEN = ("", 0, False)


def _clean_once(text: str, markdown: bool, memo: dict[str, tuple[str, int, bool] | None] | None = None) -> str:
    text = unify_breaks(text)
    if "<!--" in text:
        text = strip_comments(text)
    if markdown:
        from .markup import strip_site_markup

        text = strip_site_markup(text)
    text = _join_wrapped_urls(_COLUMN_GAP.sub("\n", text))
    if "@@" in text:
        text = _EXPORT_MARK.sub("", text)
    # Markdown hard line breaks (two trailing spaces, or a backslash) are seen before spaces are normalised.
    hard = None
    if markdown:
        rows = text.split("\n")
        hard = [r.endswith(("  ", "\\")) for r in rows]
        if any(r.endswith("\\") for r in rows):
            text = "\n".join(r[:-1] if r.endswith("\\") else r for r in rows)
    memo = {} if memo is None else memo
    lines: list[_Line] = []
    gap = 0
    for i, line in enumerate(normalize_spaces(text).split("\n")):
        if not line:
            gap += 1
            continue
        kept = memo.get(line, _UNSEEN)
        if kept is _UNSEEN:
            kept = _clean_line(line, markdown)
            if len(memo) < _MEMO_LINES:
                memo[line] = kept
        if kept is None:
            gap += 1
            if markdown and lines and _MD_RULE.match(line):
                lines[-1].hard_break = True  # a thematic break (---) ends the paragraph above it
            continue
        kept_line, width, heading = kept
        lines.append(_Line(kept_line, width, gap, heading, bool(hard and hard[i])))
        gap = 0
    return "\n".join(_join_paragraphs(_regroup(lines), markdown))


def _regroup(lines: list[_Line]) -> list[_Line]:
    """A breadcrumb laid out one step a line dropped; the runs of one date, 文号 or name joined (kb/text_runs)."""
    out: list[_Line] = []
    for a, b, dropped in regroup([ln.text for ln in lines]):
        text = "".join(ln.text for ln in lines[a:b])
        line = lines[a] if b == a + 1 else _Line(text, display_width(text), lines[a].gap, False, lines[b - 1].hard_break)
        line.gap += dropped
        out.append(line)
    return out


def _clean_line(line: str, markdown: bool) -> tuple[str, int, bool] | None:
    """One non-empty line of space-normalised text → (text, display width, is a markdown heading), or None
    when the line is debris (a page number, web-page chrome, markdown markup only)."""
    heading = False
    # Page numbers before markdown: "- 2 -" is not a list item.
    page = is_page_number(line)
    if not page and markdown:
        stripped, heading = _strip_markdown(line)
        # A line of space-normalised text is already normalised: only a changed line needs it again.
        if stripped != line:
            line = normalize_spaces(stripped)
            page = is_page_number(line)
    if not line or page or is_web_debris(line) or _is_source_stamp(line):
        return None
    return line, display_width(line), heading


def _join_wrapped_urls(text: str) -> str:
    """A web address a PDF or OFD wrapped at the page width ("原文链接：https://www.pkulaw.com/" over "lar/5878…9f" over
    "03e9…bdfb.html") made one line again, so it is one source stamp and no line of it is read as a name."""
    if "://" not in text:
        return text
    out: list[str] = []
    for row in text.split("\n"):
        if out and "://" in out[-1] and _URL_PART.fullmatch(row.strip()) and _URL_END.search(out[-1].rstrip()):
            out[-1] = out[-1].rstrip() + row.strip()
        else:
            out.append(row)
    return "\n".join(out)


def _is_source_stamp(line: str) -> bool:
    return len(line) <= 2100 and (line[:1] == "【" or "://" in line) and SOURCE_STAMP.match(line) is not None


def _strip_markdown(line: str) -> tuple[str, bool]:
    """Markdown markup off one line; the text stays. Returns (text, is_heading)."""
    if _MD_RULE.match(line):
        return "", False
    # A run of leading marks ("# # # 一", "> - 一") comes off in one match, not one mark per cleaning pass:
    # clean_text's fixed-point loop is bounded, so a long run must not need more passes than it allows.
    m = _MD_LEADS.match(line)
    heading = bool(m) and "#" in m.group(0)
    if m:
        line = line[m.end():]
    if heading:
        line = _MD_HEADING_TAIL.sub("", line)
    if "[" in line:
        line = _MD_LINK.sub(r"\1", line)
    for mark in ("**", "__", "*"):
        # "____" is a fill-in blank in Chinese forms, not emphasis.
        if line.count(mark) >= 2 and not (mark == "__" and "___" in line):
            line = _drop_pairs(line, mark)
    return line, heading


def _drop_pairs(line: str, mark: str) -> str:
    """Remove emphasis marks in pairs; an unpaired last one is text and stays."""
    parts = line.split(mark)
    if len(parts) % 2 == 0:  # odd number of marks: keep the last one
        return "".join(parts[:-1]) + mark + parts[-1]
    return "".join(parts)


def _join_paragraphs(lines: list[_Line], markdown: bool = False) -> list[str]:
    """Rejoin lines that a layout broke inside a paragraph."""
    if not lines:
        return []
    wrap = _wrap_margin(lines)
    paragraphs: list[str] = []
    pieces = [lines[0].text]
    for prev, line in zip(lines, lines[1:], strict=False):
        if _continues(prev, line, wrap, markdown):
            if _ASCII_ALNUM.match(pieces[-1][-1]) and _ASCII_ALNUM.match(line.text[0]):
                pieces.append(" ")  # English words or numbers split across lines
            pieces.append(line.text)
        else:
            paragraphs.append("".join(pieces))
            pieces = [line.text]
    paragraphs.append("".join(pieces))
    return paragraphs


@dataclass
class _Wrap:
    width: int  # the wrap margin, in display columns
    full: int  # a line at least this wide reached the margin
    # Only lines that stop inside a sentence at the margin were wrapped: a text of whole paragraphs in which some
    # were broken at one width (a PDF converted in parts), so a line past the margin is a paragraph of its own.
    partial: bool = False


# Lines that stop inside a sentence within two columns of one width, in a text of whole paragraphs: that many
# make the width a wrap margin (fewer may be headings of similar length). Narrower widths are lists and cells.
_PARTIAL_WRAP_LINES = 5
_PARTIAL_WRAP_PROSE = 2
_PARTIAL_WRAP_MIN = 40


def _wrap_margin(lines: list[_Line]) -> _Wrap | None:
    """The wrap margin of a hard-wrapped text, or None when lines are whole paragraphs.

    A hard-wrapped document has most of its lines within a few columns of one width (the 80th
    percentile), and most of those end inside a sentence. A document of whole paragraphs has lines
    of every length, and the few of similar length end with a full stop (so cleaned text, one
    paragraph per line, is never taken for wrapped text).
    """
    widths = sorted(ln.width for ln in lines)
    if len(widths) < 4:
        return None
    wrap = widths[int(0.8 * (len(widths) - 1))]
    if wrap < 30:  # short lists (signatures, table cells) are not wrapped prose
        return None
    low = wrap - max(4, int(0.15 * wrap))
    near = [ln.text for ln in lines if low <= ln.width <= wrap + 4]
    if len(near) < 3 or len(near) < 0.4 * len(widths):
        return _partial_margin(lines)
    open_ended = sum(1 for t in near if (t.rstrip(_CLOSERS) or t)[-1] not in _SENTENCE_FINAL)
    return _Wrap(wrap, low) if open_ended >= 0.5 * len(near) else _partial_margin(lines)


def _partial_margin(lines: list[_Line]) -> _Wrap | None:
    """The margin at which some lines of a text of whole paragraphs were broken: the width shared, to two
    columns, by the most lines that stop inside a word (an ideograph, no punctuation), when enough do."""
    counts: dict[int, int] = {}
    prose: dict[int, int] = {}  # of them, lines that are not numbered: headings of one length are not a margin
    for ln in lines:
        if ln.width >= _PARTIAL_WRAP_MIN and not ln.heading and _IDEO_END.search(ln.text):
            counts[ln.width] = counts.get(ln.width, 0) + 1
            if not PARAGRAPH_MARK.match(ln.text):
                prose[ln.width] = prose.get(ln.width, 0) + 1
    best, width = 0, 0
    for w in counts:
        n = sum(counts.get(w - d, 0) for d in range(3))
        if n > best and sum(prose.get(w - d, 0) for d in range(3)) >= _PARTIAL_WRAP_PROSE:
            best, width = n, w
    return _Wrap(width, width - 2, partial=True) if best >= _PARTIAL_WRAP_LINES else None


def _continues(prev: _Line, line: _Line, wrap: _Wrap | None, markdown: bool = False) -> bool:
    """Does `line` continue the paragraph whose last line is `prev`?"""
    a, b = prev.text, line.text
    if PARAGRAPH_MARK.match(b):
        return False
    end = a.rstrip(_CLOSERS) or a
    if UNIT_NOTE_LINE.match(b) or not markdown and (b[0] in _NEVER_OPENS and end[-1] not in _SENTENCE_FINAL
                                                    or BARE_MARKER.match(a)):
        # A paragraph never opens with a closing mark, and a marker alone on its line has its heading next (in
        # a text extraction; Markdown says where its lines break).
        return True
    # A trailing comma always continues, even before a markdown heading or after a hard break: the
    # next cleaning pass no longer sees those hints, and must come to the same decision.
    if a[-1] in _CONTINUES and end[-1] not in _SENTENCE_FINAL:
        return True
    if prev.heading or prev.hard_break or line.heading:
        return False
    if end[-1] in _SENTENCE_FINAL:
        # A sentence can end exactly at the margin inside a paragraph. The first line of a new
        # paragraph is indented two characters (the indent itself is lost in extraction, so the line
        # is 4 columns short); a next line that still reaches the margin continues the paragraph.
        # Seeds 000, 001 and 003 have several such places.
        return (wrap is not None and not wrap.partial and prev.width >= wrap.width - 5
                and line.width >= wrap.width - 2)
    if wrap is not None and wrap.partial and wrap.full <= prev.width <= wrap.width and _IDEO_END.search(a):
        return True  # broken inside a word at the margin some lines share
    if wrap is not None and not wrap.partial:
        # Hard-wrapped: a line that reaches the margin was wrapped; a short one ends its paragraph.
        return prev.width >= wrap.full
    # Whole-paragraph lines: a blank line inside a sentence (seen in seeds 002 and 004). The piece
    # before it reads as cut-off prose: it ends in a character, has sentence punctuation inside, and
    # is not a heading (a marker line without a 。).
    if line.gap == 0:
        return not markdown and (wrap is None or wrap.partial) and page_break(a, b, PARAGRAPH_MARK.match(a) is not None)
    if not (a[-1].isalnum() or a[-1] in "”’"):
        return False
    if not _PROSE.search(a) or (PARAGRAPH_MARK.match(a) and "。" not in a) or NOTE_LINE.match(a):
        return False
    return not a.startswith(("抄送", "主送", "附件"))
