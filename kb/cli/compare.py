"""`kb compare`, `kb align`, `kb coverage`: cross-level comparison on the command line."""

from __future__ import annotations

import argparse
import textwrap

from ..errors import QueryError
from ..text import quote_title
from . import options, zh
from .output import clause_name, doc_brief, index_dir, print_json, print_jsonl, print_table


def _load(args: argparse.Namespace):
    from ..search import KnowledgeBase

    return KnowledgeBase.load(index_dir(args))


def _short(source: str) -> str:
    return source.rsplit(".", 1)[0][:12]


def cmd_compare(args: argparse.Namespace) -> int:
    """Compare how each document (national → county) treats one measure: a table with its clauses, or none.

    Example: kb compare "供应链金融支持产业链上下游企业融资" --levels national municipal --json
             kb compare "不良贷款容忍度" --format docx -o 对照表.docx
    """
    from ..aliases import topic_key, topic_label
    from ..compare import MATCH_LABELS, compare_measure
    from ..compare.table import comparison_table

    topic = topic_key(args.topic) if args.topic else None  # a Chinese label names the topic too
    if args.format and not args.output:
        raise QueryError("导出对照表需要用 -o 指定文件，例如 -o 对照表.docx")
    kb = _load(args)
    result = compare_measure(kb, args.measure, topic=topic, documents=args.docs, levels=args.levels,
                             per_doc=args.per_doc, threshold=args.threshold)
    # Named documents: only their levels get rows; otherwise every level does, "本级无" where none takes part.
    shown = args.levels or (sorted({r.document.level for r in result.rows}) if args.docs else None)
    table = comparison_table(result, levels=shown, kb=kb)
    if args.output:
        from ..compare.export import write

        write(table, args.output, options.export_format(args.format, args.output, ("docx", "xlsx")))
        print(f"已写入 {args.output}（{len(table.document_rows)} 份文件）")
        return 0
    if args.json:
        print_jsonl(r.to_dict() for r in table.document_rows)
        return 0
    th = result.thresholds
    what = result.measure or result.query
    print(f"措施：{what}" + (f"（主题：{topic_label(result.topic)}）" if result.topic else "")
          + f"    {MATCH_LABELS['match']} ≥ {th['match']:.2f}，{MATCH_LABELS['weak']} ≥ {th['weak']:.2f}")
    rows = []
    for r in table.rows:
        if r.document is None:
            rows.append((r.level_label, "—", "本级无纳入比较的文件", "", "", "", "", ""))
            continue
        m = r.matches[0] if r.matches else None
        rows.append((
            r.document.shown("level"), _short(r.document.source), r.document.shown("title"), r.document.shown("date"),
            MATCH_LABELS[r.status], f"{r.confidence:.2f}",
            "；".join(clause_name(x.clause) for x in r.matches) if m else "无对应条款",
            "；".join(t.label for t in r.targets),
        ))
    print_table(["层级", "文件", "标题", "日期", "状态", "置信度", "条款", "量化指标"], rows, [12, 12, 24, 10, 16, 6, 30, 30])
    for r in table.rows:
        if r.document is None:
            print(f"\n【{r.level_label}】本级无纳入比较的文件")
            continue
        d = r.document
        print(f"\n【{d.shown('level')}】{d.source}  {d.cited_title()} {doc_brief(d, level=False)}")
        if not r.matches:
            print(f"    无对应条款（最接近的条款置信度 {r.confidence:.2f}）")
        for i, m in enumerate(r.matches, 1):
            c = m.clause
            print(f"    {i}. [{MATCH_LABELS[m.status]} {m.confidence:.2f}] {clause_name(c)}")
            for label, items in (("量化指标", "；".join(t.label for t in c.targets)),
                                 ("责任单位", "、".join(c.responsible_units)), ("独有提法", "、".join(m.distinct_terms))):
                if items:
                    print(f"      {label}：{items}")
            for line in textwrap.wrap(c.text, 60):
                print(f"      {line}")
        if r.above is not None:
            link = "" if r.implements_above else "（非其上级文件，仅作对照）"
            print(f"    较{r.above.cited_title()}{link}：新增 {'；'.join(r.adds) or '无'}；未提及 {'；'.join(r.leaves_out) or '无'}")
    return 0


def cmd_align(args: argparse.Namespace) -> int:
    """Align two documents clause by clause: A's clauses matched or absent in B, and B's own clauses.

    Example: kb align 001_3b50df308c9c2e77.txt 000_70838f8e5a3ffbff.txt --json
    """
    from ..compare import align

    kb = _load(args)
    al = align(kb, args.source_a, args.source_b, threshold=args.threshold)
    if args.json:
        print_json(al.to_dict())
        return 0
    n = al.counts
    print(f"A：{al.doc_a.source}{al.doc_a.cited_title()}（{al.doc_a.shown('level')}）")
    print(f"B：{al.doc_b.source}{al.doc_b.cited_title()}（{al.doc_b.shown('level')}）")
    if not al.implements:
        print("注意：B 不满足落实 A 的条件（层级更低、地区在 A 之内、时间在 A 之后），以下对应只表示内容相近。")
    print(f"A 的 {n['clauses_a']} 个条款：有对应 {n['matched']}，B 中缺失 {n['absent']}；"
          f"B 独有 {n['local_only']} 个（阈值 {al.threshold:g}）")
    print("\n有对应：")
    for a in al.matched:
        targets = "；".join(f"{clause_name(p.b)}（{p.score:.1f}，置信度 {p.confidence:.2f}）"
                           for p in al.pairs if p.a.id == a.id)
        print(f"  {clause_name(a)} → {targets}")
    print("\nA 有而 B 无：")
    for a in al.absent:
        print(f"  {a.path} {a.heading or a.text[:30]}")
    print("\nB 独有（地方创新）：")
    for b in al.local_only:
        print(f"  {b.path} {b.heading or b.text[:30]}")
    if al.local_terms:
        print("\nB 的新提法（A 未出现）：")
        for b in al.clauses_b:
            if b.id in al.local_terms:
                print(f"  {clause_name(b)}：{'、'.join('“' + t + '”' for t in al.local_terms[b.id])}")
    return 0


def cmd_coverage(args: argparse.Namespace) -> int:
    """Topics × documents: how many clauses of each document carry each topic, and how strongly.

    Example: kb coverage --csv coverage.csv
    """
    from ..compare import coverage, coverage_to_csv

    kb = _load(args)
    cov = coverage(kb, min_score=args.min_score, levels=args.levels)
    if args.csv:
        coverage_to_csv(cov, args.csv)
    if args.json:
        print_json(cov.to_dict())
        return 0
    counts, strength = cov.matrix("count"), cov.matrix("strength")
    headers = ["主题"] + [f"{d.level_label}{_short(d.source)[:3]}" for d in cov.documents]
    rows = [[label] + [f"{n}（{s:g}）" if n else "—" for n, s in zip(cr, sr, strict=True)]
            for (_, label), cr, sr in zip(cov.topics, counts, strength, strict=True)]
    print_table(headers, rows)
    print("单元格：条款数（主题得分之和）；" + "；".join(f"{d.level_label}{_short(d.source)[:3]} = {d.source}{quote_title(d.title)}"
                                           for d in cov.documents))
    if args.csv:
        print(f"已写入 {args.csv}")
    return 0


def register(add) -> None:
    c = add("compare", cmd_compare, "对比各层级文件（国家 → 县级）如何落实同一措施：对照表，每个文件的对应条款或无对应")
    c.add_argument("measure", nargs="?", type=zh.text, metavar="措施",
                   help="措施（文字），例如“供应链金融支持产业链上下游企业融资”")
    c.add_argument("--topic", metavar="主题",
                   help="主题，中文名或键，例如 供应链金融 或 supply_chain（可与措施同用，或单独使用）")
    c.add_argument("--docs", nargs="+", metavar="文件", help="只比较这些文件（文件名或 id）")
    options.levels(c, "只比较这些层级")
    c.add_argument("--per-doc", type=zh.count, default=3, metavar="条数",
                   help="每个文件最多列出几个条款（默认 3，按匹配强度排序）")
    options.threshold(c, "置信度低于此值视为无对应条款（默认为校准值）")
    options.json_flag(c, "每个文件一行 JSON（source、按强度排序的 clauses 等）")
    c.add_argument("--format", choices=("docx", "xlsx"), help="把对照表导出为 Word（A4 横向）或 Excel")
    options.output(c, "导出文件名（格式可由扩展名推断）")

    a = add("align", cmd_align, "逐条对齐两个文件：上级文件的条款在下级文件中有无对应，以及下级文件独有的条款")
    a.add_argument("source_a", metavar="上级文件", help="上级文件，例如 001_3b50df308c9c2e77.txt")
    a.add_argument("source_b", metavar="下级文件", help="下级文件，例如 000_70838f8e5a3ffbff.txt")
    options.threshold(a, "相似度阈值（默认为校准值）")
    options.json_flag(a)

    v = add("coverage", cmd_coverage, "主题 × 文件：每个文件有多少条款涉及每个主题、涉及多深")
    v.add_argument("--csv", metavar="文件", help="同时写出 CSV（UTF-8 BOM，中文表头）")
    v.add_argument("--min-score", type=float, metavar="得分", help="计入的最低主题得分（默认与主题标注阈值相同）")
    options.levels(v, "只看这些层级")
    options.json_flag(v)

