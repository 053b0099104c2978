"""Rows for the pages' tables (st.dataframe) and labels for their pickers, with Chinese column names."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from kb.compare.results import MATCH_LABELS
from kb.models import (
    CITED_FIELDS,
    LEVEL_LABELS,
    LEVELS,
    PROVENANCE_LABELS,
    Clause,
    Document,
    field_text,
    order_documents,
)
from kb.outline import clause_title
from kb.text import quote_title

from .render import target_labels

EXPORT_LABELS = {"csv": "CSV", "xlsx": "Excel", "docx": "Word", "md": "Markdown"}


def compare_file_name(comparison, fmt: str, today: date | None = None) -> str:
    """对照表_不良贷款容忍度_20260412.docx: the measure (or topic) in the name, unsafe characters dropped."""
    import re

    what = re.sub(r'[\\/:*?"<>|\s]+', "", comparison.measure or comparison.topic)[:20] or "措施"
    return f"对照表_{what}_{(today or date.today()):%Y%m%d}.{fmt}"


def export_file_name(fmt: str, today: date | None = None) -> str:
    return f"引用清单_{(today or date.today()).strftime('%Y%m%d')}.{fmt}"



FIELD_LABELS = {
    "title": "标题", "issuers": "发文机关", "doc_number": "文号", "date": "成文日期", "level": "层级",
    "region": "地区", "status": "状态", "references": "所落实的文件", "source_url": "来源网址",
}


def provenance_rows(doc: Document) -> list[dict[str, str]]:
    """Why each metadata field has its value: 字段, 值, 来源 (文件所载 / 目录填写 / 推断 / 未注明), 依据."""
    rows = []
    for name, label in FIELD_LABELS.items():
        ev = doc.provenance.get(name)
        value = getattr(doc, name, "")
        cited = name in CITED_FIELDS
        if not cited and ev is None and not value:
            continue
        kind = doc.field_provenance(name)
        rows.append({
            "字段": label,
            "值": doc.shown(name) if cited else field_text(name, value) or "—",
            "来源": PROVENANCE_LABELS[kind],
            "依据": ev.evidence if ev else "",
        })
    return rows


# Column widths of the 待核实 table: at 1,400 px with the sidebar open every column shows without scrolling sideways.
CHECK_WIDTHS = {"标题": 250, "字段": 70, "当前值": 200, "来源": 60, "依据": 260, "文件": 140}


def to_check_rows(documents: Sequence[Document]) -> list[dict[str, str]]:
    """待核实: one row per inferred or missing field of each document, for a reviewer to confirm or correct
    in the catalog."""
    rows = []
    for d in order_documents(documents):
        for name in d.to_check():
            ev = d.provenance.get(name)
            # What a reviewer reads first comes first: the 依据 (why) must not sit off-screen behind the file name.
            rows.append({"标题": d.shown("title"), "字段": FIELD_LABELS[name], "当前值": d.shown(name),
                         "来源": PROVENANCE_LABELS[d.field_provenance(name)], "依据": ev.evidence if ev else "",
                         "文件": d.source})
    return rows


def documents_table(documents: Sequence[Document]) -> list[dict[str, object]]:
    """One row per document for the corpus table."""
    docs = order_documents(documents)
    return [{
        "标题": d.shown("title"), "层级": d.shown("level"), "地区": d.shown("region"),
        "发文机关": d.shown("issuers"), "文号": d.shown("doc_number"), "成文日期": d.shown("date"),
        "状态": d.shown("status"), "条款数": d.clause_count, "文件": d.source,
    } for d in docs]



@dataclass
class LevelGroup:
    level: str
    label: str
    rows: list  # kb.models.CompareRow


def compare_groups(comparison) -> list[LevelGroup]:
    """Rows by level, national → county, unknown last; the rows keep the comparison's order (by date)."""
    by_level = comparison.by_level()
    order = [*LEVELS, *sorted(k for k in by_level if k not in LEVELS)]
    return [LevelGroup(lv, LEVEL_LABELS.get(lv, "层级未知"), by_level[lv]) for lv in order if lv in by_level]



def compare_table(comparison) -> list[dict[str, object]]:
    """The comparison side by side as a table: one line per document and chosen clause."""
    out = []
    for row in comparison.rows:
        d = row.document
        base = {"层级": d.shown("level"), "文件": d.cited_title(), "地区": d.shown("region")}
        if not row.matches:
            out.append(base | {"条款": "无对应条款", "状态": MATCH_LABELS["none"], "置信度": round(row.confidence, 2),
                               "量化指标": "", "责任单位": "", "独有表述": ""})
            continue
        for m in row.matches:
            c = m.clause
            out.append(base | {
                "条款": f"{c.path} {clause_title(c)}".strip(), "状态": MATCH_LABELS.get(m.status, m.status),
                "置信度": round(m.confidence, 2), "量化指标": "；".join(target_labels(c)),
                "责任单位": "、".join(c.responsible_units), "独有表述": "、".join(m.distinct_terms),
            })
    return out



def target_pairs_rows(diff) -> list[dict[str, str]]:
    """A ClauseDiff's targets side by side: 指标, 上级, 下级."""
    return [{"指标": p.metric, "上级文件": p.a.display if p.a else "—", "本文件": p.b.display if p.b else "—"}
            for p in (diff.targets if diff else [])]


def alignment_label(clause: Clause, n_pairs: int) -> str:
    """Expander label for one clause of the higher-level document."""
    name = f"{clause.path} {clause_title(clause)}".strip()
    return f"{name} → {n_pairs} 条对应" if n_pairs else f"{name} → 无对应条款"


def coverage_records(cov) -> tuple[list[dict[str, object]], list[str], list[str]]:
    """Heatmap records with Chinese field names, plus the document and topic orders for the axes."""
    labels: dict[str, str] = {}
    for d in cov.documents:
        short = d.title or d.source
        short = short[:14] + "…" if len(short) > 15 else short
        label = f"{d.level_label}·{short}"
        while label in labels.values():  # two documents with the same short title stay apart
            label += "′"
        labels[d.id] = label
    records = [{
        "主题": c.topic_label, "文件": labels[c.doc_id], "条款数": c.count, "强度": c.strength,
        "置信度": c.confidence, "层级": LEVEL_LABELS.get(c.level, "未知"), "标题": next(
            (quote_title(d.title or d.source) for d in cov.documents if d.id == c.doc_id), ""),
    } for c in cov.cells]
    return records, [labels[d.id] for d in cov.documents], [label for _, label in cov.topics]


def lineage_rows(links) -> list[dict[str, object]]:
    """Which document implements which: 文件, 所落实的文件, 本库中的文件, 标题相似度."""
    return [{
        "文件": link.child.cited_title(), "层级": link.child.shown("level"),
        "所落实的文件": quote_title(link.reference),
        "本库中的文件": quote_title(link.parent.title) if link.parent else f"未收录（最接近：{quote_title(link.candidate)}）"
        if link.candidate else "未收录",
        "标题相似度": round(link.score, 2),
    } for link in links]
