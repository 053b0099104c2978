"""Phrase → subject: the words before a figure trimmed to what is measured (kb/targets.py asks these once it has a
figure and its comparator)."""

from __future__ import annotations

import re

from .target_patterns import (
    _BOUND_END_RE,
    _COMPARE_CUT_RE,
    _DEADLINE_LEAD_RE,
    _HEAD_CUT_RE,
    _LEAD_IN_RE,
    _LEAD_OUT_RE,
    _MAX_METRIC,
    _NUMBER_THEN_DE_RE,
    _OPENER_RE,
    _OUTLINE_LEAD_RE,
    _PAREN_RE,
    _PERIOD_END_RE,
    _RECIPIENT_RE,
    _RELATIVE_RE,
    _SUBJECT_CUT_RE,
    _UP_VERBS,
)


def trim(pre: str) -> str:
    pre = _PAREN_RE.sub("", pre)
    openers = [m.end() for m in _OPENER_RE.finditer(pre)]
    if openers:  # (第一年奖励(5万元): the subject starts inside the bracket
        pre = pre[openers[-1]:]
    pre = _OUTLINE_LEAD_RE.sub("", _DEADLINE_LEAD_RE.sub("", pre))
    if "按" in pre:  # 省财政按担保额(的0.5%): the base the rate applies to; 上下限分别按(0.4012元…): what is set
        parts = re.split(r"按照|按", pre)
        pre = parts[-1] or (parts[-2] if parts[-2].endswith(("分别", "均")) else "")
    parts = _SUBJECT_CUT_RE.split(pre)
    if len(parts) > 1 and len(parts[-1]) >= 2:
        pre = parts[-1]
    for _ in range(3):
        pre = _LEAD_OUT_RE.sub("", _LEAD_IN_RE.sub("", pre))
    pre = _RECIPIENT_RE.sub(r"\1", pre).strip("()、“”\"'/")
    if len(pre) > _MAX_METRIC:
        tail = pre.rsplit("的", 1)[-1]
        pre = tail if len(tail) >= 2 else pre[-_MAX_METRIC:]
    period = _PERIOD_END_RE.search(pre)  # 扣除标准为每月(1500元): a per-period amount, its period in the subject
    if period and period.start():
        head = _LEAD_OUT_RE.sub("", _BOUND_END_RE.sub("", pre[:period.start()]))
        return f"{head}（{period.group(1)}）"
    return pre


def metric_of(pre: str) -> tuple[str, str, str]:
    """(subject, reference, change) from the text between the phrase start and the comparator.

    "不良容忍度可较各项贷款不良率提高" → ("不良容忍度", "各项贷款不良率", "+").
    """
    pre = pre[-_MAX_METRIC * 2:]
    reference = change = ""
    rel = _RELATIVE_RE.search(pre)
    if rel and rel.start() > 0:
        reference = trim(rel.group("ref"))
        if reference:
            verb = rel.group("verb") or ""
            change = "-" if verb and verb not in _UP_VERBS else "+"
    parts = _COMPARE_CUT_RE.split(pre)
    if len(parts) > 1 and parts[0]:
        pre = parts[0]
    return trim(pre), reference, change


def head(phrase: str) -> str:
    """The subject a phrase opens with, before its verb: 保费补贴时间按保险期限据实核算 → 保费补贴时间; after
    a qualifying number, what it qualifies: 单户担保金额500万元以上的再担保业务收费 → 再担保业务收费."""
    if _NUMBER_THEN_DE_RE.search(phrase):
        tail = trim(phrase.rsplit("的", 1)[-1])
        return tail if 2 <= len(tail) <= 12 else ""
    m = _HEAD_CUT_RE.search(phrase)
    if m:
        head = trim(phrase[: m.start()])
        return head if 2 <= len(head) <= 12 else ""
    # 但用于清缴的中国核证自愿减排量，不得超过…: a short phrase with no number and no verb names the subject
    head = trim(phrase) if not re.search(r"\d", phrase) and "的" in phrase else ""
    return head if 2 <= len(head) <= 16 else ""
