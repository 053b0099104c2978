"""The Streamlit app: what the pages show (ui/render.py, ui/tables.py, kb/facets.py, kb/outline.py …), and every
page through streamlit.testing.v1.AppTest."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from kb import catalog, corpus, facets, outline, progress
from kb.compare import lineage
from kb.models import Clause, Document, Filters, Target, TopicTag
from ui import render, state, tables

from .conftest import SEEDS

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
QUESTION = "出口信用保险怎么支持外贸制造企业"
TIMEOUT = 30


# ================================================================ what the pages show


def _clause(text: str, **kw) -> Clause:
    base = dict(id="d:1", doc_id="d", source="d.txt", ordinal=0, kind="measure", path="一、（一）", heading="标题",
                parents=["总体要求"], text=text, start=0, end=len(text))
    return Clause(**{**base, **kw})


def _doc(**kw) -> Document:
    base = dict(id="d", source="d.txt", format="txt", encoding="utf-8", sha256="", text="", title="关于测试的通知",
                level="county", region="某县", status="final")
    return Document(**{**base, **kw})


def test_highlight_escapes_before_marking():
    text = '<b onclick="x()">出口信用保险</b> & <script>alert(1)</script>'
    out = render.highlight_html(text, ["出口信用保险", "script"])
    assert "<script>" not in out and "<b " not in out
    assert "&lt;b onclick=&quot;x()&quot;&gt;<mark>出口信用保险</mark>&lt;/b&gt; &amp; " in out
    assert "&lt;<mark>script</mark>&gt;" in out


def test_highlight_term_that_looks_like_markup_is_escaped_inside_mark():
    assert render.highlight_html("a<br>b", ["<br>"]) == "a<mark>&lt;br&gt;</mark>b"


def test_highlight_across_line_breaks_widths_and_case():
    assert render.highlight_html("出口信用\n保险", ["出口信用保险"]) == "<mark>出口信用<br>保险</mark>"
    assert render.highlight_html("首台(套)保险", ["首台（套）"]) == "<mark>首台(套)</mark>保险"
    assert render.highlight_html("按LPR定价", ["lpr"]) == "按<mark>LPR</mark>定价"


def test_highlight_longest_term_wins_and_spans_merge():
    out = render.highlight_html("扩大出口信用保险覆盖面", ["保险", "出口信用保险", "覆盖"])
    assert out == "扩大<mark>出口信用保险</mark><mark>覆盖</mark>面" or out == "扩大<mark>出口信用保险覆盖</mark>面"
    assert out.count("保险") == 1


def test_highlight_extra_spans_are_clipped():
    assert render.highlight_html("abcdef", spans=[(4, 99), (-3, 1)]) == "<mark>a</mark>bcd<mark>ef</mark>"
    assert render.highlight_html("", ["x"]) == ""


def test_chips_escape_dedupe_and_mark_differences():
    html = render.chips_html(["<i>x</i>", "<i>x</i>", "贷款"], "target", highlight=["贷款"])
    assert html.count("kb-chip-target") == 2
    assert "&lt;i&gt;x&lt;/i&gt;" in html and "<i>" not in html
    assert 'kb-chip-diff">贷款' in html


def test_card_shows_path_title_badges_targets_topics():
    c = _clause("（一）不良贷款容忍度提高不超过3个百分点。",
                targets=[Target(3.0, "个百分点", "不超过", "提高不超过3个百分点", metric="不良贷款容忍度")],
                topics=[TopicTag("incentives", "考核激励与尽职免责", 2.0)])
    d = _doc(title="关于<测试>的通知", status="draft", doc_number="某发〔2024〕1号")
    html = render.clause_card_html(c, d, ["容忍度"])
    assert "一、（一）" in html and "《关于&lt;测试&gt;的通知》" in html
    assert "kb-level-county" in html and "县级" in html and "征求意见稿" in html
    assert "某发〔2024〕1号" in html and "<mark>容忍度</mark>" in html
    assert "不良贷款容忍度 ≤ 3个百分点" in html and "考核激励与尽职免责" in html


def test_path_segments():
    assert outline.path_segments("二、（一）1.") == ["二、", "（一）", "1."]
    assert outline.path_segments("一、增量") == ["一、", "增量"]
    assert outline.path_segments("第三条") == ["第三条"]
    assert outline.path_segments("") == []


def test_outline_tree_parts_measures_items(seed_kb):
    doc = seed_kb.document("003_142beb58a89e468f.txt")
    clauses = seed_kb.clauses_of(doc.id)
    tree = outline.outline_tree(clauses)
    ids = [n.clause_id for root in tree for n in root.walk() if n.clause_id]
    assert sorted(ids) == sorted(c.id for c in clauses)  # every clause once
    part = next(n for n in tree if n.marker == "二、")
    assert part.label == "工作举措" and not part.clause_id  # a part known only from its children
    measure = part.children[0]
    assert measure.marker == "（一）" and measure.label.startswith("结合地方实际")
    assert [n.marker for n in measure.children] == ["1.", "2.", "3.", "4."]
    goal = next(n for n in tree if n.marker == "一、")
    assert goal.clause_id and [n.label for n in goal.children] == ["增量", "扩面", "提质", "降本"]
    labels = outline.outline_labels(tree)
    assert labels[measure.children[0].clause_id].strip().startswith("二、（一）1. ")


def test_outline_tree_keeps_repeated_paths_and_unnumbered(seed_kb):
    doc = seed_kb.document("002_817478271669fba5.txt")
    clauses = seed_kb.clauses_of(doc.id)
    tree = outline.outline_tree(clauses)
    ids = [n.clause_id for root in tree for n in root.walk() if n.clause_id]
    assert sorted(ids) == sorted(c.id for c in clauses)
    html = render.outline_html(tree, clauses[3].id)
    assert html.count("kb-node-focus") == 1


def test_full_text_frames_the_clause(seed_kb):
    doc = seed_kb.document("001_3b50df308c9c2e77.txt")
    clause = seed_kb.clauses_of(doc.id)[5]
    html = render.full_text_html(doc, clause)
    assert html.count('class="kb-focus"') == 1
    assert render.escape_text(clause.text) in html
    assert outline.neighbours(seed_kb.clauses_of(doc.id), clause.id)[1].id == clause.id


def test_citation_list_operations():
    items = state.add_item(state.add_item(state.add_item([], "a"), "b"), "a")
    assert items == ["a", "b"]
    assert state.move_item(["a", "b", "c"], 2, -1) == ["a", "c", "b"]
    assert state.move_item(["a", "b", "c"], 0, -1) == ["a", "b", "c"]
    assert state.move_item(["a", "b", "c"], 2, 1) == ["a", "b", "c"]
    assert state.remove_item(["a", "b", "c"], 1) == ["a", "c"]


def test_filters_options_and_description(seed_kb):
    opts = facets.filter_options(seed_kb.documents, seed_kb.clauses)
    assert opts.levels == ["national", "municipal", "county"]
    assert "江苏省苏州市" in opts.regions and "insurance" in opts.topics
    f = facets.make_filters(levels=["county"], topics=["insurance"], date_from=__import__("datetime").date(2020, 1, 1))
    assert f.date_from == "2020-01-01" and f.date_to == ""
    said = facets.describe_filters(f, opts.topics)
    assert said[0] == "层级：县级" and "主题：保险保障" in said


def test_explain_empty(seed_kb):
    assert "请输入" in facets.explain_empty(seed_kb, "  ", None)
    narrow = Filters(levels=["county"], documents=["001_3b50df308c9c2e77"])
    msg = facets.explain_empty(seed_kb, QUESTION, narrow)
    assert msg.startswith("筛选条件过窄") and "层级：县级" in msg
    assert "没有条款包含" in facets.explain_empty(seed_kb, "zzqqxx", None)


def test_provenance_and_references(seed_kb):
    doc = seed_kb.document("001_3b50df308c9c2e77.txt")
    rows = {r["字段"]: r for r in tables.provenance_rows(doc)}
    assert rows["文号"]["值"] == "金发〔2024〕5号" and rows["文号"]["来源"] == "文件所载"
    county = seed_kb.document("003_142beb58a89e468f.txt")
    assert {r["字段"]: r for r in tables.provenance_rows(county)}["地区"]["来源"] == "目录填写"
    suzhou = {r["字段"]: r for r in tables.provenance_rows(seed_kb.document("000_70838f8e5a3ffbff.txt"))}
    assert suzhou["成文日期"]["值"] == "未注明" and suzhou["成文日期"]["来源"] == "未注明"
    luoyang = {r["字段"]: r for r in tables.provenance_rows(seed_kb.document("004_b17876d9791bd83c.txt"))}
    assert luoyang["发文机关"]["值"] == "洛阳市金融工作局（推断）" and luoyang["发文机关"]["来源"] == "推断"
    # The documents page shows the lineage links of kb.compare: unresolved for Suzhou's provincial parent …
    links = {(link.child.source, link.reference): link.parent for link in lineage(seed_kb)}
    assert links[("000_70838f8e5a3ffbff.txt", "省政府关于金融支持制造业发展的若干意见")] is None
    # … and resolved, in both directions, when the corpus holds the cited document.
    national = seed_kb.document("002_817478271669fba5.txt")
    child = _doc(id="x", references=["关于金融支持新型工业化的指导意见"])
    links = lineage(SimpleNamespace(documents=[*seed_kb.documents, child]))
    assert [link.parent for link in links if link.child is child] == [national]
    assert [link.child for link in links if link.parent is national] == [child]
    table = tables.documents_table(seed_kb.documents)
    assert [r["层级"] for r in table][:2] == ["国家", "国家"] and table[-1]["层级"] == "县级（推断）"  # from a 版记


def test_store_upload(tmp_path):
    ok = corpus.store_upload(tmp_path, "../../通知 a.txt", "关于金融支持的通知\n一、总体要求".encode())
    assert ok.ok and ok.saved_as == "通知_a.txt" and (tmp_path / "通知_a.txt").exists()
    assert not corpus.store_upload(tmp_path, "empty.txt", b"").ok
    assert "不支持" in corpus.store_upload(tmp_path, "x.exe", b"MZ").message
    bad = corpus.store_upload(tmp_path, "bad.pdf", b"%PDF-1.4 not really")
    assert not bad.ok and not (tmp_path / "bad.pdf").exists()  # unreadable files never enter the corpus
    dup = corpus.store_upload(tmp_path, "通知 a.txt", "另一份内容".encode())
    assert not dup.ok and "同名" in dup.message
    assert corpus.store_upload(tmp_path, "通知 a.txt", "另一份内容".encode(), replace=True).ok
    assert "过大" in corpus.store_upload(tmp_path, "big.txt", "字".encode() * 100, max_bytes=10).message


def test_catalog_form_round_trip():
    defaults = catalog.catalog_form_defaults({"issuers": ["财政部", "工业和信息化部"], "level": "county"})
    assert defaults["issuers"] == "财政部\n工业和信息化部" and defaults["title"] == ""
    values = catalog.catalog_form_values({**defaults, "title": "  标题 ", "references": "甲、乙\n丙"})
    assert values == {"issuers": ["财政部", "工业和信息化部"], "level": "county", "title": "标题",
                      "references": ["甲", "乙", "丙"]}


def test_progress_fraction_bounded_and_monotonic():
    seq = [progress.progress_fraction("解析文件", i, 5) for i in range(6)] + [progress.progress_fraction("分词", 1, 1)]
    assert seq == sorted(seq) and seq[0] == 0.0 and 0 < seq[-1] <= 1.0
    assert progress.progress_fraction("其他", 3, 0) == 1.0


# ================================================================ pages through AppTest


@pytest.fixture
def app_env(seed_index, monkeypatch, tmp_path):
    """The app reading the session's seed index (hash embedder); corpus edits go to a throwaway copy."""
    corpus = tmp_path / "app_corpus"
    shutil.copytree(SEEDS, corpus)
    monkeypatch.setenv("KB_INDEX", str(seed_index))
    monkeypatch.setenv("KB_CORPUS", str(corpus))
    monkeypatch.setenv("KB_EMBED_MODEL", "hash")
    monkeypatch.setenv("KB_ALLOW_ADMIN", "1")
    monkeypatch.setenv("KB_ADMIN_PASSWORD", ADMIN_PASSWORD)
    return corpus


ADMIN_PASSWORD = "测试-admin-secret"


def _admin(at, password: str = ADMIN_PASSWORD):
    """Open 管理 and sign in."""
    at.switch_page("ui/admin.py").run()
    at.text_input(key="admin_password").input(password)
    next(b for b in at.button if b.label == "登录").click().run()
    return at


def _app():
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(APP), default_timeout=TIMEOUT)


def _ok(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _keys(at, prefix: str) -> list[str]:
    return [b.key for b in at.button if b.key and b.key.startswith(prefix)]


def _html(at) -> str:
    return "\n".join(h.value for h in at.html)


def _search(at, question: str = QUESTION):
    at.text_input(key="search_q").input(question).run()
    _ok(at)
    return at


def test_search_page_start_shows_examples(app_env):
    at = _app().run()
    _ok(at)
    assert at.title[0].value == "检索"
    assert any("请输入问题" in i.value for i in at.info)
    example = at.button(key="example_0").label
    at.button(key="example_0").click().run()
    _ok(at)
    assert at.text_input(key="search_q").value == example
    assert _keys(at, "add_")


def test_search_returns_the_seed_clause_highlighted(app_env):
    at = _search(_app().run())
    adds = _keys(at, "add_")
    assert any(k.startswith("add_001_") for k in adds), adds
    html = _html(at)
    assert "<mark>出口信用保险</mark>" in html
    assert "《关于深化制造业金融服务助力推进新型工业化的通知》" in html and "金发〔2024〕5号" in html
    assert any(c.value.startswith("找到 ") and "毫秒" in c.value for c in at.caption)


def test_level_filter_narrows_to_the_county_document(app_env):
    at = _app().run()
    at.multiselect(key="f_levels").set_value(["county"])
    at = _search(at)
    adds = _keys(at, "add_")
    assert adds and all(k.startswith("add_003_") for k in adds), adds
    assert any("层级：县级" in c.value for c in at.caption)


def test_filters_too_narrow_says_why(app_env):
    at = _app().run()
    at.multiselect(key="f_levels").set_value(["county"])
    at.multiselect(key="f_docs").set_value(["001_3b50df308c9c2e77"])
    at = _search(at)
    assert not _keys(at, "add_")
    assert any("筛选条件过窄" in w.value for w in at.warning)
    at.button[[b.label for b in at.button].index("清除筛选")].click().run()
    _ok(at)
    assert _keys(at, "add_")


def test_document_text_cannot_inject_markup(seed_corpus, tmp_path, monkeypatch):
    from kb.build import build_index

    (seed_corpus / "evil.txt").write_text(
        "关于出口信用保险的通知\n一、总体要求\n（一）出口信用保险<script>alert('x')</script>"
        "支持外贸制造企业<img src=x onerror=alert(1)>。\n", "utf-8")
    index = tmp_path / "evil_index"
    assert build_index(seed_corpus, index, "hash").documents == 6
    monkeypatch.setenv("KB_INDEX", str(index))
    monkeypatch.setenv("KB_CORPUS", str(seed_corpus))
    at = _search(_app().run(), "出口信用保险 script 外贸")
    html = _html(at)
    assert "alert" in html  # the text is shown …
    assert "<script" not in html and "<img" not in html  # … but only as text
    assert "&lt;script&gt;" in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_citation_list_add_reorder_remove_and_export(app_env, monkeypatch):
    from openpyxl import load_workbook
    from streamlit.runtime.media_file_manager import MediaFileManager

    exported: dict[str, bytes] = {}
    original = MediaFileManager.add

    def capture(self, path_or_data, mimetype, coordinates, file_name=None, is_for_static_download=False):
        if file_name and isinstance(path_or_data, bytes):
            exported[Path(file_name).suffix.lstrip(".")] = path_or_data
        return original(self, path_or_data, mimetype, coordinates, file_name, is_for_static_download)

    monkeypatch.setattr(MediaFileManager, "add", capture)

    at = _search(_app().run())
    first, second = _keys(at, "add_")[:2]
    at.button(key=first).click().run()
    at.button(key=second).click().run()
    _ok(at)
    assert at.button(key=first).disabled  # shown as already collected
    ids = [first.removeprefix("add_"), second.removeprefix("add_")]
    assert at.session_state["kb_citations"] == ids

    at.switch_page("ui/citations.py").run()
    _ok(at)
    assert at.title[0].value == "引用清单"
    at.button(key=f"down_{ids[0]}").click().run()
    _ok(at)
    assert at.session_state["kb_citations"] == ids[::-1]
    labels = [b.label for b in at.download_button]
    assert labels == ["导出 CSV", "导出 Excel", "导出 Word", "导出 Markdown"]
    assert set(exported) == {"csv", "xlsx", "docx", "md"}

    sheet = load_workbook(io.BytesIO(exported["xlsx"])).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "序号" and len(rows) == 3
    assert [r[12] for r in rows[1:]] == ids[::-1]  # 条款编号, in the user's order
    assert exported["csv"].startswith(b"\xef\xbb\xbf")
    assert exported["docx"][:2] == b"PK" and "引用清单" in exported["md"].decode("utf-8")

    at.button(key=f"del_{ids[1]}").click().run()
    _ok(at)
    assert at.session_state["kb_citations"] == [ids[0]]


def test_empty_citation_list_explains(app_env):
    at = _app().run()
    at.switch_page("ui/citations.py").run()
    _ok(at)
    assert any("清单还是空的" in i.value for i in at.info)
    assert not at.download_button


def test_read_in_context_opens_the_document_with_the_clause(app_env):
    at = _search(_app().run())
    key = next(k for k in _keys(at, "ctx_") if k.startswith("ctx_001_"))
    clause_id = key.removeprefix("ctx_")
    at.button(key=key).click().run()
    _ok(at)
    assert at.title[0].value == "文件"
    assert at.selectbox(key="doc_select").value == "001_3b50df308c9c2e77"
    assert at.selectbox(key="doc_clause").value == clause_id
    html = _html(at)
    assert html.count('class="kb-focus"') == 1 and "kb-node-focus" in html
    assert at.query_params.get("clause") == clause_id


def test_documents_page_outline_metadata_and_links(app_env):
    at = _app().run()
    at.switch_page("ui/documents.py").run()
    _ok(at)
    assert len(at.dataframe) >= 2  # the corpus table and the provenance table
    at.selectbox(key="doc_select").set_value("000_70838f8e5a3ffbff").run()
    _ok(at)
    assert any(t.value == "未注明" for t in at.text)  # the 苏州 draft states no issuer and no date
    assert "kb-outline" in _html(at)
    assert any("省政府关于金融支持制造业发展的若干意见" in t.value and "未收录" in t.value for t in at.text)
    assert at.selectbox(key="doc_clause").options[0] == "（不定位，显示全文）"
    target = _seed_kb_clauses("000_70838f8e5a3ffbff")[3]
    at.selectbox(key="doc_clause").set_value(target.id).run()
    _ok(at)
    assert 'class="kb-focus"' in _html(at) and at.query_params.get("clause") == target.id
    at.button(key="doc_add").click().run()
    _ok(at)
    assert len(at.session_state["kb_citations"]) == 1


def test_documents_table_and_cards_mark_inferred_and_missing(app_env, seed_kb):
    rows = {r["文件"]: r for r in tables.documents_table(seed_kb.documents)}
    assert rows["004_b17876d9791bd83c.txt"]["发文机关"] == "洛阳市金融工作局（推断）"
    assert rows["000_70838f8e5a3ffbff.txt"]["成文日期"] == "未注明"
    from ui.render import doc_meta_html

    card = doc_meta_html(seed_kb.document("000_70838f8e5a3ffbff.txt"))
    assert "成文日期未注明" in card and "kb-inferred" in card


def test_admin_lists_fields_to_check(app_env):
    at = _admin(_app().run())
    _ok(at)
    frames = [d.value for d in at.dataframe if {"字段", "当前值"} <= set(d.value.columns)]
    assert frames and len(frames[0]) > 0  # the 待核实 table
    records = frames[0].to_dict("records")
    assert {"文件": "004_b17876d9791bd83c.txt", "字段": "发文机关"}.items() <= next(
        r for r in records if r["文件"] == "004_b17876d9791bd83c.txt" and r["字段"] == "发文机关").items()
    assert any(r["文件"] == "000_70838f8e5a3ffbff.txt" and r["当前值"] == "未注明" for r in records)
    # the reason before the file name, so it is on screen at 1,400 px; every column has a width that fits
    columns = list(frames[0].columns)
    assert columns.index("依据") < columns.index("文件") and set(columns) == set(tables.CHECK_WIDTHS)
    assert sum(tables.CHECK_WIDTHS.values()) <= 1000


def _seed_kb_clauses(doc_id: str) -> list[Clause]:
    import os

    from kb.library import Library

    return Library.load(Path(os.environ["KB_INDEX"])).clauses_of(doc_id)


def test_documents_page_from_a_shared_link(app_env):
    clause = _seed_kb_clauses("004_b17876d9791bd83c")[4]
    at = _app().run()
    at.switch_page("ui/documents.py")
    at.query_params["doc"] = "004_b17876d9791bd83c.txt"  # the file name works as well as the id
    at.query_params["clause"] = clause.id
    at.run()
    _ok(at)
    assert at.selectbox(key="doc_select").value == "004_b17876d9791bd83c"
    assert at.selectbox(key="doc_clause").value == clause.id


def test_no_index_tells_how_to_build(app_env, tmp_path, monkeypatch):
    monkeypatch.setenv("KB_INDEX", str(tmp_path / "nothing_here"))
    at = _app().run()
    _ok(at)
    assert any("make run" in i.value and "kb build" in i.value for i in at.info)
    for page in ("ui/compare.py", "ui/documents.py", "ui/citations.py"):
        at.switch_page(page).run()
        _ok(at)
        assert any("make run" in i.value for i in at.info), page


def test_admin_upload_bad_and_good_files(app_env):
    at = _admin(_app().run())
    _ok(at)
    at.file_uploader(key="upload_files").set_value([
        ("empty.txt", b"", "text/plain"),
        ("broken.pdf", b"%PDF-1.4 this is not a pdf", "application/pdf"),
        ("../新 通知.txt", "关于金融支持制造业的通知\n一、总体要求\n（一）加大信贷投放。".encode(), "text/plain"),
    ]).run()  # choosing files reruns the page, which enables the save button
    at.button(key="upload_save").click().run()
    _ok(at)
    errors = [e.value for e in at.error]
    assert any("empty.txt" in e and "文件为空" in e for e in errors), errors
    assert any("broken.pdf" in e for e in errors), errors
    assert any("新_通知.txt" in s.value.replace("\\", "") for s in at.success)  # shown escaped: 新\_通知
    assert (app_env / "新_通知.txt").exists() and not (app_env / "broken.pdf").exists()


def test_admin_edit_metadata(app_env):
    from kb.catalog import load_catalog

    at = _admin(_app().run())
    at.selectbox(key="meta_source").set_value("001_3b50df308c9c2e77.txt").run()
    _ok(at)
    form = at.text_input
    date_box = next(t for t in form if t.label.startswith("成文日期"))
    date_box.input("2024-13-40")
    at.button[[b.label for b in at.button].index("保存元数据")].click().run()
    _ok(at)
    assert any("未保存" in e.value and "不是有效日期" in e.value for e in at.error)
    assert "001_3b50df308c9c2e77.txt" not in load_catalog(app_env)

    date_box = next(t for t in at.text_input if t.label.startswith("成文日期"))
    date_box.input("2024-04-03")
    next(t for t in at.text_input if t.label == "地区").input("全国")
    at.button[[b.label for b in at.button].index("保存元数据")].click().run()
    _ok(at)
    assert any("已保存" in s.value for s in at.success)
    assert load_catalog(app_env)["001_3b50df308c9c2e77.txt"] == {"date": "2024-04-03", "region": "全国"}


def test_admin_builds_a_first_index_with_progress(app_env, tmp_path, monkeypatch):
    index = tmp_path / "fresh_index"
    monkeypatch.setenv("KB_INDEX", str(index))
    (app_env / "junk.txt").write_bytes(bytes(range(256)) * 8)  # one bad file must not stop the others
    at = _admin(_app().run())
    _ok(at)
    at.button(key="build_incremental").click().run()
    _ok(at)
    assert at.get("progress") and at.get("progress")[0].value == 100
    assert any("已构建新索引" in s.value for s in at.success)
    assert any("1 个文件未能索引" in e.value for e in at.error)
    assert at.dataframe  # the per-file errors
    at.switch_page("ui/search.py").run()
    at = _search(at)
    assert _keys(at, "add_")


def test_admin_failed_build_leaves_the_running_index(app_env, tmp_path, monkeypatch):
    from kb.build import build_index
    from kb.store import current_build

    index = tmp_path / "running_index"
    build_index(app_env, index, "hash")
    before = current_build(index)
    monkeypatch.setenv("KB_INDEX", str(index))
    (app_env / "catalog.toml").write_text('["x.txt"]\nlevel = "galactic"\n', "utf-8")
    at = _admin(_app().run())
    at.button(key="build_full").click().run()
    _ok(at)
    assert any("构建失败" in e.value and "没有改动" in e.value for e in at.error)
    assert current_build(index) == before


def test_admin_hidden_when_disabled(app_env, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("KB_ALLOW_ADMIN", "0")
    at = _app().run()
    _ok(at)
    with pytest.raises(ValueError):
        at.switch_page("ui/admin.py")
    page = AppTest.from_file(str(ROOT / "ui" / "admin.py"), default_timeout=TIMEOUT)  # the file, run directly
    page.run()
    assert not page.exception
    assert any("KB_ALLOW_ADMIN=0" in i.value for i in page.info)
    assert not page.file_uploader and not page.button


@pytest.mark.parametrize("page", ["ui/search.py", "ui/compare.py", "ui/documents.py",
                                  "ui/citations.py", "ui/admin.py"])
def test_every_page_renders_without_exception(app_env, page):
    at = _app().run()
    at.switch_page(page).run()
    _ok(at)
    assert at.title


def test_search_shows_what_it_understood_as_removable_chips(app_env):
    at = _search(_app().run(), "洛阳对上市企业有什么支持")
    assert any(b.key == "cue_region:河南省洛阳市" and b.label.startswith("地区 洛阳") for b in at.button)
    adds = _keys(at, "add_")
    assert adds and adds[0].startswith("add_004_")  # 洛阳's own clause first
    at.button(key="cue_region:河南省洛阳市").click().run()
    _ok(at)
    assert not any(b.key == "cue_region:河南省洛阳市" for b in at.button)
    assert any(b.key == "cue_restore" for b in at.button)


def test_off_topic_question_gets_an_honest_empty_answer(app_env):
    at = _search(_app().run(), "住房公积金怎么提取")
    assert not _keys(at, "add_")
    assert any("本库中没有找到与此问题相关的条款" in w.value and "公积金" in w.value for w in at.warning)
    toggles = [t for t in at.toggle if t.key == "search_show_weak"]
    assert toggles and not _keys(at, "weak_add_")  # weaker candidates: only on request …
    toggles[0].set_value(True).run()
    _ok(at)
    assert not _keys(at, "add_") and _keys(at, "weak_add_")  # … and apart from the answer


def test_admin_is_off_without_a_password(app_env, monkeypatch):
    """Case 15: no administrator password configured, no 管理 page; run directly, it says how to enable it."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.delenv("KB_ADMIN_PASSWORD")
    at = _app().run()
    _ok(at)
    with pytest.raises(ValueError):
        at.switch_page("ui/admin.py")
    page = AppTest.from_file(str(ROOT / "ui" / "admin.py"), default_timeout=TIMEOUT)
    page.run()
    assert not page.exception
    assert any("KB_ADMIN_PASSWORD" in i.value for i in page.info)
    assert not page.file_uploader and not page.button


def test_admin_needs_the_password(app_env):
    at = _admin(_app().run(), password="wrong")
    _ok(at)
    assert any("密码不正确" in e.value for e in at.error)
    assert not at.file_uploader
    at = _admin(_app().run())
    _ok(at)
    assert at.file_uploader


def test_document_strings_are_shown_as_text(app_env, tmp_path, monkeypatch):
    """Case 9: a heading or title with a link or an image is shown as those characters, never rendered
    (no link, no image fetched) in the Markdown widgets of the documents page."""
    from kb.build import build_index

    corpus = tmp_path / "md_corpus"
    corpus.mkdir()
    (corpus / "inj.txt").write_text(
        "关于[点此](http://evil.example/x)的通知\n一、总体要求\n"
        "（一）![像素](http://evil.example/p.png)加强领导。各单位要加强领导，$x$ :red[注意]。\n", "utf-8")
    index = tmp_path / "md_index"
    assert build_index(corpus, index, "hash").ok
    monkeypatch.setenv("KB_INDEX", str(index))
    monkeypatch.setenv("KB_CORPUS", str(corpus))
    at = _app().run()
    at.switch_page("ui/documents.py").run()
    _ok(at)
    from kb.search import KnowledgeBase

    target = next(c for c in KnowledgeBase.load(index).clauses if "加强领导" in c.text)
    at.selectbox(key="doc_clause").set_value(target.id).run()
    _ok(at)
    shown = [e.value for e in [*at.subheader, *at.caption, *at.markdown, *at.info, *at.error]]
    heading = next(v for v in shown if "加强领导" in v and "条款" in v)
    assert "](http" not in heading.replace("\\]", "") and "\\[" in heading, heading
    assert all("](http" not in v.replace("\\]", "") for v in shown), shown
