"""Whether a change kept the pipeline's output: every file of corpus/ and tests/fixtures/ ingested (read, clean,
segment, tag), its document and clauses written as JSON lines, and compared with a saved run.

    python bench/same_output.py --write /tmp/before.jsonl     # on the code before the change
    python bench/same_output.py --against /tmp/before.jsonl   # after it: exit 1 and the files that differ
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from kb.errors import ReadError
from kb.ingest import ingest_file

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("corpus", "tests/fixtures")
FORMATS = {".txt", ".md", ".html", ".htm", ".pdf", ".docx", ".ofd"}


def files() -> list[Path]:
    return sorted(p for d in FOLDERS for p in (ROOT / d).rglob("*") if p.is_file() and p.suffix.lower() in FORMATS)


def outputs() -> dict[str, str]:
    """File (relative to the repository) → its document and clauses as one JSON line (or the read error)."""
    out = {}
    for path in files():
        name = str(path.relative_to(ROOT))
        try:
            got = ingest_file(path, source=path.name)
            record = {"document": got.document.to_dict(), "clauses": [c.to_dict() for c in got.clauses]}
        except ReadError as e:
            record = {"error": str(e)}
        out[name] = json.dumps(record, ensure_ascii=False, sort_keys=True, default=str)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", type=Path, help="save this run's output here")
    group.add_argument("--against", type=Path, help="compare this run's output with a saved one")
    args = ap.parse_args()
    now = outputs()
    if args.write:
        args.write.write_text("".join(json.dumps([k, v], ensure_ascii=False) + "\n" for k, v in now.items()), "utf-8")
        print(f"{len(now)} files written to {args.write}")
        return 0
    before = dict(json.loads(line) for line in args.against.read_text("utf-8").splitlines())
    differ = sorted(k for k in before.keys() | now.keys() if before.get(k) != now.get(k))
    for k in differ:
        print(f"differs: {k}")
    print(f"{len(now)} files, {len(differ)} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
