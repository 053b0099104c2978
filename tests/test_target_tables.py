"""Readings that need the whole document: goal tables (kb/target_tables.py), a document's own reading of its bound words
(kb/target_reports.py), and figures written as table cells, on documents written for these tests."""

from __future__ import annotations

from kb.ingest import ingest_text
from kb.targets import extract_targets

GOALS = """# 某市绿色交通行动方案

一、工作目标

主要工作目标

|     |     |     |     |     |
| --- | --- | --- | --- | --- |
| 序号 | 指标 | 目标 |
| 2024年 | 2025年 | 2026年 |
| 1 | 充电站数量<br>（累计） | >30个 | >70个 | ≥100个 |
| 2 | 储能装机规模 | >40万千瓦/80万千瓦时 | >70万千瓦/140万千瓦时 | >100万千瓦/200万千瓦时 |
| 3 | 公交电动化比例 | >60% | >70% | >80% |
| 4 | 超充桩数量 | >60 | >140 | >350 |

二、重点任务

（一）建设充电设施。到2026年，建成充电站100个以上。
"""

TIERS = """# 某区补贴办法

第一条 补贴标准如下：

| 档次 | 年销售额 | 补贴 |
| --- | --- | --- |
| 一档 | 1000万元以上 | 50万元 |
"""


def _targets(text: str) -> list:
    return [t for c in ingest_text(text, "t.md", "md").clauses for t in c.targets]


def test_goal_table_cells_are_targets_with_their_year():
    got = [(t.metric, t.sign, t.value, t.unit, t.deadline) for t in _targets(GOALS) if t.phrase.startswith((">", "≥"))]
    assert ("充电站数量（累计）", ">", 30, "个", "2024年") in got
    assert ("充电站数量（累计）", "≥", 100, "个", "2026年") in got
    assert ("公交电动化比例", ">", 70, "%", "2025年") in got
    # power and capacity written together are two targets with one bound; a cell with no unit counts things
    assert ("储能装机规模", ">", 80, "万千瓦时", "2024年") in got
    assert ("储能装机规模", ">", 40, "万千瓦", "2024年") in got
    assert ("超充桩数量", ">", 350, "个", "2026年") in got
    assert len(got) == 15
    # the row's number (序号) is no target, and the text after the table is read as before
    assert not any(t.metric.startswith("|") for t in _targets(GOALS))
    assert any(t.value == 100 and t.deadline == "到2026年" for t in _targets(GOALS) if "建成" in t.phrase)


def test_table_without_years_is_read_like_text():
    clauses = ingest_text(TIERS, "t.md", "md").clauses
    assert all([t.display for t in c.targets] == [t.display for t in extract_targets(c.text)] for c in clauses)
    assert any(t.value == 50 for c in clauses for t in c.targets)


def test_units_of_power_rent_and_price():
    shown = [(t.value, t.unit, t.sign) for t in extract_targets("其中单个储能项目装机超过0.5MW/1MWh、燃机项目装机超过10MW。")]
    assert shown == [(0.5, "MW", ">"), (1, "MWh", ">"), (10, "MW", ">")]
    rent = extract_targets("资助标准为20元/平方米/月。")
    assert [(t.value, t.unit) for t in rent] == [(20, "元/平方米/月")]
    price = extract_targets("机制电价按燃煤发电基准价0.4012元/千瓦时执行。")
    assert [(t.value, t.unit) for t in price] == [(0.4012, "元/千瓦时")]
    cars = extract_targets("到2026年，全市新能源汽车保有量达到120万辆。")
    assert [(t.metric, t.value, t.unit, t.sign) for t in cars] == [("全市新能源汽车保有量", 120, "万辆", "≥")]


def test_a_documents_own_reading_of_its_bound_words():
    doc = ("# 某区扶持办法\n\n第一条 楼宇入驻企业总产值5亿元以上的，给予资助；企业年产值达到500万元及以上。\n\n"
           "第二条 本办法所称“以下”“不超过”均包括本数，“以上”不包括本数。\n")
    got = {t.value: t.sign for c in ingest_text(doc, "t.md", "md").clauses for t in c.targets}
    assert got == {5: ">", 500: "≥"}
    plain = doc.replace("，“以上”不包括本数", "")
    assert {t.value: t.sign for c in ingest_text(plain, "t.md", "md").clauses for t in c.targets} == {5: "≥", 500: "≥"}
