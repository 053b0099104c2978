"""政策文件知识库 — the Streamlit entry: shared setup and page navigation. Run `streamlit run app.py` (or `make run`)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:  # the pages import pages._common and kb from here
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from pages._common import ENTRY_FLAG, PAGES, inject_css, keep_widget_state, open_pending, settings  # noqa: E402

st.set_page_config(page_title="政策文件知识库", page_icon=":material/menu_book:", layout="wide")

pages = {
    "search": st.Page(PAGES["search"], title="检索", icon=":material/search:", url_path="search", default=True),
    "compare": st.Page(PAGES["compare"], title="对比", icon=":material/compare_arrows:", url_path="compare"),
    "documents": st.Page(PAGES["documents"], title="文件", icon=":material/description:", url_path="documents"),
    "citations": st.Page(PAGES["citations"], title="引用清单", icon=":material/bookmark_add:", url_path="citations"),
}
if settings().allow_admin:  # KB_ALLOW_ADMIN=0: read-only deployments have no 管理 page at all
    pages["admin"] = st.Page(PAGES["admin"], title="管理", icon=":material/settings:", url_path="admin")

page = st.navigation(list(pages.values()))
open_pending(pages)
inject_css()
keep_widget_state()
st.session_state[ENTRY_FLAG] = True
try:
    page.run()
finally:  # a page file run on its own (see pages/_common.via_entry) must not find the flag set
    st.session_state[ENTRY_FLAG] = False
