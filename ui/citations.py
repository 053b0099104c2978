"""引用清单: the clauses collected this session, in the user's order, exported as CSV, Excel, Word or Markdown."""

from __future__ import annotations

import streamlit as st

from kb.citation import citations_from
from kb.errors import KBError
from kb.export import FORMATS, export_bytes, md_escape
from ui import render, state, tables
from ui.state import citation_ids, open_in_documents, require_kb, set_citation_ids


def _move(index: int, delta: int) -> None:
    set_citation_ids(state.move_item(citation_ids(), index, delta))


def _remove(index: int) -> None:
    set_citation_ids(state.remove_item(citation_ids(), index))


def _clear() -> None:
    set_citation_ids([])


# ---------------------------------------------------------------- sidebar inputs
with st.sidebar:
    st.header("引用清单")
    st.caption("在「检索」「对比」或「文件」页点击“加入引用清单”收集条款；清单只保存在本次会话中。")
    if citation_ids():
        st.button("清空清单", on_click=_clear, icon=":material/delete:", width="stretch")

# ---------------------------------------------------------------- title and guard
st.title("引用清单")
kb = require_kb()
items, missing = state.resolve_items(kb, citation_ids())
if missing:  # a rebuild changed those clauses: say so once and drop them
    set_citation_ids([cid for cid in citation_ids() if cid not in missing])
    st.warning(f"有 {len(missing)} 个条款在重建索引后已不存在（原文已修改或删除），已从清单中移除。")
if not items:
    st.info("清单还是空的。在「检索」或「对比」页的条款上点击“加入引用清单”，收集的条款会出现在这里，可调整顺序并导出。")
    st.stop()

# ---------------------------------------------------------------- work
citations = citations_from(items)
files: dict[str, bytes] = {}
errors: dict[str, str] = {}
for fmt in FORMATS:
    try:
        files[fmt] = export_bytes(citations, fmt)
    except KBError as e:
        errors[fmt] = str(e)

# ---------------------------------------------------------------- render
st.caption(f"共 {len(items)} 条。用 ↑ ↓ 调整顺序，导出文件按此顺序编号。")
cols = st.columns(len(FORMATS))
for col, fmt in zip(cols, FORMATS, strict=True):
    if fmt in files:
        col.download_button(f"导出 {tables.EXPORT_LABELS[fmt]}", files[fmt], file_name=tables.export_file_name(fmt),
                            mime=FORMATS[fmt], key=f"export_{fmt}", icon=":material/download:", width="stretch")
    else:
        col.error(f"{tables.EXPORT_LABELS[fmt]} 导出失败：{errors[fmt]}")

for i, ((clause, doc), cite) in enumerate(zip(items, citations, strict=True)):
    with st.container(border=True, key=f"cite_{clause.id}"):
        body, buttons = st.columns([8, 1.4])
        with body:
            st.html(render.clause_card_html(clause, doc, number=cite.index))
            st.caption(f"出处：{md_escape(cite.locator)}")
        with buttons:
            st.button("上移", key=f"up_{clause.id}", on_click=_move, args=(i, -1), disabled=i == 0,
                      icon=":material/arrow_upward:", width="stretch")
            st.button("下移", key=f"down_{clause.id}", on_click=_move, args=(i, 1), disabled=i == len(items) - 1,
                      icon=":material/arrow_downward:", width="stretch")
            st.button("移除", key=f"del_{clause.id}", on_click=_remove, args=(i,), icon=":material/close:", width="stretch")
            if st.button("看原文", key=f"open_{clause.id}", icon=":material/description:", width="stretch"):
                open_in_documents(doc.id, clause.id)

with st.expander("参考文献（GB/T 7714）"):
    seen: list[str] = []
    for cite in citations:
        if cite.reference not in seen:
            seen.append(cite.reference)
    st.text("\n".join(f"[{n}] {ref}" for n, ref in enumerate(seen, start=1)))
