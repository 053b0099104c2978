"""The `kb` command line: a thin layer over the kb package. Readable text by default, JSON with --json.

The parser and the error edge live here; the commands, one module per group, register their subparsers.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from ..errors import KBError, os_error_message
from . import compare, corpus, query, zh

GROUPS = (corpus, query, compare)


def build_parser() -> argparse.ArgumentParser:
    zh.install()
    p = zh.Parser(prog="kb", description="政策文件知识库：构建索引、检索、跨层级对比、导出引用。",
                  epilog="每个命令都有帮助和示例，例如：kb search -h", formatter_class=zh.HelpFormatter)
    p.add_argument("--index", metavar="目录", help="索引目录（默认 ./index 或环境变量 KB_INDEX）")
    sub = p.add_subparsers(dest="command", metavar="命令", parser_class=zh.Parser)

    def add(name: str, fn: Callable[[argparse.Namespace], int], summary: str, **kw) -> argparse.ArgumentParser:
        examples = examples_of(fn)
        description = summary + ("\n\n示例：\n" + "\n".join(f"  {e}" for e in examples) if examples else "")
        sp = sub.add_parser(name, help=summary, description=description, formatter_class=zh.HelpFormatter, **kw)
        sp.add_argument("--index", help=argparse.SUPPRESS, default=argparse.SUPPRESS)
        sp.set_defaults(func=fn)
        return sp

    for group in GROUPS:
        group.register(add)
    return p


def examples_of(fn: Callable) -> list[str]:
    """The `kb …` lines of a command's docstring: one source for the developer's and the user's example."""
    lines = (line.strip().removeprefix("Examples:").removeprefix("Example:").strip()
             for line in (fn.__doc__ or "").splitlines())
    return [line for line in lines if line.startswith("kb ")]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except tuple(kind for kind, _, _ in FAILURES) as e:
        return _failed(e)


# How a failure reaches a person: the sentence (None: nothing) and the exit code; the first type that matches
# wins (BrokenPipeError is an OSError). Only KBError is raised on purpose; the others still get a sentence,
# not a traceback, and the index in place is kept.
FAILURES: tuple[tuple[type[BaseException], Callable[[BaseException], str] | None, int], ...] = (
    (KBError, lambda e: f"错误：{e}", 2),
    (KeyboardInterrupt, lambda e: "已中断；原有索引未受影响。", 130),
    (BrokenPipeError, None, 0),
    (OSError, lambda e: f"错误：{os_error_message(e)}", 2),
    (RecursionError, lambda e: "错误：输入的嵌套层数过多，无法处理", 2),
    (MemoryError, lambda e: "错误：内存不足，无法完成；原有索引未受影响", 2),
)


def _failed(e: BaseException) -> int:
    kind, message, code = next(f for f in FAILURES if isinstance(e, f[0]))
    if message:
        print(message(e), file=sys.stderr)
    return code
