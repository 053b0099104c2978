"""Corpus file → `RawDocument`: txt, md, html, pdf (scans by OCR), docx and ofd read and decoded, bad files
refused with a reason."""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path

from .config import MAX_FILE_BYTES, ParseBudget
from .errors import ZIP_DAMAGE, ReadError, read_errors, require_text
from .models import RawDocument
from .text import CONTROL, NEWLINES, unify_breaks

# Suffix → RawDocument.format.
FORMATS = {
    ".txt": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".docx": "docx",
    ".ofd": "ofd",
}
SUPPORTED_SUFFIXES = tuple(FORMATS)
# Formats offices still send that no well-kept package reads reliably: refused by name, with what to do.
LEGACY = {".doc": "旧版 Word 文件（.doc）", ".wps": "WPS 文字旧版文件（.wps）", ".et": "WPS 表格文件（.et）"}
CATALOG_FILE = "catalog.toml"

# A text file is refused as binary when more than this share of its characters are control
# characters (tab and line breaks aside). Real text has none or a stray few.
_MAX_CONTROL_SHARE = 0.02
# <meta charset="gbk"> or <meta http-equiv="Content-Type" content="text/html; charset=gb2312">.
_META_CHARSET = re.compile(rb"<meta[^>]{0,500}?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]{1,40})", re.I)
# Declared Chinese encodings are decoded as GB18030, their superset: pages labelled gb2312 routinely
# hold GBK-only characters.
_GB_ALIASES = {"gb2312", "gbk", "gb18030", "x-gbk", "gb_2312-80", "gb_2312", "csgb2312", "cp936", "euc-cn"}


def scan_corpus(corpus_dir: Path) -> tuple[list[Path], list[Path]]:
    """Files of a corpus folder, sorted by name, as (supported, unsupported).

    Hidden files (our own temporary files among them), Office lock files (~$…) and the catalog are skipped;
    sub-folders are not read.
    Unsupported files are returned so the caller can report them instead of silently dropping them.
    """
    supported: list[Path] = []
    unsupported: list[Path] = []
    for path in sorted(Path(corpus_dir).iterdir(), key=lambda p: p.name):
        name = path.name
        if name.startswith((".", "~$")) or name.lower() == CATALOG_FILE:
            continue
        # A symbolic link is listed (read_file refuses it by name) but never followed here: it may point
        # outside the corpus folder, at a device or at a folder.
        if not path.is_symlink() and not path.is_file():
            continue
        (supported if path.suffix.lower() in FORMATS else unsupported).append(path)
    return supported, unsupported


def iter_corpus(corpus_dir: Path) -> list[Path]:
    """Every corpus file, sorted by name; unsupported ones included, read_file refuses them with a reason."""
    supported, unsupported = scan_corpus(corpus_dir)
    return sorted(supported + unsupported, key=lambda p: p.name)


def unsupported_reason(suffix: str) -> str:
    """Why a file of this suffix is not read, in Chinese."""
    suffix = suffix.lower()
    if suffix in LEGACY:
        return f"{LEGACY[suffix]}无法可靠读取：请另存为 DOCX 或 PDF"
    return f"不支持的文件类型 {suffix or '（无扩展名）'}"


def read_file(
    path: Path, max_bytes: int = MAX_FILE_BYTES, ocr_progress: Callable[[int, int], None] | None = None,
    budget: ParseBudget | None = None,
) -> RawDocument:
    """Read and decode one corpus file. Raises ReadError with a reason in Chinese for anything unusable.
    `ocr_progress` hears (pages done, pages to do) while scanned pages are recognised.

    A symbolic link is refused, never followed, and only a regular file is read (never a device or a pipe).
    `budget` bounds what a small file may expand to (PDF pages, DOCX parts, decoded text)."""
    path = Path(path)
    budget = budget or ParseBudget()
    source = path.name
    suffix = path.suffix.lower()
    fmt = FORMATS.get(suffix)
    if fmt is None:
        raise ReadError(source, unsupported_reason(suffix))
    data = _read_bytes(path, source, max_bytes)

    ocr_pages: list[int] = []
    if fmt == "pdf":
        sha = hashlib.sha256(data).hexdigest()
        text, ocr_pages = _read_pdf(source, data, sha, ocr_progress, budget)
        encoding = "binary"
    elif fmt == "ofd":
        from .ofd import read_ofd

        _check_zip(source, data, budget, "OFD")  # an OFD is a zip too
        text, encoding = read_ofd(source, data, budget.docx_xml_mb * 1024 * 1024), "binary"
    elif fmt == "docx":
        text, encoding = _read_docx(source, data, budget), "binary"
    elif fmt == "html":
        text, encoding = _decode_html(source, data)
    else:
        text, encoding = decode_text(source, data)
    _check_text_budget(source, len(text), budget)
    text = normalize_text(text)
    if not text.strip():
        raise ReadError(source, "文件为空")
    if fmt == "html":
        from .html_text import html_to_text

        if not html_to_text(text).strip():
            raise ReadError(source, "文件为空（网页中没有可见文字）")
    return RawDocument(
        source=source,
        path=str(path.resolve()),
        format=fmt,
        encoding=encoding,
        text=text,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        ocr_pages=ocr_pages,
    )


def _read_bytes(path: Path, source: str, max_bytes: int) -> bytes:
    """The bytes of a regular file, opened without following a link; size checked before reading."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise ReadError(source, "文件不存在") from None
    except PermissionError:
        raise ReadError(source, "无法读取文件（没有读取权限）") from None
    except OSError as e:
        if os.path.islink(path):  # ELOOP from O_NOFOLLOW
            raise ReadError(source, "是符号链接，不予读取（只读取语料目录中的普通文件）") from None
        raise ReadError(source, f"无法读取文件（{e.strerror or e}）") from None
    # Size first, from the open file, so an oversized file is never loaded into memory.
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise ReadError(source, "不是普通文件")
    with os.fdopen(fd, "rb") as f:
        if st.st_size == 0:
            raise ReadError(source, "文件为空")
        if st.st_size > max_bytes:
            raise ReadError(source, f"文件过大（{_mb(st.st_size)}，上限 {_mb(max_bytes, limit=True)}）")
        try:
            data = f.read(max_bytes + 1)  # the file may have grown since stat
        except OSError as e:
            raise ReadError(source, f"无法读取文件（{e.strerror or e}）") from None
    if len(data) > max_bytes:
        raise ReadError(source, f"文件过大（超过上限 {_mb(max_bytes, limit=True)}）")
    if not data:
        raise ReadError(source, "文件为空")
    return data


def _check_text_budget(source: str, chars: int, budget: ParseBudget) -> None:
    if chars > budget.text_chars:
        raise ReadError(source, f"文字过多（超过 {budget.text_chars:,} 字的解析预算）")


def normalize_text(text: str) -> str:
    """Line breaks to \\n (a form feed is a page break, so a line break too); other control characters out."""
    return unify_breaks(text)


def decode_text(source: str, data: bytes) -> tuple[str, str]:
    """Bytes of a text file → (text, encoding). Detected, never assumed: BOM, strict UTF-8, strict
    GB18030, then charset-normalizer. Binary content raises ReadError."""
    for bom, codec in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                       (codecs.BOM_UTF8, "utf-8-sig"),
                       (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        # UTF-16/32 (Windows Notepad's "Unicode") always carries a BOM; without one it is not guessed.
        if data.startswith(bom):
            try:
                return _checked(source, data.decode(codec), codec)
            except UnicodeDecodeError:
                break  # a BOM followed by garbage: let detection decide
    if b"\x00" in data:
        raise ReadError(source, "不是文本文件（含二进制内容）")
    for codec in ("utf-8", "gb18030"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        # GB18030 maps nearly every byte sequence to something, so its result must also look like
        # Chinese text; UTF-8 is strict enough to trust.
        if codec == "utf-8" or _plausible(text):
            return _checked(source, text, codec)
    return _checked(source, *_detect(source, data))


def _detect(source: str, data: bytes) -> tuple[str, str]:
    """Last resort: charset-normalizer's best guess."""
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
    except Exception:  # the detector is a heuristic; any failure of it means "unknown"
        best = None
    if best is None or best.encoding is None:
        ascii_part = data.translate(None, delete=bytes(range(0x80, 0x100))).decode("ascii")
        if _control_share(ascii_part) > _MAX_CONTROL_SHARE:
            raise ReadError(source, "不是文本文件（含二进制内容）")
        raise ReadError(source, "无法识别的文本编码")
    return str(best), best.encoding


def _checked(source: str, text: str, encoding: str) -> tuple[str, str]:
    if _control_share(text) > _MAX_CONTROL_SHARE:
        raise ReadError(source, "不是文本文件（含二进制内容）")
    return text, encoding


def _control_share(text: str) -> float:
    """Share of control characters other than tab and line breaks (a few stray ones are tolerated)."""
    text = NEWLINES.sub("\n", text)
    if not text:
        return 0.0
    controls = len(text) - len(CONTROL.sub("", text))
    return controls / len(text) if controls > 3 else 0.0


# What Chinese text is made of: ASCII, Latin-1, general punctuation and symbols (①, ○, →, ■ …), CJK
# (radicals, punctuation, kana, ideographs) and full-width forms. Not private-use or rare planes.
_COMMON = re.compile(r"[\t\n\r\x20-\x7e\u00a0-\u00ff\u2000-\u2bff\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")


def _plausible(text: str) -> bool:
    """Nearly all characters are ones Chinese text is made of (GB18030 decodes junk into rare ones)."""
    return len(_COMMON.sub("", text)) <= 0.05 * len(text)


def _decode_html(source: str, data: bytes) -> tuple[str, str]:
    """HTML: a BOM wins, then a <meta charset> in the first 4 KB, then the same detection as text."""
    if not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        m = _META_CHARSET.search(data[:4096])
        if m:
            declared = m.group(1).decode("ascii").lower()
            codec = "gb18030" if declared in _GB_ALIASES else declared
            try:
                codec = codecs.lookup(codec).name
                return _checked(source, data.decode(codec), codec)
            except (LookupError, UnicodeDecodeError):
                pass  # unknown or wrong declaration: detect instead
    return decode_text(source, data)


def _read_pdf(
    source: str, data: bytes, sha256: str, ocr_progress: Callable[[int, int], None] | None = None,
    budget: ParseBudget | None = None,
) -> tuple[str, list[int]]:
    """Text layer of a PDF, pages separated by a blank line, and the pages (0-based) read by OCR: those
    without a text layer that hold an image (a scan)."""
    budget = budget or ParseBudget()
    try:
        from pypdf import PdfReader
    except ImportError:
        from .errors import MissingDependencyError

        raise MissingDependencyError("读取 PDF 需要 pypdf：pip install pypdf") from None
    if b"%PDF-" not in data[:1024]:
        raise ReadError(source, "PDF 文件已损坏或不完整（不是 PDF 格式）")
    # pypdf in its lenient mode can guess its way through a cut-off file and return part of the text
    # without complaint. A PDF ends with %%EOF (allowing a little trailing junk), so a missing end
    # marker means the file is incomplete. (Not anywhere in the file: linearized PDFs have an early one.)
    if b"%%EOF" not in data[-4096:]:
        raise ReadError(source, "PDF 文件已损坏或不完整")
    with read_errors(source, (Exception, "PDF 文件已损坏或不完整")):  # pypdf raises many kinds on broken files
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            # Many PDFs are encrypted only against editing, with an empty password for reading.
            try:
                opened = reader.decrypt("")
            except Exception:  # e.g. AES without the cryptography package
                opened = 0
            if not opened:
                raise ReadError(source, "PDF 已加密")
        if len(reader.pages) > budget.pdf_pages:
            raise ReadError(source, f"PDF 页数过多（{len(reader.pages)} 页，上限 {budget.pdf_pages} 页）")
        pages = list(reader.pages)
    texts, failed, scanned, chars = [], 0, [], 0
    for i, page in enumerate(pages):
        try:
            texts.append(page.extract_text() or "")
        except Exception:
            failed += 1
            texts.append("")
            continue
        chars += len(texts[-1])
        _check_text_budget(source, chars, budget)
        if len(texts[-1].strip()) < _MIN_TEXT_LAYER and _has_image(page):
            scanned.append(i)
    if pages and failed == len(pages):
        raise ReadError(source, "PDF 文件已损坏或不完整")
    if scanned:
        from . import ocr

        if ocr.available():
            try:
                recognised = ocr.ocr_pdf_pages(data, scanned, sha256, ocr_progress)
            except Exception:  # the renderer or the model failing on one file is that file's error
                raise ReadError(source, "扫描件 PDF 的文字识别（OCR）失败") from None
            for i, page_text in recognised.items():
                texts[i] = page_text
        elif not "".join(texts).strip():
            raise ReadError(source, "PDF 没有文本层（扫描件），识别文字需要 OCR 组件：pip install 'kb[ocr]'")
        else:
            scanned = []
    text = "\n\n".join(texts)
    if not text.strip():
        raise ReadError(source, "PDF 没有文本层（可能是扫描件）")
    return text, scanned


# A page with fewer characters than this in its text layer is a scan (a page number or stamp aside).
_MIN_TEXT_LAYER = 10


def _has_image(page) -> bool:
    """Does a PDF page draw an image (directly or inside a form)?"""
    try:
        return len(page.images) > 0
    except Exception:  # an image pypdf cannot decode is still an image, if the page's resources name one
        return _declares_image(page)


def _declares_image(holder, depth: int = 0) -> bool:
    """Do the resources of a page (or of a form it draws, three deep) name an image XObject? Read without
    decoding anything. A damaged page that names none is no scan: recognising it would take seconds for
    nothing (mutated text PDFs were sent to OCR)."""
    try:
        xobjects = holder["/Resources"].get_object()["/XObject"].get_object()
        for ref in list(xobjects.values())[:1000]:
            obj = ref.get_object()
            if obj.get("/Subtype") == "/Image":
                return True
            if obj.get("/Subtype") == "/Form" and depth < 3 and _declares_image(obj, depth + 1):
                return True
    except Exception:  # unreadable resources name nothing
        return False
    return False


def _read_docx(source: str, data: bytes, budget: ParseBudget) -> str:
    """Paragraphs and table cells of a DOCX body in document order, one per line."""
    try:
        import docx
        from docx.oxml.ns import qn
        from docx.table import Table, _Cell
        from docx.text.paragraph import Paragraph

        from .docx_chunks import chunk_lines
    except ImportError:
        from .errors import MissingDependencyError

        raise MissingDependencyError("读取 DOCX 需要 python-docx：pip install python-docx") from None
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        # An OLE container: an encrypted Word file, or an old .doc renamed to .docx.
        raise ReadError(source, "DOCX 文件已加密，或是旧版 Word（.doc）格式")
    _check_zip(source, data, budget, "DOCX")
    # zip, XML and package errors all mean the same to a reader
    with read_errors(source, (Exception, "DOCX 文件已损坏")):
        document = docx.Document(io.BytesIO(data))
        lines: list[str] = []

        def walk(blocks) -> None:
            for block in blocks:
                if isinstance(block, Paragraph):
                    lines.append(block.text)
                elif isinstance(block, Table):
                    # The cells as written, each once. Not `row.cells`: it repeats a cell once per grid column
                    # it spans (a gridSpan of 10^8 is a few bytes) and finds the cell of a vertical merge by
                    # walking up row by row with an XPath query each, so a merged column of 800 rows took a
                    # minute. A merge's later rows (vMerge continue) hold nothing: the text is its first row's.
                    for tr in block._tbl.tr_lst:
                        for tc in tr.tc_lst:
                            if tc.vMerge != "continue":
                                walk(_Cell(tc, block).iter_inner_content())
                    lines.append("")

        body = document.element.body
        if body.find(qn("w:altChunk")) is None:
            walk(document.iter_inner_content())
        else:  # a body kept as embedded HTML/MHT parts (kb/docx_chunks.py), maybe between paragraphs
            for child in body.iterchildren():
                if child.tag == qn("w:altChunk"):
                    lines.extend(chunk_lines(document.part, child.get(qn("r:id"))))
                elif child.tag in (qn("w:p"), qn("w:tbl")):
                    walk([(Paragraph if child.tag == qn("w:p") else Table)(child, document._body)])
    return require_text(source, "\n".join(lines), "文件为空（文档中没有文字）")


def _check_zip(source: str, data: bytes, budget: ParseBudget, kind: str) -> None:
    """Refuse a zip bomb from the zip directory alone, before anything is decompressed. The declared sizes
    bound what is read: Python's zipfile never returns more than an entry's declared size."""
    import zipfile

    with read_errors(source, (ZIP_DAMAGE, f"{kind} 文件已损坏")):
        entries = zipfile.ZipFile(io.BytesIO(data)).infolist()
    total = sum(e.file_size for e in entries)
    limit = budget.docx_xml_mb * 1024 * 1024
    if total > limit:
        raise ReadError(source, f"{kind} 解压后过大（{_mb(total)}，上限 {_mb(limit, limit=True)}），疑似压缩炸弹")
    for e in entries:
        # Small parts compress well and harmlessly; a big part that inflates hundreds of times is a bomb.
        if e.file_size > 1024 * 1024 and e.file_size > budget.docx_ratio * max(e.compress_size, 1):
            raise ReadError(source, f"{kind} 中的 {e.filename} 压缩比异常（{e.file_size // max(e.compress_size, 1)}"
                                    f" 倍，上限 {budget.docx_ratio} 倍），疑似压缩炸弹")


def _mb(n: int, limit: bool = False) -> str:
    """52.0 MB for a size; 64 MB for a whole-megabyte limit; small limits in KB or bytes."""
    if n >= 1024 * 1024:
        mb = n / (1024 * 1024)
        return f"{mb:.0f} MB" if limit and mb == int(mb) else f"{mb:.1f} MB"
    if n >= 1024:
        kb = n / 1024
        return f"{kb:.0f} KB" if limit and kb == int(kb) else f"{kb:.1f} KB"
    return f"{n} 字节"
