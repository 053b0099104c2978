"""Results unchanged? Every question of the judgement sets (eval/*_queries.jsonl, eval/*offtopic*.jsonl) asked
of the seed index and of the corpus index, through each retriever (bm25, dense, hybrid) and both search paths
(the full answer and the plain fused ranking): hits, weaker candidates and every score, written to a file or
compared with one written before (floats equal to 1e-9, everything else exactly). For changes meant to make
search faster, not different.

    python bench/same_results.py --write bench/out/results_base.json
    python bench/same_results.py --against bench/out/results_base.json
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from held_out import is_held_out  # noqa: E402

from kb.evaluate import load_queries  # noqa: E402
from kb.search import RETRIEVERS, KnowledgeBase  # noqa: E402

EVAL = ROOT / "eval"
TOLERANCE = 1e-9


def _hit(h) -> dict:
    return {"id": h.clause.id, "score": h.score, "scores": h.scores, "match": h.match, "relevance": h.relevance,
            "terms": h.matched_terms, "spans": [list(s) for s in h.spans]}


def dump(kb: KnowledgeBase, questions: list[str]) -> dict:
    """question → retriever → what both search paths return."""
    out: dict = {}
    for q in questions:
        per: dict = {}
        for retriever in RETRIEVERS:
            a = kb.answer(q, k=10, retriever=retriever)
            per[retriever] = {
                "hits": [_hit(h) for h in a.hits], "weak": [_hit(h) for h in a.weak],
                "message": a.message, "reasons": a.reasons, "notes": a.notes, "unknown": a.unknown_terms,
                "expansions": [[e.word, list(e.terms)] for e in a.expansions], "chips": a.chips,
                "ranked": [_hit(h) for h in kb.ranked(q, k=10, retriever=retriever)],
            }
        out[q] = per
    return out


def differences(a, b, where: str = "") -> list[str]:
    """Where two dumps differ (floats within TOLERANCE count as equal)."""
    if isinstance(a, float) or isinstance(b, float):
        if isinstance(a, (int, float)) and isinstance(b, (int, float)) and (
                math.isclose(a, b, rel_tol=0, abs_tol=TOLERANCE) or (math.isnan(a) and math.isnan(b))):
            return []
        return [f"{where}: {a!r} != {b!r}"]
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return [f"{where}: keys {sorted(set(a) ^ set(b))}"]
        return [d for k in a for d in differences(a[k], b[k], f"{where}/{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where}: {len(a)} items != {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in differences(x, y, f"{where}[{i}]")]
    return [] if a == b else [f"{where}: {a!r} != {b!r}"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", default=str(ROOT / "bench" / "out" / "seed_index"))
    ap.add_argument("--corpus-index", default=str(ROOT / "bench" / "out" / "corpus_index"))
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", help="write the dump here")
    group.add_argument("--against", help="compare with the dump written here before")
    args = ap.parse_args()
    # the held-out sets are never asked here: a difference line would show their questions
    files = sorted(f for f in {*EVAL.glob("*_queries.jsonl"), *EVAL.glob("*offtopic*.jsonl")} if not is_held_out(f))
    questions = list(dict.fromkeys(q.query for f in files for q in load_queries(f)))
    result = {name: dump(KnowledgeBase.load(Path(index)), questions)
              for name, index in (("seed", args.index), ("corpus", args.corpus_index))}
    if args.write:
        Path(args.write).write_text(json.dumps(result, ensure_ascii=False), "utf-8")
        print(f"{len(questions)} questions × {len(RETRIEVERS)} retrievers × 2 indexes written to {args.write}")
        return 0
    diffs = differences(json.loads(Path(args.against).read_text("utf-8")), json.loads(json.dumps(result)))
    for d in diffs[:40]:
        print(d)
    print(f"{len(questions)} questions × {len(RETRIEVERS)} retrievers × 2 indexes: "
          + ("identical" if not diffs else f"{len(diffs)} differences"))
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
