"""Staff-facing polish of the app: the first screen, facet counts, quieter cards, reading a clause in context,
bad deep links, the admin page in Chinese, progress inside one file."""

from __future__ import annotations

import re

import pytest

from kb import facets, outline
from kb.models import Filters
from kb.progress import progress_fraction, progress_text
from ui import render

from . import test_app
from .test_app import QUESTION, _app, _clause, _doc, _html, _keys, _ok, _search, _seed_kb_clauses

app_env = test_app.app_env  # the same fixture: the app on the session's seed index

# ================================================================ library parts


def test_facet_counts_keep_the_other_choices(seed_kb):
    all_counts = facets.facet_counts(seed_kb, Filters())
    by_level: dict[str, int] = {}
    for d in seed_kb.documents:
        by_level[d.level] = by_level.get(d.level, 0) + 1
    assert all_counts["levels"] == by_level
    county = facets.facet_counts(seed_kb, Filters(levels=["county"]))
    assert county["levels"] == by_level  # a facet's own choice does not narrow its counts
    county_regions = {d.region for d in seed_kb.documents if d.level == "county"}
    assert set(county["regions"]) == county_regions  # the other facets do
    assert sum(county["documents"].values()) == by_level["county"]
    assert facets.counted("国家", 2) == "国家 (2)" and "无结果" in facets.counted("省级", 0)


def test_facet_counts_of_topics_count_documents_with_such_clauses(seed_kb):
    counts = facets.facet_counts(seed_kb, Filters())["topics"]
    for key, n in counts.items():
        assert n == len({c.doc_id for c in seed_kb.clauses if key in c.topic_keys})


def test_corpus_overview(seed_kb):
    o = facets.corpus_overview(seed_kb.documents, seed_kb.clauses)
    assert o.documents == len(seed_kb.documents) and o.clauses == len(seed_kb.clauses)
    assert sum(n for _, n in o.levels) == o.documents and o.levels[0][0] == "国家"
    assert sum(n for _, n in o.regions) == o.documents
    assert o.drafts == sum(d.status == "draft" for d in seed_kb.documents)
    dated = sorted(d.date for d in seed_kb.documents if d.date)
    assert (o.date_min, o.date_max) == (dated[0], dated[-1])


def test_example_questions_come_from_the_corpus(seed_kb):
    questions = facets.example_questions(seed_kb.clauses)
    assert len(questions) == 3 and len(set(questions)) == 3
    headings = {c.heading.strip().rstrip("。；;，,") for c in seed_kb.clauses if c.heading}
    for q in questions:
        core = q.removeprefix("如何").removesuffix("？")
        assert q.endswith("？") and "，" not in q and any(h.startswith(core) for h in headings), q
        assert seed_kb.search(q, k=3)  # each one finds something


def test_example_questions_follow_the_corpus_not_a_list():
    a = _clause("x", id="a:1", doc_id="a", heading="加大首贷续贷支持力度", topics=[])
    from kb.models import TopicTag

    a.topics = [TopicTag("credit", "信贷投放", 3.0)]
    assert facets.example_questions([a]) == ["如何加大首贷续贷支持力度？"]
    assert facets.example_questions([]) == []


def test_card_body_does_not_repeat_the_heading():
    c = _clause("（一）加大信贷投放。鼓励银行增加中长期贷款。", path="一、（一）", heading="加大信贷投放")
    html = render.clause_card_html(c, _doc())
    body = html[html.index('class="kb-text"'):]
    assert "鼓励银行增加中长期贷款" in body and "加大信贷投放" not in body
    assert outline.body_start(c) == len("（一）加大信贷投放。")
    only = _clause("（一）加大信贷投放。", heading="加大信贷投放")
    assert outline.body_start(only) == 0  # nothing else to show: keep the text
    other = _clause("鼓励银行增加中长期贷款。", heading="加大信贷投放")
    assert outline.body_start(other) == 0


def test_score_line_is_behind_a_details_toggle(seed_kb):
    hit = seed_kb.search(QUESTION, k=1)[0]
    html = render.score_details_html(hit)
    assert html.startswith('<details class="kb-score"><summary>排名第 1')
    assert "第 1 条" not in html  # reads as an article of the document, not the rank of a result
    assert "相关度" in html[html.index("</summary>"):] and "相关度" not in html[: html.index("</summary>")]


def test_full_text_opens_at_the_clause_with_its_place():
    text = "前面的话。\n一、总体要求\n（一）加大信贷投放。鼓励银行。\n后面的话。"
    start = text.index("（一）")
    end = text.index("\n后面")
    doc = _doc(text=text)
    c = _clause(text[start:end], path="一、（一）", heading="加大信贷投放", parents=["总体要求"], start=start, end=end)
    html = render.full_text_html(doc, c)
    assert '<div class="kb-trail">一、总体要求 › （一）加大信贷投放</div>' in html
    assert html.index('<details class="kb-before">') < html.index("前面的话") < html.index("</details>")
    assert html.index("</details>") < html.index('id="kb-focus"')
    assert "scrollIntoView" in render.FOCUS_SCRIPT


def test_progress_text_inside_one_file():
    assert progress_text("解析文件", 0, 1) == "解析文件：第 1/1 个"
    assert progress_text("解析文件", 0.4, 1) == "解析文件：第 1/1 个（40%）"
    assert progress_text("解析文件", 2.5, 3) == "解析文件：第 3/3 个（50%）"
    assert progress_text("分词", 120, 189) == "分词：120/189"
    assert 0 < progress_fraction("解析文件", 0.4, 1) < progress_fraction("解析文件", 0.9, 1) < 0.9


def test_build_reports_progress_within_a_single_file(tmp_path):
    from kb.build import build_index

    corpus = tmp_path / "c"
    corpus.mkdir()
    body = "".join(f"（{i}）加大第{i}项支持力度。鼓励金融机构提供服务，支持企业发展。\n" for i in range(1, 400))
    (corpus / "big.txt").write_text("关于金融支持制造业的若干措施\n一、总体要求\n" + body, "utf-8")
    calls: list[tuple[str, float, int]] = []
    build_index(corpus, tmp_path / "idx", "none", progress=lambda s, d, t: calls.append((s, d, t)))
    parsing = [d for s, d, t in calls if s == "解析文件" and t == 1]
    inside = [d for d in parsing if 0 < d < 1]
    assert len(inside) >= 2 and inside == sorted(inside)


def test_uploader_css_replaces_the_english_texts():
    css = render.uploader_css(64, [".txt", ".pdf"])
    assert 'content: "选择文件"' in css and "单个文件不超过 64 MB · 支持 TXT、PDF" in css
    assert "stFileUploaderDropzoneInstructions" in css


# ================================================================ pages


def test_first_screen_shows_the_corpus_and_examples(app_env):
    at = _app().run()
    _ok(at)
    assert [m.label for m in at.metric] == ["文件", "条款", "成文日期", "征求意见稿"]
    assert at.metric[0].value == str(len(_all_docs()))
    html = _html(at)
    assert "按层级：" in html and "按地区：" in html and "国家 " in html
    examples = [at.button(key=f"example_{i}").label for i in range(3)]
    assert examples == facets.example_questions(_all_clauses())


def _all_docs():
    import os
    from pathlib import Path

    from kb.library import Library

    return Library.load(Path(os.environ["KB_INDEX"])).documents


def _all_clauses():
    import os
    from pathlib import Path

    from kb.library import Library

    return Library.load(Path(os.environ["KB_INDEX"])).clauses


def test_filters_show_counts_and_no_select_all(app_env):
    at = _app().run()
    _ok(at)
    levels = at.multiselect(key="f_levels")
    assert all(re.fullmatch(r"(国家|省级|市级|县级) \(\d+\)", o) for o in levels.options), levels.options
    assert not levels.proto.select_all  # no English "Select all" entry
    levels.set_value(["county"]).run()
    _ok(at)
    regions = at.multiselect(key="f_regions").options
    assert any("无结果" in o for o in regions) and any(re.search(r"\(\d+\)$", o) for o in regions)
    county = {d.region for d in _all_docs() if d.level == "county"}
    assert all(("无结果" in o) != any(o.startswith(r + " (") for r in county) for o in regions)


def test_result_cards_are_quieter(app_env):
    at = _search(_app().run())
    html = _html(at)
    assert '<details class="kb-score">' in html
    assert not any("相关度" in c.value for c in at.caption)


def test_outline_is_clickable_and_the_clause_is_shown_in_context(app_env):
    at = _app().run()
    at.switch_page("ui/documents.py").run()
    at.selectbox(key="doc_select").set_value("000_70838f8e5a3ffbff").run()
    _ok(at)
    target = _seed_kb_clauses("000_70838f8e5a3ffbff")[3]
    nodes = _keys(at, "ol_")
    assert f"ol_{target.id}" in nodes and len(nodes) >= 5
    at.button(key=f"ol_{target.id}").click().run()
    _ok(at)
    assert at.selectbox(key="doc_clause").value == target.id
    assert at.button(key=f"ol_{target.id}").proto.type == "primary"  # the focused line stands out
    html = _html(at)
    assert 'class="kb-trail"' in html and 'id="kb-focus"' in html
    assert any("scrollIntoView" in h.value for h in at.html)
    assert at.query_params.get("clause") == target.id


def test_read_in_context_scrolls_to_the_clause(app_env):
    at = _search(_app().run())
    key = next(k for k in _keys(at, "ctx_") if k.startswith("ctx_001_"))
    at.button(key=key).click().run()
    _ok(at)
    assert any("scrollIntoView" in h.value for h in at.html)
    assert at.button(key=f"ol_{key.removeprefix('ctx_')}").proto.type == "primary"


@pytest.mark.parametrize("link", ["nosuch.txt", "000_nosuch"])
def test_bad_deep_link_says_the_document_does_not_exist(app_env, link):
    at = _app().run()
    at.switch_page("ui/documents.py")
    at.query_params["doc"] = link
    at.run()
    _ok(at)
    assert any(f"文件“{link}”不存在" in e.value for e in at.error)


def test_good_deep_link_has_no_error(app_env):
    at = _app().run()
    at.switch_page("ui/documents.py")
    at.query_params["doc"] = "004_b17876d9791bd83c.txt"
    at.run()
    _ok(at)
    assert not at.error


def test_admin_lists_documents_by_title(app_env):
    at = test_app._admin(_app().run())
    _ok(at)
    table = at.dataframe[0].value
    assert list(table.columns)[0] == "标题"
    titles = {f"《{d.title}》" for d in _all_docs()}
    assert titles <= set(table["标题"])
    assert at.file_uploader(key="upload_files").label.startswith("选择政策文件")
    assert any("选择文件" in h.value and "单个文件不超过" in h.value for h in at.html)
    label = at.selectbox(key="meta_source").options[0]
    assert label.startswith("《")


def test_lineage_table_fits_its_columns(app_env):
    import json

    at = _app().run()
    at.switch_page("ui/compare.py").run()
    _ok(at)
    table = next(d for d in at.dataframe if "标题相似度" in d.value.columns)
    config = json.loads(table.proto.columns)
    assert {name: config[name]["width"] for name in table.value.columns} == {
        "文件": "medium", "层级": "small", "所落实的文件": "medium", "本库中的文件": "medium", "标题相似度": "small"}


def test_deep_link_to_a_missing_clause_says_so(app_env):
    at = _app().run()
    at.switch_page("ui/documents.py")
    at.query_params["doc"] = "004_b17876d9791bd83c"
    at.query_params["clause"] = "004_b17876d9791bd83c:nosuch"
    at.run()
    _ok(at)
    assert any("条款“004_b17876d9791bd83c:nosuch”不在这份文件中" in w.value for w in at.warning)
    assert at.selectbox(key="doc_select").value == "004_b17876d9791bd83c"


def test_comparison_table_marks_document_fields_as_the_cards_do():
    """The 文件 cell of the 对比 table says 成文日期未注明 and marks an inferred region and title （推断）, as the
    result cards do (it said 日期不详 and showed inferred values bare)."""
    from types import SimpleNamespace

    from kb.models import Document, Evidence

    doc = Document(id="d", source="d.txt", format="txt", encoding="utf-8", sha256="0", text="",
                   title="关于支持临港发展的意见", level="provincial", region="上海市")
    doc.provenance = {"title": Evidence(doc.title, "derived", "据正文拟定"),
                      "region": Evidence("上海市", "derived", "正文提及上海市")}
    cell = render.table_doc_html(SimpleNamespace(document=doc))
    assert "《关于支持临港发展的意见》（推断）" in cell
    assert '<div class="kb-cell-meta kb-inferred">上海市（推断）</div>' in cell
    assert '<div class="kb-cell-meta kb-inferred">成文日期未注明</div>' in cell
    assert "日期不详" not in cell
    doc.doc_number = "国办发〔2019〕6号"
    doc.provenance["doc_number"] = Evidence(doc.doc_number, "extracted", "版头")
    numbered = render.table_doc_html(SimpleNamespace(document=doc))
    assert '<div class="kb-cell-meta kb-docno">国办发〔2019〕<wbr>6号</div>' in numbered  # breaks after 〕 only
    card = render.doc_meta_html(doc)
    assert "上海市（推断）" in card and "成文日期未注明" in card and "（推断）" in card.split("上海市")[0]


def test_an_inferred_level_is_marked_on_cards_and_in_the_comparison_table():
    """The level badge of a result card reads 省级（推断） and the 对比 table's 层级 cell puts （推断） under its badge
    when the level was inferred (both showed a bare 省级 while every export marked it); a stated level stays bare."""
    from types import SimpleNamespace

    from kb.models import Document, Evidence

    doc = Document(id="d", source="d.txt", format="txt", encoding="utf-8", sha256="0", text="",
                   title="关于支持临港发展的意见", level="provincial", region="上海市")
    doc.provenance = {"level": Evidence("provincial", "derived", "正文提及上海市")}
    assert '<span class="kb-badge kb-level-provincial">省级（推断）</span>' in render.doc_meta_html(doc)
    cell = render.level_cell_html(SimpleNamespace(document=doc, level="provincial"))
    assert '<div class="kb-cell-meta kb-inferred">（推断）</div>' in cell and ">省级</span>" in cell
    doc.provenance["level"] = Evidence("provincial", "extracted", "发文机关上海市人民政府")
    assert "（推断）" not in render.doc_meta_html(doc)
    assert "（推断）" not in render.level_cell_html(SimpleNamespace(document=doc, level="provincial"))
    assert "本级" not in render.level_cell_html(SimpleNamespace(document=None, level="county"))


def test_a_clause_outside_the_numbered_outline_is_named_by_its_part():
    """A preamble hit says where it sits (前言), as the outline does, instead of only the opening words of its text;
    a numbered clause keeps its path, in result cards and in the 对比 table alike."""
    text = "近年来，各地区、各部门认真贯彻落实有关部署，取得积极成效。"
    preamble = _clause(text, kind="preamble", path="", heading="", parents=[])
    card = render.clause_card_html(preamble, _doc())
    assert '<span class="kb-path">前言</span>近年来' in card
    assert outline.outline_tree([preamble])[0].label == render.clause_place(preamble) == "前言"
    numbered = _clause("（一）加大信贷投放。鼓励银行。", path="一、（一）加大信贷投放", heading="加大信贷投放")
    assert render.clause_head_html(numbered, "[1] ", "kb-cell-head") == (
        '<div class="kb-card-head kb-cell-head"><span class="kb-path">[1] 一、（一）</span>加大信贷投放</div>')


def test_date_filters_are_full_width_and_say_which_date(app_env):
    """Side by side in the sidebar the date boxes cut their yyyy-mm-dd hint to "yyyy-mm-d"; one under the other
    they show it whole, labelled by the date they filter on."""
    at = _app().run()
    _ok(at)
    assert [d.label for d in at.sidebar.date_input] == ["成文日期起", "成文日期止"]
    assert all(not col.date_input for col in at.sidebar.columns)
    assert all("成文日期" in d.help for d in at.sidebar.date_input)


def test_style_sheet_holds_no_markup():
    """The style sheet goes to the page inside st.html's <style>; a tag in it (even in a comment) ends the sheet
    early and the whole app shows unstyled."""
    css = render.CSS.removeprefix("<style>\n").removesuffix("</style>\n")
    assert "<" not in css
