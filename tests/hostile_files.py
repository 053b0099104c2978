"""Generators of hostile and unlucky corpus files (issue 10): small by default for tests, full size for
`bench/hostile.py`. Each returns bytes; nothing here is tuned to a particular document."""

from __future__ import annotations

import io
import zipfile
import zlib

BODY = "一、总体要求\n（一）加强组织领导。各单位要加强组织领导，落实工作责任。\n"


def decorated_text(hashes: int = 40) -> bytes:
    """A policy text with a decorative line of `#` and a deep `> > >` quote (exponential for the old _LEAD)."""
    return ("关于加强装饰线测试的通知\n" + "#" * hashes + "\n" + "> " * hashes + "\n" + BODY
            + "二、保障措施\n（二）装饰线条款独有短语甲乙丙。\n").encode()


def docx_bomb(inflated_mb: int = 240) -> bytes:
    """A DOCX whose document.xml inflates to `inflated_mb` MB from a few hundred KB (a zip bomb)."""
    head = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>')
    para = "<w:p><w:r><w:t>炸弹</w:t></w:r></w:p>"
    tail = "</w:body></w:document>"
    n = inflated_mb * 1024 * 1024 // len(para.encode())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/'
                   'vnd.openxmlformats-package.relationships+xml"/><Override PartName="/word/document.xml" ContentType'
                   '="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
                   'openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
                   '</Relationships>')
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            f.write(head.encode())
            block = (para * 4096).encode()
            for _ in range(n // 4096):
                f.write(block)
            f.write(tail.encode())
    return buf.getvalue()


def shared_stream_pdf(pages: int = 200, stream_mb: float = 5.0) -> bytes:
    """A PDF of `pages` pages that all draw one shared content stream of `stream_mb` MB (compressed to a few KB)."""
    op = b"BT /F1 12 Tf 72 700 Td (policy) Tj ET\n"
    content = zlib.compress(op * int(stream_mb * 1024 * 1024 / len(op)), 9)
    first_page = 5
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % (first_page + i) for i in range(pages))
        + b"] /Count %d >>" % pages,
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    page = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R "
            b"/Resources << /Font << /F1 4 0 R >> >> >>")
    objects += [page] * pages
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def shared_content_ofd(pages: int = 200, content_kb: int = 5120) -> bytes:
    """An OFD whose `pages` pages all refer to one content part of about `content_kb` KB (the PDF case's twin:
    a small package, pages times the part in XML)."""
    ns = "http://www.ofdspec.org/2016"
    line = '<ofd:TextObject ID="{i}" Boundary="25 {y} 50 6" Size="4.2"><ofd:TextCode X="0" Y="4.5">{text}</ofd:TextCode></ofd:TextObject>'
    objects, size, i = [], 0, 0
    while size < content_kb * 1024:
        objects.append(line.format(i=i, y=30 + i % 30 * 8, text="各单位要加强组织领导，落实工作责任。"))
        size += len(objects[-1].encode())
        i += 1
    refs = "".join(f'<ofd:Page ID="{n + 10}" BaseLoc="Pages/Page_0/Content.xml"/>' for n in range(pages))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("OFD.xml", f'<ofd:OFD xmlns:ofd="{ns}"><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml'
                              "</ofd:DocRoot></ofd:DocBody></ofd:OFD>")
        z.writestr("Doc_0/Document.xml", f'<ofd:Document xmlns:ofd="{ns}"><ofd:Pages>{refs}</ofd:Pages></ofd:Document>')
        z.writestr("Doc_0/Pages/Page_0/Content.xml", f'<ofd:Page xmlns:ofd="{ns}"><ofd:Content><ofd:Layer ID="1">'
                                                     f'{"".join(objects)}</ofd:Layer></ofd:Content></ofd:Page>')
    return buf.getvalue()


def quadratic_html(n: int = 60_000) -> bytes:
    """`n` unclosed <nav> then `n` stray </b>: quadratic for a parser that scans its open-element list."""
    return ("<html><body><p>" + BODY.replace("\n", "</p><p>") + "</p>" + "<nav>" * n + "</b>" * n
            + "</body></html>").encode()


def unterminated_html(n: int = 50_000) -> bytes:
    """A page ending in `n` unterminated comment openings (quadratic in Python's own HTML parser)."""
    return ("<html><body><p>" + BODY.replace("\n", "</p><p>") + "</p>" + "<!--" * n).encode()


LOOKALIKE_NAMES = ("通知(2024).txt", "通知 2024.txt", "通知_2024.txt")


def lookalike_text(i: int) -> bytes:
    """A document whose measure holds a phrase of its own (so a hit shows which file it came from)."""
    return (f"关于第{i}号同名测试的通知\n一、总体要求\n（一）独有措施{i}号：推进第{i}号专项工作落实。\n"
            f"（二）各单位按照第{i}号方案执行。\n").encode()


OUTSIDE_PHRASE = "机密口令甲乙丙丁"
OUTSIDE_TEXT = f"一、总体要求\n（一）{OUTSIDE_PHRASE}，不得外传。\n".encode()
BAD_NAMES = ("bomb.docx", "shared.pdf", "passwd.txt")


def write_corpus(root, small: bool = True):
    """The issue's "Done when" corpus under `root`: (corpus folder, the outside file its link points at).

    Small sizes for the test (a 3 MB bomb, a 20-page PDF of a 0.5 MB stream, 20k-tag HTML); full size for
    bench/hostile.py (a 240 MB bomb, 200 pages of a 5 MB stream, 60k tags)."""
    from pathlib import Path

    root = Path(root)
    corpus, outside = root / "corpus", root / "outside"
    corpus.mkdir(parents=True)
    outside.mkdir(parents=True)
    secret = outside / "secret.txt"
    secret.write_bytes(OUTSIDE_TEXT)
    files = {
        "decorated.txt": decorated_text(40),
        "decorated.md": decorated_text(40),
        "bomb.docx": docx_bomb(3 if small else 240),
        "shared.pdf": shared_stream_pdf(20, 0.5) if small else shared_stream_pdf(200, 5.0),
        "nav.html": quadratic_html(20_000 if small else 60_000),
    }
    files.update({name: lookalike_text(i) for i, name in enumerate(LOOKALIKE_NAMES)})
    for name, data in files.items():
        (corpus / name).write_bytes(data)
    (corpus / "passwd.txt").symlink_to(secret)
    return corpus, secret
