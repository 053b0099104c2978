"""Alternative-format chunks of a DOCX (`w:altChunk`): a Word file may keep its body as an embedded HTML,
MHT (MIME web archive) or plain-text part that Word converts when it opens the file. Exports from legal
databases do this: `document.xml` then holds no paragraph at all, only the chunk's reference, and a reader
of paragraphs finds an empty file. The chunk's text is read here, one block per line, in body order."""

from __future__ import annotations

import email
import email.policy
import re

from .html_text import html_to_text

_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?([A-Za-z0-9_-]{1,40})""", re.I)


def chunk_lines(part, r_id: str) -> list[str]:
    """Lines of the chunk that relationship `r_id` of `part` (the document part) names; [] for a chunk this
    reader cannot convert (an embedded DOCX or RTF) or a dangling reference."""
    related = part.related_parts.get(r_id)
    if related is None:
        return []
    content_type = (related.content_type or "").lower()
    blob: bytes = related.blob
    if content_type in ("message/rfc822", "multipart/related") or blob[:200].lstrip().upper().startswith(
            b"MIME-VERSION"):
        text = _mht_text(blob)
    elif "html" in content_type:
        text = html_to_text(_decode(blob, _declared(blob)))
    elif content_type.startswith("text/plain"):
        text = _decode(blob, None)
    else:
        return []
    return text.split("\n")


def _mht_text(blob: bytes) -> str:
    """The text of an MHT archive's first HTML part (or, without one, its first plain-text part)."""
    message = email.message_from_bytes(blob, policy=email.policy.default)
    parts = [p for p in message.walk() if not p.is_multipart()]
    for wanted in ("text/html", "text/plain"):
        for p in parts:
            if p.get_content_type() == wanted:
                payload = p.get_payload(decode=True) or b""
                text = _decode(payload, p.get_content_charset() or _declared(payload))
                return html_to_text(text) if wanted == "text/html" else text
    return ""


def _declared(data: bytes) -> str | None:
    m = _META_CHARSET.search(data[:4096])
    return m.group(1).decode("ascii") if m else None


def _decode(data: bytes, charset: str | None) -> str:
    """Bytes as text: the declared charset when Python knows it and it fits, else UTF-8, else GB18030."""
    for codec in (charset, "utf-8", "gb18030"):
        if not codec:
            continue
        try:
            return data.decode(codec)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", errors="replace")
