"""Search facets: what the filters can offer (from the loaded index), filters in words, why a result is empty."""

from __future__ import annotations

import dataclasses
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



# ---------------------------------------------------------------- facet counts

FACETS = ("levels", "regions", "issuers", "topics", "statuses", "documents")


def facet_counts(kb, filters: Filters | None = None) -> dict[str, dict[str, int]]:
    """For each facet, value → number of documents the search could still reach with that value chosen, the
    other facets' choices kept (as legal databases count: 层级 国家 (2) 省级 (0)). A count of 0 marks an option
    that would give nothing."""
    filters = filters or Filters()
    doc_of_row = [c.doc_id for c in kb.clauses]
    by_id = {d.id: d for d in kb.documents}
    out: dict[str, dict[str, int]] = {}
    for facet in FACETS:
        mask = kb.mask(dataclasses.replace(filters, **{facet: []}))
        rows = range(len(doc_of_row)) if mask is None else mask.nonzero()[0]
        reach: dict[str, set[str]] = {}  # document id → topics its reachable clauses carry
        for row in rows:
            topics = reach.setdefault(doc_of_row[row], set())
            if facet == "topics":
                topics.update(kb.clauses[row].topic_keys)
        counts: dict[str, int] = {}
        for doc_id, topics in reach.items():
            d = by_id[doc_id]
            values = {"levels": [d.level], "regions": [d.region], "issuers": d.issuers, "statuses": [d.status],
                      "documents": [d.id], "topics": topics}[facet]
            for v in set(values):
                if v:
                    counts[v] = counts.get(v, 0) + 1
        out[facet] = counts
    return out


def counted(label: str, n: int) -> str:
    """An option with its count: 国家 (2); an option that would give nothing says so."""
    return f"{label} ({n})" if n else f"{label} (0 · 无结果)"


# ---------------------------------------------------------------- first screen


@dataclass
class CorpusOverview:
    """What the corpus holds, for the first screen: documents by level and region, dates, drafts."""

    documents: int
    clauses: int
    levels: list[tuple[str, int]]  # (label, count), national first
    regions: list[tuple[str, int]]  # most documents first
    date_min: str
    date_max: str
    undated: int
    drafts: int


def corpus_overview(documents: Sequence[Document], clauses: Sequence[Clause] = ()) -> CorpusOverview:
    from collections import Counter

    levels = Counter(d.level for d in documents)
    shown = [(LEVEL_LABELS[lv], levels[lv]) for lv in LEVELS if levels[lv]]
    unknown = sum(n for lv, n in levels.items() if lv not in LEVELS)
    if unknown:
        shown.append(("未知层级", unknown))
    regions = Counter(d.region or "地区未知" for d in documents)
    dates = sorted(d.date for d in documents if d.date)
    return CorpusOverview(
        documents=len(documents), clauses=len(clauses), levels=shown,
        regions=sorted(regions.items(), key=lambda kv: (-kv[1], kv[0])),
        date_min=dates[0] if dates else "", date_max=dates[-1] if dates else "",
        undated=sum(1 for d in documents if not d.date), drafts=sum(1 for d in documents if d.status == "draft"),
    )


EXAMPLE_KINDS = ("measure", "item", "article")
HEADING_CHARS = (6, 24)  # a heading this long reads as a question; shorter ones (总体要求) say too little


def example_questions(clauses: Sequence[Clause], n: int = 3) -> list[str]:
    """Questions drawn from the corpus itself: the topics most documents share, each asked through the heading
    of its most strongly tagged measure (加强供应链融资… → 如何加强供应链融资…？). One per topic and document."""
    spread: dict[str, set[str]] = {}
    best: dict[str, tuple[float, Clause]] = {}
    lo, hi = HEADING_CHARS
    for c in clauses:
        heading = c.heading.strip().rstrip("。；;，,")
        usable = c.kind in EXAMPLE_KINDS and lo <= len(heading) <= hi
        for t in c.topics:
            spread.setdefault(t.key, set()).add(c.doc_id)
            if usable and (t.key not in best or t.score > best[t.key][0]):
                best[t.key] = (t.score, c)
    ranked = sorted(best, key=lambda k: (-len(spread[k]), -best[k][0], k))
    out: list[str] = []
    used_docs: set[str] = set()
    for key in ranked:
        clause = best[key][1]
        question = _as_question(clause.heading)
        if question in out or (clause.doc_id in used_docs and len(ranked) > n):
            continue
        out.append(question)
        used_docs.add(clause.doc_id)
        if len(out) == n:
            break
    return out


def _as_question(heading: str) -> str:
    # "深化产业链金融服务，推动资金链与产业链对接": the first phrase asks the question, short enough for a button
    heading = heading.strip().split("，")[0].rstrip("。；;，,？?")
    if heading.startswith(("如何", "怎样", "怎么", "是否", "哪些")):
        return heading + "？"
    return f"如何{heading}？"
