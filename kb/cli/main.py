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
    except KBError as e:
        print(f"错误：{e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已中断；原有索引未受影响。", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    # Not raised on purpose, but a person still gets a sentence, not a traceback; the index in place is kept.
    except OSError as e:
        print(f"错误：{os_error_message(e)}", file=sys.stderr)
        return 2
    except RecursionError:
        print("错误：输入的嵌套层数过多，无法处理", file=sys.stderr)
        return 2
    except MemoryError:
        print("错误：内存不足，无法完成；原有索引未受影响", file=sys.stderr)
        return 2
