"""The written forms of a 公文's own lines, which cleaning, segmentation and tagging recognise: dates, signers,
order numbers, 文号, attachments, document types, title grammar, adoption notes, run-on markers, responsibility
notes, page numbers, addressees and organisation names.

The forms are written once, with examples, in kb/data/grammar.toml and compiled here at import; a module takes
them by name (`from .grammar import DATE_LINE`): a pattern, a word list (a tuple) or a string of characters.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

from .text import CN_NUMERALS, cn_number

GRAMMAR_FILE = "grammar.toml"
_REFERENCE = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")  # {DATE}; a quantifier ({1,6}) is never one
_FLAGS = {"I": re.I, "M": re.M, "S": re.S}


@dataclass(frozen=True)
class Form:
    """One entry of the grammar: its value, the text other entries take when they name it, its examples."""

    name: str
    value: re.Pattern[str] | tuple[str, ...] | str
    text: str  # a pattern's text with every {NAME} written out, a word list's words joined by |, or characters
    examples: tuple[str, ...] = ()
    non_examples: tuple[str, ...] = ()


def load_forms(source: str, given: Mapping[str, str]) -> dict[str, Form]:
    """The entries of a grammar file's text, each compiled once; `given` names texts written elsewhere."""
    data = tomllib.loads(source)
    forms: dict[str, Form] = {}

    def text_of(name: str, within: tuple[str, ...]) -> str:
        if name in given:
            return given[name]
        if name not in forms:
            if name not in data or name in within:
                raise ValueError(f"{GRAMMAR_FILE}: {' → '.join(within)} names {name}, " +
                                 ("which names itself" if name in within else "which is not there"))
            forms[name] = _form(name, data[name], lambda m: text_of(m.group(1), (*within, name)))
        return forms[name].text

    for name in data:
        text_of(name, ())
    return forms


def _form(name: str, spec: dict, expand) -> Form:
    if "words" in spec:
        words = tuple(spec["words"])
        return Form(name, words, "|".join(map(re.escape, words)))
    if "chars" in spec:
        return Form(name, spec["chars"], spec["chars"])
    raw = spec["pattern"]
    text = _REFERENCE.sub(expand, "".join(raw) if isinstance(raw, list) else raw)
    flags = 0
    for flag in spec.get("flags", ()):
        flags |= _FLAGS[flag]
    return Form(name, re.compile(text, flags), text, tuple(spec.get("examples", ())),
                tuple(spec.get("non_examples", ())))


FORMS = load_forms(resources.files("kb.data").joinpath(GRAMMAR_FILE).read_text("utf-8"),
                   {"CN_NUMERALS": CN_NUMERALS})


def __getattr__(name: str) -> re.Pattern[str] | tuple[str, ...] | str:
    """`from .grammar import DATE_LINE`: an entry of the grammar file by its name."""
    form = FORMS.get(name)
    if form is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return form.value


def __dir__() -> list[str]:
    return sorted([*globals(), *FORMS])


_DATE_LINE = FORMS["DATE_LINE"].value
_ORG_SUFFIXES = FORMS["ORG_SUFFIXES"].value
_NOT_IN_NAME = FORMS["NOT_IN_NAME"].value


def is_org_line(text: str) -> bool:
    """One or more organisation names separated by spaces, as in a header or signature block."""
    t = text.strip()
    if len(t) > 120 or re.search(r"[。，；：,;:！？、]", t):
        return False
    return all(_is_org_name(n) or _DATE_LINE.match(n) for n in t.split())


def _is_org_name(name: str) -> bool:
    """A name ends like an organisation's, holds no date and closes every bracket it opens: the first line
    of a wrapped note "(2003年12月27日第十届全国人民代表大会" ends with 会 but names no one."""
    opened = name.count("（") + name.count("(")
    return (name.endswith(_ORG_SUFFIXES) and not re.search(r"\d{4}\s*年", name)
            and opened == name.count("）") + name.count(")") and not _NOT_IN_NAME.search(name))


def bracketed_issuer(text: str) -> str:
    """The organisation names of a line that is only they in brackets, as a 统计公报 signs under its text
    ("（万载县统计局）"); "" otherwise (a forwarded text's "（民政部 一九九七年一月二十八日）" carries a date)."""
    t = text.strip()
    if t[:1] not in "（(" or t[-1:] not in "）)":
        return ""
    inner = t[1:-1].strip()
    return inner if is_org_line(inner) and not any(_DATE_LINE.match(n) for n in inner.split()) else ""


def iso_date(text: str) -> str:
    """"2024 年 4 月 3 日", "2024-4-3" or "二○一二年一月九日" → "2024-04-03"; "" when there is no valid date."""
    m = FORMS["FIGURE_DATE"].value.search(text) or FORMS["ISO_DATE"].value.search(text)
    if m:
        y, mo, d = (int(g) for g in m.groups())
    else:
        m = FORMS["DATE"].value.search(text)
        if not m:
            return ""
        parts = re.split(r"(?<!\s)\s*+[年月日]\s*+", m.group(0).replace("○", "〇"))
        y, mo, d = (int(p) if p.isdigit() else int(cn_number(p)) for p in parts[:3])
    if not (1949 <= y <= 2100 and 1 <= mo <= 12 and 1 <= d <= 31):
        return ""
    return f"{y:04d}-{mo:02d}-{d:02d}"
