"""The jieba tokenizer: domain words whole, stop words out, identical for index and query, no global leaks."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.tokenize import STOPWORDS_PATH, Tokenizer, get_tokenizer, normalize, read_stopwords


@pytest.fixture(scope="module")
def tk() -> Tokenizer:
    return get_tokenizer()


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("落实首台（套）重大技术装备保险补偿政策", "首台套"),
        ("首台(套)装备", "首台套"),
        ("首台套保险", "首台套"),
        ("支持专精特新中小企业", "专精特新"),
        ("上线无抵押科创指数贷产品", "科创指数贷"),
        ("动态调整险资入洛企业及项目清单库", "险资入洛"),
        ("强化出口信用保险保障", "出口信用保险"),
        ("探索供应链脱核模式", "脱核"),
        ("切实落实无还本续贷政策", "无还本续贷"),
        ("用好碳减排支持工具", "碳减排支持工具"),
        ("制造业小微企业不良容忍度", "不良容忍度"),
    ],
)
def test_domain_words_stay_whole(tk, text, word):
    assert word in tk(text)


def test_long_words_also_yield_their_parts(tk):
    tokens = tk("出口信用保险")
    assert {"出口信用保险", "信用保险", "出口", "信用", "保险"} <= set(tokens)


def test_both_spellings_of_shoutaitao_share_the_token(tk):
    assert set(tk("首台（套）")) == set(tk("首台套"))


def test_question_and_function_words_dropped_policy_words_kept(tk):
    tokens = tk("制造业小微企业的不良容忍度可以提高多少？")
    for stop in ("的", "可以", "多少"):
        assert stop not in tokens
    assert {"不良容忍度", "提高", "制造业"} <= set(tokens)
    tokens = tk("如何获得金融支持和贷款、保险有哪些？")
    assert {"金融", "支持", "贷款", "保险"} <= set(tokens)
    assert not {"如何", "和", "哪些", "有哪些"} & set(tokens)


def test_stopword_file_has_no_policy_words():
    stop = read_stopwords(STOPWORDS_PATH)
    assert not {"支持", "金融", "贷款", "保险", "提高", "降低", "政策", "融资"} & stop
    assert {"如何", "怎么", "哪些", "是否", "多少", "的"} <= stop


def test_punctuation_and_whitespace_dropped(tk):
    assert tk("，。、；：？！“”‘’（）《》〔〕【】—…· \n\t ,.;:!?()[]") == []
    assert tk("") == []
    assert all(t.strip() == t and t for t in tk("一、 总体要求\n（一）指导思想。\u3000以习近平"))


def test_ascii_lowercased_and_full_width_normalised(tk):
    assert "lpr" in tk("贷款市场报价利率（LPR）改革")
    assert "abc123" in tk("ＡＢＣ１２３")
    assert normalize("首台（套）") == "首台套"


def test_outline_markers_are_not_glued(tk):
    assert normalize("（一）指导思想") == "(一)指导思想"
    assert "一指导思想" not in tk("（一）指导思想")


def test_index_and_query_tokenised_identically(tk):
    clause = "规范发展供应链金融，通过应收账款、票据、仓单和订单融资等方式促进产业链条上下游企业协同发展。"
    assert tk(clause) == tk(clause) == get_tokenizer().tokenize(clause)
    for query in ("供应链金融", "应收账款", "订单融资", "仓单"):
        assert set(tk(query)) <= set(tk(clause))


def test_our_dictionary_does_not_leak_into_global_jieba(tk):
    import jieba

    assert "科创指数贷" in tk("科创指数贷")
    assert "科创指数贷" not in jieba.lcut("科创指数贷")
    assert not jieba.dt.FREQ.get("险资入洛")


def test_default_tokenizer_created_once_across_threads():
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(get_tokenizer())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(x) for x in seen}) == 1


def test_signature_tracks_dictionary(tmp_path):
    d = tmp_path / "dict.txt"
    d.write_text("# comment\n甲乙丙丁 100 nz\n", encoding="utf-8")
    a = Tokenizer(userdict=d, stopwords=None)
    assert "甲乙丙丁" in a("甲乙丙丁")
    d.write_text("甲乙丙丁 100 nz\n戊己庚 100\n", encoding="utf-8")
    assert Tokenizer(userdict=d, stopwords=None).signature != a.signature


@settings(max_examples=60, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("金融支持制造业的首台（套）贷款如何，。 ABCxyz019?？、和与")),
        max_size=40,
    )
)
def test_tokens_are_clean_and_deterministic(text):
    tk = get_tokenizer()
    tokens = tk(text)
    assert tokens == tk(text)
    for t in tokens:
        assert t and t == t.strip() and t == t.lower()
        assert t not in tk.stopwords
        assert any(ch.isalnum() for ch in t)
