"""Which document implements which: references (《…》 titles) resolved to documents of the corpus."""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

from ..models import LEVEL_ORDER, Document, order_documents
from .results import LineageLink

# Lineage: title similarity (difflib ratio of normalised titles) needed to resolve a reference.
# The seeds hold a near miss at 0.85 (关于金融支持制造业发展的若干意见 vs …高质量发展的意见).
LINEAGE_THRESHOLD = 0.9


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
    lc, lp = LEVEL_ORDER.get(child.level), LEVEL_ORDER.get(cand.level)
    if lc is not None and lp is not None and lp > lc:
        return False
    if hint and cand.level and cand.level != hint:
        return False
    if cand.date and child.date and cand.date > child.date:
        return False
    return True
