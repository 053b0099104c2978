"""Subjects of a subsidy rule's figures: what is paid (资助, 补贴, 配套资助) and to whom or per what (单家企业每年).

"按实际投资的20%，给予单家企业每年最高200万元资助" states two figures of one 资助: its share of a base (资助 =
实际投资的20%) and its cap (资助（单家企业每年） ≤ 200万元). kb/targets.py asks `granted` and `share_paid` once the
figure's own words name no measure."""

from __future__ import annotations

import re

from .quantities import NUM, UNIT
from .target_patterns import _BOUNDARY_CHARS, _LEAD_IN_RE, _LEAD_OUT_RE, _PAREN_RE, _PRE

# What a grant pays, as named right after its sum or after a share of a base (…的20%，给予…资助).
_PAID = ("配套资助", "一次性资助", "资助", "奖励", "补贴", "补助", "贴息", "奖补", "扣除", "返还")
_PAID_ALT = "|".join(sorted(_PAID, key=len, reverse=True))
# 按实际投资的20%(，给予最高500万元资助), 按扣除标准的50%(扣除), 按…的10%(给予资助): the payment the share is of,
# in the rest of its sentence (not past a second share or sum, which would be of their own).
_SHARE_PAID_RE = re.compile(rf"(?:[^。；;%\d]{{0,20}}?(?:{NUM}{UNIT})?)?[^。；;%\d]{{0,10}}?(?P<thing>{_PAID_ALT}|支持(?=$|[{_BOUNDARY_CHARS}]))")
_GRANT_VERB_RE = re.compile(r"给予|予以")
_PHRASE_CUT_RE = re.compile(rf"[{_BOUNDARY_CHARS}]")
_CAP_END_RE = re.compile(rf"{_PRE}$")
# 单家企业, 单个项目, 每户, 同一单位: the unit a cap is counted per; 年度, 每次, 一次性: the period it is counted in.
_PER_GRANTEE_RE = re.compile(r"单(?:家|个|户|笔|项|位|次)|每(?:家|个|户|笔|项|位)|同一")
_PERIOD_RE = re.compile(r"(?:年度|每年|每次|每月|当年|一次性)$")
# 单家企业每年, 单个项目, 年度, 举办方每次: who or what period a cap is for; not a whole clause.
_QUALIFIER_MAX = 10


def share_paid(compact: str, end: int) -> str:
    """The payment named after a share of a base (…的20%，给予最高500万元资助 → 资助), or ""."""
    m = _SHARE_PAID_RE.match(compact, end)
    return m.group("thing") if m else ""


def granted(thing: str, before: str) -> str:
    """资助（单家企业每年）: the payment, with the recipient or period its grant verb names (给予单家企业每年最高…,
    单个项目给予最高…, 年度最高给予…); the payment alone when the words before name none. `before` is the figure's
    phrase up to its number."""
    before = _PHRASE_CUT_RE.split(before)[-1]
    verbs = list(_GRANT_VERB_RE.finditer(before))
    if not verbs:
        return thing
    qualifier = _bare(before[verbs[-1].end():]) or _bare(before[:verbs[-1].start()])
    if not qualifier or len(qualifier) > _QUALIFIER_MAX or re.search(r"\d", qualifier):
        return thing
    if _PER_GRANTEE_RE.match(qualifier):  # 资助（单家企业每年）: a cap per grantee (and period)
        return f"{thing}（{qualifier}）"
    period = _PERIOD_RE.search(qualifier)  # 年度资助, 一次性奖励; who receives it (企业, 投资方) is left out
    return period.group() + thing if period else thing


def _bare(words: str) -> str:
    words = _LEAD_OUT_RE.sub("", _LEAD_IN_RE.sub("", _PAREN_RE.sub("", words)))
    return _CAP_END_RE.sub("", words)
