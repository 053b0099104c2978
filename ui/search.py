"""检索: a question in plain Chinese → the clauses that answer it (or an honest empty answer), with what was
understood as removable chips, matched terms marked, weaker candidates apart on request."""

from __future__ import annotations

import time
from datetime import date

import streamlit as st

from kb import facets
from kb.errors import KBError
from kb.models import LEVEL_LABELS, STATUS_LABELS
from kb.question import RETRIEVERS
from ui import render
from ui.state import add_citation, citation_ids, open_in_documents, require_kb, try_kb

RETRIEVER_LABELS = {"hybrid": "混合（关键词＋语义）", "bm25": "仅关键词", "dense": "仅语义向量"}
DATE_HELP = "按文件的成文日期筛选，格式 年-月-日（如 2024-03-01），可点击右侧日历选择。"
FILTER_KEYS = ("f_levels", "f_regions", "f_issuers", "f_topics", "f_statuses", "f_docs")


def _clear_filters() -> None:
    for key in FILTER_KEYS:
        st.session_state[key] = []
    st.session_state["f_from"] = None
    st.session_state["f_to"] = None


def _ask(question: str) -> None:
    st.session_state["search_q"] = question


def _current_filters():
    """The filters as the sidebar holds them before it is drawn (for the counts beside each option)."""
    get = st.session_state.get
    return facets.make_filters(get("f_levels") or [], get("f_regions") or [], get("f_issuers") or [],
                               get("f_topics") or [], get("f_statuses") or [], get("f_docs") or [],
                               get("f_from"), get("f_to"))


def _overview(kb) -> None:
    """The first screen: what the corpus holds, at a glance."""
    o = facets.corpus_overview(kb.documents, kb.clauses)
    st.subheader("语料概况")
    cols = st.columns(4)
    cols[0].metric("文件", o.documents)
    cols[1].metric("条款", o.clauses)
    cols[2].metric("成文日期", f"{o.date_min[:4]}–{o.date_max[:4]}" if o.date_min else "未注明",
                   help=f"最早 {o.date_min or '—'}，最晚 {o.date_max or '—'}；{o.undated} 份未注明成文日期")
    cols[3].metric("征求意见稿", o.drafts, help="征求意见稿尚未生效，引用时请注明")
    st.html(render.overview_html(o))


# ---------------------------------------------------------------- sidebar inputs
kb = try_kb()
filters = facets.make_filters()
k, retriever = 10, "hybrid"
opts = None
if kb is not None:
    opts = facets.filter_options(kb.documents, kb.clauses)
    # Counts as legal databases show them: documents each option would still reach, the other choices kept.
    try:
        counts = facets.facet_counts(kb, _current_filters())
    except KBError:  # a bad value kept from an older index: the search below reports it
        counts = {}

    def facet(label: str, options: list[str], key: str, facet_name: str, placeholder: str, names=None) -> list:
        n = counts.get(facet_name, {})
        return st.multiselect(label, options, key=key, placeholder=placeholder, select_all=False,
                              format_func=lambda v: facets.counted((names or {}).get(v, v), n.get(v, 0)))

    with st.sidebar:
        st.header("筛选")
        st.caption("括号中是选中该项后可检索的文件数；“无结果”表示与其他筛选条件同时选中时没有文件。")
        levels = facet("层级", opts.levels, "f_levels", "levels", "全部层级", LEVEL_LABELS)
        regions = facet("地区", opts.regions, "f_regions", "regions", "全部地区")
        issuers = facet("发文机关", opts.issuers, "f_issuers", "issuers", "全部机关")
        topics = facet("主题", list(opts.topics), "f_topics", "topics", "全部主题", opts.topics)
        statuses = facet("状态", opts.statuses, "f_statuses", "statuses", "正式稿和征求意见稿", STATUS_LABELS)
        docs = facet("文件", list(opts.documents), "f_docs", "documents", "全部文件", opts.documents)
        # Kept widgets take their defaults from session state, never from `value=` (Streamlit warns on both).
        for key, default in (("f_from", None), ("f_to", None), ("search_k", 10)):
            st.session_state.setdefault(key, default)
        # One under the other: side by side, half the sidebar cut the date (and its yyyy-mm-dd hint) short.
        date_from = st.date_input("成文日期起", min_value=date(1949, 10, 1), key="f_from", format="YYYY-MM-DD",
                                  help=DATE_HELP)
        date_to = st.date_input("成文日期止", min_value=date(1949, 10, 1), key="f_to", format="YYYY-MM-DD",
                                help=DATE_HELP)
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
examples = facets.example_questions(kb.clauses)  # from the corpus's own topics and headings
query = st.text_input("问题", key="search_q", placeholder=f"例如：{examples[0]}" if examples else "输入问题",
                      help="输入后按回车检索；左侧可按层级、地区、主题等筛选。")
if not query.strip():
    st.info("请输入问题后按回车。也可以试试下面的例子：")
    if examples:
        cols = st.columns(len(examples))
        for i, (col, example) in enumerate(zip(cols, examples, strict=True)):
            col.button(example, on_click=_ask, args=(example,), key=f"example_{i}", width="stretch")
    _overview(kb)
    st.stop()

# ---------------------------------------------------------------- work
# Cues the user removed (their chips) hold for this question only; a new question starts with none removed.
if st.session_state.get("search_dropped_for") != query:
    st.session_state["search_dropped_for"] = query
    st.session_state["search_dropped"] = []
dropped = list(st.session_state.get("search_dropped", []))
t0 = time.perf_counter()
try:
    ans = kb.answer(query, k=k, filters=filters, retriever=retriever, drop_cues=dropped)
except KBError as e:
    st.error(render.plain(f"检索失败：{e}"))
    st.stop()
elapsed = time.perf_counter() - t0
hits = ans.hits
said = facets.describe_filters(filters, opts.topics if opts else None, opts.documents if opts else None)


def _drop(key: str) -> None:
    st.session_state["search_dropped"] = [*st.session_state.get("search_dropped", []), key]


def _restore() -> None:
    st.session_state["search_dropped"] = []


# ---------------------------------------------------------------- render
if ans.understanding is not None and (ans.understanding.cues or dropped):
    cues = list({c.key: c for c in ans.understanding.cues}.values())
    # A row that grows with its chips: each chip as wide as its words, so a long 文号 or issuer is never cut off.
    with st.container(horizontal=True, vertical_alignment="center", key="cue_row"):
        if cues:
            st.markdown("**已识别：**", width="content")
        for cue in cues:
            st.button(f"{cue.label} ✕", key=f"cue_{cue.key}", on_click=_drop, args=(cue.key,),
                      help="不按此条件检索：这些词重新作为普通检索词", width="content")
        if dropped:
            st.button("恢复已去掉的条件", key="cue_restore", on_click=_restore, width="content")
if ans.expansions:
    st.caption("同时检索（同义词表，权重低于原词）：" +
               "；".join(f"{e.word} → {'、'.join(e.terms)}" for e in ans.expansions))


def _hit_card(hit, key_prefix: str, chosen: set[str]) -> None:
    """One result; `key_prefix` is "" for the answer's hits and "weak_" for the weaker candidates."""
    c, d = hit.clause, hit.document
    with st.container(border=True, key=f"{key_prefix or 'hit_'}{c.id}"):
        st.html(render.clause_card_html(c, d, spans=hit.spans))
        b1, b2, b3 = st.columns([1.2, 1.2, 4], vertical_alignment="center")
        if c.id in chosen:
            b1.button("已在引用清单", key=f"{key_prefix}add_{c.id}", disabled=True, icon=":material/check:",
                      width="stretch")
        else:
            b1.button("加入引用清单", key=f"{key_prefix}add_{c.id}", on_click=add_citation, args=(c.id,),
                      icon=":material/bookmark_add:", width="stretch")
        if b2.button("在原文中查看", key=f"{key_prefix}ctx_{c.id}", icon=":material/description:", width="stretch"):
            open_in_documents(d.id, c.id)
        b3.html(render.score_details_html(hit))


chosen = set(citation_ids())
if not hits:
    mask = kb.mask(filters)
    if mask is not None and not mask.any():
        st.warning(facets.explain_empty(kb, query, filters, opts.topics if opts else None,
                                        opts.documents if opts else None))
        st.stop()
    st.warning(f"{ans.message}。" + ("".join(f"\n\n- {r}" for r in ans.reasons) if ans.reasons else ""))
    if ans.weak and st.toggle("显示可能相关的条款", key="search_show_weak"):
        st.caption("以下条款低于相关性阈值，可能与问题无关，仅供参考：")
        for hit in ans.weak:
            _hit_card(hit, "weak_", chosen)
    st.stop()

for note in ans.notes:
    st.info(note)
st.caption(f"找到 {len(hits)} 条相关条款，用时 {elapsed * 1000:.0f} 毫秒"
           + (f"；筛选：{'；'.join(said)}" if said else ""))
for hit in hits:
    _hit_card(hit, "", chosen)
if ans.weak and st.toggle("显示可能相关的条款", key="search_show_weak",
                          help="低于相关性阈值的条款单独列出，不与上面的结果混排"):
    st.caption("以下条款低于相关性阈值，可能与问题无关，仅供参考：")
    for hit in ans.weak:
        _hit_card(hit, "weak_", chosen)
