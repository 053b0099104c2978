"""The side-by-side comparison table, implementation links, and its DOCX/XLSX exports read back."""

from __future__ import annotations

import json
import re

import pytest

from kb.cli import main
from kb.compare import compare_measure, default_pair, may_implement
from kb.compare.export import NO_COUNTERPART, NO_DOCUMENT_TEXT, XLSX_COLUMNS, export_bytes, write
from kb.compare.table import NO_DOCUMENT, comparison_table
from kb.docx_style import BODY_FONT, TITLE_FONT, fallbacks_of, is_landscape_a4
from kb.models import Document
from kb.outline import display_path
from kb.policy_terms import is_policy_term, quoted_names

from .conftest import SEEDS

NATIONAL, NATIONAL_2 = "001_3b50df308c9c2e77.txt", "002_817478271669fba5.txt"
SUZHOU, LUOYANG, COUNTY = "000_70838f8e5a3ffbff.txt", "004_b17876d9791bd83c.txt", "003_142beb58a89e468f.txt"
FIRST_SET = "首台（套）重大技术装备保险补偿"
NONSENSE = "量子计算机太空旅游"


def squash(text: str) -> str:
    return re.sub(r"[\s*]+", "", text)


@pytest.fixture(scope="module")
def sources() -> dict[str, str]:
    return {p.name: squash(p.read_text("utf-8")) for p in SEEDS.glob("*.txt")}


@pytest.fixture(scope="module")
def table(seed_kb):
    return comparison_table(compare_measure(seed_kb, FIRST_SET), kb=seed_kb)


def test_one_row_per_document_by_level_and_date_and_a_row_for_a_level_without_one(table):
    assert [(r.level, r.document.source if r.document else None) for r in table.rows] == [
        ("national", NATIONAL), ("national", NATIONAL_2), ("provincial", None),
        ("municipal", SUZHOU), ("municipal", LUOYANG), ("county", COUNTY)]
    empty = table.rows[2]
    assert empty.status == NO_DOCUMENT and empty.matches == [] and empty.level_label == "省级"
    assert [r.document.source for r in table.document_rows] == [NATIONAL, NATIONAL_2, SUZHOU, LUOYANG, COUNTY]


def test_levels_restrict_the_level_rows(seed_kb):
    t = comparison_table(compare_measure(seed_kb, FIRST_SET, levels=["national", "county"]), levels=["national", "county"])
    assert [r.level for r in t.rows] == ["national", "national", "county"]


def test_clauses_are_ranked_and_carry_targets_and_units(table):
    for row in table.document_rows:
        scores = [m.score for m in row.matches]
        assert scores == sorted(scores, reverse=True)
        assert all(m.status == "match" for m in row.matches[1:])  # a further clause matches in its own right
        labels = [t.label for m in row.matches for t in m.clause.targets]
        assert [t.label for t in row.targets] == list(dict.fromkeys(labels))
    luoyang = next(r for r in table.rows if r.document and r.document.source == LUOYANG)
    assert "标准：实际投保费率 ≤ 3%" in [t.label for t in luoyang.targets]
    assert "国家金融监督管理总局洛阳监管分局" in luoyang.units


def test_each_row_is_set_against_a_document_it_may_implement(table):
    for row in table.document_rows:
        if row.level == "national":
            assert row.above is None and row.adds == [] and row.leaves_out == []
            continue
        higher = [r for r in table.document_rows if r.matches and r.level in ("national", "provincial", "municipal")
                  and ["national", "provincial", "municipal"].index(r.level) < ["national", "provincial",
                                                                               "municipal", "county"].index(row.level)]
        if not row.matches or not higher:
            assert row.above is None or row.matches
            continue
        assert row.above is not None and row.above in [r.document for r in higher]
        assert row.implements_above == may_implement(row.above, row.document)
        targets = {t.label for t in row.targets} | {t.label for r in table.rows if r.document is row.above
                                                    for t in r.targets}
        texts = "".join(m.clause.text for r in table.rows if r.document in (row.document, row.above)
                        for m in r.matches)
        named = set(quoted_names(texts))
        for term in row.adds + row.leaves_out:  # targets, policy terms or quoted names, never generic prose
            assert term in targets or is_policy_term(term) or term in named, term
    luoyang = next(r for r in table.rows if r.document and r.document.source == LUOYANG)
    assert luoyang.above.level == "national" and luoyang.implements_above
    county = next(r for r in table.rows if r.document and r.document.source == COUNTY)
    assert not county.implements_above  # 2020 and in 安徽: it implements neither the 2024 notice nor 苏州 or 洛阳


def test_no_counterpart_anywhere(seed_kb):
    t = comparison_table(compare_measure(seed_kb, NONSENSE))
    assert all(r.status in ("none", NO_DOCUMENT) and not r.matches for r in t.rows)
    assert all(r.adds == [] and r.leaves_out == [] and r.above is None for r in t.rows)


# ------------------------------------------------------------------ implementation links


def _doc(source, level, date="", region="", text="", refs=()) -> Document:
    return Document(id=source, source=source, format="txt", encoding="utf-8", sha256="", text=text, level=level,
                    date=date, region=region, references=list(refs))


def test_a_lower_document_implements_a_higher_one_only_when_later_and_inside_its_region():
    nation = _doc("n", "national", "2024-04-03", "全国")
    assert may_implement(nation, _doc("c", "county", "2024-06-01", "安徽省池州市东至县"))
    assert not may_implement(nation, _doc("c", "county", "2020-09-17", "安徽省池州市东至县"))  # 3.5 years before
    assert not may_implement(_doc("c", "county", "2024-06-01"), nation)  # upward
    assert not may_implement(nation, _doc("n2", "national", "2025-01-01", "全国"))  # same level
    province = _doc("p", "provincial", "2023-05-08", "广东省")
    assert may_implement(province, _doc("m", "municipal", "2023-09-01", "广东省广州市"))
    assert not may_implement(province, _doc("m", "municipal", "2023-09-01", "江苏省苏州市"))  # another province
    # undated: only when the document says it implements something
    assert not may_implement(nation, _doc("u", "municipal", "", "江苏省苏州市", text="一、总体要求。加强金融服务。"))
    assert may_implement(nation, _doc("u", "municipal", "", "江苏省苏州市", text="为贯彻落实党中央决策部署，现提出意见。"))


def test_default_pair_is_an_implementing_pair(seed_kb):
    a, b = default_pair(seed_kb)
    assert may_implement(a, b)
    assert (a.level, b.level) == ("national", "municipal")
    assert b.source != COUNTY  # the 2020 county opinion cannot implement the 2024 notice


def test_align_says_whether_b_may_implement_a(seed_kb):
    from kb.compare import align

    assert not align(seed_kb, NATIONAL, COUNTY, diffs=False).implements
    assert align(seed_kb, NATIONAL, LUOYANG, diffs=False).implements


# ------------------------------------------------------------------ exports read back


def _check_quote(text: str, source: str, sources: dict[str, str], table) -> None:
    row = next(r for r in table.document_rows if r.document.source == source)
    assert any(squash(text) == squash(m.clause.text) for m in row.matches), text[:40]
    assert squash(text) in sources[source], text[:40]  # verbatim from the file itself


def test_docx_is_a4_landscape_in_gongwen_fonts_with_every_quote_verbatim(table, sources, tmp_path):
    import docx

    path = tmp_path / "对照表.docx"
    write(table, path)
    doc = docx.Document(str(path))
    section = doc.sections[0]
    assert is_landscape_a4(section) and section.orientation == 1
    assert "PAGE" in section.footer._element.xml  # page numbers
    assert fallbacks_of(doc)[TITLE_FONT] == "黑体" and fallbacks_of(doc)[BODY_FONT] == "仿宋"
    title = doc.paragraphs[0]
    assert title.text == f"“{FIRST_SET}”多级政策对照表"
    assert title.runs[0]._element.rPr.rFonts.get(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == TITLE_FONT
    grid = doc.tables[0]
    assert [c.text for c in grid.rows[0].cells] == ["层级", "文件", "对应条款（原文）", "量化指标", "责任单位", "较上级文件"]
    body = grid.rows[1:]
    assert len(body) == len(table.rows)
    quotes = 0
    for row, tr in zip(table.rows, body, strict=True):
        cells = tr.cells
        assert cells[0].paragraphs[0].text == row.level_label
        if row.document is None:
            assert cells[1].text == NO_DOCUMENT_TEXT
            continue
        assert row.document.title in cells[1].text  # Chinese intact
        paragraphs = [p.text for p in cells[2].paragraphs]
        if not row.matches:
            assert paragraphs[0].startswith(NO_COUNTERPART)
        for i, m in enumerate(row.matches):
            assert paragraphs[2 * i].startswith(f"[{i + 1}] {display_path(m.clause)}")
            _check_quote(paragraphs[2 * i + 1], row.document.source, sources, table)
            quotes += 1
    assert quotes == sum(len(r.matches) for r in table.rows) > 0


def test_xlsx_reads_back_with_every_quote_verbatim(table, sources, tmp_path):
    import openpyxl

    path = tmp_path / "对照表.xlsx"
    path.write_bytes(export_bytes(table, "xlsx"))
    wb = openpyxl.load_workbook(path)
    ws = wb["多级对照"]
    assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4 == "9"
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == list(XLSX_COLUMNS)
    col = {name: i for i, name in enumerate(XLSX_COLUMNS)}
    records = rows[1:]
    assert len(records) == sum(max(1, len(r.matches)) for r in table.rows)
    assert records[2][col["层级"]] == "省级" and records[2][col["条款原文"]] == NO_DOCUMENT_TEXT
    for rec in records:
        source, text = rec[col["来源文件"]], rec[col["条款原文"]]
        if source and text != NO_COUNTERPART:
            _check_quote(text, source, sources, table)
            assert rec[col["条款序位"]] >= 1 and rec[col["置信度"]] > 0
    assert any("首台（套）" in (rec[col["条款原文"]] or "") for rec in records)
    assert "说明" in wb.sheetnames


def test_unknown_export_format_is_a_chinese_error(table):
    from kb.errors import QueryError

    with pytest.raises(QueryError, match="未知的导出格式"):
        export_bytes(table, "pdf")


# ------------------------------------------------------------------ CLI


def test_compare_command_exports(seed_index, tmp_path, capsys):
    import docx
    import openpyxl

    out = tmp_path / "t.docx"
    assert main(["--index", str(seed_index), "compare", FIRST_SET, "--format", "docx", "-o", str(out)]) == 0
    assert "已写入" in capsys.readouterr().out
    assert is_landscape_a4(docx.Document(str(out)).sections[0])
    out = tmp_path / "t.xlsx"
    assert main(["--index", str(seed_index), "compare", FIRST_SET, "-o", str(out)]) == 0  # format from the name
    assert openpyxl.load_workbook(out).active.title == "多级对照"
    assert main(["--index", str(seed_index), "compare", FIRST_SET, "--format", "xlsx"]) != 0
    assert "-o" in capsys.readouterr().err


def test_compare_command_json_has_ranked_clauses_and_the_new_fields(seed_index, capsys):
    assert main(["--index", str(seed_index), "compare", FIRST_SET, "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["source"] for r in rows] == [NATIONAL, NATIONAL_2, SUZHOU, LUOYANG, COUNTY]  # one per document
    for r in rows:
        assert {"clauses", "targets", "responsible_units", "above", "implements_above", "adds", "leaves_out"} <= set(r)
        assert [c["rank"] for c in r["clauses"]] == list(range(1, len(r["clauses"]) + 1))
        scores = [c["score"] for c in r["clauses"]]
        assert scores == sorted(scores, reverse=True)
        for t in r["targets"]:
            assert {"metric", "comparator", "value", "unit", "reference", "deadline", "kind", "display"} <= set(t)
