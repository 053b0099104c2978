"""How two clauses differ: targets side by side, responsible units, the distinctive terms each has."""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher

from ..models import Clause, Target
from .common import Located, bm25_idf, doc_freq, longest_first, match_form
from .results import ClauseDiff, DiffTerm, TargetPair

# Words too common in policy text to tell two clauses apart, used when no index is at hand to
# measure document frequency (with an index, terms in more than COMMON_DF of clauses are dropped).
COMMON_DF = 0.2
GENERIC_TERMS = frozenset(
    "金融 机构 金融机构 企业 制造业 制造 支持 加强 推动 推进 完善 提升 服务 金融服务 发展 鼓励 积极 引导 进一步 "
    "加大 银行 相关 工作 建立 健全 开展 提供 强化 优化 做好 力度 水平 机制 政策 实施 有效 持续 不断 充分 各类 "
    "重点 领域 方面 情况 要求 落实 结合 实际 用好 发挥 作用 创新 体系 能力 合理 加快 深化 银行业 保障".split()
)


def _distinctive(kb, token: str) -> bool:
    """A term worth showing as a difference: two characters or more, not a number, not everyday policy prose."""
    if len(token) < 2 or re.fullmatch(r"[\d.%]+", token):
        return False
    if kb is not None and getattr(kb, "backend", None) is not None and kb.backend.count() >= 20:
        return doc_freq(kb, token) / kb.backend.count() <= COMMON_DF
    return token not in GENERIC_TERMS


def diff_terms(a_text: str, b_text: str, kb=None, limit: int = 12) -> tuple[list[DiffTerm], list[DiffTerm]]:
    """Distinctive terms A has and B lacks, and the reverse, each with its spans in its own text.

    Only policy terms count (kb/policy_terms.py: the domain dictionary, topic phrases, quoted names, named
    schemes), so generic prose (架构, 考量, 努力争取) is never shown as a difference; of those, everyday ones
    are dropped (by document frequency when `kb` is given). A term counts as present in the other text when
    it occurs there as a substring, so 信用保险 is not "only in A" when B says 出口信用保险. Most specific
    first (by IDF with an index, else by length), at most `limit`, then in order of appearance.
    """
    return only_terms(a_text, b_text, kb, limit), only_terms(b_text, a_text, kb, limit)


def only_terms(text: str, other: str, kb, limit: int) -> list[DiffTerm]:
    """The policy terms of `text` that `other` lacks (see `diff_terms`); the one rule for the CLI and the app."""
    from ..policy_terms import policy_terms

    other_flat = match_form(other)
    terms = [t for t in policy_terms(text) if t not in other_flat and _distinctive(kb, t)]
    terms = longest_first(terms)
    if kb is not None and getattr(kb, "backend", None) is not None:
        terms.sort(key=lambda t: (-bm25_idf(kb, t), -len(t)))
    else:
        terms.sort(key=len, reverse=True)
    located = Located(text)
    out = []
    for t in terms[:limit]:
        spans = located.spans(t)
        # shown as the text writes it: 首台（套）保险, not the matching form 首台套保险; a match that runs across a
        # bracket's edge (仓单）融资 of “存货（仓单）融资”) is no term the text writes, and is not shown
        if spans and _balanced(shown := text[spans[0][0]:spans[0][1]]):
            out.append(DiffTerm(shown, spans))
    out.sort(key=lambda d: d.spans[0][0])
    return out


def _balanced(term: str) -> bool:
    """Every bracket the term holds opens and closes inside it."""
    depth = 0
    for ch in term:
        depth += ch in "（(〔[【"
        depth -= ch in "）)〕]】"
        if depth < 0:
            return False
    return depth == 0


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
    ma, mb = match_form(a.metric or a.phrase), match_form(b.metric or b.phrase)
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

