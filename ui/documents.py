"""文件: the corpus with its metadata and why, each document's outline, its text with a clause in focus, lineage."""

from __future__ import annotations

import html

import streamlit as st

from kb import facets, outline
from kb.errors import KBError
from kb.models import order_documents
from kb.text import quote_title
from ui import render, tables
from ui.state import FOCUS, add_citation, cached_lineage, citation_ids, require_kb, try_kb

NO_CLAUSE = ""


def _pick_document(doc_id: str) -> None:
    st.session_state["doc_select"] = doc_id
    st.session_state["doc_clause"] = NO_CLAUSE


def _document_changed() -> None:
    st.session_state["doc_clause"] = NO_CLAUSE


def _focus(clause_id: str) -> None:
    st.session_state["doc_clause"] = clause_id


def _outline_tree(nodes: list[outline.OutlineNode], focus_id: str) -> None:
    """The outline as a tree of links: a click puts that clause in focus; headings only known from their
    children are plain lines."""
    def visit(items: list[outline.OutlineNode], depth: int, trail: str) -> None:
        for i, n in enumerate(items):
            text = f"{n.marker} {n.label}".strip() if n.label else f"{n.marker} （无标题）".strip()
            box = st.container(key=f"olind{min(depth, 4)}_{n.clause_id or f'{trail}{i}'}")
            if n.clause_id:
                box.button(text, key=f"ol_{n.clause_id}", on_click=_focus, args=(n.clause_id,),
                           type="primary" if n.clause_id == focus_id else "tertiary", width="stretch")
            else:
                box.html(f'<div class="kb-ol-head">{html.escape(text)}</div>')
            visit(n.children, depth + 1, f"{trail}{i}_")

    with st.container(key="ol_tree", gap=None):
        visit(nodes, 0, "h")


# ---------------------------------------------------------------- arrival: from a result or a shared link
kb = try_kb()
doc_ids: list[str] = []
if kb is not None:
    doc_ids = [d.id for d in order_documents(kb.documents)]
    focus = st.session_state.pop(FOCUS, None)
    linked = (st.query_params.get("doc", ""), st.query_params.get("clause", ""))
    wanted_doc, wanted_clause = "", ""
    missing_link = missing_clause = ""
    if focus:
        wanted_doc, wanted_clause = focus["doc"], focus["clause"]
    elif linked[0] and linked != st.session_state.get("doc_linked"):  # an address typed or shared, not ours
        wanted_doc, wanted_clause = linked
    if wanted_doc and wanted_doc not in doc_ids:  # a link may name the source file instead of the id
        try:
            wanted_doc = kb.document(wanted_doc).id
        except KBError:
            missing_link, wanted_doc = wanted_doc, ""
    if wanted_doc:
        st.session_state["doc_select"] = wanted_doc
        known = {c.id for c in kb.clauses_of(wanted_doc)}
        st.session_state["doc_clause"] = wanted_clause if wanted_clause in known else NO_CLAUSE
        if wanted_clause and wanted_clause not in known:
            missing_clause = wanted_clause
    if st.session_state.get("doc_select") not in doc_ids and doc_ids:
        st.session_state["doc_select"] = doc_ids[0]

# ---------------------------------------------------------------- sidebar inputs
doc = None
clause_id = NO_CLAUSE
if kb is not None and doc_ids:
    labels = {d.id: facets.doc_label(d) for d in kb.documents}
    with st.sidebar:
        st.header("文件")
        doc_id = st.selectbox("选择文件", doc_ids, format_func=labels.get, key="doc_select",
                              on_change=_document_changed)
        doc = kb.document(doc_id)
        clauses = kb.clauses_of(doc.id)
        tree = outline.outline_tree(clauses)
        names = outline.outline_labels(tree)
        if st.session_state.get("doc_clause") not in names:
            st.session_state["doc_clause"] = NO_CLAUSE
        clause_id = st.selectbox("定位条款", [NO_CLAUSE, *names], key="doc_clause",
                                 format_func=lambda cid: names.get(cid, "（不定位，显示全文）"))

# ---------------------------------------------------------------- title and guard
st.title("文件")
kb = require_kb()
if doc is None:
    st.info("索引中还没有文件。请把政策文件放进语料目录后重新构建索引。")
    st.stop()

if missing_clause:
    st.warning(f"条款“{missing_clause}”不在这份文件中（链接可能来自旧的索引），下面显示全文。", icon=":material/warning:")
if missing_link:
    st.error(f"文件“{missing_link}”不存在：索引中没有这个文件（链接可能已过期，或文件已被移出语料）。"
             f"下面显示的是另一份文件：{facets.doc_label(doc)}，可在左侧另选。", icon=":material/error:")

# Keep the address in step with what is shown, so the page can be bookmarked or shared.
st.query_params.from_dict({"doc": doc.id, **({"clause": clause_id} if clause_id else {})})
st.session_state["doc_linked"] = (doc.id, clause_id)
focus_clause = kb.clause(clause_id) if clause_id else None

# ---------------------------------------------------------------- render: the corpus
with st.expander(f"语料一览：{len(kb.documents)} 份文件", expanded=False):
    st.dataframe(tables.documents_table(kb.documents), hide_index=True, width="stretch")

# ---------------------------------------------------------------- render: the chosen document
st.html(f'<div class="kb-card-head" style="font-size:1.3rem">{html.escape(render.doc_title(doc))}</div>'
        f"{render.doc_meta_html(doc, with_title=False)}")
# Every value with its mark: （推断） when inferred, 未注明 when the document does not state it.
meta = {
    "发文机关": doc.shown("issuers"), "文号": doc.shown("doc_number"), "成文日期": doc.shown("date"),
    "地区": doc.shown("region"), "状态": doc.shown("status"), "条款数": str(doc.clause_count), "文件": doc.source,
}
items = list(meta.items())
for start in range(0, len(items), 4):  # a row of columns per four fields, so a long value cannot shift the next row
    for col, (name, value) in zip(st.columns(4), items[start: start + 4], strict=False):
        col.caption(name)
        col.text(value)
if doc.source_url:
    st.link_button("打开来源网址", doc.source_url)
with st.expander("元数据来源：每个字段的值从何而来"):
    st.dataframe(tables.provenance_rows(doc), hide_index=True, width="stretch")

links = cached_lineage(kb, kb.build_id)
parents = [link for link in links if link.child.id == doc.id]
children = [link for link in links if link.parent is not None and link.parent.id == doc.id]
if parents or children:
    st.subheader("文件关系")
    for link in parents:
        if link.parent is not None:
            st.button(render.plain(f"落实：{quote_title(link.reference)}"), key=f"ref_{doc.id}_{link.parent.id}",
                      on_click=_pick_document,
                      args=(link.parent.id,), icon=":material/arrow_upward:")
        else:
            st.text(f"落实：{quote_title(link.reference)}（未收录于本库）")
    for link in children:
        st.button(render.plain(f"被落实：{facets.doc_label(link.child)}"), key=f"by_{doc.id}_{link.child.id}", on_click=_pick_document,
                  args=(link.child.id,), icon=":material/arrow_downward:")

left, right = st.columns([1, 2], gap="large")
with left:
    st.subheader("提纲")
    st.caption("点击条款即可在右侧全文中定位。")
    _outline_tree(tree, clause_id)
with right:
    if focus_clause is not None:
        st.subheader(render.plain(f"条款 {render.clause_place(focus_clause)} {outline.clause_title(focus_clause)}".strip()))
        for c in outline.neighbours(clauses, focus_clause.id):
            with st.container(border=c.id == focus_clause.id):
                if c.id == focus_clause.id:
                    st.html(render.clause_card_html(c, doc, show_doc=False))
                else:
                    st.html(f'<div class="kb-text" style="color:#6b7280">{render.escape_text(c.text)}</div>')
        if focus_clause.id in citation_ids():
            st.button("已在引用清单", key="doc_add", disabled=True, icon=":material/check:")
        else:
            st.button("加入引用清单", key="doc_add", on_click=add_citation, args=(focus_clause.id,), icon=":material/bookmark_add:")
    st.subheader("全文")
    if focus_clause is None:
        st.caption("在左侧“定位条款”中选择一个条款，即可在全文中标出它。")
    else:
        st.caption("标黄框处为所定位的条款。")
    st.html(render.full_text_html(doc, focus_clause))
    if focus_clause is not None and st.session_state.get("doc_scrolled") != (doc.id, focus_clause.id):
        st.session_state["doc_scrolled"] = (doc.id, focus_clause.id)  # once per new focus, not on every click
        st.html(render.FOCUS_SCRIPT, unsafe_allow_javascript=True)
