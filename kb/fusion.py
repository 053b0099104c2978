"""Hybrid fusion as a pure function: normalised BM25 and dense scores plus weighted signals → one score per candidate."""

from __future__ import annotations

import functools
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

# Signals beyond the two retrievers, each in 0–1, in the order they are added (the sum is order-sensitive in
# floating point, and the figures in bench/RESULTS.md were measured in this order). A tuple of names is added
# as one sum.
EXTRA_SIGNALS = ("heading", "topic", "coverage", "phrase")
# The same for the full search (kb/answer.py): its lexical signals as one sum, then topic and scope.
ANSWER_SIGNALS = (("coverage", "phrase"), "topic", "scope")


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
    diversity: float = 0.04  # score taken off per clause already shown from the same document
    candidates: int = 100  # taken from each retriever before fusion


def fuse(signals: Mapping[str, np.ndarray], weights: FusionWeights,
         extra: Sequence[str | tuple[str, ...]] = EXTRA_SIGNALS, both: bool | None = None) -> np.ndarray:
    """One fused score per candidate from its raw signals (arrays of equal length, keyed by name).

    BM25 is divided by the candidates' best, the dense cosine min-max normalised over the candidates; the two
    weigh `weights.bm25` and `weights.dense` when both retrievers were asked (`both`; by default, when both
    signals are present), else the one present weighs 1. BM25 over the thesaurus's terms ("expansion") is
    divided by its own best, so that it never outweighs the question's own words. The `extra` signals are added
    with their weights, in that order.
    """
    n = len(next(iter(signals.values()))) if signals else 0
    fused = np.zeros(n, dtype=np.float64)
    bm25, dense = signals.get("bm25"), signals.get("dense")
    if both is None:
        both = bm25 is not None and dense is not None
    if bm25 is not None:
        fused += (weights.bm25 if both else 1.0) * max_norm(np.asarray(bm25, dtype=np.float64))
    if "expansion" in signals:
        fused += weights.expansion * max_norm(np.asarray(signals["expansion"], dtype=np.float64))
    if dense is not None:
        fused += (weights.dense if both else 1.0) * minmax(np.asarray(dense, dtype=np.float64))
    for names in extra:
        terms = [getattr(weights, name) * signals[name] for name in _names(names) if name in signals]
        if terms:
            fused += functools.reduce(operator.add, terms)
    return fused


def _names(names: str | tuple[str, ...]) -> tuple[str, ...]:
    return (names,) if isinstance(names, str) else names


def max_norm(x: np.ndarray) -> np.ndarray:
    """Divided by the largest value; all zeros when none is positive."""
    top = float(x.max()) if x.size else 0.0
    return x / top if top > 0 else np.zeros_like(x)


def minmax(x: np.ndarray) -> np.ndarray:
    """Scaled to 0–1 over the candidates; equal values give 1 (or 0 when they are not positive)."""
    lo, hi = (float(x.min()), float(x.max())) if x.size else (0.0, 0.0)
    return (x - lo) / (hi - lo) if hi > lo else np.ones_like(x) * (1.0 if hi > 0 else 0.0)
