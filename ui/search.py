"""检索: a question in plain Chinese → the best clauses, filtered, with matched terms marked."""

from __future__ import annotations

import time
from datetime import date

import streamlit as st

from kb import facets
from kb.errors import KBError
from kb.models import LEVEL_LABELS, STATUS_LABELS
from kb.search import RETRIEVERS
from ui import render
from ui.state import add_citation, citation_ids, open_in_documents, require_kb, try_kb

EXAMPLES = ("出口信用保险怎么支持外贸制造企业", "制造业中长期贷款占比有什么要求", "不良贷款容忍度可以放宽多少")
RETRIEVER_LABELS = {"hybrid": "混合（关键词＋语义）", "bm25": "仅关键词", "dense": "仅语义向量"}
FILTER_KEYS = ("f_levels", "f_regions", "f_issuers", "f_topics", "f_statuses", "f_docs")


def _clear_filters() -> None:
    for key in FILTER_KEYS:
        st.session_state[key] = []
    st.session_state["f_from"] = None
    st.session_state["f_to"] = None


def _ask(question: str) -> None:
    st.session_state["search_q"] = question


# ---------------------------------------------------------------- sidebar inputs
kb = try_kb()
filters = facets.make_filters()
k, retriever = 10, "hybrid"
opts = None
if kb is not None:
    opts = facets.filter_options(kb.documents, kb.clauses)
    with st.sidebar:
        st.header("筛选")
        levels = st.multiselect("层级", opts.levels, format_func=LEVEL_LABELS.get, key="f_levels",
                                placeholder="全部层级")
        regions = st.multiselect("地区", opts.regions, key="f_regions", placeholder="全部地区")
        issuers = st.multiselect("发文机关", opts.issuers, key="f_issuers", placeholder="全部机关")
        topics = st.multiselect("主题", list(opts.topics), format_func=opts.topics.get, key="f_topics",
                                placeholder="全部主题")
        statuses = st.multiselect("状态", opts.statuses, format_func=STATUS_LABELS.get, key="f_statuses",
                                  placeholder="正式稿和征求意见稿")
        docs = st.multiselect("文件", list(opts.documents), format_func=opts.documents.get, key="f_docs",
                              placeholder="全部文件")
        c1, c2 = st.columns(2)
        # Kept widgets take their defaults from session state, never from `value=` (Streamlit warns on both).
        for key, default in (("f_from", None), ("f_to", None), ("search_k", 10)):
            st.session_state.setdefault(key, default)
        date_from = c1.date_input("起始日期", min_value=date(1949, 10, 1), key="f_from", format="YYYY-MM-DD")
        date_to = c2.date_input("截止日期", min_value=date(1949, 10, 1), key="f_to", format="YYYY-MM-DD")
        if date_from or date_to:
            st.caption("设置日期后，未注明成文日期的文件不参与检索。")
        st.button("清除筛选", on_click=_clear_filters, width="stretch")
        with st.expander("检索设置"):
            k = st.slider("最多显示条数", 5, 50, step=5, key="search_k")
            choices = [r for r in RETRIEVERS if r != "dense" or kb.has_dense]
            retriever = st.radio("检索方式", choices, format_func=RETRIEVER_LABELS.get, key="search_retriever")
    filters = facets.make_filters(levels, regions, issuers, topics, statuses, docs, date_from, date_to)

# ---------------------------------------------------------------- title and guard
st.title("检索")
kb = require_kb()
st.caption(f"用日常语言提问，在 {len(kb.documents)} 份政策文件的 {len(kb.clauses)} 个条款中查找依据。")
query = st.text_input("问题", key="search_q", placeholder=f"例如：{EXAMPLES[0]}",
                      help="输入后按回车检索；左侧可按层级、地区、主题等筛选。")
if not query.strip():
    st.info("请输入问题后按回车。也可以试试下面的例子：")
    cols = st.columns(len(EXAMPLES))
    for col, example in zip(cols, EXAMPLES, strict=True):
        col.button(example, on_click=_ask, args=(example,), key=f"example_{example}", width="stretch")
    st.stop()

# ---------------------------------------------------------------- work
t0 = time.perf_counter()
try:
    hits = kb.search(query, k=k, filters=filters, retriever=retriever)
except KBError as e:
    st.error(f"检索失败：{e}")
    st.stop()
elapsed = time.perf_counter() - t0
said = facets.describe_filters(filters, opts.topics if opts else None, opts.documents if opts else None)

# ---------------------------------------------------------------- render
if not hits:
    st.warning(facets.explain_empty(kb, query, filters, opts.topics if opts else None,
                                opts.documents if opts else None))
    st.stop()

st.caption(f"找到 {len(hits)} 条相关条款，用时 {elapsed * 1000:.0f} 毫秒"
           + (f"；筛选：{'；'.join(said)}" if said else ""))
chosen = set(citation_ids())
for hit in hits:
    c, d = hit.clause, hit.document
    with st.container(border=True, key=f"hit_{c.id}"):
        st.html(render.clause_card_html(c, d, spans=hit.spans))
        b1, b2, b3 = st.columns([1.2, 1.2, 4], vertical_alignment="center")
        if c.id in chosen:
            b1.button("已在引用清单", key=f"add_{c.id}", disabled=True, icon=":material/check:", width="stretch")
        else:
            b1.button("加入引用清单", key=f"add_{c.id}", on_click=add_citation, args=(c.id,), icon=":material/bookmark_add:",
                      width="stretch")
        if b2.button("在原文中查看", key=f"ctx_{c.id}", icon=":material/description:", width="stretch"):
            open_in_documents(d.id, c.id)
        b3.caption(f"第 {hit.rank} 条 · {render.score_text(hit)}")
