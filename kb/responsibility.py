"""Responsible units named in a clause: （责任单位：A、B，C） and the like, listed, or stripped for display."""

from __future__ import annotations

from .grammar import UNIT_NOTE, UNIT_SPLIT, UNITS_NAMED


def extract_responsible_units(text: str) -> list[str]:
    """Units named after 责任单位：/牵头单位：/责任部门： …, split on 、，；, in order, without repeats."""
    units: dict[str, None] = {}  # ordered set
    for m in UNITS_NAMED.finditer(text):
        for part in UNIT_SPLIT.split(m.group("body")):
            part = part.strip("（）()。.、 \u3000")
            if part:
                units.setdefault(part)
    return list(units)


def strip_responsibility(text: str) -> str:
    """The clause without its （责任单位：…） parenthetical, for display and embedding."""
    return UNIT_NOTE.sub("", text).rstrip()
