"""Diversity across documents: a page of results where one repetitive document cannot take every place."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


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
    # Each round takes the best adjusted score, the first such item on a tie; only the chosen item's group
    # changes its adjusted scores, so they are updated, not recomputed.
    base = np.asarray(scores, dtype=np.float64)
    adjusted = base.copy()
    codes: dict[str, int] = {}
    group_of = np.fromiter((codes.setdefault(g, len(codes)) for g in groups), dtype=np.int64, count=n)
    taken = np.zeros(len(codes), dtype=np.int64)
    left = np.ones(n, dtype=bool)
    chosen: list[int] = []
    while len(chosen) < min(k, n):
        best = int(np.flatnonzero(left)[np.argmax(adjusted[left])])
        chosen.append(best)
        left[best] = False
        g = group_of[best]
        taken[g] += 1
        same = group_of == g
        adjusted[same] = base[same] - penalty * taken[g]
    return chosen
