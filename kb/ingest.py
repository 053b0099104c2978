"""One corpus file → a tagged `Document` and its `Clause`s: read, clean, segment, tag, apply the catalog."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .catalog import apply_catalog
from .clean import clean_text
from .config import MAX_FILE_BYTES, ParseBudget
from .models import Clause, Document, Evidence
from .read import read_file
from .responsibility import extract_responsible_units
from .segment import segment
from .tag import tag_document
from .target_reports import read_as_reported, read_own_bounds
from .target_tables import read_goal_tables
from .targets import extract_targets
from .topics import Topic, default_taxonomy, tag_topics

# Share of one file's processing done after each step, for a progress bar that moves inside a huge file
# (measured on a 50 MB text: the per-clause tags take about half of the time, cleaning a fifth).
_DONE_AFTER_READ = 0.03
_DONE_AFTER_CLEAN = 0.22
_DONE_AFTER_SEGMENT = 0.3
_DONE_AFTER_CLAUSES = 0.92
_REPORT_EVERY = 500  # clauses
_DONE_BY_OCR = 0.9

# Progress within one file: called with the share done, 0–1.
FileProgress = Callable[[float], None]


@dataclass
class Ingested:
    document: Document
    clauses: list[Clause]


# What a reviewer reads for an English front-matter key (the 依据 of a value taken from it).
_FRONT_MATTER_LABELS = {"title": "标题", "author": "作者"}


def doc_id_for(source: str) -> str:
    """A readable id from the file name: "001_3b50df308c9c2e77.txt" → "001_3b50df308c9c2e77"."""
    stem = Path(source).stem
    return re.sub(r"[^\w\u4e00-\u9fff-]+", "_", stem).strip("_") or "doc"


def doc_ids_for(sources: list[str]) -> dict[str, str]:
    """A unique id for every file name. Names that give the same readable id ("通知(2024).txt",
    "通知 2024.txt", "通知_2024.txt", or "a.txt" and "a.md") all get a digest of the whole name appended, so
    the id does not depend on which of them sorts first; the result is checked again until every id is unique."""
    by_id: dict[str, list[str]] = {}
    for source in sources:
        by_id.setdefault(doc_id_for(source), []).append(source)
    out: dict[str, str] = {}
    taken = {base for base, names in by_id.items() if len(names) == 1}
    for base, names in by_id.items():
        if len(names) == 1:
            out[names[0]] = base
            continue
        for source in names:
            digest = hashlib.sha1(source.encode("utf-8", "surrogatepass")).hexdigest()
            n = 6
            candidate = f"{base}_{digest[:n]}"
            while candidate in taken:  # a clash with another readable id or digest: a longer digest
                n += 2
                candidate = f"{base}_{digest[:n]}" if n <= len(digest) else f"{candidate}_"
            taken.add(candidate)
            out[source] = candidate
    return out


def ingest_file(
    path: Path,
    source: str | None = None,
    catalog_entry: dict | None = None,
    taxonomy: list[Topic] | None = None,
    max_bytes: int = MAX_FILE_BYTES,
    doc_id: str | None = None,
    progress: FileProgress | None = None,
    budget: ParseBudget | None = None,
) -> Ingested:
    """Read and process one file in this process. Raises ReadError for files that cannot be read.
    (A build runs this in a worker process under the parse budget: `kb.worker`.)"""
    ocr_seen = False

    def ocr_progress(done: int, total: int) -> None:
        # Recognising scanned pages takes most of such a file's time: it moves the file's share to 0.9.
        nonlocal ocr_seen
        ocr_seen = True
        if progress is not None:
            progress(_DONE_BY_OCR * done / max(total, 1))

    raw = read_file(Path(path), max_bytes=max_bytes, ocr_progress=ocr_progress, budget=budget)
    rest = progress
    if progress is not None and ocr_seen:
        def rest(share: float) -> None:
            progress(_DONE_BY_OCR + (1 - _DONE_BY_OCR) * share)
    if rest is not None:
        rest(_DONE_AFTER_READ)
    source = source or raw.source
    result = ingest_text(raw.text, source, raw.format, raw.encoding, raw.sha256, catalog_entry, taxonomy, doc_id,
                         progress=rest)
    if raw.ocr_pages:
        pages = "、".join(str(p + 1) for p in raw.ocr_pages)
        result.document.provenance["ocr"] = Evidence(
            [p + 1 for p in raw.ocr_pages], "derived", f"第{pages}页没有文本层，文字经 OCR 识别（PP-OCRv5），请核对原件"
        )
    return result


def ingest_text(
    text: str,
    source: str,
    fmt: str = "txt",
    encoding: str = "utf-8",
    sha256: str = "",
    catalog_entry: dict | None = None,
    taxonomy: list[Topic] | None = None,
    doc_id: str | None = None,
    progress: FileProgress | None = None,
) -> Ingested:
    """Process already-decoded text (the part of the pipeline after reading). `progress` hears the share done."""
    report = progress or _silent
    taxonomy = taxonomy if taxonomy is not None else default_taxonomy()
    cleaned = clean_text(text, fmt)
    report(_DONE_AFTER_CLEAN)
    doc_id = doc_id or doc_id_for(source)
    clauses, layout = segment(cleaned, doc_id, source)
    report(_DONE_AFTER_SEGMENT)
    for i, c in enumerate(clauses, 1):
        c.topics = tag_topics(c.text, taxonomy, heading=c.heading)
        c.targets = extract_targets(c.text)
        c.responsible_units = extract_responsible_units(c.text)
        if i % _REPORT_EVERY == 0:
            report(_DONE_AFTER_SEGMENT + (_DONE_AFTER_CLAUSES - _DONE_AFTER_SEGMENT) * i / len(clauses))
    read_goal_tables(clauses)
    report(_DONE_AFTER_CLAUSES)
    doc = Document(id=doc_id, source=source, format=fmt, encoding=encoding, sha256=sha256, text=cleaned)
    own = [c for c in clauses if c.kind != "release"]
    if own:
        doc.body_start, doc.body_end = own[0].start, own[-1].end
    else:  # nothing but a header or signature: no body to cover
        doc.body_start = doc.body_end = 0
    page = None
    if fmt in ("html", "htm"):
        from .webpage import read_page

        web = read_page(text)
        page = {k: (v, web.evidence.get(k, "网页")) for k, v in web.fields.items()}
    else:
        from .markup import front_matter
        from .title import stated_title
        from .webpage import field_of_label, head_fields

        fields, _ = front_matter(text) if fmt in ("md", "markdown") else ({}, text)
        # The front matter's title and 文号 are stated by whoever published the file; its author or issuing
        # unit stands in for missing issuers (inferred); its date is a publication date, not the document's.
        # Keys are English (title:, author:) or the labels of a page's information box (标题:, 文号:, 发布单位:).
        page = {}
        for name, value in fields.items():
            key = {"title": "title", "author": "source"}.get(name) or field_of_label(name)
            key = "source" if key == "issuers" else key
            if key in ("title", "doc_number", "source") and key not in page:
                page[key] = (value, f"文件元数据：{_FRONT_MATTER_LABELS.get(name, name)}")
        # Labelled lines at the head of the text (标题：, 文号：, 成文日期：, 发文机关：), as a crawler writes them:
        # read like a page's box, but an issuing unit there only stands in for missing issuers (inferred).
        for key, (value, where) in head_fields(cleaned).items():
            key = "source" if key == "issuers" else key
            if key in ("title", "doc_number", "date", "source") and (
                    key not in page or key == "title" and not stated_title(page[key][0])):
                page[key] = (value, where)  # a box's title over metadata that names only the issuer
    for key, ev in tag_document(layout, clauses, page).items():
        setattr(doc, key, ev.value)
        doc.provenance[key] = ev
    if not doc.title:
        doc.title = Path(source).stem
        doc.provenance["title"] = Evidence(doc.title, "default", "正文无可识别标题，暂用文件名")
    apply_catalog(doc, catalog_entry)
    read_as_reported(doc.title, clauses)
    read_own_bounds(clauses)
    doc.clause_count = len(clauses)
    report(1.0)
    return Ingested(doc, clauses)


def _silent(share: float) -> None:
    pass


# A document touching every stage: a real place (the gazetteer and its tokenizer), a 文号, targets, units.
_WARM_UP = ("关于支持南京、苏州两地制造业发展的若干措施\n宁政办发〔2024〕1号\n各区人民政府，各有关部门：\n"
            "一、总体要求\n（一）加强组织领导。到2025年，制造业贷款增速不低于10%。（责任单位：市金融局）\n"
            "2024年4月3日\n")


def warm_up() -> None:
    """Load the lazily loaded data every document needs (taxonomy, gazetteer and its tokenizer, dictionaries,
    the HTML readers): about a second, paid once per process, so it is not charged to whichever file comes
    first (kb/worker.py before its first file; bench/fuzz.py before it times anything)."""
    ingest_text(_WARM_UP, "warm-up.txt")
    html = "<html><body><p>" + _WARM_UP.replace("\n", "</p><p>") + "</p></body></html>"
    ingest_text(html, "warm-up.html", fmt="html")
