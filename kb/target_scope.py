"""Numbers that read like targets but state none, and numbers that are part of another target's subject: a record's
retention period (保存期不少于5年), a worked example's sums (举例：某地区…为210元), a relaxed condition's former value
(由参保3年以上放宽至1年以上: only 1年 is the rule), the size of a scope (规划面积约60平方公里, 选择10个左右城市, 经过5—10年
左右时间), and a number naming the group a bound applies to (储存6个月以内的，不超过0.1%; 对单户500万元及以下的…费率
不超过1%). kb/targets.py calls `drop_non_targets` and `drop_qualifiers` on its candidates."""

from __future__ import annotations

import re
from bisect import bisect_right

from kb.models import Target

from .quantities import is_count_unit
from .target_patterns import (
    _BOUNDARY_CHARS,
    _BOUNDARY_RE,
    _DURATION_UNITS,
    _MAX_METRIC,
    _QUALIFIER_AFTER_RE,
    _QUALIFYING,
)

# 档案保存期不少于5年, 留存五年, 归档保管期限为10年: how long a record is kept is a rule of procedure, no target.
_RETENTION_RE = re.compile(r"(?:保存|留存|存档|归档|保管期|存续期)[^\d，,；;。]{0,6}$")
# 举例：某地区…, 例如某企业…: a worked example; its sums illustrate a method and are no target.
_EXAMPLE_LEAD_RE = re.compile(r"举例[:：]|例如[:：，,]|示例[:：]|例[:：]")
_SOMEONE_RE = re.compile(r"某(?:地区|省|市|县|区|地|企业|单位|公司|职工|人)")
# 由…参加失业保险3年以上放宽至参保1年以上: the number between 由 and the relaxing verb is the old rule.
_FORMER_AFTER_RE = re.compile(
    rf"[^{_BOUNDARY_CHARS}由]{{0,16}}?(?:放宽|扩展|扩大|调整|放开)(?:至|到|为)")
_FROM_BEFORE_RE = re.compile(rf"由[^{_BOUNDARY_CHARS}]{{0,30}}$")
# 规划面积约60.61平方公里, 总面积30公顷: an area described, not one to reach (面积达到20万亩 has a bound).
_AREA_UNITS_RE = re.compile(r"(?:平方公里|公顷|亩|平方米)$")
_AREA_SUBJECT_RE = re.compile(r"面积$")
# 选择10个左右城市, 在10个左右领域开展: the size of a pilot or of the field an action covers.
_SCOPE_BEFORE_RE = re.compile(r"(?:选择|选取|遴选|挑选|在)$")
# 经过5—10年左右时间: how long an effort takes.
_SPAN_BEFORE_RE = re.compile(r"(?:经过|经|用|花)$")
_SPAN_AFTER_RE = re.compile(r"(?:左右)?(?:的)?时间")
# 执法人员不得少于两人, 两个以上的部门: how many officials act or bodies share a case is procedure, no target.
_OFFICIALS_RE = re.compile(r"(?:执法|检查|稽查|核查|巡查|调查|监督|评估|审查|验收|工作|办案)人员")
_FEW_OF_RE = re.compile(r"的[\u4e00-\u9fff]")
# 单笔资助金额100万元以下的项目，由…审定: an amount that routes a case to who approves it is procedure.
_ROUTING_AFTER_RE = re.compile(r"(?:、[^，,。；;]{0,12})?的(?:项目|事项|申请)[，,](?:由|经|报)[^。；;]{0,40}?(?:审定|审批|审核|备案|批准)")
# 公示时间为一周, 公示期不少于5个工作日: how long a list is published or objections are heard is procedure.
_NOTICE_PERIOD_RE = re.compile(r"(?:公示|公告|异议|征求意见)(?:期|时间|期限)$")
# 不足1平方米的按1平方米计收: a rule of rounding, no target.
_ROUNDING_AFTER_RE = re.compile(r"的?按[^，,；;。]{0,12}?计")
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
        if t.comparator in ("约", "") and _AREA_UNITS_RE.search(t.unit) and _AREA_SUBJECT_RE.search(t.metric):
            continue
        if t.comparator == "约" and _SCOPE_BEFORE_RE.search(compact, max(0, a - 2), a):
            continue
        if t.unit in _DURATION_UNITS and _SPAN_BEFORE_RE.search(compact, max(0, a - 2), a) and (
                _SPAN_AFTER_RE.match(compact, b)):
            continue
        if t.value is not None and _ROUTING_AFTER_RE.match(compact, b):
            continue
        if t.unit in _DURATION_UNITS and _NOTICE_PERIOD_RE.search(t.metric):
            continue
        if t.unit in ("人", "名") and t.value is not None and t.value <= 3 and _OFFICIALS_RE.search(t.metric):
            continue
        if t.unit in ("个", "家") and t.comparator == "以上" and t.value is not None and t.value <= 2 and (
                _FEW_OF_RE.match(compact, b)):
            continue
        if t.comparator == "少于" and compact.startswith("不足", a) and _ROUNDING_AFTER_RE.match(compact, b):
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


def drop_qualifiers(compact: str, sentence_ends: list[int],
                     found: list[tuple[int, int, Target]]) -> list[tuple[int, int, Target]]:
    """对单户担保金额500万元及以下的小微企业…收取的担保费率原则上不超过1%: the first bound names the group
    the second applies to (its subject follows the first bound's 的), so it is part of that subject, not a
    target of its own. Parallel bounds on one subject (1万吨及以上的…，5千吨以上的…) are kept."""
    drop: set[int] = set()
    for i, (a, b, q) in enumerate(found):
        if q.value is None or q.comparator not in _QUALIFYING or not _QUALIFIER_AFTER_RE.match(compact, b):
            continue
        k = bisect_right(sentence_ends, b)
        s_end = sentence_ends[k] if k < len(sentence_ends) else len(compact)
        for a2, _, t in found[i + 1:]:
            if a2 >= s_end:
                break
            if t.value is not None and len(t.metric) >= 2:
                # 超过 names a group only when the group is counted (年产值超100亿元…的龙头企业2家); a sum
                # exceeding a bound before a reward (纳税额超过500万元的企业…给予奖励) is a condition of its own.
                counted = q.comparator != "超过" or is_count_unit(t.unit)
                if counted and t.metric != q.metric and t.metric[-2:] in compact[b:a2 + 1]:
                    drop.add(i)
                    t.metric = _qualified(compact, q, a, b, t, a2)
                break
    return [f for i, f in enumerate(found) if i not in drop]


def _qualified(compact: str, q: Target, qa: int, qb: int, t: Target, ta: int) -> str:
    """The later subject with the group the qualifier names: 单户1000万元以下的制造业小微企业贷款担保费率."""
    span = compact[qa:qb]
    if span in t.metric:  # 单户担保金额500万元及以下的占比: already there
        return t.metric
    start = compact.rfind(q.metric, max(0, qa - _MAX_METRIC), qa) if q.metric else -1
    end = compact.rfind(t.metric, qb, ta)
    if start >= 0 and end >= 0:
        whole = _BOUNDARY_RE.sub("", compact[start:end + len(t.metric)])
        if len(whole) <= 2 * _MAX_METRIC:
            return whole
    return f"{q.metric}{span}的{t.metric}"
