"""Each benchmark script owns one marked section of bench/RESULTS.md and replaces only that section."""

from __future__ import annotations

import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
ORDER = ["main", "latency", "quality", "thesaurus", "compare", "experiments", "scale", "backends", "load", "fuzz",
         "real"]
_SECTION = re.compile(r"<!-- (\w+) -->.*?<!-- /\1 -->", re.S)


def update_section(name: str, text: str, path: Path = RESULTS) -> None:
    body = path.read_text("utf-8") if path.exists() else "# Benchmark results\n"
    block = f"<!-- {name} -->\n{text.strip()}\n<!-- /{name} -->"
    pattern = re.compile(rf"<!-- {name} -->.*?<!-- /{name} -->", re.S)
    if pattern.search(body):
        body = pattern.sub(lambda _: block, body)
    else:
        body = body.rstrip() + "\n\n" + block + "\n"
    # Keep sections in a fixed order so the file reads top to bottom; a section ORDER does not name (one written
    # by hand) keeps its place after the section it followed, never dropped.
    found = [(m.group(1), m.group(0)) for m in _SECTION.finditer(body)]
    rank: dict[str, float] = {}
    for i, (n, _) in enumerate(found):
        rank[n] = ORDER.index(n) if n in ORDER else (rank[found[i - 1][0]] + 0.001 * i if i else -1.0)
    head = re.split(r"<!-- \w+ -->", body, maxsplit=1)[0].rstrip()
    ordered = [text for _, text in sorted(found, key=lambda f: rank[f[0]])]
    path.write_text(head + "\n\n" + "\n\n".join(ordered) + "\n", "utf-8")
