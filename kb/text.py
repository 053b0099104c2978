"""Shared text rules: line breaks and control characters, full/half width, Chinese numerals, the matching form of a
text and the one way to find terms in it (with offsets into the text as written), how a title is quoted, and how
text placed on a page (OCR boxes, OFD text codes) is joined into a line."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

# ---------------------------------------------------------------- line breaks and control characters

NEWLINES = re.compile(r"\r\n?|[\f\v\x85\u2028\u2029]")  # a form feed is a page break, so a line break too
# Tab and \n aside. U+FFFE and U+FFFF are no characters (a byte-order mark read the wrong way round); an XML
# tree refuses them like control characters, and readability then gives up on the whole page.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")


def unify_breaks(text: str) -> str:
    """Every line break as \\n; other control characters removed."""
    return CONTROL.sub("", NEWLINES.sub("\n", text))


# ---------------------------------------------------------------- widths

# Full-width ASCII forms (U+FF01–FF5E) → ASCII, one for one so offsets stay valid: 首台（套） = 首台(套), ３％ = 3%.
# The CJK sentence punctuation ，；：！？ stays as written.
HALF_WIDTH = str.maketrans({chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F) if chr(c) not in "，；：！？"})
# str.translate looks every character of a CJK text up in the table; replacing only the runs that need it
# is several times faster and gives the same string.
_FULL_RUNS = re.compile("[" + re.escape("".join(sorted(map(chr, HALF_WIDTH)))) + "]+")


def _half_run(m: re.Match[str]) -> str:
    return m.group().translate(HALF_WIDTH)


def to_half(text: str) -> str:
    """Full-width digits, letters, brackets and signs as ASCII (same length, same offsets)."""
    return _FULL_RUNS.sub(_half_run, text)


# `\s` in a str pattern is exactly str.isspace(), so these agree with the per-character definition.
_ONE_SPACE = re.compile(r"\s")
_WORD_RUN = re.compile(r"\S+")
_SPACE_RUNS = re.compile(r"\s+")


def no_spaces(text: str) -> str:
    """The text without white space: a title, a 文号 or a name as compared and stored (PDF and OCR text space out
    characters and break lines mid-word)."""
    return _SPACE_RUNS.sub("", text)



def compact_view(text: str) -> tuple[str, Sequence[int]]:
    """The text without whitespace (PDF text breaks lines mid-word and puts spaces around numbers), half width;
    and, for each of its characters, its offset in `text`."""
    if _ONE_SPACE.search(text) is None:  # the usual clause: nothing to remove, offsets are the identity
        return to_half(text), range(len(text))
    runs = [m.span() for m in _WORD_RUN.finditer(text)]
    pos = [i for a, b in runs for i in range(a, b)]
    return to_half("".join(text[a:b] for a, b in runs)), pos


# A character that takes two columns (CJK, full-width forms, the curly quotes, ellipsis and em dash).
WIDE = re.compile(
    "[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7a3"
    "\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u2018-\u201d\u2026\u2014\U00020000-\U0003fffd]"
)


# ---------------------------------------------------------------- Chinese numerals

CN_NUMERALS = "〇零一二两三四五六七八九十百千"  # the characters of a number written in words (outline markers too)
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9}
_CN_MULTIPLIERS = {"十": 10, "百": 100, "千": 1000}


def cn_number(s: str) -> float:
    """二十五 → 25, 两千 → 2000, 十 → 10; plain digit runs such as 一二 read digit by digit."""
    total, cur = 0, 0
    for ch in s:
        if ch in _CN_DIGITS:
            cur = cur * 10 + _CN_DIGITS[ch] if cur else _CN_DIGITS[ch]
        else:
            total += (cur or 1) * _CN_MULTIPLIERS[ch]
            cur = 0
    return float(total + cur)


# ---------------------------------------------------------------- matching form and finding terms

# A short insert in brackets after an ideograph is part of the word: 首台(套) is searched as 首台套.
INSERT = re.compile(r"(?<=[\u4e00-\u9fff])\(([\u4e00-\u9fff]{1,3})\)")
_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """The tokenizer's normalisation, identical for index and query text: NFKC, inserts unbracketed, lower case."""
    text = unicodedata.normalize("NFKC", text)
    if "(" in text:  # the only case INSERT can match; most clause texts have no brackets left to drop
        text = INSERT.sub(r"\1", text)
    return text.lower()


@lru_cache(maxsize=65536)
def match_form(text: str) -> str:
    """What terms are matched against: the tokenizer's normalisation without whitespace (line-broken PDFs)."""
    return _SPACE.sub("", normalize(text))


_CHAR_FORMS: dict[str, str] = {}  # character → its matching form (see _char_form), filled as characters are met


def _char_form(ch: str) -> str:
    """One character in matching form, NFKC and lower case without whitespace (it may become 0, 1 or more)."""
    form = _CHAR_FORMS.get(ch)
    if form is None:
        form = "".join(n for n in unicodedata.normalize("NFKC", ch).lower() if not n.isspace())
        if len(_CHAR_FORMS) < 65536:
            _CHAR_FORMS[ch] = form
    return form


class Located:
    """A text in matching form with, for each of its characters, the span it comes from in the text as written."""

    def __init__(self, text: str):
        forms = list(map(_CHAR_FORMS.get, text))
        if None in forms:
            forms = [_char_form(ch) for ch in text]
        flat = "".join(forms)
        if len(flat) == len(text) and "" not in forms:  # the usual case: each character its own form
            starts, ends = list(range(len(text))), list(range(1, len(text) + 1))
        else:
            starts, ends = [], []
            for i, form in enumerate(forms):
                starts.extend([i] * len(form))
                ends.extend([i + 1] * len(form))
        # Drop the brackets of short inserts as normalize() does; a dropped closing bracket stays inside the
        # span of the character before it, so 首台套 found in 首台(套)保险 marks 首台(套).
        # A match wholly inside the insert (信 in 信(信)) marks only itself.
        drop, closing = set(), {}
        for m in INSERT.finditer(flat):
            drop.update((m.start(), m.end() - 1))
            closing[m.end() - 2] = (m.start() + 1, ends[m.end() - 1])
        self.text = text
        if not drop:
            self.flat, self._starts, self._ends, self._closing = flat, starts, ends, {}
            return
        kept = [i for i in range(len(flat)) if i not in drop]
        position = {old: new for new, old in enumerate(kept)}
        self.flat = "".join(flat[i] for i in kept)
        self._starts = [starts[i] for i in kept]
        self._ends = [ends[i] for i in kept]
        self._closing = {position[last]: (position[first], end) for last, (first, end) in closing.items()}

    def spans(self, term: str) -> list[tuple[int, int]]:
        """Every occurrence of `term` as (start, end) offsets into the text as written."""
        term = match_form(term)
        out, start = [], 0
        while term:
            i = self.flat.find(term, start)
            if i < 0:
                break
            last = i + len(term) - 1
            first, closed = self._closing.get(last, (i, self._ends[last]))
            out.append((self._starts[i], closed if i < first else self._ends[last]))
            start = i + len(term)
        return out


def term_spans(text: str, terms: Iterable[str]) -> list[tuple[int, int, str]]:
    """Non-overlapping (start, end, term) of the terms in the text, longest terms claiming their place first,
    sorted by position. Widths, case, line breaks inside a term and 首台(套)/首台套 do not matter."""
    located = Located(text)
    taken: list[tuple[int, int, str]] = []
    for term in sorted({t for t in terms if t and t.strip()}, key=lambda t: (-len(match_form(t)), t)):
        for s, e in located.spans(term):
            if not any(s < te and ts < e for ts, te, _ in taken):
                taken.append((s, e, term))
    return sorted(taken)


def longest_first(terms: Iterable[str]) -> list[str]:
    """Distinct terms, longest first, without those inside a longer one: 保险 goes when 出口信用保险 is there."""
    found = sorted(dict.fromkeys(terms), key=len, reverse=True)
    return [t for i, t in enumerate(found) if not any(t in longer for longer in found[:i])]


def alternation(*groups: Iterable[str]) -> str:
    """A regex group `(?:…|…)` matching any of the words (plain text, escaped), longest first so that a word never
    loses to its own beginning (最高不超过 before 最高); a word given twice stands once."""
    words = sorted(dict.fromkeys(w for group in groups for w in group), key=len, reverse=True)
    return "(?:" + "|".join(map(re.escape, words)) + ")"


def found_terms(terms: Iterable[str], text: str) -> list[str]:
    """The terms (tokens) that occur in the text, longest first, none inside another. A single character never
    explains a match (要, 的, 发, a letter or a digit) unless it is the only term asked for."""
    terms = [t for t in dict.fromkeys(terms) if t]
    flat = match_form(text)
    single = len(terms) == 1 and not terms[0].isascii()
    return longest_first(t for t in terms if (len(t) >= 2 or single) and match_form(t) in flat)


# ---------------------------------------------------------------- quotations

_OPENING_QUOTES, _CLOSING_QUOTES = "“\"「『", "”\"」』"


def quotation(shortest: int, longest: int, also_not: str = "") -> re.Pattern[str]:
    """A quotation (“…”, "…", 「…」, 『…』) of `shortest` to `longest` characters holding no quotation mark
    (nor any character of `also_not`, a regex class body); group 1 is what is quoted."""
    inside = "“”\"「」『』" + also_not
    return re.compile(f"[{_OPENING_QUOTES}]([^{inside}]{{{shortest},{longest}}})[{_CLOSING_QUOTES}]")


# ---------------------------------------------------------------- titles


def quote_title(title: str) -> str:
    """《title》, with 书名号 inside the title turned into 〈〉 as Chinese typesetting nests them."""
    title = (title or "").strip()
    if title.startswith("《") and title.endswith("》"):
        title = title[1:-1]
    return "《" + title.replace("《", "〈").replace("》", "〉") + "》"


# ---------------------------------------------------------------- text placed on a page

COLUMN_GAP = "    "  # between two columns of one placed line (a 版记's halves); cleaning breaks the line there


def join_placed(pieces: Iterable[tuple[float, float, float, str]]) -> str:
    """One line from its pieces `(left, right, size, text)`, left to right: a space before a piece wider than
    twice its size becomes COLUMN_GAP, a narrower one nothing (readers place characters, not spaces)."""
    parts: list[str] = []
    end = None
    for left, right, size, text in pieces:
        if end is not None and left - end > 2 * size:
            parts.append(COLUMN_GAP)
        parts.append(text)
        end = right
    return "".join(parts)
