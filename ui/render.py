"""HTML fragments the pages show: escaped highlighting, badges, chips, cards, outlines, comparison columns.

Every string that comes from a document passes through `html.escape` here before any markup is added, so a
policy file cannot inject tags or script into the app. The pages only place these fragments on screen.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from kb.compare.results import MATCH_LABELS
from kb.models import INFERRED_MARK, KIND_LABELS, LEVEL_LABELS, LEVELS, STATUS_LABELS, Clause, Document, Hit
from kb.outline import OutlineNode, body_start, clause_title, display_path, heading_trail
from kb.text import term_spans

CSS = "<style>\n" + (Path(__file__).with_name("style.css")).read_text("utf-8") + "</style>\n"

# ---------------------------------------------------------------- highlighting

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


_STREAMLIT_MD = re.compile(r"([$:])")


def plain(text: object) -> str:
    """A document-derived string for a widget that renders Markdown (subheader, caption, button, expander,
    info/error…): escaped so a link, an image (a tracking pixel), HTML, math or a :color[directive] in a
    heading, title or file name shows as the characters it is."""
    from kb.export import md_escape

    return _STREAMLIT_MD.sub(r"\\\1", md_escape(str(text)))


def escape_text(text: str) -> str:
    """Escaped for HTML, line breaks kept as <br>."""
    return html.escape(text).replace("\r\n", "\n").replace("\n", "<br>")


def highlight_html(text: str, terms: Iterable[str] = (), spans: Iterable[tuple[int, int]] = ()) -> str:
    """The text escaped, with the spans (offsets from the library, e.g. Hit.spans) and the terms, found by
    kb.text.term_spans, wrapped in <mark>. Safe to render as HTML."""
    found = [(s, e) for s, e, _ in term_spans(text, terms)] if terms else []
    marks = merge_spans([*found, *spans], len(text))
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


def level_badge_html(level: str, inferred: bool = False) -> str:
    """The level as a coloured badge; an inferred level reads “市级（推断）”, as it is cited everywhere else."""
    label = LEVEL_LABELS.get(level, "未知层级") + (INFERRED_MARK if inferred and level else "")
    cls = level if level in LEVELS else "unknown"
    return f'<span class="kb-badge kb-level-{cls}">{html.escape(label)}</span>'


def doc_level_badge_html(doc: Document) -> str:
    return level_badge_html(doc.level, doc.field_provenance("level") == "inferred")


def level_cell_html(row) -> str:
    """The 层级 cell of the 对比 table: the row's level, and under it “（推断）” when the document's was inferred
    (under, not inside the badge: the column is narrow)."""
    d = row.document
    mark = (f'<div class="kb-cell-meta kb-inferred">{INFERRED_MARK}</div>'
            if d is not None and d.level and d.field_provenance("level") == "inferred" else "")
    return f'<div class="kb-level-cell">{level_badge_html(row.level)}{mark}</div>'


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
    return [t.label for t in clause.targets]


def topic_labels(clause: Clause) -> list[str]:
    return [t.label for t in clause.topics]


# ---------------------------------------------------------------- cards


def doc_title(doc: Document) -> str:
    """《title》 as cited, （推断） after a title the program drafted; the file name when there is none."""
    return doc.cited_title()


def meta_fields(doc: Document) -> list[tuple[str, str, bool]]:
    """(field, text, flagged): 文号, date and region as cited, each with whether it is inferred or missing (shown in the warning colour):
    文号 only when there is one (most documents have none); the date and region say 未注明 when missing."""
    out = []
    for name, label in (("doc_number", ""), ("date", "成文日期"), ("region", "地区")):
        kind = doc.field_provenance(name)
        if kind == "missing" and not label:
            continue
        shown = doc.shown(name)
        out.append((name, f"{label}{shown}" if kind == "missing" else shown, kind in ("inferred", "missing")))
    return out


def doc_meta_html(doc: Document, with_title: bool = True) -> str:
    """Level badge, draft badge, 《title》, 文号, date and region on one line."""
    parts = [f'<span class="kb-mi">{html.escape(doc_title(doc))}</span>'] if with_title else []
    parts += [f'<span class="kb-mi{" kb-inferred" if flagged else ""}">{html.escape(text)}</span>'
              for _, text, flagged in meta_fields(doc)]
    return (f'<div class="kb-meta">{doc_level_badge_html(doc)}{status_badge_html(doc.status)}'
            f'{"".join(parts)}</div>')


def clause_place(clause: Clause) -> str:
    """Where the clause sits, as the outline names it: its path (一、（三）) without the heading it repeats, or for a
    clause outside the numbered outline without a heading of its own, its part (前言, 发布说明, 结尾)."""
    if clause.path or clause.heading:
        return display_path(clause)
    return KIND_LABELS.get(clause.kind, "正文")


def clause_head_html(clause: Clause, prefix: str = "", cls: str = "") -> str:
    """A clause's title line on cards and in tables: [prefix] place, then heading (else the text's opening words)."""
    shown = prefix + clause_place(clause)
    path = f'<span class="kb-path">{html.escape(shown)}</span>' if shown else ""
    return f'<div class="kb-card-head{" " + cls if cls else ""}">{path}{html.escape(clause_title(clause))}</div>'


def clause_card_html(clause: Clause, doc: Document, terms: Iterable[str] = (), *,
                     spans: Iterable[tuple[int, int]] = (), show_doc: bool = True, number: int | None = None) -> str:
    """A result card: path and heading, document line, clause text with terms marked, target and topic chips."""
    head = clause_head_html(clause, f"{number}. " if number is not None else "")
    meta = doc_meta_html(doc) if show_doc else ""
    cut = body_start(clause)  # the heading is the card's title: the body does not open with it again
    shifted = [(s - cut, e - cut) for s, e in spans if e > cut]
    body = f'<div class="kb-text">{highlight_html(clause.text[cut:], terms, shifted)}</div>'
    chips = (chips_html(target_labels(clause), "target") + chips_html(topic_labels(clause), "topic")
             + chips_html([f"责任单位：{u}" for u in clause.responsible_units], "unit"))
    chips = f'<div class="kb-chips">{chips}</div>' if chips else ""
    return head + meta + body + chips


def score_text(hit: Hit) -> str:
    """The fused score and its parts, e.g. 相关度 0.87（关键词 12.3 · 语义 0.81）."""
    names = {"bm25": "关键词", "dense": "语义", "heading": "标题", "topic": "主题", "coverage": "词语覆盖",
             "phrase": "短语", "expansion": "同义词", "scope": "范围"}
    parts = [f"{names[k]} {v:.2f}" for k, v in hit.scores.items() if v and k in names]
    return f"相关度 {hit.score:.2f}" + (f"（{' · '.join(parts)}）" if parts else "")


def overview_html(o) -> str:
    """Documents by level and by region as rows of badges (kb.facets.CorpusOverview)."""
    levels = "".join(f'<span class="kb-chip">{html.escape(label)} {n}</span>' for label, n in o.levels)
    regions = "".join(f'<span class="kb-chip">{html.escape(name)} {n}</span>' for name, n in o.regions)
    return (f'<div class="kb-sub">按层级：</div><div class="kb-chips">{levels}</div>'
            f'<div class="kb-sub">按地区：</div><div class="kb-chips">{regions}</div>')


def score_details_html(hit: Hit) -> str:
    """Rank ("排名第 n": "第 n 条" would read as an article number) and relevance in a line; the signals behind it
    only when asked for (a closed <details>)."""
    match = f" · {html.escape(hit.match)}" if hit.match else ""  # 含全部关键词 / 含部分关键词 / 仅语义相近 …
    return (f'<details class="kb-score"><summary>排名第 {hit.rank}{match} · 评分明细</summary>'
            f"{html.escape(score_text(hit))}</details>")


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


def full_text_html(doc: Document, focus: Clause | None = None, terms: Iterable[str] = ()) -> str:
    """The document's text, escaped, with the focused clause framed and terms inside it marked."""
    text = doc.text
    if focus is None or not (0 <= focus.start < focus.end <= len(text)):
        return f'<div class="kb-full">{highlight_html(text, terms)}</div>'
    before, inside, after = text[: focus.start], text[focus.start: focus.end], text[focus.end:]
    trail = " › ".join(html.escape(t) for t in heading_trail(focus))
    earlier = (f'<details class="kb-before"><summary>前文（{len(before.strip())} 字，点击展开）</summary>'
               f"{escape_text(before)}</details>" if before.strip() else "")
    # The clause opens the box (the text before it folded away), under a line naming its place in the outline,
    # so it is in view without scrolling even where scripts do not run; FOCUS_SCRIPT then centres the page on it.
    return (f'<div class="kb-full" id="kb-full"><div class="kb-trail">{trail}</div>{earlier}'
            f'<span class="kb-focus" id="kb-focus">{highlight_html(inside, terms)}</span>'
            f"{escape_text(after)}</div>")


FOCUS_SCRIPT = """<script>
(function () {
  const el = document.getElementById("kb-focus");
  if (el) { el.scrollIntoView({block: "center", behavior: "smooth"}); }
})();
</script>"""


def uploader_css(limit_mb: int, suffixes: Sequence[str]) -> str:
    """Streamlit's file uploader says "Upload" and "64MB per file • TXT, …" in English whatever the label; CSS
    blanks those two texts and puts Chinese in their place (the widget has no option for them)."""
    kinds = "、".join(s.lstrip(".").upper() for s in suffixes)
    rule = "单个文件不超过 " + str(limit_mb) + " MB · 支持 " + kinds
    quoted = rule.replace("\\", "").replace('"', "")
    drop = '[data-testid="stFileUploaderDropzone"]'
    return ("<style>"
            f'{drop} [data-testid="stBaseButton-secondary"] [data-testid="stMarkdownContainer"] p {{font-size: 0;}}'
            f'{drop} [data-testid="stBaseButton-secondary"] [data-testid="stMarkdownContainer"] p::after '
            '{content: "选择文件"; font-size: .875rem;}'
            f'[data-testid="stFileUploaderDropzoneInstructions"] span {{font-size: 0;}}'
            f'[data-testid="stFileUploaderDropzoneInstructions"] span::after {{content: "{quoted}"; '
            "font-size: .8rem;}"
            "</style>")


def build_summary(report) -> str:
    """One line about a finished build (kb.build.BuildReport)."""
    if report.up_to_date:
        return f"语料未变化，索引已是最新：{report.documents} 个文件，{report.clauses} 个条款。"
    model = report.model or "无（仅关键词检索）"
    ocr = getattr(report, "ocr", [])
    scanned = f"经 OCR 识别的扫描件（请核对原件）：{'、'.join(ocr)}。" if ocr else ""
    return (f"已构建新索引并启用：{report.documents} 个文件，{report.clauses} 个条款；复用 {report.reused} 个未变化的文件，"
            f"新向量 {report.embedded} 条，向量模型 {model}，用时 {report.seconds:.1f} 秒。{scanned}")


def no_index_message(index_dir: Path, corpus_dir: Path, allow_admin: bool) -> str:
    """What to do when there is no index yet."""
    msg = (f"还没有可用的索引（{index_dir}）。请在项目目录运行 `make run`，它会先构建索引再启动应用；"
           f"或运行 `kb build {corpus_dir} --index {index_dir}`，完成后刷新本页。")
    if allow_admin:
        msg += "也可以在左侧「管理」页上传文件并点击“构建索引”。"
    return msg


# ---------------------------------------------------------------- comparison (kb.compare results)

HIGHLIGHT_CLASSES = {"match": "", "distinct": "kb-m-distinct"}
LEGEND_HTML = ('<div class="kb-legend"><mark>黄色</mark> 为措施用语，<mark class="kb-m-distinct">蓝色</mark> 为其他文件'
               '没有的表述；加粗的指标标签只在这一份文件中出现。</div>')


def compare_status_html(status: str, confidence: float) -> str:
    text = MATCH_LABELS.get(status, status)
    extra = f" · 置信度 {confidence:.2f}" if status != "none" else (f"（最接近的条款置信度 {confidence:.2f}）"
                                                                   if confidence else "")
    return f'<span class="kb-status kb-status-{html.escape(status)}">{html.escape(text + extra)}</span>'


def compare_match_html(match, doc: Document, unique: set[str] = frozenset()) -> str:
    """One chosen clause in a comparison column: path, heading, highlighted text, targets and units."""
    c = match.clause
    head = clause_head_html(c)
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
    head = f'<div class="kb-col-head">{html.escape(doc_title(d))}</div>'
    meta = doc_meta_html(d, with_title=False)
    if not row.matches:
        return head + meta + compare_status_html("none", row.confidence)
    return head + meta


def aligned_clause_html(clause: Clause, span: tuple[int, int] = (0, 0), only: Iterable = ()) -> str:
    """A clause in the two-document view: the best-matching sentence shaded, terms the other side lacks in blue."""
    spans = [(span[0], span[1], "kb-m-span")] if span[1] > span[0] else []
    terms = [(s, e, "kb-m-distinct") for d in only for s, e in d.spans]
    head = clause_head_html(clause)
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


# ---------------------------------------------------------------- the side-by-side comparison table

TABLE_COLUMNS = (("层级", 0.7), ("文件", 1.5), ("对应条款（原文）", 5.0), ("量化指标", 1.5), ("责任单位", 1.1),
                 ("较上级文件", 1.8))  # (header, relative width): fits 1,400 px with the sidebar open


def table_doc_html(row) -> str:
    """The 文件 cell: 《title》, 文号, date, region and draft badge; a level without a document says so."""
    d = row.document
    if d is None:
        return '<div class="kb-none">本级无纳入比较的文件</div>'
    # The same values and marks as on the result cards: 成文日期未注明, 上海市（推断）.
    # A 文号 breaks only after its year bracket (国办发〔2019〕 / 6号), never inside the number.
    lines = "".join(f'<div class="kb-cell-meta{" kb-inferred" if flagged else ""}'
                    f'{" kb-docno" if name == "doc_number" else ""}">'
                    f'{html.escape(text).replace("〕", "〕<wbr>") if name == "doc_number" else html.escape(text)}</div>'
                    for name, text, flagged in meta_fields(d))
    status = status_badge_html(d.status) or f'<div class="kb-cell-meta">{html.escape(d.status_label)}</div>'
    return f'<div class="kb-cell-title">{html.escape(doc_title(d))}</div>{lines}{status}'


def table_clause_html(match, rank: int) -> str:
    """One of a row's clauses: [rank] path heading, match strength, the verbatim text with highlights."""
    c = match.clause
    head = clause_head_html(c, f"[{rank}] ", "kb-cell-head")
    spans = [(h.start, h.end, HIGHLIGHT_CLASSES.get(h.kind, "")) for h in match.highlights]
    return head + compare_status_html(match.status, match.confidence) + \
        f'<div class="kb-text kb-cell-text">{marked_html(c.text, spans)}</div>'


def table_none_html(row) -> str:
    return compare_status_html("none", row.confidence)


def table_targets_html(row, unique: set[str] = frozenset()) -> str:
    labels = [t.label for t in row.targets]
    if not labels:
        return '<span class="kb-none">无</span>'
    return f'<div class="kb-chips">{chips_html(labels, "target", highlight=[x for x in labels if x in unique])}</div>'


def table_units_html(row) -> str:
    if not row.units:
        return '<span class="kb-none">未写明</span>' if row.matches else '<span class="kb-none">—</span>'
    return f'<div class="kb-chips">{chips_html(row.units, "unit")}</div>'


def table_against_html(row) -> str:
    """What the row adds and leaves out against the higher-level document it is set against."""
    if row.above is None:
        return '<span class="kb-none">—</span>'
    note = "" if row.implements_above else '<span class="kb-none">（非其上级文件，仅作对照）</span>'
    head = f'<div class="kb-cell-meta">对照 {html.escape(doc_title(row.above))}{note}</div>'
    adds = chips_html(row.adds, "add") or '<span class="kb-none">无</span>'
    leaves = chips_html(row.leaves_out, "leave") or '<span class="kb-none">无</span>'
    return (f'{head}<div class="kb-sub">新增：</div><div class="kb-chips">{adds}</div>'
            f'<div class="kb-sub">未提及：</div><div class="kb-chips">{leaves}</div>')


def table_header_html(name: str) -> str:
    return f'<div class="kb-th">{html.escape(name)}</div>'


def implementation_warning(a: Document, b: Document) -> str:
    """Why B cannot be implementing A: earlier, not lower, another region, or undated without saying so."""
    from kb.compare.lineage import in_time, within

    rank = {lv: i for i, lv in enumerate(LEVELS)}
    if rank.get(a.level, 9) >= rank.get(b.level, 9):
        why = f"B（{b.level_label}）不低于 A（{a.level_label}）的层级"
    elif not within(a, b):
        why = f"B 的地区（{b.region}）不在 A 的地区（{a.region}）之内"
    elif not in_time(a, b):
        why = (f"B（{b.date}）早于 A（{a.date}）" if a.date and b.date
               else "两份文件至少一份日期不详，且 B 的开头没有写明贯彻落实")
    else:
        why = "两份文件不构成上下级落实关系"
    return f"{why}，B 不可能是落实 A 的文件：下面的对应只表示内容相近，置信度不代表落实关系。"
