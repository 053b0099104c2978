"""Reading corpus files: every format, encoding detection, and a clear ReadError for every bad input."""

from __future__ import annotations

import hashlib
import io
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.clean import clean_text
from kb.errors import ReadError
from kb.models import RawDocument
from kb.read import SUPPORTED_SUFFIXES, decode_text, iter_corpus, read_file, scan_corpus

from .conftest import SEEDS

TITLE = "关于金融支持制造业发展的实施意见"
BODY = "一、总体要求\n为深入贯彻党中央国务院关于金融服务制造业的决策部署，现提出如下意见。"
TEXT = f"{TITLE}\n{BODY}\n"


def write(tmp_path: Path, name: str, data: bytes | str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


def reason(path: Path, **kw) -> str:
    with pytest.raises(ReadError) as info:
        read_file(path, **kw)
    assert info.value.source == path.name
    return info.value.reason


def make_pdf(path: Path, pages: list[list[str]]) -> Path:
    """A PDF whose text is drawn with reportlab's built-in CID font STSong-Light (Adobe-GB1).

    The font has no embedded glyphs and no ToUnicode map, but its encoding UniGB-UCS2-H is a
    predefined CMap that pypdf knows, so pypdf extracts the Chinese text correctly.
    """
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    for lines in pages:
        c.setFont("STSong-Light", 12)
        y = 780
        for line in lines:
            c.drawString(72, y, line)
            y -= 20
        c.showPage()
    c.save()
    return path


# --- text formats and encodings -------------------------------------------------------------------


def test_utf8_text(tmp_path):
    path = write(tmp_path, "a.txt", TEXT)
    doc = read_file(path)
    assert isinstance(doc, RawDocument)
    assert (doc.source, doc.format, doc.encoding, doc.text) == ("a.txt", "txt", "utf-8", TEXT)
    assert doc.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert doc.size == path.stat().st_size
    assert Path(doc.path).is_absolute()


def test_utf8_bom(tmp_path):
    doc = read_file(write(tmp_path, "a.txt", "\ufeff" + TEXT))
    assert doc.encoding == "utf-8-sig"
    assert doc.text == TEXT  # the BOM is not part of the text


@pytest.mark.parametrize("codec", ["gb18030", "gbk", "gb2312"])
def test_gb_family_is_detected(tmp_path, codec):
    doc = read_file(write(tmp_path, "a.txt", TEXT, codec))
    assert doc.encoding == "gb18030"  # GBK and GB2312 bytes are valid GB18030
    assert doc.text == TEXT


def test_gb18030_only_characters(tmp_path):
    text = "䶮和𠀀都是 GB18030 才有的字。\n" + TEXT  # not in GBK; four-byte sequences in GB18030
    doc = read_file(write(tmp_path, "a.txt", text, "gb18030"))
    assert (doc.encoding, doc.text) == ("gb18030", text)


def test_utf16_with_bom(tmp_path):
    doc = read_file(write(tmp_path, "a.txt", TEXT, "utf-16"))
    assert (doc.encoding, doc.text) == ("utf-16", TEXT)


def test_markdown_suffixes(tmp_path):
    assert read_file(write(tmp_path, "a.md", "# 标题\n正文。")).format == "md"
    assert read_file(write(tmp_path, "b.markdown", "# 标题\n正文。")).format == "md"


def test_line_breaks_and_control_characters(tmp_path):
    doc = read_file(write(tmp_path, "a.txt", "第一行\r\n第二行\r第三行\f第四行\x07\x1b。\t表格"))
    assert doc.text == "第一行\n第二行\n第三行\n第四行。\t表格"


def test_undetectable_encoding(tmp_path, monkeypatch):
    import charset_normalizer

    class Nothing:
        def best(self):
            return None

    monkeypatch.setattr(charset_normalizer, "from_bytes", lambda data: Nothing())
    data = b"abc" + b"\x80\x81\xfe" * 20  # invalid in UTF-8 and in GB18030
    assert reason(write(tmp_path, "a.txt", data)) == "无法识别的文本编码"


def test_decode_text_falls_back_to_charset_normalizer():
    # "é " is invalid GB18030 (a lead byte before a space), so only the detector can decode it.
    text = "Le café est très bon, à Paris. " * 20
    decoded, encoding = decode_text("a.txt", text.encode("cp1252"))
    assert encoding not in ("utf-8", "utf-8-sig", "gb18030")
    assert decoded.startswith("Le café est tr")


# --- HTML -----------------------------------------------------------------------------------------

PAGE = """<!DOCTYPE html><html><head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>关于金融支持制造业发展的实施意见_某某市人民政府</title>
<style>p {{ margin: 0 }}</style></head>
<body><header>网站首页 政务公开</header><nav><a href="/">首页</a></nav>
<h1>关于金融支持制造业发展的实施意见</h1>
<p>一、总体要求</p><p>鼓励银行业金融机构加大信贷投放。</p>
<script>var 统计 = 1;</script>
<footer>版权所有：某某市人民政府</footer></body></html>"""


@pytest.mark.parametrize("charset", ["gb2312", "GBK", "gb18030"])
def test_html_meta_charset(tmp_path, charset):
    path = write(tmp_path, "a.html", PAGE.format(charset=charset), "gbk")
    doc = read_file(path)
    assert (doc.format, doc.encoding) == ("html", "gb18030")
    assert "鼓励银行业金融机构加大信贷投放。" in doc.text  # raw HTML; cleaning extracts the text
    cleaned = clean_text(doc.text, doc.format)
    assert cleaned.split("\n") == ["关于金融支持制造业发展的实施意见", "一、总体要求", "鼓励银行业金融机构加大信贷投放。"]


def test_html_short_meta_and_htm_suffix(tmp_path):
    page = '<html><head><meta charset="gbk"></head><body><p>正文内容。</p></body></html>'
    doc = read_file(write(tmp_path, "a.htm", page, "gbk"))
    assert (doc.format, doc.encoding) == ("html", "gb18030")


def test_html_wrong_meta_charset_is_detected(tmp_path):
    page = '<html><head><meta charset="utf-8"></head><body><p>正文内容，金融支持制造业。</p></body></html>'
    doc = read_file(write(tmp_path, "a.html", page, "gbk"))  # declared utf-8, really GBK
    assert doc.encoding == "gb18030"
    assert "金融支持制造业" in doc.text


def test_html_without_visible_text_is_empty(tmp_path):
    page = "<html><head><title>标题</title><script>var a = '正文';</script></head><body> </body></html>"
    assert reason(write(tmp_path, "a.html", page)).startswith("文件为空")


# --- PDF ------------------------------------------------------------------------------------------


def test_pdf_text_layer(tmp_path):
    path = make_pdf(tmp_path / "a.pdf", [[TITLE, "一、总体要求。2024年4月3日", "— 1 —"], ["第二页内容，测试。"]])
    doc = read_file(path)
    assert (doc.format, doc.encoding) == ("pdf", "binary")
    assert TITLE in doc.text
    assert "一、总体要求。2024年4月3日" in doc.text
    assert doc.text.index(TITLE) < doc.text.index("第二页内容，测试。")
    assert "— 1 —" not in clean_text(doc.text, "pdf")


def test_pdf_encrypted_with_password(tmp_path):
    from pypdf import PdfWriter

    plain = make_pdf(tmp_path / "plain.pdf", [[TITLE]])
    writer = PdfWriter(clone_from=plain)
    # RC4: AES would need the optional cryptography package to write.
    writer.encrypt("secret", algorithm="RC4-128")
    with open(tmp_path / "locked.pdf", "wb") as f:
        writer.write(f)
    assert reason(tmp_path / "locked.pdf") == "PDF 已加密"


def test_pdf_encrypted_only_against_editing_is_read(tmp_path):
    from pypdf import PdfWriter

    plain = make_pdf(tmp_path / "plain.pdf", [[TITLE]])
    writer = PdfWriter(clone_from=plain)
    writer.encrypt("", owner_password="owner", algorithm="RC4-128")  # empty password opens it
    with open(tmp_path / "owner.pdf", "wb") as f:
        writer.write(f)
    assert TITLE in read_file(tmp_path / "owner.pdf").text


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95])
def test_pdf_truncated(tmp_path, keep):
    data = make_pdf(tmp_path / "full.pdf", [[TITLE], ["第二页"]]).read_bytes()
    path = write(tmp_path, "cut.pdf", data[: int(len(data) * keep)])
    assert reason(path) == "PDF 文件已损坏或不完整"


def test_pdf_garbage(tmp_path):
    assert reason(write(tmp_path, "a.pdf", b"this is not a pdf at all")).startswith("PDF 文件已损坏或不完整")
    data = b"%PDF-1.4\n" + bytes(range(256)) * 10 + b"\n%%EOF\n"
    assert reason(write(tmp_path, "b.pdf", data)).startswith("PDF 文件已损坏或不完整")


def test_pdf_without_text_layer(tmp_path):
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(tmp_path / "scan.pdf"))
    c.rect(72, 72, 400, 600, fill=1)  # stands in for a scanned image: no text operators
    c.showPage()
    c.save()
    assert reason(tmp_path / "scan.pdf") == "PDF 没有文本层（可能是扫描件）"


# --- DOCX -----------------------------------------------------------------------------------------


def make_docx(path: Path) -> Path:
    import docx

    d = docx.Document()
    d.add_paragraph(TITLE)
    d.add_paragraph("一、总体要求")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "责任单位"
    table.cell(0, 1).text = "任务"
    table.cell(1, 0).text = "市金融工作局"
    table.cell(1, 1).text = "加大信贷投放。"
    d.add_paragraph("二、保障措施")
    d.save(str(path))
    return path


def test_docx_paragraphs_and_tables_in_order(tmp_path):
    doc = read_file(make_docx(tmp_path / "a.docx"))
    assert (doc.format, doc.encoding) == ("docx", "binary")
    lines = [ln for ln in doc.text.split("\n") if ln]
    assert lines == [TITLE, "一、总体要求", "责任单位", "任务", "市金融工作局", "加大信贷投放。", "二、保障措施"]


def test_docx_merged_cell_read_once(tmp_path):
    import docx

    d = docx.Document()
    table = d.add_table(rows=1, cols=3)
    merged = table.cell(0, 0).merge(table.cell(0, 1))
    merged.text = "合并单元格"
    table.cell(0, 2).text = "右侧"
    d.save(str(tmp_path / "m.docx"))
    assert read_file(tmp_path / "m.docx").text.count("合并单元格") == 1


def test_docx_merges_are_read_once_in_linear_time(tmp_path):
    """A vertically merged column of 600 rows (python-docx's row.cells walks up to its first row with a query
    per row: 30 s) and a cell spanning 10^8 grid columns (a few bytes; row.cells repeats it per column)."""
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    d = docx.Document()
    d.add_paragraph("正文第一段。")
    table = d.add_table(rows=600, cols=2)
    table.cell(0, 0).text = "市金融局"
    for i, row in enumerate(table.rows):
        row.cells[1].text = f"任务{i}"
        merge = OxmlElement("w:vMerge")
        if i == 0:
            merge.set(qn("w:val"), "restart")
        row.cells[0]._tc.get_or_add_tcPr().append(merge)
    span = OxmlElement("w:gridSpan")
    span.set(qn("w:val"), str(10**8))
    d.add_table(rows=1, cols=1).cell(0, 0)._tc.get_or_add_tcPr().append(span)
    d.save(str(tmp_path / "merged.docx"))
    start = time.perf_counter()
    text = read_file(tmp_path / "merged.docx").text
    assert time.perf_counter() - start < 10  # a hang guard: linear is milliseconds
    assert text.count("市金融局") == 1 and "任务0" in text and "任务599" in text
    assert text.index("市金融局") < text.index("任务0")


def test_docx_corrupt(tmp_path):
    data = make_docx(tmp_path / "good.docx").read_bytes()
    assert reason(write(tmp_path, "cut.docx", data[: len(data) // 2])) == "DOCX 文件已损坏"
    assert reason(write(tmp_path, "junk.docx", b"PK\x03\x04 not really a zip")) == "DOCX 文件已损坏"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "a zip, but not a Word document")
    assert reason(write(tmp_path, "zip.docx", buf.getvalue())) == "DOCX 文件已损坏"


def test_docx_ole_container(tmp_path):
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1000  # encrypted Word or an old .doc
    assert "已加密" in reason(write(tmp_path, "a.docx", data))


def test_docx_without_text(tmp_path):
    import docx

    docx.Document().save(str(tmp_path / "empty.docx"))
    assert reason(tmp_path / "empty.docx").startswith("文件为空")


# --- bad input ------------------------------------------------------------------------------------


def test_empty(tmp_path):
    assert reason(write(tmp_path, "a.txt", b"")) == "文件为空"


@pytest.mark.parametrize("blank", [" ", "\n\n\n", " \t\r\n\u3000\u3000\n", "\ufeff\n"])
def test_whitespace_only_is_empty(tmp_path, blank):
    assert reason(write(tmp_path, "a.txt", blank)) == "文件为空"


def test_binary_with_txt_name(tmp_path):
    assert reason(write(tmp_path, "a.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")) == "不是文本文件（含二进制内容）"
    controls = bytes(b for b in range(1, 32) if b not in (9, 10, 13)) * 20  # no NUL, all control
    assert reason(write(tmp_path, "b.txt", controls)) == "不是文本文件（含二进制内容）"


def test_oversized_is_refused_before_reading(tmp_path, monkeypatch):
    path = write(tmp_path, "a.txt", TEXT)
    assert reason(path, max_bytes=10).startswith("文件过大（")

    big = tmp_path / "big.txt"
    with open(big, "wb") as f:
        f.truncate(int(80.5 * 1024 * 1024))  # sparse: no disk space used

    def no_reading(*args, **kwargs):
        raise AssertionError("the file was opened")

    monkeypatch.setattr("builtins.open", no_reading)
    assert reason(big) == "文件过大（80.5 MB，上限 64 MB）"


def test_unsupported_suffix(tmp_path):
    assert reason(write(tmp_path, "a.xyz", TEXT)) == "不支持的文件类型 .xyz"
    assert reason(write(tmp_path, "README", TEXT)) == "不支持的文件类型 （无扩展名）"
    assert reason(write(tmp_path, "old.doc", b"\xd0\xcf\x11\xe0")) == "旧版 Word 文件（.doc）无法可靠读取：请另存为 DOCX 或 PDF"


def test_missing_file(tmp_path):
    assert reason(tmp_path / "gone.txt") == "文件不存在"


def test_directory_named_like_a_file(tmp_path):
    (tmp_path / "folder.txt").mkdir()
    assert reason(tmp_path / "folder.txt") == "不是普通文件"


# --- the corpus folder ----------------------------------------------------------------------------


def test_scan_corpus(tmp_path):
    for name in ["b.txt", "a.PDF", "c.docx", "d.xyz", "notes", ".hidden.txt", "~$c.docx", "catalog.toml"]:
        write(tmp_path, name, "x")
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", "e.txt", "x")
    supported, unsupported = scan_corpus(tmp_path)
    assert [p.name for p in supported] == ["a.PDF", "b.txt", "c.docx"]
    assert [p.name for p in unsupported] == ["d.xyz", "notes"]
    assert [p.name for p in iter_corpus(tmp_path)] == ["a.PDF", "b.txt", "c.docx", "d.xyz", "notes"]


def test_supported_suffixes():
    assert set(SUPPORTED_SUFFIXES) == {".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx", ".ofd"}


def test_seeds_read(tmp_path):
    supported, unsupported = scan_corpus(SEEDS)
    assert len(supported) >= 5 and not unsupported
    for path in supported:
        doc = read_file(path)
        assert doc.encoding == "utf-8" and doc.format == "txt" and doc.text.strip()


# --- property -------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(min_size=0, max_size=400) | st.text(max_size=200).map(lambda s: s.encode("gb18030")))
def test_any_bytes_read_or_refused(tmp_path, data):
    path = write(tmp_path, "random.txt", data)
    try:
        doc = read_file(path)
    except ReadError as e:
        assert e.reason
    else:
        assert doc.text.strip()
        assert "\r" not in doc.text


def test_read_errors_names_the_first_kind_that_fits_and_lets_others_pass():
    from kb.errors import read_errors

    with pytest.raises(ReadError, match="a.ofd: 缺少") as e:
        with read_errors("a.ofd", ((KeyError, IndexError), "缺少"), (LookupError, "查找")):
            {}["x"]
    assert e.value.__cause__ is None and e.value.__suppress_context__
    with pytest.raises(ReadError, match="原样"):
        with read_errors("a.ofd", (Exception, "损坏")):
            raise ReadError("a.ofd", "原样")
    with pytest.raises(ZeroDivisionError):
        with read_errors("a.ofd", (KeyError, "缺少")):
            raise ZeroDivisionError
