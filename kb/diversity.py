"""Diversity across documents: a page of results where one repetitive document cannot take every place."""

from __future__ import annotations

from collections.abc import Sequence


def diversify(scores: Sequence[float], groups: Sequence[str], k: int, penalty: float) -> list[int]:
    """Indices of the k best items, chosen greedily: each item's score is lowered by `penalty` for every item
    of the same group (document) already chosen. penalty 0 is plain score order; ties keep input order."""
    n = len(scores)
    if len(groups) != n:
        raise ValueError("scores and groups differ in length")
    if k <= 0 or n == 0:
        return []
    if penalty <= 0:
        return sorted(range(n), key=lambda i: (-scores[i], i))[:k]
    chosen: list[int] = []
    taken: dict[str, int] = {}
    left = list(range(n))
    while left and len(chosen) < k:
        best = min(left, key=lambda i: (-(scores[i] - penalty * taken.get(groups[i], 0)), i))
        chosen.append(best)
        left.remove(best)
        taken[groups[best]] = taken.get(groups[best], 0) + 1
    return chosen
