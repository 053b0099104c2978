"""Is a hit relevant at all? Term groups and their coverage, how a hit matched, and the learned relevance floor.

Pure functions of signals: the floor's coefficients are fitted by `bench/floor.py` on judged and off-topic
questions and kept in `kb/data/relevance.toml`; nothing here needs a build.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

MATCH_ALL = "含全部关键词"
MATCH_SOME = "含部分关键词"
MATCH_SEMANTIC = "仅语义相近"
MATCH_EXACT = "精确匹配"  # a lookup whose kind is not known
# What an exact lookup matched (kb/lookup.py's Lookup.how values, then a clause path and a quoted phrase).
EXACT_LABELS = {"文号": "文号匹配", "标题": "标题匹配", "简称": "简称匹配", "范围": "范围内文件",
                "路径": "条款路径匹配", "短语": "原文短语匹配"}

EMPTY_MESSAGE = "本库中没有找到与此问题相关的条款"
WEAK_LABEL = "可能相关（低于相关性阈值，仅供参考）"
FEATURES = ("coverage", "dense", "phrase")


def exact_label(how: str) -> str:
    """The label of a hit an exact lookup put there: 文号匹配, 标题匹配, … (精确匹配 for an unknown kind)."""
    return EXACT_LABELS.get(how, MATCH_EXACT)


@dataclass(frozen=True)
class TermGroup:
    """One thing the question asks for: its own term (a token) or a thesaurus word with its policy terms.
    A clause satisfies the group fully with `term`, partly (`partial`) with one of `alternatives`."""

    term: str
    weight: float  # IDF; a word that occurs nowhere gets the largest IDF the index allows
    alternatives: tuple[str, ...] = ()
    common: bool = False  # found in so many clauses that it tells nothing (not used for the match label)


def unknown_idf(num_docs: int) -> float:
    """Lucene IDF of a term with document frequency 0."""
    return math.log(1 + (num_docs + 0.5) / 0.5)


def idf(df: int, num_docs: int) -> float:
    return math.log(1 + (num_docs - df + 0.5) / (df + 0.5))


# A word the index never saw weighs as much as the rarest term, scaled by how rare it is in general Chinese:
# absent 公积金 says the question is off topic, absent 不能 or 大家 says nothing. Linear from GENERAL_COMMON
# (weight GENERAL_MIN_SHARE) to GENERAL_RARE (full weight), in jieba dictionary IDF.
GENERAL_COMMON, GENERAL_RARE, GENERAL_MIN_SHARE = 7.0, 10.0, 0.1
SINGLE_CHAR_SHARE = 0.25  # a one-character token rarely carries the subject (能, 用, 发)


# An absent question word that is not a name of a thing or an act (an adjective, adverb, numeral, measure word,
# pronoun, conjunction, preposition, particle or place word: jieba's part-of-speech tags) is how the question is
# said (十几年, 一时, 快), not a subject the clause lacks: it weighs SPEECH_SHARE of an absent subject word.
# Nouns and verbs keep their full weight (公积金, 车险, 理赔 and 汇算清缴 make a question off topic), and so do
# adjectives: counted as speech they helped no tuning question and cost an answered one and an off-topic rejection.
# Share chosen leave-one-set-out over the tuning sets (bench/RESULTS.md, session 5).
SPEECH_TAGS, SPEECH_SHARE = frozenset("dmqrcpufy"), 0.0  # a, n, v, vn: subjects


def spoken_words(tagged: Sequence[tuple[str, str]]) -> frozenset[str]:
    """The words of a tagged question (Tokenizer.tag_words) whose part of speech marks them as manner of speech."""
    return frozenset(w for w, flag in tagged if flag[:1] in SPEECH_TAGS and flag != "vn")


def unknown_weight(num_docs: int, general_idf: float, speech: bool = False) -> float:
    """Weight of a question word no clause contains, from its rarity in general Chinese (less for a word of
    speech, SPEECH_SHARE)."""
    share = (general_idf - GENERAL_COMMON) / (GENERAL_RARE - GENERAL_COMMON)
    return unknown_idf(num_docs) * min(1.0, max(GENERAL_MIN_SHARE, share)) * (SPEECH_SHARE if speech else 1.0)


def credit(group: TermGroup, has: Callable[[str], bool], partial: float) -> float:
    """1 when the clause has the group's own term, `partial` when it has one of its alternatives, else 0."""
    if has(group.term):
        return 1.0
    return partial if any(has(a) for a in group.alternatives) else 0.0


def coverage(groups: Sequence[TermGroup], has: Callable[[str], bool], partial: float) -> float:
    """IDF-weighted share of the question's term groups a clause satisfies (words found nowhere count too)."""
    total = sum(g.weight for g in groups)
    if total <= 0:
        return 0.0
    return sum(g.weight * credit(g, has, partial) for g in groups) / total


def coverages(groups: Sequence[TermGroup], texts: Sequence[str], partial: float) -> np.ndarray:
    """`coverage` of each text, a term counting as present when it occurs in the text (the same sums, in the
    same order, one group at a time over all the texts)."""
    total = sum(g.weight for g in groups)
    out = np.zeros(len(texts))
    if total <= 0:
        return out
    has = [t.__contains__ for t in texts]
    for g in groups:
        out = out + g.weight * np.fromiter((credit(g, h, partial) for h in has), dtype=np.float64, count=len(has))
    return out / total


def match_label(groups: Sequence[TermGroup], has: Callable[[str], bool]) -> str:
    """含全部关键词 / 含部分关键词 / 仅语义相近, over the telling groups (all groups if every one is common)."""
    telling = [g for g in groups if not g.common] or list(groups)
    found = [credit(g, has, 1.0) > 0 for g in telling]
    if telling and all(found):
        return MATCH_ALL
    return MATCH_SOME if any(found) else MATCH_SEMANTIC


@dataclass(frozen=True)
class Floor:
    """Logistic model over (coverage, dense cosine, phrase share) giving p(relevant) for each candidate.
    A question is answered at all when its best candidate reaches `threshold`; then the hits with p ≥ `keep`
    are shown (keep ≤ threshold: once the question is on topic, weaker clauses of it may follow).
    `dense` is 0 for a model the floor was not fitted for: then only the lexical signals decide.
    A second, purely semantic door (`dense_gate` > 0): a question is also on topic when a candidate's cosine reaches
    `dense_gate` (above every off-topic tuning question's best), and once it is, a candidate whose cosine reaches
    `dense_keep` is shown too — everyday words share no term with policy language, so coverage cannot vouch."""

    coverage: float
    dense: float
    phrase: float
    bias: float
    threshold: float = 0.5
    dense_center: float = 0.0  # cosine subtracted before weighting (keeps the bias readable)
    keep: float = -1.0  # < 0: the same as threshold
    dense_gate: float = 0.0  # 0: no semantic door
    dense_keep: float = 0.0  # 0: the same as dense_gate

    def probability(self, coverage: np.ndarray, dense: np.ndarray | None, phrase: np.ndarray) -> np.ndarray:
        z = self.bias + self.coverage * np.asarray(coverage, dtype=np.float64) + \
            self.phrase * np.asarray(phrase, dtype=np.float64)
        if dense is not None and self.dense:
            z = z + self.dense * (np.asarray(dense, dtype=np.float64) - self.dense_center)
        return 1.0 / (1.0 + np.exp(-z))

    def passes(self, coverage: np.ndarray, dense: np.ndarray | None, phrase: np.ndarray) -> np.ndarray:
        """Per candidate: reaches `threshold` on its own."""
        return self.probability(coverage, dense, phrase) >= self.threshold

    def keep_mask(self, coverage: np.ndarray, dense: np.ndarray | None, phrase: np.ndarray,
                  always: np.ndarray | None = None, allowed: np.ndarray | None = None) -> np.ndarray:
        """Which candidates of one question are shown: those `always` shown (exact lookups), and, when the
        best allowed candidate reaches `threshold`, every allowed one with p ≥ `keep`."""
        p = self.probability(coverage, dense, phrase)
        allowed = np.ones(p.shape, dtype=bool) if allowed is None else np.asarray(allowed, dtype=bool)
        always = np.zeros(p.shape, dtype=bool) if always is None else np.asarray(always, dtype=bool)
        shown = p >= (self.keep if self.keep >= 0 else self.threshold)
        gate = bool(((p >= self.threshold) & allowed).any())
        if dense is not None and self.dense and self.dense_gate > 0:
            cosine = np.asarray(dense, dtype=np.float64)
            gate = gate or bool(((cosine >= self.dense_gate) & allowed).any())
            shown = shown | (cosine >= (self.dense_keep or self.dense_gate))
        return always | (allowed & shown & gate)


@lru_cache(maxsize=8)
def load_floor(model: str = "") -> Floor:
    """The floor fitted for the named embedding model, else the lexical one ([lexical] in relevance.toml)."""
    data = tomllib.loads(resources.files("kb.data").joinpath("relevance.toml").read_text("utf-8"))
    section = next((v for v in data.get("model", {}).values() if v.get("name") == model), None) or data["lexical"]
    return Floor(**{k: float(v) for k, v in section.items() if k != "name"})
