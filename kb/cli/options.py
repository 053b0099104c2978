"""Options several commands share, defined once (flag, type, metavar, default); each command words its help."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..question import RETRIEVERS
from . import zh

RETRIEVER_HELP = "检索方式：hybrid（关键词＋语义，默认）、bm25（仅关键词）、dense（仅语义）"
LEVEL_HELP = "国家、省级、市级、县级（也可写 中央、省、市、县 或 national 等英文键）"
CORPUS_HELP = "语料目录（默认 ./corpus）"


def json_flag(p: argparse.ArgumentParser, help: str = "以 JSON 输出") -> None:
    p.add_argument("--json", action="store_true", help=help)


def retriever(p: argparse.ArgumentParser) -> None:
    p.add_argument("--retriever", default="hybrid", choices=RETRIEVERS, help=RETRIEVER_HELP)


def levels(p: argparse.ArgumentParser, lead: str) -> None:
    """`--levels 层级 …`: the levels to keep, named as `zh.level` reads them."""
    p.add_argument("--levels", nargs="+", type=zh.level, metavar="层级", help=f"{lead}：{LEVEL_HELP}")


def top_k(p: argparse.ArgumentParser, help: str) -> None:
    p.add_argument("-k", type=zh.count, default=10, metavar="条数", help=help)


def threshold(p: argparse.ArgumentParser, help: str) -> None:
    p.add_argument("--threshold", type=float, metavar="阈值", help=help)


def model(p: argparse.ArgumentParser, help: str) -> None:
    p.add_argument("--model", metavar="模型", help=help)


def output(p: argparse.ArgumentParser, help: str, required: bool = False) -> None:
    p.add_argument("-o", "--output", required=required, metavar="文件", help=help)


def export_format(fmt: str | None, path: str, choices) -> str:
    """The format asked for, else the output file's extension; a name without one is refused in words a person
    can act on (it was read as the format: “未知的导出格式：对照表”)."""
    if fmt:
        return fmt
    suffix = Path(path).suffix.lstrip(".").lower()
    if not suffix:
        from ..errors import QueryError

        names = "、".join(choices)
        raise QueryError(f"无法从文件名“{path}”判断导出格式：请用 --format 指定（{names}），"
                         f"或写出扩展名，例如 {Path(path).name or '输出'}.{next(iter(choices))}")
    return suffix
