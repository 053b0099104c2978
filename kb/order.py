"""Orders and adoption notes read from the first lines of a text (kb/tag.py asks). An order (令, GB/T 9704's 命令
form), wherever its head stands: the issuing bodies' name over 令, the number 第N号, the promulgating sentence, the
signers (国家发展和改革委员会主任：某某, 省长 某某) and the date under them; a page may put its menus and share
buttons above the head. A regulation's note under its title: who adopted, amended or issued it, when, and by which
order (the events of grammar.toml's ADOPTION)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .grammar import (
    ADOPTION,
    BARE_COMMITTEE,
    DATE,
    DATE_LINE,
    DOC_NUMBER,
    ORDER_HEAD,
    ORDER_NUMBER,
    ORDER_SEQ,
    PASSED_ON,
    is_org_line,
    iso_date,
)
from .text import no_spaces

# How far into the text the head may stand (below a page's chrome), and how far below it the date.
HEAD_LINES = 24
DATE_LINES = 12
# How the evidence of a date or issuer read from a note begins (kb/tag.py tells it from a signature's).
ADOPTED = "通过记录："


@dataclass(frozen=True)
class Order:
    issuers: list[str]
    number: str
    date_line: str  # the date line under the signers, "" when none follows
    evidence: str


def issuers_of_order(name: str) -> list[str]:
    """"中华人民共和国国家发展和改革委员会 中华人民共和国交通运输部 令" → the bodies, without the state's name."""
    name = name.strip()
    name = name[:-1] if name.endswith("令") else name
    names = [n.removeprefix("中华人民共和国") for n in name.split()]
    return [n for n in names if n]


def read_order(lines: list[str]) -> Order | None:
    """The order whose head (令 over 第N号, or both on one line) is among the first lines, with its issuers only
    when each is an organisation's name (粤府令 names none)."""
    for i, line in enumerate(lines[:HEAD_LINES]):
        line = line.strip()
        whole = ORDER_NUMBER.match(line)
        if whole:
            name, number, rest = whole.group(1), no_spaces(whole.group(1) + whole.group(2)), lines[i + 1 :]
        elif ORDER_HEAD.match(line) and i + 1 < len(lines) and ORDER_SEQ.match(lines[i + 1].strip()):
            name, number, rest = line, no_spaces(line + lines[i + 1].strip().strip("（()）")), lines[i + 2 :]
        else:
            continue
        issuers = named_bodies(issuers_of_order(name))
        date = next((ln.strip() for ln in rest[:DATE_LINES] if DATE_LINE.match(ln.strip())), "")
        return Order(issuers, number, date, f"令：{line}")
    return None


def adoption(lines: list[str]) -> tuple[str, str, str, str] | None:
    """A regulation's adoption note → (adopting body, latest date, evidence, order number). The body is the
    one that passed or revised it; the date the latest of 通过, 修订, 修正, 批准 and 公布. The note may wrap
    over lines, so they are read joined."""
    events = _note_events(lines)
    if not events:
        return None
    date = max(e[0] for e in events)
    # who adopted it: the latest event that names a body, an approval (批准) only when nothing else does
    adopted = [e for e in events if e[2] != "批准" and e[1]] or [e for e in events if e[1]] or events
    latest = max(adopted, key=lambda e: e[0])
    orders = [e for e in events if e[4]]
    order = max(orders, key=lambda e: e[0])[4] if orders else ""
    return latest[1], date, ADOPTED + "；".join(e[3] for e in events), order


def date_of_order(lines: list[str], number: str) -> tuple[str, str]:
    """(date, the note's words) of the order a note dates under the document's own number: a 令 republishing the
    text it amends, whose note says "2016年9月21日省人民政府令第223号修正" of 令第223号; ("", "") when none does."""
    own = _order_tail(number)
    if not own:
        return "", ""
    for line in lines:
        for date, _, _, words, named in _note_events([line]):
            if named and _order_tail(named) == own:
                return date, words
    return "", ""


def _order_tail(number: str) -> str:
    """"江西省人民政府令第223号" and "省人民政府令第223号" → "令第223号"; "" for a number that is not an order's."""
    m = re.search(r"令\s*[（(]?\s*第\s*(\d+)\s*号", number or "")
    return f"令第{m.group(1)}号" if m else ""


def _note_events(lines: list[str]) -> list[tuple[str, str, str, str, str]]:
    """Each 通过/修订/修正/批准/公布 of a note: (date, body, verb, words, order number)."""
    events = []
    # A note dated in Chinese numerals (二〇二三年十月二十四日) is read as one dated in figures.
    joined = DATE.sub(_in_figures, "".join(ln.strip() for ln in lines))
    passed = list(PASSED_ON.finditer(joined))  # 已由…会议于2023年10月24日通过: the meeting before its day
    notes = [m for m in ADOPTION.finditer(joined) if not any(p.start() <= m.start() < p.end() for p in passed)]
    for m in sorted([*notes, *passed], key=lambda m: m.start()):
        y, mo, d = (int(g) for g in m.group("y", "mo", "d"))
        order, number = (m.group("order"), "") if m.re is ADOPTION else ("", "")
        if m.re is PASSED_ON:
            body = _assembly(m)
        elif m.group("gov") or m.group("court") or m.group("meeting"):
            body = re.sub(r"^[由经以]", "", m.group("gov") or m.group("court") or m.group("meeting"))  # 由最高人民法院…
            body = "" if BARE_COMMITTEE.match(body) else body  # 审判委员会: whose, the note does not say
        elif order:
            # 国务院令, 财政部令, 广东省人民政府令 name their issuer, and 农业农村部 自然资源部…令 each of its issuers;
            # an abbreviation (粤府令) does not.
            named = order[: -len("公告")] if m.group("notice") else order[:-1]
            body = _bodies(re.split(r"[\s、]+", named))
            number = no_spaces(order + m.group("seq")) if m.group("seq") else ""
        elif m.group("rorder"):
            body, number = _bodies([m.group("rorder")]), no_spaces(m.group("rorder") + m.group("rseq") + "令")
        elif m.group("issued"):
            # 国务院发布, 交通部交公路发〔1998〕349号公布: the bodies, and the number they issued it under.
            body, number = _issuing(m.group("issued"))
        elif m.group("decision"):
            body = ""  # amended by a decision (《国务院关于修改…的决定》): who adopted it is said elsewhere
        elif m.group("npc_place") or m.group("npc_all"):
            body = _assembly(m)
        else:
            body = ""  # a meeting or an act whose body the note does not name (已于…经第5次部务会议通过)
        events.append((f"{y:04d}-{mo:02d}-{d:02d}", body, m.group("verb") or "", m.group(0), number))
    return events


def _assembly(m: re.Match[str]) -> str:
    """The 人大 or its standing committee a note names: 全国人民代表大会常务委员会, 江苏省人民代表大会."""
    return ((m.group("npc_place") or "") + ("全国" if m.group("npc_all") else "") + "人民代表大会"
            + ("常务委员会" if m.group("npc_sc") or m.group("npc_sc2") else ""))


def _in_figures(m: re.Match[str]) -> str:
    """A date as a note's pattern reads it: 二〇二三年十月二十四日 → 2023年10月24日 (one in figures kept as written)."""
    day = iso_date(m.group(0)) if not m.group(0)[:1].isdigit() else ""
    return f"{int(day[:4])}年{int(day[5:7])}月{int(day[8:])}日" if day else m.group(0)


def named_bodies(names: list[str]) -> list[str]:
    """The bodies an order or note names, without the state's name, when each is an organisation's name (国务院,
    财政部); [] when one is not (粤府令's 粤府, 主席令's 主席, 部令's 部)."""
    names = [n.removeprefix("中华人民共和国") for n in names if n]
    return names if names and all(is_org_line(n) and len(n) >= 3 for n in names) else []


def _bodies(names: list[str]) -> str:
    """The bodies a note names as one string ("" when not each is an organisation's name)."""
    return " ".join(named_bodies(names))


def _issuing(text: str) -> tuple[str, str]:
    """"交通部交公路发〔1998〕349号" → ("交通部", "交公路发〔1998〕349号"); "国务院" → ("国务院", "")."""
    text = re.sub(r"第\s*\d{1,5}\s*号$", "", text.removesuffix("文"))  # 卫生部第26号公布: an order's number
    for k in range(len(text) - 1, 1, -1):
        if DOC_NUMBER.fullmatch(text[k:]) and is_org_line(text[:k]):
            return _bodies(text[:k].split("、")), text[k:]
    return _bodies(text.split("、")), ""
