"""A question as search takes it: cleaned and cut to length, the retrievers one may ask for, and how common a
term may be and still explain a match (kb/search.py and kb/answer.py both read these)."""

from __future__ import annotations

import re

MAX_QUERY_CHARS = 1000  # longer questions are cut: BM25 and the model gain nothing past this
RETRIEVERS = ("hybrid", "bm25", "dense")
# Query terms found in more than this share of all clauses (支持, 企业, 制造 in this corpus) are not marked
# in results: marked everywhere, they hide the terms that explain the match.
COMMON_TERM_SHARE = 0.4

_SURROGATES = re.compile(r"[\ud800-\udfff]")  # undecodable bytes in argv (surrogateescape); not text


def clean_query(query: str | None) -> str:
    """Undecodable bytes dropped, whitespace trimmed, at most MAX_QUERY_CHARS."""
    return _SURROGATES.sub("", query or "").strip()[:MAX_QUERY_CHARS]
