"""A measure as a comparison reads it: its words and policy terms, and how far a clause's text states them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from .common import match_form

SCALE_SAMPLE = 50_000  # clauses sampled for the query's median cosine and the key terms' IDF
INSTANCE_CREDIT = 0.7  # a named instance of a key term (碳减排支持工具 for 结构性货币政策工具) counts this much


@dataclass
class _Query:
    text: str  # for the dense model
    tokens: list[str]  # unique search tokens
    words: list[str]  # tokens not contained in a longer token: the measure's words
    idf: dict[str, float]
    topics: dict[str, float]  # topic key → weight, summing to 1
    topic_only: str = ""
    keys: dict[str, float] = field(default_factory=dict)  # the measure's policy terms → weight (_key_terms)
    instances: dict[str, tuple[str, ...]] = field(default_factory=dict)  # key term → what counts as one (_instances)
    split: dict[str, re.Pattern] = field(default_factory=dict)  # key term → its form with a modifier inside
    bound: dict[str, tuple[str, ...]] = field(default_factory=dict)  # key term → other words it is part of (_bound_in)


_SENTENCE_END = re.compile(r"[。；;！？!?]")
_PUNCT = "，,、。；;：:！？!?“”（）()《》"
SPLIT_GAP = 4  # characters a modifier may put inside a key term (民营制造业企业 for 民营企业)
# The last index's clause list, its sampled clause texts in matching form and the IDFs asked of them.
_SAMPLE: dict = {}


def _key_terms(kb, text: str) -> dict[str, float]:
    """The measure's policy terms (kb/policy_terms.py vocabulary, nested ones too) → IDF × times said.

    Nested terms count each time they are said, alone or inside a longer one: in 加大首贷户信贷投放，扩大首贷
    覆盖面 the measure says 首贷 twice and 信贷投放 once, so a clause on 首贷 outranks one on 信贷投放. The IDF is
    over clauses holding the term as written (a term the tokenizer cuts in two still counts as one).
    """
    from ..policy_terms import vocabulary

    flat = match_form(text)
    found = [w for w in vocabulary() if w in flat]
    return {w: _substring_idf(kb, w) * flat.count(w) for w in found}


def _substring_idf(kb, term: str) -> float:
    """IDF over clauses holding the term as written (a sample of SCALE_SAMPLE on large indexes), kept for the
    index last asked about."""
    from ..bm25 import lucene_idf

    if _SAMPLE.get("clauses") is not kb.clauses or _SAMPLE.get("count") != len(kb.clauses):
        step = max(1, len(kb.clauses) // SCALE_SAMPLE)
        _SAMPLE.update(clauses=kb.clauses, count=len(kb.clauses), texts=[match_form(c.text) for c in kb.clauses[::step]], idf={})
    idf, texts = _SAMPLE["idf"], _SAMPLE["texts"]
    if term not in idf:
        idf[term] = lucene_idf(sum(term in t for t in texts), len(texts))
    return idf[term]


def _instances(keys: dict[str, float], taxonomy) -> dict[str, tuple[str, ...]]:
    """What else meets a key term, at INSTANCE_CREDIT: the other names of its thesaurus group (技改 for 技术改造,
    kb/data/thesaurus.toml abbreviations), and, for a key term naming a topic of the taxonomy (结构性货币政策工具
    holds 货币政策工具), that topic's strong phrases: 碳减排支持工具 and 再贷款 are such tools."""
    from ..thesaurus import default_thesaurus

    entries = default_thesaurus().entries
    out: dict[str, list[str]] = {}
    for term in keys:
        names, source = entries.get(term, ((), ""))
        if source == "abbreviation":
            out.setdefault(term, []).extend(names)
        for topic in taxonomy:
            if match_form(topic.label) in term:
                out.setdefault(term, []).extend(match_form(p) for p in topic.strong)
    return {t: tuple(dict.fromkeys(n for n in names if n != t)) for t, names in out.items()}


def _split_forms(keys: dict[str, float]) -> dict[str, re.Pattern]:
    """Each key term of four characters or more, written with a modifier inside it: 民营企业 as 民营制造业企业,
    信用贷款 as 信用类贷款 (both halves of two characters or more, at most SPLIT_GAP characters
    between them, no punctuation)."""
    out = {}
    for term in keys:
        if len(term) >= 4:
            halves = "|".join(f"{re.escape(term[:i])}[^{_PUNCT}]{{1,{SPLIT_GAP}}}{re.escape(term[i:])}"
                              for i in range(2, len(term) - 1))
            out[term] = re.compile(halves)
    return out


@cache
def _named_together() -> dict[str, frozenset[str]]:
    """Each word of the thesaurus (matching form) → the words one of its entries names beside it (kb/data/
    thesaurus.toml: 小企业 = 小微企业, 中小企业, 中小微企业; 发债券 = 债券): the thesaurus treats them as names of
    one subject."""
    from ..thesaurus import default_thesaurus

    out: dict[str, set[str]] = {}
    for word, (names, _source) in default_thesaurus().entries.items():
        group = {match_form(w) for w in (word, *names) if w}
        for w in group:
            out.setdefault(w, set()).update(group - {w})
    return {w: frozenset(g) for w, g in out.items()}


@cache
def _lexicon() -> frozenset[str]:
    """Every term the project knows, in matching form: the policy vocabulary and the thesaurus's words."""
    from ..policy_terms import vocabulary
    from ..thesaurus import default_thesaurus

    words = set(vocabulary())
    for word, (names, _source) in default_thesaurus().entries.items():
        words.add(word)
        words.update(names)
    return frozenset(match_form(w) for w in words if w)


def _bound_in(keys: dict[str, float], instances: dict[str, tuple[str, ...]],
              lexicon: frozenset[str] | None = None,
              together: dict[str, frozenset[str]] | None = None) -> dict[str, tuple[str, ...]]:
    """Each key term and each other name of one (_instances) → the longer terms of the lexicon that hold it
    after one single character: there that character binds to the word's first one and makes another word
    (永续贷 is 永续 + 贷, not a 续贷; 再贷款, the central bank's relending, is not a 贷款). A longer modifier names a
    kind of the term (无还本续贷, 制造业中长期贷款) and a word at the start is still said (首贷户), so those count;
    so does a longer term the measure names itself or that is another name of a key term, and one that opens with
    a word the thesaurus names beside the term (_named_together: 中小微企业 and 中小微企业融资 for 小微企业, 发债券 for
    债券, 保险资金 for 险资), since the thesaurus holds them for one subject. `lexicon`: _lexicon(); `together`:
    _named_together()."""
    lexicon = _lexicon() if lexicon is None else lexicon
    together = _named_together() if together is None else together
    words = {*keys, *(n for names in instances.values() for n in names)}
    out = {}
    for word in words:
        named = together.get(word, frozenset())
        longer = tuple(w for w in lexicon if len(w) > len(word) and w.startswith(word, 1) and w not in words
                       and not any(w.startswith(n) and len(n) > len(word) for n in named))
        if longer:
            out[word] = longer
    return out


def _said(q: _Query, term: str, text: str) -> bool:
    """The text holds the word as written, at least once not as part of a longer word (_bound_in)."""
    bound = q.bound.get(term, ())
    start = text.find(term)
    while start >= 0:
        if not (start and any(text.startswith(w, start - 1) for w in bound)):
            return True
        start = text.find(term, start + 1)
    return False


def _meets(q: _Query, term: str, text: str) -> float:
    """How far the text states a key term: 1 as written, INSTANCE_CREDIT for another name of it (_instances),
    either not as part of another word (_said), or the term with a modifier inside it (_split_forms), else 0."""
    if _said(q, term, text):
        return 1.0
    if any(_said(q, p, text) for p in q.instances.get(term, ())):
        return INSTANCE_CREDIT
    split = q.split.get(term)
    return INSTANCE_CREDIT if split is not None and split.search(text) else 0.0


def _key_share(q: _Query, text: str) -> float:
    total = sum(q.keys.values())
    if not total:
        return 0.0
    return sum(weight * _meets(q, term, text) for term, weight in q.keys.items()) / total


def _lacks_keys(q: _Query, key_found: float, text: str) -> float:
    """1 when the clause states none of the measure's policy terms (nor another name of one), or, for a measure that
    names none, none of its words whole (计算 inside 云计算 is no 计算机), else 0.

    A measure written in general words (政策的施行日期和有效期限, 为企业提供一对一融资辅导) names no term a clause
    could lack, so only sharing no word counts against a clause: until session 4 such a measure's every clause
    carried the penalty, and its judged clauses in fresh3 fell below the floor (6 of 55 pairs)."""
    return float(key_found == 0.0) if q.keys else float(not any(w in text for w in q.words))


def _key_sentence(q: _Query, body: str) -> float:
    """The best single sentence's share of the measure's key terms."""
    return max((_key_share(q, s) for s in _SENTENCE_END.split(body) if s), default=0.0)


def _coverage(q: _Query, text: str) -> float:
    """IDF share of the measure's words the text holds: whole words, partial credit for their tokens."""
    got = 0.0
    for w in q.words:
        present = [len(t) / len(w) for t in q.tokens if t in w and t in text]
        got += q.idf[w] * max(present, default=0.0)
    return got / (sum(q.idf[w] for w in q.words) or 1.0)


def _best_sentence(q: _Query, body: str) -> float:
    """The best single sentence's share of the measure's words: a clause that treats a measure states it in one
    sentence (加强民营制造业企业金融服务 beside 平等对待各类所有制企业); one that touches it in passing spreads
    its words over sentences about other subjects."""
    return max((_coverage(q, s) for s in _SENTENCE_END.split(body) if s), default=0.0)
