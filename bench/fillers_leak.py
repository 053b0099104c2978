"""Leak bound for the filler words (kb/data/query_cues.toml [fillers]) added after an untouched set was written:
score the set with every added filler that occurs in one of its questions switched off. Changes nothing in kb/.

    python bench/fillers_leak.py --index INDEX_OF_CORPUS [--base main] [--set fresh3]
"""

from __future__ import annotations

import argparse
import dataclasses
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from held_out import refuse  # noqa: E402

from kb import answer as answer_module  # noqa: E402
from kb.evaluate import evaluate, load_queries  # noqa: E402
from kb.search import KnowledgeBase  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", default=str(ROOT / "bench" / "out" / "corpus_index"))
    ap.add_argument("--base", default="f3506a0", help="the commit whose fillers count as written before the set")
    ap.add_argument("--set", default="fresh3")
    args = ap.parse_args()
    refuse([f"{args.set}_queries.jsonl", f"{args.set}_offtopic.jsonl"], "bench/fillers_leak.py")
    old_text = subprocess.run(["git", "-C", str(ROOT), "show", f"{args.base}:kb/data/query_cues.toml"],
                              capture_output=True, text=True, check=True).stdout
    old = set(tomllib.loads(old_text)["fillers"]["words"])
    kb = KnowledgeBase.load(Path(args.index))
    on = load_queries(ROOT / "eval" / f"{args.set}_queries.jsonl")
    off = load_queries(ROOT / "eval" / f"{args.set}_offtopic.jsonl")
    questions = [q.query for q in on + off]
    state = answer_module._state(kb)
    lexicon = state["lexicon"]
    leaked = frozenset(w for w in lexicon.fillers - old if any(w in q for q in questions))

    def run(q: str) -> list:
        return [h.clause for h in kb.search(q, k=10)]

    for label, fillers in (("packaged fillers", lexicon.fillers), ("leaked fillers off", lexicon.fillers - leaked)):
        state["lexicon"] = dataclasses.replace(lexicon, fillers=fillers)
        kb.clear_query_cache()
        r, o = evaluate(run, on, clauses=kb.clauses), evaluate(run, off, clauses=kb.clauses)
        print(f"{label:20} nDCG {r.ndcg:.3f} MRR {r.mrr:.3f} off-topic empty {o.offtopic_empty:.2f}")
    print(f"{len(lexicon.fillers - old)} fillers added since {args.base}; {len(leaked)} occur in {args.set}: "
          + "、".join(sorted(leaked)))


if __name__ == "__main__":
    main()
