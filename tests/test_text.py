"""Shared text rules (kb/text.py): one home for line breaks, widths, numerals, matching and finding terms."""

from __future__ import annotations

import re

from hypothesis import example, given
from hypothesis import strategies as st

from kb.text import (
    CN_NUMERALS,
    Located,
    alternation,
    cn_number,
    compact_view,
    found_terms,
    match_form,
    no_spaces,
    normalize,
    quote_title,
    term_spans,
    to_half,
    unify_breaks,
)


def test_line_breaks_and_control_characters():
    assert unify_breaks("一\r\n二\r三\f四\u2028五\x00\x07六\t七") == "一\n二\n三\n四\n五六\t七"


def test_half_width_keeps_length_and_cjk_punctuation():
    text = "首台（套）３％，ＡＢｃ；：！？"
    half = to_half(text)
    assert half == "首台(套)3%，ABc；：！？" and len(half) == len(text)


def test_cn_numbers():
    assert [cn_number(s) for s in ("十", "二十五", "两千", "一百零五", "一二")] == [10, 25, 2000, 105, 12]
    assert set("零〇两千") <= set(CN_NUMERALS)


def test_normalize_and_match_form():
    assert normalize("首台（套）ＬＰＲ") == "首台套lpr"
    assert match_form("出口信用\n 保险") == "出口信用保险"


def test_spans_point_into_the_text_as_written():
    text = "扩大出口信用\n保险覆盖面，首台(套)保险，按ＬＰＲ定价"
    located = Located(text)
    [(s, e)] = located.spans("出口信用保险")
    assert text[s:e] == "出口信用\n保险"
    assert [text[s:e] for s, e in located.spans("首台（套）")] == ["首台(套)"]
    assert [text[s:e] for s, e in located.spans("lpr")] == ["ＬＰＲ"]
    assert located.spans("不存在") == [] and located.spans("") == []


def test_term_spans_longest_first_without_overlap():
    text = "扩大出口信用保险覆盖面，保险机构"
    spans = term_spans(text, ["保险", "出口信用保险", "覆盖", ""])
    assert [(text[s:e], t) for s, e, t in spans] == [("出口信用保险", "出口信用保险"), ("覆盖", "覆盖"), ("保险", "保险")]


def test_found_terms_drop_terms_inside_longer_ones_and_single_ascii():
    assert found_terms(["出口信用保险", "保险", "信用", "外贸", "a"], "扩大出口信用保险覆盖面 a") == ["出口信用保险"]
    assert found_terms(["首台套"], "首台（套）重大技术装备") == ["首台套"]
    # Function words and other single characters are never marked, unless the question is that character.
    assert found_terms(["企业", "要", "融资"], "企业要加强融资") == ["企业", "融资"]
    assert found_terms(["贷"], "贷款") == ["贷"]


@given(st.text(alphabet="出口信用保险（）() \n首台套ＡａA1１", max_size=40),
       st.lists(st.text(alphabet="出口信用保险首台套aA1", min_size=1, max_size=4), max_size=4))
@example(text="信(信)", terms=["信"])
def test_every_span_is_the_term_in_matching_form(text, terms):
    previous = 0
    for s, e, term in term_spans(text, terms):
        assert previous <= s < e <= len(text)
        previous = e
        form = match_form(text[s:e])
        if form != match_form(term):
            # A term that starts inside a short insert and runs on past it (套保险 in 首台(套)保险) keeps the
            # insert's closing bracket inside its span; nothing else may differ.
            assert form.count(")") == 1 and "(" not in form and form.replace(")", "") == match_form(term)


def test_a_term_inside_an_insert_marks_only_itself():
    assert term_spans("信(信)", ["信"]) == [(0, 1, "信"), (2, 3, "信")]
    text = "首台(套)保险"
    assert [text[s:e] for s, e, _ in term_spans(text, ["首台套"])] == ["首台(套)"]
    assert [text[s:e] for s, e, _ in term_spans(text, ["套"])] == ["套"]


def test_quote_title():
    assert quote_title("关于印发《苏州市惠企政策》的通知") == "《关于印发〈苏州市惠企政策〉的通知》"
    assert quote_title("《已有书名号》") == "《已有书名号》" and quote_title("") == "《》"


def test_alternation_longest_first_escaped_once_each():
    pattern = alternation(("最高", "不超过"), ("最高不超过", "最高", "1.5+"))
    assert pattern == r"(?:最高不超过|1\.5\+|不超过|最高)"
    # A word never loses to its own beginning, whatever order the words were given in.
    assert re.match(pattern, "最高不超过3年").group() == "最高不超过"
    assert re.fullmatch(pattern, "1.5+") and not re.fullmatch(pattern, "105+")


def test_compact_view_maps_each_character_back():
    compact, pos = compact_view("不超过 3 个百分点，（二）")
    assert compact == "不超过3个百分点，(二)"  # the CJK sentence punctuation stays as written
    assert [("不超过 3 个百分点，（二）")[i] for i in pos] == list("不超过3个百分点，（二）")
    assert compact_view("无空格") == ("无空格", range(3))


@given(st.text(alphabet=st.sampled_from("国发〔2024〕5号 \t\n\u3000\u00a0\x1c")))
def test_no_spaces_drops_exactly_the_white_space(text):
    assert no_spaces(text) == "".join(c for c in text if not c.isspace())
