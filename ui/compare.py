"""对比: one measure across national/provincial/municipal/county documents, two documents clause by clause,
topic coverage as a heatmap, and which document implements which."""

from __future__ import annotations

import io

import altair as alt
import streamlit as st

from kb import facets
from kb.compare import compare_measure, coverage_to_csv, distinct_targets, may_implement
from kb.compare import export as compare_export
from kb.compare.table import comparison_table
from kb.errors import KBError
from kb.models import LEVEL_LABELS, LEVELS, order_documents
from kb.topics import default_taxonomy
from ui import render, tables
from ui.state import (
    add_citation,
    add_citations,
    cached_align,
    cached_coverage,
    cached_default_pair,
    cached_lineage,
    citation_ids,
    open_in_documents,
    require_kb,
    try_kb,
)

EXAMPLES = ("不良贷款容忍度", "出口信用保险", "首台（套）保险补偿", "银企对接")
MODES = {"measure": "按措施（输入文字）", "topic": "按主题"}


def _example(text: str) -> None:
    st.session_state["cmp_mode"] = "measure"
    st.session_state["cmp_measure"] = text


# ---------------------------------------------------------------- sidebar inputs
kb = try_kb()
taxonomy = {t.key: t.label for t in default_taxonomy()}
measure, topic, levels, docs, per_doc = "", None, [], [], 3
doc_a = doc_b = None
if kb is not None:
    ordered = order_documents(kb.documents)
    labels = {d.id: facets.doc_label(d) for d in ordered}
    ids = [d.id for d in ordered]
    with st.sidebar:
        st.header("对比什么")
        mode = st.radio("方式", list(MODES), format_func=MODES.get, key="cmp_mode", horizontal=True)
        if mode == "measure":
            measure = st.text_input("措施", key="cmp_measure", placeholder=f"例如：{EXAMPLES[0]}",
                                    help="用几个词描述一项措施，系统在每份文件中找出最接近的条款。")
        else:
            topic = st.selectbox("主题", list(taxonomy), format_func=taxonomy.get, key="cmp_topic")
        levels = st.multiselect("层级", [lv for lv in LEVELS if any(d.level == lv for d in ordered)],
                                format_func=LEVEL_LABELS.get, key="cmp_levels", placeholder="全部层级",
                                select_all=False)
        docs = st.multiselect("文件", ids, format_func=labels.get, key="cmp_docs", placeholder="全部文件",
                              select_all=False)  # Streamlit's "Select all" entry is English
        st.session_state.setdefault("cmp_per_doc", 3)  # a kept widget: its default lives in session state
        per_doc = st.number_input("每份文件最多显示条款数", 1, 3, key="cmp_per_doc")
        st.divider()
        st.header("两份文件逐条对照")
        # The default pair is one where B may implement A (later, lower level, a region inside A's).
        pair = cached_default_pair(kb, kb.build_id)
        higher, lower = (pair[0].id, pair[1].id) if pair else (ids[0] if ids else None, ids[-1] if ids else None)
        if ids and st.session_state.get("cmp_a") not in ids:
            st.session_state["cmp_a"] = higher
        if ids and st.session_state.get("cmp_b") not in ids:
            st.session_state["cmp_b"] = lower
        doc_a = st.selectbox("上级文件（A）", ids, format_func=labels.get, key="cmp_a")
        doc_b = st.selectbox("下级文件（B）", ids, format_func=labels.get, key="cmp_b")

# ---------------------------------------------------------------- title and guard
st.title("对比")
kb = require_kb()
tab_measure, tab_align, tab_cover, tab_lineage = st.tabs(["措施对比", "逐条对照", "主题覆盖", "文件脉络"])

# ---------------------------------------------------------------- one measure across documents
with tab_measure:
    comparison = None
    if not (measure or "").strip() and not topic:
        st.info("在左侧输入一项措施（或改选“按主题”），即可看到各层级文件如何规定它。也可以试试：")
        cols = st.columns(len(EXAMPLES))
        for col, example in zip(cols, EXAMPLES, strict=True):
            col.button(example, key=f"cmp_example_{example}", on_click=_example, args=(example,), width="stretch")
    else:
        try:
            comparison = compare_measure(kb, measure=measure or None, topic=topic, documents=docs or None,
                                         levels=levels or None, per_doc=int(per_doc))
        except KBError as e:
            st.error(render.plain(f"无法对比：{e}"))
    if comparison is not None and not comparison.rows:
        st.warning("没有符合筛选条件的文件，请在左侧放宽层级或文件的选择。")
    elif comparison is not None:
        shown = levels or ([r.document.level for r in comparison.rows] if docs else None)
        table = comparison_table(comparison, levels=shown, kb=kb)
        found = sum(1 for r in comparison.rows if r.matches)
        weak = sum(1 for r in comparison.rows if r.status == "weak")
        what = f"措施“{measure.strip()}”" if measure and measure.strip() else f"主题“{taxonomy.get(topic, topic)}”"
        st.caption(f"{what}：{len(comparison.rows)} 份文件中 {found} 份有对应条款"
                   + (f"（其中 {weak} 份较弱）" if weak else "")
                   + "。每行一份文件，从国家到县级、同级按日期排列；一份文件可有多条对应条款，按匹配强度排序。")
        chosen = set(citation_ids())
        all_ids = [m.clause.id for r in table.rows for m in r.matches]
        with st.container(horizontal=True, wrap=True):
            missing = [cid for cid in all_ids if cid not in chosen]
            st.button(f"全部加入引用清单（{len(missing)} 条）" if missing else "已全部在引用清单",
                      key="cmp_add_all", on_click=add_citations, args=(missing,), disabled=not missing,
                      icon=":material/playlist_add:")
            for fmt, label in (("docx", "下载对照表 Word"), ("xlsx", "下载对照表 Excel")):
                st.download_button(label, compare_export.export_bytes(table, fmt), key=f"cmp_dl_{fmt}",
                                   file_name=tables.compare_file_name(comparison, fmt),
                                   mime=compare_export.FORMATS[fmt], icon=":material/download:")
        st.html(render.LEGEND_HTML)
        unique = distinct_targets(comparison)
        widths = [w for _, w in render.TABLE_COLUMNS]
        head = st.columns(widths, gap="small")
        for col, (name, _) in zip(head, render.TABLE_COLUMNS, strict=True):
            col.html(render.table_header_html(name))
        for i, row in enumerate(table.rows):
            key = row.document.id if row.document else f"level_{row.level or 'unknown'}_{i}"
            with st.container(border=True, key=f"cmp_row_{key}"):
                cols = st.columns(widths, gap="small")
                cols[0].html(render.level_cell_html(row))
                cols[1].html(render.table_doc_html(row))
                if row.document is None:
                    continue
                with cols[2]:
                    if not row.matches:
                        st.html(render.table_none_html(row))
                    for rank, m in enumerate(row.matches, 1):
                        st.html(render.table_clause_html(m, rank))
                        cid = m.clause.id
                        with st.container(horizontal=True, wrap=True):
                            st.button("已在清单" if cid in chosen else "加入引用清单", key=f"cmp_add_{cid}",
                                      on_click=add_citation, args=(cid,), disabled=cid in chosen,
                                      icon=":material/bookmark_add:")
                            if st.button("看原文", key=f"cmp_ctx_{cid}", icon=":material/description:"):
                                open_in_documents(row.document.id, cid)
                cols[3].html(render.table_targets_html(row, unique))
                cols[4].html(render.table_units_html(row))
                cols[5].html(render.table_against_html(row))

# ---------------------------------------------------------------- two documents, clause by clause
with tab_align:
    if doc_a is None or doc_b is None:
        st.info("索引中的文件不足两份。")
    elif doc_a == doc_b:
        st.info("请在左侧选择两份不同的文件。")
    else:
        alignment = cached_align(kb, kb.build_id, doc_a, doc_b)
        a, b = alignment.doc_a, alignment.doc_b
        if not may_implement(a, b):
            st.warning(render.implementation_warning(a, b))
        counts = alignment.counts
        m1, m2, m3 = st.columns(3)
        m1.metric("A 中有对应的条款", f"{counts['matched']} / {counts['clauses_a']}")
        m2.metric("A 中没有对应的条款", counts["absent"])
        m3.metric("B 独有的条款", f"{counts['local_only']} / {counts['clauses_b']}")
        st.caption(render.plain(f"A：{facets.doc_label(a, 40)}　B：{facets.doc_label(b, 40)}。")
                   + "浅黄为最相近的句子，蓝色为对方没有的表述。")
        for clause in alignment.clauses_a:
            pairs = [p for p in alignment.pairs if p.a.id == clause.id]
            with st.expander(render.plain(tables.alignment_label(clause, len(pairs))), expanded=False):
                if not pairs:
                    st.html(render.aligned_clause_html(clause))
                    st.caption("B 中没有与此条对应的条款。")
                for p in pairs:
                    left, right = st.columns(2)
                    left.html(render.aligned_clause_html(p.a, p.a_span, p.diff.only_a if p.diff else ()))
                    right.html(render.aligned_clause_html(p.b, p.b_span, p.diff.only_b if p.diff else ()))
                    rows = tables.target_pairs_rows(p.diff)
                    if rows:
                        st.dataframe(rows, hide_index=True, width="stretch")
                    st.caption(f"相似度 {p.score:.1f}（置信度 {p.confidence:.2f}）"
                               + (f"；B 的责任单位：{'、'.join(p.b.responsible_units)}" if p.b.responsible_units else ""))
        if alignment.local_only:
            st.subheader(f"B 独有的条款（{len(alignment.local_only)}）")
            for clause in alignment.local_only:
                with st.container(border=True):
                    st.html(render.aligned_clause_html(clause))

# ---------------------------------------------------------------- coverage heatmap
with tab_cover:
    try:
        cov = cached_coverage(kb, kb.build_id, tuple(docs), tuple(levels))
    except KBError as e:
        st.error(render.plain(f"无法统计主题覆盖：{e}"))
        cov = None
    if cov is not None and cov.documents:
        records, doc_order, topic_order = tables.coverage_records(cov)
        st.caption("每格为该文件中带有此主题的条款数；颜色越深，规定越多。把鼠标移到格子上可看详情。")
        # labelOverlap=False: Vega's overlap test hid every other document and topic name (12 of 26 on the
        # seeds), though the slanted document names do not touch and each topic row is ~19 px high.
        chart = (
            alt.Chart(alt.Data(values=records))
            .mark_rect(stroke="white")
            .encode(
                x=alt.X("文件:N", sort=doc_order,
                        axis=alt.Axis(labelAngle=-30, labelLimit=220, labelOverlap=False, title=None)),
                y=alt.Y("主题:N", sort=topic_order, axis=alt.Axis(labelLimit=240, labelOverlap=False, title=None)),
                color=alt.Color("条款数:Q", scale=alt.Scale(scheme="blues"), legend=alt.Legend(title="条款数")),
                tooltip=["标题:N", "层级:N", "主题:N", "条款数:Q", "强度:Q", "置信度:Q"],
            )
            .properties(height=max(300, 26 * len(topic_order)))
        )
        text = chart.mark_text(fontSize=11).encode(
            text=alt.condition("datum['条款数'] > 0", "条款数:Q", alt.value("")),
            color=alt.condition("datum['条款数'] > 3", alt.value("white"), alt.value("#1f2937")),
        )
        st.altair_chart(chart + text, width="stretch")
        buf = io.BytesIO()
        coverage_to_csv(cov, buf)
        st.download_button("下载覆盖表 CSV", buf.getvalue(), file_name="主题覆盖.csv", mime="text/csv",
                           key="cov_csv", icon=":material/download:")
    elif cov is not None:
        st.warning("没有符合筛选条件的文件。")

# ---------------------------------------------------------------- lineage
with tab_lineage:
    links = cached_lineage(kb, kb.build_id)
    if not links:
        st.info("本库文件的正文中没有提到所落实的上级文件。")
    else:
        st.caption("文件正文里写明“为贯彻落实《……》”的上级文件，以及它们是否已收录在本库中。")
        # Fixed widths: long titles wrap inside their cell instead of pushing 标题相似度 off the right edge.
        title = st.column_config.TextColumn(width="medium")
        st.dataframe(tables.lineage_rows(links), hide_index=True, width="stretch", key="lineage_table",
                     column_config={"文件": title, "所落实的文件": title, "本库中的文件": title,
                                    "层级": st.column_config.TextColumn(width="small"),
                                    "标题相似度": st.column_config.NumberColumn(width="small", format="%.2f")})
