"""What the Streamlit pages show, computed without Streamlit: escaped highlighting, chips, outline trees, messages.

Every string that comes from a document passes through `html.escape` here before any markup is added, so a
policy file cannot inject tags or script into the app. The pages only place these fragments on screen.
"""

from __future__ import annotations

import html
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .models import LEVEL_LABELS, LEVELS, STATUS_LABELS, Clause, Document, Filters, Hit

# ---------------------------------------------------------------- styles

CSS = """
<style>
.kb-card-head {font-size: 1.05rem; font-weight: 600; margin-bottom: .15rem;}
.kb-path {color: #6b7280; font-weight: 500; margin-right: .35rem;}
.kb-meta {color: #4b5563; font-size: .86rem; margin-bottom: .45rem;}
.kb-meta .kb-mi + .kb-mi::before {content: "·"; margin: 0 .4rem; color: #9ca3af;}
.kb-text {line-height: 1.75; font-size: .95rem;}
.kb-text mark, .kb-full mark {background: #fde68a; color: inherit; padding: 0 .05rem; border-radius: 2px;}
.kb-full {line-height: 1.8; font-size: .93rem; max-height: 32rem; overflow-y: auto; padding: .5rem .75rem;
          border: 1px solid #e5e7eb; border-radius: .5rem;}
.kb-full .kb-focus {background: #fef3c7; outline: 2px solid #f59e0b; border-radius: 3px;}
.kb-badge {display: inline-block; padding: 0 .45rem; border-radius: .6rem; font-size: .78rem; font-weight: 600;
           margin-right: .35rem; vertical-align: middle;}
.kb-level-national {background: #fee2e2; color: #991b1b;}
.kb-level-provincial {background: #ffedd5; color: #9a3412;}
.kb-level-municipal {background: #dbeafe; color: #1e40af;}
.kb-level-county {background: #dcfce7; color: #166534;}
.kb-level-unknown {background: #e5e7eb; color: #374151;}
.kb-draft {background: #f3e8ff; color: #6b21a8;}
.kb-chips {margin-top: .4rem;}
.kb-chip {display: inline-block; padding: .05rem .5rem; margin: .12rem .25rem .12rem 0; border-radius: .8rem;
          font-size: .78rem; border: 1px solid #d1d5db; background: #f9fafb; color: #374151;}
.kb-chip-target {border-color: #f59e0b; background: #fffbeb; color: #92400e;}
.kb-chip-topic {border-color: #93c5fd; background: #eff6ff; color: #1e3a8a;}
.kb-chip-unit {border-color: #86efac; background: #f0fdf4; color: #14532d;}
.kb-chip-diff {font-weight: 700; box-shadow: 0 0 0 1px #f59e0b inset;}
.kb-none {color: #9ca3af; font-style: italic;}
.kb-outline ul {margin: 0 0 0 1rem; padding: 0;}
.kb-outline > ul {margin-left: 0;}
.kb-outline li {list-style: none; margin: .1rem 0; font-size: .9rem;}
.kb-outline .kb-node-focus {background: #fde68a; border-radius: 3px; font-weight: 600;}
.kb-outline .kb-marker {color: #6b7280; margin-right: .25rem;}
.kb-col-head {font-weight: 600; font-size: 1rem; margin-bottom: .2rem;}
.kb-text mark.kb-m-distinct, .kb-legend mark.kb-m-distinct {background: #bfdbfe;}
.kb-text mark.kb-m-span {background: #fef3c7;}
.kb-status {display: inline-block; font-size: .8rem; font-weight: 600; padding: 0 .45rem; border-radius: .3rem;
            margin: .2rem 0 .35rem 0;}
.kb-status-match {background: #dcfce7; color: #166534;}
.kb-status-weak {background: #fef9c3; color: #854d0e;}
.kb-status-none {background: #f3f4f6; color: #6b7280;}
.kb-legend {font-size: .82rem; color: #4b5563;}
.kb-sub {font-size: .82rem; color: #6b7280; margin-top: .35rem;}
</style>
"""

# ---------------------------------------------------------------- highlighting

_PAREN_CLASSES = {"（": "[（(]", "(": "[（(]", "）": "[）)]", ")": "[）)]"}


def _term_pattern(term: str) -> re.Pattern[str] | None:
    """A term as found in the text: whitespace may sit between characters (line-broken PDFs), brackets in either
    width, Latin letters in either case; `kb.search.matched_terms` matches the same way."""
    chars = [c for c in term if not c.isspace()]
    if not chars:
        return None
    parts = [_PAREN_CLASSES.get(c, re.escape(c)) for c in chars]
    return re.compile(r"\s*".join(parts), re.IGNORECASE)


def term_spans(text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    """Non-overlapping (start, end) spans of the terms in the text, longest terms claiming their place first."""
    taken: list[tuple[int, int]] = []
    for term in sorted({t for t in terms if t and t.strip()}, key=len, reverse=True):
        pattern = _term_pattern(term)
        if pattern is None:
            continue
        for m in pattern.finditer(text):
            s, e = m.span()
            if e > s and not any(s < te and ts < e for ts, te in taken):
                taken.append((s, e))
    return sorted(taken)


def merge_spans(spans: Iterable[tuple[int, int]], length: int | None = None) -> list[tuple[int, int]]:
    """Sorted, clipped to the text, overlapping or touching spans joined, empty ones dropped."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if length is not None:
            s, e = max(0, min(s, length)), max(0, min(e, length))
        if e <= s:
            continue
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def escape_text(text: str) -> str:
    """Escaped for HTML, line breaks kept as <br>."""
    return html.escape(text).replace("\r\n", "\n").replace("\n", "<br>")


def highlight_html(text: str, terms: Iterable[str] = (), spans: Iterable[tuple[int, int]] = ()) -> str:
    """The text escaped, with the terms (and any extra spans) wrapped in <mark>. Safe to render as HTML."""
    marks = merge_spans([*term_spans(text, terms), *spans], len(text))
    out, pos = [], 0
    for s, e in marks:
        out.append(escape_text(text[pos:s]))
        out.append(f"<mark>{escape_text(text[s:e])}</mark>")
        pos = e
    out.append(escape_text(text[pos:]))
    return "".join(out)


def marked_html(text: str, spans: Iterable[tuple[int, int, str]]) -> str:
    """The text escaped, with each (start, end, css class) span in a <mark>; overlapping later spans are dropped."""
    kept: list[tuple[int, int, str]] = []
    for s, e, cls in sorted(spans, key=lambda x: (x[0], -(x[1] - x[0]))):
        s, e = max(0, s), min(len(text), e)
        if e > s and all(e <= ks or s >= ke for ks, ke, _ in kept):
            kept.append((s, e, cls))
    out, pos = [], 0
    for s, e, cls in sorted(kept):
        attr = f' class="{html.escape(cls)}"' if cls else ""
        out.append(escape_text(text[pos:s]))
        out.append(f"<mark{attr}>{escape_text(text[s:e])}</mark>")
        pos = e
    out.append(escape_text(text[pos:]))
    return "".join(out)


# ---------------------------------------------------------------- badges and chips


def level_badge_html(level: str) -> str:
    label = LEVEL_LABELS.get(level, "未知层级")
    cls = level if level in LEVELS else "unknown"
    return f'<span class="kb-badge kb-level-{cls}">{html.escape(label)}</span>'


def status_badge_html(status: str) -> str:
    """Only drafts get a badge: a 征求意见稿 must not be cited as if it were in force."""
    if status != "draft":
        return ""
    return f'<span class="kb-badge kb-draft">{html.escape(STATUS_LABELS["draft"])}</span>'


def chips_html(labels: Iterable[str], kind: str = "", highlight: Iterable[str] = ()) -> str:
    """Escaped pill labels; `kind` is target | topic | unit; labels in `highlight` are emphasised (differences)."""
    marked = set(highlight)
    seen: list[str] = []
    for label in labels:
        if label and label not in seen:
            seen.append(label)
    cls = f"kb-chip kb-chip-{kind}" if kind else "kb-chip"
    return "".join(
        f'<span class="{cls}{" kb-chip-diff" if label in marked else ""}">{html.escape(label)}</span>'
        for label in seen
    )


def target_labels(clause: Clause) -> list[str]:
    """The clause's targets as shown on chips: "综合担保费率 ≤ 1%", criteria and baselines labelled as such."""
    return [t.display if t.kind == "goal" else f"{t.kind_label}：{t.display}" for t in clause.targets]


def topic_labels(clause: Clause) -> list[str]:
    return [t.label for t in clause.topics]


# ---------------------------------------------------------------- cards


def doc_meta_html(doc: Document, with_title: bool = True) -> str:
    """Level badge, draft badge, 《title》, 文号, date and region on one line."""
    parts = [f'<span class="kb-mi">{html.escape(quote(doc.title or doc.source))}</span>'] if with_title else []
    for value in (doc.doc_number, doc.date, doc.region):
        if value:
            parts.append(f'<span class="kb-mi">{html.escape(value)}</span>')
    return (f'<div class="kb-meta">{level_badge_html(doc.level)}{status_badge_html(doc.status)}'
            f'{"".join(parts)}</div>')


def clause_title(clause: Clause) -> str:
    """What a clause is called on a card: its heading, else the start of its text."""
    if clause.heading:
        return clause.heading
    text = re.sub(r"\s+", "", clause.text)
    return text[:24] + ("…" if len(text) > 24 else "")


def display_path(clause: Clause) -> str:
    """The outline path without a trailing heading it repeats: 一、提质 with heading 提质 → 一、."""
    path = clause.path or ""
    if clause.heading and path.endswith(clause.heading) and len(path) > len(clause.heading):
        return path[: -len(clause.heading)]
    return path


def clause_card_html(clause: Clause, doc: Document, terms: Iterable[str] = (), *,
                     spans: Iterable[tuple[int, int]] = (), show_doc: bool = True, number: int | None = None) -> str:
    """A result card: path and heading, document line, clause text with terms marked, target and topic chips."""
    shown = (f"{number}. " if number is not None else "") + display_path(clause)
    path = f'<span class="kb-path">{html.escape(shown)}</span>' if shown else ""
    head = f'<div class="kb-card-head">{path}{html.escape(clause_title(clause))}</div>'
    meta = doc_meta_html(doc) if show_doc else ""
    body = f'<div class="kb-text">{highlight_html(clause.text, terms, spans)}</div>'
    chips = (chips_html(target_labels(clause), "target") + chips_html(topic_labels(clause), "topic")
             + chips_html([f"责任单位：{u}" for u in clause.responsible_units], "unit"))
    chips = f'<div class="kb-chips">{chips}</div>' if chips else ""
    return head + meta + body + chips


def quote(title: str) -> str:
    """《title》 unless it already is quoted."""
    title = (title or "").strip()
    if title.startswith("《") and title.endswith("》"):
        return title
    return f"《{title}》"


def doc_label(doc: Document, width: int = 30) -> str:
    """Short one-line name for pickers: 《title》（层级·地区）."""
    title = doc.title or doc.source
    if len(title) > width:
        title = title[: width - 1] + "…"
    return f"《{title}》（{doc.level_label}·{doc.region or '地区未知'}）"


def score_text(hit: Hit) -> str:
    """The fused score and its parts, e.g. 相关度 0.87（关键词 12.3 · 语义 0.81）."""
    names = {"bm25": "关键词", "dense": "语义", "heading": "标题", "topic": "主题", "coverage": "词语覆盖",
             "phrase": "短语"}
    parts = [f"{names[k]} {v:.2f}" for k, v in hit.scores.items() if v and k in names]
    return f"相关度 {hit.score:.2f}" + (f"（{' · '.join(parts)}）" if parts else "")


# ---------------------------------------------------------------- filters and empty results


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
    tokens = [t for t in kb._query_tokens(query) if t.strip()]
    if not tokens:
        return "问题中没有可检索的词语（可能全是停用词或标点），请换一种说法。"
    said = "、".join(dict.fromkeys(tokens))
    scope = "在当前筛选范围内" if filters is not None and not filters.empty else "在知识库中"
    return f"{scope}没有条款包含问题中的词语（{said}），请换个说法、使用更常见的政策用语，或放宽筛选条件。"


# ---------------------------------------------------------------- the citation list


def add_item(items: list[str], item: str) -> list[str]:
    """Append once; the order is the user's."""
    return items if item in items else [*items, item]


def move_item(items: list[str], index: int, delta: int) -> list[str]:
    """Move the item at `index` up (delta −1) or down (+1); out-of-range moves change nothing."""
    target = index + delta
    if not (0 <= index < len(items) and 0 <= target < len(items)):
        return list(items)
    out = list(items)
    out[index], out[target] = out[target], out[index]
    return out


def remove_item(items: list[str], index: int) -> list[str]:
    return [x for i, x in enumerate(items) if i != index]


def resolve_items(kb, ids: Sequence[str]) -> tuple[list[tuple[Clause, Document]], list[str]]:
    """(clause, document) pairs for the ids still in the index, and the ids a rebuild has dropped."""
    found, missing = [], []
    for cid in ids:
        try:
            clause = kb.clause(cid)
        except Exception:
            missing.append(cid)
            continue
        found.append((clause, kb.doc_of(clause)))
    return found, missing


EXPORT_LABELS = {"csv": "CSV", "xlsx": "Excel", "docx": "Word", "md": "Markdown"}


def export_file_name(fmt: str, today: date | None = None) -> str:
    return f"引用清单_{(today or date.today()).strftime('%Y%m%d')}.{fmt}"


# ---------------------------------------------------------------- documents: outline, provenance, lineage

_MARKER = re.compile(
    r"第[一二三四五六七八九十百千零〇两\d]+(?:编|章|节|条|款|项|目|点|部分)"
    r"|[一二三四五六七八九十百千零〇两]+[、.．]"
    r"|[（(][一二三四五六七八九十百千零〇两]+[）)]"
    r"|\d+[.．、](?!\d)"
    r"|[（(]\d+[）)]"
)
_KIND_LABELS = {"preamble": "前言", "release": "发布说明", "closing": "结尾", "general": "总则"}


def path_segments(path: str) -> list[str]:
    """An outline path split at its markers: 二、（一）1. → ["二、", "（一）", "1."]; trailing words stay whole."""
    path = re.sub(r"\s+", "", path or "")
    out, pos = [], 0
    while pos < len(path):
        m = _MARKER.match(path, pos)
        if not m:
            out.append(path[pos:])
            break
        out.append(m.group())
        pos = m.end()
    return out


@dataclass
class OutlineNode:
    """One line of a document's outline: a part, measure or item; `clause_id` is empty for a heading that is
    only known from its children (a part whose title line holds no text of its own)."""

    label: str
    marker: str = ""
    clause_id: str = ""
    children: list[OutlineNode] = field(default_factory=list)

    def walk(self) -> Iterable[OutlineNode]:
        yield self
        for child in self.children:
            yield from child.walk()


def outline_tree(clauses: Sequence[Clause]) -> list[OutlineNode]:
    """Parts → measures → items, from the clauses' outline paths and their parents' headings, in text order."""
    roots: list[OutlineNode] = []
    index: dict[tuple[str, ...], OutlineNode] = {}
    for c in clauses:
        segments = path_segments(c.path)
        if not segments:  # 前言, 发布说明, 结尾: a top-level line of its own
            roots.append(OutlineNode(label=c.heading or _KIND_LABELS.get(c.kind, "正文"), clause_id=c.id))
            continue
        siblings = roots
        for depth, seg in enumerate(segments[:-1]):
            key = tuple(segments[: depth + 1])
            node = index.get(key)
            if node is None:
                heading = c.parents[depth] if depth < len(c.parents) else ""
                node = OutlineNode(label=heading, marker=seg)
                index[key] = node
                siblings.append(node)
            siblings = node.children
        key = tuple(segments)
        node = index.get(key)
        if node is not None and not node.clause_id:
            node.clause_id, node.label = c.id, c.heading or node.label
            continue
        node = OutlineNode(label=c.heading or clause_title(c), marker=segments[-1], clause_id=c.id)
        if key not in index:
            index[key] = node
        siblings.append(node)
    return roots


def outline_html(nodes: Sequence[OutlineNode], focus_id: str = "") -> str:
    """The outline as nested lists, escaped; the focused clause's line is marked."""
    def render(items: Sequence[OutlineNode]) -> str:
        rows = []
        for n in items:
            marker = f'<span class="kb-marker">{html.escape(n.marker)}</span>' if n.marker else ""
            label = html.escape(n.label) if n.label else '<span class="kb-none">（无标题）</span>'
            cls = ' class="kb-node-focus"' if focus_id and n.clause_id == focus_id else ""
            sub = render(n.children) if n.children else ""
            rows.append(f"<li><span{cls}>{marker}{label}</span>{sub}</li>")
        return f"<ul>{''.join(rows)}</ul>"

    return f'<div class="kb-outline">{render(nodes)}</div>'


def outline_labels(nodes: Sequence[OutlineNode]) -> dict[str, str]:
    """clause id → indented label, for a picker that follows the outline."""
    out: dict[str, str] = {}

    def visit(items: Sequence[OutlineNode], depth: int, prefix: str) -> None:
        for n in items:
            full = prefix + n.marker
            if n.clause_id:
                out[n.clause_id] = "　" * depth + (f"{full} " if full else "") + (n.label or "（无标题）")
            visit(n.children, depth + 1, full)

    visit(nodes, 0, "")
    return out


def full_text_html(doc: Document, focus: Clause | None = None, terms: Iterable[str] = ()) -> str:
    """The document's text, escaped, with the focused clause framed and terms inside it marked."""
    text = doc.text
    if focus is None or not (0 <= focus.start < focus.end <= len(text)):
        return f'<div class="kb-full">{highlight_html(text, terms)}</div>'
    before, inside, after = text[: focus.start], text[focus.start: focus.end], text[focus.end:]
    return (f'<div class="kb-full">{escape_text(before)}'
            f'<span class="kb-focus" id="kb-focus">{highlight_html(inside, terms)}</span>'
            f"{escape_text(after)}</div>")


def neighbours(clauses: Sequence[Clause], clause_id: str, before: int = 1, after: int = 1) -> list[Clause]:
    """The clause with the ones around it, for reading in context."""
    for i, c in enumerate(clauses):
        if c.id == clause_id:
            return list(clauses[max(0, i - before): i + after + 1])
    return []


SOURCE_LABELS = {"catalog": "目录（人工填写）", "extracted": "正文抽取", "derived": "推断", "default": "默认值"}
FIELD_LABELS = {
    "title": "标题", "issuers": "发文机关", "doc_number": "文号", "date": "成文日期", "level": "层级",
    "region": "地区", "status": "状态", "references": "所落实的文件", "source_url": "来源网址",
}


def field_text(name: str, value: object) -> str:
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if name == "level":
        return LEVEL_LABELS.get(str(value), str(value))
    if name == "status":
        return STATUS_LABELS.get(str(value), str(value))
    return "" if value is None else str(value)


def provenance_rows(doc: Document) -> list[dict[str, str]]:
    """Why each metadata field has its value: 字段, 值, 来源, 依据."""
    rows = []
    for name, label in FIELD_LABELS.items():
        ev = doc.provenance.get(name)
        value = getattr(doc, name, "")
        if ev is None and not value:
            continue
        rows.append({
            "字段": label,
            "值": field_text(name, value) or "—",
            "来源": SOURCE_LABELS.get(ev.source, ev.source) if ev else "—",
            "依据": ev.evidence if ev else "",
        })
    return rows


def documents_table(documents: Sequence[Document]) -> list[dict[str, object]]:
    """One row per document for the corpus table."""
    order = {lv: i for i, lv in enumerate(LEVELS)}
    docs = sorted(documents, key=lambda d: (order.get(d.level, len(order)), d.date or "9999", d.source))
    return [{
        "标题": d.title or d.source, "层级": d.level_label, "地区": d.region or "—",
        "发文机关": "、".join(d.issuers) or "—", "文号": d.doc_number or "—", "成文日期": d.date or "—",
        "状态": d.status_label, "条款数": d.clause_count, "文件": d.source,
    } for d in docs]


# ---------------------------------------------------------------- corpus administration


@dataclass
class UploadResult:
    name: str  # as uploaded
    ok: bool
    message: str
    saved_as: str = ""


def store_upload(corpus_dir: Path, name: str, data: bytes, *, replace: bool = False,
                 max_bytes: int | None = None) -> UploadResult:
    """Check an uploaded file reads as text first, then add it to the corpus; nothing unreadable is kept."""
    from .config import MAX_FILE_BYTES
    from .corpus import add_to_corpus, sanitize_name
    from .errors import KBError, ReadError
    from .read import read_file

    limit = max_bytes or MAX_FILE_BYTES
    clean = sanitize_name(name)
    try:
        if data and len(data) <= limit and Path(clean).suffix.lower():
            with tempfile.TemporaryDirectory(prefix="kb-upload-") as tmp:
                probe = Path(tmp) / clean
                probe.write_bytes(data)
                read_file(probe, max_bytes=limit)
        target = add_to_corpus(corpus_dir, name, data, replace=replace, max_bytes=limit)
    except ReadError as e:
        return UploadResult(name, False, e.reason)
    except KBError as e:
        return UploadResult(name, False, str(e))
    renamed = f"（已保存为 {target.name}）" if target.name != name else ""
    return UploadResult(name, True, f"已加入语料库{renamed}", target.name)


LIST_FIELDS = ("issuers", "references")


def catalog_form_defaults(entry: dict[str, object] | None) -> dict[str, str]:
    """A catalog entry as form text: lists one item per line, missing fields empty."""
    from .catalog import FIELDS

    entry = entry or {}
    out = {}
    for name in FIELDS:
        value = entry.get(name, "")
        out[name] = "\n".join(value) if isinstance(value, list) else str(value or "")
    return out


def catalog_form_values(form: dict[str, str]) -> dict[str, object]:
    """Form text → catalog values: list fields split by line (or 、，;), empty fields left out so that
    extraction fills them again."""
    out: dict[str, object] = {}
    for name, raw in form.items():
        text = (raw or "").strip()
        if not text:
            continue
        if name in LIST_FIELDS:
            out[name] = [v.strip() for v in re.split(r"[\n、,，;；]", text) if v.strip()]
        else:
            out[name] = text
    return out


def build_summary(report) -> str:
    """One line about a finished build (kb.build.BuildReport)."""
    if report.up_to_date:
        return f"语料未变化，索引已是最新：{report.documents} 个文件，{report.clauses} 个条款。"
    model = report.model or "无（仅关键词检索）"
    return (f"已构建新索引并启用：{report.documents} 个文件，{report.clauses} 个条款；复用 {report.reused} 个未变化的文件，"
            f"新向量 {report.embedded} 条，向量模型 {model}，用时 {report.seconds:.1f} 秒。")


PROGRESS_STAGES = {"解析文件": (0.0, 0.85), "分词": (0.85, 0.9), "向量": (0.9, 1.0)}


def progress_fraction(stage: str, done: int, total: int) -> float:
    """Overall progress 0–1 from a build stage and its count; unknown stages sit near the end."""
    lo, hi = PROGRESS_STAGES.get(stage, (0.9, 1.0))
    share = (done / total) if total > 0 else 1.0
    return max(0.0, min(1.0, lo + (hi - lo) * max(0.0, min(1.0, share))))


def no_index_message(index_dir: Path, corpus_dir: Path, allow_admin: bool) -> str:
    """What to do when there is no index yet."""
    msg = (f"还没有可用的索引（{index_dir}）。请在项目目录运行 `make run`，它会先构建索引再启动应用；"
           f"或运行 `kb build {corpus_dir} --index {index_dir}`，完成后刷新本页。")
    if allow_admin:
        msg += "也可以在左侧「管理」页上传文件并点击“构建索引”。"
    return msg


# ---------------------------------------------------------------- comparison (kb.compare results)

STATUS_TEXT = {"match": "对应", "weak": "可能对应（较弱）", "none": "无对应条款"}
HIGHLIGHT_CLASSES = {"match": "", "distinct": "kb-m-distinct"}
LEGEND_HTML = ('<div class="kb-legend"><mark>黄色</mark> 为措施用语，<mark class="kb-m-distinct">蓝色</mark> 为其他文件'
               '没有的表述；加粗的指标标签只在这一份文件中出现。</div>')


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


def distinct_targets(comparison) -> set[str]:
    """Target labels that only one document's chosen clauses state (when two or more documents have some)."""
    seen: dict[str, set[str]] = {}
    for row in comparison.rows:
        for m in row.matches:
            for label in target_labels(m.clause):
                seen.setdefault(label, set()).add(row.document.id)
    with_targets = {d for docs in seen.values() for d in docs}
    if len(with_targets) < 2:
        return set()
    return {label for label, docs in seen.items() if len(docs) == 1}


def compare_status_html(status: str, confidence: float) -> str:
    text = STATUS_TEXT.get(status, status)
    extra = f" · 置信度 {confidence:.2f}" if status != "none" else (f"（最接近的条款置信度 {confidence:.2f}）"
                                                                   if confidence else "")
    return f'<span class="kb-status kb-status-{html.escape(status)}">{html.escape(text + extra)}</span>'


def compare_match_html(match, doc: Document, unique: set[str] = frozenset()) -> str:
    """One chosen clause in a comparison column: path, heading, highlighted text, targets and units."""
    c = match.clause
    path = f'<span class="kb-path">{html.escape(display_path(c))}</span>' if display_path(c) else ""
    head = f'<div class="kb-card-head">{path}{html.escape(clause_title(c))}</div>'
    spans = [(h.start, h.end, HIGHLIGHT_CLASSES.get(h.kind, "")) for h in match.highlights]
    status = compare_status_html(match.status, match.confidence)
    body = f'<div class="kb-text">{marked_html(c.text, spans)}</div>'
    targets = target_labels(c)
    chips = chips_html(targets, "target", highlight=[t for t in targets if t in unique])
    units = chips_html(c.responsible_units, "unit")
    parts = [head, status, body]
    parts.append(f'<div class="kb-sub">量化指标：</div><div class="kb-chips">{chips}</div>' if chips
                 else '<div class="kb-sub">量化指标：<span class="kb-none">无</span></div>')
    parts.append(f'<div class="kb-sub">责任单位：</div><div class="kb-chips">{units}</div>' if units
                 else '<div class="kb-sub">责任单位：<span class="kb-none">未写明</span></div>')
    return "".join(parts)


def compare_doc_head_html(row) -> str:
    d = row.document
    head = f'<div class="kb-col-head">{html.escape(quote(d.title or d.source))}</div>'
    meta = doc_meta_html(d, with_title=False)
    if not row.matches:
        return head + meta + compare_status_html("none", row.confidence)
    return head + meta


def compare_table(comparison) -> list[dict[str, object]]:
    """The comparison side by side as a table: one line per document and chosen clause."""
    out = []
    for row in comparison.rows:
        d = row.document
        base = {"层级": d.level_label, "文件": quote(d.title or d.source), "地区": d.region or "—"}
        if not row.matches:
            out.append(base | {"条款": "无对应条款", "状态": STATUS_TEXT["none"], "置信度": round(row.confidence, 2),
                               "量化指标": "", "责任单位": "", "独有表述": ""})
            continue
        for m in row.matches:
            c = m.clause
            out.append(base | {
                "条款": f"{c.path} {clause_title(c)}".strip(), "状态": STATUS_TEXT.get(m.status, m.status),
                "置信度": round(m.confidence, 2), "量化指标": "；".join(target_labels(c)),
                "责任单位": "、".join(c.responsible_units), "独有表述": "、".join(m.distinct_terms),
            })
    return out


def aligned_clause_html(clause: Clause, span: tuple[int, int] = (0, 0), only: Iterable = ()) -> str:
    """A clause in the two-document view: the best-matching sentence shaded, terms the other side lacks in blue."""
    spans = [(span[0], span[1], "kb-m-span")] if span[1] > span[0] else []
    terms = [(s, e, "kb-m-distinct") for d in only for s, e in d.spans]
    path = f'<span class="kb-path">{html.escape(display_path(clause))}</span>' if display_path(clause) else ""
    head = f'<div class="kb-card-head">{path}{html.escape(clause_title(clause))}</div>'
    # Distinct terms sit inside the shaded sentence; they win so the differences stay visible.
    return head + f'<div class="kb-text">{marked_html(clause.text, [*terms, *_minus(spans, terms)])}</div>'


def _minus(spans: list[tuple[int, int, str]], holes: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Spans with the holes cut out, so nested marks never overlap."""
    out = []
    for s, e, cls in spans:
        pos = s
        for hs, he, _ in sorted(holes):
            if he <= pos or hs >= e:
                continue
            if hs > pos:
                out.append((pos, hs, cls))
            pos = max(pos, he)
        if pos < e:
            out.append((pos, e, cls))
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
            (quote(d.title or d.source) for d in cov.documents if d.id == c.doc_id), ""),
    } for c in cov.cells]
    return records, [labels[d.id] for d in cov.documents], [label for _, label in cov.topics]


def lineage_rows(links) -> list[dict[str, object]]:
    """Which document implements which: 文件, 所落实的文件, 本库中的文件, 标题相似度."""
    return [{
        "文件": quote(link.child.title or link.child.source), "层级": link.child.level_label,
        "所落实的文件": quote(link.reference),
        "本库中的文件": quote(link.parent.title) if link.parent else f"未收录（最接近：{quote(link.candidate)}）"
        if link.candidate else "未收录",
        "标题相似度": round(link.score, 2),
    } for link in links]
