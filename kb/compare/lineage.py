"""Which document implements which: references (《…》 titles) resolved to documents of the corpus."""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

from ..grammar import DRAFT_OR_TRIAL_TAIL
from ..models import LEVEL_ORDER, Document, order_documents
from .results import LineageLink

# Lineage: title similarity (difflib ratio of normalised titles) needed to resolve a reference.
# The seeds hold a near miss at 0.85 (关于金融支持制造业发展的若干意见 vs …高质量发展的意见).
LINEAGE_THRESHOLD = 0.9


_BRACKETS = re.compile(r"[《》〈〉<>“”\"'‘’\s]")
_LEVEL_HINTS = (  # (pattern on the issuer prefix, level)
    (re.compile(r"国务院|中共中央|中国人民银行|总局|部$|部、|部办公厅|国家"), "national"),
    (re.compile(r"省|自治区"), "provincial"),
    (re.compile(r"市"), "municipal"),
    (re.compile(r"县|区"), "county"),
)


def split_title(title: str) -> tuple[str, str]:
    """(issuer prefix, title proper): 《省政府关于…的若干意见》 → ("省政府", "关于…的若干意见"), normalised."""
    t = unicodedata.normalize("NFKC", _BRACKETS.sub("", title or ""))
    t = DRAFT_OR_TRIAL_TAIL.sub("", t)
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
    """A reference may resolve to `cand`: same or higher level, the level the issuer prefix names, in time."""
    lc, lp = LEVEL_ORDER.get(child.level), LEVEL_ORDER.get(cand.level)
    if lc is not None and lp is not None and lp > lc:
        return False
    if hint and cand.level and cand.level != hint:
        return False
    return in_time(cand, child)


# 为贯彻落实《…》: a document says it implements another near its start, before the first numbered provision.
_IMPLEMENTS_RE = re.compile(r"贯彻|落实|实施")
OPENING_CHARS = 400


def says_it_implements(doc: Document) -> bool:
    """The document names what it implements: a resolved or cited reference, or 贯彻/落实 in its opening."""
    if doc.references:
        return True
    start = max(0, doc.body_start)
    return bool(_IMPLEMENTS_RE.search(doc.text[start:start + OPENING_CHARS]))


def in_time(parent: Document, child: Document) -> bool:
    """`child` can follow `parent`: not dated before it; when either date is unknown, only if it says so."""
    if parent.date and child.date:
        return parent.date <= child.date
    return says_it_implements(child)


def within(parent: Document, child: Document) -> bool:
    """The child's region lies inside the parent's (江苏省苏州市 inside 江苏省); 全国 or an unknown region holds all."""
    pr, cr = (parent.region or "").strip(), (child.region or "").strip()
    return not pr or not cr or pr == NATIONWIDE or cr.startswith(pr)


NATIONWIDE = "全国"


def may_implement(parent: Document, child: Document) -> bool:
    """The one rule for implementation links: a lower-level document implements a higher-level one of a region
    that holds its own, and only if it is later (or, undated, says 贯彻/落实). Same level, unknown levels,
    other regions and earlier documents never do."""
    lp, lc = LEVEL_ORDER.get(parent.level), LEVEL_ORDER.get(child.level)
    if lp is None or lc is None or lp >= lc or parent.id == child.id:
        return False
    return within(parent, child) and in_time(parent, child)


def default_pair(kb, links: list[LineageLink] | None = None) -> tuple[Document, Document] | None:
    """The pair 逐条对照 opens with: a document and one that implements it.

    A resolved reference first (the lower document names the higher one); else, of the pairs `may_implement`
    allows, the closest in level and then in time. None when no pair qualifies.
    """
    links = lineage(kb) if links is None else links
    for link in links:
        if link.parent is not None and may_implement(link.parent, link.child):
            return link.parent, link.child
    docs = order_documents(kb.documents)
    pairs = [(a, b) for a in docs for b in docs if may_implement(a, b)]
    if not pairs:
        return None

    def gap(pair: tuple[Document, Document]) -> tuple:
        a, b = pair
        days = _days(b.date) - _days(a.date) if a.date and b.date else 10**6
        return (LEVEL_ORDER[b.level] - LEVEL_ORDER[a.level], days, a.source, b.source)

    return min(pairs, key=gap)


def _days(iso: str) -> int:
    from datetime import date

    try:
        return date.fromisoformat(iso).toordinal()
    except ValueError:
        return 0
