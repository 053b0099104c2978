"""An order (令, GB/T 9704's 命令 form) read from the first lines of a text, wherever its head stands: the issuing
bodies' name over 令, the number 第N号, the promulgating sentence, the signers (国家发展和改革委员会主任：某某, 省长 某某)
and the date under them. A page may put its menus and share buttons above the head (kb/tag.py asks)."""

from __future__ import annotations

from dataclasses import dataclass

from .grammar import DATE_LINE, ORDER_HEAD, ORDER_NUMBER, ORDER_SEQ, is_org_line
from .text import no_spaces

# How far into the text the head may stand (below a page's chrome), and how far below it the date.
HEAD_LINES = 24
DATE_LINES = 12


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
        issuers = issuers_of_order(name)
        if not all(is_org_line(n) and len(n) >= 3 for n in issuers):
            issuers = []
        date = next((ln.strip() for ln in rest[:DATE_LINES] if DATE_LINE.match(ln.strip())), "")
        return Order(issuers, number, date, f"令：{line}")
    return None
