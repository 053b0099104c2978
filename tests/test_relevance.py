"""Relevance floor, match labels, coverage, thesaurus expansion and diversity: pure functions, no build."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from kb.diversity import diversify
from kb.errors import QueryError
from kb.relevance import (
    MATCH_ALL,
    MATCH_SEMANTIC,
    MATCH_SOME,
    Floor,
    TermGroup,
    coverage,
    coverages,
    credit,
    idf,
    load_floor,
    match_label,
    unknown_idf,
)
from kb.thesaurus import Thesaurus, default_thesaurus


def _has(text: str):
    return lambda term: term in text


GROUPS = [TermGroup("出口", 2.0), TermGroup("保险", 1.0), TermGroup("企业", 0.1, common=True),
          TermGroup("缺钱", 5.0, ("融资", "资金需求"))]


def test_credit_and_coverage_weigh_by_idf():
    assert credit(GROUPS[3], _has("缺钱"), 0.5) == 1.0
    assert credit(GROUPS[3], _has("提供融资"), 0.5) == 0.5
    assert credit(GROUPS[3], _has("无关"), 0.5) == 0.0
    total = 8.1
    assert coverage(GROUPS, _has("出口保险企业融资"), 0.5) == pytest.approx((2 + 1 + 0.1 + 2.5) / total)
    assert coverage(GROUPS, _has("无关"), 0.5) == 0.0
    assert coverage([], _has("x"), 0.5) == 0.0


def test_words_found_nowhere_weigh_most():
    assert unknown_idf(100) > idf(0, 100) - 1e-9 and idf(1, 100) > idf(50, 100)


def test_match_labels_leave_out_common_words():
    assert match_label(GROUPS, _has("出口保险融资")) == MATCH_ALL  # 企业 is common: not needed
    assert match_label(GROUPS, _has("出口")) == MATCH_SOME
    assert match_label(GROUPS, _has("企业")) == MATCH_SEMANTIC
    assert match_label([TermGroup("企业", 0.1, common=True)], _has("企业")) == MATCH_ALL


def test_floor_is_monotone_in_its_signals():
    f = Floor(coverage=8, dense=20, phrase=2, bias=-4, threshold=0.5, dense_center=0.87)
    p = f.probability(np.array([0.0, 0.5, 1.0]), np.array([0.87, 0.87, 0.87]), np.zeros(3))
    assert p[0] < p[1] < p[2]
    assert f.passes(np.array([1.0]), np.array([0.87]), np.array([0.0]))[0]
    assert not f.passes(np.array([0.0]), np.array([0.87]), np.array([0.0]))[0]
    # Without a dense signal only the lexical terms count.
    assert f.probability(np.array([0.5]), None, np.array([0.0]))[0] == pytest.approx(1 / (1 + np.exp(0)))


def test_semantic_door_answers_a_question_no_word_of_which_matches():
    f = Floor(coverage=8, dense=4, phrase=2, bias=-4, threshold=0.8, dense_center=0.87, keep=0.2,
              dense_gate=0.9, dense_keep=0.88)
    cov, phrase = np.zeros(3), np.zeros(3)
    close = np.array([0.91, 0.885, 0.86])  # no term in common, the best sentence very close
    assert f.keep_mask(cov, close, phrase).tolist() == [True, True, False]
    assert not f.keep_mask(cov, np.array([0.899, 0.89, 0.86]), phrase).any()  # below the door: empty
    # The door opens only for allowed candidates (a quoted question), and needs a dense signal and weight.
    assert not f.keep_mask(cov, close, phrase, allowed=np.array([False, True, True])).any()
    assert not f.keep_mask(cov, None, phrase).any()
    assert not replace(f, dense=0.0).keep_mask(cov, close, phrase).any()
    # Without a door (the default) the lexical gate alone decides, as before.
    assert not replace(f, dense_gate=0.0).keep_mask(cov, close, phrase).any()
    # Once the question is on topic by its words, a close candidate is shown beside the lexical ones.
    assert f.keep_mask(np.array([1.0, 0.0, 0.0]), np.array([0.8, 0.885, 0.8]), phrase).tolist() == [True, True, False]


def test_packaged_floors_load():
    lexical = load_floor("")
    assert lexical.dense == 0.0 and 0 < lexical.threshold < 1
    assert load_floor("some-unknown-model") == lexical


def test_thesaurus_expands_longest_words_one_way_and_groups_both_ways():
    t = Thesaurus.parse({"colloquial": {"缺钱": ["融资难", "融资"], "钱": ["资金"]},
                         "abbreviations": {"groups": [["IPO", "首次公开发行"]]}})
    found = t.expand("企业缺钱怎么办")
    assert [(e.word, e.terms, e.source) for e in found] == [("缺钱", ("融资难", "融资"), "colloquial")]
    assert t.expand("首次公开发行")[0].terms == ("ipo",)  # letters compare in lower case
    assert t.expand("ipo 上市")[0].terms == ("首次公开发行",)
    assert t.expand("融资难") == []  # policy terms do not search colloquial words
    # A term the question also says still counts for the word (the caller adds no BM25 term twice).
    assert [e.word for e in t.expand("缺钱又融资难")] == ["缺钱"]
    with pytest.raises(QueryError):
        Thesaurus.parse({"colloquial": {"缺钱": "融资"}})


def test_thesaurus_matches_a_word_said_with_a_few_characters_inside():
    t = Thesaurus.parse({"colloquial": {"盖厂": ["新建项目"], "第一次借": ["首贷"], "借钱": ["融资"]}})
    # The question's own span is the word; its terms are the entry's.
    assert [(e.word, e.terms) for e in t.expand("在这边新盖个厂")] == [("盖个厂", ("新建项目",))]
    assert [e.word for e in t.expand("第一次借钱")] == ["第一次借"]  # exact matches first, longest first
    assert [e.word for e in t.expand("借钱盖个厂")] == ["借钱", "盖个厂"]
    assert [e.word for e in t.expand("第一次去借钱")] == ["借钱"]  # a gapped match never cuts into an exact one
    assert t.expand("盖两个厂") == []  # two characters inside a two-character word: too far apart
    assert t.expand("第一次，去借") == []  # never across punctuation
    assert [e.word for e in t.expand("第一次还去借")] == ["第一次还去借"]  # two inside a longer word
    assert t.expand("第一次还要去借") == []  # three inside: too far apart
    negated = Thesaurus.parse({"colloquial": {"卖掉": ["转让"], "盖厂": ["新建项目"]}})
    assert negated.expand("货卖不掉") == []  # a negation inside turns the word round: never skipped
    assert [e.word for e in negated.expand("货卖了掉")] == ["卖了掉"]
    # Its letters begin and end where the question's words do: 结账收款 is 结账 + 收款, not 账款 with 收 inside.
    t = Thesaurus.parse({"colloquial": {"账款": ["应收账款"], "盖厂": ["新建项目"]}})
    assert t.expand("月底结账收款") == []
    assert [e.word for e in t.expand("想盖个厂房")] == []  # 厂房 is one word: 盖…厂 would end inside it
    assert [e.word for e in t.expand("想盖个厂")] == ["盖个厂"]
    t = Thesaurus.parse({"colloquial": {"美元": ["外汇"], "美元涨跌": ["汇率避险"]}})
    # ... but takes the place of the shorter exact ones it holds
    assert [(e.word, e.terms) for e in t.expand("怕美元一涨一跌")] == [("美元一涨一跌", ("汇率避险",))]
    # ... only when it keeps every letter of them: the letters it skips are no exact match's
    t = Thesaurus.parse({"colloquial": {"上下游": ["产业链上下游"], "中小企业": ["中小微企业"], "上游小企业": ["链上"]}})
    assert [e.word for e in t.expand("支持上下游中小企业")] == ["上下游", "中小企业"]
    assert [e.word for e in t.expand("支持上游的小企业")] == ["上游的小企业"]


def test_thesaurus_groups_merge_with_colloquial_words_and_can_be_switched_off():
    data = {"colloquial": {"缺钱": ["融资"]},
            "groups": {"cost": {"利息太高": ["融资成本"], "缺钱": ["资金需求"]}, "fx": {"汇率": ["汇率避险"]}}}
    t = Thesaurus.parse(data)
    assert t.groups == {"cost": ("利息太高", "缺钱"), "fx": ("汇率",)}
    assert t.expand("缺钱")[0].terms == ("融资", "资金需求")  # a word in both places searches both lists
    off = Thesaurus.parse(data, without={"cost"})
    assert off.expand("缺钱")[0].terms == ("融资",) and off.expand("利息太高") == []
    assert off.groups == t.groups  # the group is still named, only its words are off
    with pytest.raises(QueryError):
        Thesaurus.parse({"groups": {"cost": ["融资成本"]}})


def test_packaged_thesaurus_bridges_the_documents_words():
    t = default_thesaurus()
    terms = {term for e in t.expand("库存能抵押贷款吗") for term in e.terms}
    assert "存货" in terms
    terms = {term for e in t.expand("大家一窝蜂上同样的项目") for term in e.terms}
    assert "重复建设" in terms
    assert any("人工智能" in e.terms for e in t.expand("AI"))
    terms = {term for e in t.expand("厂子效益不好，贷款能不能晚点还") for term in e.terms}
    assert "延期还本付息" in terms
    assert len(t.groups) >= 20
    # Everyday-life questions are left alone: a word whose common use lies outside firms and their finance
    # (工资, 以旧换新, 分期还, 修路, 催收, 大厂, 极端天气, 券商, 自动驾驶, 应届生) would make such a question look on
    # topic, so the thesaurus does not hold it.
    for question in ("发不出工资去哪里告", "以旧换新家电补贴", "分期还信用卡", "修路封道绕行通知", "追债公司暴力催收报警",
                     "大厂裁员", "极端天气预警", "券商开户", "自动驾驶汽车事故", "应届生档案怎么转"):
        assert t.expand(question) == [], question
    # A general word does not stand for one product named after it (人才 is no 人才贷).
    assert not any("人才贷" in e.terms for e in t.expand("引进人才有什么政策"))


def test_diversify_spreads_documents():
    scores = [1.0, 0.99, 0.98, 0.97, 0.5]
    docs = ["a", "a", "a", "a", "b"]
    assert diversify(scores, docs, 3, 0.0) == [0, 1, 2]
    assert diversify(scores, docs, 3, 0.6) == [0, 4, 1]
    assert diversify(scores, docs, 10, 0.1) == [0, 1, 2, 3, 4]  # a small penalty only breaks near-ties
    assert diversify([], [], 3, 0.1) == [] and diversify(scores, docs, 0, 0.1) == []
    with pytest.raises(ValueError):
        diversify([1.0], [], 1, 0.1)


def _greedy(scores, groups, k, penalty):
    """diversify as first written: each round, the item with the best score less penalty × its group's picks."""
    chosen, taken, left = [], {}, list(range(len(scores)))
    while left and len(chosen) < k:
        best = min(left, key=lambda i: (-(scores[i] - penalty * taken.get(groups[i], 0)), i))
        chosen.append(best)
        left.remove(best)
        taken[groups[best]] = taken.get(groups[best], 0) + 1
    return chosen


def test_diversify_is_the_plain_greedy_choice():
    rng = np.random.default_rng(3)
    for _ in range(300):
        n = int(rng.integers(1, 60))
        scores = np.round(rng.random(n), int(rng.integers(1, 4))).tolist()  # rounded: many exact ties
        groups = [f"d{g}" for g in rng.integers(0, int(rng.integers(1, 8)), n)]
        k, penalty = int(rng.integers(1, n + 3)), float(rng.choice([0.01, 0.04, 0.3, 1.0]))
        assert diversify(scores, groups, k, penalty) == _greedy(scores, groups, k, penalty)


def test_coverages_equal_coverage_of_each_text():
    rng = np.random.default_rng(5)
    words = ["融资", "担保", "贷款", "存货", "科技", "专精特新", "中小企业", "贴息"]
    for _ in range(200):
        groups = [TermGroup(str(rng.choice(words)), float(rng.random() * 9),
                            tuple(rng.choice(words, int(rng.integers(0, 3))).tolist()))
                  for _ in range(int(rng.integers(1, 6)))]
        texts = ["".join(rng.choice(words, int(rng.integers(0, 5)))) for _ in range(int(rng.integers(1, 30)))]
        partial = float(rng.choice([0.0, 0.5, 1.0]))
        want = [coverage(groups, t.__contains__, partial) for t in texts]
        assert coverages(groups, texts, partial).tolist() == want  # bit for bit
    assert coverages([TermGroup("融资", 0.0)], ["融资"], 1.0).tolist() == [0.0]


def test_filler_words_are_no_policy_term_or_thesaurus_word():
    """kb/data/query_cues.toml [fillers] leaves words out of a question's coverage: none of them may be a word the
    policy vocabulary or the thesaurus gives meaning to, or that meaning would be dropped from the floor."""
    from kb.policy_terms import vocabulary
    from kb.understand import _base_lexicon

    fillers = _base_lexicon().fillers
    assert {"今年", "越来越", "觉得"} <= fillers  # everyday speech around the question, never its subject
    assert not fillers & set(vocabulary())
    assert not fillers & set(default_thesaurus().entries)


def test_words_of_speech_are_told_from_subjects_by_part_of_speech():
    from kb.relevance import SPEECH_SHARE, spoken_words, unknown_weight
    from kb.tokenize import get_tokenizer

    speech = spoken_words(get_tokenizer().tag_words("贷款快到期了，能不能先借，用了十几年"))
    assert {"十几年", "到期"} <= speech  # numerals, adverbs (jieba tags 到期 an adverb)
    assert not {"贷款", "快", "先借", "能"} & speech  # nouns, adjectives and verbs are not speech
    assert not spoken_words(get_tokenizer().tag_words("住房公积金怎么提取")) & {"住房", "公积金", "提取"}
    assert unknown_weight(100, 12.0, speech=True) == pytest.approx(SPEECH_SHARE * unknown_weight(100, 12.0))


def test_an_absent_word_of_speech_weighs_less_than_an_absent_subject(seed_kb):
    from kb.term_groups import term_groups
    from kb.tokenize import get_tokenizer

    text = "机器用了十几年的公积金"
    groups = {g.term: g.weight for g in term_groups(seed_kb, get_tokenizer().tokenize(text), [], None, text=text)}
    assert groups["十几年"] < groups["公积金"] and groups["十几"] < groups["公积金"]  # a piece of it too
    plain = {g.term: g.weight for g in term_groups(seed_kb, get_tokenizer().tokenize(text), [], None)}
    assert plain["十几年"] > groups["十几年"]  # without the question's text, no tags: full weight
