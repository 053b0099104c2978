"""A comparison table → DOCX (A4 landscape, 公文 fonts via kb/docx_style.py) and XLSX, for briefings.

Every clause is quoted verbatim from its document (whitespace that PDF line breaks left next to Chinese is
dropped, nothing else changes), with its position, match strength and confidence; a level without a document
and a document without a counterpart say so in words. A document's fields read as they are cited everywhere
(`Document.shown`): an inferred value “…（推断）”, a missing one “未注明”.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from ..citation import clean_line
from ..export import FORMULA_START, XLSX_FONT, cn_date, emit, pick_writer, xlsx_safe
from ..models import INFERRED_MARK, Document
from ..outline import display_path
from .results import MATCH_LABELS as RESULT_LABELS
from .table import NO_DOCUMENT, ComparisonTable, TableRow

FORMATS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
MATCH_LABELS = RESULT_LABELS | {NO_DOCUMENT: "本级无文件"}
NO_COUNTERPART = RESULT_LABELS["none"]
NO_DOCUMENT_TEXT = "本级无纳入比较的文件"
# One line per (document, clause) in the workbook; a level without a document and a document without a
# counterpart get one line each.
XLSX_COLUMNS = (
    "层级", "文件标题", "发文机关", "文号", "成文日期", "状态", "地区", "对应情况", "条款序位", "条款位置", "条款标题",
    "匹配强度", "置信度", "条款原文", "量化指标", "责任单位", "对照上级文件", "较上级新增", "较上级未提及", "来源文件",
)  # fmt: skip
XLSX_WIDTHS = {"层级": 10, "文件标题": 30, "发文机关": 24, "文号": 16, "成文日期": 11, "状态": 9, "地区": 14, "对应情况": 10,
               "条款序位": 8, "条款位置": 12, "条款标题": 24, "匹配强度": 9, "置信度": 8, "条款原文": 70,
               "量化指标": 30, "责任单位": 24, "对照上级文件": 26, "较上级新增": 28, "较上级未提及": 28,
               "来源文件": 24}
XLSX_WRAP = {"文件标题", "发文机关", "条款标题", "条款原文", "量化指标", "责任单位", "对照上级文件", "较上级新增", "较上级未提及"}
# DOCX columns and their widths in mm (A4 landscape less 2 × 25 mm margins = 247 mm).
DOCX_COLUMNS = (("层级", 15), ("文件", 42), ("对应条款（原文）", 102), ("量化指标", 34), ("责任单位", 22),
                ("较上级文件", 32))


MARKS_NOTE = "“（推断）”：文件和目录均未写明、由程序推断的值，引用前请核实；“未注明”：文件未写明。"


def title_of(table: ComparisonTable) -> str:
    c = table.comparison
    return f"“{c.measure}”多级政策对照表" if c.measure else f"主题“{c.topic}”多级政策对照表"


def quote_text(text: str) -> str:
    """The clause as quoted: its own characters, line-break spaces next to Chinese removed."""
    return clean_line(text)


# The document's fields under its title in the DOCX 文件 cell, each labelled (a bare “未注明” would not say what).
DOC_FIELDS = (("issuers", "发文机关"), ("doc_number", "文号"), ("date", "成文日期"), ("region", "地区"),
              ("status", "状态"))


def doc_lines(row: TableRow) -> list[str]:
    """发文机关：…, 文号：…, 成文日期：…, 地区：…, 状态：… as cited, marks included; none for a level row."""
    d = row.document
    return [f"{label}：{d.shown(name)}" for name, label in DOC_FIELDS] if d is not None else []


def title_text(d: Document) -> str:
    """《title》 as cited, （推断） after a title the program drafted."""
    return clean_line(d.cited_title())


def _title(row: TableRow) -> str:
    return title_text(row.document) if row.document is not None else NO_DOCUMENT_TEXT


def level_text(row: TableRow) -> str:
    """The row's level, “（推断）” when the document's level was inferred."""
    return row.document.shown("level") if row.document is not None and row.document.level else row.level_label


def xlsx_rows(table: ComparisonTable) -> list[list[Any]]:
    out = []
    for row in table.rows:
        d = row.document
        base = [level_text(row), _title(row), *([d.shown(name) for name in ("issuers", "doc_number", "date",
                                                                             "status", "region")] if d else [""] * 5)]
        against = [title_text(row.above) + ("" if row.implements_above else "（非其上级文件，仅作对照）")
                   if row.above else "", "；".join(row.adds), "；".join(row.leaves_out), d.source if d else ""]
        if not row.matches:
            text = NO_DOCUMENT_TEXT if d is None else NO_COUNTERPART
            out.append(base + [MATCH_LABELS.get(row.status, row.status), "", "", "",
                               "", round(row.confidence, 2) if d else "", text, "", "", *against])
            continue
        for i, m in enumerate(row.matches, 1):
            c = m.clause
            out.append(base + [MATCH_LABELS.get(m.status, m.status), i, display_path(c), c.heading, round(m.score, 3),
                               round(m.confidence, 2), quote_text(c.text), "；".join(t.label for t in c.targets),
                               "、".join(c.responsible_units), *against])
    return out


def write_xlsx(table: ComparisonTable, target) -> None:
    """One sheet, bold frozen header, wrapped long columns, text never read as a formula."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "多级对照"
    head, body = Font(name=XLSX_FONT, size=11, bold=True), Font(name=XLSX_FONT, size=11)
    ws.append(list(XLSX_COLUMNS))
    for cell in ws[1]:
        cell.font = head
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for values in xlsx_rows(table):
        ws.append([xlsx_safe(v) for v in values])
        for cell, name in zip(ws[ws.max_row], XLSX_COLUMNS, strict=True):
            cell.font = body
            cell.alignment = Alignment(vertical="top", wrap_text=name in XLSX_WRAP)
            if isinstance(cell.value, str) and cell.value[:1] in FORMULA_START:
                cell.data_type = "s"
                cell.quotePrefix = True
    for i, name in enumerate(XLSX_COLUMNS, 1):
        ws.column_dimensions[get_column_letter(i)].width = XLSX_WIDTHS.get(name, 12)
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = ws.dimensions
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.print_title_rows = "1:1"
    meta = wb.create_sheet("说明")
    for line in _notes(table):
        meta.append([line])
    meta.column_dimensions["A"].width = 100
    wb.save(target)


def _notes(table: ComparisonTable, day: date | None = None) -> list[str]:
    c = table.comparison
    th = c.thresholds
    return [
        title_of(table),
        f"导出日期：{cn_date(day or date.today())}",
        f"检索用语：{c.query}",
        f"对应：置信度 ≥ {th.get('match', 0):.2f}；弱对应：≥ {th.get('weak', 0):.2f}；低于此值为“无对应条款”。",
        "每份文件的对应条款按匹配强度排序（序位 1 为最佳）。条款原文逐字引自文件。",
        MARKS_NOTE,
        "较上级：与上一层级中本文件可能落实的文件（时间在前、地区包含本地）的对应条款相比，"
        "本文件多出的量化指标与政策用语（新增）和未提及的（未提及）。",
    ]


def write_docx(table: ComparisonTable, target, *, exported_on: date | None = None) -> None:
    """A4 landscape, 公文 fonts: title, a line of what was compared, then the table with one row per document."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    from .. import docx_style as ds

    doc = ds.new_document(landscape=True, body_size="五号")
    ds.add_title(doc, title_of(table), size="二号")
    notes = _notes(table, exported_on)
    for line in [*notes[1:4], MARKS_NOTE]:
        p = doc.add_paragraph()
        ds.style_run(p.add_run(line), ds.BODY_FONT, "小四")
    grid = doc.add_table(rows=1, cols=len(DOCX_COLUMNS))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    for cell, (name, width) in zip(grid.rows[0].cells, DOCX_COLUMNS, strict=True):
        cell.width = Mm(width)
        _cell_text(cell, name, ds.HEADING_FONT, bold=True)
    header = grid.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")  # the header row repeats on every page
    repeat.set(qn("w:val"), "true")
    header.append(repeat)
    for row in table.rows:
        cells = grid.add_row().cells
        for cell, (_, width) in zip(cells, DOCX_COLUMNS, strict=True):
            cell.width = Mm(width)
        _cell_text(cells[0], row.level_label, ds.HEADING_FONT)
        if row.document is not None and row.document.field_provenance("level") == "inferred":
            _cell_text(cells[0], INFERRED_MARK, ds.BODY_FONT, size="小五", new=True)
        if row.document is None:
            _cell_text(cells[1], NO_DOCUMENT_TEXT, ds.BODY_FONT)
            cells[1].merge(cells[-1])
            continue
        _cell_text(cells[1], _title(row), ds.BODY_FONT, bold=True)
        for line in doc_lines(row):
            _cell_text(cells[1], line, ds.BODY_FONT, size="小五", new=True)
        if not row.matches:
            _cell_text(cells[2], f"{NO_COUNTERPART}（最接近的条款置信度 {row.confidence:.2f}）", ds.BODY_FONT)
        for i, m in enumerate(row.matches):
            c = m.clause
            head = f"[{i + 1}] {display_path(c)}{c.heading}".strip() + f"（{MATCH_LABELS[m.status]}，置信度 {m.confidence:.2f}）"
            _cell_text(cells[2], head, ds.HEADING_FONT, size="小五", new=i > 0)
            _cell_text(cells[2], quote_text(c.text), ds.BODY_FONT, new=True)
        _cell_lines(cells[3], [t.label for t in row.targets] or ["—"])
        _cell_lines(cells[4], row.units or ["未写明"])
        if row.above is not None:
            lines = [f"对照{title_text(row.above)}" + ("" if row.implements_above else "（非其上级文件）")]
            lines += ["新增：" + ("；".join(row.adds) or "无"), "未提及：" + ("；".join(row.leaves_out) or "无")]
        else:
            lines = ["—"]
        _cell_lines(cells[5], lines)
    for r in grid.rows:
        for cell in r.cells:
            for p in cell.paragraphs:
                p.paragraph_format.space_after = Pt(2)
    doc.core_properties.title = title_of(table)
    doc.save(target)


def _cell_text(cell, text: str, font: str, *, bold: bool = False, size: str = "五号", new: bool = False) -> None:
    from .. import docx_style as ds

    p = cell.add_paragraph() if new else cell.paragraphs[0]
    ds.style_run(p.add_run(text), font, size, bold=bold)


def _cell_lines(cell, lines: list[str]) -> None:
    from .. import docx_style as ds

    for i, line in enumerate(lines):
        _cell_text(cell, line, ds.BODY_FONT, size="小五", new=i > 0)


WRITERS = {"docx": write_docx, "xlsx": write_xlsx}


def export_bytes(table: ComparisonTable, fmt: str) -> bytes:
    """The file as bytes, for the app's download buttons."""
    _, writer = pick_writer(WRITERS, fmt)
    buf = io.BytesIO()
    writer(table, buf)
    return buf.getvalue()


def write(table: ComparisonTable, path, fmt: str | None = None) -> None:
    """Write to a file; the format from `fmt` or the file's extension."""
    fmt = (fmt or str(path).rsplit(".", 1)[-1]).lower()
    emit(export_bytes(table, fmt), path)
