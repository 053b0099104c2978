"""`kb search`, `kb eval`, `kb export`, `kb serve`: asking the index."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import options, zh
from .options import LEVEL_HELP
from .output import (
    clause_name,
    corpus_dir,
    doc_brief,
    index_dir,
    notices,
    print_json,
    print_jsonl,
    print_notes,
)


def cmd_search(args: argparse.Namespace) -> int:
    """Search clauses with a question in plain Chinese, optionally filtered.

    Example: kb search "出口信用保险怎么支持外贸制造企业" --level national -k 5
    """
    import time

    from ..models import Filters
    from ..search import KnowledgeBase

    kb = KnowledgeBase.load(index_dir(args))
    print_notes(notices(kb))
    # A document named that the index lacks is an error, not a filter that quietly matches nothing.
    docs = [kb.document(name).id for name in args.doc or []]
    filters = Filters(levels=args.level or [], regions=args.region or [], issuers=args.issuer or [],
                      topics=args.topic or [], statuses=args.status or [], documents=docs,
                      date_from=args.date_from or "", date_to=args.date_to or "")
    t0 = time.perf_counter()
    ans = kb.answer(args.query, k=args.k, filters=filters, retriever=args.retriever,
                    drop_cues=args.ignore or ())
    elapsed = time.perf_counter() - t0
    if args.json:
        if args.weak:  # the whole answer: hits, weaker candidates apart, what was understood, why empty
            print(json.dumps(ans.to_dict(), ensure_ascii=False))
        else:
            print_jsonl(h.to_dict() for h in ans.hits)
        return 0
    if ans.chips:
        first = ans.understanding.cues[0].key
        print(f"已识别：{'　'.join(ans.chips)}（不需要时加 --ignore {first} 等去掉）")
    if ans.expansions:
        said = "；".join(f"{e.word}→{'、'.join(e.terms)}" for e in ans.expansions)
        print(f"同时检索（同义词表）：{said}")
    if not ans.hits:
        print(ans.message + "。" + ("原因：" + "；".join(ans.reasons) + "。" if ans.reasons else ""))
        if args.weak and ans.weak:
            print("\n以下为可能相关的条款（低于相关性阈值，仅供参考）：\n")
            _print_hits(ans.weak, args.chars)
        elif ans.weak:
            print("如需查看可能相关的条款，加 --weak。")
        return 0
    for note in ans.notes:
        print(f"注意：{note}")
    print(f"共 {len(ans.hits)} 条结果，用时 {elapsed * 1000:.0f} 毫秒\n")
    _print_hits(ans.hits, args.chars)
    if args.weak and ans.weak:
        print("以下为可能相关的条款（低于相关性阈值，仅供参考）：\n")
        _print_hits(ans.weak, args.chars)
    return 0


def _print_hits(hits, chars: int) -> None:
    for h in hits:
        c, d = h.clause, h.document
        print(f"{h.rank}. [{h.score:.3f}] {d.cited_title()} {clause_name(c)}  （{doc_brief(d)}）")
        text = " ".join(c.text.split())
        print(f"   {text[:chars]}{'…' if len(text) > chars else ''}")
        print(f"   {h.match or '—'} · 条款编号：{c.id}  匹配词：{'、'.join(h.matched_terms) or '—'}\n")


def cmd_eval(args: argparse.Namespace) -> int:
    """Measure retrieval (Recall@10, MRR@10, nDCG@10) or comparison (share of judged pairs held) on judgements.

    A file whose rows hold "expected" instead of "relevant" is a comparison file (dev_compare.jsonl).
    Examples:
      kb eval eval/dev_queries.jsonl --retriever hybrid --json
      kb eval eval/dev_compare.jsonl
      kb eval eval/targets_truth.jsonl --corpus corpus   (target extraction: precision and recall)
    """
    from ..errors import QueryError
    from ..evaluate import evaluate_compare, evaluate_kb, is_compare_file
    from ..search import KnowledgeBase
    from ..target_eval import evaluate_targets, is_target_file

    if not Path(args.file).is_file():
        raise QueryError(f"评测文件不存在：{args.file}")
    if is_target_file(Path(args.file)):  # target extraction, over the corpus folder (no index needed)
        report, show = evaluate_targets(corpus_dir(args), Path(args.file), only_named=args.only_named), _show_targets
    else:
        compare = is_compare_file(Path(args.file))
        kb = KnowledgeBase.load(index_dir(args))
        print_notes(notices(kb))
        if compare:
            report, show = evaluate_compare(kb, Path(args.file)), _show_compare
        else:
            report, show = evaluate_kb(kb, Path(args.file), retriever=args.retriever), _show_retrieval
    if args.json:
        print_json(report.to_dict())
    else:
        show(report, args)
    return 0


def _figures(f, sep: str) -> str:
    """The three retrieval figures of a report, or of one kind of question in it."""
    return sep.join(f"{name} = {value:.3f}" for name, value in (("Recall@10", f.recall), ("MRR@10", f.mrr),
                                                              ("nDCG@10", f.ndcg)))


def _show_retrieval(report, args: argparse.Namespace) -> None:
    print(f"检索方式：{args.retriever}  查询数：{report.queries}  平均条款长度：{report.mean_unit_chars:.0f} 字")
    if report.queries:
        print(_figures(report, "   "))
    if report.offtopic:
        print(f"无关问题 {report.offtopic} 个，未返回任何条款的占 {report.offtopic_empty:.3f}")
    for kind, f in report.per_kind.items():
        if kind != "offtopic" and f.queries:
            print(f"  {kind:12} {f.queries:3} 个  {_figures(f, '  ')}")
    if args.verbose:
        for r in report.per_query:
            missed = "；".join(f"{m.doc[:3]}:{m.contains}" for m in r.missed)
            print(f"  {r.id} R={r.recall:.2f} RR={r.rr:.2f} nDCG={r.ndcg:.2f}  {r.query}" + (f"  未找到：{missed}" if missed else ""))


def _show_targets(report, args: argparse.Namespace) -> None:
    print(f"量化指标：标注 {report.truth} 个（目标与标准），抽出 {report.predicted} 个，一致 {report.matched} 个；"
          f"精确率 = {report.precision:.3f}   召回率 = {report.recall:.3f}")
    if report.matched:
        print(f"  类别一致 {report.kind_agree}/{report.matched}，期限一致 {report.deadline_agree}/{report.matched}")
    if report.baseline_truth:
        print(f"  现状数据：标注 {report.baseline_truth} 个，标为现状 {report.baseline_found} 个")
    for m in report.misses:
        print(f"  漏抽：{m['doc'][:3]} {m['subject']} {m['comparator']} {m['value'] if m['value'] is not None else m['reference']}"
              f"（{m['text']}）")
    for e in report.extras:
        print(f"  多抽：{e['doc'][:3]} {e['display']}（{e['phrase']}）")


def _show_compare(report, args: argparse.Namespace) -> None:
    print(f"对比判断：{report.pairs} 对（措施 × 文件），成立 {report.held} 对，准确率 = {report.accuracy:.3f}")
    if report.also:
        print(f"  首条为判定条款或其他对应条款（also）：{report.held_also} 对，比例 = {report.held_also / report.pairs:.3f}")
        print(f"  其他对应条款（also）：{report.also} 条，列出 {report.also_found} 条；"
              f"列出的第 2、3 条共 {report.extra} 条，其中属判定条款 {report.extra_judged} 条")
    print(f"  未判定的（措施 × 文件）：{report.unjudged} 对，其中给出对应条款 {report.unjudged_matched} 对"
          f"（确定的 {report.unjudged_confident} 对，其余标为可能对应（较弱））")
    if args.verbose:
        for measure, (held, pairs) in report.per_measure.items():
            print(f"  {measure}：{held}/{pairs}")
    for m in report.misses:
        picked = f"选中 {m.path}" if m.clause_id else "无对应条款" if m.status == "none" else "索引中没有该文件"
        print(f"  未成立：{m.id} {m.measure} {m.doc}（应含“{m.contains}”，{picked}）")


def cmd_export(args: argparse.Namespace) -> int:
    """Export a citation list (CSV, Excel, Word or Markdown) from a search or from clause ids.

    Examples:
      kb export --query "出口信用保险" --format xlsx -o cites.xlsx
      kb export --ids 001_3b50df308c9c2e77:74913148 000_70838f8e5a3ffbff:8467faaf --format docx -o cites.docx
    """
    from ..citation import citations_from
    from ..errors import QueryError
    from ..export import write
    from ..search import KnowledgeBase

    if bool(args.query) == bool(args.ids):
        raise QueryError("请指定 --query（导出检索结果）或 --ids（导出指定条款）之一")
    kb = KnowledgeBase.load(index_dir(args), load_model=bool(args.query))
    if args.query:
        items = kb.search(args.query, k=args.k)
        if not items:
            raise QueryError(f"“{args.query}”没有检索到条款，未生成文件")
    else:
        items = [(c, kb.doc_of(c)) for c in (kb.clause(i) for i in args.ids)]
    citations = citations_from(items)
    write(citations, args.output, options.export_format(args.format, args.output, ("csv", "xlsx", "docx", "md")))
    print(f"已导出 {len(citations)} 条引用到 {args.output}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve search as a read-only JSON API on loopback (GET /search?q=…&k=10&level=…, GET /health).

    Example: kb serve --port 8502
    """
    from ..server import serve

    server = serve(index_dir(args), args.host, args.port)
    print(f"JSON 接口已启动：http://{args.host}:{server.server_address[1]}/search?q=出口信用保险", file=sys.stderr)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0


def register(add) -> None:
    q = add("search", cmd_search, "用一句话检索条款，可按层级、地区、机关、主题、状态、文件和日期筛选")
    q.add_argument("query", type=zh.text, metavar="问题", help="问题，例如：出口信用保险怎么支持外贸制造企业")
    options.top_k(q, "返回条数（正整数，默认 10）")
    q.add_argument("--level", action="append", type=zh.level, metavar="层级",
                   help=f"层级，可重复：{LEVEL_HELP}")
    q.add_argument("--region", action="append", metavar="地区", help="地区（包含匹配），例如 江苏")
    q.add_argument("--issuer", action="append", metavar="机关", help="发文机关（包含匹配）")
    q.add_argument("--topic", action="append", type=zh.topic, metavar="主题",
                   help="主题，中文名或键，例如 保险保障 或 insurance")
    q.add_argument("--status", action="append", type=zh.status, metavar="状态",
                   help="状态：征求意见稿（draft）或 正式稿（final）")
    q.add_argument("--doc", action="append", metavar="文件", help="只在某个文件中检索（文件名或编号）")
    q.add_argument("--date-from", metavar="日期", help="成文日期起（YYYY-MM-DD）")
    q.add_argument("--date-to", metavar="日期", help="成文日期止（YYYY-MM-DD）")
    options.retriever(q)
    q.add_argument("--chars", type=zh.count, default=160, metavar="字数", help="每条显示的字数（默认 160）")
    q.add_argument("--weak", action="store_true",
                   help="另外列出低于相关性阈值的可能相关条款（与结果分开）；与 --json 合用时输出完整回答")
    q.add_argument("--ignore", action="append", metavar="条件",
                   help="不使用某个已识别的条件，例如 --ignore region:河南省洛阳市")
    options.json_flag(q, "每条结果一行 JSON（加 --weak 时输出完整回答）")

    e = add("eval", cmd_eval, "在评测集上衡量检索（Recall@10、MRR@10、nDCG@10）或对比（判断成立的比例）")
    e.add_argument("file", metavar="评测文件", help="JSON Lines 评测文件，例如 eval/dev_queries.jsonl")
    options.retriever(e)
    e.add_argument("-v", "--verbose", action="store_true", help="逐条显示")
    options.json_flag(e)
    e.add_argument("--corpus", metavar="目录", help="量化指标标注文件所对应的语料目录（默认 KB_CORPUS）")
    e.add_argument("--only-named", action="store_true", help="量化指标：只评标注文件提到的文件")

    x = add("export", cmd_export, "把检索结果或指定条款导出为引用清单（CSV、Excel、Word、Markdown）")
    x.add_argument("--query", type=zh.text, metavar="问题", help="导出这个问题的检索结果")
    x.add_argument("--ids", nargs="+", metavar="条款编号", help="导出这些条款编号")
    options.top_k(x, "检索结果条数（正整数，默认 10）")
    x.add_argument("--format", choices=["csv", "xlsx", "docx", "md"], help="格式（默认取输出文件的扩展名）")
    options.output(x, "输出文件", required=True)

    v = add("serve", cmd_serve, "以只读 JSON 接口提供检索（GET /search?q=…&k=10&level=…，GET /health）")
    v.add_argument("--host", default="127.0.0.1", help="监听地址（默认只在本机）")
    v.add_argument("--port", type=int, default=8502, help="端口（默认 8502）")

