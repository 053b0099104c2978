"""Clause text → topic tags, from the editable taxonomy in kb/data/topics.toml."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from kb.errors import KBError
from kb.models import TopicTag
from kb.responsibility import strip_responsibility
from kb.text import alternation, to_half

DEFAULT_PATH = Path(__file__).parent / "data" / "topics.toml"

# A clause is tagged when its score reaches this: two keyword hits, one strong
# phrase, or one keyword that the heading also names. Calibrated on the seeds so
# that a single passing mention ("引导银行、保险等金融机构…") does not tag.
MIN_SCORE = 2.0
KEYWORD_WEIGHT = 1.0
STRONG_WEIGHT = 2.0
REPEAT_BONUS = 0.5  # per extra occurrence of the same phrase, at most twice
HEADING_BONUS = 1.0  # × the phrase weight, once per distinct phrase in the heading

_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_FIELDS = {"key", "label", "description", "keywords", "strong", "exclude"}

_SPACE_RE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Form used for matching: no whitespace, half-width brackets and digits, lower-case Latin."""
    return to_half(_SPACE_RE.sub("", text)).lower()


@dataclass
class Topic:
    """One topic of the taxonomy; `strong` phrases weigh double, `exclude` phrases mask text."""

    key: str
    label: str
    description: str
    keywords: list[str]
    strong: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    _phrases: dict[str, tuple[str, float]] = field(init=False, repr=False, compare=False)
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # normalised phrase → (phrase as written in the taxonomy, weight); exclude weighs 0
        self._phrases = {}
        for phrases, weight in ((self.exclude, 0.0), (self.strong, STRONG_WEIGHT), (self.keywords, KEYWORD_WEIGHT)):
            for p in phrases:
                self._phrases.setdefault(normalize(p), (p, weight))
        # Longest first, so 出口信用保险 is one hit rather than 保险 inside it, and an
        # exclude phrase (银行保险机构) swallows the keyword it contains.
        phrases = [p for p in self._phrases if p]
        self._pattern = re.compile(alternation(phrases) if phrases else r"(?!)")


def _error(path: Path, where: str, problem: str) -> KBError:
    return KBError(f"{path.name}: {where}: {problem}")


def _phrase_list(path: Path, where: str, raw: dict, name: str, required: bool) -> list[str]:
    value = raw.get(name, [] if not required else None)
    if value is None:
        raise _error(path, where, f"missing field '{name}'")
    if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
        raise _error(path, where, f"'{name}' must be a list of strings")
    if required and not value:
        raise _error(path, where, f"'{name}' must not be empty")
    seen: set[str] = set()
    for p in value:
        n = normalize(p)
        if not n:
            raise _error(path, where, f"'{name}' holds an empty phrase")
        if n in seen:
            raise _error(path, where, f"'{name}' lists '{p}' twice")
        seen.add(n)
    return list(value)


def _topic(path: Path, i: int, raw: object) -> Topic:
    where = f"topic #{i + 1}"
    if not isinstance(raw, dict):
        raise _error(path, where, "must be a table")
    key = raw.get("key")
    if not isinstance(key, str) or not _KEY_RE.match(key):
        raise _error(path, where, f"'key' must be lower-case English such as \"supply_chain\", got {key!r}")
    where = f"topic '{key}'"
    unknown = sorted(set(raw) - _FIELDS)
    if unknown:
        raise _error(path, where, f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(_FIELDS))}")
    for name in ("label", "description"):
        if not isinstance(raw.get(name), str) or not raw[name].strip():
            raise _error(path, where, f"'{name}' must be a non-empty string")
    keywords = _phrase_list(path, where, raw, "keywords", required=True)
    strong = _phrase_list(path, where, raw, "strong", required=False)
    exclude = _phrase_list(path, where, raw, "exclude", required=False)
    lists = {"keywords": keywords, "strong": strong, "exclude": exclude}
    owner: dict[str, str] = {}
    for name, phrases in lists.items():
        for p in phrases:
            other = owner.setdefault(normalize(p), name)
            if other != name:
                raise _error(path, where, f"'{p}' is in both '{other}' and '{name}'")
    return Topic(key=key, label=raw["label"].strip(), description=raw["description"].strip(),
                 keywords=keywords, strong=strong, exclude=exclude)


def load_taxonomy(path: Path | None = None) -> list[Topic]:
    """Read and validate the taxonomy; KBError names the file, the topic and the field at fault."""
    path = Path(path) if path is not None else DEFAULT_PATH
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError as e:
        raise KBError(f"{path.name}: file not found ({path})") from e
    except tomllib.TOMLDecodeError as e:
        raise KBError(f"{path.name}: not valid TOML: {e}") from e
    unknown = sorted(set(data) - {"topic"})
    if unknown:
        raise KBError(f"{path.name}: unknown top-level entry {', '.join(unknown)}; write each topic as [[topic]]")
    raw_topics = data.get("topic")
    if not isinstance(raw_topics, list) or not raw_topics:
        raise KBError(f"{path.name}: no topics; write each topic as a [[topic]] table")
    topics = [_topic(path, i, raw) for i, raw in enumerate(raw_topics)]
    keys: set[str] = set()
    for t in topics:
        if t.key in keys:
            raise KBError(f"{path.name}: topic '{t.key}': key used twice")
        keys.add(t.key)
    return topics


@cache
def default_taxonomy() -> list[Topic]:
    """The packaged taxonomy, read once per process."""
    return load_taxonomy()


def topic_label(key: str, taxonomy: list[Topic] | None = None) -> str:
    """Chinese label of a topic key; the key itself when unknown."""
    for t in taxonomy if taxonomy is not None else default_taxonomy():
        if t.key == key:
            return t.label
    return key


def tag_topics(text: str, taxonomy: list[Topic], heading: str = "", min_score: float = MIN_SCORE) -> list[TopicTag]:
    """Topics of a clause, strongest first; each with its score and the phrases that triggered it."""
    body = normalize(strip_responsibility(text))  # unit names (市委人才办, 外汇局…) are not topics
    head = normalize(heading)
    tags: list[TopicTag] = []
    for topic in taxonomy:
        counts: dict[str, int] = {}
        weights: dict[str, float] = {}
        score = 0.0
        # Matching inlined here, not a method: this loop runs once per topic per clause, 1.4 million times for
        # a 50 MB file.
        phrases = topic._phrases
        for m in topic._pattern.finditer(head) if head else ():
            phrase, weight = phrases[m.group()]
            if weight > 0 and phrase not in weights:
                score += weight * HEADING_BONUS
                weights[phrase] = weight
                counts[phrase] = 0
        for m in topic._pattern.finditer(body):
            phrase, weight = phrases[m.group()]
            if weight > 0:
                weights[phrase] = weight
                counts[phrase] = counts.get(phrase, 0) + 1
        if not counts:
            continue
        for phrase, n in counts.items():
            if n:
                score += weights[phrase] * (1 + REPEAT_BONUS * min(n - 1, 2))
        if score > 0 and score >= min_score:
            tags.append(TopicTag(key=topic.key, label=topic.label, score=score, evidence=list(counts)))
    tags.sort(key=lambda t: -t.score)  # stable: ties keep taxonomy order
    return tags


def topic_query_match(query: str, taxonomy: list[Topic]) -> list[TopicTag]:
    """Topics a user's question touches, without the clause threshold (any hit counts)."""
    return tag_topics(query, taxonomy, min_score=0.0)
