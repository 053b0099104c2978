"""An evaluation's scoring is no target: the points a line of the score sheet gives or takes (得10分, 加、减1.5分,
限加20分, 扣完10分为止) are its weights, and the step a score moves by (每增、减1个百分点，加、减1.5分; 每增加10万元加
0.1分) is its rate. What earns the points (当年新开工商务楼宇15万平方米以上得5分: ≥ 15 万平方米) stays a criterion,
and points a person accrues (居住证积分: 每满1年积2分, 最高分值为20分) stay what they are. kb/targets.py calls
`drop_scoring` on its candidates."""

from __future__ import annotations

import re

from kb.models import Target

# What makes points a standard of their own rather than a score sheet's weight: they are accrued (积) or capped as a
# value (分值, 积分).
_ACCRUED_RE = re.compile(r"积|分值")
# 每增加1个百分点, 每增、减1个百分点, 每减少10万元: the step a score moves by ...
_STEP_BEFORE_RE = re.compile(r"每(?:增加|减少|增、减|增减|增|减|提高|降低|多|少)$")
# ... when the same sentence goes on to move the points (，加、减1.5分; 加0.1分; 或每增加10万元…加).
_STEP_AFTER_RE = re.compile(r"[^。；;]{0,30}?[加减扣][、加减扣]{0,3}[\d.一二三四五六七八九十]")


def drop_scoring(compact: str, found: list[tuple[int, int, Target]]) -> list[tuple[int, int, Target]]:
    """`found` (compact start, end, target) without a score sheet's points and the steps its points move by."""
    out = []
    for a, b, t in found:
        before = compact[max(0, a - 8):a]
        if t.unit == "分" and not _ACCRUED_RE.search(t.metric + before[-4:]):
            continue
        if t.value is not None and _STEP_BEFORE_RE.search(before) and _STEP_AFTER_RE.match(compact, b):
            continue
        out.append((a, b, t))
    return out
