"""Citation lists: clauses with their documents → CSV, XLSX, DOCX and Markdown with GB/T 7714 reference lines."""

from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import IO, Any

from kb.citation import ILLEGAL_XML, Citation
from kb.errors import MissingDependencyError, QueryError
from kb.models import INFERRED_MARK
from kb.text import quote_title

# Export format → media type, for the app's download buttons.
FORMATS: dict[str, str] = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "md": "text/markdown",
}

COLUMNS = (
    "序号", "文件标题", "发文机关", "文号", "成文日期", "层级", "地区", "状态",
    "条款位置", "条款标题", "条款原文", "参考文献", "条款编号", "来源文件",
)  # fmt: skip


Target = str | os.PathLike[str] | IO[bytes] | IO[str]


# ---------------------------------------------------------------- writers


def write_csv(citations: list[Citation], path_or_buffer: Target) -> None:
    """UTF-8 with BOM and CRLF, so Excel on Windows opens the Chinese text correctly."""
    emit(_csv_text(citations).encode("utf-8-sig"), path_or_buffer)


def write_markdown(
    citations: list[Citation], path_or_buffer: Target, *, exported_on: date | None = None
) -> None:
    """Heading, numbered list with each clause as a blockquote, then the distinct references."""
    emit(_markdown_text(citations, exported_on or date.today()).encode("utf-8"), path_or_buffer)


def write_xlsx(citations: list[Citation], path_or_buffer: Target) -> None:
    """Sheet 引用清单 (one row per clause, full text) and sheet 引用文件 (one row per document cited), each
    with a bold frozen header and columns sized for Chinese; text is stored as text, never as a formula."""
    try:
        from openpyxl import Workbook
    except ImportError as e:  # pragma: no cover - a declared dependency
        raise MissingDependencyError("导出 Excel 需要 openpyxl：pip install openpyxl") from e

    wb = Workbook()
    _xlsx_sheet(wb.active, "引用清单", COLUMNS, [_row(c) for c in citations])
    _xlsx_sheet(wb.create_sheet(), "引用文件", DOCUMENT_COLUMNS, _document_rows(citations))
    wb.save(path_or_buffer)


def _xlsx_sheet(ws: Any, title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    ws.title = title
    body_font, head_font = Font(name=XLSX_FONT, size=11), Font(name=XLSX_FONT, size=11, bold=True)
    ws.append(list(columns))
    for cell in ws[1]:
        cell.font = head_font
        cell.alignment = Alignment(horizontal="center", vertical="center")
    widths = [display_width(name) for name in columns]
    for row in rows:
        ws.append([xlsx_safe(v) for v in row])
        for i, (cell, name) in enumerate(zip(ws[ws.max_row], columns, strict=True)):
            cell.font = body_font
            cell.alignment = Alignment(vertical="top", wrap_text=name in XLSX_WRAP)
            if isinstance(cell.value, str) and cell.value[:1] in FORMULA_START:
                cell.data_type = "s"  # openpyxl would otherwise write "=…" as a formula
                cell.quotePrefix = True  # and Excel keeps it text when the cell is edited
            widths[i] = max(widths[i], display_width(str(cell.value or "")))
    for i, name in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = xlsx_width(name, widths[i - 1])
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions


def display_width(text: str) -> int:
    """Width in Latin character cells: a Chinese character (or full-width mark) takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def xlsx_width(column: str, content: int) -> float:
    """Excel column width for the widest cell: fit short columns exactly, wrap long text at a readable
    measure (XLSX_WIDTHS caps it). Excel's unit is one '0' of the body font; a CJK glyph of 等线 11 is ~2."""
    cap = XLSX_WIDTHS.get(column, XLSX_DEFAULT_CAP)
    return float(min(max(content, 4) + 2, cap))


def _document_rows(citations: list[Citation]) -> list[list[Any]]:
    """One row per document cited, numbered as in the reference list, with how many clauses cite it."""
    numbers = _reference_numbers(citations)
    first: dict[str, Citation] = {}
    counts: dict[str, int] = {}
    for c in citations:
        first.setdefault(c.reference, c)
        counts[c.reference] = counts.get(c.reference, 0) + 1
    return [
        [n, c.shown("title") if c.title else c.source, c.shown("issuers"), c.shown("doc_number"), c.shown("date"),
         c.shown("level"), c.shown("region"), c.shown("status"), counts[ref], ref, c.source_url, c.source]
        for ref, n in numbers.items()
        for c in (first[ref],)
    ]


def write_docx(citations: list[Citation], path_or_buffer: Target, *, exported_on: date | None = None) -> None:
    """A Word document in 公文 form (GB/T 9704 page, fonts and page numbers via kb.docx_style): title and
    date line, one numbered entry per clause with its text verbatim, then the 参考文献 list (GB/T 7714)."""
    from kb import docx_style as ds

    doc = ds.new_document(body_size=DOCX_BODY_SIZE)
    _docx_plain_styles(doc)
    day = exported_on or date.today()
    ds.add_title(doc, DOCX_TITLE)
    _docx_para(doc, f"（{cn_date(day)}导出　共{len(citations)}条）", ds.BODY_FONT, "三号", center=True)
    _docx_para(doc, "", ds.BODY_FONT, "三号")  # the blank line 公文 leaves under the title block

    numbers = _reference_numbers(citations)
    for c in citations:
        doc.add_paragraph(_item_heading(c), style="Heading 1")
        meta = _meta_parts(c)
        if meta:
            _docx_para(doc, "　".join(f"{k}：{v}" for k, v in meta), ds.BODY_FONT, DOCX_META_SIZE)
        quote = doc.add_paragraph(c.text, style="Quote")
        quote.paragraph_format.first_line_indent = _pt(ds.SIZES[DOCX_BODY_SIZE] * 2)
        _docx_para(doc, f"出处：{c.locator}　参考文献[{numbers[c.reference]}]", ds.BODY_FONT, DOCX_META_SIZE)

    doc.add_paragraph("参考文献", style="Heading 1")
    for ref, n in numbers.items():
        p = _docx_para(doc, f"[{n}] {ref}", ds.BODY_FONT, DOCX_META_SIZE)
        p.paragraph_format.left_indent = _pt(ds.SIZES[DOCX_META_SIZE] * 2)
        p.paragraph_format.first_line_indent = -_pt(ds.SIZES[DOCX_META_SIZE] * 2)  # hanging number
    doc.core_properties.title = DOCX_TITLE
    doc.core_properties.language = "zh-CN"
    doc.save(path_or_buffer)


def _pt(points: float) -> Any:
    from docx.shared import Pt

    return Pt(points)


def _docx_para(doc: Any, text: str, font: str, size: str, *, center: bool = False) -> Any:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    from kb import docx_style as ds

    p = doc.add_paragraph()
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if text:
        ds.style_run(p.add_run(text), font, size)
    return p


def _docx_plain_styles(doc: Any) -> None:
    """公文 headings are black 黑体 in the body size, not Word's blue; quotes are upright 仿宋."""
    from docx.enum.text import WD_LINE_SPACING
    from docx.shared import Pt, RGBColor

    from kb import docx_style as ds

    normal = doc.styles["Normal"].paragraph_format
    normal.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    normal.line_spacing = Pt(DOCX_LINE_PT)  # 22 lines to the 225 mm text block, as GB/T 9704 sets it
    normal.space_before = normal.space_after = Pt(0)
    for name in ("Heading 1", "Quote"):
        style = doc.styles[name]
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.font.size = Pt(ds.SIZES[DOCX_BODY_SIZE])
        style.font.bold = False
        style.font.name = ds.LATIN_FONT
        fmt = style.paragraph_format
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(DOCX_LINE_PT)
        fmt.space_after = Pt(0)
        fmt.left_indent = fmt.right_indent = Pt(0)
        fmt.keep_with_next = name == "Heading 1"
    doc.styles["Heading 1"].paragraph_format.space_before = Pt(DOCX_LINE_PT / 2)
    for name in ("Heading 1", "Quote"):  # the theme colour would win over the RGB colour
        color = doc.styles[name].element.rPr.find(_w("color"))
        if color is not None:
            for attr in ("themeColor", "themeShade", "themeTint"):
                color.attrib.pop(_w(attr), None)


def _w(tag: str) -> str:
    from docx.oxml.ns import qn

    return qn(f"w:{tag}")


WRITERS: dict[str, Callable[..., None]] = {
    "csv": write_csv,
    "xlsx": write_xlsx,
    "docx": write_docx,
    "md": write_markdown,
}


def pick_writer(writers: dict[str, Callable[..., None]], fmt: str) -> tuple[str, Callable[..., None]]:
    """(format, writer) for `fmt` in any case, a leading dot allowed; QueryError names the formats there are."""
    key = fmt.strip().lower().lstrip(".")
    writer = writers.get(key)
    if writer is None:
        raise QueryError(f"未知的导出格式：{fmt}，可选 {'、'.join(writers)}")
    return key, writer


def export_bytes(citations: list[Citation], fmt: str, *, exported_on: date | None = None) -> bytes:
    """The file a writer would write, as bytes, for download buttons. `fmt` is csv, xlsx, docx or md."""
    key, writer = pick_writer(WRITERS, fmt)
    buf = io.BytesIO()
    if key in ("docx", "md"):
        writer(citations, buf, exported_on=exported_on)
    else:
        writer(citations, buf)
    return buf.getvalue()


def write(citations: list[Citation], path: str | os.PathLike[str], fmt: str | None = None) -> None:
    """Write to a file, the format taken from `fmt` or else from the file's extension."""
    data = export_bytes(citations, fmt or os.path.splitext(os.fspath(path))[1])
    with open(path, "wb") as f:
        f.write(data)


# ---------------------------------------------------------------- rendering helpers

XLSX_FONT = "等线"  # the zh-CN Office default: clear on screen, present on every Windows since 2016
DOCX_TITLE = "引用清单"
DOCX_BODY_SIZE = "三号"  # 公文 正文
DOCX_META_SIZE = "四号"  # metadata, 出处 and reference lines: one step smaller, so a line holds a reference
DOCX_LINE_PT = 28.95  # 225 mm / 22 lines
DOCUMENT_COLUMNS = (
    "文献序号", "文件标题", "发文机关", "文号", "成文日期", "层级", "地区", "状态", "引用条数", "参考文献",
    "网址", "来源文件",
)  # fmt: skip
XLSX_WRAP = {"文件标题", "发文机关", "条款标题", "条款原文", "参考文献"}
# Upper bounds of the column widths (Excel units); a column narrower than its content wraps (XLSX_WRAP) or
# clips, so the long-text columns stop at a readable measure and the short ones fit their content.
XLSX_WIDTHS = {
    "文件标题": 40, "发文机关": 30, "文号": 24, "地区": 20, "条款位置": 24, "条款标题": 36, "条款原文": 80,
    "参考文献": 60, "条款编号": 30, "来源文件": 30, "网址": 40,
}  # fmt: skip
XLSX_DEFAULT_CAP = 16
XLSX_MAX_CELL = 32767  # Excel refuses longer cells

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>&|~#])")
_MD_LINE_START = re.compile(r"^(\d+)([.)])|^([-+>])")


def _row(c: Citation) -> list[Any]:
    return [
        c.index, c.shown("title"), c.shown("issuers"), c.shown("doc_number"), c.shown("date"), c.shown("level"),
        c.shown("region"), c.shown("status"), c.path or c.position, c.heading, c.text, c.reference, c.clause_id,
        c.source,
    ]  # fmt: skip


def _csv_safe(value: Any) -> Any:
    """Neutralise spreadsheet formulas (=, +, -, @) so opening the file runs nothing."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def xlsx_safe(value: Any) -> Any:
    if isinstance(value, str):
        value = ILLEGAL_XML.sub("", value)
        if len(value) > XLSX_MAX_CELL:
            value = value[: XLSX_MAX_CELL - 1] + "…"
    return value


def _csv_text(citations: list[Citation]) -> str:
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\r\n")
    out.writerow(COLUMNS)
    for c in citations:
        out.writerow([_csv_safe(v) for v in _row(c)])
    return buf.getvalue()


def _markdown_text(citations: list[Citation], day: date) -> str:
    numbers = _reference_numbers(citations)
    lines = ["# 引用清单", "", f"导出日期：{cn_date(day)}，共 {len(citations)} 条。", ""]
    for c in citations:
        marker = f"{c.index}. "
        pad = " " * len(marker)  # continuation lines stay inside the list item
        lines += [f"{marker}**{md_escape(_item_heading(c, numbered=False))}**", ""]
        meta = _meta_parts(c)
        if meta:
            lines += [pad + "；".join(f"{k}：{md_escape(v)}" for k, v in meta), ""]
        lines += [f"{pad}> {md_escape(c.text)}", ""]
        lines.append(f"{pad}出处：{md_escape(c.locator)}  ")
        lines.append(f"{pad}参考文献：\\[{numbers[c.reference]}\\]")
        lines.append("")
    lines += ["## 参考文献", ""]
    for ref, n in numbers.items():
        lines.append(f"\\[{n}\\] {_md_reference(ref)}  ")
    return "\n".join(lines).rstrip() + "\n"


def md_escape(text: str) -> str:
    """Backslash-escape what Markdown would read as markup or HTML, so clause text renders verbatim."""
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return _MD_LINE_START.sub(
        lambda m: f"{m.group(1)}\\{m.group(2)}" if m.group(1) else f"\\{m.group(3)}", text
    )


def _md_reference(ref: str) -> str:
    """Escape a reference line but keep its URL clickable as an autolink."""
    m = re.search(r" (https?://[^\s<>]+)\.$", ref)
    if not m:
        return md_escape(ref)
    return f"{md_escape(ref[: m.start()])} <{m.group(1)}>."


def _item_heading(c: Citation, numbered: bool = True) -> str:
    title = c.title_quoted or quote_title(c.source or "未命名文件")
    if c.provenance.get("title") == "inferred":
        title += INFERRED_MARK
    parts = [title, c.path or c.position, c.heading]
    text = " ".join(p for p in parts if p)
    return f"{c.index}. {text}" if numbered else text


def _meta_parts(c: Citation) -> list[tuple[str, str]]:
    """Document fields under each item, every one shown with its mark: a missing one says 未注明 rather
    than vanish, so the reader sees what the document does not state."""
    parts = [("发文机关", c.shown("issuers")), ("文号", c.shown("doc_number")), ("成文日期", c.shown("date")),
             ("层级", c.shown("level")), ("地区", c.shown("region"))]  # fmt: skip
    if c.is_draft:
        parts.append(("状态", c.shown("status")))
    return parts


def _reference_numbers(citations: list[Citation]) -> dict[str, int]:
    """Distinct reference lines in order of first use, numbered from 1."""
    numbers: dict[str, int] = {}
    for c in citations:
        numbers.setdefault(c.reference, len(numbers) + 1)
    return numbers


def cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def emit(data: bytes, target: Target) -> None:
    if isinstance(target, str | os.PathLike):
        with open(target, "wb") as f:
            f.write(data)
    elif isinstance(target, io.TextIOBase):
        target.write(data.decode("utf-8"))  # keeps the BOM as U+FEFF
    else:
        target.write(data)  # type: ignore[arg-type]


