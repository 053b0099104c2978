"""Both retrieval backends on the same synthetic corpora: index time, hybrid latency and memory, side by side.

    python bench/backends.py                     # 10,000 and 100,000 clauses, local and milvus-lite
    python bench/backends.py --clauses 10000     # one size
    KB_MILVUS_URI=http://host:19530 python bench/backends.py --milvus-uri http://host:19530   # a server

Each (backend, size) runs in a process of its own, so memory is that backend's alone. The corpus is the one
of `bench/run.py` (seed sentences shuffled into clauses, vectors the means of real sentence embeddings,
queries embedded for real). Writes the "backends" section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

OUT = ROOT / "bench" / "out"


def measure(backend: str, n: int, milvus_uri: str) -> dict:
    """In this process: generate n clauses, index them with `backend`, time 30 dev queries × 3, read memory."""
    from run import EVAL, percentiles, rss_mb, seed_kb_for_bench, synthetic_corpus, timed_queries

    from kb.backends import clause_rows
    from kb.evaluate import load_queries
    from kb.search import KnowledgeBase

    seed = seed_kb_for_bench()
    docs, clauses, tokens, vecs, _ = synthetic_corpus(seed, n, {})
    base = rss_mb()[0]
    t = time.perf_counter()
    if backend == "local":
        from kb.backends.local import LocalBackend
        from kb.bm25 import BM25Index
        from kb.dense import DenseIndex

        engine = LocalBackend(BM25Index.build(tokens), DenseIndex.build(vecs))
    else:
        from kb.backends.milvus import MilvusConfig, MilvusWriter, is_lite
        from kb.backends.milvus_search import MilvusBackend

        uri = milvus_uri or str(OUT / "milvus" / "bench.db")
        if is_lite(uri):
            shutil.rmtree(uri, ignore_errors=True)
        writer = MilvusWriter(MilvusConfig(uri, alias="kbbench"))
        entry = writer.write(OUT / f"bench-{n}", clause_rows(docs, clauses, tokens), vecs)
        engine = MilvusBackend.open(entry)
    index_s = time.perf_counter() - t
    kb = KnowledgeBase.from_parts(OUT, {"model": seed.manifest["model"]}, docs, clauses, backend=engine,
                                  embedder=seed.embedder)
    kb.warm_up()
    queries = [q.query for q in load_queries(EVAL / "dev_queries.jsonl")]
    timed_queries(kb, queries[:3], 1)
    hybrid = percentiles(timed_queries(kb, queries, 3))
    bm25 = percentiles(timed_queries(kb, queries, 2, "bm25"))
    cur, peak = rss_mb()
    top = {q: [h.clause.row for h in kb.search(q, k=10)] for q in queries}
    if backend != "local":
        writer.discard(entry)
    return {"backend": backend, "clauses": n, "index_s": index_s, "hybrid_ms": hybrid, "bm25_ms": bm25,
            "rss_mb": cur, "peak_mb": peak, "index_rss_mb": cur - base, "top10": top}


def overlap(a: dict, b: dict) -> float:
    """Mean share of the hybrid top 10 the two backends have in common, over the dev queries."""
    return float(np.mean([len(set(a["top10"][q]) & set(b["top10"][q])) / 10 for q in a["top10"]]))


def report(rows: list[dict], uri: str) -> str:
    lines = [
        f"Measured {time.strftime('%Y-%m-%d %H:%M')} on {platform.node() or 'this machine'}: {os.cpu_count()} cores; "
        f"Milvus: {'milvus-lite ' + _version('milvus-lite') if not uri or '://' not in uri else uri}, "
        f"pymilvus {_version('pymilvus')}. Re-run with `python bench/backends.py`.",
        "",
        "## Backends side by side (synthetic corpus of `bench/run.py`, hybrid over 30 dev queries × 3)",
        "",
        "| backend | clauses | index s | hybrid p50 / p95 ms | BM25 p50 / p95 ms | memory (RSS, peak) | top 10 shared |",
        "|---|---|---|---|---|---|---|",
    ]
    local = {r["clauses"]: r for r in rows if r["backend"] == "local"}
    for r in rows:
        shared = overlap(r, local[r["clauses"]]) if r["clauses"] in local else float("nan")
        lines.append(
            f"| {r['backend']} | {r['clauses']:,} | {r['index_s']:.1f} | {r['hybrid_ms'][0]:.1f} / {r['hybrid_ms'][1]:.1f}"
            f" | {r['bm25_ms'][0]:.1f} / {r['bm25_ms'][1]:.1f} | {r['rss_mb']:.0f} MB ({r['peak_mb']:.0f} MB) "
            f"| {shared:.3f} |")
    lines += [
        "",
        "Index time: BM25 + FAISS build (local) or insert + flush + index of the collection (Milvus), tokens and "
        "vectors given. Memory: the whole process, records, model and the embedded milvus-lite included. "
        "Top 10 shared: against the local backend's hybrid top 10 for the same queries (exact vectors on lite, "
        "HNSW locally above 50,000 rows, so 100,000-clause lists may differ by the approximate search).",
    ]
    return "\n".join(lines)


def _version(pkg: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(pkg)
    except metadata.PackageNotFoundError:
        return "?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clauses", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--backends", nargs="+", default=["local", "milvus"])
    parser.add_argument("--milvus-uri", default="", help="default: a milvus-lite folder under bench/out")
    parser.add_argument("--one", nargs=2, metavar=("BACKEND", "N"), help=argparse.SUPPRESS)
    parser.add_argument("--no-write", action="store_true", help="print only; do not write bench/RESULTS.md")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one[0], int(args.one[1]), args.milvus_uri), ensure_ascii=False))
        return 0
    rows = []
    for n in args.clauses:
        for backend in args.backends:
            cmd = [sys.executable, __file__, "--one", backend, str(n), "--milvus-uri", args.milvus_uri]
            out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
            rows.append(json.loads(out.strip().splitlines()[-1]))
            r = rows[-1]
            print(f"{backend:7s} {n:>8,} index {r['index_s']:.1f} s  hybrid p50/p95 {r['hybrid_ms'][0]:.1f}/"
                  f"{r['hybrid_ms'][1]:.1f} ms  rss {r['rss_mb']:.0f} MB", flush=True)
    text = report(rows, args.milvus_uri)
    print(text)
    (OUT / "backends.json").write_text(json.dumps(rows, ensure_ascii=False), "utf-8")
    if not args.no_write:
        from results_md import update_section

        update_section("backends", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
