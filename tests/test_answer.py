"""The whole answer on the seed corpus (fake embedder, lexical floor): honest empty answers, lookups first,
scope understood, vocabulary bridged, match labels, diversity, no function words marked."""

from __future__ import annotations

import pytest

from kb.models import Filters
from kb.relevance import EMPTY_MESSAGE, EXACT_LABELS, MATCH_ALL, MATCH_SEMANTIC, MATCH_SOME

NATIONAL = "001_3b50df308c9c2e77"
COUNTY = "003_142beb58a89e468f"
LUOYANG = "004_b17876d9791bd83c"


def test_off_topic_question_returns_nothing_and_says_why(seed_kb):
    a = seed_kb.answer("住房公积金怎么提取")
    assert a.hits == [] and a.message == EMPTY_MESSAGE
    assert "公积金" in a.unknown_terms and any("公积金" in r for r in a.reasons)
    assert a.weak and all(h.relevance < 1 for h in a.weak)  # offered apart, on request
    assert seed_kb.search("住房公积金怎么提取") == []


def test_a_term_the_filtered_document_never_uses_returns_nothing(seed_kb):
    assert seed_kb.search("出口信用保险", filters=Filters(documents=[NATIONAL]))  # it does use this one
    a = seed_kb.answer("一哄而上", filters=Filters(documents=[COUNTY]))
    assert a.hits == [] and "一哄而上" in a.unknown_terms


def test_doc_number_in_any_bracket_puts_the_document_first(seed_kb):
    for q in ("金发〔2024〕5号", "金发[2024]5号", "金发（2024）5 号", "金发(2024)5号"):
        hits = seed_kb.search(q, k=3)
        assert hits and hits[0].clause.doc_id == NATIONAL and hits[0].match == "文号匹配", q
        assert hits[0].clause.ordinal == 0  # nothing else asked: the document from its start


def test_clause_path_in_a_named_document(seed_kb):
    hits = seed_kb.search("金发〔2024〕5号第（十一）条", k=3)
    assert hits[0].clause.doc_id == NATIONAL and hits[0].clause.path.endswith("（十一）")
    assert hits[0].match == "条款路径匹配"


def test_title_and_short_form(seed_kb):
    hits = seed_kb.search("关于金融支持制造业优势产业链的若干措施", k=3)
    assert hits[0].clause.doc_id == LUOYANG and hits[0].clause.ordinal == 0 and hits[0].match == "标题匹配"
    hits = seed_kb.search("七部门指导意见里关于产业转移的条款", k=3)
    assert hits[0].clause.doc_id.startswith("002_") and "产业转移" in hits[0].clause.text


def test_quoted_phrase_only_clauses_that_hold_it(seed_kb):
    hits = seed_kb.search("“险资入洛”", k=10)
    assert hits and all("险资入洛" in h.clause.text for h in hits)
    assert hits[0].match == "原文短语匹配"  # says what matched, not only that something did
    a = seed_kb.answer("“根本不存在的一句话”")
    assert a.hits == [] and any("根本不存在的一句话" in r for r in a.reasons)


def test_quoted_phrase_that_heads_a_clause_puts_that_clause_first(seed_kb):
    # 东至县's goals list 增量、扩面、提质、降本 in one clause and treat each in a clause headed by it.
    hits = seed_kb.search("东至县意见里的“降本”", k=5)
    assert "降本" in hits[0].clause.path and "降本" in hits[1].clause.text and "降本" not in hits[1].clause.path


def test_place_named_is_a_chip_and_ranks_its_own_clause_first(seed_kb):
    a = seed_kb.answer("东至县怎么降低企业融资成本")
    assert a.chips == ["地区 东至县"]
    assert any(h.clause.doc_id == COUNTY for h in a.hits[:3])
    dropped = seed_kb.answer("东至县怎么降低企业融资成本", drop_cues=["region:安徽省池州市东至县"])
    assert dropped.chips == [] and dropped.understanding.residual.startswith("东至县")


@pytest.mark.slow
def test_place_named_ranks_its_own_clause_first_with_the_real_model(seed_kb_e5):
    # The fake embedder's character n-grams favour a sentence that repeats the question's words; with the model
    # the county's answering clause (which does not name the county) comes first.
    a = seed_kb_e5.answer("东至县怎么降低企业融资成本")
    assert a.hits[0].clause.doc_id == COUNTY


def test_colloquial_words_reach_policy_terms(seed_kb):
    a = seed_kb.answer("各地一窝蜂上同样的项目怎么办")
    assert any("重复建设" in e.terms for e in a.expansions)
    assert a.hits and "一哄而上" in a.hits[0].clause.text


def test_every_hit_says_how_it_matched(seed_kb):
    hits = seed_kb.search("出口信用保险怎么支持外贸制造企业", k=10)
    assert hits and {h.match for h in hits} <= {MATCH_ALL, MATCH_SOME, MATCH_SEMANTIC,
                                         *EXACT_LABELS.values()}
    assert any(h.match == MATCH_ALL for h in hits[:3])
    for h in hits:  # a hit said to hold every keyword shows the terms it holds
        assert h.match != MATCH_ALL or h.matched_terms


def test_function_words_are_never_marked(seed_kb):
    for q in ("企业要怎么融资", "银行要如何支持科技企业", "要"):
        for h in seed_kb.search(q, k=10):
            assert "要" not in h.matched_terms and all(len(t) >= 2 for t in h.matched_terms), (q, h.matched_terms)


def test_question_forms_are_not_search_terms(seed_kb):
    # 会不会 is cut as 会 + 不会, 能得到 as 能 + 得到: the question's form, not its subject.
    for q in ("银行会不会抽贷压贷", "链主企业能得到哪些金融服务"):
        hits = seed_kb.search(q, k=5)
        assert hits and hits[0].match == MATCH_ALL and hits[0].scores["coverage"] == 1.0, q


def test_one_document_cannot_fill_the_page(seed_kb):
    hits = seed_kb.search("融资", k=10)
    assert len({h.clause.doc_id for h in hits}) >= 3


def test_shown_scores_follow_the_order(seed_kb):
    for q in ("金发〔2024〕5号 保险", "“七不准”", "东至县融资", "融资担保"):
        scores = [h.score for h in seed_kb.search(q, k=10)]
        assert scores == sorted(scores, reverse=True), q


def test_a_place_the_library_lacks_is_said(seed_kb):
    a = seed_kb.answer("广州对制造业贷款有什么支持")
    assert a.chips == ["地区 广州"] and a.hits and any("广州" in n for n in a.notes)
    empty = seed_kb.answer("广东")
    assert empty.hits == [] and any("广东" in r for r in empty.reasons)
    only_place = seed_kb.answer("洛阳")  # a scope and nothing else: that place's documents from their start
    assert only_place.hits and {h.clause.doc_id for h in only_place.hits} == {LUOYANG}


def test_a_named_document_with_only_filler_or_title_words_reads_from_its_start(seed_kb):
    for q in ("金发〔2024〕5号文件", "金发(2024)5号文"):
        hits = seed_kb.search(q, k=3)
        assert [h.clause.doc_id[:3] for h in hits] == ["001"] * 3, q
        assert [h.clause.ordinal for h in hits] == [0, 1, 2], q


def test_a_thesaurus_word_counts_once_among_the_question_terms(seed_kb):
    # The expansion's own tokens come from cutting 小厂 alone; in the question jieba cuts it differently, and
    # that token, a piece of the thesaurus word, must not come back as a second (absent) term the clause lacks.
    from kb.term_groups import term_groups
    from kb.thesaurus import Expansion
    from kb.tokenize import get_tokenizer

    tokens = get_tokenizer().tokenize("做出口的小厂")
    groups = term_groups(seed_kb, tokens, [Expansion("小厂", ("小微企业",), "colloquial")], None)
    assert [g.term for g in groups].count("小厂") == 1 and groups[0].alternatives == ("小微企业",)
    assert "出口" in [g.term for g in groups]


def test_a_place_the_index_has_no_document_of_gets_national_rules_only(seed_kb):
    """武汉 has no document here: 苏州's or 洛阳's local measures do not apply there, so they are offered apart
    as weaker candidates; national ones still answer. A place with a document keeps every place's clauses."""
    a = seed_kb.answer("武汉的制造业企业怎么申请贷款贴息", weak=20)
    assert a.hits and {h.document.level for h in a.hits} == {"national"}
    assert any(h.document.level != "national" for h in a.weak)
    assert any("库中没有“地区 武汉”的文件" in n for n in a.notes)
    near = seed_kb.answer("洛阳的制造业企业怎么申请贷款贴息")
    assert "河南省洛阳市" in {h.document.region for h in near.hits}
    assert {h.document.level for h in near.hits} != {"national"}
    removed = seed_kb.answer("武汉的制造业企业怎么申请贷款贴息", drop_cues=["region:湖北省武汉市"])
    assert any(h.document.level != "national" for h in removed.hits)
