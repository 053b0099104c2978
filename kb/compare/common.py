"""What every comparison shares: which clauses take part, matching forms of text, BM25's IDF, content words."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from ..errors import QueryError
from ..models import LEVELS, Clause, Document, order_documents
from ..text import CN_NUMERALS, Located, longest_first, match_form, normalize

__all__ = ["Located", "longest_first", "match_form"]  # the text rules comparisons use, from kb/text.py

# Clause kinds left out of every comparison: a press release's wrapper, the preamble and the closing
# say what the document is, not what it does.
EXCLUDED_KINDS = ("release", "preamble", "closing")
# One measure across documents (compare_measure) reads the preamble too, as part of the document's general part
# (overview): a document may state a measure nowhere else (006's policy period, 008's key industries), and the
# ranking's `operative` weight puts a numbered clause that acts on the measure before it.
MEASURE_EXCLUDED_KINDS = ("release", "closing")
# Numbered provisions; a small bonus prefers them over unnumbered paragraphs (总体目标 …) on ties.
PROVISION_KINDS = ("measure", "item", "article")
# The headings of a document's general part: what it is guided by and holds to, said before its measures. A measure
# named there (支持…股权融资 among 总体要求's goals, 战略性新兴产业 among 基本原则) is restated where the document acts
# on it. Targets (总体目标) are not among them: a county's 增量 / 提质 items are its measures' only statement.
GENERAL_PART = re.compile(r"总体要求|指导思想|基本原则")


def overview(clause: Clause) -> bool:
    """The clause belongs to the document's general part: the preamble or an unnumbered general paragraph (kinds
    "preamble", "general"), or a clause headed, or under a part headed, 总体要求 / 指导思想 / 基本原则 (GENERAL_PART)."""
    return clause.kind in ("general", "preamble") or any(GENERAL_PART.search(h) for h in (clause.heading, *clause.parents) if h)

# Topic-only comparisons and coverage: confidence 1 - exp(-score / TOPIC_SCALE) of the clause's tag score, so an
# untagged clause has none, a tag at the tagger's own threshold (2) is weak, and 4 or more a match.
TOPIC_SCALE = 4.0


# ---------------------------------------------------------------- text helpers


@lru_cache(maxsize=65536)
def unique_tokens(text: str) -> tuple[str, ...]:
    """The text's search tokens, each once, in order."""
    from ..tokenize import get_tokenizer

    return tuple(dict.fromkeys(get_tokenizer().tokenize(text)))


_NUMBERING = re.compile(rf"第?[{CN_NUMERALS}]+[条章节款项]?")


def clause_terms(text: str) -> tuple[str, ...]:
    """Tokens worth comparing two clauses on: two characters or more, no outline numbering.

    Markers (二、 第二条 （十一）) say where a clause sits, not what it says; left in, 二、加强草坪养护 and
    第二条 融资担保机构应当 share a term.
    """
    return tuple(t for t in unique_tokens(text) if len(t) >= 2 and not _NUMBERING.fullmatch(t))


def doc_freq(kb, token: str) -> int:
    """How many clauses hold the token, as the retrieval backend counts them."""
    return kb.backend.document_frequencies([token])[token]


def bm25_idf(kb, token: str) -> float:
    """The keyword index's own IDF of a token, so weights agree with BM25 (absent tokens at their full IDF)."""
    from ..bm25 import lucene_idf

    return lucene_idf(doc_freq(kb, token), kb.backend.count())


_CONTENT_FLAGS = ("n", "vn", "an", "eng", "j", "l", "i")  # jieba POS: nouns, verbal nouns, abbreviations, idioms
def content_words(text: str) -> set[str]:
    """Words of the text that jieba tags as nouns or the like (our own jieba instance, domain dictionary).

    Verbs and adverbs (改善, 注重, 尽快) say how, not what, so they make poor differences.
    """
    from ..tokenize import get_tokenizer

    return {word for word, flag in get_tokenizer().tag_words(normalize(text)) if flag.startswith(_CONTENT_FLAGS)}


def select_documents(kb, documents: Sequence[str] | None, levels: Sequence[str] | None) -> list[Document]:
    """The documents named (ids or file names; all when none), restricted to `levels`, in comparison order."""
    for lvl in levels or ():
        if lvl not in LEVELS:
            raise QueryError(f"未知层级“{lvl}”，可选 {'、'.join(LEVELS)}")
    docs = [kb.document(k) for k in documents] if documents else list(kb.documents)
    docs = list({d.id: d for d in docs}.values())
    if levels:
        docs = [d for d in docs if d.level in levels]
    return order_documents(docs)


def eligible(kb, doc: Document, exclude: Sequence[str] = EXCLUDED_KINDS) -> list[Clause]:
    """The document's clauses that take part in a comparison."""
    return [c for c in kb.clauses_of(doc.id) if c.kind not in exclude]
