"""Subsidy rules (kb/target_grants.py): what a share or a cap is of, on sentences written for these tests."""

from __future__ import annotations

from kb.targets import extract_targets


def shown(text: str) -> list[str]:
    return [t.display for t in extract_targets(text) if t.kind in ("goal", "criterion")]


def test_share_of_a_base_and_cap_name_the_payment():
    got = shown("对符合条件的示范项目，按实际投资的20%，给予单家企业每年最高300万元资助。")
    assert got == ["资助 = 实际投资的20%", "资助（单家企业每年） ≤ 300万元"]
    assert shown("按项目审定费用的30%，单个项目给予最高80万元配套资助。") == [
        "配套资助 = 项目审定费用的30%", "配套资助（单个项目） ≤ 80万元"]


def test_period_of_a_cap_and_its_bound_before_the_verb():
    assert shown("同一企业同时申报两类项目的，年度最高给予400万元资助。") == ["年度资助 ≤ 400万元"]
    assert shown("经评审后给予单个项目最高不超过900万元支持。") == ["支持（单个项目） ≤ 900万元"]
    # who receives it (企业, 投资方) is no part of the subject
    assert shown("对新认定的企业，给予企业60万元奖励。") == ["奖励 = 60万元"]
    # 支持 after a sum names the payment only at the end of its phrase
    assert not any(t.metric.startswith("支持") for t in extract_targets("安排500万元支持企业开展技术攻关。"))


def test_term_of_a_grant():
    got = extract_targets("对入驻园区的企业，给予最高连续三年20元/平方米/月的租金资助。")
    assert [(t.metric, t.sign, t.value, t.unit) for t in got] == [
        ("资助期限", "≤", 3, "年"), ("租金资助", "=", 20, "元/平方米/月")]
    assert [t.display for t in extract_targets("申报主体购买的单笔保险最长期限为一年。")][0].endswith("≤ 1年")
