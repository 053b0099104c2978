"""Question → an honest answer: exact lookups first, scope understood, vocabulary bridged, a relevance floor,
diversity across documents, and when nothing passes, nothing (with the reason).

`KnowledgeBase.search` returns `answer(...).hits`; the app and `kb search` show the rest (chips, weaker
candidates on request, why the answer is empty).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from .diversity import diversify
from .lookup import FlatTexts, Lookup, flat, lookup, title_keys
from .models import Hit
from .relevance import (
    EMPTY_MESSAGE,
    MATCH_SEMANTIC,
    Floor,
    TermGroup,
    coverages,
    exact_label,
    load_floor,
    match_label,
    unknown_idf,
)
from .term_groups import term_groups
from .thesaurus import Expansion, default_thesaurus
from .understand import Lexicon, Understanding, understand

WEAK_SHOWN = 5  # weaker candidates offered on request
_CJK = re.compile(r"[^\u4e00-\u9fff0-9a-z]")


@dataclass
class Answer:
    """Everything a search found out: the hits, what was understood, and why it is empty when it is."""

    query: str
    hits: list[Hit] = field(default_factory=list)
    weak: list[Hit] = field(default_factory=list)  # below the floor: shown only on request, labelled
    understanding: Understanding | None = None
    lookup: Lookup | None = None
    expansions: list[Expansion] = field(default_factory=list)
    unknown_terms: list[str] = field(default_factory=list)  # question words no clause (in scope) contains
    message: str = ""  # said when `hits` is empty
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # said beside the hits, e.g. a place the library lacks
    signals: list[dict] = field(default_factory=list, repr=False)  # floor features of hits then weak (bench)

    @property
    def chips(self) -> list[str]:
        return self.understanding.chips if self.understanding else []

    def to_dict(self) -> dict:
        return {
            "query": self.query,
            "hits": [h.to_dict() for h in self.hits],
            "weak": [h.to_dict() for h in self.weak],
            "understood": [c.to_dict() for c in self.understanding.cues] if self.understanding else [],
            "expansions": [{"word": e.word, "terms": list(e.terms), "source": e.source} for e in self.expansions],
            "unknown_terms": self.unknown_terms,
            "message": self.message,
            "reasons": self.reasons,
            "notes": self.notes,
        }


def _state(kb) -> dict:
    """Per-knowledge-base caches: the scope lexicon, the documents' title keys, each clause's flattened text and
    all of them joined (for quoted phrases: joined on the first question that quotes one)."""
    st = kb.__dict__.get("_answer_state")
    if st is None:
        st = {"lexicon": Lexicon.build(kb.documents), "titles": title_keys(kb.documents), "flat": {},
              "texts": FlatTexts(lambda: [_flat_row(kb, r) for r in range(len(kb.clauses))])}
        kb.__dict__["_answer_state"] = st
    return st


def warm_up(kb) -> None:
    """Load what answering reads once (scope lexicon, gazetteer, thesaurus, floor) before the first question."""
    from .regions import places_in
    from .tokenize import get_tokenizer

    _state(kb)
    places_in("苏州的企业")  # a short form: initialises the word check the gazetteer runs on it
    get_tokenizer().tag_words("企业")  # the part-of-speech tagger that finds words of speech (term_groups)
    default_thesaurus()
    load_floor((kb.manifest.get("model") or {}).get("name", ""))
    load_floor("")


def _flat_row(kb, row: int, cache: dict | None = None) -> str:
    """A clause's text as `flat` gives it, kept in `cache` (the knowledge base's own by default)."""
    cache = _state(kb)["flat"] if cache is None else cache
    text = cache.get(row)
    if text is None:
        text = flat(kb.clauses[row].text)
        if len(cache) < 200_000:
            cache[row] = text
    return text


def _phrase(query: str, texts: list[str]) -> np.ndarray:
    from .text import normalize

    chars = _CJK.sub("", normalize(query).lower())
    grams = {chars[i : i + 3] for i in range(len(chars) - 2)}
    if not grams:
        return np.zeros(len(texts))
    return np.array([sum(map(t.__contains__, grams)) / len(grams) for t in texts])


def _scope_scores(kb, u: Understanding, rows: np.ndarray) -> np.ndarray:
    """Share of the question's scope cue kinds (region, level, issuer, year) each candidate's document meets."""
    from .lookup import in_scope

    kinds = [k for k in ("region", "level", "issuer", "year") if u.of(k)]
    out = np.zeros(rows.size)
    if not kinds:
        return out
    per_doc = []
    for d in kb.documents:
        met = sum(any(in_scope(d, c) for c in u.of(k)) for k in kinds)
        per_doc.append(met / len(kinds))
    per_doc = np.asarray(per_doc)
    return per_doc[kb._doc_rows[rows]]


def _applies_to_named_places(kb, u: Understanding, rows: np.ndarray) -> np.ndarray:
    """Whether each candidate's document applies where the question asks, when it names places the index holds
    no document for: national documents apply everywhere, a local one only in its own division (or one that
    encloses or lies in the place named). Where some local document of a named place exists, all stay: the
    scope boost ranks them, and the question may compare places."""
    places = [c.value for c in u.of("region")]
    if not places:
        return np.ones(rows.size, dtype=bool)

    def local_there(d) -> bool:
        return d.level != "national" and bool(d.region) and any(
            p in d.region or p.startswith(d.region) for p in places)

    there = np.array([d.level == "national" or local_there(d) for d in kb.documents], dtype=bool)
    if any(local_there(d) for d in kb.documents):
        return np.ones(rows.size, dtype=bool)
    return there[kb._doc_rows[rows]]


def answer(kb, query: str, k: int = 10, filters=None, retriever: str = "hybrid", drop_cues=(),
           weak: int = WEAK_SHOWN, use_floor: bool = True, floor: Floor | None = None) -> Answer:
    """The full search. `drop_cues` are cue keys ("region:洛阳市") the user removed; `use_floor=False` keeps
    every candidate (benchmarks fit the floor on those); `floor` replaces the fitted one."""
    from .backends import Selection
    from .errors import ModelUnavailableError, QueryError
    from .fusion import ANSWER_SIGNALS, fuse
    from .question import RETRIEVERS, clean_query
    from .text import found_terms, term_spans
    from .tokenize import get_tokenizer

    if retriever not in RETRIEVERS:
        raise QueryError(f"未知检索方式“{retriever}”，可选 {'、'.join(RETRIEVERS)}")
    query = clean_query(query)
    out = Answer(query)
    mask = kb.mask(filters)
    if not query or k <= 0 or not kb.clauses or (mask is not None and not mask.any()):
        if query and mask is not None and not mask.any():
            out.message = "没有条款满足所选的筛选条件（筛选条件可能过窄），请放宽或清除部分条件"
        return out
    if retriever == "dense" and not kb.has_dense:
        raise ModelUnavailableError(kb.notices[0] if kb.notices else "索引未包含向量")
    w = kb.weights
    st = _state(kb)
    hybrid = retriever == "hybrid"
    u = understand(query, st["lexicon"]) if hybrid else Understanding(query, [], query)
    if drop_cues:
        u = u.without(drop_cues)
    out.understanding = u
    lk = lookup(u, kb.documents, kb.clauses, lambda r: _flat_row(kb, r, st["flat"]), st["titles"], st["texts"]) \
        if hybrid else Lookup()
    out.lookup = lk
    if lk.missing_phrases and not lk.documents and not _outside_quotes(query, u):
        _explain(kb, out, [], filters)  # only quoted text was asked, and no clause holds it: nothing to show
        return out
    tok = get_tokenizer()
    residual = lk.rest if lk.documents else u.residual
    tokens = tok.tokenize(residual)
    # Nothing asked beyond the scope or the named document: words with no content of their own (文件, 文), or
    # words of the named document's own title (广东 碳排放 管理办法 names the document and asks nothing more).
    titles = [key for d, key in zip(kb.documents, st["titles"], strict=True) if d.id in lk.how] if lk.how else []
    nothing_asked = all(t in st["lexicon"].fillers or any(t in k for k in titles) for t in tokens)
    if hybrid and nothing_asked and not lk.documents and not lk.phrases:
        # Nothing asked but a scope (广东, 县里, 人民银行): the documents in it, each from its start.
        from .lookup import in_scope

        scope = [c for c in u.cues if c.kind in ("region", "level", "issuer", "bodies", "year")]
        for d in kb.documents if scope else ():
            if all(any(in_scope(d, c) for c in u.cues if c.kind == kind) for kind in {c.kind for c in scope}):
                lk.documents.append(d.id)
                lk.how[d.id] = "范围"
    expansions = default_thesaurus().expand(residual) if hybrid and w.expansion > 0 else []
    out.expansions = expansions
    exp_tokens = [t for e in expansions for term in e.terms for t in tok.tokenize(term)]
    exp_tokens = [t for t in dict.fromkeys(exp_tokens) if t not in tokens]

    n_cand = max(k * 3, w.candidates)
    use_bm25 = retriever in ("hybrid", "bm25")
    use_dense = retriever in ("hybrid", "dense") and kb.has_dense
    where = Selection(filters, mask)
    qvec = kb.query_vector(query) if use_dense else None
    got = kb.backend.candidates(tokens if use_bm25 and tokens else None, qvec, n_cand, where)
    cand = [got.rows]
    if use_bm25 and exp_tokens:
        cand.append(kb.backend.candidates(exp_tokens, None, n_cand, where).rows)
    named_rows = np.zeros(0, dtype=np.int64)
    if lk.documents:
        doc_index = kb._doc_index
        named_rows = np.flatnonzero(np.isin(kb._doc_rows, [doc_index[d] for d in lk.documents]))
    exact = np.asarray(sorted(set(lk.pinned) | lk.phrase_rows), dtype=np.int64)
    cand += [named_rows, exact]
    rows = np.unique(np.concatenate(cand)).astype(np.int64)
    if mask is not None and rows.size:
        rows = rows[mask[rows]]
    groups = term_groups(kb, tokens, expansions, mask, st["lexicon"].fillers, residual) \
        if tokens or expansions else []
    top_idf = unknown_idf(kb.backend.count())
    out.unknown_terms = [g.term for g in groups if len(g.term) >= 2 and g.weight >= 0.5 * top_idf
                         and all(_absent(kb, t, mask) for t in (g.term, *g.alternatives))]
    if rows.size == 0:
        _explain(kb, out, groups, filters)
        return out
    same = got.rows.size == rows.size and np.array_equal(got.rows, rows)  # no extra rows: reuse the scores
    bm25_rows = None
    if use_bm25 and tokens:
        bm25_rows = got.bm25 if same and got.bm25 is not None else kb.backend.bm25_scores(tokens, rows)
    exp_rows = kb.backend.bm25_scores(exp_tokens, rows) if use_bm25 and exp_tokens else None
    dense_rows = None
    if qvec is not None:
        dense_rows = got.dense if same and got.dense is not None else kb.backend.vector_scores(qvec, rows)

    parts: dict[str, np.ndarray] = {}
    texts = [_flat_row(kb, r, st["flat"]) for r in rows.tolist()]
    has = [t.__contains__ for t in texts]  # has[i](term): the candidate's text holds the term
    cov = coverages(groups, texts, w.partial) if groups else np.zeros(rows.size)
    phrase = _phrase(residual, texts)
    if bm25_rows is not None:
        parts["bm25"] = np.asarray(bm25_rows, dtype=np.float64)
    if exp_rows is not None:
        parts["expansion"] = np.asarray(exp_rows, dtype=np.float64)
    dense_raw = None
    if dense_rows is not None:
        dense_raw = np.asarray(dense_rows, dtype=np.float64)
        parts["dense"] = dense_raw
        if kb.sentences is not None and w.sentence > 0:
            # A clause as close as its best sentence (kb/sentences.py): ranking and floor read the mix.
            best = kb.sentences.best(qvec, rows)
            parts["sentence"] = np.where(np.isnan(best), dense_raw, best)
            dense_raw = w.sentence * parts["sentence"] + (1 - w.sentence) * dense_raw
    if hybrid:
        parts["coverage"], parts["phrase"] = cov, phrase
        if w.topic:
            parts["topic"] = kb._topic_scores(residual or query, rows)
        if w.scope:
            parts["scope"] = _scope_scores(kb, u, rows)
    # Ranking reads the dense side as mixed with the best sentence; `parts` keeps the clause's own cosine.
    fused = fuse(parts | ({"dense": dense_raw} if dense_raw is not None else {}), w, ANSWER_SIGNALS,
                 both=use_bm25 and use_dense)
    floor = floor or load_floor((kb.manifest.get("model") or {}).get("name", "") if use_dense else "")
    floor_dense = dense_raw if use_dense else None
    relevance = floor.probability(cov, floor_dense, phrase)

    # Tiers: a clause named by path, then clauses holding the quoted phrases, then the named documents'
    # clauses, then the rest. Exact tiers pass whatever the floor says; they are what was asked for.
    tier = np.full(rows.size, 3)
    named = set(named_rows.tolist())
    pinned, quoted = set(lk.pinned), lk.phrase_rows
    for i, r in enumerate(rows.tolist()):
        if r in pinned:
            tier[i] = 0
        elif r in quoted:
            tier[i] = 1
        elif r in named:
            tier[i] = 2
    always = (tier <= 1) | ((tier == 2) & nothing_asked)  # what was asked for by name or quotation
    allowed = np.ones(rows.size, dtype=bool)
    if u.of("phrase") and not lk.missing_phrases:
        allowed = tier <= 2  # the question quotes text: only clauses that hold it (or the named document)
    if hybrid:  # another place's local rules do not answer for a place the index has no document of
        allowed &= _applies_to_named_places(kb, u, rows) | (tier <= 1)
    ok = floor.keep_mask(cov, floor_dense, phrase, always, allowed) if use_floor else np.ones(rows.size, bool)
    ordinal = np.array([kb.clauses[int(r)].ordinal for r in rows], dtype=np.float64)
    # Inside a named document with nothing else asked, its clauses in reading order.
    reading = (tier == 2) & nothing_asked
    key_score = np.where(reading, -ordinal, fused)
    # Among the clauses holding a quoted phrase, those whose heading names it (东至县的“降本”: the 降本 clause,
    # not the goal listing 增量、扩面、提质、降本) come first.
    headed = np.array([int(r) in lk.headed for r in rows.tolist()], dtype=bool)
    key_score = np.where(headed & (tier == 1), key_score + 1e3, key_score)
    docs = [kb.clauses[int(r)].doc_id for r in rows]

    def rank(sel: np.ndarray, limit: int) -> list[tuple[int, float]]:
        """(candidate, shown score) best first: tier by tier, diversified among the fuzzy matches; the shown
        score is the fused score less the diversity penalty, lifted where a higher tier must stay above."""
        idx = np.flatnonzero(sel)
        picked: list[tuple[int, float]] = []
        for t in range(4):
            part = idx[tier[idx] == t]
            if not part.size or len(picked) >= limit:
                continue
            pen = w.diversity if t == 3 and hybrid else 0.0
            order = diversify(key_score[part].tolist(), [docs[i] for i in part], limit - len(picked), pen)
            seen: dict[str, int] = {}
            for j in order:
                i = int(part[j])
                picked.append((i, float(fused[i]) - pen * seen.get(docs[i], 0)))
                seen[docs[i]] = seen.get(docs[i], 0) + 1
        shown, floor_score = [], -np.inf
        for i, sc in reversed(picked[:limit]):  # non-increasing down the page
            floor_score = max(floor_score, sc)
            shown.append((i, floor_score))
        return shown[::-1]

    telling = [g.term for g in groups if not g.common] or [g.term for g in groups]
    all_terms = [g.term for g in groups] + [a for g in groups for a in g.alternatives]

    def make(i: int, shown: float, rank_no: int) -> Hit:
        row = int(rows[i])
        clause = kb.clauses[row]
        hit_terms = [g.term for g in groups if not g.common and has[i](g.term)] + \
                    [a for g in groups for a in g.alternatives if has[i](a)]
        terms = found_terms([*hit_terms, *u.values("phrase")], clause.text) or \
            found_terms([t for t in all_terms if t in telling], clause.text)
        how = ("路径", "短语", lk.how.get(clause.doc_id, ""))[min(int(tier[i]), 2)]
        label = exact_label(how) if always[i] else match_label(groups, has[i]) if groups else MATCH_SEMANTIC
        scores = {name: float(v[i]) for name, v in parts.items()}
        if hybrid:
            scores |= {"fused": float(fused[i]), "relevance": float(relevance[i])}
        out.signals.append({"coverage": float(cov[i]), "dense": float(dense_raw[i]) if dense_raw is not None
                            else 0.0, "phrase": float(phrase[i]), "exact": bool(always[i]),
                            "allowed": bool(allowed[i]), "tier": int(tier[i])})
        return Hit(rank=rank_no, score=shown, clause=clause, document=kb.doc_of(clause), scores=scores,
                   matched_terms=terms, spans=[(s, e) for s, e, _ in term_spans(clause.text, terms)],
                   match=label, relevance=float(relevance[i]))

    out.hits = [make(i, sc, n) for n, (i, sc) in enumerate(rank(ok, k), start=1)]
    if weak > 0:
        out.weak = [make(i, sc, n) for n, (i, sc) in enumerate(rank(~ok, weak), start=1)]
    if not out.hits:
        _explain(kb, out, groups, filters)
    else:
        from .lookup import in_scope

        for cue in u.cues:
            if cue.kind in ("region", "level", "issuer") and not any(in_scope(d, cue) for d in kb.documents):
                out.notes.append(f"库中没有“{cue.label}”的文件，以下条款来自其他文件")
    return out


def _outside_quotes(query: str, u: Understanding) -> bool:
    """The question has searchable words beside its quoted phrases."""
    from .tokenize import get_tokenizer

    quoted = [(c.start, c.end) for c in u.of("phrase")]
    rest = "".join(ch for i, ch in enumerate(query) if not any(s <= i < e for s, e in quoted))
    return bool(get_tokenizer().tokenize(rest))


def _absent(kb, term: str, mask) -> bool:
    """No clause (in scope) holds all the term's tokens (document frequencies, then postings in scope)."""
    from .tokenize import get_tokenizer

    tokens = list(dict.fromkeys(get_tokenizer().tokenize(term) or [term]))
    df = kb.backend.document_frequencies(tokens)
    if any(df[t] == 0 for t in tokens):
        return True
    if mask is None and len(tokens) == 1:
        return False
    scope = np.flatnonzero(mask) if mask is not None else np.arange(kb.backend.count())
    return not kb.backend.contains(tokens, scope).all(axis=0).any()


def _explain(kb, out: Answer, groups: list[TermGroup], filters) -> None:
    """The empty answer's message and reasons: words found nowhere, quoted text not found, a scope the library
    has no document for, a narrow filter."""
    from .lookup import in_scope

    scoped = filters is not None and not filters.empty
    out.message = EMPTY_MESSAGE if not scoped else "在当前筛选范围内没有找到与此问题相关的条款"
    for cue in out.understanding.cues if out.understanding else ():
        if cue.kind in ("region", "level", "issuer") and not any(in_scope(d, cue) for d in kb.documents):
            out.reasons.append(f"库中没有“{cue.label}”的文件")
    if out.lookup and out.lookup.missing_phrases:
        out.reasons.append("没有条款包含原文短语：" + "、".join(f"“{p}”" for p in out.lookup.missing_phrases))
    if out.unknown_terms:
        where = "所选范围内的条款" if scoped else "库中任何条款"
        out.reasons.append(f"{'、'.join(f'“{t}”' for t in out.unknown_terms[:8])}在{where}中都没有出现")
    if not groups and not out.reasons:
        out.reasons.append("问题中没有可检索的词语（可能全是停用词或标点），请换一种说法")
    elif groups and (not out.reasons or len(out.unknown_terms) < len(groups)):
        # No word of the app's or the CLI's here: each says itself how to see the weaker candidates, when any.
        out.reasons.append("与问题最接近的条款也只是字面上个别常见词相同或语义泛泛相近，未达到相关性阈值")
