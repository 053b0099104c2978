"""argparse in Chinese: its own messages translated, a parser whose errors read 错误：…, and typed arguments
(levels, statuses and topics by Chinese or English name, positive counts, non-empty questions)."""

from __future__ import annotations

import argparse
import re
import sys
from typing import NoReturn

from .. import aliases
from ..errors import QueryError

# argparse looks its messages up through gettext (`argparse._`, `argparse.ngettext`); these are the ones a
# user of `kb` can meet. Anything else (programming errors in the parser set-up) stays English.
MESSAGES = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选项：%(value)r（可选：%(choices)s）",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "expected one argument": "需要一个值",
    "expected at least one argument": "需要至少一个值",
    "expected at most one argument": "最多只能有一个值",
    "invalid %(type)s value: %(value)r": "无效的值：%(value)r",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "ignored explicit argument %r": "多余的参数值 %r",
    "one of the arguments %s is required": "需要参数 %s 之一",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 不明确，可能是：%(matches)s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "未知命令 %(parser_name)r（可选：%(choices)s）",
    "can't open '%(filename)s': %(error)s": "无法打开“%(filename)s”：%(error)s",
    "expected %s argument": "需要 %s 个值",
    "expected %s arguments": "需要 %s 个值",
}


def translate(message: str) -> str:
    return MESSAGES.get(message, message)


def ntranslate(singular: str, plural: str, n: int) -> str:
    return translate(singular if n == 1 else plural)


def install() -> None:
    """Route argparse's messages through the table above (argparse binds gettext at module level)."""
    argparse._ = translate  # type: ignore[attr-defined]
    argparse.ngettext = ntranslate  # type: ignore[attr-defined]


class Parser(argparse.ArgumentParser):
    """An ArgumentParser that reports errors as `kb search：错误：…` after the usage line, exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：错误：{message}\n")


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the description's line breaks (the examples); section headings end in a full-width colon."""

    def format_help(self) -> str:
        return _SECTION.sub(r"\1：", super().format_help())


_SECTION = re.compile(r"^(%s):$" % "|".join(map(re.escape, (MESSAGES["positional arguments"], MESSAGES["options"]))),
                      re.M)


# ---------------------------------------------------------------- argument types


def _typed(fn, value: str) -> str:
    try:
        return fn(value)
    except QueryError as e:
        raise argparse.ArgumentTypeError(str(e)) from e


def level(value: str) -> str:
    """国家/省级/市级/县级, 中央/省/市/县 or national/provincial/municipal/county → the key."""
    return _typed(aliases.level_key, value)


def status(value: str) -> str:
    return _typed(aliases.status_key, value)


def topic(value: str) -> str:
    return _typed(aliases.topic_key, value)


def count(value: str) -> int:
    """A positive whole number (-k, --per-doc)."""
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为正整数，收到“{value}”") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"应为正整数（至少 1），收到 {n}")
    return n


def text(value: str) -> str:
    """A question or measure: not empty, not only spaces."""
    if not value.strip():
        raise argparse.ArgumentTypeError("不能为空，请输入要检索的文字")
    return value.strip()
