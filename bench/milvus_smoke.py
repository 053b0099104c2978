"""Smoke test of the Milvus backend against a running Milvus (>= 2.5) server, in one command:

    docker compose -f deploy/milvus/docker-compose.yml up -d
    KB_MILVUS_URI=http://localhost:19530 python bench/milvus_smoke.py

It checks what milvus-lite cannot (the `make test` suite runs on lite): that the server accepts the
`whitespace` analyzer, that BM25 statistics span the whole collection (rows written in two segments
score exactly as kb's own BM25), and then, on the bundled corpus, that hybrid search ranks as the
in-process backend does, that filters select the same rows, and that a failed build leaves the
previous collection serving. Pointed at a lite path it runs too, and reports the checks lite fails.
Collections it makes are named `kbsmoke_*` and dropped at the end. Exit status 0 when every check passes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from seeds import make_seed_corpus  # noqa: E402

from kb.backends import Selection, clause_rows  # noqa: E402
from kb.backends.milvus import MilvusConfig, MilvusWriter, client, is_lite  # noqa: E402
from kb.backends.milvus_search import MilvusBackend  # noqa: E402
from kb.bm25 import BM25Index  # noqa: E402
from kb.build import build_index, index_text  # noqa: E402
from kb.errors import KBError  # noqa: E402
from kb.models import Filters  # noqa: E402
from kb.search import KnowledgeBase  # noqa: E402
from kb.tokenize import get_tokenizer  # noqa: E402

ALIAS = "kbsmoke"
QUERIES = ROOT / "eval" / "dev_queries.jsonl"


class Checks:
    def __init__(self, lite: bool):
        self.lite = lite
        self.failed: list[str] = []

    def check(self, name: str, ok: bool, detail: str = "", lite_limit: bool = False) -> None:
        mark = "ok  " if ok else ("LITE" if lite_limit and self.lite else "FAIL")
        print(f"[{mark}] {name}{': ' + detail if detail else ''}", flush=True)
        if not ok and not (lite_limit and self.lite):
            self.failed.append(name)


def questions() -> list[str]:
    return [json.loads(x)["query"] for x in QUERIES.read_text("utf-8").splitlines() if x.strip()]


def check_idf_scope(checks: Checks, config: MilvusConfig, kb: KnowledgeBase, tokens: list[list[str]]) -> None:
    """Two segments (a flush between two halves): scores must still be kb's, i.e. statistics collection-wide."""
    from kb.backends.milvus import insert_rows

    writer = MilvusWriter(config)
    rows = clause_rows(kb.documents, kb.clauses, tokens)
    entry = writer.write(Path("segments"), rows[: len(rows) // 2], None)
    c = client(config)
    insert_rows(c, entry["collection"], rows[len(rows) // 2 :], None)
    c.flush(entry["collection"])
    backend = MilvusBackend(config, entry["collection"], len(rows), None)
    local = BM25Index.build(tokens)
    worst = 0.0
    for q in questions():
        qt = kb.query_tokens(q)
        a = local.scores(qt).astype(np.float64)
        b = backend.bm25_scores(qt, np.flatnonzero(a > 0))
        worst = max(worst, float(np.max(np.abs(b / a[a > 0] - 1))) if b.size else 0.0)
    checks.check("BM25 statistics span the collection (two segments)", worst < 1e-4,
                 f"largest relative difference {worst:.2e}", lite_limit=True)
    writer.discard(entry)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--uri", default=os.environ.get("KB_MILVUS_URI", ""), help="default: KB_MILVUS_URI")
    parser.add_argument("--token", default=os.environ.get("KB_MILVUS_TOKEN", ""))
    parser.add_argument("--model", default="hash", help="embedding model for the builds (default: a fast fake)")
    args = parser.parse_args()
    if not args.uri:
        print("set KB_MILVUS_URI (http://host:19530, or a milvus-lite path) or pass --uri", file=sys.stderr)
        return 2
    lite = is_lite(args.uri)
    checks = Checks(lite)
    analyzer = "" if lite else "whitespace"
    config = MilvusConfig(args.uri, args.token, ALIAS, analyzer)
    c = client(config)
    version = c.get_server_version() if hasattr(c, "get_server_version") else "?"
    print(f"Milvus at {args.uri} ({'milvus-lite' if lite else 'server'}), version {version}")
    os.environ.update({"KB_BACKEND": "milvus", "KB_MILVUS_URI": args.uri, "KB_MILVUS_TOKEN": args.token,
                       "KB_MILVUS_ALIAS": ALIAS, "KB_MILVUS_ANALYZER": analyzer})

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        corpus = make_seed_corpus(tmp / "seeds")  # the five seeds alone (bench/seeds.py)
        t = time.perf_counter()
        local = build_index(corpus, tmp / "local", args.model)
        kb_local = KnowledgeBase.load(tmp / "local")
        tokenizer = get_tokenizer()
        tokens = [tokenizer.tokenize(index_text(cl)) for cl in kb_local.clauses]
        try:
            probe = MilvusWriter(MilvusConfig(args.uri, args.token, ALIAS, "whitespace"))
            probe.discard(probe.write(Path("analyzer"), clause_rows(kb_local.documents, kb_local.clauses[:3],
                                                                    tokens[:3]), None))
            checks.check("whitespace analyzer accepted", True)
        except KBError as e:
            checks.check("whitespace analyzer accepted", False, str(e)[:160], lite_limit=True)
        check_idf_scope(checks, config, kb_local, tokens)

        writer = MilvusWriter(config)
        remote = build_index(corpus, tmp / "milvus", args.model, backend=writer)
        checks.check("kb build into Milvus", remote.ok and remote.clauses == local.clauses,
                     f"{remote.clauses} clauses in {time.perf_counter() - t:.1f} s")
        kb_milvus = KnowledgeBase.load(tmp / "milvus")
        same, worst = 0, 0.0
        for q in questions():
            a, b = kb_local.search(q, k=10), kb_milvus.search(q, k=10)
            same += [h.clause.id for h in a] == [h.clause.id for h in b]
            worst = max(worst, max((abs(x.score - y.score) for x, y in zip(a, b, strict=False)), default=0.0))
        checks.check("hybrid top 10 identical to the in-process backend", same == len(questions()),
                     f"{same}/{len(questions())} queries, largest fused-score difference {worst:.1e}")
        disagree = []
        for f in (Filters(levels=["national"]), Filters(regions=["江苏"]), Filters(topics=["insurance"]),
                  Filters(date_from="2024-01-01"), Filters(issuers=["人民银行"]), Filters(kinds=["measure"])):
            got = kb_milvus.backend.rows_matching(f).tolist()
            if got != np.flatnonzero(kb_local.mask(f)).tolist():
                disagree.append(str(f))
        checks.check("filters select the rows of kb's mask", not disagree, "; ".join(disagree))
        serving = writer.serving()

        import kb.store

        (tmp / "corpus").mkdir()
        for p in corpus.iterdir():
            (tmp / "corpus" / p.name).write_bytes(p.read_bytes())
        (tmp / "corpus" / "001_3b50df308c9c2e77.txt").write_text("第一条 新增条款。", "utf-8")
        real, before = kb.store.write_manifest, set(c.list_collections())

        def die(*a, **kw):
            raise KBError("injected failure after the rows were written")

        kb.store.write_manifest = die
        try:
            build_index(tmp / "corpus", tmp / "milvus", args.model, backend=writer)
            failed_ok = False
        except KBError:
            failed_ok = True
        finally:
            kb.store.write_manifest = real
        failed_ok = failed_ok and set(c.list_collections()) == before
        after = KnowledgeBase.load(tmp / "milvus")
        checks.check("a failed build leaves the previous collection serving",
                     failed_ok and writer.serving() == serving and len(after.clauses) == remote.clauses
                     and after.search(questions()[0], k=3)[0].clause.id == kb_milvus.search(questions()[0], k=3)[0]
                     .clause.id)
        hits = kb_milvus.backend.candidates(kb_milvus.query_tokens(questions()[0]), None, 5, Selection())
        checks.check("BM25 candidates come back", hits.rows.size > 0)
        try:
            c.drop_alias(ALIAS)
        except Exception:  # never created
            pass
        for name in c.list_collections():
            if name.startswith(f"{ALIAS}_"):
                c.drop_collection(name)
    print("all checks passed" if not checks.failed else f"failed: {', '.join(checks.failed)}")
    return 0 if not checks.failed else 1


if __name__ == "__main__":
    sys.exit(main())
