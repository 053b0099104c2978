"""Document metadata from the text: title, issuers, 文号, date, level, region, status, references — each with evidence.

A value read where the document states it (its title line, 文号 line, signature, adoption note, a web page's
information box) is "extracted"; one reasoned from elsewhere (the body's place names, the units named
responsible, a drafted title, a page's publication day) is "derived", and shown to readers as inferred.
"""

from __future__ import annotations

import re
from collections import Counter

from .doc_numbers import issuers_of_number
from .grammar import (
    BRACKET_DATE,
    COMMENT_REQUEST,
    DATE_LINE,
    DOC_NUMBER,
    DOC_NUMBER_LABEL,
    DRAFT,
    FORWARDS,
    IMPLEMENTS,
    ISSUER_KIND_TITLE,
    MASTHEAD,
    ORDER_HEAD,
    ORDER_NUMBER,
    ORDER_SEQ,
    PRINTED_ON,
    SERIES_NUMBER,
    TITLE_GRAMMAR,
    TITLE_NUMBER,
    bracketed_issuer,
    is_org_line,
    iso_date,
)
from .jurisdiction import level_region
from .models import Clause, Evidence
from .order import ADOPTED, date_of_order, issuers_of_order, named_bodies, read_order
from .order import adoption as adoption_note
from .regions import gazetteer
from .script import is_traditional, simplified
from .segment import Layout
from .text import no_spaces
from .title import (
    HEAD_WINDOW,
    find_title,
    head_above_repeat,
    issuers_of_title,
    number_after_title,
    number_under_title,
    stated_title,
    title_of,
)

# What a document cites as implemented (IMPLEMENTS) but is its own kind, not another document.
# How the evidence of issuers read from organisation lines above the title begins.
_MASTHEAD_WHY = "文头："
_SELF_REFS = {"意见", "通知", "办法", "方案", "措施", "规定", "细则", "决定", "指导意见", "实施意见"}


def tag_document(
    layout: Layout, clauses: list[Clause], page: dict[str, tuple[str, str]] | None = None
) -> dict[str, Evidence]:
    """Every metadata field the text supports, each with where it came from. `page` holds what a web page
    states about the document (field → (value, where)), e.g. from its information box."""
    header = layout.text_of(layout.header)
    closing = layout.text_of(layout.closing)
    body = layout.text_of(layout.body)
    release = layout.text_of(layout.release)
    cover = layout.text_of(layout.cover)
    signature = layout.text_of(layout.signature)
    first = (cover or body)[:3]
    page = page or {}
    out: dict[str, Evidence] = {}

    adoption = adoption_note(header + first)

    # An order's head below a page's chrome, its signers and date (国家发展和改革委员会主任：某某 / 2026年6月5日).
    order = read_order(header[:HEAD_WINDOW] + body)
    number = _doc_number(header, first, closing)
    if adoption and adoption[3] and (not number or number != adoption[3] and number.endswith(adoption[3])):
        # the order that promulgated or last revised it; the number without its body's name run into it
        # (交通部交公路发〔1998〕349号公布: 交公路发〔1998〕349号)
        number = adoption[3]
    number = number or (order.number if order else "")
    if number:
        out["doc_number"] = Evidence(number, "extracted", number)

    title, why, raw = find_title(header, release, cover + body, later=cover + signature + body)
    issuers, who = _issuers(header, signature or closing, clauses)
    if who.startswith(_MASTHEAD_WHY) and _title_words(no_spaces(who[len(_MASTHEAD_WHY):]), no_spaces(raw)):
        issuers, who = [], ""
    if adoption and adoption[0] and (not issuers or who == "责任单位"):
        issuers, who = _split_orgs(adoption[0]), adoption[2]
    if order and order.issuers and (not issuers or _inferred(who)):
        issuers, who = order.issuers, order.evidence

    # The head around the title: the issuers it names ("X关于…", "X《…》"), and a 文号 and issuer line printed
    # above a repetition of it (a copied page whose information box comes first).
    named = issuers_of_title(raw or "".join(header[:1])) if why in ("header", "") else []
    if named and (not issuers or _inferred(who)):
        issuers, who = _split_orgs(" ".join(named)), f"标题：{raw}"
    every = layout.text_of((0, len(layout.lines)))
    number, names = head_above_repeat(every, raw)
    if number and "doc_number" not in out:
        out["doc_number"] = Evidence(number, "extracted", f"标题上方：{number}")
    number = "" if "doc_number" in out or not raw else number_under_title(every, raw)
    if number:
        out["doc_number"] = Evidence(number, "extracted", f"标题下方：{number}")
    number = "" if "doc_number" in out or not title else number_after_title(every, title)
    if number:
        out["doc_number"] = Evidence(number, "extracted", f"标题后括注：{number}")
    if names and (not issuers or _inferred(who)):
        issuers, who = names, "标题上方：" + " ".join(names)
    if issuers:
        out["issuers"] = Evidence(issuers, "derived" if _inferred(who) else "extracted", who)
    if _is_order(header) and layout.cover[1]:
        # An order (国务院令第707号) promulgating a regulation: the regulation's title after the signature.
        plan = [ln for ln in signature if not DATE_LINE.match(ln) and not is_org_line(ln)]
        named = next((ln for ln in plan if TITLE_GRAMMAR.match(ln.replace(" ", ""))), "")
        if named:
            title, why = title_of(named), "header"
    if title:
        out["title"] = Evidence(title, "extracted" if why == "header" else "derived", why)

    date, why = _date(signature or closing, body)
    if not date and order and order.date_line:
        date, why = iso_date(order.date_line), f"{order.evidence}；{order.date_line}"
    if adoption and not date:
        date, why = adoption[1], adoption[2]
    if not date and "doc_number" in out:
        # An order with neither signature nor date that republishes the text it amends: the text's note dates the
        # order under its own number ("2016年9月21日省人民政府令第223号修正").
        date, why = date_of_order(body + closing, out["doc_number"].value)
        why = why and f"重新公布文本题注：{why}"
    if not date:
        # A date under the title or the issuer lines under it: "（2023年2月8日）", "2023年3月28日".
        under_title = next((ln for ln in header[1:] if BRACKET_DATE.match(ln) or DATE_LINE.match(ln)), "")
        if under_title:
            date, why = iso_date(under_title), f"题注日期：{under_title}"
    if date:
        out["date"] = Evidence(date, "extracted", why)

    _apply_page(out, page)
    _issuers_of_number(out)

    head_text = "\n".join(header + body[:2])
    draft = DRAFT.search(head_text)
    asks = COMMENT_REQUEST.search(no_spaces(out["title"].value)) if "title" in out else None
    if asks:
        out["status"] = Evidence("final", "extracted", f"征求意见的文件，所附文本为征求意见稿：{asks.group(0)}")
    else:
        out["status"] = (Evidence("draft", "extracted", draft.group(0)) if draft
                         else Evidence("final", "default", "未见征求意见稿字样"))

    refs = _references(header + first)
    if refs:
        out["references"] = Evidence(refs, "extracted", "；".join(f"《{r}》" for r in refs))

    issuers = out["issuers"].value if "issuers" in out else []
    stated = "issuers" in out and out["issuers"].source != "derived"
    title = out["title"].value if "title" in out else ""
    # Places and bodies are matched in simplified characters (a copy, for a text in traditional ones).
    trad = is_traditional("\n".join(header + body))
    found = level_region([simplified(n, trad) for n in issuers], [simplified(ln, trad) for ln in header],
                         simplified(title, trad), simplified("\n".join(cover + body + closing), trad))
    if found:
        level, region, why, source = found
        if not stated:
            source = "derived"  # read from issuers that were themselves inferred
        out["level"] = Evidence(level, source, why)
        if region:
            out["region"] = Evidence(region, source, why)
    partial = bool(issuers) and out["issuers"].evidence.startswith(ADOPTED)
    if issuers and (out["issuers"].evidence == "责任单位" or partial) and out.get("region"):
        # "市金融工作局" named by a municipal document is that city's bureau; so is the "市人民政府" whose
        # meeting passed a city's regulation.
        local = re.search(r"([^省区]{2,4}?)[市县]$", out["region"].value)
        if local:
            named = [local.group(0) + u[1:] if u[:1] == local.group(0)[-1:] else u for u in issuers]
            why = f"通过记录中的“{issuers[0]}”，按地区补全" if partial else f"责任单位中最常见的“{issuers[0]}”，按地区补全"
            if named != issuers or not partial:
                out["issuers"] = Evidence(named, "derived", why)
    return out


def _title_words(names: str, title: str) -> bool:
    """Is an organisation line above the text the first line of its wrapped title ("中华人民共和国外国中央银行" over
    "财产司法强制措施豁免法")? Not when the title goes on as an issuer's does (X关于…, X转发…, X印发《…》)."""
    if not names or not title.startswith(names) or title == names:
        return False
    return not title[len(names):].startswith(("关于", "印发", "对", "《")) and not FORWARDS.match(title[len(names):])


def _inferred(why: str) -> bool:
    """Issuers reasoned from the units named responsible or the 版记's printer, not stated as the issuer."""
    return why == "责任单位" or why.startswith("印发")


def _apply_page(out: dict[str, Evidence], page: dict[str, tuple[str, str]]) -> None:
    """A page's own statements (a web page's information box, a Markdown file's front matter): its title and
    文号 win over what was read from the text; its issuers and date only where the text states none itself
    (a signature, the issuer lines and date under the title), since a site reposting another body's
    document fills its box with its own name and day. A publication day is not the document's date and is
    never used as it; a page's source or author only stands in for missing issuers, marked as inferred."""
    value, where = page.get("doc_number", ("", ""))
    number = DOC_NUMBER.search(value)
    if number:
        out["doc_number"] = Evidence(no_spaces(number.group(0)), "extracted", where)
    value, where = page.get("issuers", ("", ""))
    names = [n for n in re.split(r"[\s、，,；;]+", value) if n]
    if names and all(is_org_line(n) for n in names) and not _stated(out, "issuers"):
        out["issuers"] = Evidence(_dedupe(names), "extracted", where)
    value, where = page.get("date", ("", ""))
    # An adoption note's date (the meeting that passed it) yields to a box's date of issue (the order's).
    if iso_date(value) and not (_stated(out, "date") and not out["date"].evidence.startswith(ADOPTED)):
        out["date"] = Evidence(iso_date(value), "extracted", where)
    if "issuers" not in out or out["issuers"].source == "derived":
        value, where = page.get("source", ("", ""))
        value = re.sub(r"^原(?=[\u4e00-\u9fff]{2})", "", value.strip())  # 原环境保护部: the body, since renamed
        if value and is_org_line(value):
            out["issuers"] = Evidence([value], "derived", f"{where}（来源或作者，非正文所署）")
    if "title" not in out or out["title"].source != "extracted":
        for key in ("title", "page_title"):
            value, where = page.get(key, ("", ""))
            title = stated_title(value)
            if title:
                out["title"] = Evidence(title, "extracted" if key == "title" else "derived", where)
                break


def _issuers_of_number(out: dict[str, Evidence]) -> None:
    """The body a 文号's prefix names (法释 → 最高人民法院), as inferred, where the text names no issuer or only the
    units made responsible or a reposting site (the number is the document's own; those are not)."""
    issuers = out.get("issuers")
    if "doc_number" not in out or issuers and (issuers.source != "derived" or issuers.evidence.startswith("印发")):
        return
    names = issuers_of_number(out["doc_number"].value)
    if names:
        out["issuers"] = Evidence(names, "derived", f"据文号推断：{out['doc_number'].value}")


def _stated(out: dict[str, Evidence], key: str) -> bool:
    return key in out and out[key].source == "extracted"


def _is_order(header: list[str]) -> bool:
    """Does the header open with an order's name and number (中华人民共和国国务院令 第707号)?"""
    return any(ORDER_NUMBER.match(ln) or ORDER_HEAD.match(ln) for ln in header[:3])


def _doc_number(header: list[str], first: list[str], closing: list[str]) -> str:
    """The document's own 文号: on a line of its own near the head, after a label, or in the 版记. A number
    in brackets after a 《cited document》 is that document's, not this one's."""
    head = header[:HEAD_WINDOW]
    for i, line in enumerate(head):
        # On its own line, or in brackets under a law's title: （中华人民共和国主席令第 31 号）.
        order = ORDER_NUMBER.match(line) or ORDER_NUMBER.match(line.strip("（()）"))
        if order:
            return no_spaces(order.group(1) + order.group(2))
        if ORDER_HEAD.match(line) and i + 1 < len(head) and ORDER_SEQ.match(head[i + 1]):
            return no_spaces(line + head[i + 1].strip("（()）"))
    for line in head:
        own = TITLE_NUMBER.search(line.strip())
        if own and TITLE_GRAMMAR.match(line[: own.start()].replace(" ", "")):
            return no_spaces(own.group(1))
        if SERIES_NUMBER.match(line.strip()):
            return no_spaces(line)
    for line in head + first:
        line = line.strip()
        if line[:1] in "（(" and line[-1:] in "）)":
            line = line[1:-1]  # a 文号 on its own line in brackets is still the document's own
        label = DOC_NUMBER_LABEL.search(line)
        if label:
            m = DOC_NUMBER.match(line, label.end())
            if m:
                return no_spaces(m.group(0))
        m = DOC_NUMBER.fullmatch(line.strip())
        if m:
            return no_spaces(m.group(0))
    for line in header[:HEAD_WINDOW] + closing:
        if len(line) > 80:
            continue
        for m in DOC_NUMBER.finditer(line):
            if not line[: m.start()].rstrip().endswith(("》", "（", "(", "〈")):
                return no_spaces(m.group(0))
    return ""


def _split_orgs(text: str) -> list[str]:
    """"国家金融监督管理总局 工业和信息化部国家发展改革委" → the three names, using known bodies where glued."""
    names: list[str] = []
    bodies = sorted(gazetteer().national_bodies, key=len, reverse=True)
    for chunk in text.split():
        if DATE_LINE.match(chunk):
            continue  # a date beside the names ("2020年11月9日 最高人民法院审判委员会"): not one of them
        rest = chunk
        while rest:
            hit = next((b for b in bodies if rest.startswith(b)), None)
            after = rest[len(hit) :] if hit else ""
            # Split only where another known body follows: 国务院办公厅 is one name, not 国务院 + 办公厅.
            if hit is None or (after and not any(after.startswith(b) for b in bodies)):
                names.append(rest)
                break
            names.append(hit)
            rest = after
    return [part for n in names if n for part in _split_at_places(n)]


def _split_at_places(name: str) -> list[str]:
    """"浙江省物价局浙江省财政厅" → both: split where an organisation name ends and a division's full name
    (浙江省, 宁波市, 鄞州区) begins another one."""
    places = gazetteer()
    for i in range(4, len(name) - 3):
        m = places.pattern.match(name, i)
        if not m or any(e.short for e in places.names.get(m.group(0), ())):
            continue
        head, tail = name[:i], name[i:]
        if is_org_line(head) and is_org_line(tail):
            return [head, *_split_at_places(tail)]
    return [name]


def _issuers(header: list[str], closing: list[str], clauses: list[Clause]) -> tuple[list[str], str]:
    # 1. Signature block: organisation lines before the date.
    # The 版记's printing office ("X办公室 2020年9月17日印发", on one line or two) is not a signature: it
    # stands in for the issuer only when nothing better names one, and then as an inference.
    names: list[str] = []
    printer = ""
    for i, line in enumerate(closing):
        if line.startswith(("抄送", "抄报")):
            continue
        line = bracketed_issuer(line) or line  # the issuer in brackets under the text
        printed = re.match(r"^(\S+?)\s*\d{4}\s*年.*印发\s*$", line)
        if printed and not names:
            return [printed.group(1)], f"印发：{line}"
        if names and DATE_LINE.match(line):
            break  # the signature ends at its date: a name after it is a running footer or the next document's
        if is_org_line(line) and not DATE_LINE.match(line):
            if i + 1 < len(closing) and PRINTED_ON.match(closing[i + 1]):
                printer = printer or line
                continue
            names.extend(p for n in line.split() if not DATE_LINE.match(n) for p in _split_at_places(n))
    if names:
        return _dedupe(names), "落款：" + " ".join(names)
    if printer:
        return [printer], f"印发：{printer}"
    # 2. Header: "A B C关于…" or an organisation line above the title (a masthead's "…文件" too).
    for i, line in enumerate(header):
        # An order's number in brackets under the title names its issuer too: （国家医疗保障局令第6号）.
        bracketed = ORDER_NUMBER.match(line.strip("（()）")) if line[:1] in "（(" else None
        order = ORDER_NUMBER.match(line) or ORDER_HEAD.match(line) or bracketed
        if order:
            # 中华人民共和国国务院令 → 国务院: the order's issuers, named without the state's name.
            # 国务院令 names its issuer; 主席令, 部令 or 粤府令 do not (nor a law's （主席令第31号）).
            names = named_bodies(issuers_of_order(order.group(1) if order.re is ORDER_NUMBER else line))
            if names:
                return names, f"令：{line}"
        mast = MASTHEAD.match(line)
        if mast and is_org_line(line[:-2]):
            return _split_orgs(line[:-2]), f"{_MASTHEAD_WHY}{line}"
        if is_org_line(line) and not DATE_LINE.match(line):
            # Issuers may stand one a line (a 统计公报's 统计局 over its 调查队): the run of such lines.
            run = [line]
            for more in header[i + 1 :]:
                if not is_org_line(more) or DATE_LINE.match(more) or MASTHEAD.match(more):
                    break
                run.append(more)
            return _dedupe(_split_orgs(" ".join(run))), _MASTHEAD_WHY + " ".join(run)
        kind = ISSUER_KIND_TITLE.match(line.replace(" ", ""))
        if kind and is_org_line(kind.group(1)):
            return _split_orgs(kind.group(1)), f"标题：{line}"
        joined = "".join(header[i : i + 3])
        m = re.match(r"^(.{2,80}?)关于", joined)
        if m and i == 0 and m.group(1).strip():
            prefix = re.sub(r"\s+", " ", "".join(h if h.endswith(" ") else h + " " for h in header[:3]))
            prefix = prefix[: prefix.find("关于")] if "关于" in prefix else m.group(1)
            names = [p for p in re.split(r"[\s、]+", prefix) if p]
            if is_org_line(prefix.replace(" ", "")) or (names and all(is_org_line(p) for p in names)):
                return _split_orgs(" ".join(names)), f"标题：{m.group(1)}"
    # 3. The unit most often named responsible for the measures.
    counts = Counter(u for c in clauses for u in c.responsible_units[:1])
    if counts:
        unit, n = counts.most_common(1)[0]
        return [unit], "责任单位"
    return [], ""


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _date(closing: list[str], body: list[str]) -> tuple[str, str]:
    for line in closing:
        if DATE_LINE.match(line):
            return iso_date(line), f"落款日期：{line}"
    for line in closing:
        d = iso_date(line)
        if d:
            return d, f"落款：{line}"
    return "", ""


def _references(lines: list[str]) -> list[str]:
    refs = []
    for line in lines:
        for m in IMPLEMENTS.finditer(line):
            name = m.group(1).strip()
            if name not in _SELF_REFS:
                refs.append(name)
    return _dedupe(refs)
