"""Hits → citations: one clause ready to cite (document metadata, the clause text, a GB/T 7714 reference line,
an in-text locator) and the text normalisation every export format shares (kb/export.py writes the files)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from kb.models import CITED_FIELDS, INFERRED_MARK, STATUS_LABELS, Clause, Document, Hit, marked
from kb.outline import split_path
from kb.text import no_spaces, quote_title

DRAFT_MARK = "征求意见稿"
UNKNOWN_TITLE = "未注明题名"  # a reference line's title when the document states none

# GB/T 7714-2015 appendix B has no type code for 政策文件. A 红头文件 issued by a state organ is an official
# record (公文), which the standard's type list files under 档案 [A]; [Z] (其他) would say nothing.
# Read online, the carrier decides and the line becomes [EB/OL] with 更新日期, 引用日期 and the URL (电子资源).
TYPE_CODE = "A"
ONLINE_TYPE_CODE = "EB/OL"
MAX_CREATORS = 3  # GB/T 7714-2015 (著录细则): list the first three creators, then “, 等”


@dataclass
class Citation:
    """One clause ready to cite: document metadata, the clause text, a reference line and an in-text locator."""

    index: int  # 1-based position in the list
    title: str
    title_quoted: str  # 《title》, inner 《》 turned into 〈〉
    issuers: list[str] = field(default_factory=list)
    issuers_text: str = ""  # joined with 、
    doc_number: str = ""  # 文号
    date: str = ""  # ISO yyyy-mm-dd, or ""
    level_label: str = ""  # 国家 | 省级 | 市级 | 县级 | 未知
    region: str = ""
    status_label: str = ""  # 征求意见稿 | 正式稿
    path: str = ""  # e.g. 三、（九）
    position: str = ""  # readable path, e.g. 第三部分第（九）项, or 前言
    heading: str = ""
    text: str = ""  # the clause text, whitespace normalised
    source: str = ""  # file name
    clause_id: str = ""
    source_url: str = ""
    reference: str = ""  # GB/T 7714-2015 line for the document, from stated and catalog values only
    locator: str = ""  # e.g. 《…的通知》（金发〔2024〕5号）第三部分第（九）项
    provenance: dict[str, str] = field(default_factory=dict)  # field → stated | catalog | inferred | missing

    def shown(self, name: str) -> str:
        """A document field as exported: "未注明" when missing, "…（推断）" when inferred."""
        values = {"title": self.title, "issuers": self.issuers_text, "doc_number": self.doc_number,
                  "date": self.date, "level": "" if self.level_label == "未知" else self.level_label,
                  "region": self.region, "status": self.status_label}
        return marked(values[name], self.provenance.get(name, "stated" if values[name] else "missing"))

    @property
    def is_draft(self) -> bool:
        return self.status_label == STATUS_LABELS["draft"]


def citation_from(
    clause: Clause, document: Document, accessed: date | None = None, *, index: int = 1
) -> Citation:
    """Build a citation; `accessed` is the 引用日期 of online documents (today when not given)."""
    title = clean_line(document.title)
    issuers = [name for name in (clean_line(i) for i in document.issuers) if name]
    doc_number = compact_line(document.doc_number)
    draft = document.status == "draft"
    position = position_label(clause.path, clause.kind)
    shown = display_title(title or clean_line(document.source) or "未命名文件", draft)
    kinds = {name: document.field_provenance(name) for name in CITED_FIELDS}
    title_mark = INFERRED_MARK if kinds["title"] == "inferred" else ""
    quoted_number = f"（{doc_number}）" if doc_number else ""
    return Citation(
        index=index,
        title=title,
        title_quoted=quote_title(title) if title else "",
        issuers=issuers,
        issuers_text="、".join(issuers),
        doc_number=doc_number,
        date=clean_line(document.date),
        level_label=document.level_label,
        region=clean_line(document.region),
        status_label=document.status_label,
        path=compact_line(clause.path),
        position=position,
        heading=clean_line(clause.heading),
        text=clean_line(clause.text),
        source=document.source or clause.source,
        clause_id=clause.id,
        source_url=document.source_url.strip(),
        reference=reference_line(document, accessed),
        locator=f"{quote_title(shown)}{title_mark}{quoted_number}{position}",
        provenance=kinds,
    )


def citations_from(
    items: Iterable[Hit | tuple[Clause, Document]], accessed: date | None = None
) -> list[Citation]:
    """Number search hits or (clause, document) pairs from 1, in the order given."""
    out = []
    for i, item in enumerate(items, start=1):
        clause, document = (item.clause, item.document) if isinstance(item, Hit) else item
        out.append(citation_from(clause, document, accessed, index=i))
    return out


def reference_line(document: Document, accessed: date | None = None) -> str:
    """GB/T 7714-2015 entry, e.g. `机关A, 机关B. 题名: 文号[A]. 2024-04-03.`; online adds dates and URL.

    Built only from what the document states or the catalog gives: an inferred issuer or date is left out,
    an inferred title is replaced by 未注明题名, so a pasted reference never presents a guess as fact."""
    def known(name: str) -> bool:
        return document.field_provenance(name) in ("stated", "catalog")

    issuers = [name for name in (clean_line(i) for i in document.issuers) if name] if known("issuers") else []
    if len(issuers) > MAX_CREATORS:
        issuers = [*issuers[:MAX_CREATORS], "等"]
    title = display_title(
        (clean_line(document.title) if known("title") else "") or UNKNOWN_TITLE, document.status == "draft"
    )
    doc_number = compact_line(document.doc_number) if known("doc_number") else ""
    issued = clean_line(document.date) if known("date") else ""
    url = document.source_url.strip()

    head = f"{', '.join(issuers)}. " if issuers else ""
    head += title + (f": {doc_number}" if doc_number else "")
    if not url:
        return f"{head}[{TYPE_CODE}]." + (f" {issued}." if issued else "")
    cited = (accessed or date.today()).isoformat()
    dates = (f"({issued})" if issued else "") + f"[{cited}]"
    return f"{head}[{ONLINE_TYPE_CODE}]. {dates}. {url}."


# How each outline level reads in a sentence; we call them 部分 / 项 / 条 / 点, the words staff use in briefings.
_LEVEL_WORDS = {"part": "第{}部分", "measure": "第（{}）项", "item": "第{}条", "point": "第（{}）点"}
_UNNUMBERED = {"preamble": "前言", "closing": "结尾", "release": "发布说明"}


def position_label(path: str, kind: str = "") -> str:
    """Readable place of a clause: 三、（九） → 第三部分第（九）项; unknown shapes come back unchanged."""
    path = compact_line(path)
    if not path:
        return _UNNUMBERED.get(kind, "前言")
    parts = []
    for level, marker, number in split_path(path):
        if not level:
            return path  # e.g. 附件1, ①: better verbatim than half-translated
        parts.append(marker if level == "named" else _LEVEL_WORDS[level].format(number))
    return "".join(parts)


ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff]")
_WIDE = r"\u2014\u2018-\u201d\u2026\u00b7\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
# PDF text breaks lines mid-sentence: a break next to a Chinese character is an artefact, not a space.
# A run is tried from its first space only (and never given back): linear even on a huge run of spaces.
_WIDE_GAP = re.compile(rf"(?<=[{_WIDE}])\s+|(?<!\s)\s++(?=[{_WIDE}])")


def clean_line(text: str | None) -> str:
    """One line: control characters removed, spaces dropped next to Chinese, other runs collapsed."""
    text = _INVISIBLE.sub("", ILLEGAL_XML.sub("", text or ""))
    text = _WIDE_GAP.sub("", text.strip())
    return re.sub(r"\s+", " ", text)


def compact_line(text: str | None) -> str:
    """No whitespace at all: 文号 and outline paths (金发〔2024〕5 号 → 金发〔2024〕5号)."""
    return no_spaces(ILLEGAL_XML.sub("", text or ""))


def display_title(title: str, draft: bool) -> str:
    return f"{title}（{DRAFT_MARK}）" if draft and DRAFT_MARK not in title else title
