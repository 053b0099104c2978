"""Word page setup and fonts in 公文 style (GB/T 9704-2012), shared by every DOCX the project writes.

A4, portrait or landscape, with the standard's margins; 标题 in 方正小标宋简体 (Word falls back to 黑体),
正文 in 仿宋_GB2312 (falls back to 仿宋), Latin text in Times New Roman; page numbers "— 1 —" centred in
the footer. The fallbacks are written into the document's font table (w:altName), so a machine without
the 公文 fonts shows 黑体/仿宋 rather than a random substitute.
"""

from __future__ import annotations

from typing import Any

from .errors import MissingDependencyError

TITLE_FONT, TITLE_FALLBACK = "方正小标宋简体", "黑体"
BODY_FONT, BODY_FALLBACK = "仿宋_GB2312", "仿宋"
HEADING_FONT = "黑体"  # 一级标题 in 公文
LATIN_FONT = "Times New Roman"
PAGE_NUMBER_FONT = "宋体"
FALLBACKS = {TITLE_FONT: TITLE_FALLBACK, BODY_FONT: BODY_FALLBACK, HEADING_FONT: "SimHei", BODY_FALLBACK: "FangSong"}
# GB/T 9704-2012 7.1: 天头 37 mm, 订口 28 mm; the text block 156 mm × 225 mm leaves 35 mm and 26 mm.
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
A4_MM = (210, 297)
# 字号 in points: 二号 22, 三号 16, 四号 14, 小四 12, 五号 10.5, 小五 9.
SIZES = {"二号": 22.0, "三号": 16.0, "四号": 14.0, "小四": 12.0, "五号": 10.5, "小五": 9.0}


def _docx():
    try:
        import docx
    except ImportError as e:  # pragma: no cover - a declared dependency
        raise MissingDependencyError("导出 Word 需要 python-docx：pip install python-docx") from e
    return docx


def new_document(landscape: bool = False, body_size: str = "三号"):
    """A blank document: A4 page in 公文 margins, 仿宋 body, fallbacks in the font table, page numbers."""
    docx = _docx()
    doc = docx.Document()
    section = doc.sections[0]
    set_page(section, landscape)
    add_page_numbers(section)
    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = docx.shared.Pt(SIZES[body_size])
    set_east_asian(normal.element, BODY_FONT, lang=True)
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3", "Quote"):
        style = doc.styles[name]
        set_east_asian(style.element, TITLE_FONT if name == "Title" else HEADING_FONT if "Heading" in name
                       else BODY_FONT)
        style.font.italic = False  # Chinese has no italics; Word would slant the glyphs
    register_fallbacks(doc)
    return doc


def set_page(section: Any, landscape: bool = False) -> None:
    """A4 in the given orientation; the 公文 margins turn with the page (the binding edge stays long)."""
    docx = _docx()
    from docx.enum.section import WD_ORIENT

    mm = docx.shared.Mm
    short, long_ = A4_MM
    m = MARGINS_MM
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = mm(long_), mm(short)
        # The portrait top/bottom become left/right; keep the narrower pair short so a wide table fits.
        section.left_margin, section.right_margin = mm(25), mm(25)
        section.top_margin, section.bottom_margin = mm(m["left"]), mm(m["right"])
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = mm(short), mm(long_)
        section.top_margin, section.bottom_margin = mm(m["top"]), mm(m["bottom"])
        section.left_margin, section.right_margin = mm(m["left"]), mm(m["right"])


def text_width(section: Any) -> int:
    """Usable width in EMU (page width less margins)."""
    return int(section.page_width - section.left_margin - section.right_margin)


def set_east_asian(element: Any, font: str, lang: bool = False, latin: str | None = None) -> None:
    """Name the East Asian font on a style or run; a theme font attribute would win over it, so drop it."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rpr = element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), font)
    fonts.attrib.pop(qn("w:eastAsiaTheme"), None)
    if latin:
        fonts.set(qn("w:ascii"), latin)
        fonts.set(qn("w:hAnsi"), latin)
    if lang:
        tag = OxmlElement("w:lang")
        tag.set(qn("w:val"), "en-US")
        tag.set(qn("w:eastAsia"), "zh-CN")
        rpr.append(tag)


def style_run(run: Any, font: str = BODY_FONT, size: str | None = None, bold: bool = False) -> Any:
    """A run in a 公文 font and 字号."""
    docx = _docx()
    run.font.name = LATIN_FONT
    if size:
        run.font.size = docx.shared.Pt(SIZES[size])
    run.font.bold = bold
    set_east_asian(run._element, font)
    return run


def add_title(doc: Any, text: str, size: str = "二号") -> Any:
    """The document title, centred, in 小标宋."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    style_run(p.add_run(text), TITLE_FONT, size)
    return p


def register_fallbacks(doc: Any) -> None:
    """Font-table entries naming each 公文 font's fallback (w:altName) and its Chinese charset."""
    from lxml import etree

    part = next((p for p in doc.part.package.iter_parts() if p.partname.endswith("fontTable.xml")), None)
    if part is None:
        return  # no font table in the template: Word then falls back by itself
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    table = etree.fromstring(part.blob)
    present = {f.get(f"{{{w}}}name") for f in table.findall(f"{{{w}}}font")}
    for name, alt in FALLBACKS.items():
        if name in present:
            continue
        font = etree.SubElement(table, f"{{{w}}}font", {f"{{{w}}}name": name})
        etree.SubElement(font, f"{{{w}}}altName", {f"{{{w}}}val": alt})
        etree.SubElement(font, f"{{{w}}}charset", {f"{{{w}}}val": "86"})  # GB2312
        etree.SubElement(font, f"{{{w}}}family", {f"{{{w}}}val": "modern"})
    part._blob = etree.tostring(table, xml_declaration=True, encoding="UTF-8", standalone=True)


def fallbacks_of(path_or_doc: Any) -> dict[str, str]:
    """For read-back checks: font name → altName in a document's font table."""
    from lxml import etree

    doc = _docx().Document(path_or_doc) if not hasattr(path_or_doc, "part") else path_or_doc
    part = next((p for p in doc.part.package.iter_parts() if p.partname.endswith("fontTable.xml")), None)
    if part is None:
        return {}
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    out = {}
    for f in etree.fromstring(part.blob).findall(f"{{{w}}}font"):
        alt = f.find(f"{{{w}}}altName")
        if alt is not None:
            out[f.get(f"{{{w}}}name")] = alt.get(f"{{{w}}}val")
    return out


def add_page_numbers(section: Any) -> None:
    """"— 1 —" centred in the footer, in 宋体 四号 (GB/T 9704 7.5 puts it at the outer edge for print;
    centred reads the same on screen and in both orientations)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    p = section.footer.paragraphs[0] if section.footer.paragraphs else section.footer.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    style_run(p.add_run("— "), PAGE_NUMBER_FONT, "四号")
    run = style_run(p.add_run(), PAGE_NUMBER_FONT, "四号")
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif text == "1":
            el = OxmlElement("w:t")
            el.text = text
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._element.append(el)
    style_run(p.add_run(" —"), PAGE_NUMBER_FONT, "四号")


def is_landscape_a4(section: Any, tolerance_mm: float = 1.0) -> bool:
    """For read-back checks: the section is A4 and wider than tall."""
    w, h = section.page_width.mm, section.page_height.mm
    return abs(w - A4_MM[1]) <= tolerance_mm and abs(h - A4_MM[0]) <= tolerance_mm
