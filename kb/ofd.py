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

from .errors import ReadError

# Uncompressed bytes a package may expand to, in all: a zip bomb is refused, not unpacked.
MAX_UNPACKED = 256 * 1024 * 1024
_NUMBERS = re.compile(r"-?\d+(?:\.\d+)?")
_DEFAULT_SIZE = 3.5  # mm: 五号 text, when a TextObject gives no Size


def read_ofd(source: str, data: bytes) -> str:
    """Text of every page in order, pages separated by a blank line. Raises ReadError on a broken file."""
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ReadError(source, "OFD 文件已损坏（不是有效的 OFD 压缩包）") from None
    with package:
        if sum(info.file_size for info in package.infolist()) > MAX_UNPACKED:
            raise ReadError(source, "OFD 文件解压后过大，已拒绝")
        try:
            root = _xml(package, "OFD.xml")
        except KeyError:
            raise ReadError(source, "OFD 文件已损坏（缺少 OFD.xml）") from None
        pages: list[str] = []
        try:
            for doc_root in _all(root, "DocRoot"):
                doc_path = _member(package, "", doc_root.text or "")
                document = _xml(package, doc_path)
                base = posixpath.dirname(doc_path)
                for page in _all(document, "Page"):
                    loc = page.get("BaseLoc") or ""
                    content = _xml(package, _member(package, base, loc))
                    pages.append("\n".join(_page_lines(content)))
        except (KeyError, ET.ParseError, ValueError):
            raise ReadError(source, "OFD 文件已损坏（页面内容无法解析）") from None
    text = "\n\n".join(pages)
    if not text.strip():
        raise ReadError(source, "OFD 没有文字层（可能是扫描件）")
    return text


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _all(root: ET.Element, name: str) -> list[ET.Element]:
    """Elements of that local name at any depth, in document order (the ofd: namespace varies)."""
    return [el for el in root.iter() if isinstance(el.tag, str) and _local(el.tag) == name]


def _xml(package: zipfile.ZipFile, name: str) -> ET.Element:
    return ET.fromstring(package.read(name))


def _member(package: zipfile.ZipFile, base: str, loc: str) -> str:
    """A location inside the package: absolute ("/Doc_0/…") or relative to the referring file's folder."""
    loc = loc.strip().replace("\\", "/")
    path = posixpath.normpath(loc.lstrip("/") if loc.startswith("/") else posixpath.join(base, loc))
    if path in package.NameToInfo:
        return path
    # Some writers omit the folder of a relative location; match the tail case-insensitively then.
    tail = path.lower()
    for name in package.namelist():
        if name.lower() == tail or name.lower().endswith("/" + tail):
            return name
    raise KeyError(path)


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
    out = []
    for line in lines:
        line.sort(key=lambda p: p[1])
        parts, end = [], None
        for _, x, size, text in line:
            if end is not None and x - end > 2 * size:
                parts.append("    ")  # a column gap, e.g. the two halves of a 版记 line
            parts.append(text)
            end = x + len(text) * size
        out.append("".join(parts))
    return out
