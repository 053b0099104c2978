"""Main-content extractors compared on government-site layouts: how kb/webpage.py's choice was made.

Each seed's cleaned paragraphs are wrapped in two templates of the kind government sites use (a <div> page
with menus, breadcrumbs, an information box, a display:none copy, related links and a footer; an old
<table> layout with a nav row, 上一篇/下一篇 and a footer). Counted: body paragraphs kept, chrome phrases
left in, bodies duplicated. readability-lxml is what kb uses; trafilatura and jusText are measured when
installed (pip install trafilatura justext).

    PYTHONPATH=$PWD python bench/web_extract.py
"""

from __future__ import annotations

import html as H
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.seeds import CORPUS, SEED_NAMES  # noqa: E402
from kb.clean import clean_text  # noqa: E402
from kb.html_text import html_to_text  # noqa: E402

NAV = "".join(f'<li><a href="/{i}">栏目{i}导航</a></li>' for i in range(30))
FOOT = '<div class="foot"><p>版权所有：某某人民政府</p><p>主办单位：某某办公室 网站标识码1234</p></div>'
CHROME = ["导航", "版权所有", "主办单位", "所在的位置", "当前位置", "相关链接", "下一篇", "分享到", "浏览次数", "索引号"]


def div_page(title: str, paras: list[str]) -> str:
    ps = "".join(f"<p>{H.escape(p)}</p>" for p in paras)
    return (f'<html><head><title>{title}_门户网站</title></head><body><div class="head"><ul>{NAV}</ul></div>'
            f'<div class="pos">您当前所在的位置：<a>首页</a> &gt; <a>政策文件</a></div>'
            f'<div class="box"><table><tr><td>索引号：</td><td>123/2024-1</td><td>发布日期：</td><td>2024-01-02</td>'
            f'</tr></table></div><div class="art"><h1>{title}</h1><div class="bar">发布时间：2024-01-02 来源：本网 '
            f'浏览次数：12</div><div class="TRS_Editor">{ps}</div><div style="display:none">{ps[:2000]}</div>'
            f'<div>分享到：<a>微信</a></div></div><div class="rel"><h3>相关链接</h3><ul><li><a>其他文件一的通知</a>'
            f'</li><li><a>其他文件二的意见</a></li></ul></div>{FOOT}</body></html>')


def table_page(title: str, paras: list[str]) -> str:
    ps = "".join(f"<p>{H.escape(p)}</p>" for p in paras)
    navs = "".join(f"<td><a>栏目{i}导航</a></td>" for i in range(12))
    return (f"<html><head><title>{title}</title></head><body><table><tr><td><table><tr>{navs}</tr></table>"
            f"<table><tr><td>当前位置：<a>首页</a> &gt;&gt; 正文</td></tr></table><table><tr><td align=center>"
            f"<b>{title}</b></td></tr><tr><td>发布时间：2024-01-02 【打印本页】【关闭窗口】</td></tr><tr><td>{ps}"
            f"</td></tr></table><table><tr><td><a>上一篇：某某通知</a><br><a>下一篇：某某意见</a></td></tr></table>"
            f"<table><tr><td>版权所有 © 某某厅 主办：某某厅办公室 ICP备00000000号</td></tr></table></td></tr></table>"
            f"</body></html>")


def readability(page: str) -> str:
    from readability import Document

    return html_to_text(Document(page).summary(html_partial=True))


def trafilatura(page: str) -> str:
    import trafilatura as t

    return t.extract(page, include_tables=True, favor_recall=True, deduplicate=False) or ""


def justext(page: str) -> str:
    import justext as j

    paragraphs = j.justext(page.encode(), frozenset(), length_low=10, length_high=40, stopwords_low=0,
                           stopwords_high=0)
    return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)


def main() -> None:
    print("| extractor | body paragraphs kept | chrome phrases left | duplicated bodies | seconds |")
    print("|---|---|---|---|---|")
    for name, fn in (("readability-lxml (kb)", readability), ("trafilatura", trafilatura), ("jusText", justext)):
        kept = total = chrome = dup = 0
        seconds = 0.0
        try:
            for path in (CORPUS / n for n in SEED_NAMES):
                paras = clean_text(path.read_text("utf-8"), "txt").split("\n")
                for template in (div_page, table_page):
                    t0 = time.perf_counter()
                    out = fn(template("某某文件标题", paras))
                    seconds += time.perf_counter() - t0
                    flat = re.sub(r"\s+", "", out)
                    kept += sum(1 for p in paras if re.sub(r"\s+", "", p) in flat)
                    total += len(paras)
                    chrome += sum(1 for c in CHROME if c in out)
                    dup += flat.count(re.sub(r"\s+", "", paras[-1])[:30]) > 1
        except ImportError:
            print(f"| {name} | not installed | | | |")
            continue
        print(f"| {name} | {kept} / {total} | {chrome} | {dup} | {seconds:.2f} |")


if __name__ == "__main__":
    main()
