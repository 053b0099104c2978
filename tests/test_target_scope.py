"""Numbers that read like targets but state none (kb/target_scope.py), on sentences written for these tests."""

from __future__ import annotations

from kb.targets import extract_targets


def shown(text: str) -> list[tuple[float | None, str, str]]:
    return [(t.value, t.unit, t.comparator) for t in extract_targets(text) if t.kind in ("goal", "criterion")]


def test_retention_period_is_no_target():
    assert shown("项目验收资料保存期不少于10年，由承办单位负责归档。") == []
    assert shown("申报材料留存三年备查。") == []
    # a duration that is no retention stays
    assert shown("示范项目建设周期不超过3年。") == [(3, "年", "不超过")]


def test_worked_example_sums_are_no_target():
    assert shown("计算示例：某县企业年销售收入为800万元，按比例核算奖励40万元。") == []
    assert shown("举例：该市上年度平均房租为1500元，补贴标准为其30%。") == []
    assert shown("企业年销售收入达到800万元的，给予奖励。")  # no example: the threshold stays


def test_relaxed_condition_keeps_only_the_new_value():
    got = shown("将申领条件由连续缴纳社保5年以上放宽至缴纳社保2年以上。")
    assert got == [(2, "年", "以上")]


def test_procedure_time_limit_after_an_event():
    assert shown("请于收到告知书后的15个工作日内补正材料。") == []
    assert shown("相关设备在2—3年内更新到位。") == []


def test_band_naming_the_group_of_the_next_bound():
    targets = [t for t in extract_targets("仓储损耗：存放3个月以内的，不超过0.5%；存放3个月以上的，不超过0.8%。")
               if t.kind in ("goal", "criterion")]
    assert [(t.value, t.unit) for t in targets] == [(0.5, "%"), (0.8, "%")]
    assert "存放3个月以内的" in targets[0].metric and not targets[0].deadline
    assert "存放3个月以上的" in targets[1].metric


def test_area_and_pilot_size_describe_a_scope():
    assert shown("示范区规划面积约12.5平方公里，分为三个片区。") == []
    assert shown("遴选20个左右县区开展试点。") == []
    assert shown("用3—5年左右时间基本建成服务体系。") == []
    assert shown("年推广面积达到30万亩。") == [(30, "万亩", "达到")]  # an area to reach stays


def test_round_numbers_in_words_after_a_verb_of_building():
    targets = extract_targets("到2028年，培育百家示范工厂，制定千项团体标准。")
    assert [(t.value, t.unit, t.metric) for t in targets] == [(100, "家", "示范工厂"), (1000, "项", "团体标准")]
    assert shown("让数字服务走进千家万户。") == []
    assert [(t.value, t.unit) for t in extract_targets("初步建立20个区域服务中心。")] == [(20, "个")]


def test_half_is_a_share_when_bounded():
    assert shown("专任教师中高级职称人员占比达到一半以上。") == [(50, "%", "以上")]
    assert shown("用于基层的资金超过一半。") == [(50, "%", "超过")]
    assert shown("双方各承担一半。") == []


def test_subject_ending_in_a_verb_takes_what_follows():
    t = extract_targets("符合条件的农户可申请最高不超过20万元的创业担保贷款。")[0]
    assert (t.value, t.unit, t.metric) == (20, "万元", "创业担保贷款")
    t = extract_targets("组织高校毕业生参加2—6个月的岗位实践。")[0]
    assert t.metric == "岗位实践" and (t.value, t.upper) == (2, 6)


def test_bound_words_of_rules_leave_the_subject():
    t = extract_targets("岗前培训时间不得少于十五日。")[0]
    assert (t.metric, t.value, t.sign) == ("岗前培训时间", 15, "≥")
    t = extract_targets("对于未满16周岁的学员，应当征得监护人同意。")[0]
    assert (t.value, t.sign) == (16, "<") and "未" not in t.metric
    t = extract_targets("其中单一股东持股比例不足十分之一的")[0]
    assert (t.metric, t.sign) == ("单一股东持股比例", "<")
    t = extract_targets("（二）林龄50年以上不满80年的林木")[0]
    assert (t.value, t.upper, t.comparator) == (50, 80, "区间")
    assert extract_targets("省级协会应有20万元以上活动资金。")[0].metric == "省级协会"


def test_procedure_is_no_target():
    assert shown("稽查人员不得少于两人，并应当出示证件。") == []
    assert shown("由公安机关处以十日以下拘留。") == []
    assert shown("自受理申请之日起三个月内作出决定。") == []
    assert shown("材料报送截止次日起不超过15个工作日完成审核。") == []
    assert shown("持证人应当在有效期届满二十日前申请延续。") == []
    assert shown("涉及两个以上的监管部门的，由共同上级指定。") == []
    assert shown("不足1吨的按1吨计算。") == []
    assert shown("专家委员会委员不得少于7人。") == [(7, "人", "不少于")]  # a body's size stays


def test_not_beyond_and_already_reached():
    t = extract_targets("自被撤销资格之日起未逾三年的")[0]
    assert (t.value, t.sign) == (3, "≤") and not t.metric.endswith("未")
    t = extract_targets("已满十二周岁不满十六周岁的学员")[0]
    assert (t.value, t.upper, t.comparator) == (12, 16, "区间")
    assert shown("处三年以上七年以下有期徒刑。") == []


def test_a_target_needs_a_subject():
    assert shown("（30分）") == []
    assert shown("以上40%。") == []
    assert shown("科研投入占比不低于40%。") == [(40, "%", "不低于")]


def test_bracketed_counts_and_scope_counts():
    # a bracket inside a phrase qualifies the subject; one closing a named item is the item's count
    got = extract_targets("到2026年，聚合虚拟电厂短时削峰能力（2小时左右）达到80万千瓦。")
    assert [(t.value, t.unit, t.sign) for t in got] == [(80, "万千瓦", "≥")]
    items = extract_targets("重点项目1.绿色工厂（120个）。支持企业开展改造。2.绿色交通（90个）。推广新能源车辆。")
    assert [(t.metric, t.value, t.unit, t.sign) for t in items] == [("绿色工厂", 120, "个", "="), ("绿色交通", 90, "个", "=")]
    # a count summing up the list before it (…等5个方面) names a scope
    assert shown("提出了加强组织领导、加强宣传推广、加强绩效评估等5个方面的保障措施。") == []
    # 超过…以上 is more than, as 超过 says
    assert shown("全市光伏装机累计超过80万千瓦以上。") == [(80, "万千瓦", "超过")]


def test_reference_comparisons_and_groups():
    got = extract_targets("申报主体所获资助已到账，且各级财政资金支持总额不超过项目总投资。")
    assert [(t.metric, t.sign, t.reference) for t in got] == [("各级财政资金支持总额", "≤", "项目总投资")]
    # a comparison that names a group (…高于支付标准的药品) states no target
    assert extract_targets("对患者使用价格高于支付标准的药品，按规定执行。") == []
    # power and capacity written together keep one subject
    pair = extract_targets("其中单个储能项目装机超过0.5MW/1MWh。")
    assert [(t.metric, t.unit, t.kind) for t in pair] == [("单个储能项目装机", "MW", "criterion"),
                                                          ("单个储能项目装机", "MWh", "criterion")]


def test_rules_of_amounts_terms_and_periods():
    def read(text):
        return [(t.metric, t.sign, t.value, t.unit) for t in extract_targets(text) if t.kind in ("goal", "criterion")]

    assert read("每人分摊的额度不能超过每月800元。") == [("每人分摊的额度（每月）", "≤", 800, "元")]
    assert read("在60000元限额内据实扣除。") == [("限额", "≤", 60000, "元")]
    assert read("项目执行期限10年。") == [("项目执行期限", "=", 10, "年")]
    assert read("扣除期限最长不超过120个月。") == [("扣除期限", "≤", 120, "个月")]
    # a share named by what pays it, before its base
    assert read("可返还其上年度实际缴纳社会保险费的40%。") == [("返还", "=", 40, "%")]
    # what the figure measures follows it after a verb or a conjunction
    assert read("并与其签订2年以上劳动合同的。") == [("劳动合同", "≥", 2, "年")]
    # where a span begins is no bound
    assert read("年满3岁至小学入学前的子女。") == []
    # 上下限分别按…: the upper and the lower bound in turn
    assert read("竞价上下限分别按0.5元/千瓦时、0.2元/千瓦时确定。") == [
        ("竞价上限", "=", 0.5, "元/千瓦时"), ("竞价下限", "=", 0.2, "元/千瓦时")]
    # a count of a named scheme in quotes
    assert read("推进120个“15分钟”社区生活圈建设项目。") == [("“15分钟”社区生活圈建设项目", "=", 120, "个")]


def test_notice_periods_and_hour_limits_are_procedure():
    assert shown("公示时间为一周，公示期间无异议的予以确认。") == []
    assert shown("拟资助项目公示期不少于5个工作日。") == []
    assert shown("要在事件发生后2小时内报送。") == []
    assert shown("所挖树穴在四十八小时内不能栽植的，应当回填。") == []


def test_a_count_after_a_verb_of_building_names_what_is_built():
    (t,) = extract_targets("在工厂、交通、建筑等领域打造500个以上的低碳典型场景。")
    assert (t.metric, t.value, t.sign, t.kind) == ("低碳典型场景", 500, "≥", "goal")


def test_an_amount_that_routes_a_case_is_procedure():
    assert shown("1.单笔资助金额50万元以下的项目，由局长办公会议审定，报领导小组办公室备案。") == []
    assert shown("2.单笔资助金额50万元以上、300万元以下的项目，经局长办公会议审核后，报分管区领导审定。") == []
    # a threshold that qualifies for support stays
    assert shown("单个项目实际投资额应达到300万元及以上。") == [(300, "万元", "以上")]


def test_a_count_that_selects_a_treatment_and_a_base_with_its_own_de():
    got = [(t.metric, t.value, t.unit, t.kind) for t in extract_targets("入围企业为2家的，采取议价采购的方式。")]
    assert got == [("入围企业", 2, "家", "criterion")]
    got = extract_targets("按其实际支付的展位租赁费、差旅费的50%，给予单家企业每次最高30万元资助。")
    assert [(t.metric, t.value, t.reference) for t in got][0] == ("资助", 50, "实际支付的展位租赁费、差旅费")
