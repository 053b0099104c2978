"""Markdown as static-site generators publish it → plain Markdown, and the front matter's statements.

Policy texts are often kept as Markdown pages of a documentation site (VuePress, Hugo, Jekyll): a YAML front
matter block (title:, date:, author:), ::: containers (a table of contents, a revision note), {attribute}
lists, [[toc]] placeholders, breadcrumb trails, in-page anchor links and inline HTML (<p id=…>&emsp;<b>第一条</b>). All of it is
markup, not text: the front matter is read as evidence, the rest is dropped and the words are kept.
"""

from __future__ import annotations

import html
import re

_FRONT_MATTER_MAX_LINES = 60
_FRONT_KEY = re.compile(r"^([A-Za-z_][\w-]{0,40}|[\u4e00-\u9fff]{2,8})\s*[:：]\s*(.*)$")
_FENCE = re.compile(r"^ {0,3}:{3,}\s*(.*?)\s*$")
_TOC_PLACEHOLDER = re.compile(r"^\s*\[\[toc\]\]\s*$|^\s*\[TOC\]\s*$|^\s*@tab\b.*$", re.I)
_ANCHOR_LINK = re.compile(r"\[[^\[\]\n]{0,300}\]\(#[^()\s]{0,200}\)")
_ATTRIBUTES = re.compile(r"(?<!\s)\s*+\{\s*(?:[.#][\w-]{1,40}|[\w-]{1,40}\s*=[^{}\n]{0,60})(?:\s[^{}\n]{0,60})?\}\s*$")
# A site's breadcrumb trail: links, each followed by a separator, then the page's own name
# ("[大萌法律读本](../duben) >> 2021-行政处罚法"): navigation, never the title.
_BREADCRUMB = re.compile(r"^\s*(?:\[[^\[\]\n]{1,40}\]\([^()\s]{0,200}\)\s*(?:>{1,2}|»|›|＞{1,2}|→)\s*)+[^\n]{0,80}$")
_BLOCK_BREAK = re.compile(r"<br\s*/?>|</(?:p|div|li|h[1-6]|tr)\s*>", re.I)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]{0,20}(?:\s[^<>\n]{0,300})?/?>")
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[A-Za-z]{2,10});")


def front_matter(text: str) -> tuple[dict[str, str], str]:
    """(fields, text without the block) for a YAML front matter at the very start: ---, key: value, ---.
    Only top-level scalar values are read; lists and nested keys are skipped."""
    lines = text.split("\n", _FRONT_MATTER_MAX_LINES + 1)
    if not lines or lines[0].strip() != "---":
        return {}, text
    fields: dict[str, str] = {}
    for i, line in enumerate(lines[1 : _FRONT_MATTER_MAX_LINES + 1], start=1):
        if line.strip() in ("---", "..."):
            rest = "\n".join(lines[i + 1 :])
            return fields, rest
        m = _FRONT_KEY.match(line)
        if m and m.group(2).strip():
            fields.setdefault(m.group(1).lower(), m.group(2).strip().strip("'\""))
    return {}, text  # no closing line: not a front matter


def strip_site_markup(text: str) -> str:
    """Front matter, containers (a 目录 one with its content), attribute lists, TOC placeholders, in-page
    links and inline HTML out; entities decoded. Text that has none of them is returned unchanged."""
    _, text = front_matter(text)
    lines = text.split("\n")
    out: list[str] = []
    closers: set[int] = set()
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line)
        if fence:
            if fence.group(1) and i not in closers:
                # As markdown-it-container reads it: the first bare fence at least as long closes it.
                n = len(line.strip()) - len(line.strip().lstrip(":"))
                end = next((k for k in range(i + 1, len(lines)) if _closes(lines[k], n)), len(lines))
                if "目录" in fence.group(1):
                    i = end + 1  # a table of contents: dropped with its content
                    continue
                closers.add(end)
            i += 1
            continue
        i += 1
        if _TOC_PLACEHOLDER.match(line) or "](" in line and _BREADCRUMB.match(line):
            continue
        if "](#" in line:
            line = _ANCHOR_LINK.sub("", line)
        if "{" in line:
            line = _ATTRIBUTES.sub("", line)
        if "<" in line:
            # A break inside a table's cell keeps the row one line: a cell's lines (“<br>1.…”) are no outline.
            line = _TAG.sub("", _BLOCK_BREAK.sub(" " if line.lstrip().startswith("|") else "\n", line))
        if "&" in line:
            line = _ENTITY.sub(lambda m: html.unescape(m.group()), line)
        out.append(line)
    return "\n".join(out)


def _closes(line: str, n: int) -> bool:
    fence = _FENCE.match(line)
    if fence is None or fence.group(1):
        return False
    stripped = line.strip()
    return len(stripped) >= n and set(stripped) == {":"}
