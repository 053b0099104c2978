"""Citation export: reference lines, locators, and each file format read back."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl.utils import get_column_letter

from kb import export
from kb.citation import Citation, citation_from, citations_from, position_label, reference_line
from kb.errors import KBError, QueryError
from kb.export import (
    COLUMNS,
    export_bytes,
    quote_title,
    write_csv,
    write_docx,
    write_markdown,
    write_xlsx,
)
from kb.models import Clause, Document, Hit

TITLE = "关于深化制造业金融服务助力推进新型工业化的通知"
NATIONAL_REF = (
    "国家金融监督管理总局, 工业和信息化部, 国家发展改革委. "
    "关于深化制造业金融服务助力推进新型工业化的通知: 金发〔2024〕5号[A]. 2024-04-03."
)
EXPORTED = date(2024, 5, 2)
ACCESSED = date(2024, 5, 1)
NASTY = "=SUM(A1) <script>alert(1)</script>支持*重点*企业"  # already normalised


def _doc(**kw) -> Document:
    base = dict(id="d", source="x.txt", format="txt", encoding="utf-8", sha256="0", text="")
    return Document(**{**base, **kw})


def _clause(**kw) -> Clause:
    base = dict(id="c", doc_id="d", source="x.txt", ordinal=0, kind="measure", path="", heading="",
                parents=[], text="", start=0, end=0)  # fmt: skip
    return Clause(**{**base, **kw})


@pytest.fixture
def national() -> Document:
    return _doc(
        id="n1", source="001_national.txt", title=TITLE,
        issuers=["国家金融监督管理总局", "工业和信息化部", "国家发展改革委"],
        doc_number="金发〔2024〕5 号", date="2024-04-03", level="national", region="全国",
    )  # fmt: skip


@pytest.fixture
def draft() -> Document:
    return _doc(
        id="m1", source="002_suzhou.txt", title="苏州市支持制造业高质量发展的若干措施",
        issuers=["苏州市人民政府办公室"], level="municipal", region="江苏省苏州市", status="draft",
    )  # fmt: skip


@pytest.fixture
def citations(national: Document, draft: Document) -> list[Citation]:
    c1 = _clause(id="n1-9", doc_id="n1", source=national.source, kind="measure", path="三、（九）",
                 heading="加强供应链融资提升产业链韧性",
                 text="（九）加强供应链融资\n提升产业链韧性。鼓励金融机构  依托产业链核心企业。")  # fmt: skip
    c2 = _clause(id="n1-3", doc_id="n1", source=national.source, kind="item", path="二、（一）1.",
                 heading="", text="1.加大制造业中长期贷款投放。")  # fmt: skip
    c3 = _clause(id="m1-0", doc_id="m1", source=draft.source, kind="preamble", path="", text=NASTY)
    return citations_from([(c1, national), (c2, national), (c3, draft)], accessed=ACCESSED)


# ---------------------------------------------------------------- records


def test_citation_fields(citations: list[Citation]) -> None:
    c = citations[0]
    assert [x.index for x in citations] == [1, 2, 3]
    assert c.title == TITLE
    assert c.title_quoted == f"《{TITLE}》"
    assert c.issuers_text == "国家金融监督管理总局、工业和信息化部、国家发展改革委"
    assert c.doc_number == "金发〔2024〕5号"  # the space from PDF extraction is gone
    assert (c.date, c.level_label, c.region, c.status_label) == ("2024-04-03", "国家", "全国", "正式稿")
    assert c.path == "三、（九）"
    assert c.text == "（九）加强供应链融资提升产业链韧性。鼓励金融机构依托产业链核心企业。"
    assert (c.source, c.clause_id, c.source_url) == ("001_national.txt", "n1-9", "")
    assert c.reference == NATIONAL_REF
    assert c.locator == f"《{TITLE}》（金发〔2024〕5号）第三部分第（九）项"
    assert citations[2].status_label == "征求意见稿" and citations[2].is_draft


def test_citations_from_hits(national: Document) -> None:
    clause = _clause(path="一、", text="一、总体要求")
    hits = [Hit(rank=1, score=0.9, clause=clause, document=national)]
    (c,) = citations_from(hits)
    assert c.index == 1 and c.locator.endswith("第一部分")


def test_quote_title_nests_inner_marks() -> None:
    assert quote_title("关于印发《苏州市惠企政策》的通知") == "《关于印发〈苏州市惠企政策〉的通知》"
    assert quote_title("《已有书名号》") == "《已有书名号》"


# ---------------------------------------------------------------- reference lines


def test_reference_line_national_exact(national: Document) -> None:
    assert reference_line(national) == NATIONAL_REF


def test_reference_line_draft_marker(draft: Document) -> None:
    assert (
        reference_line(draft)
        == "苏州市人民政府办公室. 苏州市支持制造业高质量发展的若干措施（征求意见稿）[A]."
    )
    draft.title = "苏州市若干措施（征求意见稿）"
    assert reference_line(draft).count("征求意见稿") == 1


def test_reference_line_online(national: Document) -> None:
    national.source_url = "https://www.nfra.gov.cn/cn/view/pages/ItemDetail.html?docId=1155"
    assert reference_line(national, ACCESSED) == (
        "国家金融监督管理总局, 工业和信息化部, 国家发展改革委. "
        "关于深化制造业金融服务助力推进新型工业化的通知: 金发〔2024〕5号[EB/OL]. "
        "(2024-04-03)[2024-05-01]. https://www.nfra.gov.cn/cn/view/pages/ItemDetail.html?docId=1155."
    )
    national.date = ""
    assert "[EB/OL]. [2024-05-01]. https://" in reference_line(national, ACCESSED)


def test_reference_line_missing_fields() -> None:
    assert reference_line(_doc(title="某某办法")) == "某某办法[A]."
    assert reference_line(_doc(title="某某办法", date="2023-01-02")) == "某某办法[A]. 2023-01-02."
    assert reference_line(_doc(title="", source="003.txt")) == "未注明题名[A]."  # a file name is not a title
    many = _doc(title="某某通知", issuers=["甲部", "乙部", "丙部", "丁部"])
    assert reference_line(many) == "甲部, 乙部, 丙部, 等. 某某通知[A]."


# ---------------------------------------------------------------- locators


@pytest.mark.parametrize(
    ("path", "kind", "expected"),
    [
        ("三、（九）", "measure", "第三部分第（九）项"),
        ("二、（一）1.", "item", "第二部分第（一）项第1条"),
        ("二、（一）1.（3）", "item", "第二部分第（一）项第1条第（3）点"),
        ("一、", "part", "第一部分"),
        ("（五）", "measure", "第（五）项"),
        ("第三条", "article", "第三条"),
        ("第二章第十二条", "article", "第二章第十二条"),
        (" 三、 (九) ", "measure", "第三部分第（九）项"),
        ("附件1", "item", "附件1"),
        ("", "preamble", "前言"),
        ("", "closing", "结尾"),
        ("", "", "前言"),
    ],
)
def test_position_label(path: str, kind: str, expected: str) -> None:
    assert position_label(path, kind) == expected


def test_locator_draft_without_number(citations: list[Citation]) -> None:
    assert citations[2].locator == "《苏州市支持制造业高质量发展的若干措施（征求意见稿）》前言"
    assert citations[1].locator == f"《{TITLE}》（金发〔2024〕5号）第二部分第（一）项第1条"


# ---------------------------------------------------------------- files read back


def test_csv(citations: list[Citation], tmp_path) -> None:
    out = tmp_path / "c.csv"
    write_csv(citations, out)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\r\n") == len(citations) + 1
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == list(COLUMNS)
    assert rows[1][:5] == [
        "1",
        TITLE,
        "国家金融监督管理总局、工业和信息化部、国家发展改革委",
        "金发〔2024〕5号",
        "2024-04-03",
    ]
    assert rows[1][8] == "三、（九）" and rows[1][11] == NATIONAL_REF
    assert rows[3][8] == "前言"
    assert rows[3][10] == "'" + NASTY  # formula neutralised, the rest verbatim
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_csv_to_text_buffer(citations: list[Citation]) -> None:
    buf = io.StringIO()
    write_csv(citations, buf)
    assert buf.getvalue().encode("utf-8") == export_bytes(citations, "csv")


def test_xlsx(citations: list[Citation], tmp_path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "c.xlsx"
    write_xlsx(citations, out)
    wb = load_workbook(out)
    assert wb.sheetnames == ["引用清单", "引用文件"]
    ws = wb["引用清单"]
    rows = [[cell.value for cell in row] for row in ws.iter_rows()]
    assert rows[0] == list(COLUMNS)
    assert rows[1][:4] == [
        1,
        TITLE,
        "国家金融监督管理总局、工业和信息化部、国家发展改革委",
        "金发〔2024〕5号",
    ]
    assert rows[1][11] == NATIONAL_REF
    assert len(rows) == len(citations) + 1
    assert all(cell.font.b for cell in ws[1])
    assert ws.freeze_panes == "A2"
    text = ws.cell(row=4, column=COLUMNS.index("条款原文") + 1)
    assert text.value == NASTY and text.data_type == "s"  # a string, never a formula
    assert text.alignment.wrap_text
    assert [r[COLUMNS.index("条款原文")] for r in rows[1:]] == [c.text for c in citations]  # full text

    def width(name: str) -> float:
        return ws.column_dimensions[get_column_letter(COLUMNS.index(name) + 1)].width

    # Chinese takes two cells a character: 文号 fits 金发〔2024〕5号 (5 wide chars + 5 digits) unclipped
    assert width("文号") >= export.display_width("金发〔2024〕5号") == 15
    assert width("层级") >= export.display_width("层级")
    assert export.XLSX_WIDTHS["条款原文"] >= width("条款原文") > width("序号")
    long = [citation_from(_clause(text="支持" * 400), _doc(title="某办法"))]
    write_xlsx(long, tmp_path / "long.xlsx")
    text_col = get_column_letter(COLUMNS.index("条款原文") + 1)
    assert load_workbook(tmp_path / "long.xlsx").active.column_dimensions[text_col].width == 80  # wraps

    docs = wb["引用文件"]
    drows = [[cell.value for cell in row] for row in docs.iter_rows()]
    assert drows[0] == list(export.DOCUMENT_COLUMNS) and docs.freeze_panes == "A2"
    assert [r[:2] for r in drows[1:]] == [[1, TITLE], [2, "苏州市支持制造业高质量发展的若干措施"]]
    assert [r[export.DOCUMENT_COLUMNS.index("引用条数")] for r in drows[1:]] == [2, 1]
    assert drows[1][export.DOCUMENT_COLUMNS.index("参考文献")] == NATIONAL_REF


def test_display_width() -> None:
    assert export.display_width("abc") == 3
    assert export.display_width("引用（1）") == 9


def test_docx(citations: list[Citation], tmp_path) -> None:
    import docx
    from docx.oxml.ns import qn

    from kb import docx_style

    out = tmp_path / "c.docx"
    write_docx(citations, out, exported_on=EXPORTED)
    d = docx.Document(str(out))
    texts = [p.text for p in d.paragraphs]
    joined = "\n".join(texts)
    assert texts[0] == "引用清单" and texts[1] == "（2024年5月2日导出　共3条）"
    assert f"1. 《{TITLE}》 三、（九） 加强供应链融资提升产业链韧性" in texts
    assert citations[0].text in texts and NASTY in texts
    assert f"出处：{citations[0].locator}　参考文献[1]" in texts
    assert "发文机关：国家金融监督管理总局、工业和信息化部、国家发展改革委" in joined
    refs = texts[texts.index("参考文献") + 1 :]
    assert refs == [f"[1] {NATIONAL_REF}", f"[2] {citations[2].reference}"]  # one line per document
    quotes = [p for p in d.paragraphs if p.style.name == "Quote"]
    assert [q.text for q in quotes] == [c.text for c in citations]

    # GB/T 9704: A4 portrait, 37/35/28/26 mm margins, page numbers in the footer
    section = d.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert [round(m.mm) for m in (section.top_margin, section.bottom_margin, section.left_margin,
                                  section.right_margin)] == [37, 35, 28, 26]  # fmt: skip
    assert " PAGE " in section.footer.paragraphs[0]._p.xml
    # fonts: 小标宋 title, 仿宋_GB2312 三号 body, 黑体 headings in black, fallbacks in the font table
    title_run = d.paragraphs[0].runs[0]
    assert title_run.element.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    assert title_run.font.size.pt == 22
    normal = d.styles["Normal"]
    assert normal.element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312" and normal.font.size.pt == 16
    heading = d.styles["Heading 1"]
    assert heading.element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    assert heading.element.rPr.rFonts.get(qn("w:eastAsiaTheme")) is None
    assert str(heading.font.color.rgb) == "000000" and heading.font.color.theme_color is None
    assert docx_style.fallbacks_of(d)["方正小标宋简体"] == "黑体"
    assert docx_style.fallbacks_of(d)["仿宋_GB2312"] == "仿宋"


def test_docx_quotes_verbatim_from_sources(seed_kb, tmp_path) -> None:
    """Every quote in an exported list is the clause as its source document has it (whitespace aside)."""
    import re

    import docx

    hits = seed_kb.search("供应链金融 出口信用保险 贷款", k=12, retriever="bm25")
    assert len(hits) >= 5
    out = tmp_path / "seed.docx"
    write_docx(citations_from(hits), out, exported_on=EXPORTED)
    quotes = [p.text for p in docx.Document(str(out)).paragraphs if p.style.name == "Quote"]
    assert len(quotes) == len(hits)

    def bare(s: str) -> str:
        return re.sub(r"\s+", "", s)

    for quote, hit in zip(quotes, hits, strict=True):
        assert bare(quote) == bare(hit.clause.text)
        assert bare(quote) in bare(hit.document.text)


def test_markdown(citations: list[Citation], tmp_path) -> None:
    out = tmp_path / "c.md"
    write_markdown(citations, out, exported_on=EXPORTED)
    md = out.read_text(encoding="utf-8")
    assert md.startswith("# 引用清单\n")
    assert f"1. **《{TITLE}》 三、（九） 加强供应链融资提升产业链韧性**" in md
    assert "   > （九）加强供应链融资提升产业链韧性。" in md
    assert r"   > =SUM(A1) \<script\>alert(1)\</script\>支持\*重点\*企业" in md
    assert "<script>" not in md
    assert "## 参考文献" in md
    assert r"\[1\] 国家金融监督管理总局, 工业和信息化部, 国家发展改革委. " in md
    assert md.count(r"\[2\] ") == 1 and r"\[3\] " not in md


def test_markdown_escape() -> None:
    assert export.md_escape("1. 开头") == r"1\. 开头"
    assert export.md_escape("- 项目 a_b `c`") == r"\- 项目 a\_b \`c\`"


def test_markdown_keeps_url_clickable(national: Document) -> None:
    national.source_url = "https://example.gov.cn/a_b.html"
    c = citation_from(_clause(path="一、"), national, ACCESSED)
    md = export_bytes([c], "md", exported_on=EXPORTED).decode("utf-8")
    assert "<https://example.gov.cn/a_b.html>." in md


# ---------------------------------------------------------------- export_bytes


@pytest.mark.parametrize("fmt", ["csv", "md"])
def test_export_bytes_text_formats_match_files(citations: list[Citation], tmp_path, fmt: str) -> None:
    out = tmp_path / f"c.{fmt}"
    export.WRITERS[fmt](citations, out, **({"exported_on": EXPORTED} if fmt == "md" else {}))
    assert export_bytes(citations, fmt, exported_on=EXPORTED) == out.read_bytes()


def test_export_bytes_office_formats_match_files(citations: list[Citation], tmp_path) -> None:
    import docx
    from openpyxl import load_workbook

    write_xlsx(citations, tmp_path / "a.xlsx")
    (tmp_path / "b.xlsx").write_bytes(export_bytes(citations, "xlsx"))
    sheets = [[[c.value for c in r] for r in load_workbook(tmp_path / n).active.iter_rows()]
              for n in ("a.xlsx", "b.xlsx")]  # fmt: skip
    assert sheets[0] == sheets[1]

    write_docx(citations, tmp_path / "a.docx", exported_on=EXPORTED)
    (tmp_path / "b.docx").write_bytes(export_bytes(citations, "docx", exported_on=EXPORTED))
    paras = [[p.text for p in docx.Document(str(tmp_path / n)).paragraphs] for n in ("a.docx", "b.docx")]
    assert paras[0] == paras[1]


def test_write_picks_format_from_extension(citations: list[Citation], tmp_path) -> None:
    export.write(citations, tmp_path / "c.CSV")
    assert (tmp_path / "c.CSV").read_bytes() == export_bytes(citations, "csv")


def test_unknown_format(citations: list[Citation]) -> None:
    with pytest.raises(QueryError, match="未知的导出格式：pdf，可选 csv、xlsx、docx、md") as e:
        export_bytes(citations, "pdf")
    assert isinstance(e.value, KBError)


def test_empty_list_still_writes_headers() -> None:
    assert export_bytes([], "csv").decode("utf-8-sig") == ",".join(COLUMNS) + "\r\n"
    assert export_bytes([], "xlsx")[:2] == b"PK"
