"""Targets stated for coordinated subjects: "花生种植、收获机械化率分别达到65%和55%" gives each subject its value in
turn, "马铃薯种植、收获机械化率均达到45%" gives each the one value (kb/targets.py calls `distribute` last); alternatives "相差10%或者10万吨以上" share the bound
written after the last of them (`share_alternatives`); a lower and an upper bound in a row are one range
(`merge_ranges`)."""

from __future__ import annotations

from dataclasses import replace

from kb.models import Target

from .quantities import in_unit
from .target_patterns import (
    _ALTERNATIVE_GAPS,
    _CRITERION_RE,
    _EACH_RE,
    _METRIC_AFTER_RE,
    _PAYMENT_AFTER_RE,
    _RANGE_GAPS,
    _TIER_GAP_CHARS,
)


def distribute(compact: str, found: list[tuple[int, int, Target]]) -> list[tuple[int, int, Target]]:
    """花生种植、收获机械化率分别达到65%和55%, 马铃薯种植、收获机械化率均达到45%: coordinated subjects take the
    values in turn (分别) or each the one value (均), and the values after the first share its bound."""
    out: list[tuple[int, int, Target]] = []
    i = 0
    while i < len(found):
        a, b, t = found[i]
        each = _EACH_RE.search(compact, max(0, a - 4), a)
        names = _coordinated(t.metric.removesuffix("分别").removesuffix("均")) if each and t.value is not None else []
        if not names:
            out.append(found[i])
            i += 1
            continue
        if each.group() == "均":
            out += [(a, b, replace(t, metric=name)) for name in names]
            i += 1
            continue
        run = [found[i]]  # 65%和55%: the values of one list, in the text's order
        while (i + len(run) < len(found) and found[i + len(run)][2].value is not None
               and _TIER_GAP_CHARS.issuperset(compact[run[-1][1]:found[i + len(run)][0]]) and len(run) < len(names)):
            run.append(found[i + len(run)])
        for (ra, rb, rt), name in zip(run, names if len(run) == len(names) else [t.metric] * len(run), strict=False):
            out.append((ra, rb, replace(rt, metric=name, comparator=rt.comparator or t.comparator,
                                        kind=t.kind if not rt.comparator else rt.kind)))
        i += len(run)
    return out


def _coordinated(metric: str) -> list[str]:
    """花生种植、收获机械化率 → [花生种植机械化率, 花生收获机械化率]; 中长期贷款、信用贷款余额 → [中长期贷款余额,
    信用贷款余额]. [] when the subject coordinates nothing."""
    if metric.endswith("上下限") and len(metric) > 3:  # 竞价上下限 → [竞价上限, 竞价下限]
        return [metric[:-3] + "上限", metric[:-3] + "下限"]
    parts = metric.split("、")
    first, last = parts[0], parts[-1]
    if len(parts) < 2 or len(first) < 3 or len(last) < 4 or any(not p for p in parts):
        return []
    head = first[-2:]
    at = last.find(head, 1)
    if at > 0:  # nouns sharing a head: what follows the head in the last part is every item's
        tail = last[at + len(head):]
        return [p + tail for p in parts[:-1]] + [last]
    k = len(parts[1]) if len(parts) > 2 else 2  # short parallel items: 种植、收获 between a prefix and a suffix
    if len(first) <= k or len(last) <= k or any(len(p) != k for p in parts[1:-1]):
        return []
    prefix, suffix = first[:-k], last[k:]
    return [prefix + first[-k:] + suffix] + [prefix + p + suffix for p in parts[1:-1]] + [prefix + last[:k] + suffix]


def share_alternatives(compact: str, found: list[tuple[int, int, Target]]) -> list[tuple[int, int, Target]]:
    """相差10%或者10万吨以上: the first alternative takes the bound and the second the subject of the other."""
    for (_, b1, t1), (a2, _, t2) in zip(found, found[1:], strict=False):
        if (t1.value is not None and t2.value is not None and not t1.comparator and t2.comparator
                and compact[b1:a2] in _ALTERNATIVE_GAPS):
            t1.comparator, t1.kind = t2.comparator, t2.kind
            t2.metric = t1.metric
    return found


def merge_ranges(compact: str, found: list[tuple[int, int, Target]]) -> list[tuple[int, int, Target]]:
    """1万元以上3万元以下, 1000万元及以上至5000万元: a lower and an upper bound in a row are one range."""
    out: list[tuple[int, int, Target]] = []
    for a, b, t in found:
        if out:
            pa, pb, p = out[-1]
            lower_then_upper = (p.comparator in ("以上", "满") and t.comparator in ("以下", "以内", "少于")
                                or p.comparator == "以上" and not t.comparator and compact[pb:a] in ("至", "到"))
            upper = in_unit(t.value, t.unit, p.unit) if p.value is not None and t.value is not None else None
            if (lower_then_upper and upper is not None and p.upper is None and compact[pb:a] in _RANGE_GAPS
                    and p.value <= upper):
                after = _METRIC_AFTER_RE.match(compact, b) if b < len(compact) else None
                paid = after is not None and _PAYMENT_AFTER_RE.fullmatch(after.group())
                metric = after.group(1) if after and (paid or not p.metric) else p.metric
                p.upper, p.comparator, p.metric = upper, "区间", metric
                if p.kind != "penalty":
                    p.kind = "criterion" if _CRITERION_RE.search(metric + p.phrase) else p.kind
                out[-1] = (pa, b, p)
                continue
        out.append((a, b, t))
    return out
