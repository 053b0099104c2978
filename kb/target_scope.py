"""Numbers that read like targets but state none: a record's retention period (保存期不少于5年), a worked example's
sums (举例：某地区…为210元), a relaxed condition's former value (由参保3年以上放宽至1年以上: only 1年 is the rule),
and a number selecting the group a later bound applies to (储存6个月以内的，不超过0.1%: the bound follows at once). kb/targets.py calls
`drop_non_targets` on its candidates."""

from __future__ import annotations

import re
from bisect import bisect_right

from kb.models import Target

from .target_patterns import _BOUNDARY_CHARS, _DURATION_UNITS

# 档案保存期不少于5年, 留存五年, 归档保管期限为10年: how long a record is kept is a rule of procedure, no target.
_RETENTION_RE = re.compile(r"(?:保存|留存|存档|归档|保管期|存续期)[^\d，,；;。]{0,6}$")
# 举例：某地区…, 例如某企业…: a worked example; its sums illustrate a method and are no target.
_EXAMPLE_LEAD_RE = re.compile(r"举例[:：]|例如[:：，,]|示例[:：]|例[:：]")
_SOMEONE_RE = re.compile(r"某(?:地区|省|市|县|区|地|企业|单位|公司|职工|人)")
# 由…参加失业保险3年以上放宽至参保1年以上: the number between 由 and the relaxing verb is the old rule.
_FORMER_AFTER_RE = re.compile(
    rf"[^{_BOUNDARY_CHARS}由]{{0,16}}?(?:放宽|扩展|扩大|调整|放开)(?:至|到|为)")
_FROM_BEFORE_RE = re.compile(rf"由[^{_BOUNDARY_CHARS}]{{0,30}}$")
# 储存6个月以内的，(不超过0.1%): a band ending in 的 before a comma names the group the next bound is for.
_BAND_GAP_RE = re.compile(rf"(?:^|(?<=[{_BOUNDARY_CHARS}]))(?P<band>[^{_BOUNDARY_CHARS}]{{2,24}}的)[，,][^{_BOUNDARY_CHARS}\d]{{0,3}}$")


def drop_non_targets(compact: str, sentence_ends: list[int],
                     found: list[tuple[int, int, Target]]) -> list[tuple[int, int, Target]]:
    """`found` (compact start, end, target) without the candidates that state no target; a band naming the group of
    the bound right after it is moved into that bound's subject."""
    example_from = min((m.start() for m in _EXAMPLE_LEAD_RE.finditer(compact)), default=len(compact))
    bands = _bands(compact, found)
    out: list[tuple[int, int, Target]] = []
    for a, b, t in found:
        k = bisect_right(sentence_ends, a - 1)
        s_start = sentence_ends[k - 1] + 1 if k else 0
        before = compact[max(s_start, a - 40):a]
        if t.unit in _DURATION_UNITS and _RETENTION_RE.search(before):
            continue
        if a >= example_from or _SOMEONE_RE.search(compact, s_start, a):
            continue
        if t.value is not None and _FROM_BEFORE_RE.search(before) and _FORMER_AFTER_RE.match(compact, b):
            continue
        if any(bs <= a < be for bs, be in bands):
            continue
        out.append((a, b, t))
    return out


def _bands(compact: str, found: list[tuple[int, int, Target]]) -> list[tuple[int, int]]:
    """储存6个月以上12个月以内的，不超过0.15%: the short phrase ending in 的 right before a bound, holding a quantity
    in another unit, names the group the bound is for. Returns the bands' spans; each bound gets its band appended
    to its subject (and loses a deadline read from inside it)."""
    spans: list[tuple[int, int]] = []
    for a, _, t in found:
        gap = _BAND_GAP_RE.search(compact, max(0, a - 30), a)
        if t.value is None or not t.comparator or gap is None:
            continue
        band_start, band_end = gap.start("band"), gap.end("band")
        inside = [f[2] for f in found if band_start <= f[0] < band_end]
        if not re.search(r"\d", band := compact[band_start:band_end]) or any(q.unit == t.unit for q in inside):
            continue
        t.metric = f"{t.metric}（{band}）" if t.metric else band
        if t.deadline and t.deadline in band:
            t.deadline = ""
        spans.append((band_start, band_end))
    return spans
