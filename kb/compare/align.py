"""Two documents clause by clause: A's clauses with a counterpart in B, those absent, and B's own."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np

from ..models import Clause
from .common import EXCLUDED_KINDS, bm25_idf, clause_terms, content_words, eligible, match_form
from .diff import clause_diff
from .lineage import may_implement
from .results import AlignedPair, Alignment

# Alignment: z(dense cosine) + z(IDF overlap) + ALIGN_TOPIC × topic cosine, the z-scores taken over all
# clause pairs of the two documents, so the threshold does not depend on the embedding model's scale.
ALIGN_TOPIC = 2.0
ALIGN_SENTENCE = 0.5  # weight of z(best sentence-pair overlap): a measure stated in one sentence of a longer clause
ALIGN_THRESHOLD = 3.0
# Confidence that an aligned pair is a counterpart: Platt scaling sigmoid(a × score + b) of the pair's score,
# fitted on clause pairs the comparison judgements imply (a judged clause of A for a measure with B's judged
# clauses for it as counterparts, B's other aligned clauses as not). Fitted on one half of the measures and
# tested on the other, both ways: Brier 0.219 / 0.227 and ECE 0.05 / 0.03, against 0.34 / 0.35 and 0.34 for
# the former sigmoid(score − threshold), which put most pairs near 1.00. These are the figures fitted on all
# 272 pairs; bench/calibrate_align.py re-measures them.
ALIGN_CALIBRATION = (0.365, -2.011)
SENTENCE_MIN_MASS = 8.0  # IDF mass below which a sentence (一句套话) is too short to count
ALIGN_MUTUAL_K = 3  # a pair must be among each other's 3 best: keeps hub clauses from matching everything
ALIGN_MIN_LEXICAL = 0.08  # and share some nouns (IDF share) or a topic, so two unrelated documents align nothing


def pair_confidence(score: float, calibration: tuple[float, float] = ALIGN_CALIBRATION) -> float:
    """Calibrated probability that a pair with this alignment score is a counterpart (see ALIGN_CALIBRATION)."""
    a, b = calibration
    return 1 / (1 + math.exp(-(a * score + b)))


_SENTENCE = re.compile(r"[^。；;！!？?]+[。；;！!？?]?")


def _weighted_overlap(kb, a: Iterable[str], b: Iterable[str]) -> float:
    """IDF mass of the shared terms over the smaller side's mass: 1 when one clause's wording is inside the other."""
    a, b = set(a), set(b)
    wa, wb = sum(bm25_idf(kb, t) for t in a), sum(bm25_idf(kb, t) for t in b)
    shared = sum(bm25_idf(kb, t) for t in a & b)
    return shared / (min(wa, wb) or 1.0)


@lru_cache(maxsize=65536)
def _noun_terms(text: str) -> frozenset[str]:
    """The clause's terms that are (part of) a noun or the like, as jieba tags them."""
    content = content_words(text)
    return frozenset(t for t in clause_terms(text) if any(t in w for w in content))


def _topic_cosine(a: Clause, b: Clause) -> float:
    ta, tb = {t.key: t.score for t in a.topics}, {t.key: t.score for t in b.topics}
    num = sum(v * tb.get(k, 0.0) for k, v in ta.items())
    den = math.sqrt(sum(v * v for v in ta.values()) * sum(v * v for v in tb.values()))
    return num / den if den else 0.0


def _z(m: np.ndarray) -> np.ndarray:
    sd = float(m.std()) if m.size else 0.0
    return (m - m.mean()) / sd if sd > 1e-9 else np.zeros_like(m)


def _sentences(kb, text: str) -> list[tuple[int, int, dict[str, float]]]:
    """(start, end, {term: idf}) for each sentence of a clause with enough wording to compare."""
    out = []
    for m in _SENTENCE.finditer(text):
        terms = {t: bm25_idf(kb, t) for t in clause_terms(m.group())}
        if sum(terms.values()) >= SENTENCE_MIN_MASS:
            out.append((m.start(), m.end(), terms))
    return out


def _sentence_overlap(xs, ys) -> tuple[float, tuple[int, int], tuple[int, int]]:
    """The best pair of sentences: IDF mass they share over the smaller one's mass, and their spans."""
    best, span_a, span_b = 0.0, (0, 0), (0, 0)
    for sa, ea, ta in xs:
        mass_a = sum(ta.values())
        for sb, eb, tb in ys:
            shared = sum(w for t, w in ta.items() if t in tb)
            if not shared:
                continue
            r = shared / min(mass_a, sum(tb.values()))
            if r > best:
                best, span_a, span_b = r, (sa, ea), (sb, eb)
    return best, span_a, span_b


def align(kb, doc_a: str, doc_b: str, threshold: float | None = None,
          exclude_kinds: Sequence[str] = EXCLUDED_KINDS, diffs: bool = True) -> Alignment:
    """Which clauses of (higher-level) document A have a counterpart in B, which are absent, and B's own.

    Similarity of two clauses = z(dense cosine) + z(IDF-weighted word overlap) + 2 × topic cosine, the
    z-scores over all clause pairs of the two documents. A pair counts when it reaches `threshold`
    (default calibrated, ALIGN_THRESHOLD), each is among the other's three best, and the two share some
    nouns or a topic; an A clause may have several counterparts.
    """
    da, db = kb.document(doc_a), kb.document(doc_b)
    tau = ALIGN_THRESHOLD if threshold is None else float(threshold)
    ca, cb = eligible(kb, da, exclude_kinds), eligible(kb, db, exclude_kinds)
    result = Alignment(da, db, clauses_a=ca, clauses_b=cb, threshold=tau, implements=may_implement(da, db))
    if not ca or not cb:
        result.absent, result.local_only = list(ca), list(cb)
        return result
    lex = np.array([[_weighted_overlap(kb, clause_terms(a.text), clause_terms(b.text)) for b in cb] for a in ca])
    top = np.array([[_topic_cosine(a, b) for b in cb] for a in ca])
    sa_list, sb_list = [_sentences(kb, a.text) for a in ca], [_sentences(kb, b.text) for b in cb]
    sent = np.array([[_sentence_overlap(x, y)[0] for y in sb_list] for x in sa_list])
    if kb.has_dense:
        va = kb.backend.vectors(np.array([c.row for c in ca], dtype=np.int64))
        vb = kb.backend.vectors(np.array([c.row for c in cb], dtype=np.int64))
        cos = np.asarray(va @ vb.T, dtype=np.float64)
        score = _z(cos) + _z(lex) + ALIGN_TOPIC * top + ALIGN_SENTENCE * _z(sent)
    else:
        cos = np.zeros_like(lex)
        score = 2 * _z(lex) + ALIGN_TOPIC * top + ALIGN_SENTENCE * _z(sent)  # the lexical z stands in for both
    k = ALIGN_MUTUAL_K
    row_rank = np.argsort(np.argsort(-score, axis=1), axis=1)
    col_rank = np.argsort(np.argsort(-score, axis=0), axis=0)
    # Shared wording for the floor means shared nouns: 建立档案 and 建立…机制 share only a verb.
    nouns_a, nouns_b = [_noun_terms(a.text) for a in ca], [_noun_terms(b.text) for b in cb]
    shared = np.array([[_weighted_overlap(kb, x, y) if x & y else 0.0 for y in nouns_b] for x in nouns_a])
    ok = ((score >= tau) & (row_rank < k) & (col_rank < k)
          & ((shared >= ALIGN_MIN_LEXICAL) | (top > 0)))
    for i, a in enumerate(ca):
        for j in sorted(np.flatnonzero(ok[i]), key=lambda j: -score[i, j]):
            b = cb[j]
            _, sa, sb = _sentence_overlap(sa_list[i], sb_list[j])
            result.pairs.append(AlignedPair(
                a=a, b=b, score=float(score[i, j]), confidence=pair_confidence(float(score[i, j])),
                signals={"dense": float(cos[i, j]), "lexical": float(lex[i, j]), "topic": float(top[i, j]),
                         "sentence": float(sent[i, j])},
                a_span=sa, b_span=sb, diff=clause_diff(a, b, kb) if diffs else None,
            ))
    result.absent = [a for i, a in enumerate(ca) if not ok[i].any()]
    result.local_only = [b for j, b in enumerate(cb) if not ok[:, j].any()]
    a_text = match_form("".join(c.text for c in kb.clauses_of(da.id)))
    for b in cb:
        named = [t for t in dict.fromkeys(_QUOTED.findall(b.text)) if match_form(t) not in a_text]
        if named:
            result.local_terms[b.id] = named
    return result


_QUOTED = re.compile(r"[“\"「]([^“”\"「」，。；]{2,12})[”\"」]")

