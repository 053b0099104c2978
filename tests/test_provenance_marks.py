"""Honest citations: every document field keeps where its value came from; inferred values are marked
（推断） and missing ones 未注明 in `kb docs`, the app and every export format, read back here; the GB/T 7714
line is built from stated and catalog values only."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import date

import pytest

from kb.citation import citations_from, reference_line
from kb.export import export_bytes
from kb.models import Clause, Document, Evidence

TITLE = "关于金融支持制造业优势产业链的若干措施"


def _doc() -> Document:
    """Title and region stated, issuers derived from 责任单位 lines, level inferred, no date, no 文号."""
    doc = Document(id="d", source="d.txt", format="txt", encoding="utf-8", sha256="0", text="",
                   title=TITLE, issuers=["洛阳市金融工作局"], level="municipal", region="河南省洛阳市")
    doc.provenance = {
        "title": Evidence(TITLE, "extracted", "header"),
        "issuers": Evidence(["洛阳市金融工作局"], "derived", "责任单位中最常见的“市金融工作局”，按地区补全"),
        "level": Evidence("municipal", "derived", "正文提及洛阳市23次"),
        "region": Evidence("河南省洛阳市", "catalog", "catalog.toml [d.txt]"),
        "status": Evidence("final", "default", "未见征求意见稿字样"),
    }
    return doc


def _citations():
    clause = Clause(id="d:1", doc_id="d", source="d.txt", ordinal=0, kind="measure", path="一、（一）",
                    heading="保持制造业贷款稳定增长", parents=[], text="（一）保持制造业贷款稳定增长。", start=0, end=0)
    return citations_from([(clause, _doc())], accessed=date(2024, 5, 1))


def test_field_provenance_and_marks():
    doc = _doc()
    kinds = {k: doc.field_provenance(k) for k in ("title", "issuers", "doc_number", "date", "level", "region",
                                                  "status")}
    assert kinds == {"title": "stated", "issuers": "inferred", "doc_number": "missing", "date": "missing",
                     "level": "inferred", "region": "catalog", "status": "stated"}
    assert doc.shown("issuers") == "洛阳市金融工作局（推断）"
    assert doc.shown("level") == "市级（推断）"
    assert doc.shown("date") == "未注明"
    assert doc.to_check() == ["issuers", "date", "level"]


def test_reference_line_uses_stated_and_catalog_values_only():
    ref = reference_line(_doc())
    assert "洛阳市金融工作局" not in ref and "推断" not in ref
    assert ref == f"{TITLE}[A]."
    untitled = _doc()
    untitled.title = "d"
    untitled.provenance["title"] = Evidence("d", "default", "正文无可识别标题，暂用文件名")
    assert reference_line(untitled).startswith("未注明题名[A]")


def _rows_csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def _rows_xlsx(data: bytes) -> list[dict[str, str]]:
    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


@pytest.mark.parametrize("fmt, read", [("csv", _rows_csv), ("xlsx", _rows_xlsx)])
def test_tables_read_back_with_marks(fmt, read):
    (row,) = read(export_bytes(_citations(), fmt))
    assert row["文件标题"] == TITLE
    assert row["发文机关"] == "洛阳市金融工作局（推断）"
    assert row["文号"] == "未注明" and row["成文日期"] == "未注明"
    assert row["层级"] == "市级（推断）" and row["地区"] == "河南省洛阳市"
    assert "洛阳市金融工作局" not in row["参考文献"]


def _text_docx(data: bytes) -> str:
    import docx

    return "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)


@pytest.mark.parametrize("fmt, read", [("docx", _text_docx), ("md", lambda b: b.decode("utf-8"))])
def test_documents_read_back_with_marks(fmt, read):
    text = read(export_bytes(_citations(), fmt, exported_on=date(2024, 5, 2)))
    assert "发文机关：洛阳市金融工作局（推断）" in text
    assert "成文日期：未注明" in text and "文号：未注明" in text
    assert "层级：市级（推断）" in text
    reference = next(line for line in text.split("\n") if line.startswith(("[1]", "\\[1\\]")))
    assert "洛阳市金融工作局" not in reference


def test_seed_exports_mark_what_the_text_does_not_state(seed_kb):
    """The 洛阳 draft's issuer comes from 责任单位 lines, the 苏州 draft states neither issuer nor date."""
    docs = {d.source: d for d in seed_kb.documents}
    luoyang, suzhou = docs["004_b17876d9791bd83c.txt"], docs["000_70838f8e5a3ffbff.txt"]
    pairs = [(next(c for c in seed_kb.clauses if c.doc_id == d.id and c.kind == "measure"), d) for d in (luoyang, suzhou)]
    rows = _rows_csv(export_bytes(citations_from(pairs), "csv"))
    assert rows[0]["发文机关"] == "洛阳市金融工作局（推断）"
    assert rows[1]["发文机关"] == "未注明" and rows[1]["成文日期"] == "未注明"
    assert "洛阳市金融工作局" not in rows[0]["参考文献"]


def test_kb_docs_marks_and_json_provenance(seed_index):
    run = [sys.executable, "-m", "kb.cli", "docs", "--index", str(seed_index)]
    out = subprocess.run(run, capture_output=True, text=True, check=True).stdout
    assert "（推断）" in out and "未注明" in out
    records = [json.loads(line) for line in subprocess.run(run + ["--json"], capture_output=True, text=True,
                                                           check=True).stdout.splitlines()]
    luoyang = next(r for r in records if r["source"] == "004_b17876d9791bd83c.txt")
    assert luoyang["fields"]["issuers"]["provenance"] == "inferred"
    assert luoyang["fields"]["region"]["provenance"] == "catalog"
    assert "issuers" in luoyang["to_check"]


def _comparison_table():
    """A one-document comparison of the 洛阳 fixture: its clause matched, every other level without a document."""
    from kb.compare.results import ClauseMatch, CompareRow, Comparison
    from kb.compare.table import comparison_table

    clause = Clause(id="d:1", doc_id="d", source="d.txt", ordinal=0, kind="measure", path="一、（一）",
                    heading="保持制造业贷款稳定增长", parents=[], text="（一）保持制造业贷款稳定增长。", start=0, end=0)
    row = CompareRow(_doc(), "match", 0.8, [ClauseMatch(clause, 1.2, 0.8, "match")])
    return comparison_table(Comparison("制造业贷款", "", "制造业贷款", [row], {"match": 0.4, "weak": 0.1}))


def test_comparison_xlsx_reads_back_with_marks():
    """The comparison's workbook cites a document as the citation list does (it showed inferred values bare and
    missing ones as empty cells)."""
    from openpyxl import load_workbook

    from kb.compare.export import export_bytes as table_bytes

    rows = list(load_workbook(io.BytesIO(table_bytes(_comparison_table(), "xlsx"))).active.iter_rows(values_only=True))
    record = next(dict(zip(rows[0], r, strict=True)) for r in rows[1:] if r[rows[0].index("来源文件")] == "d.txt")
    assert record["发文机关"] == "洛阳市金融工作局（推断）"
    assert record["文号"] == "未注明" and record["成文日期"] == "未注明"
    assert record["层级"] == "市级（推断）" and record["地区"] == "河南省洛阳市"


def test_comparison_docx_reads_back_with_marks():
    """The DOCX 文件 cell labels each field (it read “日期不详” and showed no issuer), the 层级 cell marks an inferred
    level, and the notes say what the marks mean."""
    import docx

    from kb.compare.export import export_bytes as table_bytes

    document = docx.Document(io.BytesIO(table_bytes(_comparison_table(), "docx")))
    row = next(r for r in document.tables[0].rows[1:] if TITLE in r.cells[1].text)
    lines = [p.text for p in row.cells[1].paragraphs]
    assert "发文机关：洛阳市金融工作局（推断）" in lines
    assert "文号：未注明" in lines and "成文日期：未注明" in lines
    assert "日期不详" not in row.cells[1].text
    assert [p.text for p in row.cells[0].paragraphs] == ["市级", "（推断）"]
    assert any("（推断）" in p.text and "未注明" in p.text for p in document.paragraphs)


def test_cli_search_and_compare_mark_what_the_text_does_not_state(seed_index, seed_kb, capsys):
    """`kb search` and `kb compare` name each document as it is cited (they showed an inferred level bare, and
    kb compare said 日期不详 where every other view says 未注明); a path that ends in its heading is not followed
    by the heading again (一、提质 提质)."""
    from kb.cli import main

    assert main(["--index", str(seed_index), "search", "出口信用保险", "-k", "10", "--json"]) == 0
    sources = [json.loads(line)["source"] for line in capsys.readouterr().out.splitlines()]
    assert main(["--index", str(seed_index), "search", "出口信用保险", "-k", "10"]) == 0
    heads = [line for line in capsys.readouterr().out.splitlines() if line[:1].isdigit() and ". [" in line]
    docs = {d.source: d for d in seed_kb.documents}
    assert heads and len(heads) == len(sources)
    for line, source in zip(heads, sources, strict=True):
        d = docs[source]
        assert d.cited_title() in line and d.shown("level") in line
        assert (d.date if d.date else "成文日期未注明") in line
    inferred = [d for d in seed_kb.documents if d.field_provenance("level") == "inferred"]
    undated = [d for d in seed_kb.documents if not d.date]
    assert inferred and undated  # the seeds hold both cases
    assert main(["--index", str(seed_index), "compare", "考核激励", "--per-doc", "3"]) == 0
    out = capsys.readouterr().out
    assert "日期不详" not in out
    for d in inferred:
        assert f"【{d.shown('level')}】{d.source}" in out
    for d in undated:
        line = next(x for x in out.splitlines() if x.startswith("【") and d.source in x)
        assert "成文日期未注明" in line
    for c in (c for c in seed_kb.clauses if c.heading and c.path.endswith(c.heading) and c.path != c.heading):
        assert f"{c.path} {c.heading}" not in out
