"""政策文件知识库 — the Streamlit entry: shared setup and page navigation. Run `streamlit run app.py` (or `make run`)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:  # the pages import ui and kb from here
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from ui.state import PAGES, inject_css, keep_widget_state, settings  # noqa: E402

st.set_page_config(page_title="政策文件知识库", page_icon=":material/menu_book:", layout="wide")

pages = [
    st.Page(PAGES["search"], title="检索", icon=":material/search:", url_path="search", default=True),
    st.Page(PAGES["compare"], title="对比", icon=":material/compare_arrows:", url_path="compare"),
    st.Page(PAGES["documents"], title="文件", icon=":material/description:", url_path="documents"),
    st.Page(PAGES["citations"], title="引用清单", icon=":material/bookmark_add:", url_path="citations"),
]
if settings().admin_enabled:  # only with an administrator password (KB_ADMIN_PASSWORD); KB_ALLOW_ADMIN=0 hides it
    pages.append(st.Page(PAGES["admin"], title="管理", icon=":material/settings:", url_path="admin"))

page = st.navigation(pages)
inject_css()
keep_widget_state()
page.run()
