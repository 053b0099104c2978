"""Hybrid fusion as a pure function: normalised BM25 and dense scores plus weighted signals → one score per candidate."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

# Signals beyond the two retrievers, each in 0–1, in the order they are added (the sum is order-sensitive in
# floating point, and the figures in bench/RESULTS.md were measured in this order).
EXTRA_SIGNALS = ("heading", "topic", "coverage", "phrase")


@dataclass
class FusionWeights:
    """How the signals combine. Chosen by cross-validation across query sets with `bench/tune.py`; see
    bench/RESULTS.md."""

    bm25: float = 0.4
    dense: float = 0.6
    heading: float = 0.0  # query terms in the clause heading; no gain once `phrase` is in (bench/RESULTS.md)
    topic: float = 0.05  # the clause carries a topic the question is about
    coverage: float = 0.4  # IDF-weighted share of the query's terms the clause contains (a coord factor)
    phrase: float = 0.4  # share of the query's character trigrams found contiguously in the clause
    expansion: float = 0.8  # BM25 over the thesaurus's policy terms for the question's words (kb/thesaurus.py)
    partial: float = 1.0  # coverage credit for a term group met only through the thesaurus (kb/answer.py)
    sentence: float = 1.0  # share of a clause's best sentence cosine in its dense score (kb/sentences.py)
    scope: float = 0.8  # the clause's document is in the place, level, issuer or year the question names
    diversity: float = 0.08  # score taken off per clause already shown from the same document
    candidates: int = 100  # taken from each retriever before fusion


def fuse(signals: Mapping[str, np.ndarray], weights: FusionWeights) -> np.ndarray:
    """One fused score per candidate from its raw signals (arrays of equal length, keyed by name).

    BM25 is divided by the candidates' best, the dense cosine min-max normalised over the candidates; with only
    one of the two present it weighs 1. The extra signals (EXTRA_SIGNALS) are added with their weights.
    """
    n = len(next(iter(signals.values()))) if signals else 0
    fused = np.zeros(n, dtype=np.float64)
    bm25, dense = signals.get("bm25"), signals.get("dense")
    if bm25 is not None:
        fused += (weights.bm25 if dense is not None else 1.0) * max_norm(np.asarray(bm25, dtype=np.float64))
    if dense is not None:
        fused += (weights.dense if bm25 is not None else 1.0) * minmax(np.asarray(dense, dtype=np.float64))
    for name in EXTRA_SIGNALS:
        if name in signals:
            fused += getattr(weights, name) * signals[name]
    return fused


def max_norm(x: np.ndarray) -> np.ndarray:
    """Divided by the largest value; all zeros when none is positive."""
    top = float(x.max()) if x.size else 0.0
    return x / top if top > 0 else np.zeros_like(x)


def minmax(x: np.ndarray) -> np.ndarray:
    """Scaled to 0–1 over the candidates; equal values give 1 (or 0 when they are not positive)."""
    lo, hi = (float(x.min()), float(x.max())) if x.size else (0.0, 0.0)
    return (x - lo) / (hi - lo) if hi > lo else np.ones_like(x) * (1.0 if hi > 0 else 0.0)
