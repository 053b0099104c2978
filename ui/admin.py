"""管理: upload files into the corpus, correct a document's catalog metadata, rebuild the index with progress."""

from __future__ import annotations

import math

import streamlit as st

from kb.backends import backend_writer
from kb.build import build_index
from kb.catalog import LIST_FIELDS, catalog_form_defaults, catalog_form_values, load_catalog, save_entry
from kb.corpus import ALLOWED_SUFFIXES, store_upload
from kb.errors import CatalogError, KBError
from kb.models import LEVEL_LABELS, LEVELS, STATUS_LABELS
from kb.progress import progress_fraction, progress_text
from kb.read import scan_corpus
from kb.text import quote_title
from ui import render, tables
from ui.state import settings, try_kb

s = settings()
ADMIN_KEY = "kb_admin_signed_in"  # this browser session has given the administrator password

# ---------------------------------------------------------------- sidebar inputs
with st.sidebar:
    st.header("管理")
    st.caption(f"语料目录：{s.corpus_dir}")
    st.caption(f"索引目录：{s.index_dir}")
    st.caption(f"向量模型：{s.embed_model}")

# ---------------------------------------------------------------- title and guard
st.title("管理")
if not s.allow_admin:
    st.info("管理功能已关闭（KB_ALLOW_ADMIN=0）：本部署只能检索和阅读，不能上传文件或重建索引。")
    st.stop()
if not s.admin_enabled:
    st.info("管理功能未启用：上传文件、修改元数据和重建索引需要管理员密码。请在启动前设置环境变量 "
            "KB_ADMIN_PASSWORD（或 kb.toml 中的 admin_password），然后重启应用。")
    st.stop()
if not st.session_state.get(ADMIN_KEY):
    with st.form("admin_login"):
        given = st.text_input("管理员密码", type="password", key="admin_password")
        if st.form_submit_button("登录", type="primary"):
            if s.admin_password_ok(given):
                st.session_state[ADMIN_KEY] = True
                st.rerun()
            st.error("密码不正确。")
    st.stop()

kb = try_kb()  # may be None: this page is where a first index gets built
tab_upload, tab_meta, tab_check, tab_build = st.tabs(["上传文件", "编辑元数据", "待核实", "构建索引"])

# ---------------------------------------------------------------- upload
with tab_upload:
    limit_mb = max(1, math.ceil(s.max_file_bytes / (1024 * 1024)))
    st.caption(f"支持 {'、'.join(ALLOWED_SUFFIXES)}，单个文件不超过 {limit_mb} MB。文件名会被规范化，"
               "同名文件不会被悄悄覆盖。上传后需“构建索引”才能检索到。")
    st.html(render.uploader_css(limit_mb, ALLOWED_SUFFIXES))
    uploads = st.file_uploader("选择政策文件（可多选：拖放到下框，或点击“选择文件”）", type=[x.lstrip(".") for x in ALLOWED_SUFFIXES],
                               accept_multiple_files=True, max_upload_size=limit_mb, key="upload_files")
    replace = st.checkbox("覆盖同名文件", key="upload_replace")
    if st.button("保存到语料库", type="primary", disabled=not uploads, key="upload_save"):
        results = [store_upload(s.corpus_dir, f.name, f.getvalue(), replace=replace,
                                max_bytes=s.max_file_bytes, budget=s.budget) for f in uploads or []]
        for r in results:
            if r.ok:
                st.success(render.plain(f"{r.name}：{r.message}"))
            else:
                st.error(render.plain(f"{r.name}：未保存，{r.message}"))
        if any(r.ok for r in results):
            st.info("新文件已保存。请到“构建索引”页点击“更新索引”，完成后即可检索。")

    supported, unsupported = scan_corpus(s.corpus_dir) if s.corpus_dir.is_dir() else ([], [])
    indexed = {d.source for d in kb.documents} if kb else set()
    failed = {e["source"]: e["reason"] for e in (kb.manifest.get("errors", []) if kb else [])}
    if supported or unsupported:
        st.subheader(f"语料目录中的文件（{len(supported) + len(unsupported)}）")
        titles = {d.source: d.title for d in kb.documents if d.title} if kb else {}
        rows = [{"标题": quote_title(titles[p.name]) if p.name in titles else "（尚未索引，标题未知）",
                 "状态": "已索引" if p.name in indexed else (f"未能索引：{failed[p.name]}" if p.name in failed
                                                          else "待构建索引"),
                 "大小（KB）": round(p.stat().st_size / 1024, 1), "文件": p.name}
                for p in supported]
        rows += [{"标题": "—", "状态": "不支持的文件类型", "大小（KB）": round(p.stat().st_size / 1024, 1),
                  "文件": p.name} for p in unsupported]
        rows.sort(key=lambda r: (r["标题"].startswith(("（", "—")), r["标题"]))
        st.dataframe(rows, hide_index=True, width="stretch")

# ---------------------------------------------------------------- catalog metadata
with tab_meta:
    st.caption("这里填写的值写入 catalog.toml，优先于程序从正文抽取的值；留空的字段仍由程序抽取。重新构建索引后生效。")
    sources = sorted({p.name for p in supported} | indexed)
    if not sources:
        st.info("语料目录中还没有文件，请先上传。")
    else:
        docs = {d.source: d for d in kb.documents} if kb else {}
        sources.sort(key=lambda n: (n not in docs or not docs[n].title, docs[n].title if n in docs else n))
        source = st.selectbox("文件", sources, key="meta_source",
                              format_func=lambda n: f"{quote_title(docs[n].title)}（{n}）" if n in docs and docs[n].title
                              else f"{n}（尚未索引）")
        try:
            catalog = load_catalog(s.corpus_dir)
        except CatalogError as e:
            st.error(render.plain(f"catalog.toml 有错误，请先修正该文件：{e}"))
            catalog = None
        if catalog is not None:
            current = docs.get(source)
            values = catalog_form_defaults(catalog.get(source))

            def now(field: str) -> str:
                """The value the index holds now, shown as a placeholder."""
                if current is None:
                    return ""
                return tables.field_text(field, getattr(current, field, "")).replace("、", "\n") \
                    if field in LIST_FIELDS else tables.field_text(field, getattr(current, field, ""))

            with st.form(f"meta_form_{source}"):
                form = {
                    "title": st.text_input("标题", values["title"], placeholder=now("title")),
                    "issuers": st.text_area("发文机关（每行一个）", values["issuers"], placeholder=now("issuers"),
                                            height=90),
                    "doc_number": st.text_input("文号", values["doc_number"], placeholder=now("doc_number")),
                    "date": st.text_input("成文日期（YYYY-MM-DD）", values["date"], placeholder=now("date")),
                }
                c1, c2 = st.columns(2)
                level_opts = ["", *LEVELS]
                form["level"] = c1.selectbox(
                    "层级", level_opts, index=level_opts.index(values["level"]) if values["level"] in level_opts else 0,
                    format_func=lambda v: LEVEL_LABELS.get(v, f"自动（当前：{now('level') or '未知'}）"))
                status_opts = ["", *STATUS_LABELS]
                form["status"] = c2.selectbox(
                    "状态", status_opts,
                    index=status_opts.index(values["status"]) if values["status"] in status_opts else 0,
                    format_func=lambda v: STATUS_LABELS.get(v, f"自动（当前：{now('status') or '未知'}）"))
                form["region"] = st.text_input("地区", values["region"], placeholder=now("region"))
                form["source_url"] = st.text_input("来源网址", values["source_url"], placeholder=now("source_url"))
                form["references"] = st.text_area("所落实的文件（每行一个标题，不带书名号）", values["references"],
                                                  placeholder=now("references"), height=90)
                submitted = st.form_submit_button("保存元数据", type="primary")
            if submitted:
                try:
                    save_entry(s.corpus_dir, source, catalog_form_values(form))
                except CatalogError as e:
                    st.error(render.plain(f"未保存：{e}"))
                else:
                    st.success(render.plain(f"已保存 {source} 的元数据。") + "请到“构建索引”页更新索引后生效。")

# ---------------------------------------------------------------- fields to check
with tab_check:
    st.caption("以下字段不是文件本身写明的：标“推断”的由程序推断，标“未注明”的文件中没有。请核对原件，"
               "在“编辑元数据”中填写或更正（写入 catalog.toml 后以目录为准）。导出和引用中，这些值同样标注“（推断）”"
               "或“未注明”。")
    check_rows = tables.to_check_rows(kb.documents) if kb else []
    if not kb:
        st.info("还没有索引。")
    elif not check_rows:
        st.success("所有文件的元数据均为文件所载或目录填写，没有待核实的字段。")
    else:
        st.dataframe(check_rows, hide_index=True, width="stretch", key="check_table",
                     column_config={k: st.column_config.TextColumn(k, width=w) for k, w in tables.CHECK_WIDTHS.items()},
                     height=min(40 + 35 * len(check_rows), 720))  # all rows at once for a short list

# ---------------------------------------------------------------- build
with tab_build:
    if kb is not None:
        counts = kb.manifest.get("counts", {})
        st.caption(f"当前索引：{kb.build_id}（{counts.get('documents', len(kb.documents))} 个文件，"
                   f"{counts.get('clauses', len(kb.clauses))} 个条款，创建于 {kb.manifest.get('created', '未知')}）")
    else:
        st.caption("还没有索引。")
    st.caption("构建在新的目录中进行，完成后才切换；构建失败时，正在使用的索引保持不变。")
    c1, c2 = st.columns(2)
    incremental = c1.button("更新索引（只处理变化的文件）", type="primary", key="build_incremental",
                            width="stretch")
    full = c2.button("全部重建", key="build_full", width="stretch")
    if incremental or full:
        bar = st.progress(0.0, text="准备构建……")

        def progress(stage: str, done: int, total: int) -> None:
            bar.progress(progress_fraction(stage, done, total), text=progress_text(stage, done, total))

        try:
            report = build_index(s.corpus_dir, s.index_dir, s.embed_model, force=full,
                                 max_file_bytes=s.max_file_bytes, progress=progress, backend=backend_writer(s),
                                 budget=s.budget)
        except (KBError, OSError) as e:
            bar.empty()
            st.error(render.plain(f"构建失败：{e}") + "。正在使用的索引没有改动。")
        else:
            bar.progress(1.0, text="完成")
            st.success(render.build_summary(report))
            for w in report.warnings:
                st.warning(render.plain(w))
            if report.errors:
                st.error(f"{len(report.errors)} 个文件未能索引，其余文件已正常索引：")
                st.dataframe([{"文件": e.source, "原因": e.reason} for e in report.errors], hide_index=True,
                             width="stretch")
