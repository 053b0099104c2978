"""Cleaned document text → outline and clauses (一、 part → （一） measure → 1. item), with exact offsets."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from .grammar import (
    ADOPTION,
    ATTACHMENT,
    ATTACHMENT_LIST,
    BRACKET_DATE,
    DATE_LINE,
    DOC_NUMBER,
    DRAFT_LINE,
    ORDER_HEAD,
    ORDER_SEQ,
    PAGE_TITLE,
    RELEASE_HEADLINE,
    SIGNER,
    TITLE_GRAMMAR,
    bracketed_issuer,
    is_org_line,
)
from .markers import match_marker
from .models import Clause
from .outline_nodes import Node, parse_outline
from .runon import Line, split_lines
from .text import no_spaces

# Marker types that make their own clause. Deeper ones (（1）, ①) stay inside their parent's text.
CLAUSE_TYPES = {"article", "part", "measure", "item"}
# A short label that opens a paragraph of a numbered-targets list, e.g. "增量：…" in a goals section.
_TARGET_LABEL = re.compile(r"^([\u4e00-\u9fff]{2,4})[：:]")
_NOT_TARGET_LABELS = {"附件", "抄送", "主送", "联系人", "电话", "来源", "地址", "责任单位", "牵头单位"}

MAX_CLAUSE_CHARS = 3000


@dataclass
class Layout:
    """Where the parts of a document are: wrapper, header, body and closing, as line indices."""

    lines: list[Line]
    release: tuple[int, int]  # press-release wrapper lines [a, b)
    header: tuple[int, int]  # title, 文号, addressee lines
    body: tuple[int, int]  # preamble and outline
    closing: tuple[int, int]  # signature, date, 抄送, 印发
    cover: tuple[int, int] = (0, 0)  # a cover notice issuing the plan that follows it (印发…的通知)
    signature: tuple[int, int] = (0, 0)  # a signature block inside the text (after a cover or before 附件)

    def text_of(self, span: tuple[int, int]) -> list[str]:
        return [ln.text for ln in self.lines[span[0] : span[1]]]


def _is_header_line(text: str) -> bool:
    if DOC_NUMBER.fullmatch(text.strip().strip("（()）")) or DRAFT_LINE.fullmatch(text):
        return True
    if BRACKET_DATE.match(text) or ORDER_HEAD.match(text) or ORDER_SEQ.match(text):
        return True
    if TITLE_GRAMMAR.match(text) or (text[:1] in "（(" and ADOPTION.search(text[:80])):
        return True  # a long title, or a regulation's adoption note under its title
    if PAGE_TITLE.search(text) and "。" not in text:
        return True  # a saved page's title line above the text
    if text.endswith(("：", ":")) and "。" not in text:
        return True  # addressee line, e.g. "各乡、镇人民政府，…："
    if is_org_line(text):
        return True
    return len(text) <= 40 and not re.search(r"[。；！？]$", text)


def _is_closing_line(text: str) -> bool:
    t = text.strip()
    if DATE_LINE.match(t) or t.startswith(("抄送", "抄报", "主送")) or re.search(r"印发\s*$", t):
        return True
    if re.fullmatch(r"[（(]?此件[^）)]*[）)]?", t) or t.startswith(("（联系人", "(联系人", "联系人")):
        return True
    # A signature line, or an issuer in brackets under the text ("（万载县统计局）", as 统计公报 sign).
    return is_org_line(t) or bool(bracketed_issuer(t))


def find_layout(lines: list[Line]) -> Layout:
    """Locate the press-release wrapper, the header, the body and the closing block."""
    n = len(lines)
    body_from = 0
    release = (0, 0)
    if lines:
        head = RELEASE_HEADLINE.search(lines[0].text)
        attach = next((i for i, ln in enumerate(lines[:60]) if ATTACHMENT.match(ln.text)), None)
        title_at = None
        if head:
            wanted = no_spaces(head.group(2))
            title_at = next(
                (i for i in range(1, n) if no_spaces(lines[i].text) == wanted), None
            )
        if title_at is not None and _issues_notice(lines[: title_at]):
            title_at = None  # "关于印发《X》的通知", its addressee and signature, then X: a cover notice, not news
        if title_at is not None and (attach is None or attach < title_at):
            start = attach + 1 if attach is not None else title_at
            release = (0, attach if attach is not None else title_at)
            body_from = min(start, title_at)

    # Closing block, scanned from the end.
    end = n
    while end > body_from and _is_closing_line(lines[end - 1].text):
        end -= 1

    # Header: title lines, 文号, draft mark, addressee, before the first paragraph of prose.
    h = body_from
    while h < end and match_marker(lines[h].text) is None and _is_header_line(lines[h].text):
        h += 1
    sig = _signature_block(lines, h, end)
    if sig is None:
        return Layout(lines, release, (body_from, h), (h, end), (end, n))
    a, b = sig
    if _is_cover(lines, h, a):
        # 印发…的通知 + the plan: the plan's own title lines belong to the signature block, not to a clause.
        while b < end and match_marker(lines[b].text) is None and _is_header_line(lines[b].text):
            b += 1
        return Layout(lines, release, (body_from, h), (b, end), (end, n), cover=(h, a), signature=(a, b))
    return Layout(lines, release, (body_from, h), (h, end), (end, n), signature=(a, b))


def _issues_notice(lines: list[Line]) -> bool:
    """Do the lines before a repetition of the title named in "印发《X》" read as the notice that issues X (its
    title ends in 通知, or an addressee line follows it) rather than as a news release about X?"""
    if no_spaces(lines[0].text).endswith("通知"):
        return True
    return any(ln.text.endswith(("：", ":")) and "。" not in ln.text and len(ln.text) <= 80
               and not ln.text.startswith("附件") for ln in lines[1:])


# Lines of a signature block: organisation names above the date line.
_MAX_SIGNATURE_LINES = 8
# A cover notice is a few paragraphs; a longer text before a signature is a document with attachments.
_MAX_COVER_LINES = 12


_PUBLIC_MARK = re.compile(r"[（(]此件[^）)]{0,8}公开[^）)]{0,4}[）)]")


def _signature_block(lines: list[Line], lo: int, hi: int) -> tuple[int, int] | None:
    """The first signature block inside lines [lo, hi): organisation lines, a date line, and the closing
    lines after it (此件公开发布, 抄送, 印发). None when there is none."""
    for k in range(lo + 1, hi):
        if not DATE_LINE.match(lines[k].text):
            continue
        j = k
        while j > lo and k - j < _MAX_SIGNATURE_LINES and (
            is_org_line(lines[j - 1].text) or SIGNER.match(lines[j - 1].text)
        ):
            j -= 1
        after = k + 1
        while after < hi and _is_closing_line(lines[after].text) and not DATE_LINE.match(lines[after].text):
            after += 1  # （此件公开发布）
        if j == k and not (after < hi and TITLE_GRAMMAR.match(lines[after].text.replace(" ", ""))) and not (
                k + 1 < hi and _PUBLIC_MARK.fullmatch(lines[k + 1].text.strip())):
            # a date alone signs only a cover notice, followed by the title of what it issues, or a text whose
            # publication mark follows it ("2020年2月21日" over "（此件主动公开）", a page that prints no issuer line)
            continue
        e = k + 1
        while e < hi and _is_closing_line(lines[e].text):
            e += 1
        return j, e
    return None


def _is_cover(lines: list[Line], lo: int, hi: int) -> bool:
    """Do lines [lo, hi) read as a cover notice: a few paragraphs with no outline, an 附件 list aside?"""
    if not 0 < hi - lo <= _MAX_COVER_LINES:
        return False
    in_list = False
    for ln in lines[lo:hi]:
        if ln.text.startswith("附件"):
            in_list = True
        elif match_marker(ln.text) is not None and not in_list:
            return False
    return True


def segment(text: str, doc_id: str, source: str) -> tuple[list[Clause], Layout]:
    """Split a cleaned document into clauses. Every body character belongs to exactly one clause."""
    lines = split_lines(text)
    layout = find_layout(lines)
    units: list[dict] = []

    def add(kind: str, path: str, heading: str, parents: list[str], a: int, b: int) -> None:
        if a < b:
            units.append(dict(kind=kind, path=path, heading=heading, parents=parents, a=a, b=b))

    # Press-release wrapper: kept apart, one unit a paragraph.
    headline = lines[0].text if layout.release[1] else ""
    for i in range(*layout.release):
        if not ATTACHMENT.match(lines[i].text) and i > 0:
            add("release", "", headline[:60], [], i, i + 1)
    # A cover notice (印发…的通知, its 附件 list) is kept apart from the plan it issues in the same way.
    for i in range(*layout.cover):
        add("release", "", "", [], i, i + 1)

    lo, hi = layout.body
    sa, sb = layout.signature
    # A signature inside the body is followed by attachments: they are outlined on their own, so their
    # lists do not become items of the last measure.
    for a, b in ([(lo, sa), (sb, hi)] if lo < sa < hi else [(lo, hi)]):
        _outline_units(lines, a, b, add)

    units.sort(key=lambda u: u["a"])
    clauses: list[Clause] = []
    seen: dict[str, int] = {}
    for u in units:
        for a_off, b_off, suffix in _pieces(text, lines[u["a"]].start, lines[u["b"] - 1].end):
            key = f"{u['kind']}|{u['path']}|{u['heading']}{suffix}"
            dup = seen.get(key, 0)
            seen[key] = dup + 1
            clauses.append(
                Clause(
                    id=clause_id(doc_id, key, dup),
                    doc_id=doc_id,
                    source=source,
                    ordinal=len(clauses),
                    kind=u["kind"],
                    path=u["path"],
                    heading=u["heading"] + suffix,
                    parents=u["parents"],
                    text=text[a_off:b_off],
                    start=a_off,
                    end=b_off,
                )
            )
    return clauses, layout


def _outline_units(lines: list[Line], lo: int, hi: int, add) -> None:
    """Preamble paragraphs and outline clauses of lines [lo, hi)."""
    nodes, first_numbered, trailer_lines = parse_outline(lines, lo, hi)
    trailers = set(trailer_lines)
    node_at = {nd.first_line: nd for nd in nodes}
    # An attachment's heading ("附件2" and its title lines), or the head of notes or an appendix after the text,
    # ends the clause before it and is a unit of its own.
    annex = [i for i in range(first_numbered, hi)
             if ATTACHMENT.match(lines[i].text) or ATTACHMENT_LIST.match(lines[i].text) or i in trailers]
    for n, i in enumerate(annex):
        k = i + 1
        while k < hi and k not in node_at and (n + 1 == len(annex) or k < annex[n + 1]):
            k += 1
        add("preamble", "", lines[i].text[:60], [], i, k)
    stops = set(node_at) | set(annex)

    # Preamble: prose before the first numbered line, one unit a paragraph.
    for i in range(lo, first_numbered):
        add("preamble", "", "", [], i, i + 1)

    # Numbered nodes: each runs to the next marker line. Children of a lead-in ending in "：" and
    # deeper-than-item markers are folded into their parent.
    folded: set[int] = set()
    for nd in nodes:
        if nd.type not in CLAUSE_TYPES and nd.type not in ("chapter", "section"):
            folded.add(nd.first_line)
        elif nd.parent and nd.parent.first_line in folded:
            folded.add(nd.first_line)
        elif nd.parent is not None and nd.parent.type in CLAUSE_TYPES:
            lead = _lead(lines, nd.parent)
            if lead.rstrip().endswith(("：", ":")) and nd.parent.first_line not in folded:
                folded.add(nd.first_line)
            elif nd.type == "part" and nd.parent.type == "article" and _listed_in_article(lines, nd.parent):
                folded.add(nd.first_line)  # an article's 一、二、 list under a later paragraph's lead

    for nd in nodes:
        if nd.first_line in folded:
            continue
        # Own text: to the next marker line that is not folded into this node.
        j = nd.first_line + 1
        while j < hi and (j not in stops or j in folded):
            j += 1
        own = (nd.first_line, j)
        parents = [a.heading for a in nd.ancestors if a.heading]
        has_children = any(c.first_line not in folded for c in nd.children)
        body_chars = len(lines[nd.first_line].text) - nd.cut - len(nd.heading)
        only_heading = own[1] - own[0] == 1 and body_chars <= 2
        if nd.type in ("chapter", "section") or (only_heading and has_children):
            continue  # headings only: they live on as the parents of their clauses
        if nd.type == "part":
            # A part's own prose ("一、总体要求" followed by paragraphs) and target lists; a part of one line
            # and no children ("三、清明节：4月5日放假，与周末连休。") is a unit of its own.
            _add_general(add, lines, nd, own, parents)
            continue
        kind = "article" if nd.type == "article" else nd.type
        add(kind, nd.path, nd.heading, parents, own[0], own[1])


def _lead(lines: list[Line], nd: Node) -> str:
    """A node's first line of text: the next line when its marker stands alone ("第八条" over its first paragraph)."""
    first = lines[nd.first_line].text
    if first[nd.cut :].strip() or nd.first_line + 1 >= len(lines) or nd.children and nd.children[0].first_line == nd.first_line + 1:
        return first
    return lines[nd.first_line + 1].text


def _listed_in_article(lines: list[Line], article: Node) -> bool:
    """Do an article's 一、 items follow a later paragraph ending in "："? (an old law's enumeration, as （1）'s)"""
    first = next(c for c in article.children if c.type == "part")
    return first.first_line > article.first_line + 1 and lines[first.first_line - 1].text.rstrip().endswith(("：", ":"))


def _add_general(add, lines: list[Line], nd: Node, own: tuple[int, int], parents: list[str]) -> None:
    """A part's unnumbered paragraphs: a "target" unit for each labelled line of a list, else "general"."""
    a, b = own
    first = a + 1 if len(lines[a].text) - len(nd.marker) <= len(nd.heading) + 2 else a
    labels = [_TARGET_LABEL.match(lines[i].text) for i in range(first, b)]
    is_list = sum(1 for m in labels if m and m.group(1) not in _NOT_TARGET_LABELS) >= 2
    if first == b:
        add("general", nd.path, nd.heading, parents, a, b)  # the part is its one line
        return
    pending = a  # the heading line is folded into the first unit
    for i, m in zip(range(first, b), labels, strict=True):
        if is_list and m and m.group(1) not in _NOT_TARGET_LABELS:
            add("target", nd.path + m.group(1), m.group(1), parents + [nd.heading], pending, i + 1)
        else:
            add("general", nd.path, nd.heading, parents, pending, i + 1)
        pending = i + 1


def _pieces(text: str, start: int, end: int):
    """Offsets of a unit; very long units are cut at sentence ends so each piece stays searchable."""
    pos, k = start, 0
    while pos < end:
        limit = min(pos + MAX_CLAUSE_CHARS, end)
        if limit < end:
            window = text[pos:limit]
            cut = max(window.rfind(ch) for ch in "。；！？\n")
            if cut > MAX_CLAUSE_CHARS // 3:
                limit = pos + cut + 1
        yield pos, limit, "" if k == 0 else f"（续{k}）"
        pos, k = limit, k + 1


def clause_id(doc_id: str, key: str, dup: int) -> str:
    """Stable across builds: derived from the document id, the clause's kind, path and heading."""
    digest = hashlib.sha1(f"{key}|{dup}".encode()).hexdigest()[:8]
    return f"{doc_id}:{digest}"
