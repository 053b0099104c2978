"""What people type for a level, status or topic → the key the index uses (国家/中央 → national, 保险保障 → insurance).

One table (`kb/data/aliases.toml` plus the labels in `kb/models.py` and the topic taxonomy) serves the command
line, the JSON API and the app, so `--level 市级`, `?level=市级` and `municipal` mean the same everywhere.
"""

from __future__ import annotations

import dataclasses
import tomllib
from functools import cache
from pathlib import Path

from .errors import QueryError
from .models import LEVEL_LABELS, LEVELS, STATUS_LABELS, STATUSES, Filters

DATA = Path(__file__).parent / "data" / "aliases.toml"


def _fold(word: str) -> str:
    return "".join(word.split()).casefold()


@cache
def _table(kind: str) -> dict[str, str]:
    keys, labels = {"level": (LEVELS, LEVEL_LABELS), "status": (STATUSES, STATUS_LABELS)}[kind]
    with DATA.open("rb") as f:
        extra = tomllib.load(f).get(kind, {})
    table: dict[str, str] = {}
    for key in keys:
        for word in (key, labels[key], *extra.get(key, [])):
            table.setdefault(_fold(word), key)
    return table


def _resolve(kind: str, what: str, value: str, labels: dict[str, str]) -> str:
    key = _table(kind).get(_fold(value))
    if key is None:
        choices = "、".join(f"{label}（{k}）" for k, label in labels.items())
        raise QueryError(f"未知{what}“{value}”，可选：{choices}")
    return key


def level_key(value: str) -> str:
    """国家/中央/national → national; 省级/省 → provincial; 市级/市 → municipal; 县级/县 → county."""
    return _resolve("level", "层级", value, LEVEL_LABELS)


def status_key(value: str) -> str:
    """征求意见稿/草案/draft → draft; 正式稿/正式/final → final."""
    return _resolve("status", "状态", value, STATUS_LABELS)


@cache
def _topics() -> dict[str, str]:
    from .topics import default_taxonomy

    return {t.key: t.label for t in default_taxonomy()}


def topic_key(value: str, topics: dict[str, str] | None = None, *, strict: bool = True) -> str:
    """A topic by key or by its Chinese label (insurance or 保险保障); `topics` defaults to the taxonomy.
    Not strict, an unknown word comes back as it is (a filter on it then matches nothing)."""
    topics = _topics() if topics is None else topics
    folded = _fold(value)
    for key, label in topics.items():
        if folded in (_fold(key), _fold(label)):
            return key
    if not strict:
        return value
    choices = "、".join(f"{label}（{key}）" for key, label in topics.items())
    raise QueryError(f"未知主题“{value}”，可选：{choices}")


def topic_label(key: str) -> str:
    """The Chinese name of a topic key (the key itself when the taxonomy has no such topic)."""
    return _topics().get(key, key)


def resolve_filters(filters: Filters) -> Filters:
    """The same filters with every level, status and topic turned into its key. An unknown level or status raises
    QueryError; an unknown topic stays as given (topics come and go with the taxonomy, so it matches nothing)."""
    return dataclasses.replace(
        filters,
        levels=[level_key(v) for v in filters.levels],
        statuses=[status_key(v) for v in filters.statuses],
        topics=[topic_key(v, strict=False) for v in filters.topics],
    )
