"""OFD (GB/T 33190, the national format of e-government documents) → text: a small reader over its zip + XML.

An OFD package holds OFD.xml → Doc_N/Document.xml → one Content.xml a page, where text sits in TextObject /
TextCode elements placed by coordinates (mm). Lines are rebuilt from those positions. (easyofd, the PyPI
reader, converts through PyMuPDF, which is AGPL-licensed and 25 MB; reading the text needs only this.)
"""

from __future__ import annotations

import io
import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
import zlib

from .errors import ZIP_DAMAGE, ReadError, read_errors, require_text
from .text import join_placed

# Uncompressed bytes a package may expand to, in all: a zip bomb is refused, not unpacked.
MAX_UNPACKED = 256 * 1024 * 1024
_NUMBERS = re.compile(r"-?\d+(?:\.\d+)?")
_DEFAULT_SIZE = 3.5  # mm: 五号 text, when a TextObject gives no Size
# What a damaged package raises while a part is read and parsed: the zip's own damage, a broken deflate stream,
# broken XML.
_DAMAGE = (ET.ParseError, zlib.error, *ZIP_DAMAGE)


def read_ofd(source: str, data: bytes, max_unpacked: int = MAX_UNPACKED) -> str:
    """Text of every page in order, pages separated by a blank line. Raises ReadError on a broken file.

    `max_unpacked` bounds the XML parsed, counting a part each time it is referred to: pages may share one
    content part, so the package's own size says nothing about the work (a 50 KB file of 200 pages sharing
    one 5 MB part is a gigabyte of XML)."""
    with read_errors(source, (ZIP_DAMAGE, "OFD 文件已损坏（不是有效的 OFD 压缩包）")):
        package = zipfile.ZipFile(io.BytesIO(data))
    with package:
        if sum(info.file_size for info in package.infolist()) > max_unpacked:
            raise ReadError(source, "OFD 文件解压后过大，已拒绝")
        names = _names_by_tail(package.namelist())
        with read_errors(source, (KeyError, "OFD 文件已损坏（缺少 OFD.xml）"), (_DAMAGE, "OFD 文件已损坏（OFD.xml 无法解析）")):
            root = ET.fromstring(package.read("OFD.xml"))
        with read_errors(source, ((KeyError, *_DAMAGE), "OFD 文件已损坏（页面内容无法解析）")):
            # Every page's part first, so the XML to parse (a shared part once per page) is known before any.
            parts: list[str] = []
            for doc_root in _all(root, "DocRoot"):
                doc_path = _member(package, names, "", doc_root.text or "")
                base = posixpath.dirname(doc_path)
                for page in _all(ET.fromstring(package.read(doc_path)), "Page"):
                    parts.append(_member(package, names, base, page.get("BaseLoc") or ""))
            if sum(package.getinfo(part).file_size for part in parts) > max_unpacked:
                raise ReadError(source, f"OFD 页面内容过多（{len(parts)} 页共用的内容解析后超过 "
                                        f"{max_unpacked // (1024 * 1024)} MB），疑似恶意文件，已拒绝")
            pages = ["\n".join(_page_lines(ET.fromstring(package.read(part)))) for part in parts]
    return require_text(source, "\n\n".join(pages), "OFD 没有文字层（可能是扫描件）")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _all(root: ET.Element, name: str) -> list[ET.Element]:
    """Elements of that local name at any depth, in document order (the ofd: namespace varies)."""
    return [el for el in root.iter() if isinstance(el.tag, str) and _local(el.tag) == name]


def _names_by_tail(names: list[str]) -> dict[str, str]:
    """Each name and each of its tails after a "/", in lower case → the first name of the package so written.
    Some writers omit the folder of a relative location or write it in another case: a tail finds it in
    one lookup (scanning every name for every page was quadratic)."""
    out: dict[str, str] = {}
    for name in reversed(names):  # earlier names overwrite later ones: the first one wins
        low = name.lower()
        out[low] = name
        for i, ch in enumerate(low):
            if ch == "/":
                out[low[i + 1:]] = name
    return out


def _member(package: zipfile.ZipFile, names: dict[str, str], base: str, loc: str) -> str:
    """A location inside the package: absolute ("/Doc_0/…") or relative to the referring file's folder."""
    loc = loc.strip().replace("\\", "/")
    path = posixpath.normpath(loc.lstrip("/") if loc.startswith("/") else posixpath.join(base, loc))
    if path in package.NameToInfo:
        return path
    try:
        return names[path.lower()]
    except KeyError:
        raise KeyError(path) from None


def _page_lines(content: ET.Element) -> list[str]:
    """Text pieces placed by their coordinates, grouped into lines top to bottom, left to right."""
    pieces: list[tuple[float, float, float, str]] = []  # (y, x, size, text)
    for obj in _all(content, "TextObject"):
        box = [float(v) for v in _NUMBERS.findall(obj.get("Boundary") or "")] + [0.0, 0.0]
        size = float(obj.get("Size") or _DEFAULT_SIZE)
        for code in _all(obj, "TextCode"):
            text = code.text or ""
            if not text.strip():
                continue
            x = box[0] + float(code.get("X") or 0)
            y = box[1] + float(code.get("Y") or 0)
            pieces.append((y, x, size, text))
    pieces.sort(key=lambda p: (p[0], p[1]))
    lines: list[list[tuple[float, float, float, str]]] = []
    for piece in pieces:
        if lines and abs(piece[0] - lines[-1][0][0]) <= 0.5 * max(piece[2], lines[-1][0][2]):
            lines[-1].append(piece)
        else:
            lines.append([piece])
    # A piece's right edge is estimated from its characters, each `size` wide.
    return [join_placed((x, x + len(text) * size, size, text) for _, x, size, text in sorted(line, key=lambda p: p[1]))
            for line in lines]
