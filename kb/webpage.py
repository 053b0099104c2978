"""Saved web page → its main content and what the page states about the document (title, 文号, dates, issuer).

Government pages wrap the document in menus, breadcrumbs, an information box, related links and a footer.
The main content is found by readability-lxml (chosen by measurement over trafilatura and jusText on gov-site
layouts: it kept every body line and no chrome); hidden elements and comments go first, so a
`display:none` copy of the body is never indexed. The page's statements (meta tags, <h1>, labelled fields
such as 文号： or 发布日期：) are collected before the chrome is dropped, as evidence for the tagger.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from .html_text import html_to_text
from .text import no_spaces, unify_breaks

# Inline styles that hide an element, and simple selectors (.class, #id, tag.class) that a <style> block hides.
_HIDDEN_STYLE = re.compile(r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)", re.I)
_CSS_RULE = re.compile(r"([^{}]{1,500})\{([^{}]{0,2000})\}")
_AT_BLOCK = re.compile(r"@(?:media|supports|container|document)\b[^{}]{0,500}\{", re.I)
_SIMPLE_SELECTOR = re.compile(r"^\s*[a-z0-9]*([.#])([\w-]{1,80})\s*$", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]{0,200}\?>", re.I)
# The site name appended to <title>: "题名_栏目_网站", "题名 - 网站", "题名|网站".
_TITLE_SPLIT = re.compile(r"(?<!\s)\s*+[_|｜]\s*+|(?<!\s)\s++[-–—]\s+|(?<=[\u4e00-\u9fff》”）)])[-–—](?=[\u4e00-\u9fff])")
# Main content shorter than this share of the visible page and this many characters is a wrong pick
# (a menu or a caption): the whole visible page is used instead.
_MIN_SHARE = 0.2
_MIN_CHARS = 400
# Prose the content may not leave out of a page that has almost no links (menus, related lists are links).
_MAX_DROPPED_PROSE = 200
_MAX_LINK_SHARE = 0.05
_PROSE = re.compile(r"[。；]")


@dataclass
class WebPage:
    """A saved page: the main content as text and the page's own labelled statements."""

    text: str  # main content, one block a line; the page's title line first when the content lacks it
    fields: dict[str, str] = field(default_factory=dict)  # field → value as written (title, doc_number, …)
    evidence: dict[str, str] = field(default_factory=dict)  # field → where it was read, e.g. "网页信息栏：文号"


@dataclass(frozen=True)
class _Vocabulary:
    labels: dict[str, tuple[str, ...]]  # field → labels
    meta: dict[str, tuple[str, ...]]  # field → meta names, lower case
    label_pattern: re.Pattern[str]  # any label followed by ：
    field_of: dict[str, str]  # label without spaces → field


@lru_cache(maxsize=1)
def _vocabulary() -> _Vocabulary:
    data = tomllib.loads(resources.files("kb.data").joinpath("page_fields.toml").read_text("utf-8"))
    labels = {k: tuple(v) for k, v in data["labels"].items()}
    stop = tuple(data.get("other", {}).get("labels", ()))
    every = sorted({lb for v in labels.values() for lb in v} | set(stop), key=len, reverse=True)
    # Spaces may pad a label to the width of the others: "文　　号：".
    spaced = "|".join("[ \u3000\u00a0]*".join(map(re.escape, lb)) for lb in every)
    # A label ends with a colon, or stands in brackets ("[发文字号]", "【成文日期】") with its value after it.
    pattern = re.compile(rf"(?<![\u4e00-\u9fff])(?:({spaced})[ \u3000\u00a0]*[：:]|[\[［【]({spaced})[\]］】][ \u3000\u00a0]*)")
    field_of = {lb: k for k, v in labels.items() for lb in v}
    meta = {k: tuple(n.lower() for n in v) for k, v in data["meta"].items()}
    return _Vocabulary(labels, meta, pattern, field_of)


def field_of_label(label: str) -> str:
    """The document field an information-box label names (文号 → doc_number, 发布单位 → issuers), or ""."""
    return _vocabulary().field_of.get(re.sub(r"[ \u3000\u00a0]", "", label), "")


# Labelled lines at the head of a plain text (a crawler's 标题：/发布时间：/来源： lines, a page's information box kept
# below its menus) are looked for above its first sentence, among at most this many first lines.
_HEAD_LINES = 150


def line_label(line: str) -> tuple[str, str] | None:
    """(field, value) when a line opens with an information-box label ("标题：X" → ("title", "X"); a label of
    another kind such as 来源 gives field ""); None for any other line."""
    row = line.strip()
    cell = row.startswith("|")  # a Markdown table's row: "| 文号： | 某发〔2024〕1号 |"
    m = _vocabulary().label_pattern.match(row.lstrip("| "))
    if not m:
        return None
    value = row.lstrip("| ")[m.end() :]
    if cell:
        value = value.strip(" \u3000\u00a0|").split("|")[0]
    return field_of_label(m.group(1) or m.group(2)), value.strip(" \u3000\u00a0")


def head_fields(text: str) -> dict[str, tuple[str, str]]:
    """A plain text's own labelled lines at its head, as a page's information box: field → (value, "文首标注：
    label：value"). Only lines that open with a label count; the first value of each field wins."""
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()][:_HEAD_LINES]
    head = next((i for i, ln in enumerate(lines) if "。" in ln), len(lines))
    # A table whose rows open with a label is an information box wherever it stands (a page's box below the text).
    box = [ln for ln in lines[head:] if ln.startswith("|") and line_label(ln)]
    lines = lines[:head]
    # A label's value may stand on the next line ("发 文 字 号 ：" over "津工信电力〔2025〕13号").
    labels = [line_label(ln) for ln in lines]
    labelled = [ln for i, ln in enumerate(lines) if labels[i] or i and labels[i - 1] and not labels[i - 1][1]]
    labelled += box
    return {k: (v, f"文首标注：{where}") for k, (v, where) in _labelled_fields(labelled).items()}


def main_text(html: str) -> str:
    """The page's main content as text, one block a line (see read_page)."""
    return read_page(html).text


@lru_cache(maxsize=2)  # cleaning and tagging both ask for the page being ingested
def read_page(html: str) -> WebPage:
    """Main content and labelled statements of a saved page. Never raises: unparsable input is read as
    plain visible text."""
    html = unify_breaks(html)  # what an XML tree refuses out first (a file read is already so)
    try:
        import lxml.html
        from lxml import etree

        parser = lxml.html.HTMLParser()
        root = lxml.html.document_fromstring(_XML_DECL.sub("", html), parser=parser)
    except ImportError:
        from .errors import MissingDependencyError

        raise MissingDependencyError("读取网页需要 lxml 与 readability-lxml：pip install readability-lxml") from None
    except (etree.ParserError, ValueError):
        return WebPage(html_to_text(html))
    # libxml2 stops at 256 open elements (or another resource limit) and drops the rest of the page without
    # an error: 300 unclosed <div> or <font> lost every paragraph after them. The tree is then not the page;
    # its visible text is read by the parser that keeps no tree, and no main content is picked from it.
    truncated = any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log)
    _drop_hidden(root)
    fields, evidence = _meta_fields(root)
    visible = html_to_text(html if truncated else lxml.html.tostring(root, encoding="unicode"))
    for key, (value, label) in _labelled_fields(visible.split("\n")).items():
        if key not in fields or key == "title":  # the box's title is the formal one
            fields[key], evidence[key] = value, f"网页信息栏：{label}"
    content = visible if truncated else _main_content(root, visible)
    title = fields.get("title", "")
    if title and no_spaces(title) not in no_spaces("".join(content.split("\n")[:6])):
        content = f"{title}\n{content}" if content else title
    return WebPage(content, fields, evidence)


def _drop_hidden(root) -> None:
    """Comments, and elements hidden by an inline style, a `hidden` attribute or a simple <style> rule."""
    hidden_classes: set[str] = set()
    hidden_ids: set[str] = set()
    for style in root.iter("style"):
        for m in _CSS_RULE.finditer(_unconditional_css(style.text_content() or "")):
            if not _HIDDEN_STYLE.search(";" + m.group(2)):
                continue
            for selector in m.group(1).split(","):
                s = _SIMPLE_SELECTOR.match(selector)
                if s:
                    (hidden_classes if s.group(1) == "." else hidden_ids).add(s.group(2))
    doomed = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            doomed.append(el)  # comment or processing instruction
            continue
        if el.get("hidden") is not None or el.get("aria-hidden") == "true":
            doomed.append(el)
        elif _HIDDEN_STYLE.search(";" + (el.get("style") or "")):
            doomed.append(el)
        elif hidden_ids and el.get("id") in hidden_ids:
            doomed.append(el)
        elif hidden_classes and hidden_classes.intersection((el.get("class") or "").split()):
            doomed.append(el)
    for el in doomed:
        if el.getparent() is not None:  # not inside an element already dropped
            el.drop_tree()


def _unconditional_css(css: str) -> str:
    """A style sheet without its conditional blocks (@media, @supports…): a rule that hides an element only on a
    phone's width or in print ("@media only screen and (max-width: 768px){.screen{display:none}}", which hid a
    page's information box) does not hide it on the page as read."""
    out: list[str] = []
    i = 0
    for m in _AT_BLOCK.finditer(css):
        if m.start() < i:
            continue  # inside a block already skipped
        out.append(css[i : m.start()])
        depth, j = 1, m.end()
        while j < len(css) and depth:
            depth += {"{": 1, "}": -1}.get(css[j], 0)
            j += 1
        i = j
    out.append(css[i:])
    return "".join(out)


def _meta_fields(root) -> tuple[dict[str, str], dict[str, str]]:
    """Title, publication date and source from <meta> tags, the first <h1> and <title>."""
    vocab = _vocabulary()
    fields: dict[str, str] = {}
    evidence: dict[str, str] = {}
    for el in root.iter("meta"):
        name = (el.get("name") or el.get("property") or "").strip().lower()
        value = _squash_spaces(el.get("content") or "")
        for key, names in vocab.meta.items():
            if name in names and value and key not in fields:
                fields[key], evidence[key] = value, f"网页元数据：{el.get('name') or el.get('property')}"
    h1 = next((_squash_spaces(h.text_content()) for h in root.iter("h1") if h.text_content().strip()), "")
    if h1 and "title" not in fields:
        fields["title"], evidence["title"] = h1, "网页标题（h1）"
    tab = next((_squash_spaces(t.text_content()) for t in root.iter("title")), "")
    if tab:
        parts = [p for p in _TITLE_SPLIT.split(tab) if p.strip()]
        fields["page_title"], evidence["page_title"] = (parts[0] if parts else tab), "网页标签页标题"
    return fields, evidence


def _labelled_fields(lines: list[str]) -> dict[str, tuple[str, str]]:
    """"文号：X" on a line, or "文号：" with the value in the next cell (line). First value of each field wins."""
    vocab = _vocabulary()
    found: dict[str, tuple[str, str]] = {}
    for i, line in enumerate(lines):
        if len(line) > 300:
            continue  # prose, not a field
        marks = list(vocab.label_pattern.finditer(line))
        for j, m in enumerate(marks):
            label = re.sub(r"[ \u3000\u00a0]", "", m.group(1) or m.group(2))
            key = vocab.field_of.get(label)
            end = marks[j + 1].start() if j + 1 < len(marks) else len(line)
            value = line[m.end() : end].strip(" \u3000\u00a0|").split("|")[0].strip(" \u3000\u00a0")
            if not value and j + 1 == len(marks) and i + 1 < len(lines):
                following = lines[i + 1]
                if not vocab.label_pattern.match(following) and len(following) <= 200:
                    value = following.strip()
            if key and value and key not in found:
                found[key] = (value, f"{label}：{value}")
    return found


def _main_content(root, visible: str) -> str:
    import lxml.html

    try:
        from readability import Document as Readable
    except ImportError:
        from .errors import MissingDependencyError

        raise MissingDependencyError("读取网页需要 readability-lxml：pip install readability-lxml") from None
    try:
        summary = Readable(lxml.html.tostring(root, encoding="unicode")).summary(html_partial=True)
        content = html_to_text(summary)
    except Exception:  # readability gives up on some degenerate pages; the visible text is the answer then
        return visible
    if len(content) < _MIN_SHARE * len(visible) and len(content) < _MIN_CHARS:
        return visible
    if _dropped_prose(visible, content) >= _MAX_DROPPED_PROSE and _link_share(root, visible) < _MAX_LINK_SHARE:
        # A page with no chrome to speak of (hardly any links) whose paragraphs readability left out: it
        # kept one block (an attachment's table) of a text laid out in bare <div>s. The whole text it is.
        return visible
    return content


def _dropped_prose(visible: str, content: str) -> int:
    """Characters of prose lines (sentences, not labels or links) in the visible text but not in the content."""
    kept = set(content.split("\n"))
    return sum(len(ln) for ln in visible.split("\n") if ln not in kept and len(ln) >= 40 and _PROSE.search(ln))


def _link_share(root, visible: str) -> float:
    links = sum(len(no_spaces(a.text_content())) for a in root.iter("a"))
    return links / max(len(no_spaces(visible)), 1)



def _squash_spaces(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
