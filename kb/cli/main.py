"""The `kb` command line: a thin layer over the kb package. Readable text by default, JSON with --json.

The parser and the error edge live here; the commands, one module per group, register their subparsers.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from ..errors import KBError
from . import compare, corpus, query

GROUPS = (corpus, query, compare)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kb", description="政策文件知识库：构建索引、检索、跨层级对比、导出引用。")
    p.add_argument("--index", help="索引目录（默认 ./index 或 KB_INDEX）")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, fn: Callable[[argparse.Namespace], int], **kw) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=(fn.__doc__ or "").splitlines()[0], description=fn.__doc__,
                            formatter_class=argparse.RawDescriptionHelpFormatter, **kw)
        sp.add_argument("--index", help=argparse.SUPPRESS, default=argparse.SUPPRESS)
        sp.set_defaults(func=fn)
        return sp

    for group in GROUPS:
        group.register(add)
    return p


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
