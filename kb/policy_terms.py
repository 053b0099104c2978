"""Which words of a clause are policy terms: domain dictionary, topic keywords, quoted names, named schemes.

"Distinctive terms" shown beside a comparison must tell one document's treatment of a measure from another's.
Generic prose (架构, 考量, 努力争取, 积极关注) never does, however rare it is in the corpus; the policy
vocabulary does: what kb/data/userdict.txt and kb/data/topics.toml list (科创指数贷, 首台套保险, 应收账款融资),
names a document puts in quotation marks (“险资入洛”), and words built like a named scheme (…贷, …险, …通).
Numbers are handled as targets (kb/targets.py), not as terms. The CLI and the app both use this one rule.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from .text import quotation

# A named scheme: a short word ending in what loan, insurance and service products are called.
_SCHEME_RE = re.compile(r"^[\u4e00-\u9fff]{2,6}(?:贷|险|通|保|券|债|指数|基金)$")
# “险资入洛”, 「科创指数贷」: a quoted name of two to twelve characters without punctuation.
_QUOTED_RE = quotation(2, 12, also_not=r"，。；、：:,;\s")
# Quoted words that are not names: slogans and emphasis staff would not compare on.
_NOT_NAMES_RE = re.compile(r"^(?:[一二两三四五六七八九十]+[个不大化]|.*[的了吗呢])")
MIN_LEN = 2
KEYWORD_MIN_LEN = 4


def _norm(text: str) -> str:
    from .text import match_form  # the one matching form (kb/text.py)

    return match_form(text)


@cache
def vocabulary() -> frozenset[str]:
    """The policy vocabulary in matching form: domain dictionary words and topic phrases."""
    from .tokenize import USERDICT_PATH, read_userdict
    from .topics import default_taxonomy

    words = {w for w, _, _ in read_userdict(USERDICT_PATH)}
    for topic in default_taxonomy():
        # Strong phrases name the topic; plain keywords only when long enough to be a term (应收账款), since
        # short ones are there to add evidence (统筹, 牵头, 宣传) and say nothing on their own.
        words.update(_norm(p) for p in (*topic.strong, topic.label))
        words.update(_norm(p) for p in topic.keywords if len(_norm(p)) >= KEYWORD_MIN_LEN)
    return frozenset(w for w in words if len(w) >= MIN_LEN and not re.fullmatch(r"[\d.%+\-]+", w))


def quoted_names(text: str) -> list[str]:
    """Names the text puts in quotation marks, in order, without repeats."""
    names = [m.group(1) for m in _QUOTED_RE.finditer(text)]
    return list(dict.fromkeys(n for n in names if not _NOT_NAMES_RE.match(n)))


def is_policy_term(term: str) -> bool:
    """In the vocabulary, or built like a named scheme (科创指数贷, 税融通)."""
    t = _norm(term)
    return len(t) >= MIN_LEN and (t in vocabulary() or bool(_SCHEME_RE.match(t)))


@lru_cache(maxsize=16384)
def policy_terms(text: str) -> list[str]:
    """The policy terms of a text in order of first appearance, longest first where they overlap.

    Vocabulary phrases are found in the text itself (not only as tokens, so 首台套保险 counts though the
    tokenizer cuts it in two), then quoted names and scheme-like tokens.
    """
    from .tokenize import get_tokenizer

    flat = _norm(text)
    found: dict[str, int] = {}
    for word in vocabulary():  # every occurrence, overlapping ones too: 融资担保费率 holds 融资担保 and 担保费率
        i = flat.find(word)
        if i >= 0:
            found[word] = i
    for name in quoted_names(text):
        n = _norm(name)
        found.setdefault(n, flat.find(n))
    for token in get_tokenizer().tokenize(text):
        if token not in found and _SCHEME_RE.match(token):
            found[token] = flat.find(token)
    terms = [t for t, _ in sorted(found.items(), key=lambda kv: (kv[1], -len(kv[0])))]
    return [t for t in terms if not any(t != u and t in u for u in terms)]  # 信用贷 goes when 信用贷款 is there

