"""Vocabulary bridge: the analyst-editable thesaurus (kb/data/thesaurus.toml) and query expansion with it."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .errors import QueryError


@dataclass(frozen=True)
class Expansion:
    """A word of the question and the policy terms it also searches."""

    word: str  # as found in the question
    terms: tuple[str, ...]  # may include words the question also says: they still satisfy `word`
    source: str  # "colloquial" | "abbreviation"


@dataclass
class Thesaurus:
    """word → the terms it expands to. Colloquial entries go one way; abbreviation groups both ways."""

    entries: dict[str, tuple[tuple[str, ...], str]] = field(default_factory=dict)

    @classmethod
    def parse(cls, data: dict) -> Thesaurus:
        entries: dict[str, tuple[tuple[str, ...], str]] = {}
        for word, terms in (data.get("colloquial") or {}).items():
            if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
                raise QueryError(f"同义词表中“{word}”的值应是词语列表")
            entries[_norm(word)] = (tuple(_norm(t) for t in terms if _norm(t) != _norm(word)), "colloquial")
        for group in (data.get("abbreviations") or {}).get("groups", []):
            if not isinstance(group, list) or not all(isinstance(t, str) for t in group):
                raise QueryError(f"同义词表的缩写组应是词语列表：{group!r}")
            names = [_norm(t) for t in group]
            for name in names:
                others = tuple(n for n in names if n != name)
                old, _ = entries.get(name, ((), ""))
                entries[name] = (tuple(dict.fromkeys((*old, *others))), "abbreviation")
        return cls({w: v for w, v in entries.items() if w and v[0]})

    @classmethod
    def load(cls, path: Path | None = None) -> Thesaurus:
        try:
            text = Path(path).read_text("utf-8") if path else \
                resources.files("kb.data").joinpath("thesaurus.toml").read_text("utf-8")
            return cls.parse(tomllib.loads(text))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
            raise QueryError(f"无法读取同义词表 {path or 'thesaurus.toml'}：{e}") from e

    def expand(self, text: str) -> list[Expansion]:
        """Entries found in the text, longest first and not overlapping, in order of appearance."""
        flat = _norm(text)
        taken: list[tuple[int, int, str]] = []
        for word in sorted(self.entries, key=len, reverse=True):
            start = flat.find(word)
            while start >= 0:
                end = start + len(word)
                if not any(s < end and start < e for s, e, _ in taken):
                    taken.append((start, end, word))
                start = flat.find(word, start + 1)
        out = []
        for _, _, word in sorted(taken):
            terms, source = self.entries[word]
            out.append(Expansion(word, terms, source))
        return out


def _norm(word: str) -> str:
    from .text import normalize

    return "".join(normalize(word).split())


@lru_cache(maxsize=1)
def default_thesaurus() -> Thesaurus:
    """The packaged thesaurus, read once."""
    return Thesaurus.load()
