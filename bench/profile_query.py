"""Where a hybrid query's time goes at 100,000 clauses: CPU time a query (robust to other processes on the
machine, unlike wall-clock latency) and the cProfile functions that take it, on the synthetic corpus of
bench/run.py (the indexes it saved are reused when they hold as many clauses).

    python bench/profile_query.py                    # 30 dev questions × 5, with sentence vectors
    python bench/profile_query.py --no-sentences     # the same without the sentence rescoring
    python bench/profile_query.py --top 40 --repeat 3
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import EVAL, percentiles, seed_kb_for_bench, synthetic_kb  # noqa: E402

from kb.evaluate import load_queries  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clauses", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--top", type=int, default=25, help="functions listed")
    ap.add_argument("--sort", choices=("own", "cumulative"), default="own")
    ap.add_argument("--retriever", default="hybrid")
    ap.add_argument("--no-sentences", action="store_true", help="search without the sentence vectors")
    ap.add_argument("--no-profile", action="store_true", help="times only")
    ap.add_argument("--queries", default=str(EVAL / "dev_queries.jsonl"), help="a judgement set (dev: as bench/run.py)")
    ap.add_argument("--quoted", action="store_true", help="only its questions that quote a phrase")
    args = ap.parse_args()
    kb, _ = synthetic_kb(seed_kb_for_bench(), args.clauses, {}, reuse=True)
    if args.no_sentences:
        kb.sentences = None
    queries = [q.query for q in load_queries(Path(args.queries))]
    if args.quoted:
        queries = [q for q in queries if any(m in q for m in "“\"「『")]
    for q in queries[:3]:
        kb.search(q, k=10, retriever=args.retriever)
    cpu, wall, rest = [], [], []
    for _ in range(args.repeat):
        for q in queries:
            kb.clear_query_cache()  # the model is measured too, as in bench/run.py
            t, c = time.perf_counter(), time.process_time()
            kb.search(q, k=10, retriever=args.retriever)
            cpu.append((time.process_time() - c) * 1000)
            wall.append((time.perf_counter() - t) * 1000)
            c = time.process_time()  # again, the query vector now cached: all but the model
            kb.search(q, k=10, retriever=args.retriever)
            rest.append((time.process_time() - c) * 1000)
    print(f"{len(cpu)} queries at {args.clauses:,} clauses ({args.retriever}, sentence vectors "
          f"{'off' if kb.sentences is None else 'on'}): CPU ms a query p50 {np.percentile(cpu, 50):.1f} "
          f"mean {np.mean(cpu):.1f}, without the model (query vector cached) p50 {np.percentile(rest, 50):.1f} "
          f"mean {np.mean(rest):.1f}; wall p50/p95/p99 " + " / ".join(f"{x:.1f}" for x in percentiles(wall)))
    if args.no_profile:
        return 0
    prof = cProfile.Profile(time.process_time)
    prof.enable()
    for q in queries:
        kb.clear_query_cache()
        kb.search(q, k=10, retriever=args.retriever)
    prof.disable()
    stats = pstats.Stats(prof)
    print(f"\nCPU ms a query by function (own time; cumulative), over {len(queries)} questions, by {args.sort}:")
    col = 2 if args.sort == "own" else 3
    rows = sorted(stats.stats.items(), key=lambda kv: -kv[1][col])[: args.top]
    for (file, line, name), (_, calls, own, cum, _) in rows:
        where = f"{Path(file).name}:{line}" if line else file
        print(f"{own / len(queries) * 1000:7.2f} {cum / len(queries) * 1000:7.2f}  {calls / len(queries):7.1f}×  "
              f"{name}  {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
