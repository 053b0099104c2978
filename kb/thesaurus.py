"""Vocabulary bridge: the analyst-editable thesaurus (kb/data/thesaurus.toml) and query expansion with it."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .errors import QueryError

# A word of the thesaurus also matches when a question says it with a few characters inside, as spoken Chinese
# splits a phrase (盖个厂 for 盖厂, 第一次去借 for 第一次借, 借过钱 for 借钱): at most GAP_SHORT characters inside a
# two-character word, GAP_LONG inside a longer one, never punctuation or a space; it may replace shorter exact
# matches lying wholly inside it, never cut into one. Measured against allowing only particles inside (了过着的个…):
# that lost on fresh2 and gained nowhere. A gapped match begins and ends where the question's words do (jieba's
# dictionary cut): its letters are picked out of the question, so without that rule they may come from two
# neighbouring words (结账收款 is 结账 + 收款, not 账款 said with 收 inside).
GAP_SHORT, GAP_LONG = 1, 2
# Never skipped inside a gapped match: a negation said inside the word turns it round (卖不掉 is not 卖掉, 还没贷
# is not 还贷).
NEGATIONS = frozenset("不没未别无非莫")


@dataclass(frozen=True)
class Expansion:
    """A word of the question and the policy terms it also searches."""

    word: str  # as found in the question
    terms: tuple[str, ...]  # may include words the question also says: they still satisfy `word`
    source: str  # "colloquial" | "abbreviation"


@dataclass
class Thesaurus:
    """word → the terms it expands to. Colloquial entries go one way; abbreviation groups both ways.
    `groups` names the thesaurus's `[groups.NAME]` tables (one policy term each) and the words each holds, so a
    benchmark can switch one off (`parse(data, without=...)`) and measure what it brings."""

    entries: dict[str, tuple[tuple[str, ...], str]] = field(default_factory=dict)
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _longest_first: list[str] = field(default_factory=list, repr=False, compare=False)  # expand's order, kept
    _by_first: dict[str, list[str]] = field(default_factory=dict, repr=False, compare=False)  # gapped matching

    @classmethod
    def parse(cls, data: dict, without: frozenset[str] | set[str] = frozenset()) -> Thesaurus:
        entries: dict[str, tuple[tuple[str, ...], str]] = {}
        groups: dict[str, tuple[str, ...]] = {}

        def merge(key: str, terms: list[str], kind: str) -> None:
            """The terms (other than the key itself) after those the key already has, each once; the kind is the
            latest source's."""
            old, _ = entries.get(key, ((), ""))
            entries[key] = (tuple(dict.fromkeys((*old, *(t for t in terms if t != key)))), kind)

        def add(word: str, terms: object) -> None:
            if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
                raise QueryError(f"同义词表中“{word}”的值应是词语列表")
            merge(_norm(word), [_norm(t) for t in terms], "colloquial")

        for word, terms in (data.get("colloquial") or {}).items():
            add(word, terms)
        for name, table in (data.get("groups") or {}).items():
            if not isinstance(table, dict):
                raise QueryError(f"同义词表的词组“{name}”应是“口语词 = [政策用语, …]”的表")
            groups[name] = tuple(_norm(w) for w in table)
            if name in without:
                continue
            for word, terms in table.items():
                add(word, terms)
        for group in (data.get("abbreviations") or {}).get("groups", []):
            if not isinstance(group, list) or not all(isinstance(t, str) for t in group):
                raise QueryError(f"同义词表的缩写组应是词语列表：{group!r}")
            names = [_norm(t) for t in group]
            for name in names:
                merge(name, names, "abbreviation")
        return cls({w: v for w, v in entries.items() if w and v[0]}, groups)

    @classmethod
    def load(cls, path: Path | None = None, without: frozenset[str] | set[str] = frozenset()) -> Thesaurus:
        try:
            text = Path(path).read_text("utf-8") if path else \
                resources.files("kb.data").joinpath("thesaurus.toml").read_text("utf-8")
            return cls.parse(tomllib.loads(text), without)
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
            raise QueryError(f"无法读取同义词表 {path or 'thesaurus.toml'}：{e}") from e

    def expand(self, text: str) -> list[Expansion]:
        """Entries found in the text, longest first and not overlapping, in order of appearance; then entries
        said with a few characters inside (GAP_SHORT, GAP_LONG), longest first, where they cut into no exact
        match. A gapped match names the question's own span as its word."""
        flat = _norm(text)
        if len(self._longest_first) != len(self.entries):
            self._longest_first[:] = sorted(self.entries, key=len, reverse=True)
            self._by_first.clear()
            for word in self._longest_first:
                if len(word) >= 2:
                    self._by_first.setdefault(word[0], []).append(word)
        taken: list[tuple[int, int, str]] = []
        for word in self._longest_first:
            start = flat.find(word)
            while start >= 0:
                end = start + len(word)
                if not any(s < end and start < e for s, e, _ in taken):
                    taken.append((start, end, word))
                start = flat.find(word, start + 1)
        # Gapped matches, longest first: one may take the place of shorter exact matches lying wholly inside it
        # (美元一涨一跌 for 美元涨跌 over 美元), never cut into one.
        gapped = [(start, end, word, skipped) for start, ch in enumerate(flat) for word in self._by_first.get(ch, ())
                  for end, skipped in [_gapped(flat, start, word)] if end]
        if gapped:
            edges = _word_edges(flat)
            gapped = [g for g in gapped if g[0] in edges and g[1] in edges]
        for start, end, word, skipped in sorted(gapped, key=lambda g: (-len(g[2]), g[0])):
            inside = [t for t in taken if start <= t[0] and t[1] <= end]
            # The letters it skips belong to no exact match it would replace: 上下游中小企业 says 上下游 and 中小企业,
            # not 上游小企业 with 下 and 中 inside (美元一涨一跌 keeps every letter of 美元).
            if any(len(w) >= len(word) or any(s <= i < e for i in skipped) for s, e, w in inside) or \
                    any(s < end and start < e for s, e, w in taken if (s, e, w) not in inside):
                continue
            taken[:] = [t for t in taken if t not in inside] + [(start, end, word)]
        out = []
        for start, end, word in sorted(taken):
            terms, source = self.entries[word]
            out.append(Expansion(flat[start:end], terms, source))
        return out


def _gapped(flat: str, start: int, word: str) -> tuple[int, frozenset[int]]:
    """End of `word` said from `start` with a few other letters or ideographs inside, and the offsets of those
    letters; (0, ∅) when it is not said so there. An exact occurrence is not a gapped one."""
    gap = GAP_SHORT if len(word) == 2 else GAP_LONG
    i, skipped = start + 1, []
    for ch in word[1:]:
        while i < len(flat) and flat[i] != ch:
            if len(skipped) == gap or not flat[i].isalnum() or flat[i] in NEGATIONS:
                return 0, frozenset()
            skipped.append(i)
            i += 1
        if i == len(flat):
            return 0, frozenset()
        i += 1
    return (i, frozenset(skipped)) if skipped else (0, frozenset())


def _word_edges(flat: str) -> set[int]:
    """Offsets where a word of the text begins or ends (kb.tokenize.Tokenizer.words)."""
    from .tokenize import get_tokenizer

    edges, at = {0}, 0
    for w in get_tokenizer().words(flat):
        at += len(w)
        edges.add(at)
    return edges


def _norm(word: str) -> str:
    from .text import normalize

    return "".join(normalize(word).split())


@lru_cache(maxsize=1)
def default_thesaurus() -> Thesaurus:
    """The packaged thesaurus, read once."""
    return Thesaurus.load()
