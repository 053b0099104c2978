"""Topic taxonomy file and clause tagging."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.errors import KBError
from kb.topics import (
    MIN_SCORE,
    Topic,
    default_taxonomy,
    load_taxonomy,
    tag_topics,
    topic_label,
    topic_query_match,
)

from .conftest import SEEDS

CORPUS = SEEDS

REQUIRED = {
    "supply_chain": "供应链金融", "insurance": "保险保障", "cross_border": "跨境与外贸金融", "credit": "信贷投放",
    "direct_financing": "直接融资（债券、上市、股权）", "guarantee": "融资担保与风险分担", "tech_finance": "科技金融",
    "green_finance": "绿色金融", "digital_finance": "数字金融", "cost_reduction": "降本减费",
    "incentives": "考核激励与尽职免责", "risk_control": "风险防控", "industrial_chain": "产业集群与产业链",
    "sme": "中小微企业与专精特新", "futures": "期货与衍生品", "ip": "知识产权", "coordination": "政策协同与监管督导",
}

# Clauses quoted verbatim from the seed corpus.
LY_SUPPLY_HEADING = "创新产业及供应链金融产品"  # 004 (四)
LY_SUPPLY = (
    "引导金融机构运用中征应收账款融资服务平台，扩大应收账款质押融资、“政采贷”等产品应用。"
    "由产业链牵头部门负责，在自愿、合规前提下，协调核心企业提供供应链上下游优秀合作供应商、经销商名单；"
)
LY_FX_HEADING = "提升跨境贸易和融资便利化水平"  # 004 (五)
LY_FX = (
    "支持制造业企业扩大人民币跨境结算，降低企业汇率避险成本。积极推动“政银保”合作，"
    "鼓励银行业金融机构为已投保出口信用保险保单的中小微外贸企业提供远期结汇交易服务，"
)
NAT_EXPORT = "进一步扩大出口信用保险和外贸领域信贷投放。"  # 002 (十一)
NAT_FIRST_SET = "持续推进首台（套）重大技术装备保险和新材料首批次应用保险补偿机制。"  # 001 (十一), joined across a line break
LY_MATCHMAKING = (
    "引导银行、保险等金融机构根据产业链特点，研究制定融资支持方案，通过优化授信方式、丰富金融产品，"
    "惠及一批链上中小微企业。组织开展“一月一链”“走进制造业”等融资对接活动，“一对一”为链上企业进行融资辅导。"
)  # 004 (二): 保险 only as one of the actors
SZ_INCENTIVE = (
    "进一步将授信尽职免责与不良容忍度有机结合，制造业小微企业不良容忍度可较各项贷款不良率提高不超过 3 个百分点。"
)  # 000 (十四), joined across line breaks
LY_UNITS_TALENT = "（责任单位：人民银行洛阳市分行、市金融工作局、市工信局、市发改委、市委人才办、市科技局、市军民融合办）"  # 004
SEED_SENTENCES = [LY_SUPPLY_HEADING, LY_SUPPLY, LY_FX_HEADING, LY_FX, NAT_EXPORT, NAT_FIRST_SET, LY_MATCHMAKING,
                  SZ_INCENTIVE, LY_UNITS_TALENT]

# A provincial-style clause written for these tests.
PROVINCIAL = (
    "（八）健全融资担保和风险分担机制。发挥省融资担保集团和省再担保机构作用，扩大政府性融资担保业务规模，"
    "对符合条件的制造业小微企业降低担保费率；落实省级风险补偿资金池政策，对银行业金融机构发放的制造业贷款"
    "形成的损失给予一定比例补偿。（牵头单位：省财政厅；配合单位：省地方金融管理局）"
)


def squash(s: str) -> str:
    return "".join(s.split())


def keys(tags) -> list[str]:
    return [t.key for t in tags]


def by_key(tags, key):
    return next(t for t in tags if t.key == key)


@pytest.fixture(scope="module")
def tax() -> list[Topic]:
    return load_taxonomy()


@pytest.mark.skipif(not CORPUS.is_dir(), reason="seed corpus not present")
def test_quoted_sentences_are_in_the_seed_corpus():
    corpus = squash("".join(p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))))
    for sentence in SEED_SENTENCES:
        assert squash(sentence) in corpus, sentence


def test_taxonomy_loads_with_required_topics(tax):
    labels = {t.key: t.label for t in tax}
    for key, label in REQUIRED.items():
        assert labels.get(key) == label
    assert len(labels) == len(tax)  # keys unique
    for t in tax:
        assert t.label and t.description and t.keywords
        assert all(p.strip() for p in t.keywords + t.strong + t.exclude)


def test_topic_label():
    assert topic_label("supply_chain") == "供应链金融"
    assert topic_label("no_such_topic") == "no_such_topic"
    assert default_taxonomy() is default_taxonomy()


def test_supply_chain_clause_with_heading(tax):
    tags = tag_topics(LY_SUPPLY, tax, heading=LY_SUPPLY_HEADING)
    assert tags[0].key == "supply_chain"
    ev = tags[0].evidence
    assert ev[0] == "供应链金融"  # heading hits come first
    assert {"应收账款融资", "应收账款质押", "核心企业", "上下游"} <= set(ev)
    assert [t.score for t in tags] == sorted((t.score for t in tags), reverse=True)


def test_multi_label_with_evidence(tax):
    tags = tag_topics(LY_FX, tax, heading=LY_FX_HEADING)
    assert {"cross_border", "insurance", "futures"} <= set(keys(tags))
    assert keys(tags)[0] == "cross_border"
    assert by_key(tags, "cross_border").evidence[:2] == ["跨境", "汇率"]
    assert "出口信用保险" in by_key(tags, "insurance").evidence


def test_export_credit_insurance_is_insurance_and_cross_border(tax):
    tags = tag_topics(NAT_EXPORT, tax)
    assert {"insurance", "cross_border"} <= set(keys(tags))
    assert "出口信用保险" in by_key(tags, "insurance").evidence
    assert "出口信用保险" in by_key(tags, "cross_border").evidence
    assert "保险" not in by_key(tags, "insurance").evidence  # the longer phrase wins


def test_first_set_brackets_full_and_half_width(tax):
    for text in (NAT_FIRST_SET, NAT_FIRST_SET.replace("（", "(").replace("）", ")"), "首台 (套)"):
        tags = tag_topics(text, tax)
        assert "insurance" in keys(tags), text
        assert "首台(套)" in by_key(tags, "insurance").evidence


def test_passing_mention_does_not_tag(tax):
    assert "insurance" not in keys(tag_topics(LY_MATCHMAKING, tax))
    long_clause = (
        "鼓励银行业金融机构制定专项信贷计划，增加信贷资源配置，推动制造业贷款规模和比重合理增长。"
        "优化信贷结构，加大制造业中小企业首贷投放力度，力争实现制造业中长期贷款、信用贷款规模稳步增长。"
        "鼓励保险机构参与。政策性银行要结合职能定位，更好发挥政策性金融对制造业的支持作用。"
    )
    tags = tag_topics(long_clause, tax)
    assert "insurance" not in keys(tags)
    assert keys(tags)[0] == "credit"
    # …but a user's question is matched without the threshold
    assert "insurance" in keys(topic_query_match("有哪些保险支持政策？", tax))


def test_heading_hit_counts_extra(tax):
    text = "支持各类金融机构开展科研攻关合作。"
    assert "tech_finance" not in keys(tag_topics("开展合作。" + "科研", tax))
    tagged = tag_topics(text, tax, heading="加强科研支持")
    assert "tech_finance" in keys(tagged)
    assert by_key(tagged, "tech_finance").score > by_key(tag_topics(text, tax, min_score=0), "tech_finance").score


def test_exclude_phrases_mask_keywords(tax):
    text = "银行保险机构要加强协同。银行保险机构要优化服务。银行保险机构要强化管理。在风险可控前提下推进。"
    tags = tag_topics(text, tax, min_score=0)
    assert "insurance" not in keys(tags)
    assert "risk_control" not in keys(tags)
    assert "green_finance" not in keys(tag_topics("开通绿色通道，提高审批效率", tax, min_score=0))


def test_npl_tolerance_is_an_incentive(tax):
    tags = tag_topics(SZ_INCENTIVE, tax, heading="改进考核激励机制")
    assert keys(tags)[0] == "incentives"
    assert "risk_control" not in keys(tags)


def test_responsibility_parenthetical_is_not_evidence(tax):
    assert tag_topics("做好相关工作。" + LY_UNITS_TALENT, tax, min_score=0) == []
    assert "talent" in keys(tag_topics("人才" + LY_UNITS_TALENT, tax, min_score=0))


def test_provincial_clause(tax):
    tags = tag_topics(PROVINCIAL, tax, heading="健全融资担保和风险分担机制")
    assert keys(tags)[0] == "guarantee"
    assert {"融资担保", "风险分担", "再担保", "担保费率"} <= set(by_key(tags, "guarantee").evidence)
    assert "risk_control" not in keys(tags)


def test_min_score_zero_keeps_every_hit(tax):
    assert all(t.score > 0 for t in tag_topics("保险", tax, min_score=0))
    assert tag_topics("", tax) == []
    assert all(t.score >= MIN_SCORE for t in tag_topics(LY_FX, tax))


def write(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "topics.toml"
    p.write_text(body, encoding="utf-8")
    return p


GOOD = '[[topic]]\nkey = "x"\nlabel = "甲"\ndescription = "说明。"\nkeywords = ["保险"]\n'


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ("[[topic]\nkey=", "not valid TOML"),
        ("", "no topics"),
        ('[topics]\nkey = "x"', "unknown top-level entry topics"),
        ('[[topic]]\nkey = "Supply Chain"\nlabel = "甲"\ndescription = "d"\nkeywords = ["a"]', "'key' must be"),
        ('[[topic]]\nkey = "x"\ndescription = "d"\nkeywords = ["a"]', "topic 'x': 'label'"),
        ('[[topic]]\nkey = "x"\nlabel = "甲"\ndescription = "d"\nkeywords = "保险"', "topic 'x': 'keywords' must be a list"),
        ('[[topic]]\nkey = "x"\nlabel = "甲"\ndescription = "d"\nkeywords = []', "topic 'x': 'keywords' must not be empty"),
        ('[[topic]]\nkey = "x"\nlabel = "甲"\ndescription = "d"\nkeyword = ["a"]', "topic 'x': unknown field(s) keyword"),
        (GOOD + 'exclude = ["保险"]\n', "topic 'x': '保险' is in both 'keywords' and 'exclude'"),
        (GOOD + 'strong = ["a", "a"]\n', "topic 'x': 'strong' lists 'a' twice"),
        (GOOD + 'strong = [" "]\n', "topic 'x': 'strong' holds an empty phrase"),
        (GOOD + GOOD, "topic 'x': key used twice"),
    ],
)
def test_malformed_taxonomy_raises_clear_error(tmp_path, body, needle):
    with pytest.raises(KBError) as e:
        load_taxonomy(write(tmp_path, body))
    assert str(e.value).startswith("topics.toml: ")
    assert needle in str(e.value)


def test_missing_taxonomy_file(tmp_path):
    with pytest.raises(KBError, match="file not found"):
        load_taxonomy(tmp_path / "topics.toml")


def test_custom_taxonomy_file(tmp_path):
    tax = load_taxonomy(write(tmp_path, GOOD + 'strong = ["首台（套）"]\nexclude = ["银行保险"]\n'))
    assert [t.key for t in tax] == ["x"]
    tags = tag_topics("首台(套)", tax)
    assert keys(tags) == ["x"] and tags[0].evidence == ["首台（套）"]  # evidence as written in the file
    assert tag_topics("银行保险银行保险银行保险", tax, min_score=0) == []


def test_long_clause_is_fast(tax):
    text = ("鼓励保险机构开展首台（套）保险，发展供应链金融和跨境结算。" * 8000)[:200_000]
    t0 = time.process_time()
    tags = tag_topics(text, tax, heading="强化保险保障")
    assert time.process_time() - t0 < 2.0  # a guard against quadratic work (CPU time: load does not count)
    assert "insurance" in keys(tags)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("保险供应链金融首台（套）()跨境外汇银行风险可控，。 \n责任单位：、")), max_size=80)
       | st.text(max_size=60), st.text(max_size=20))
def test_never_raises(text, heading):
    tax = default_taxonomy()
    tags = tag_topics(text, tax, heading=heading)
    for t in tags:
        assert t.score >= MIN_SCORE and t.evidence
    assert [t.score for t in tags] == sorted((t.score for t in tags), reverse=True)
    topic_query_match(text, tax)
