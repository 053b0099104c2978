"""A document's title and what stands around it: the title chosen by its grammar among the first lines, the
title as cited, and the 文号 and issuer lines printed right above a title (kb/tag.py asks)."""

from __future__ import annotations

import re

from .grammar import (
    ADOPTION,
    ATTACHMENT,
    BRACKET_DATE,
    CONTENTS_HEADING,
    DATE_LINE,
    DOC_NUMBER,
    DOC_TYPES,
    DRAFT,
    DRAFT_LINE,
    FORWARDS,
    LABEL_LINE,
    MASTHEAD,
    ORDER_HEAD,
    ORDER_NUMBER,
    ORDER_SEQ,
    PAGE_TITLE,
    SECTION_LABEL,
    TITLE_FOOTNOTE,
    TITLE_GRAMMAR,
    TITLE_NUMBER,
    TRUNCATED,
    is_org_line,
)
from .markers import match_marker
from .regions import gazetteer, places_in
from .text import no_spaces
from .webpage import line_label

# Lines a title and an own 文号 are looked for in: the first ones of the document.
HEAD_WINDOW = 10
_TITLE_SPAN = 3  # a title may wrap over this many lines
# A wrapped title's lines but the last are at least this long; how far down a page's head may be found below its menus,
# and how many lines under a title its 文号 or addressee may stand (a share widget may come between).
_MIN_TITLE_LINE = 3
_WIDE_WINDOW = 150
_ANCHOR_GAP = 3
_MIN_OWN_TITLE = 8  # a title this long or longer is the document's own when a line repeats it before its 文号
_ONLY_KINDS = re.compile("(?:" + "|".join(DOC_TYPES) + ")+")
# A note in brackets may wrap over this many lines ("(2003年12月27日第十届全国人民代表大会" / "常务委员会第六次会议通过)").
_NOTE_SPAN = 4
_VERBS = "提升|推动|促进|支持|加强|推进|做好|加快|深化|强化|完善|优化"
# How far above a repeated title its own head (文号, issuer lines) may be printed, and how far down the
# document a repetition is looked for (a page's information box may come between).
_ABOVE = 3
_PLACE_SCAN = 40  # how much of a line is read for the division it opens with
_REPEAT_WINDOW = 60


def _glued_note(text: str) -> re.Match[str] | None:
    """An adoption or promulgation note run into a title line: in brackets after it ("…办法（2022年…通过）"), or
    ending it. A date inside the title's subject ("关于废止2019年3月1日国务院发布的《…》的决定") is not one."""
    notes = list(ADOPTION.finditer(text))
    end = len(text.rstrip("）) "))
    for k, note in enumerate(notes):
        if text[note.start() - 1 : note.start()] in ("（", "("):
            return note
        last = note  # this note and those right after it (通过 …, 公布施行) run to the end of the line
        for later in notes[k + 1 :]:
            if later.start() - last.end() > 12:
                break
            last = later
        if last.end() >= end - 12:
            return note
    return None


def title_of(text: str) -> str:
    """A title as cited: spaces out, ending at a regulation's adoption note or before its own bracketed 文号,
    starting at 关于 when only issuer names precede it (they are a field of their own). "国务院办公厅转发民政部
    关于…的通知" and "劳动部办公厅对《关于…的请示》的复函" keep their head: what precedes 关于 is not a name."""
    words = text.split()
    column = max((k for k, w in enumerate(words[:-1]) if _ONLY_KINDS.fullmatch(w)), default=-1)
    if column >= 0:
        text = " ".join(words[column + 1 :])  # a site's name and column before the title: "某局 通知公告 关于…"
    title = TITLE_FOOTNOTE.sub("", no_spaces(text))
    lead = DOC_NUMBER.match(title)
    if lead and TITLE_GRAMMAR.match(title[lead.end() :]):
        title = title[lead.end() :]  # a crawler's heading "法释〔2019〕15号关于…的解释": the number is a field of its own
    note = _glued_note(title)
    if note:
        title = title[: note.start()].rstrip("（(")
    own = TITLE_NUMBER.search(title)
    if own and own.start() > 0:
        title = title[: own.start()]
    if "关于" in title:
        prefix = title[: title.index("关于")]
        names = [n for n in re.split(r"[、，,]", prefix) if n]
        if not FORWARDS.search(prefix) and "《" not in prefix and all(is_org_line(n) for n in names):
            title = title[title.index("关于") :]
    return title


def stated_title(value: str) -> str:
    """A title as a page or a file's metadata states it, as cited; "" when the value is no title: an organisation's
    name (a crawler's title field filled with the issuer) or a title cut short ("关于某事的 ...")."""
    return "" if is_org_line(value) or TRUNCATED.search(value.rstrip()) else title_of(value)


def find_title(
    header: list[str], release: list[str], body: list[str], later: list[str] | None = None
) -> tuple[str, str, str]:
    """(title, how it was found, the lines it was read from joined). `later` are the lines a title copied
    without its 《》 is looked for as printed (the text's lines after the head; `body` when not given)."""
    # 1. By grammar: the first run of lines among the first ones that reads as a title (…关于…的通知,
    #    …管理办法, …行动方案（2024—2026年）). Mastheads, 文号 and draft marks split runs; prose before any
    #    title (a site's notice about the copy) is passed over.
    runs: list[list[str]] = [[]]
    head = [TITLE_FOOTNOTE.sub("", ln) for ln in (header + body)[:HEAD_WINDOW]]
    notes = _bracketed_notes(head)
    for k, line in enumerate(head):
        labelled = line_label(line)
        if labelled and labelled[0] == "title" and _whole_title(labelled[1]):
            return title_of(labelled[1]), "header", labelled[1]  # "标题：…" at the head of a crawled text
        if k in notes or labelled or _is_label(line) or PAGE_TITLE.search(line):
            # An adoption note wrapped over lines, a label such as 附件2 above the title, a labelled line
            # (发布时间：…, 文号：…) of a crawled text's head.
            runs.append([])
            continue
        if CONTENTS_HEADING.match(line) or line.endswith(("：", ":")) or match_marker(line) is not None:
            break  # a table of contents, the addressee or the outline: the title is above
        if "。" in line:
            if any(runs):
                break  # prose after a title candidate: the text has begun
            continue
        if splits_title(line):
            runs.append([])
            continue
        if runs[-1] and line == runs[-1][-1]:
            continue  # a title printed twice (database exports)
        runs[-1].append(line)
    for run in runs:
        for i in range(len(run)):
            for span in range(min(_TITLE_SPAN, len(run) - i), 0, -1):
                if span > 1 and sum(_whole_title(ln) for ln in run[i : i + span]) > 1:
                    continue  # two lines that are each a whole title (a file's heading, then the notice's title)
                if any(_menu_item(ln) for ln in run[i : i + span - 1]):
                    continue  # a site's menu item ("EN", "本网") above a column's name: not a wrapped title
                above = "".join(run[i : i + span - 1])
                if (span > 1 and _whole_title(run[i + span - 1]) and _starts_a_title(run[i + span - 1])
                        and "关于" not in above and above.count("《") == above.count("》")):
                    continue  # a whole title opening as titles do (关于…, 《…, 浙江省…): the line above is not of it
                candidate = "".join(run[i : i + span])
                note = _glued_note(candidate)
                if note:
                    candidate = candidate[: note.start()].rstrip("（( ")
                if _whole_title(candidate):
                    notice = _issuing_notice((header + body)[:_WIDE_WINDOW], candidate)
                    raw = notice or _printed_form(candidate, (body if later is None else later)[:_REPEAT_WINDOW])
                    return title_of(raw), "header", raw
    # 1b. Below a site's menus and information box: a title further down, known by its 文号 or addressee under it.
    anchored = _anchored_title(header + body) or _repeated_title(header + body)
    if anchored:
        return title_of(anchored), "header", anchored
    # 2. The header's lines above the 文号, draft mark or addressee, organisation lines aside.
    lines = []
    notes = _bracketed_notes(header)
    for k, line in enumerate(header):
        if DOC_NUMBER.fullmatch(line) or DRAFT.search(line) or line.endswith(("：", ":")):
            break
        if CONTENTS_HEADING.match(line):
            break
        if k in notes or is_org_line(line) or splits_title(line) or _is_label(line) or line_label(line):
            continue
        lines.append(line)
    title = title_of("".join(lines))
    if title:
        return title, "header", "".join(lines)
    if release:
        m = re.search(r"《(.{1,200}?)》", release[0])
        if m:
            return m.group(1), "新闻稿标题", ""
    # 3. No title in the text: draft one from the preamble's purpose phrase and document type.
    preamble = "".join(body[:2])
    kind = re.search(r"(?:提出|制定|印发)(?:如下|以下|本)?(" + "|".join(DOC_TYPES[:20]) + ")", preamble)
    doc_type = kind.group(1) if kind else "文件"
    head = preamble[: kind.start()] if kind else preamble[:200]
    subjects = []
    for phrase in re.split(r"[，。；]", head):
        m = re.match(rf"^(?:全面|进一步|切实|加快|大力)?(?:{_VERBS})(.{{4,24}}?)(?:质效|水平|工作|建设)?$", phrase)
        if m:
            subjects.append(m.group(1))
    if subjects:
        return f"关于{max(subjects, key=len)}的{doc_type}", "据前言拟定", ""
    return "", "", ""


def _menu_item(line: str) -> bool:
    """A word too short to be a wrapped title's first lines ("EN", "本网"); 关于 alone may be one, and so may a mark a
    text extraction put on its own line ("<" of "《…关于印发" / "<" / "…方案>的通知》")."""
    word = line.replace(" ", "")
    return len(word) < _MIN_TITLE_LINE and word.isalnum() and word != "关于"


def _anchored_title(lines: list[str]) -> str:
    """The title right above a 文号 or an addressee line among the lines above the first sentence (up to _WIDE_WINDOW
    of them): the document's own head below a page's menus and information box; "" when there is none."""
    window = lines[:_WIDE_WINDOW]
    stop = next((i for i, ln in enumerate(window) if "。" in ln), len(window))
    for a in range(1, stop):
        if not _anchors_title(window[a]):
            continue
        for end in range(a, max(a - _ANCHOR_GAP, 0), -1):
            for span in range(min(_TITLE_SPAN, end), 0, -1):
                if _title_run(window[end - span : end]):
                    return "".join(window[end - span : end])
    return ""


def _repeated_title(lines: list[str]) -> str:
    """The first line above the first sentence (among up to _WIDE_WINDOW) that reads as a whole title and is printed
    again below it: a page's title in its head and above its text, under a site's widgets; "" when there is none."""
    window = lines[:_WIDE_WINDOW]
    # A crawler's heading marks written without their space ("##《…》") are not of the title.
    window = [no_spaces(ln).lstrip("#") for ln in window[: next((i for i, ln in enumerate(window) if "。" in ln),
                                                                len(window))]]
    for i, line in enumerate(window):
        if line in window[i + 1 :] and _title_run([line]):
            return lines[i]
    return ""


def _title_run(run: list[str]) -> bool:
    """Do these lines make one title by its grammar, and no more than one?"""
    if any(line_label(ln) or PAGE_TITLE.search(ln) or splits_title(ln) for ln in run):
        return False
    if any(_menu_item(ln) for ln in run[:-1]) or not _whole_title("".join(run)):
        return False
    above = "".join(run[:-1])
    if len(run) > 1 and _whole_title(run[-1]) and _starts_a_title(run[-1]) and "关于" not in above:
        return False  # a value or issuer line above a whole title
    return sum(_whole_title(ln) for ln in run) <= 1 or not above


def _anchors_title(line: str) -> bool:
    """A 文号 (in brackets or not) or an addressee line ("各有关单位：")."""
    if DOC_NUMBER.fullmatch(line.strip().strip("（()）")):
        return True
    return line.endswith(("：", ":")) and "。" not in line and len(line) <= 200 and line_label(line) is None


def _starts_a_title(line: str) -> bool:
    """Does a line open as a title does: 关于…, 《…》, or a division's full name (浙江省…, 宁波市…)? A line
    above such a title (a site's name, an issuer line) is not the title's first line."""
    if line.startswith(("关于", "《")):
        return True
    # A division read as places_in reads one: "和县级以上…" does not open with 和县 (a county only where it names a
    # government), so "中国人民解放军选举全国人民代表大会" over it is the title's first line.
    found = places_in(line[:_PLACE_SCAN])
    if not found or found[0].start:
        return False
    return not any(e.short for e in gazetteer().names.get(found[0].name, ()))


def _is_label(line: str) -> bool:
    """A label above a title: "附件", "附件2：", "大纲4"."""
    return bool(LABEL_LINE.match(line) or ATTACHMENT.match(line))


def _printed_form(title: str, lines: list[str]) -> str:
    """The title as the text prints it further down when the heading is a copy without its book-title marks
    (a file's heading "关于贯彻落实“十四五”…规划的实施意见" above the text's "关于贯彻落实《“十四五”…规划》的…")."""
    bare = no_spaces(title)
    if "《" in bare:
        return title
    for line in lines:
        squashed = no_spaces(line)
        if "《" in squashed and squashed != bare and re.sub(r"[《》〈〉]", "", squashed) == bare:
            return line
    return title


def _bracketed_notes(lines: list[str]) -> set[int]:
    """Indexes of the lines of an adoption or promulgation note in brackets that wraps over lines (a PDF's
    page width): from a line opening a bracket it does not close to the line that closes it."""
    out: set[int] = set()
    for i, line in enumerate(lines):
        if line[:1] not in "（(" or re.search(r"[）)]", line):
            continue
        for j in range(i + 1, min(i + _NOTE_SPAN, len(lines))):
            if re.search(r"[）)]", lines[j]):
                if ADOPTION.search("".join(lines[i : j + 1])):
                    out.update(range(i, j + 1))
                break
    return out


def _whole_title(line: str) -> bool:
    """A title by its grammar, its 《》 closed: "…实施《中华人民共和国药品管理法" is the first line of one. Kinds of
    document alone ("通知公告", "通知通告": a site's column) name nothing."""
    balanced = line.count("《") == line.count("》")
    squashed = line.replace(" ", "")
    return (balanced and bool(TITLE_GRAMMAR.match(squashed)) and not is_org_line(line)
            and not _ONLY_KINDS.fullmatch(squashed))


def _issuing_notice(lines: list[str], name: str) -> str:
    """A later head line that issues what `name` names ("X" above "关于印发《X》的通知", a file headed with the
    name of the regulation its notice issues): that notice is the document; "" when there is none."""
    quoted = "《" + no_spaces(name) + "》"
    for k, line in enumerate(lines):
        squashed = no_spaces(line)
        if quoted in squashed and squashed.endswith("通知") and TITLE_GRAMMAR.match(squashed):
            # The notice's title wrapped after its verb: "X关于印发" over "《…》的通知".
            above = lines[k - 1].strip() if k and squashed.startswith("《") else ""
            return above + line if above.endswith(("印发", "转发", "批转", "关于")) else line
    return ""


def splits_title(line: str) -> bool:
    """Lines that stand between title lines and are never part of one: a 文号 (bracketed or not), a masthead,
    a draft mark, a date under the title, an order's name or number, a line cut short, a section's label."""
    bare = line.strip("（()）")
    if ORDER_NUMBER.match(bare):
        return True  # the order promulgating a law, in brackets under its title: （中华人民共和国主席令第31号）
    if line[:1] in "（(" and ADOPTION.search(line):
        return True  # an adoption or promulgation note under the title
    if re.fullmatch(r"[（(]\s*\d{4}\s*年\s*[）)]", line):
        return True  # a year under the title (a 公告's series), unlike a plan's period (2024—2026年)
    return bool(
        DOC_NUMBER.fullmatch(bare) or MASTHEAD.match(line) or BRACKET_DATE.match(line)
        or ORDER_HEAD.match(line) or ORDER_SEQ.match(line) or ORDER_NUMBER.match(line)
        or DRAFT_LINE.fullmatch(line) or TRUNCATED.search(line.rstrip()) or SECTION_LABEL.match(line.strip())
    )


def issuers_of_title(raw: str) -> list[str]:
    """The issuers a title names before what it is about: "上海市崇明区人民政府办公室关于…",
    "浙江省物价局、省财政厅关于…", "教育部《…规定》"; [] when its head is not organisation names."""
    title = no_spaces(raw)
    m = re.match(r"^(.{2,80}?)(?:印发)?(?:关于|《)", title)  # "X印发关于…的通知": X issues it
    if not m or FORWARDS.search(m.group(1)):
        return []
    names = [n for n in re.split(r"[、，,]", m.group(1)) if n]
    return names if names and all(is_org_line(n) for n in names) else []


def head_above_repeat(lines: list[str], raw: str) -> tuple[str, list[str]]:
    """(文号, issuer names) printed right above a later repetition of the title: a copied page whose information
    box comes first and the document's own head (文号, issuer line, title) after it."""
    squashed = no_spaces(raw)
    if not squashed:
        return "", []
    seen = 0
    for i, line in enumerate(lines[:_REPEAT_WINDOW]):
        if no_spaces(line) != squashed:
            continue
        seen += 1
        if seen < 2:
            continue
        number, names = "", []
        for above in reversed(lines[max(0, i - _ABOVE) : i]):
            bare = above.strip().strip("（()）")
            if not number and DOC_NUMBER.fullmatch(bare):
                number = no_spaces(bare)
            elif not names and is_org_line(above) and not DATE_LINE.match(above):
                names = [n for n in above.split() if not DATE_LINE.match(n)]
        if number or names:
            return number, names
    return "", []


def number_under_title(lines: list[str], raw: str) -> str:
    """The 文号 on its own line right under the title as the text prints it (over up to _TITLE_SPAN lines), among the
    first _WIDE_WINDOW lines: the document's own head below a page's menus; "" when there is none."""
    squashed = no_spaces(raw)
    window = [no_spaces(ln) for ln in lines[:_WIDE_WINDOW]]
    for i in range(len(window)):
        for span in range(1, _TITLE_SPAN + 1):
            if "".join(window[i : i + span]) != squashed:
                continue
            for below in lines[i + span : i + span + _ANCHOR_GAP]:
                bare = below.strip().strip("（()）")
                if DOC_NUMBER.fullmatch(bare):
                    return no_spaces(bare)
    return ""



def number_after_title(lines: list[str], title: str) -> str:
    """The 文号 in brackets right after the document's own title anywhere in the text, as a download line after the
    signature writes it ("点击查看原文件：关于…的通知（某发〔2025〕51号）"); "" when there is none."""
    squashed = no_spaces(title)
    for line in lines:
        line = no_spaces(line)
        at = line.find(squashed + "（") if len(squashed) >= _MIN_OWN_TITLE else -1
        if at < 0 or line[at - 1 : at] == "《":
            continue  # a cited document's title is in 《》
        m = TITLE_NUMBER.match(line, at + len(squashed))
        if m:
            return no_spaces(m.group(1))
    return ""
