"""Load benchmark: concurrent searches against one loaded KnowledgeBase (threads), against `kb serve` (HTTP on
loopback), and against the running Streamlit app's HTTP endpoints. Bounded in count and time; loopback only.

    python bench/load.py                 # uses bench/out/seed_index (built by bench/run.py) or builds it
    python bench/load.py --requests 300 --seconds 60
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from results_md import update_section  # noqa: E402
from seeds import make_seed_corpus  # noqa: E402

from kb.build import build_index  # noqa: E402
from kb.config import DEFAULT_MODEL  # noqa: E402
from kb.evaluate import load_queries  # noqa: E402
from kb.search import KnowledgeBase  # noqa: E402

EVAL = ROOT / "eval"
INDEX = ROOT / "bench" / "out" / "seed_index"
HOST = "127.0.0.1"  # loopback only


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


_RUNS = iter(range(1, 1_000_000))


def run_load(call, queries: list[str], workers: int, requests: int, seconds: float) -> dict:
    """`requests` calls spread over `workers` threads, stopping early when `seconds` have passed."""
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds
    lock = threading.Lock()
    counter = iter(range(requests))
    salt = next(_RUNS)

    def worker() -> None:
        nonlocal errors
        while time.monotonic() < deadline:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            t = time.perf_counter()
            try:
                call(f"{queries[i % len(queries)]} {salt}-{i}")
            except Exception:
                with lock:
                    errors += 1
                continue
            with lock:
                latencies.append((time.perf_counter() - t) * 1000)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        for _ in range(workers):
            pool.submit(worker)
    wall = time.perf_counter() - t0
    a = np.array(latencies) if latencies else np.zeros(1)
    return {"workers": workers, "done": len(latencies), "errors": errors, "seconds": wall,
            "qps": len(latencies) / wall if wall else 0.0,
            "p50": float(np.percentile(a, 50)), "p95": float(np.percentile(a, 95)), "p99": float(np.percentile(a, 99))}


def http_get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.read()


def wait_for(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            http_get(url)
            return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(url)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=240, help="requests per run (bounded)")
    parser.add_argument("--seconds", type=float, default=60, help="time limit per run")
    parser.add_argument("--workers", default="1,4,8", help="concurrency levels")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if not INDEX.exists():
        build_index(make_seed_corpus(INDEX.parent / "seed_corpus"), INDEX, DEFAULT_MODEL)
    queries = [q.query for q in load_queries(EVAL / "dev_queries.jsonl")]
    levels = [int(w) for w in args.workers.split(",")]
    rows = []

    # 1. Threads sharing one KnowledgeBase. Numbered repeats make each request a new query (no cache hits).
    kb = KnowledgeBase.load(INDEX)
    for w in levels:
        rows.append(("KnowledgeBase, threads", run_load(lambda q: kb.search(q, k=10), queries, w, args.requests,
                                                         args.seconds)))

    # 2. HTTP: `kb serve` in its own process on loopback.
    port = free_port()
    env = {**os.environ, "KB_INDEX": str(INDEX)}
    server = subprocess.Popen([str(Path(sys.executable).with_name("kb")), "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(f"http://{HOST}:{port}/health", 60)
        for w in levels:
            def call(q: str) -> None:
                body = json.loads(http_get(f"http://{HOST}:{port}/search?" + urllib.parse.urlencode({"q": q})))
                assert "hits" in body
            rows.append(("`kb serve` over HTTP", run_load(call, queries, w, args.requests, args.seconds)))
    finally:
        server.terminate()
        server.wait(10)

    # 3. The Streamlit app's HTTP endpoints (its searches run over a websocket session per browser tab).
    app = ROOT / "app.py"
    if app.exists():
        port = free_port()
        proc = subprocess.Popen([str(Path(sys.executable).with_name("streamlit")), "run", str(app),
                                 "--server.headless", "true", "--server.port", str(port),
                                 "--server.address", HOST, "--browser.gatherUsageStats", "false"],
                                env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(f"http://{HOST}:{port}/_stcore/health", 90)
            for w in levels:
                rows.append(("Streamlit app, page + health", run_load(
                    lambda _q: (http_get(f"http://{HOST}:{port}/"), http_get(f"http://{HOST}:{port}/_stcore/health")),
                    queries, w, args.requests, args.seconds)))
        finally:
            proc.terminate()
            proc.wait(10)

    lines = ["## Load (loopback, bounded)", "",
             f"{args.requests} requests per row at most, {args.seconds:.0f} s at most; queries are the 30 dev "
             "questions, each request numbered so that no answer comes from the query cache. Re-run with "
             "`python bench/load.py`.", "",
             "| target | threads | done | errors | req/s | p50 ms | p95 ms | p99 ms |", "|---|---|---|---|---|---|---|---|"]
    for name, r in rows:
        lines.append(f"| {name} | {r['workers']} | {r['done']} | {r['errors']} | {r['qps']:.1f} | {r['p50']:.1f} | "
                     f"{r['p95']:.1f} | {r['p99']:.1f} |")
    lines += ["", "Two cores: throughput is bound by the query embedding (about 15 ms of CPU each); more threads "
              "raise latency, not throughput."]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        update_section("load", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
