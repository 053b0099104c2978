"""More of what offices publish: OFD files, scanned PDFs (OCR) and legacy .doc/.wps refused by name.

The OFD and the scan are generated here: an OFD package written from its XML, a PDF page rendered from
text with a CJK font (what a scanner gives: an image and no text layer)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from kb.build import build_index
from kb.errors import ReadError
from kb.ingest import ingest_file
from kb.read import read_file
from kb.search import KnowledgeBase

NOTICE = [
    "关于加大首台套装备保险补偿支持力度的通知",
    "各市工业和信息化局：",
    "为推动高端装备推广应用，现将有关事项通知如下。",
    "一、扩大保险补偿范围",
    "（一）对投保首台套综合保险的制造企业，按保费的80%给予补偿。",
    "二、简化申报流程",
    "（二）企业通过线上平台申报，材料齐全的十个工作日内办结。",
    "省工业和信息化厅",
    "2024年7月1日",
]
FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"

# --- OFD ------------------------------------------------------------------------------------------

_NS = "http://www.ofdspec.org/2016"


def make_ofd(path: Path, pages: list[list[str]], title: str = "") -> Path:
    """An OFD package (GB/T 33190): OFD.xml → Doc_0/Document.xml → one Content.xml a page, each line a
    TextObject at its position (mm), split in two TextObjects where a line is long."""
    ofd = (f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{_NS}" Version="1.1" DocType="OFD">'
           f'<ofd:DocBody><ofd:DocInfo><ofd:Title>{title}</ofd:Title></ofd:DocInfo>'
           f'<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>')
    page_refs = "".join(f'<ofd:Page ID="{i + 10}" BaseLoc="Pages/Page_{i}/Content.xml"/>' for i in range(len(pages)))
    document = (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="{_NS}"><ofd:CommonData>'
                f'<ofd:MaxUnitID>999</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox>'
                f'</ofd:PageArea></ofd:CommonData><ofd:Pages>{page_refs}</ofd:Pages></ofd:Document>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("OFD.xml", ofd)
        z.writestr("Doc_0/Document.xml", document)
        for i, lines in enumerate(pages):
            objects = []
            oid = 100
            # Written bottom line first: the reader must order by position, not by file order.
            for n, line in reversed(list(enumerate(lines))):
                y = 30 + n * 8
                halves = [line] if len(line) < 16 else [line[:12], line[12:]]
                x = 25.0
                for half in halves:
                    objects.append(
                        f'<ofd:TextObject ID="{oid}" Boundary="{x} {y} {len(half) * 4.2 + 1} 6" Font="1" Size="4.2">'
                        f'<ofd:FillColor Value="0 0 0"/><ofd:TextCode X="0" Y="4.5" DeltaX="g {len(half) - 1} 4.2">'
                        f'{half}</ofd:TextCode></ofd:TextObject>')
                    x += len(half) * 4.2
                    oid += 1
            z.writestr(f"Doc_0/Pages/Page_{i}/Content.xml",
                       f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{_NS}"><ofd:Content>'
                       f'<ofd:Layer ID="{oid}">{"".join(objects)}</ofd:Layer></ofd:Content></ofd:Page>')
    return path


def test_ofd_is_read_in_reading_order(tmp_path):
    raw = read_file(make_ofd(tmp_path / "a.ofd", [NOTICE[:5], NOTICE[5:]]))
    assert raw.format == "ofd"
    lines = [ln for ln in raw.text.split("\n") if ln]
    assert lines == NOTICE  # halves of a long line joined, bottom-first objects put back in order


def test_ofd_is_segmented_tagged_and_searchable(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    make_ofd(corpus / "notice.ofd", [NOTICE[:5], NOTICE[5:]])
    doc = ingest_file(corpus / "notice.ofd")
    assert doc.document.title == NOTICE[0]
    assert doc.document.issuers == ["省工业和信息化厅"] and doc.document.date == "2024-07-01"
    assert [c.path for c in doc.clauses if c.kind == "measure"] == ["一、（一）", "二、（二）"]
    report = build_index(corpus, tmp_path / "index", "hash")
    assert report.ok, report.errors
    hits = KnowledgeBase.load(tmp_path / "index").search("首台套综合保险保费补偿", k=3)
    assert hits and hits[0].clause.path == "一、（一）" and hits[0].clause.source == "notice.ofd"


@pytest.mark.parametrize("content, reason", [
    (b"not a zip at all", "OFD 文件已损坏"),
    (None, "缺少 OFD.xml"),
])
def test_broken_ofd_is_refused_with_a_reason(tmp_path, content, reason):
    path = tmp_path / "b.ofd"
    if content is None:
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("Doc_0/Document.xml", "<a/>")
    else:
        path.write_bytes(content)
    with pytest.raises(ReadError) as e:
        read_file(path)
    assert reason in e.value.reason


# --- DOCX whose body is an embedded web page (w:altChunk) ------------------------------------------

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def make_altchunk_docx(path: Path, chunks: list[tuple[str, str, bytes]], before: str = "", after: str = "") -> Path:
    """A DOCX as legal databases export it: document.xml holds only w:altChunk references (with optional
    paragraphs around them); each chunk (name, content type, bytes) is its own part."""
    para = lambda t: f'<w:p><w:r><w:t>{t}</w:t></w:r></w:p>' if t else ""  # noqa: E731
    refs = "".join(f'<w:altChunk r:id="c{i}"/>' for i in range(len(chunks)))
    body = f'<w:document xmlns:w="{_W}" xmlns:r="{_R}"><w:body>{para(before)}{refs}{para(after)}<w:sectPr/></w:body></w:document>'
    rels = "".join(f'<Relationship Id="c{i}" Type="{_R}/aFChunk" Target="/word/{name}"/>'
                   for i, (name, _, _) in enumerate(chunks))
    types = "".join(f'<Override PartName="/word/{name}" ContentType="{ctype}"/>' for name, ctype, _ in chunks)
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   f'<Override PartName="/word/document.xml" ContentType="{main}"/>{types}</Types>')
        z.writestr("_rels/.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   f'<Relationship Id="r1" Type="{_R}/officeDocument" Target="word/document.xml"/></Relationships>')
        z.writestr("word/document.xml", body)
        z.writestr("word/_rels/document.xml.rels",
                   f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>')
        for name, _, data in chunks:
            z.writestr(f"word/{name}", data)
    return path


def _mht(html: str) -> bytes:
    import quopri

    body = quopri.encodestring(html.encode("gb18030")).decode("ascii")
    return ("MIME-Version: 1.0\nContent-Type: multipart/related; type=\"text/html\"; boundary=\"==b\"\n\n"
            "--==b\nContent-Type: text/html; charset=\"gb18030\"\nContent-Transfer-Encoding: quoted-printable\n\n"
            f"{body}\n--==b--\n").encode("ascii")


def test_docx_body_kept_as_embedded_web_pages_is_read_in_order(tmp_path):
    law = "<html><body><h1>某某条例</h1><p>第一条 为了规范融资担保，制定本条例。</p><p>第二条 本条例自公布之日起施行。</p></body></html>"
    path = make_altchunk_docx(tmp_path / "law.docx", [
        ("afchunk.mht", "message/rfc822", _mht(law)),
        ("extra.html", "text/html", "<p>附件：担保机构名单</p>".encode()),
    ], before="封面说明", after="结尾段落")
    lines = read_file(path).text.split("\n")
    assert [ln for ln in lines if ln] == ["封面说明", "某某条例", "第一条 为了规范融资担保，制定本条例。",
                                          "第二条 本条例自公布之日起施行。", "附件：担保机构名单", "结尾段落"]
    result = ingest_file(path)
    assert [c.path for c in result.clauses if c.kind == "article"] == ["第一条", "第二条"]


def test_docx_with_only_an_unreadable_chunk_is_empty(tmp_path):
    path = make_altchunk_docx(tmp_path / "rtf.docx", [("chunk.rtf", "application/rtf", b"{\\rtf1 x}")])
    with pytest.raises(ReadError) as e:
        read_file(path)
    assert "文件为空" in e.value.reason


# --- Legacy Word ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["old.doc", "old.wps"])
def test_legacy_word_files_are_refused_by_name(tmp_path, name):
    (tmp_path / name).write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 600)
    with pytest.raises(ReadError) as e:
        read_file(tmp_path / name)
    assert "请另存为 DOCX 或 PDF" in e.value.reason


def test_build_names_the_legacy_file_and_what_to_do(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "ok.txt").write_text("\n".join(NOTICE), "utf-8")
    (corpus / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 600)
    report = build_index(corpus, tmp_path / "index", "hash")
    assert report.documents == 1
    assert [(e.source, "请另存为 DOCX 或 PDF" in e.reason) for e in report.errors] == [("old.doc", True)]


# --- Scanned PDF ----------------------------------------------------------------------------------


def _page_image(lines: list[str]):
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(FONT, 30)
    image = Image.new("RGB", (1300, 110 + 70 * len(lines)), "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((70, 60 + 70 * i), line, font=font, fill="black")
    return image


def make_scan(path: Path, pages: list[list[str]]) -> Path:
    """What a scanner produces: one image a page and no text layer."""
    images = [_page_image(lines) for lines in pages]
    images[0].save(path, "PDF", resolution=150, save_all=True, append_images=images[1:])
    return path


def make_mixed(path: Path, text_lines: list[str], scanned_lines: list[str]) -> Path:
    """Page 1 with a text layer, page 2 a scanned image."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    c.setFont("STSong-Light", 12)
    for i, line in enumerate(text_lines):
        c.drawString(72, 780 - 20 * i, line)
    c.showPage()
    image = _page_image(scanned_lines)
    c.drawImage(ImageReader(image), 40, 400, width=520, height=520 * image.height / image.width)
    c.showPage()
    c.save()
    return path


def test_a_damaged_page_is_a_scan_only_if_it_names_an_image(tmp_path, monkeypatch):
    """When pypdf cannot list a page's images, the page counts as a scan (sent to OCR, seconds a page) only
    if its resources name an image: damaged text pages were recognised for nothing (found by bench/fuzz.py)."""
    from PIL import Image
    from pypdf import PdfReader
    from pypdf._page import PageObject
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    from kb.read import _has_image

    path = tmp_path / "two.pdf"
    c = canvas.Canvas(str(path))
    c.drawString(72, 780, "text page")
    c.showPage()
    c.drawImage(ImageReader(Image.new("RGB", (60, 40), "gray")), 40, 400, width=300, height=200)
    c.showPage()
    c.save()
    pages = PdfReader(path).pages
    assert [_has_image(p) for p in pages] == [False, True]

    def damaged(self):
        raise ValueError("an image pypdf cannot decode")

    monkeypatch.setattr(PageObject, "images", property(damaged))
    assert [_has_image(p) for p in pages] == [False, True]


needs_ocr = pytest.mark.skipif(not Path(FONT).exists(), reason="needs fonts-wqy-microhei (installed by .ci/run)")


@pytest.mark.slow
@needs_ocr
def test_scanned_pdf_is_recognised_segmented_and_searchable(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    make_scan(corpus / "scan.pdf", [NOTICE[:5], NOTICE[5:]])
    seen = []
    raw = read_file(corpus / "scan.pdf", ocr_progress=lambda done, total: seen.append((done, total)))
    assert raw.ocr_pages == [0, 1] and seen[-1] == (2, 2)
    for line in ("首台套综合保险", "按保费的80%给予补偿", "2024年7月1日"):
        assert line in raw.text.replace(" ", ""), line
    report = build_index(corpus, tmp_path / "index", "hash")
    assert report.ok, report.errors
    assert report.ocr == ["scan.pdf"]  # the build report names the file read by OCR
    kb = KnowledgeBase.load(tmp_path / "index")
    doc = next(d for d in kb.documents if d.source == "scan.pdf")
    assert doc.title == NOTICE[0] and doc.date == "2024-07-01"
    assert "OCR" in doc.provenance["ocr"].evidence
    hits = kb.search("首台套综合保险保费补偿", k=3)
    assert hits and hits[0].clause.source == "scan.pdf" and hits[0].clause.path == "一、（一）"
    # Cached by the file's hash: a copy under another name is not recognised again.
    cache = json.loads(next((tmp_path / "index" / "cache" / "ocr").glob("*.json")).read_text("utf-8"))
    assert set(cache["pages"]) == {"0", "1"}


@pytest.mark.slow
@needs_ocr
def test_only_pages_without_a_text_layer_are_recognised(tmp_path, monkeypatch):
    path = make_mixed(tmp_path / "mixed.pdf", NOTICE[:4], ["（一）对投保首台套综合保险的制造企业给予补偿。", "— 2 —"])
    raw = read_file(path)
    assert raw.ocr_pages == [1]
    assert raw.text.startswith(NOTICE[0])
    assert "首台套综合保险" in raw.text
    from kb.clean import clean_text

    assert not any(ch.isdigit() and len(line) <= 6 for line in clean_text(raw.text, "pdf").split("\n")
                   for ch in line)  # the scanned page's number is dropped like a text layer's
    # A second read comes from the cache: the model is not asked again.
    from kb import ocr

    monkeypatch.setattr(ocr, "image_text", lambda image: pytest.fail("recognised again despite the cache"))
    assert read_file(path).text == raw.text


def test_ocr_lines_are_rebuilt_from_boxes():
    from kb.ocr import _lines

    boxes = [(100, 130, 400, 700, "2024年7月1日"), (10, 40, 50, 300, "关于某事"), (12, 41, 310, 600, "的通知"),
             (55, 85, 50, 200, "办公室"), (56, 84, 900, 1100, "印发")]
    assert _lines(boxes) == ["关于某事的通知", "办公室    印发", "2024年7月1日"]
