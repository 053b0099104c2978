"""Clause text → quantitative targets (number, unit, comparator, metric, kind); the rules are in kb/target_patterns.py.

Kinds: goal, criterion, baseline, direction, and penalty (a sanction's sum, 处…罚款, which is no target)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from kb.models import Target
from kb.text import compact_view

from .quantities import DATE_UNITS, is_count_unit, is_year, normalise_unit, parse_number
from .target_grants import granted, share_paid
from .target_lists import distribute, merge_ranges, share_alternatives
from .target_patterns import (
    _BARE_MEASURE_RE,
    _BASELINE_RE,
    _BOUND_BEFORE_PERIOD_RE,
    _BOUND_IN_SUBJECT_RE,
    _BOUND_ONLY,
    _BOUND_WORDS,
    _BOUNDARY,
    _BOUNDARY_RE,
    _BUILD_END_RE,
    _BUILD_ONLY_RE,
    _BUILD_VERB_RE,
    _CASE_AFTER_RE,
    _CASE_BEFORE_RE,
    _CJK_NOT_DE,
    _COUNTED_AFTER_RE,
    _CRITERION_RE,
    _DAY_UNITS,
    _DEADLINE_RE,
    _DURATION_UNITS,
    _EVENT_START_RE,
    _FIRM_GOAL_RE,
    _FRACTION_RE,
    _GRANT_AFTER_RE,
    _GRANT_VERB_RE,
    _HALF_RE,
    _ITEM_END_RE,
    _ITEM_NAME_RE,
    _LEAD_IN_RE,
    _LIST_CONJ,
    _MAX_METRIC,
    _MAX_PHRASE,
    _MAX_REFERENCE,
    _METRIC_AFTER_RE,
    _NOUN_AFTER_RE,
    _NUMERIC_RE,
    _OF_WHICH_RE,
    _PAID_BY_VERB_RE,
    _PAYMENT_AFTER_RE,
    _PENALTY_RE,
    _PER_BEFORE_RE,
    _PER_MILLE_RE,
    _PER_UNIT_BEFORE_RE,
    _PERCENT_WORDS_RE,
    _PREFIX_NAMES,
    _QUAL_CMP_RE,
    _QUAL_DIR_AFTER_RE,
    _QUAL_DIR_RE,
    _QUANTIFIER_UNITS,
    _RANGE_OPEN_RE,
    _REFERENCE_END_RE,
    _ROUND_WORDS,
    _SENTENCE_END_RE,
    _SHARE_BARE_RE,
    _SHARE_BY_RE,
    _SHARE_PAID_BEFORE_RE,
    _SHARE_RE,
    _SUFFIX_NAMES,
    _TERM_BEFORE_RE,
    _THING_AFTER_RE,
    _TIER_GAP_CHARS,
    _VERB_END_RE,
    _WITHIN_CAP,
    _WITHIN_UNITS,
    MAX_TARGETS,
)
from .target_scope import drop_non_targets, drop_qualifiers
from .target_scores import drop_scoring
from .target_subjects import head, metric_of, trim


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
    compact, pos = compact_view(text)
    bounds = [m.start() for m in _BOUNDARY_RE.finditer(compact)]
    sentence_ends = [m.start() for m in _SENTENCE_END_RE.finditer(compact)]
    found: list[tuple[int, int, Target]] = []  # (compact start, compact end, target)
    num_ends: list[int] = []  # numeric targets sorted by compact end, for "the previous target"
    num_items: list[tuple[int, Target]] = []  # (compact start, target), same order
    numeric_phrases: set[tuple[int, int]] = set()

    def emit(a: int, b: int, cmp_start: int, value: float | None, unit: str, comparator: str,
             metric: str | None = None, numeric: bool = False, reference: str = "",
             upper: float | None = None, lead: int | None = None) -> None:
        ps, pe = _phrase_span(compact, bounds, a, b)
        change, built = "", 0
        if metric is None:
            i = bisect_right(num_ends, cmp_start) - 1
            prev_start = prev_end = ps
            prev_target = None
            if i >= 0 and num_items[i][0] >= ps:
                prev_start, prev_end, prev_target = num_items[i][0], num_ends[i], num_items[i][1]
            raw = compact[prev_end:cmp_start][-_MAX_METRIC * 2:]
            share = _SHARE_RE.match(raw) if numeric and not comparator else None
            if share is None and numeric and not comparator and unit == "%":
                # 给予不超过总投入30%: no 的 between the base and the share; 按应奖励额的30%: the base reckoned on
                share = _SHARE_BARE_RE.match(raw) or _SHARE_BY_RE.match(raw) or _SHARE_PAID_BEFORE_RE.match(raw)
            by_base = False  # a share of the base a payment is reckoned on (按…的20%)
            if share:  # 原则上不高于承担风险责任的0.5%: ≤ 0.5% of the base; 为配额总量的5%: = 5% of it
                cmp = share.group("cmp").removeprefix("原则上")
                paid_share = share.re is _SHARE_PAID_BEFORE_RE  # 可返还其上年度实际缴纳失业保险费(的50%)
                comparator = "" if cmp in ("为", "占", "按", "按照") or paid_share else _PREFIX_NAMES.get(cmp, cmp)
                raw = share.group("subj")
                reference, change = trim(share.group("base")), "of"
                by_base = cmp in ("按", "按照") or raw.endswith(("按", "按照"))
            metric, rel_ref, rel_change = metric_of(raw)
            if share and share.re is _SHARE_PAID_BEFORE_RE:
                metric = share.group("cmp")
            if not share:
                reference, change = reference or rel_ref, rel_change
            if metric.startswith("的") and prev_target is not None:
                # 单户担保金额500万元及以下的占比(不得低于50%): the earlier target qualifies this subject
                metric = trim(prev_target.metric + compact[prev_start:prev_end] + metric)
            if not metric and num_items and _OF_WHICH_RE.match(compact, ps):
                k0 = bisect_right(num_ends, cmp_start) - 1
                if k0 >= 0 and num_items[k0][1].metric:  # 且其中70%以上: a part of the previous subject
                    metric = num_items[k0][1].metric
            gap = compact[prev_end:cmp_start]
            if not metric and prev_target is not None and (gap or comparator) and _TIER_GAP_CHARS.issuperset(gap):
                metric = prev_target.metric  # 从单户不超过1000万元提高到2000万元, 5000万元、1亿元: same metric
                if not reference and prev_target.change == "of" and prev_target.unit == unit:
                    reference, change = prev_target.reference, "of"  # 按应奖励额的30%、30%和40%: the same base
            if not metric:
                after = _METRIC_AFTER_RE.match(compact, b) if b < len(compact) else None
                if after:
                    metric = after.group(1)
            grant = (_GRANT_AFTER_RE.match(compact, b) if numeric and b < len(compact)
                     and (not metric or _GRANT_VERB_RE.search(metric + raw)) else None)
            if grant and not _PAYMENT_AFTER_RE.match(compact, b):  # 并每年给予不超过总运营支出30%…的经费支持
                metric = grant.group("thing")
            if not metric and ps > 0 and compact[ps - 1] in _BOUNDARY:
                # 保费补贴时间按保险期限据实核算，不超过3年: the subject opens the previous phrase. (Not when this
                # phrase was clipped, and not from a run longer than a phrase: that search would make a long
                # clause without punctuation quadratic.)
                j = bisect_left(bounds, ps - 1)
                prev_start = bounds[j - 1] + 1 if j else 0
                if not _SENTENCE_END_RE.match(compact, ps - 1) and ps - 1 - prev_start <= _MAX_PHRASE:
                    metric = head(compact[prev_start:ps - 1])
            if unit in _DURATION_UNITS and (not metric or _GRANT_VERB_RE.search(compact, ps, cmp_start)):
                metric = f"{share_paid(compact, b)}期限"  # 给予最高连续三年…租金资助: the 资助's term
            paid = _PAYMENT_AFTER_RE.match(compact, b) if numeric and b < len(compact) else None
            if numeric and not paid and not metric:
                paid = _PAID_BY_VERB_RE.match(compact, b)
            if paid:  # 给予企业30万元奖励, 给予单家企业每年最高200万元资助: the sum is the 奖励 (of whom, per what)
                metric = granted(paid.group(1), compact[ps:cmp_start if lead is None else lead])
            elif by_base and (thing := share_paid(compact, b)):
                metric = thing  # 按实际投资的20%，给予最高500万元资助: the share is the 资助's
            elif numeric and (_VERB_END_RE.search(metric) or metric and metric[-1] in _LIST_CONJ) and (
                    thing := _THING_AFTER_RE.match(compact, b) or _NOUN_AFTER_RE.match(compact, b)):
                # 可申请最高不超过15万元的创业担保贷款: what is applied for, not 申请; 签订1年以上劳动合同, …和5年以上
                # 优秀培训业绩的机构: what the figure measures follows it
                metric = thing.group(1)
            elif numeric and is_count_unit(unit) and (
                    not metric or _BUILD_ONLY_RE.match(metric) or _BUILD_END_RE.search(metric) or (
                    prev_target is not None and metric[:-1] == prev_target.metric and metric[-1] in _LIST_CONJ)):
                built_de = compact.startswith("的", b) and _BUILD_END_RE.search(metric)  # 打造1000个以上的场景
                counted = _COUNTED_AFTER_RE.match(compact, b + 1 if built_de else b)
                if counted:  # 打造3-5个产销联合体, 在…等领域打造1000个以上的典型场景: what is built
                    metric, built = counted.group("thing"), counted.start("thing")
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
        target.kind = _kind(target, before, compact[built or b:pe])  # 1000个以上的场景 is built, not a bound's group
        if target.kind in ("goal", "criterion") and _PENALTY_RE.search(compact, s_start, min(s_end, s_start + 2 * _MAX_PHRASE)):
            target.kind = "penalty"  # 处1万元以上3万元以下罚款, 扣除未足额清缴部分2倍配额，并处5万元罚款
        found.append((a, b, target))
        if numeric:
            j = bisect_right(num_ends, b)
            num_ends.insert(j, b)
            num_items.insert(j, (a, target))
            numeric_phrases.add((ps, pe))

    durations: list[tuple[int, int]] = []  # (compact start, end) of "X年内" matches: maybe a deadline
    pair_end, pair_cmp = -1, ""  # the end and comparator of the last figure kept, for a figure after its "/"
    for m in _NUMERIC_RE.finditer(compact):
        if len(found) >= MAX_TARGETS:
            break
        pre, suf, raw_unit = m.group("pre"), m.group("suf"), m.group("unit")
        v1 = parse_number(m.group("n1"))
        unit, v1 = normalise_unit(raw_unit, v1)
        comparator = _SUFFIX_NAMES.get(suf, suf) if suf else _PREFIX_NAMES.get(pre, pre) if pre else ""
        if is_year(m.group("n1"), raw_unit):
            continue
        if (raw_unit in _DAY_UNITS or raw_unit == "个月") and (suf in ("内", "以内", "之内") or comparator == "不超过") and (
                _EVENT_START_RE.search(compact, max(0, m.start() - 4), m.start())):
            continue  # 于目录更新后30天内, 自收到申请之日起六个月内, 截止次日起不超过20个工作日: a procedure's time limit
        if raw_unit in _DAY_UNITS and compact.startswith("前", m.end()):
            continue  # 期限届满三十日前: a time before an event, no target
        if pre in ("满", "连续") and _PER_BEFORE_RE.search(compact, max(0, m.start() - 1), m.start()):
            continue  # 每满1年: the unit of a rate
        if not comparator and pair_end == m.start() - 1 and compact[pair_end] == "/":
            comparator = pair_cmp  # 超过0.5MW/1MWh, 100万千瓦/200万千瓦时: power and capacity, one bound
        if not comparator:
            bound = _BOUND_IN_SUBJECT_RE.search(compact, max(0, m.start() - 12), m.start())
            if bound:  # 最高分值为20分
                comparator = _BOUND_WORDS[bound.group("w")]
            elif per := _BOUND_BEFORE_PERIOD_RE.search(compact, max(0, m.start() - 12), m.start()):
                comparator = _PREFIX_NAMES.get(per.group("w"), per.group("w"))  # 不能超过每月1000元
            elif compact.startswith(_WITHIN_CAP, m.end()):
                comparator = "不超过"  # 在80000元限额内据实扣除
        bracketed = compact[m.start() - 1:m.start()] == "(" and compact.startswith(")", m.end())
        item = _ITEM_NAME_RE.search(compact, max(0, m.start() - 20), m.start()) if bracketed else None
        if bracketed and not _ITEM_END_RE.match(compact, m.end() + 1):
            if is_count_unit(raw_unit) and comparator in ("", "约"):
                continue  # 短时削峰能力（2小时左右）达到100万千瓦: the bracket qualifies the subject
            item = None
        if pre in ("满", "年满") and compact.startswith(("至", "到"), m.end()) and _CJK_NOT_DE.match(compact, m.end() + 1):
            continue  # 年满3岁至小学入学前: where a span begins, no bound
        if pre in ("超过", "高于", "多于") and suf in ("以上", "及以上"):
            comparator = _PREFIX_NAMES.get(pre, pre)  # 累计超过150万千瓦以上: more than, as 超过 says
        if is_count_unit(raw_unit) and not comparator:
            # A count needs a comparator, unless it closes a range (100亩及以上至500亩), is a range in figures
            # (打造3-5个联合体, not 8月11日至18日 or 365天-104天) or is what a document sets out to build, in figures
            # (建设产业集聚区3个, 打造10万亩无人农场; not 培育一家龙头机构, 建设“四个中心”, 于2015年1月1日后开工建设).
            figures = (m.group("n1")[0].isdigit() or m.group("n1") in _ROUND_WORDS) and raw_unit not in DATE_UNITS
            n2 = m.group("n2")
            if n2:
                ranged = figures and n2[0].isdigit() and v1 < parse_number(n2)
            else:
                # (not …、加强绩效评估等5个方面: a count summing up the list before it names the scope)
                ranged = _RANGE_OPEN_RE.search(compact, max(0, m.start() - 4), m.start()) or figures and (
                    _BUILD_VERB_RE.search(compact, _phrase_span(compact, bounds, m.start(), m.end())[0], m.start())
                    and compact[m.start() - 1:m.start()] != "等")
            if raw_unit in _DURATION_UNITS and _TERM_BEFORE_RE.search(compact, max(0, m.start() - 4), m.start()) or (
                    _CASE_BEFORE_RE.search(compact, max(0, m.start() - 2), m.start()) and _CASE_AFTER_RE.match(compact, m.end())):
                ranged = True  # 执行期限12年, 周期为1年: a term stated as a figure; 入围企业为2家的，…: a case
            if not ranged and item is None:  # 1.绿色工厂（200个）。: a named item's count
                continue
        if (raw_unit in _QUANTIFIER_UNITS and suf in ("以上", "及以上") and v1 <= 3 and m.end() < len(compact)
                and _CJK_NOT_DE.match(compact, m.end())):
            continue  # 两个以上行政机关, 两人以上: how many of something, not a target
        cmp_start = m.start("pre") if pre else m.start("n1")
        if unit.endswith("元") and (per := _PER_UNIT_BEFORE_RE.search(compact, max(0, cmp_start - 8), cmp_start)):
            unit, cmp_start = f"{unit}/{per.group('u')}", per.start()  # 每千瓦时0.5569元: 0.5569 元/千瓦时
        pair_end, pair_cmp = m.end(), comparator
        if m.group("n2"):
            if is_year(m.group("n2"), raw_unit):
                continue  # 2023-2025年
            _, v2 = normalise_unit(raw_unit, parse_number(m.group("n2")))
            if unit in _WITHIN_UNITS and suf in ("内", "以内", "之内"):
                durations.append((m.start(), m.end()))  # 在2—3年内调整到位: the time an action takes
            emit(m.start(), m.end(), cmp_start, min(v1, v2), unit, "区间", upper=max(v1, v2), numeric=True)
        else:
            if unit in _WITHIN_UNITS and suf in ("内", "以内", "之内") and not pre:
                durations.append((m.start(), m.end()))
            emit(m.start(), m.end(), cmp_start, v1, unit, comparator, numeric=True, lead=m.start("n1"),
                 metric=item.group("name") if item and not comparator else None)

    for m in _FRACTION_RE.finditer(compact):
        if len(found) >= MAX_TARGETS:
            break
        d, n = parse_number(m.group("d")), parse_number(m.group("n"))
        if not d or n > d:
            continue
        pre, suf = m.group("pre"), m.group("suf")
        comparator = _SUFFIX_NAMES.get(suf, suf) if suf else _PREFIX_NAMES.get(pre, pre) if pre else ""
        emit(m.start(), m.end(), m.start(), n / d * 100, "%", comparator, numeric=True)

    for m in _PER_MILLE_RE.finditer(compact):
        if len(found) >= MAX_TARGETS:
            break
        whole, _, decimals = m.group("n").partition("点")
        n = parse_number(whole) + sum(parse_number(c) / 10 ** (i + 1) for i, c in enumerate(decimals))
        pre, suf = m.group("pre"), m.group("suf")
        comparator = _SUFFIX_NAMES.get(suf, suf) if suf else _PREFIX_NAMES.get(pre, pre) if pre else ""
        emit(m.start(), m.end(), m.start(), round(n * 100 / (10000 if m.group("d") == "万" else 1000), 6), "%",
             comparator, numeric=True)

    for m in (*_PERCENT_WORDS_RE.finditer(compact), *_HALF_RE.finditer(compact)):  # 百分之三十, 一半以上
        if len(found) >= MAX_TARGETS:
            break
        pre, suf, n1 = m.group("pre"), m.group("suf"), m.groupdict().get("n1")
        if not (n1 or pre or suf):
            continue  # 各承担一半, 一半时间: half with no bound is a way of splitting, no target
        comparator = _SUFFIX_NAMES.get(suf, suf) if suf else _PREFIX_NAMES.get(pre, pre) if pre else ""
        emit(m.start(), m.end(), m.start(), parse_number(n1) if n1 else 50.0, "%", comparator, numeric=True)

    for m in _QUAL_CMP_RE.finditer(compact):
        if len(found) >= MAX_TARGETS:
            break
        cmp = m.group("cmp").removeprefix("明显")
        _, pe = _phrase_span(compact, bounds, m.start(), m.end())
        reference = _reference(compact, m.end(), pe)
        if compact.startswith("的", m.end() + len(reference)):
            continue  # 价格高于支付标准的药品: a comparison that names a group, no target
        emit(m.start(), m.end(), m.start(), None, "", _PREFIX_NAMES.get(cmp, cmp), reference=reference)

    directed: set[tuple[int, int]] = set()  # phrases holding a directed change already
    for m in _QUAL_DIR_RE.finditer(compact):
        if len(found) >= MAX_TARGETS:
            break
        if _phrase_span(compact, bounds, m.start(), m.end()) in numeric_phrases:
            continue
        if m.group("cmp").endswith("放大") and m.group("np") == "倍数":
            continue  # 担保放大倍数: the noun (a multiple), not a change of one
        np = _LEAD_IN_RE.sub("", m.group("np")) or m.group("np")
        emit(m.start(), m.end(), m.start(), None, "", m.group("cmp"), metric=np)
        directed.add(_phrase_span(compact, bounds, m.start(), m.end()))

    for m in _QUAL_DIR_AFTER_RE.finditer(compact):  # 比重合理增长: the ratio before its change
        if len(found) >= MAX_TARGETS:
            break
        span = _phrase_span(compact, bounds, m.start(), m.end())
        if span in numeric_phrases or span in directed:
            continue
        np = trim(compact[max(span[0], m.start() - _MAX_METRIC):m.start()]) + m.group("ratio")
        emit(m.start(), m.end(), m.start(), None, "", m.group("cmp"), metric=np)

    # 三年内新增制造业贷款200亿元以上, 三年内实现全覆盖, 1个月内提交: "X年内" with more to say after it in its
    # phrase is a deadline (of the target after it, if any), not a target.
    drop = set()
    for a, b in durations:
        ps, pe = _phrase_span(compact, bounds, a, b)
        if b < pe:
            drop.add((a, b))
    found = [f for f in found if (f[0], f[1]) not in drop]
    found = merge_ranges(compact, sorted(found, key=lambda f: (f[0], f[1])))
    found = drop_scoring(compact, drop_non_targets(compact, sentence_ends, found))
    found = drop_qualifiers(compact, sentence_ends, share_alternatives(compact, found))
    found = distribute(compact, found)

    # A goal or criterion whose subject could not be read (（未注明指标） ≥ 40%) says nothing a reader can use alone.
    found = [f for f in found if f[2].metric not in _BOUND_ONLY or f[2].kind not in ("goal", "criterion")]
    found.sort(key=lambda f: (f[0], f[1]))
    seen: set[tuple] = set()
    out: list[Target] = []
    for a, _, t in found:
        key = (a, t.start, t.end, t.value, t.unit, t.comparator, t.metric)
        if key not in seen:
            seen.add(key)
            out.append(t)
    return out

