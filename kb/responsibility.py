"""Responsible units named in a clause: （责任单位：A、B，C） and the like, listed, or stripped for display."""

from __future__ import annotations

import re

# Responsible units: （责任单位：A、B，C） and the like.
_UNIT_LABEL = r"(?:责任单位|牵头单位|责任部门|牵头部门|配合单位|参与单位|责任主体)"
# Bounded, and free of a required terminator, so an unclosed "（责任单位：" cannot backtrack far.
_PAREN_BODY = r"[^（）()\n。]{0,300}(?:[（(][^（）()\n。]{0,60}[）)][^（）()\n。]{0,300}){0,5}"
_RESP_PAREN_RE = re.compile(rf"[（(]\s*{_UNIT_LABEL}\s*[:：]{_PAREN_BODY}[）)]")
_RESP_RE = re.compile(rf"{_UNIT_LABEL}\s*[:：](?P<body>{_PAREN_BODY})")
_UNIT_SPLIT_RE = re.compile(rf"[、，,；;\s]+|{_UNIT_LABEL}\s*[:：]")


def extract_responsible_units(text: str) -> list[str]:
    """Units named after 责任单位：/牵头单位：/责任部门： …, split on 、，；, in order, without repeats."""
    units: dict[str, None] = {}  # ordered set
    for m in _RESP_RE.finditer(text):
        for part in _UNIT_SPLIT_RE.split(m.group("body")):
            part = part.strip("（）()。.、 \u3000")
            if part:
                units.setdefault(part)
    return list(units)


def strip_responsibility(text: str) -> str:
    """The clause without its （责任单位：…） parenthetical, for display and embedding."""
    return _RESP_PAREN_RE.sub("", text).rstrip()
