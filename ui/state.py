"""Streamlit state shared by the pages: session keys, settings, the cached knowledge base and results, the citation
list, page switches."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import streamlit as st

from kb.config import Settings, load_settings
from kb.errors import KBError
from kb.models import Clause, Document
from kb.search import KnowledgeBase
from kb.store import current_build

from .render import CSS, no_index_message, plain

PAGES = {
    "search": "ui/search.py",
    "compare": "ui/compare.py",
    "documents": "ui/documents.py",
    "citations": "ui/citations.py",
    "admin": "ui/admin.py",
}
CITATIONS = "kb_citations"  # session key: clause ids in the user's order
FOCUS = "kb_focus"  # session key: {"doc": id, "clause": id} handed from a result to the 文件 page
# Widget keys whose values should survive a visit to another page (Streamlit drops unrendered widgets' state).
KEPT = ("search_q", "f_levels", "f_regions", "f_issuers", "f_topics", "f_statuses", "f_docs", "f_from", "f_to",
        "search_k", "search_retriever", "cmp_mode", "cmp_measure", "cmp_topic", "cmp_levels", "cmp_docs",
        "cmp_per_doc", "doc_select")


def settings() -> Settings:
    return load_settings()


@st.cache_resource(show_spinner="正在加载知识库……", max_entries=2)
def _load_kb(index_dir: str, build_id: str) -> KnowledgeBase:
    """One KnowledgeBase per process and build: a rebuild changes the build id, so the next rerun reloads."""
    return KnowledgeBase.load(Path(index_dir))  # warms the tokenizer and model up, so the first question is quick


def get_kb() -> KnowledgeBase | None:
    """The loaded knowledge base, or None when no index has been built yet. KBError when it is damaged."""
    index_dir = settings().index_dir
    build = current_build(index_dir)
    if build is None:
        return None
    return _load_kb(str(index_dir), build.name)


def require_kb() -> KnowledgeBase:
    """The guard every reading page starts its work with: a message and st.stop() when there is no index."""
    s = settings()
    try:
        kb = get_kb()
    except KBError as e:
        st.error(plain(f"索引无法加载：{e}"))
        st.stop()
    if kb is None:
        st.info(no_index_message(s.index_dir, s.corpus_dir, s.admin_enabled), icon=":material/info:")
        st.stop()
    shown = st.session_state.setdefault("kb_notices_shown", [])
    if kb.build_id not in shown:
        for notice in kb.notices:
            st.toast(notice, icon=":material/warning:")
        shown.append(kb.build_id)
    return kb


def keep_widget_state() -> None:
    """Re-assign kept widget values each run so they survive pages that do not render those widgets."""
    for key in KEPT:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def inject_css() -> None:
    st.html(CSS)


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


def citation_ids() -> list[str]:
    return list(st.session_state.get(CITATIONS, []))


def set_citation_ids(ids: list[str]) -> None:
    st.session_state[CITATIONS] = list(ids)


def add_citation(clause_id: str) -> None:
    set_citation_ids(add_item(citation_ids(), clause_id))


def add_citations(clause_ids: Sequence[str]) -> None:
    """Add several clauses at once (a whole comparison), keeping their order and skipping those already listed."""
    ids = citation_ids()
    for cid in clause_ids:
        ids = add_item(ids, cid)
    set_citation_ids(ids)


def open_in_documents(doc_id: str, clause_id: str = "") -> None:
    """Show a document (and a clause in it) on the 文件 page."""
    st.session_state[FOCUS] = {"doc": doc_id, "clause": clause_id}
    st.session_state["doc_select"] = doc_id
    params = {"doc": doc_id, **({"clause": clause_id} if clause_id else {})}
    st.switch_page(PAGES["documents"], query_params=params)


def try_kb() -> KnowledgeBase | None:
    """The knowledge base for building sidebar options; None when missing or damaged (the guard says why)."""
    try:
        return get_kb()
    except KBError:
        return None


@st.cache_resource(max_entries=16, show_spinner="正在逐条对照……")
def cached_align(_kb: KnowledgeBase, build_id: str, doc_a: str, doc_b: str):
    """Aligning two documents takes a few hundred milliseconds: once per pair and build."""
    from kb.compare import align

    return align(_kb, doc_a, doc_b)


@st.cache_resource(max_entries=2, show_spinner=False)
def cached_lineage(_kb: KnowledgeBase, build_id: str):
    """References resolved against every title (difflib per pair): once per build, not on every rerun."""
    from kb.compare import lineage

    return lineage(_kb)


@st.cache_resource(max_entries=16, show_spinner=False)
def cached_coverage(_kb: KnowledgeBase, build_id: str, documents: tuple[str, ...], levels: tuple[str, ...]):
    """Topics × documents scans every clause once per topic: once per selection and build."""
    from kb.compare import coverage

    return coverage(_kb, documents=list(documents) or None, levels=list(levels) or None)


@st.cache_resource(max_entries=2, show_spinner=False)
def cached_default_pair(_kb: KnowledgeBase, build_id: str):
    """The pair 逐条对照 opens with (B may implement A): once per build."""
    from kb.compare import default_pair

    return default_pair(_kb, cached_lineage(_kb, build_id))
