"""The issue-10 hostile corpus at full size: a 40-`#` line, a 240 MB DOCX bomb, a 200-page PDF sharing one 5 MB
content stream, 60k `<nav>` + 60k `</b>` HTML, three look-alike names and a link to a file outside. Builds it with
`kb build` in a child process and reports wall time, peak memory (largest process: the build or its parse
worker), exit code, the refused files, and whether the corpus is byte-identical afterwards.

    python bench/hostile.py            # default parse budget (20 s + 3 s/MB a file)
    python bench/hostile.py --small    # the sizes tests/test_hostile.py uses
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import hostile_files as hf  # noqa: E402


def snapshot(corpus: Path) -> dict[str, str]:
    import hashlib

    out = {}
    for p in sorted(corpus.iterdir()):
        out[p.name] = f"link:{os.readlink(p)}" if p.is_symlink() else hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--small", action="store_true", help="small sizes (as in the test)")
    p.add_argument("--model", default="hash", help="embedding model for the build (default: the fake `hash`)")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kb-hostile-") as tmp:
        t = time.perf_counter()
        corpus, outside = hf.write_corpus(Path(tmp), small=args.small)
        print(f"corpus written in {time.perf_counter() - t:.1f} s:")
        for f in sorted(corpus.iterdir()):
            size = "link" if f.is_symlink() else f"{f.stat().st_size:,} bytes"
            print(f"  {f.name:24s} {size}")
        before = snapshot(corpus)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "kb.cli", "build", str(corpus), "--index", str(Path(tmp) / "index"),
                               "--model", args.model], capture_output=True, text=True, env=env)
        took = time.perf_counter() - t
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"\nkb build: exit {proc.returncode}, {took:.1f} s wall, peak memory {peak_mb:.0f} MB (largest process)")
        print(proc.stdout.strip())
        print(proc.stderr.strip())
        same = snapshot(corpus) == before and outside.read_bytes() == hf.OUTSIDE_TEXT
        print(f"corpus byte-identical: {same}")
        from kb.search import KnowledgeBase

        kb = KnowledgeBase.load(Path(tmp) / "index")
        docs = sorted(d.source for d in kb.documents)
        print(f"indexed: {docs}")
        leaked = any(hf.OUTSIDE_PHRASE in c.text for c in kb.clauses)
        print(f"text from outside indexed: {leaked}")
        ok = (proc.returncode == 1 and took < 60 and peak_mb < 2048 and same and not leaked
              and set(hf.LOOKALIKE_NAMES) <= set(docs))
        print("PASS" if ok else "FAIL")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
