"""Traditional characters (a portal's big5 gate, a Hong Kong or Taiwan copy): a simplified copy of a text for
matching the names of places and bodies, which kb/data and kb/regions write in simplified characters. The
document's own values (title, 文号, issuers) stay as printed; only matching reads the copy."""

from __future__ import annotations

from functools import lru_cache

from .grammar import TRADITIONAL_HINT

# A text is read as traditional when this many hint characters stand among its first _SAMPLE characters.
_HINTS = 3
_SAMPLE = 2000


def is_traditional(text: str) -> bool:
    return len(TRADITIONAL_HINT.findall(text[:_SAMPLE])) >= _HINTS


def simplified(text: str, traditional: bool | None = None) -> str:
    """`text` in simplified characters (OpenCC t2s, phrase by phrase); unchanged when it is not traditional (as
    `traditional` says of the document it is from, or as its own characters show) or opencc-purepy is missing."""
    if not text or not (is_traditional(text) if traditional is None else traditional):
        return text
    converter = _converter()
    return converter.convert(text) if converter else text


@lru_cache(maxsize=1)
def _converter():
    try:
        from opencc_purepy import OpenCC
    except ImportError:
        return None
    return OpenCC("t2s")
