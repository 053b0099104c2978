"""HTML → visible text: one block element per line; scripts, styles, navigation, headers and footers dropped
(kb/webpage.py finds a page's main content first; kb/clean.py cleans the text after)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from .text import WIDE

# ---------------------------------------------------------------------------------------------------
# HTML.

# <title> is the browser tab's text (often with the site name appended); the page repeats it in <h1>.
_SKIP_TAGS = {"script", "style", "nav", "header", "footer", "noscript", "template", "svg", "iframe", "aside",
              "select", "button", "object", "title"}
_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "br", "caption", "center", "dd", "div", "dl", "dt", "fieldset",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
    "nav", "ol", "p", "pre",
    "section", "table", "tbody", "td", "tfoot", "th", "thead", "title", "tr", "ul",
}
_VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
              "track", "wbr"}
_HTML_WS = re.compile(r"[ \t\n\r\f]+")
_SOFT_BREAK = re.compile(r"(?<! ) *+\n[ \n]*+")
# A page made from a plain text keeps that text's paragraphs as source line breaks inside one element: a blank
# line, a line indented with ideographic spaces ("\n　　（一）…"), or a break after a sentence end. A browser
# runs them together; the document has them as paragraphs.
_SOURCE_PARAGRAPH = re.compile(r"(?:(?<=[。；：！？])[ \t\r]*+\n|\n[ \t\r]*+(?:\n|(?=\u3000)))[ \t\r\n]*+")

# Elements that may appear in <head>; any other start tag means the body has begun.
_HEAD_TAGS = {"title", "meta", "link", "style", "script", "base", "noscript", "template"}


class _TextExtractor(HTMLParser):
    def __init__(self, skip_tags: set[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.skip_tags = skip_tags
        self.out: list[str] = []
        self.skip: list[str] = []  # open elements whose content is dropped
        self.open_skipped: dict[str, int] = {}  # how many of each are in `skip`: a lookup, never a scan
        self.in_head = False
        self.pre = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "head":
            self.in_head = True
        elif self.in_head and tag not in _HEAD_TAGS:
            self.in_head = False  # <body> and </head> may both be omitted
        if tag in self.skip_tags and tag not in _VOID_TAGS:
            self.skip.append(tag)
            self.open_skipped[tag] = self.open_skipped.get(tag, 0) + 1
        if tag == "pre":
            self.pre += 1
        if tag in _BLOCK_TAGS:
            self.out.append("\x00")

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        if tag in _BLOCK_TAGS:
            self.out.append("\x00")

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self.in_head = False
        if self.open_skipped.get(tag):
            # Close the innermost open element of that name (and anything left open inside it).
            while self.skip:
                closed = self.skip.pop()
                self.open_skipped[closed] -= 1
                if closed == tag:
                    break
        if tag == "pre" and self.pre:
            self.pre -= 1
        if tag in _BLOCK_TAGS:
            self.out.append("\x00")

    def handle_data(self, data: str) -> None:
        if self.skip or self.in_head:
            return
        if self.pre:
            self.out.append(data.replace("\r", "").replace("\n", "\x00"))
        else:
            # Source whitespace is layout: a run holding a newline is a soft break, decided at the end.
            if "\n" in data:
                data = _SOURCE_PARAGRAPH.sub("\x00", data)
            self.out.append(_HTML_WS.sub(lambda m: "\n" if "\n" in m.group() else " ", data))


def html_to_text(html: str) -> str:
    """Visible text of an HTML page: one block element per line; scripts, styles, navigation,
    headers and footers dropped."""
    # The parser treats NUL as data; it marks block breaks here, so any in the input go first.
    html = _drop_unterminated_tail(html.replace("\x00", ""))
    text, unclosed = _extract(html, _SKIP_TAGS)
    if unclosed:
        # An unclosed <header> or <nav> swallows the rest of the page: keep everything but code then.
        text, _ = _extract(html, {"script", "style", "noscript", "template", "title"})
    return text


_MARKUP_OPEN = re.compile(r"<[A-Za-z!/?]")


def _drop_unterminated_tail(html: str) -> str:
    """Cut a tag, comment or declaration left open at the end of the page. A browser drops it (an open
    comment hides the rest); Python's parser instead retries each later "<" against the whole rest, which is
    quadratic: 80,000 "<!--" took a minute. After the last ">" nothing can be closed, so the first markup
    opening there ends the page."""
    last = html.rfind(">")
    m = _MARKUP_OPEN.search(html, last + 1)
    return html[: m.start()] if m else html


def _extract(html: str, skip_tags: set[str]) -> tuple[str, bool]:
    """(text, whether a dropped element was still open at the end)."""
    parser = _TextExtractor(skip_tags)
    parser.feed(html)
    parser.close()
    unclosed = bool(parser.skip)
    blocks = "".join(parser.out).split("\x00")
    lines = []
    for block in blocks:
        # A newline in the source between two CJK characters is not a space when rendered (CSS Text
        # segment-break rules); elsewhere it is one.
        block = _SOFT_BREAK.sub(_soft_break, block).strip()
        if block:
            lines.append(block)
    return "\n".join(lines), unclosed


def _soft_break(m: re.Match[str]) -> str:
    block = m.string
    before = block[m.start() - 1] if m.start() > 0 else ""
    after = block[m.end()] if m.end() < len(block) else ""
    if before and after and WIDE.match(before) and WIDE.match(after):
        return ""
    return " "
