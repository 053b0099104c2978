"""Clause text → quantitative targets (number, unit, comparator, metric) and responsible units."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from kb.models import Target
from kb.text import to_half

from .quantities import CN_DIGITS, COUNT_UNITS, NUM, UNIT, in_unit, is_year, normalise_unit, parse_number

# ---------------------------------------------------------------------------
# Rules, as a small table of regexes. Matching runs on a *compact* view of the
# clause: whitespace removed (PDF text breaks lines mid-word and puts spaces
# around numbers: "不超过 3 个百分点") and full-width digits/％/（）/－ mapped to
# ASCII one character for one, so offsets map straight back to the original.
#
# What counts as a target:
#   * an amount, rate or multiple (元/万元/亿元/美元…, %, 个百分点, 基点, 倍):
#     always, with or without a comparator, since statistics such as
#     "贷款余额14.24亿元，占比9.88%" are what the targets are measured against;
#   * a count or duration (年, 月, 天, 户, 家, 个, 条, 项, 笔, 次 …): only with a
#     comparator (不超过3年, 三年内, 10家以上, 新增5户). So "17条优势产业链",
#     "4大产业集群", "两个毫不动摇", "一月一链" are not targets;
#   * never a date (2020年6月末, 2024年, 2023-2025年: four-digit 19xx/20xx before
#     年/月/日), a 文号 (〔2024〕5号: 号 is no unit), an outline marker ((一), 1.)
#     or a number glued to Latin letters (5G, ICP备05070218号);
#   * qualitative comparisons staff still compare across documents:
#     "增速不低于各项贷款平均增速", "利率低于去年同期水平" (value None), and
#     directed changes of a ratio or rate such as "适度提高不良贷款容忍度",
#     "合理提高信用贷款比例" (value None, comparator 适度提高 / 合理提高);
#     the latter only in phrases holding no numeric target.
#   * a range "1%-3%" gives two targets: 不低于1% and 不超过3%.
# ---------------------------------------------------------------------------


# Comparator before the number ("最高不超过" means no more than "不超过").
_PRE = (
    r"(?:最高不超过|最多不超过|最低不低于|原则上不超过|不得超过|不得低于|不应低于|不宜超过"
    r"|不低于|不少于|不超过|不高于|不大于|不小于|不多于|最高|最低|最多|至少|低于|高于|超过|少于|多于"
    r"|提高到|提高至|提升到|提升至|增加到|增加至|增长到|增长至|增至|降至|降到|降低到|降低至|下降到|下降至"
    r"|缩短至|缩短到|延长至|延长到|达到|突破|控制在|稳定在|保持在|新增|累计|大约|约|逾|满|连续)"
)
# Comparator right after the unit; when present it states the bound, so it wins.
_SUF = r"(?:及以上|及以下|以上|以下|以内|之内|内|左右)"
_RANGE_SEP = r"[-－~～—至到]"


def _firsts(alternation: str) -> str:
    """First characters of the words of a "(?:word|word…)" alternation of plain words."""
    words = alternation.removeprefix("(?:").removesuffix(")").split("|")
    if not all(w and re.escape(w) == w for w in words):
        raise ValueError(f"not an alternation of plain words: {alternation}")
    return "".join(sorted({w[0] for w in words}))


# Each pattern below that opens with an optional group starts with a lookahead on the characters a match
# can start with. It changes no match; it lets the engine reject most positions with one test, where an
# optional group of many alternatives is otherwise tried (and fails) at every position of every clause.
_NUMERIC_RE = re.compile(
    rf"(?=[\d{CN_DIGITS}{_firsts(_PRE)}等人])"
    rf"(?P<pre>{_PRE})?(?:等值|人民币)?"
    rf"(?<![A-Za-z\d.{CN_DIGITS}第])(?<!\d,)(?P<n1>{NUM})(?:(?P<u1>{UNIT})?{_RANGE_SEP}(?P<n2>{NUM}))?"
    rf"(?P<unit>{UNIT})(?![A-Za-z])(?:\([^()]{{1,8}}\))?(?P<suf>{_SUF})?"
)
# 百分之三十 → 30 %.
_PERCENT_WORDS_RE = re.compile(rf"(?=[{_firsts(_PRE)}百])(?P<pre>{_PRE})?百分之(?P<n1>{NUM})(?P<suf>{_SUF})?")

# 三分之二 → 66.67 %: a fraction is a share.
_FRACTION_RE = re.compile(
    rf"(?=[{_firsts(_PRE)}\d{CN_DIGITS}])(?P<pre>{_PRE})?(?<![\d{CN_DIGITS}])(?P<d>\d{{1,3}}|[{CN_DIGITS}]{{1,3}})分之"
    rf"(?P<n>\d{{1,3}}|[{CN_DIGITS}]{{1,3}})(?P<suf>{_SUF})?"
)
# 最高分值为20分, 上限为50万元: the bound is in the subject, the number follows 为.
_BOUND_IN_SUBJECT_RE = re.compile(r"(?P<w>最高|最多|上限|最低|最少|下限)[^，,；;。:：]{0,8}?(?:为|是)$")
_BOUND_WORDS = {"最高": "不超过", "最多": "不超过", "上限": "不超过", "最低": "不低于", "最少": "不低于", "下限": "不低于"}
# 每满1年积2分, 每满10万元: the unit of a rate, not a target.
_PER_BEFORE_RE = re.compile(r"每$")
# 1000万元及以上至5000万元: the upper end of a range of counts has no comparator of its own.
_RANGE_OPEN_RE = re.compile(rf"(?:及以上|以上){_RANGE_SEP}$")
# 处5万元罚款, 责令改正: sums in a sentence that sanctions are penalties, not targets.
_PENALTY_RE = re.compile(r"罚款|罚金|没收|吊销|责令|闲置费|无偿收回")
# 10%或者10万吨以上: alternatives share the bound written after the last of them.
_ALTERNATIVE_GAP_RE = re.compile(r"^(?:或者|或|以及)$")
# 且其中70%以上应当是…: a part of the previous subject.
_OF_WHICH_RE = re.compile(r"(?:且|并|而)?其中")

# 增速不低于各项贷款平均增速: a comparator followed by a reference, not a number.
_QUAL_CMP_RE = re.compile(
    r"(?P<cmp>不得低于|不低于|不高于|不少于|不超过|明显高于|明显低于|低于|高于|快于|不慢于)"
    r"(?![\d一二两三四五六七八九十百])(?=[^\d,，;；。:：!?！？%]{0,20}?"
    r"(?:平均增速|平均水平|增速|水平|同期|上年|去年|上一年|全国|全省|全市|全县|全区"
    r"|(?:的比例|基金|机构\))(?=$|[,，;；。:：!?！？])))"
)
# 适度提高制造业不良贷款容忍度: a directed change of a ratio or rate.
_DIR_ADVERB = r"(?:适度|适当|合理|稳步|逐步|大幅度|大幅|持续|进一步|有效)"
_DIR_VERB = r"(?:提高|降低|提升|下调|上调|压降|下降)"
_QUAL_DIR_RE = re.compile(
    rf"(?=[{_firsts(_DIR_ADVERB)}{_firsts(_DIR_VERB)}])(?P<cmp>{_DIR_ADVERB}?{_DIR_VERB})"
    r"(?P<np>[^\d,，;；。:：!?！？%]{0,16}?"
    r"(?:不良贷款容忍度|容忍度|抵质押率|质押率|抵押率|比例|占比|比重|费率|利率|增速|权重))"
)

# What a qualitative comparison compares with ends with one of these (its last occurrence in the phrase).
_REFERENCE_END_RE = re.compile(
    r"平均增速|平均水平|平均值|增速|增幅|水平|同期|上年|去年|上一年|全国|全省|全市|全县|全区|的比例|(?:基金|机构)\)?")
_MAX_REFERENCE = 24
# 较各项贷款不良率提高: the reference of a relative target, and the direction of the change.
_RELATIVE_RE = re.compile(
    r"(?:可较|相较于|相较|相比于|相比|较|比(?=上年|去年|上一年|年初|同期))(?P<ref>.{1,20}?)"
    r"(?P<verb>提高|提升|增加|增长|高出|上升|上浮|降低|下降|减少|下浮|压降)?$"
)
_UP_VERBS = frozenset({"提高", "提升", "增加", "增长", "高出", "上升", "上浮"})

# Deadlines in the sentence before a target: 到2027年, 至2025年末, 2025年底前, 三年内.
_DEADLINE_RE = re.compile(
    rf"(?<!截)(?:到|至|在|于)(?:19|20)\d{{2}}年(?:\d{{1,2}}月)?(?:底|末|年底|年末)?前?"
    rf"|(?:19|20)\d{{2}}年(?:\d{{1,2}}月)?(?:底|末)?前"
    rf"|(?<![\d{CN_DIGITS}]){NUM}(?:年|个月)(?:以内|之内|内)"
)
_DEADLINE_LEAD_RE = re.compile(r"^(?:力争|争取|确保)?(?:到|至|在|于)?(?:19|20)\d{2}年(?:\d{1,2}月)?(?:底|末|年底|年末)?前?")
_SENTENCE_END_RE = re.compile(r"[。；;！？!?]")

# Kinds. A criterion says what qualifies or what a product or subsidy is (认定标准, 单户, 额度, 给予补贴);
# a baseline states where things are (截至…末); a goal is what the document wants to reach.
_CRITERION_RE = re.compile(
    r"认定标准|标准|额度|限额|上限|期限|单户|单笔|每户|每笔|每家|补贴|奖补|贴息|补助|奖励|给予|门槛|条件|符合|申请"
    r"|罚款|处罚")
_FIRM_GOAL_RE = re.compile(r"力争|确保|努力|争取|目标")
_BASELINE_RE = re.compile(r"截至|截止|目前|当前|现有|已达|已累计")
# 保费补贴时间按保险期限据实核算，不超过3年: the subject is the previous phrase's head, before its verb.
_NUMBER_THEN_DE_RE = re.compile(r"\d[^的]{0,40}的")
_HEAD_CUT_RE = re.compile(r"按照|按|由|通过|根据|依据|采取|实行|实施|参照|以(?![上下内])")

_QUANTIFIER_UNITS = frozenset({"个", "人", "名", "次", "项", "家"})
_CJK_NOT_DE = re.compile(r"[\u4e00-\u9fff](?<!的)")
_DURATION_UNITS = frozenset({"年", "月", "个月", "天", "日", "周", "个工作日"})
_SUFFIX_NAMES = {"及以上": "以上", "及以下": "以下", "之内": "以内", "内": "以内", "左右": "约"}
_PREFIX_NAMES = {
    "最高不超过": "不超过", "最多不超过": "不超过", "原则上不超过": "不超过", "不得超过": "不超过",
    "不宜超过": "不超过", "突破": "超过", "逾": "超过", "最低不低于": "不低于", "不得低于": "不低于", "不应低于": "不低于",
    "不得少于": "不少于", "大约": "约",
}

# Phrase boundaries (the compact text keeps full-width commas etc. as they are).
_BOUNDARY = frozenset("，,；;。！？!?：:")
_MAX_PHRASE = 160  # longer runs without punctuation are clipped around the number
MAX_TARGETS = 1000  # a "clause" with more is not a clause; stop there rather than crawl

# Metric = the noun phrase before the comparator, with lead-in verbs and links trimmed.
_LEAD_IN_RE = re.compile(
    r"^(?:力争|努力实现|努力|实现|确保|推动|保持|使得|使|争取|原则上|要求|要|须|应|按照|按|其中|同时|但|即|设立|"
    r"并|且|及|和|与|对|可|在|由|抓住|到|至|全年|每年|力求|将|参照|依照|依据|根据|其|处|并处|可处|给予|分别)+"
)
# 引导合作机构逐步将平均担保费率(降至…), 有条件的地方可对单户担保金额(…以下), 且亩均税收(达到…): the subject
# follows the last 将/把, a modal 对, or 且.
_SUBJECT_CUT_RE = re.compile(r"将|把|(?:可|应|要|须|并|均)对|且")
# 第1条, （一）, 一、, 1. at the start of a subject: where it sits, not what it measures.
_OUTLINE_LEAD_RE = re.compile(r"^(?:第[\d一二三四五六七八九十百]+条|[(（][\d一二三四五六七八九十]+[)）]|[一二三四五六七八九十]+、|\d+[.、])")
# 不高于承担风险责任(的0.5%): a bound on a share of something, the comparator before the base.
_SHARE_RE = re.compile(
    r"^(?P<subj>.*?)(?P<cmp>原则上不高于|不得超过|不得低于|不得少于|不高于|不超过|不低于|不少于|少于|高于|低于|超过|为|占)"
    r"(?P<base>.{2,20})的$")
# 1万元以上3万元以下, 1000万元及以上至5000万元: two bounds of one range; between them nothing or 至/到/-.
_RANGE_GAP_RE = re.compile(r"^[至到\-~—]?$")
# 1000万元及以上至5000万元、5000万元以上至1亿元: tiers of one list share the subject.
_TIER_GAP_RE = re.compile(r"^[、，,和或及与至到]*$")
# 处1万元以上3万元以下罚款, 给予企业30万元奖励: a sum followed by what it is, which names it.
_PAYMENT_AFTER_RE = re.compile(rf"(?:[、和及与或]{NUM}{UNIT})*(?:的)?(罚款|奖励|补贴|补助|贴息|奖补)")
# ……30%、30%和40%对企业进行奖励: the payment named after a verb, when nothing before the number names it.
_PAID_BY_VERB_RE = re.compile(
    rf"(?:[、和及与或]{NUM}{UNIT})*(?:(?:对|向|给予)(?:企业|其|项目)?)(?:进行|给予)?(奖励|补贴|补助|贴息|奖补)")
_LEAD_OUT_WORDS = ("的", "可", "要", "应", "将", "为", "在", "均", "达", "一般", "提高", "降低", "提升", "增长", "下降", "明显",
                   "显著", "持续", "稳步", "不断", "力争", "争取", "保持", "按")
# A run of these words at the end. The look-behinds (one per word length: Python's must be fixed-width) keep
# the search from starting inside a run, where it would rescan the run once per character (quadratic); the
# leftmost match never starts after such a word, so the result is the same.
_LEAD_OUT_RE = re.compile(
    "".join(f"(?<!{'|'.join(w for w in _LEAD_OUT_WORDS if len(w) == n)})"
            for n in sorted({len(w) for w in _LEAD_OUT_WORDS}))
    + f"(?:{'|'.join(_LEAD_OUT_WORDS)})+$"
)
_COMPARE_CUT_RE = re.compile(r"可较|相较于|相较|相比于|相比|较|从")
_METRIC_AFTER_RE = re.compile(r"(?:的)?(额度|规模|限额|余额|期限|比例|罚款|奖励|补贴|补助|贴息)")
# 总规模不低于1亿元的重点产业发展引导资金: a bare measure word whose thing follows the number after 的.
_BARE_MEASURE_RE = re.compile(r"^(?:总)?(?:规模|金额|额度|总额|面积|数量)$")
_THING_AFTER_RE = re.compile(r"的([\u4e00-\u9fff“”]{2,16}?)(?=[,，;；。:：]|$|列入|用于|并|，)")
# 单户担保金额500万元及以下的小微企业…担保费率不超过1%: the number names a group; the bound is on the group.
_QUALIFIER_AFTER_RE = re.compile(r"的[\u4e00-\u9fff“”]")
# Parentheticals inside a subject: 生产性设备(含环保处理等设备)投资总额, 项目(不含房地产住宅类项目).
_PAREN_RE = re.compile(r"[(〔\[][^()〔〕\[\]]*[)〕\]]")
_OPENER_RE = re.compile(r"[(〔\[]")
_RECIPIENT_RE = re.compile(r"(奖励|补贴|补助|奖补)(?:给)?(?:企业|项目)$")
_MAX_METRIC = 24


# `\s` in a str pattern is exactly str.isspace(), so these agree with the per-character definition.
_SPACE_RE = re.compile(r"\s")
_WORD_RUN_RE = re.compile(r"\S+")
_BOUNDARY_RE = re.compile("[" + re.escape("".join(sorted(_BOUNDARY))) + "]")
def _compact(text: str) -> tuple[str, Sequence[int]]:
    """Text without whitespace, half-width digits; and, per compact char, its offset in `text`."""
    if _SPACE_RE.search(text) is None:  # the usual clause: nothing to remove, offsets are the identity
        return to_half(text), range(len(text))
    runs = [m.span() for m in _WORD_RUN_RE.finditer(text)]
    pos = [i for a, b in runs for i in range(a, b)]
    return to_half("".join(text[a:b] for a, b in runs)), pos


def _phrase_span(compact: str, bounds: list[int], a: int, b: int) -> tuple[int, int]:
    """Compact [a, b) widened to the punctuation-delimited phrase, clipped to _MAX_PHRASE."""
    i = bisect_right(bounds, a - 1)
    start = bounds[i - 1] + 1 if i else 0
    j = bisect_left(bounds, b)
    end = bounds[j] if j < len(bounds) else len(compact)
    if end - start > _MAX_PHRASE:
        start = max(start, a - _MAX_PHRASE // 2)
        end = min(end, max(b, start + _MAX_PHRASE))
    return start, end


def _trim(pre: str) -> str:
    pre = _PAREN_RE.sub("", pre)
    openers = [m.end() for m in _OPENER_RE.finditer(pre)]
    if openers:  # (第一年奖励(5万元): the subject starts inside the bracket
        pre = pre[openers[-1]:]
    pre = _OUTLINE_LEAD_RE.sub("", _DEADLINE_LEAD_RE.sub("", pre))
    if "按" in pre:  # 省财政按担保额(的0.5%): the base the rate applies to
        pre = re.split(r"按照|按", pre)[-1]
    parts = _SUBJECT_CUT_RE.split(pre)
    if len(parts) > 1 and len(parts[-1]) >= 2:
        pre = parts[-1]
    for _ in range(3):
        pre = _LEAD_OUT_RE.sub("", _LEAD_IN_RE.sub("", pre))
    pre = _RECIPIENT_RE.sub(r"\1", pre).strip("()、“”\"'")
    if len(pre) > _MAX_METRIC:
        tail = pre.rsplit("的", 1)[-1]
        pre = tail if len(tail) >= 2 else pre[-_MAX_METRIC:]
    return pre


def _metric(pre: str) -> tuple[str, str, str]:
    """(subject, reference, change) from the text between the phrase start and the comparator.

    "不良容忍度可较各项贷款不良率提高" → ("不良容忍度", "各项贷款不良率", "+").
    """
    pre = pre[-_MAX_METRIC * 2:]
    reference = change = ""
    rel = _RELATIVE_RE.search(pre)
    if rel and rel.start() > 0:
        reference = _trim(rel.group("ref"))
        if reference:
            verb = rel.group("verb") or ""
            change = "-" if verb and verb not in _UP_VERBS else "+"
    parts = _COMPARE_CUT_RE.split(pre)
    if len(parts) > 1 and parts[0]:
        pre = parts[0]
    return _trim(pre), reference, change


def _head(phrase: str) -> str:
    """The subject a phrase opens with, before its verb: 保费补贴时间按保险期限据实核算 → 保费补贴时间; after
    a qualifying number, what it qualifies: 单户担保金额500万元以上的再担保业务收费 → 再担保业务收费."""
    if _NUMBER_THEN_DE_RE.search(phrase):
        tail = _trim(phrase.rsplit("的", 1)[-1])
        return tail if 2 <= len(tail) <= 12 else ""
    m = _HEAD_CUT_RE.search(phrase)
    if m:
        head = _trim(phrase[: m.start()])
        return head if 2 <= len(head) <= 12 else ""
    # 但用于清缴的中国核证自愿减排量，不得超过…: a short phrase with no number and no verb names the subject
    head = _trim(phrase) if not re.search(r"\d", phrase) and "的" in phrase else ""
    return head if 2 <= len(head) <= 16 else ""


def _reference(compact: str, start: int, end: int) -> str:
    """增速不低于|各项贷款平均增速: the compared-with text, up to its last reference word in the phrase."""
    window = compact[start:min(end, start + _MAX_REFERENCE)]
    last = 0
    for m in _REFERENCE_END_RE.finditer(window):
        last = m.end()
    return window[:last]


def _kind(target: Target, sentence_before: str, after: str) -> str:
    """goal, criterion, baseline or direction, from the words of the phrase and of the sentence before it."""
    if target.value is None and not target.reference:
        return "direction"
    if not target.comparator and _BASELINE_RE.search(sentence_before):
        return "baseline"
    if _FIRM_GOAL_RE.search(target.phrase):
        return "goal"
    if _CRITERION_RE.search(target.metric + target.phrase) or after.startswith("的"):
        return "criterion"
    return "goal"


def extract_targets(text: str) -> list[Target]:
    """Quantitative (and comparable qualitative) targets in a clause, in order of position."""
    if not text:
        return []
    compact, pos = _compact(text)
    bounds = [m.start() for m in _BOUNDARY_RE.finditer(compact)]
    sentence_ends = [m.start() for m in _SENTENCE_END_RE.finditer(compact)]
    found: list[tuple[int, int, Target]] = []  # (compact start, compact end, target)
    num_ends: list[int] = []  # numeric targets sorted by compact end, for "the previous target"
    num_items: list[tuple[int, Target]] = []  # (compact start, target), same order
    numeric_phrases: set[tuple[int, int]] = set()

    def emit(a: int, b: int, cmp_start: int, value: float | None, unit: str, comparator: str,
             metric: str | None = None, numeric: bool = False, reference: str = "",
             upper: float | None = None) -> None:
        ps, pe = _phrase_span(compact, bounds, a, b)
        change = ""
        if metric is None:
            i = bisect_right(num_ends, cmp_start) - 1
            prev_start = prev_end = ps
            prev_target = None
            if i >= 0 and num_items[i][0] >= ps:
                prev_start, prev_end, prev_target = num_items[i][0], num_ends[i], num_items[i][1]
            raw = compact[prev_end:cmp_start][-_MAX_METRIC * 2:]
            share = _SHARE_RE.match(raw) if numeric and not comparator else None
            if share:  # 原则上不高于承担风险责任的0.5%: ≤ 0.5% of the base; 为配额总量的5%: = 5% of it
                cmp = share.group("cmp").removeprefix("原则上")
                comparator = "" if cmp in ("为", "占") else _PREFIX_NAMES.get(cmp, cmp)
                raw = share.group("subj")
                reference, change = _trim(share.group("base")), "of"
            metric, rel_ref, rel_change = _metric(raw)
            if not share:
                reference, change = reference or rel_ref, rel_change
            if metric.startswith("的") and prev_target is not None:
                # 单户担保金额500万元及以下的占比(不得低于50%): the earlier target qualifies this subject
                metric = _trim(prev_target.metric + compact[prev_start:prev_end] + metric)
            if not metric and num_items and _OF_WHICH_RE.match(compact, ps):
                k0 = bisect_right(num_ends, cmp_start) - 1
                if k0 >= 0 and num_items[k0][1].metric:  # 且其中70%以上: a part of the previous subject
                    metric = num_items[k0][1].metric
            if not metric and prev_target is not None and _TIER_GAP_RE.match(compact[prev_end:cmp_start]):
                metric = prev_target.metric  # 从单户不超过1000万元提高到2000万元, 5000万元、1亿元: same metric
            if not metric:
                after = _METRIC_AFTER_RE.match(compact, b) if b < len(compact) else None
                if after:
                    metric = after.group(1)
            if not metric and ps > 0 and compact[ps - 1] in _BOUNDARY:
                # 保费补贴时间按保险期限据实核算，不超过3年: the subject opens the previous phrase. (Not when this
                # phrase was clipped, and not from a run longer than a phrase: that search would make a long
                # clause without punctuation quadratic.)
                j = bisect_left(bounds, ps - 1)
                prev_start = bounds[j - 1] + 1 if j else 0
                if not _SENTENCE_END_RE.match(compact, ps - 1) and ps - 1 - prev_start <= _MAX_PHRASE:
                    metric = _head(compact[prev_start:ps - 1])
            if not metric and unit in _DURATION_UNITS:
                metric = "期限"
            paid = _PAYMENT_AFTER_RE.match(compact, b) if numeric and b < len(compact) else None
            if numeric and not paid and not metric:
                paid = _PAID_BY_VERB_RE.match(compact, b)
            if paid:  # 给予企业30万元奖励, 分别给予100万元和30万元奖励: the sum is the 奖励
                metric = paid.group(1)
            elif numeric and _BARE_MEASURE_RE.match(metric):
                thing = _THING_AFTER_RE.match(compact, b)
                if thing:  # 总规模不低于1亿元的重点产业发展引导资金: the 总规模 of the 资金
                    metric = thing.group(1) + metric
        k = bisect_right(sentence_ends, a - 1)
        s_start = sentence_ends[k - 1] + 1 if k else 0
        s_end = sentence_ends[k] if k < len(sentence_ends) else len(compact)
        before = compact[max(s_start, a - _MAX_PHRASE):a]  # bounded: a "sentence" may run for pages
        deadline = ""
        for d in _DEADLINE_RE.finditer(before):
            deadline = d.group()
        o_start, o_end = pos[ps], pos[pe - 1] + 1
        target = Target(value=value, unit=unit, comparator=comparator, phrase=text[o_start:o_end],
                        start=o_start, end=o_end, metric=metric, reference=reference, change=change,
                        upper=upper, deadline=deadline)
        target.kind = _kind(target, before, compact[b:pe])
        if target.kind in ("goal", "criterion") and _PENALTY_RE.search(compact, s_start, min(s_end, s_start + 2 * _MAX_PHRASE)):
            target.kind = "penalty"  # 处1万元以上3万元以下罚款, 扣除未足额清缴部分2倍配额，并处5万元罚款
        found.append((a, b, target))
        if numeric:
            j = bisect_right(num_ends, b)
            num_ends.insert(j, b)
            num_items.insert(j, (a, target))
            numeric_phrases.add((ps, pe))

    durations: list[tuple[int, int]] = []  # (compact start, end) of "X年内" matches: maybe a deadline
    for m in _NUMERIC_RE.finditer(compact):
        if len(found) >= MAX_TARGETS:
            break
        pre, suf, raw_unit = m.group("pre"), m.group("suf"), m.group("unit")
        v1 = parse_number(m.group("n1"))
        unit, v1 = normalise_unit(raw_unit, v1)
        comparator = _SUFFIX_NAMES.get(suf, suf) if suf else _PREFIX_NAMES.get(pre, pre) if pre else ""
        if is_year(m.group("n1"), raw_unit):
            continue
        if pre in ("满", "连续") and _PER_BEFORE_RE.search(compact, max(0, m.start() - 1), m.start()):
            continue  # 每满1年: the unit of a rate
        if not comparator:
            bound = _BOUND_IN_SUBJECT_RE.search(compact, max(0, m.start() - 12), m.start())
            if bound:  # 最高分值为20分
                comparator = _BOUND_WORDS[bound.group("w")]
        if raw_unit.lstrip("千百十万亿") in COUNT_UNITS and not comparator:
            if not _RANGE_OPEN_RE.search(compact, max(0, m.start() - 4), m.start()):
                continue  # a count needs a comparator, unless it closes a range (100亩及以上至500亩)
        if (raw_unit in _QUANTIFIER_UNITS and suf in ("以上", "及以上") and v1 <= 3 and m.end() < len(compact)
                and _CJK_NOT_DE.match(compact, m.end())):
            continue  # 两个以上行政机关, 两人以上: how many of something, not a target
        cmp_start = m.start("pre") if pre else m.start("n1")
        if m.group("n2"):
            if is_year(m.group("n2"), raw_unit):
                continue  # 2023-2025年
            _, v2 = normalise_unit(raw_unit, parse_number(m.group("n2")))
            emit(m.start(), m.end(), cmp_start, min(v1, v2), unit, "区间", upper=max(v1, v2), numeric=True)
        else:
            if unit in _DURATION_UNITS and suf in ("内", "以内", "之内") and not pre:
                durations.append((m.start(), m.end()))
            emit(m.start(), m.end(), cmp_start, v1, unit, comparator, numeric=True)

    for m in _FRACTION_RE.finditer(compact):
        if len(found) >= MAX_TARGETS:
            break
        d, n = parse_number(m.group("d")), parse_number(m.group("n"))
        if not d or n > d:
            continue
        pre, suf = m.group("pre"), m.group("suf")
        comparator = _SUFFIX_NAMES.get(suf, suf) if suf else _PREFIX_NAMES.get(pre, pre) if pre else ""
        emit(m.start(), m.end(), m.start(), n / d * 100, "%", comparator, numeric=True)

    for m in _PERCENT_WORDS_RE.finditer(compact):
        if len(found) >= MAX_TARGETS:
            break
        pre, suf = m.group("pre"), m.group("suf")
        comparator = _SUFFIX_NAMES.get(suf, suf) if suf else _PREFIX_NAMES.get(pre, pre) if pre else ""
        emit(m.start(), m.end(), m.start(), parse_number(m.group("n1")), "%", comparator, numeric=True)

    for m in _QUAL_CMP_RE.finditer(compact):
        if len(found) >= MAX_TARGETS:
            break
        cmp = m.group("cmp").removeprefix("明显")
        _, pe = _phrase_span(compact, bounds, m.start(), m.end())
        emit(m.start(), m.end(), m.start(), None, "", _PREFIX_NAMES.get(cmp, cmp),
             reference=_reference(compact, m.end(), pe))

    for m in _QUAL_DIR_RE.finditer(compact):
        if len(found) >= MAX_TARGETS:
            break
        if _phrase_span(compact, bounds, m.start(), m.end()) in numeric_phrases:
            continue
        np = _LEAD_IN_RE.sub("", m.group("np")) or m.group("np")
        emit(m.start(), m.end(), m.start(), None, "", m.group("cmp"), metric=np)

    # 三年内新增制造业贷款200亿元以上, 三年内实现全覆盖, 1个月内提交: "X年内" with more to say after it in its
    # phrase is a deadline (of the target after it, if any), not a target.
    drop = set()
    for a, b in durations:
        ps, pe = _phrase_span(compact, bounds, a, b)
        if b < pe:
            drop.add((a, b))
    found = [f for f in found if (f[0], f[1]) not in drop]
    found = _merge_ranges(compact, sorted(found, key=lambda f: (f[0], f[1])))
    found = _drop_qualifiers(compact, sentence_ends, _share_alternatives(compact, found))

    found.sort(key=lambda f: (f[0], f[1]))
    seen: set[tuple] = set()
    out: list[Target] = []
    for a, _, t in found:
        key = (a, t.start, t.end, t.value, t.unit, t.comparator, t.metric)
        if key not in seen:
            seen.add(key)
            out.append(t)
    return out


def _share_alternatives(compact: str, found: list[tuple[int, int, Target]]) -> list[tuple[int, int, Target]]:
    """相差10%或者10万吨以上: the first alternative takes the bound and the second the subject of the other."""
    for (_, b1, t1), (a2, _, t2) in zip(found, found[1:], strict=False):
        if (t1.value is not None and t2.value is not None and not t1.comparator and t2.comparator
                and _ALTERNATIVE_GAP_RE.match(compact[b1:a2])):
            t1.comparator, t1.kind = t2.comparator, t2.kind
            t2.metric = t1.metric
    return found


def _drop_qualifiers(compact: str, sentence_ends: list[int],
                     found: list[tuple[int, int, Target]]) -> list[tuple[int, int, Target]]:
    """对单户担保金额500万元及以下的小微企业…收取的担保费率原则上不超过1%: the first bound names the group
    the second applies to (its subject follows the first bound's 的), so it is part of that subject, not a
    target of its own. Parallel bounds on one subject (1万吨及以上的…，5千吨以上的…) are kept."""
    drop: set[int] = set()
    for i, (a, b, q) in enumerate(found):
        if q.value is None or q.comparator not in ("以上", "以下", "以内") or not _QUALIFIER_AFTER_RE.match(compact, b):
            continue
        k = bisect_right(sentence_ends, b)
        s_end = sentence_ends[k] if k < len(sentence_ends) else len(compact)
        for a2, _, t in found[i + 1:]:
            if a2 >= s_end:
                break
            if t.value is not None and len(t.metric) >= 2:
                if t.metric != q.metric and t.metric[-2:] in compact[b:a2 + 1]:
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


def _merge_ranges(compact: str, found: list[tuple[int, int, Target]]) -> list[tuple[int, int, Target]]:
    """1万元以上3万元以下, 1000万元及以上至5000万元: a lower and an upper bound in a row are one range."""
    out: list[tuple[int, int, Target]] = []
    for a, b, t in found:
        if out:
            pa, pb, p = out[-1]
            lower_then_upper = (p.comparator == "以上" and t.comparator in ("以下", "以内")
                                or p.comparator == "以上" and not t.comparator and compact[pb:a] in ("至", "到"))
            upper = in_unit(t.value, t.unit, p.unit) if p.value is not None and t.value is not None else None
            if (lower_then_upper and upper is not None and p.upper is None and _RANGE_GAP_RE.match(compact[pb:a])
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
