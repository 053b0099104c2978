"""Question → what it says about scope: places, levels, issuers, years, document types, 文号, quoted phrases.

Recognised scope words become soft filters (shown as removable chips) and are taken out of the text that is
matched as ordinary terms, so a question naming 洛阳 ranks 洛阳's clauses first instead of every clause that
happens to contain the word. Pure functions over a `Lexicon` built from the data files and the indexed documents.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from .models import LEVEL_LABELS, Document
from .text import CN_NUMERALS, cn_number, no_spaces, quotation

CUE_KINDS = ("region", "level", "issuer", "bodies", "doctype", "year", "docnumber", "path", "phrase")
CUE_LABELS = {"region": "地区", "level": "层级", "issuer": "发文机关", "bodies": "联合发文", "doctype": "文件类型",
              "year": "年份", "docnumber": "文号", "path": "条款", "phrase": "原文短语"}
# Kinds whose words stop counting as ordinary query terms once recognised.
SCOPE_KINDS = frozenset({"region", "level", "issuer", "bodies", "docnumber", "path"})

# A 文号 as staff type it: issuer abbreviation, the year in any bracket (or none, or 年), the serial, 号.
DOC_NUMBER = re.compile(r"([\u4e00-\u9fff]{1,8}?)\s*[〔\[［【(（]?\s*((?:19|20)\d{2})\s*年?\s*[〕\]］】)）]?\s*(\d{1,4})\s*号")
# An order number (a 规章's 令号): the issuer's abbreviation or name ending in 令, the serial, 号 (粤府令第197号).
ORDER_NUMBER = re.compile(r"([\u4e00-\u9fff]{1,10}?令)\s*第?\s*(\d{1,4})\s*号")
# A clause path as written in documents: （十一）, (3), 十一、, 第十一条, 1. (only the bracketed and ordinal forms
# are taken from a question; a bare "1." is too ambiguous).
CLAUSE_PATH = re.compile(r"[（(]\s*([一二三四五六七八九十百零〇]+)\s*[）)]|第\s*([一二三四五六七八九十百零〇\d]+)\s*条")
QUOTED = quotation(2, 80)
BODIES = re.compile(r"([一二三四五六七八九十两\d]{1,3})\s*(?:部门|部委|家单位)")
YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年(?!\d{1,2}月)")
# What a division's name ends with, longest first: a region is read as a run of such names.
_DIVISION_ENDS = "(?:特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|自治州|地区|省|市|县|区|旗|盟)"
_REGION_PART = re.compile(r".{1,30}?" + _DIVISION_ENDS)
_REGION_SUFFIX = re.compile(_DIVISION_ENDS + "$")
_PATH_NUMERALS = CN_NUMERALS.replace("千", "")  # clause paths count to the hundreds


@dataclass(frozen=True)
class Cue:
    """One thing the question says about scope. `value` is canonical (a region name as the documents write it,
    a level key, an issuer's full name, a year, a normalised 文号 …); `text` and the span are as written."""

    kind: str
    value: str
    text: str
    start: int
    end: int

    @property
    def label(self) -> str:
        shown = LEVEL_LABELS.get(self.value, self.value) if self.kind == "level" else self.value
        if self.kind in ("region", "path"):
            shown = self.text  # as the user wrote it: 洛阳, （十一）
        elif self.kind == "bodies":
            shown = f"{self.value}部门"
        return f"{CUE_LABELS[self.kind]} {shown}"

    @property
    def key(self) -> str:
        """Stable identifier, e.g. for a chip the user removes: "region:洛阳"."""
        return f"{self.kind}:{self.value}"

    def to_dict(self) -> dict:
        return {"kind": self.kind, "value": self.value, "text": self.text, "label": self.label, "key": self.key}


@dataclass
class Understanding:
    """The question, the cues found in it, and the text left for term matching (scope words blanked out)."""

    query: str
    cues: list[Cue] = field(default_factory=list)
    residual: str = ""

    def of(self, kind: str) -> list[Cue]:
        return [c for c in self.cues if c.kind == kind]

    def values(self, kind: str) -> list[str]:
        return list(dict.fromkeys(c.value for c in self.cues if c.kind == kind))

    @property
    def chips(self) -> list[str]:
        """"已识别：地区 洛阳" items, one per distinct cue."""
        return list(dict.fromkeys(c.label for c in self.cues))

    def without(self, keys: Iterable[str]) -> Understanding:
        """The same question with some cues dropped (the user removed their chips): their words count again."""
        drop = set(keys)
        kept = [c for c in self.cues if c.key not in drop]
        return Understanding(self.query, kept, residual_text(self.query, kept))


@dataclass(frozen=True)
class Lexicon:
    """Words that name scope. Places (beyond the gazetteer's): written name → region string, matched as a
    substring of Document.region; issuers: written name → canonical body."""

    places: dict[str, str]
    levels: dict[str, str]
    issuers: dict[str, str]
    doc_types: dict[str, tuple[str, ...]]
    fillers: frozenset[str] = frozenset()  # question words with no content (query_cues.toml [fillers])

    @classmethod
    def build(cls, documents: Sequence[Document] = ()) -> Lexicon:
        """Gazetteer and cue files, plus every place and issuer the indexed documents name."""
        base = _base_lexicon()
        places = dict(base.places)
        for d in documents:
            for part in region_parts(d.region):
                for name in (part, _REGION_SUFFIX.sub("", part)):
                    if len(name) >= 2:
                        places.setdefault(name, part)
        issuers = dict(base.issuers)
        for d in documents:
            for name in d.issuers:
                if len(name) >= 3:
                    issuers.setdefault(name, name)
        return cls(places, base.levels, issuers, base.doc_types, base.fillers)


def region_parts(region: str) -> list[str]:
    """"安徽省池州市东至县" → ["安徽省", "池州市", "东至县"]; 全国 and unknown values give nothing."""
    if not region or region == "全国":
        return []
    return _REGION_PART.findall(region)


@lru_cache(maxsize=1)
def _base_lexicon() -> Lexicon:
    """The cue words of query_cues.toml. Places come from the gazetteer (kb/regions.py) at question time and
    from the indexed documents' regions (Lexicon.build)."""
    data = tomllib.loads(resources.files("kb.data").joinpath("query_cues.toml").read_text("utf-8"))
    levels = {w: level for level, words in data["levels"].items() for w in words}
    issuers = {w: full for full, words in data["issuers"].items() for w in (full, *words)}
    doc_types = {w: tuple(ends) for w, ends in data["doc_types"].items()}
    fillers = frozenset(data.get("fillers", {}).get("words", []))
    return Lexicon({}, levels, issuers, doc_types, fillers)


def chinese_number(text: str) -> int | None:
    """"十一" → 11, "二十三" → 23, "7" → 7; None when it is not a number."""
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _PATH_NUMERALS for ch in text):
        return None
    return int(cn_number(text))


def doc_number_key(text: str) -> tuple[str, str, str] | None:
    """(issuer abbreviation, year, serial) of a 文号 in any spacing or bracket variant, or None."""
    flat = no_spaces(text or "")
    m = DOC_NUMBER.search(flat)
    if m:
        return m.group(1), m.group(2), str(int(m.group(3)))
    m = ORDER_NUMBER.search(flat)
    return (m.group(1), "", str(int(m.group(2)))) if m else None


def _scan(text: str, words: dict[str, str], taken_spans: Iterable[tuple[int, int]] = ()
          ) -> list[tuple[int, int, str]]:
    """Longest-first occurrences of the words that overlap neither each other nor `taken_spans`."""
    blocked = [(s, e, "") for s, e in taken_spans]
    taken: list[tuple[int, int, str]] = []
    for word in sorted(words, key=len, reverse=True):
        start = text.find(word)
        while start >= 0:
            end = start + len(word)
            if not any(s < end and start < e for s, e, _ in (*taken, *blocked)):
                taken.append((start, end, word))
            start = text.find(word, start + 1)
    return sorted(taken)


def understand(query: str, lexicon: Lexicon) -> Understanding:
    """The scope cues of a question, in order of appearance, and its residual text."""
    text = query or ""
    cues: list[Cue] = []
    for m in QUOTED.finditer(text):
        cues.append(Cue("phrase", m.group(1).strip(), m.group(0), m.start(), m.end()))
    quoted = [(c.start, c.end) for c in cues]

    def free(s: int, e: int) -> bool:  # not inside a quoted phrase nor another cue
        return not any(a < e and s < b for a, b in quoted) and not any(c.start < e and s < c.end for c in cues)

    for m in DOC_NUMBER.finditer(text):
        if free(m.start(), m.end()):
            cues.append(Cue("docnumber", f"{m.group(1)}〔{m.group(2)}〕{int(m.group(3))}号", m.group(0),
                            m.start(), m.end()))
    for m in ORDER_NUMBER.finditer(text):
        if free(m.start(), m.end()):
            cues.append(Cue("docnumber", f"{m.group(1)}第{int(m.group(2))}号", m.group(0), m.start(), m.end()))
    for m in CLAUSE_PATH.finditer(text):
        n = chinese_number(m.group(1) or m.group(2) or "")
        if n and free(m.start(), m.end()):
            cues.append(Cue("path", str(n), m.group(0), m.start(), m.end()))
    for m in BODIES.finditer(text):
        n = chinese_number(m.group(1))
        if n and n > 1 and free(m.start(), m.end()):
            cues.append(Cue("bodies", str(n), m.group(0), m.start(), m.end()))
    for kind, words in (("level", lexicon.levels), ("issuer", lexicon.issuers)):
        for s, e, word in _scan(text, words, [(c.start, c.end) for c in cues] + quoted):
            if not _inside_word(text, s, e, kind):
                cues.append(Cue(kind, words[word], word, s, e))
    # Words already read as cues are blanked first (same length): 苏州市级 is 苏州 + 市级, not 苏州市 + 级.
    blanked = list(text)
    for c in cues:
        blanked[c.start : c.end] = " " * (c.end - c.start)
    for place in _gazetteer_places("".join(blanked)):
        if free(place.start, place.end):
            cues.append(Cue("region", place.region, place.name, place.start, place.end))
    for s, e, word in _scan(text, lexicon.places, [(c.start, c.end) for c in cues] + quoted):
        cues.append(Cue("region", lexicon.places[word], word, s, e))  # places only the documents name
    for m in YEAR.finditer(text):
        if free(m.start(), m.end()):
            cues.append(Cue("year", m.group(1), m.group(0), m.start(), m.end()))
    for s, e, word in _scan(text, {w: w for w in lexicon.doc_types}, [(c.start, c.end) for c in cues] + quoted):
        cues.append(Cue("doctype", word, word, s, e))
    cues.sort(key=lambda c: c.start)
    return Understanding(text, cues, residual_text(text, cues))


def _gazetteer_places(text: str):
    """Divisions named in the question (kb/regions.py: real names, short forms only as whole words)."""
    from .regions import places_in

    return places_in(text)


def _inside_word(text: str, s: int, e: int, kind: str) -> bool:
    """Level words inside a longer word are not level words: 城市里, 都市里 say nothing about 市级 documents."""
    if kind == "level" and s > 0 and text[e - 2 : e] in ("市里", "县里") and text[s - 1] in "城都郡州":
        return True
    return False


def residual_text(query: str, cues: Sequence[Cue]) -> str:
    """The question with its scope words blanked (space), for term matching; quoted phrases stay."""
    chars = list(query)
    for c in cues:
        if c.kind in SCOPE_KINDS:
            for i in range(c.start, min(c.end, len(chars))):
                chars[i] = " "
    return re.sub(r"\s+", " ", "".join(chars)).strip()
