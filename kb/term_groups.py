"""Question → its terms as weighted groups: each thesaurus word with the policy terms it stands for, then every
other token, each weighted by its IDF in the index (a word found nowhere by its rarity in general Chinese)."""

from __future__ import annotations

import numpy as np

from .relevance import (
    SINGLE_CHAR_SHARE,
    TermGroup,
    idf,
    spoken_words,
    unknown_idf,
    unknown_weight,
)
from .thesaurus import Expansion


def term_groups(kb, tokens: list[str], expansions: list[Expansion], mask,
                fillers: frozenset[str] = frozenset(), text: str = "") -> list[TermGroup]:
    """The question's terms as groups: each thesaurus word with its policy terms, then every other token.
    A term no clause in scope contains gets the IDF of a term found nowhere, less when `text` (the question)
    says it as a word of speech (kb.relevance.SPEECH_TAGS)."""
    from .bm25 import unique_tokens
    from .question import COMMON_TERM_SHARE
    from .tokenize import get_tokenizer

    n = max(1, kb.backend.count())
    top = unknown_idf(n)
    tok = get_tokenizer()
    own_tokens = {e.word: [t for t in tok.tokenize(e.word) if t] for e in expansions}
    alt_tokens = {e.word: [[t for t in tok.tokenize(a) if t] for a in e.terms] for e in expansions}
    words = list(dict.fromkeys([*tokens, *(t for ts in own_tokens.values() for t in ts),
                                *(t for alts in alt_tokens.values() for ts in alts for t in ts)]))
    df = kb.backend.document_frequencies(words) if words else {}
    if mask is not None:  # within the filtered scope: a term the selected documents never use counts as absent
        scope = np.flatnonzero(mask)
        present = kb.backend.contains(words, scope) if words and scope.size else np.zeros((len(words), 0), bool)
        df = {t: int(present[i].sum()) for i, t in enumerate(words)}

    speech = spoken_words(tok.tag_words(text)) if text else frozenset()

    def weight(term: str) -> float:
        d = df.get(term, 0)
        w = idf(d, n) if d else unknown_weight(n, _absent_rarity(tok, term), any(term in w for w in speech))
        return w * SINGLE_CHAR_SHARE if len(term) == 1 else w

    groups: list[TermGroup] = []
    used: set[str] = set()
    for e in expansions:
        own = own_tokens[e.word]
        used.update(own)
        w = max((weight(t) for t in own), default=top)
        # The word asks for the policy terms it stands for: it weighs at least as much as the most telling of
        # them does in the index (a phrase is at least as rare as its rarest token).
        alt = [max(idf(df[t], n) for t in ts) for ts in alt_tokens[e.word] if ts and all(df.get(t) for t in ts)]
        groups.append(TermGroup(e.word, max([w, *alt]), e.terms, False))
    limit = COMMON_TERM_SHARE * n
    # A token inside a thesaurus word belongs to its group: jieba may cut the word one way alone (own_tokens)
    # and another way in the question (小厂), and that piece is not a second term the clause lacks.
    thesaurus_words = [e.word for e in expansions]
    for t in unique_tokens(tokens):
        if t in used or t in fillers or any(t in w for w in thesaurus_words) or \
                (not df.get(t, 0) and _spelled_by_parts(t, tokens, df)):
            continue
        groups.append(TermGroup(t, weight(t), (), df.get(t, 0) > limit))
    return groups


def _absent_rarity(tok, term: str) -> float:
    """How rare an absent question word is in general Chinese. A word jieba's dictionary does not know is the
    segmenter's guess at a boundary (仓库里压着 → 里压), not a subject: it is as rare as its rarest character."""
    if len(term) > 1 and not tok.known(term):
        return max(tok.general_idf(ch) for ch in term)
    return tok.general_idf(term)


def _spelled_by_parts(term: str, tokens: list[str], df: dict[str, int]) -> bool:
    """An absent compound whose every character lies in shorter question tokens the index holds (银行贷款 when
    银行 and 贷款 occur): the parts carry it, so it is no extra term the clause lacks."""
    covered = [False] * len(term)
    for part in set(tokens):
        if part == term or len(part) < 2 or not df.get(part, 0):
            continue
        start = term.find(part)
        while start >= 0:
            covered[start : start + len(part)] = [True] * len(part)
            start = term.find(part, start + 1)
    return len(term) > 2 and all(covered)
