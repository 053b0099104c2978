"""What every comparison shares: which clauses take part, matching forms of text, BM25's IDF, content words."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

from ..errors import QueryError
from ..models import LEVELS, Clause, Document, order_documents

# Clause kinds left out of every comparison: a press release's wrapper, the preamble and the closing
# say what the document is, not what it does.
EXCLUDED_KINDS = ("release", "preamble", "closing")
# Numbered provisions; a small bonus prefers them over unnumbered paragraphs (总体目标 …) on ties.
PROVISION_KINDS = ("measure", "item", "article")

# Topic-only comparisons and coverage: confidence 1 - exp(-score / TOPIC_SCALE) of the clause's tag score, so an
# untagged clause has none, a tag at the tagger's own threshold (2) is weak, and 4 or more a match.
TOPIC_SCALE = 4.0


# ---------------------------------------------------------------- text helpers


@lru_cache(maxsize=65536)
def match_form(text: str) -> str:
    """Matching form: the tokenizer's normalisation (NFKC, 首台（套）→首台套, lower case), no whitespace."""
    from ..tokenize import normalize

    return re.sub(r"\s+", "", normalize(text))


@lru_cache(maxsize=65536)
def unique_tokens(text: str) -> tuple[str, ...]:
    """The text's search tokens, each once, in order."""
    from ..tokenize import get_tokenizer

    return tuple(dict.fromkeys(get_tokenizer().tokenize(text)))


_NUMBERING = re.compile(r"第?[一二三四五六七八九十百零〇]+[条章节款项]?")


def clause_terms(text: str) -> tuple[str, ...]:
    """Tokens worth comparing two clauses on: two characters or more, no outline numbering.

    Markers (二、 第二条 （十一）) say where a clause sits, not what it says; left in, 二、加强草坪养护 and
    第二条 融资担保机构应当 share a term.
    """
    return tuple(t for t in unique_tokens(text) if len(t) >= 2 and not _NUMBERING.fullmatch(t))


_INSERT = re.compile(r"(?<=[\u4e00-\u9fff])\(([\u4e00-\u9fff]{1,3})\)")


class Located:
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
        term = match_form(term)
        out, start = [], 0
        while term:
            i = self.flat.find(term, start)
            if i < 0:
                break
            out.append((self.pos[i], self.pos[i + len(term) - 1] + 1))
            start = i + len(term)
        return out


def longest_first(terms: Iterable[str]) -> list[str]:
    """Terms without those contained in a longer one of them: 保险 goes when 出口信用保险 is there."""
    found = sorted(dict.fromkeys(terms), key=len, reverse=True)
    return [t for i, t in enumerate(found) if not any(t in longer for longer in found[:i])]


def doc_freq(kb, token: str) -> int:
    i = kb.bm25.vocab.get(token)
    return 0 if i is None else int(kb.bm25.indptr[i + 1] - kb.bm25.indptr[i])


def bm25_idf(kb, token: str) -> float:
    """BM25's own IDF (Lucene form), so weights agree with the keyword index."""
    n = kb.bm25.num_docs
    df = doc_freq(kb, token)
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


_CONTENT_FLAGS = ("n", "vn", "an", "eng", "j", "l", "i")  # jieba POS: nouns, verbal nouns, abbreviations, idioms
_pos_tokenizer = None


def content_words(text: str) -> set[str]:
    """Words of the text that jieba tags as nouns or the like (our own jieba instance, domain dictionary).

    Verbs and adverbs (改善, 注重, 尽快) say how, not what, so they make poor differences.
    """
    global _pos_tokenizer
    if _pos_tokenizer is None:
        import jieba.posseg

        from ..tokenize import get_tokenizer

        _pos_tokenizer = jieba.posseg.POSTokenizer(get_tokenizer()._jieba)
    from ..tokenize import normalize

    return {p.word for p in _pos_tokenizer.cut(normalize(text)) if p.flag.startswith(_CONTENT_FLAGS)}


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
