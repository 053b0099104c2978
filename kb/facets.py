"""Search facets: what the filters can offer (from the loaded index), filters in words, why a result is empty."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from .models import LEVEL_LABELS, LEVELS, STATUS_LABELS, Clause, Document, Filters
from .text import quote_title


def doc_label(doc: Document, width: int = 30) -> str:
    """Short one-line name for pickers: 《title》（层级·地区）."""
    title = doc.title or doc.source
    if len(title) > width:
        title = title[: width - 1] + "…"
    return f"{quote_title(title)}（{doc.level_label}·{doc.region or '地区未知'}）"



@dataclass
class FilterOptions:
    """What the search filters can offer, taken from the loaded index."""

    levels: list[str]
    regions: list[str]
    issuers: list[str]
    topics: dict[str, str]  # key → label, topics that tag at least one clause
    statuses: list[str]
    documents: dict[str, str]  # doc id → label
    date_min: str = ""
    date_max: str = ""


def filter_options(documents: Sequence[Document], clauses: Sequence[Clause]) -> FilterOptions:
    levels = [lv for lv in LEVELS if any(d.level == lv for d in documents)]
    regions = sorted({d.region for d in documents if d.region})
    issuers = sorted({i for d in documents for i in d.issuers if i})
    topics: dict[str, str] = {}
    for c in clauses:
        for t in c.topics:
            topics.setdefault(t.key, t.label)
    try:
        from .topics import default_taxonomy

        order = {t.key: i for i, t in enumerate(default_taxonomy())}
    except Exception:  # the labels still come from the clauses; only the order is lost
        order = {}
    topics = dict(sorted(topics.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))
    statuses = [s for s in STATUS_LABELS if any(d.status == s for d in documents)]
    dates = sorted(d.date for d in documents if d.date)
    return FilterOptions(
        levels=levels, regions=regions, issuers=issuers, topics=topics, statuses=statuses,
        documents={d.id: doc_label(d) for d in documents},
        date_min=dates[0] if dates else "", date_max=dates[-1] if dates else "",
    )


def make_filters(levels: Sequence[str] = (), regions: Sequence[str] = (), issuers: Sequence[str] = (),
                 topics: Sequence[str] = (), statuses: Sequence[str] = (), documents: Sequence[str] = (),
                 date_from: date | str | None = None, date_to: date | str | None = None) -> Filters:
    """Widget values → Filters; dates may be `datetime.date` (from st.date_input) or ISO strings."""
    def iso(d: date | str | None) -> str:
        return d.isoformat() if isinstance(d, date) else (d or "")

    return Filters(levels=list(levels), regions=list(regions), issuers=list(issuers), topics=list(topics),
                   statuses=list(statuses), documents=list(documents), date_from=iso(date_from),
                   date_to=iso(date_to))


def describe_filters(filters: Filters, topic_names: dict[str, str] | None = None,
                     doc_names: dict[str, str] | None = None) -> list[str]:
    """The active filters in words, e.g. ["层级：县级", "主题：保险保障"]."""
    topic_names, doc_names = topic_names or {}, doc_names or {}
    out = []
    if filters.levels:
        out.append("层级：" + "、".join(LEVEL_LABELS.get(lv, lv) for lv in filters.levels))
    if filters.regions:
        out.append("地区：" + "、".join(filters.regions))
    if filters.issuers:
        out.append("发文机关：" + "、".join(filters.issuers))
    if filters.topics:
        out.append("主题：" + "、".join(topic_names.get(t, t) for t in filters.topics))
    if filters.statuses:
        out.append("状态：" + "、".join(STATUS_LABELS.get(s, s) for s in filters.statuses))
    if filters.documents:
        out.append("文件：" + "、".join(doc_names.get(d, d) for d in filters.documents))
    if filters.date_from or filters.date_to:
        out.append(f"日期：{filters.date_from or '不限'} 至 {filters.date_to or '不限'}")
    return out


def explain_empty(kb, query: str, filters: Filters | None, topic_names: dict[str, str] | None = None,
                  doc_names: dict[str, str] | None = None) -> str:
    """Why a search found nothing, in words a user can act on."""
    query = (query or "").strip()
    if not query:
        return "请输入要检索的问题，例如“出口信用保险怎么支持外贸制造企业”。"
    if filters is not None and not filters.empty:
        mask = kb.mask(filters)
        if mask is not None and not mask.any():
            said = "；".join(describe_filters(filters, topic_names, doc_names))
            return f"筛选条件过窄：没有条款同时满足（{said}）。请在左侧放宽或清除部分筛选条件。"
    tokens = [t for t in kb.query_tokens(query) if t.strip()]
    if not tokens:
        return "问题中没有可检索的词语（可能全是停用词或标点），请换一种说法。"
    said = "、".join(dict.fromkeys(tokens))
    scope = "在当前筛选范围内" if filters is not None and not filters.empty else "在知识库中"
    return f"{scope}没有条款包含问题中的词语（{said}），请换个说法、使用更常见的政策用语，或放宽筛选条件。"

