"""Each benchmark script owns one marked section of bench/RESULTS.md and replaces only that section."""

from __future__ import annotations

import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
ORDER = ["main", "quality", "thesaurus", "compare", "experiments", "scale", "backends", "load", "fuzz", "real"]


def update_section(name: str, text: str, path: Path = RESULTS) -> None:
    body = path.read_text("utf-8") if path.exists() else "# Benchmark results\n"
    block = f"<!-- {name} -->\n{text.strip()}\n<!-- /{name} -->"
    pattern = re.compile(rf"<!-- {name} -->.*?<!-- /{name} -->", re.S)
    if pattern.search(body):
        body = pattern.sub(lambda _: block, body)
    else:
        body = body.rstrip() + "\n\n" + block + "\n"
    # Keep sections in a fixed order so the file reads top to bottom.
    sections = {n: m.group(0) for n in ORDER if (m := re.search(rf"<!-- {n} -->.*?<!-- /{n} -->", body, re.S))}
    head = re.split(r"<!-- \w+ -->", body, maxsplit=1)[0].rstrip()
    path.write_text(head + "\n\n" + "\n\n".join(sections[n] for n in ORDER if n in sections) + "\n", "utf-8")
