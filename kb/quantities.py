"""Numbers and units as policy texts write them: Arabic and Chinese numerals, magnitudes (万, 亿), amount and
count units, their normal form and conversions (kb/targets.py builds its target patterns from these)."""

from __future__ import annotations

import re

from kb.text import CN_NUMERALS, cn_number

# Arabic number (thousands separators, decimals) or a Chinese numeral 一…十/百/千.
# Lengths are bounded and a number may not start inside another one (see the
# lookbehind in kb/targets.py's _NUMERIC_RE), so a run of 200,000 digits is rejected in one pass.
CN_DIGITS = CN_NUMERALS
NUM = rf"(?:\d{{1,15}}(?:,\d{{3}}){{0,5}}(?:\.\d{{1,6}})?|[{CN_DIGITS}]{{1,8}})"

# Units. Amounts/rates are targets on their own; counts need a comparator.
# Longest alternatives first so 个百分点 wins over 个 and 个月 over 个.
MAG = r"(?:千万|百万|十万|万亿|千亿|百亿|万|亿)"
# A sum per unit (100元/亩, 200元/吨) is one unit; 分 (points of a score) only after Arabic digits, so 十分重要,
# 三分之二, 5分钟 are no amounts.
# 20元/平方米/月 is a rent per area and month; 0.4012元/千瓦时 a price per kWh.
PER_UNIT = r"(?:(?:/(?:千瓦时|kWh|亩|吨|平方米|㎡|人|户|年|月|天|台|套|件|辆)){1,2})"
AMOUNT_UNIT = (
    r"(?:个百分点|百分点|个基点|基点|BP|bp|%|‰|倍"
    rf"|{MAG}?(?:元美元|美元|欧元|港元|元人民币|元){PER_UNIT}?"
    r"|(?<=\d)分(?![之钟别类期批行局支数值配摊担])"
    r")"
)
COUNT_UNITS = ("个工作日", "个月", "人次", "个", "户", "家", "项", "笔", "条", "次", "人", "名", "件", "年", "月", "天", "日",
               "周岁", "周", "岁", "所", "台", "套", "座", "辆", "小时", "吨", "亩", "平方公里", "平方米", "公里", "毫米", "千瓦时", "千瓦",
               "MWh", "MW", "kWh", "kW", "GWh", "GW")
# Counts need a comparator (年排放二氧化碳1万吨及以上, 面积在100亩以上); a weight may carry 千 (5千吨), an area, a length or
# a power its magnitude (20万亩, 60万平方米, 1.2亿千瓦).
COUNT_UNIT = rf"(?:{MAG}?户|(?:{MAG}|千)?吨|{MAG}?(?:亩|平方公里|平方米|公里|辆)|{MAG}?千瓦时?|{'|'.join(COUNT_UNITS)})"
_MAG_LEAD = re.compile(rf"^{MAG}")


def is_count_unit(unit: str) -> bool:
    """户, 万户, 5千吨, 20万亩, 1.2亿千瓦: a unit of counts, weights, areas or power, which needs a comparator."""
    return unit.lstrip("千百十万亿") in COUNT_UNITS or _MAG_LEAD.sub("", unit) in COUNT_UNITS
UNIT = rf"(?:{AMOUNT_UNIT}|{COUNT_UNIT})"

DATE_UNITS = frozenset({"年", "月", "日"})

MAG_FACTOR = {"千万": (1000, "万"), "百万": (100, "万"), "十万": (10, "万"), "千亿": (1000, "亿"),
              "百亿": (100, "亿"), "万亿": (10000, "亿")}


def parse_number(s: str) -> float:
    if s[0].isdigit():
        return float(s.replace(",", ""))
    return cn_number(s)


def normalise_unit(unit: str, value: float) -> tuple[str, float]:
    """Normalise the unit: 万元美元 → 万美元, 元人民币 → 元, 千万元 → 万元 ×1000."""
    unit = unit.replace("元美元", "美元").replace("元人民币", "元")
    for mag, (factor, base) in MAG_FACTOR.items():
        if unit.startswith(mag):
            return base + unit[len(mag):], value * factor
    return unit, value


def is_year(number: str, unit: str) -> bool:
    """2024年, 2020年6月末: a four-digit 19xx/20xx before 年/月/日 is a date, not a duration."""
    return unit in DATE_UNITS and number.isdigit() and len(number) == 4 and 1900 <= int(number) <= 2100


# Units that convert into one another, by family: money (美元 as 元 of its own family), weight.
UNIT_SCALE = {"元": ("元", 1), "万元": ("元", 10**4), "亿元": ("元", 10**8),
              "吨": ("吨", 1), "千吨": ("吨", 10**3), "万吨": ("吨", 10**4)}


def in_unit(value: float, unit: str, target_unit: str) -> float | None:
    """1亿元 in 万元 is 10000, 1万吨 in 千吨 is 10; None when the units do not convert (% and 万元, 万元 and 万吨)."""
    if unit == target_unit:
        return value
    if ("美元" in unit) != ("美元" in target_unit):
        return None
    a, b = UNIT_SCALE.get(unit.replace("美元", "元")), UNIT_SCALE.get(target_unit.replace("美元", "元"))
    return value * a[1] / b[1] if a and b and a[0] == b[0] else None
