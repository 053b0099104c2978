"""Experiment: sentence-level dense scoring (a clause scored by its best sentences) and the clause heading as a
field, against one vector per clause, on every judgement set. Prints a table; nothing in kb/ changes.

    python bench/sentences.py --index bench/out/seed_index

The first-round experiment: the sentence vectors are embedded here, then a stand-in for the dense index scores a
clause as the max (or the mean of the best two) of its sentences' cosines. Builds now hold sentence vectors
(kb/sentences.py) and search uses them; this script still compares the variants from scratch.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.evaluate import evaluate, load_queries  # noqa: E402
from kb.search import KnowledgeBase  # noqa: E402

EVAL = ROOT / "eval"
SETS = {"dev": "dev_queries.jsonl", "own": "own_queries.jsonl", "heldout": "heldout_queries.jsonl",
        "offtopic": "offtopic_queries.jsonl", "own_off": "own_offtopic.jsonl"}
_SENT = re.compile(r"(?<=[。；！？])")


class SentenceDense:
    """Scores a clause by its sentences' cosines with the question: max, or mean of the best `top`."""

    def __init__(self, clause_vecs: np.ndarray, sent_vecs: np.ndarray, owner: np.ndarray, top: int, mix: float):
        self.clause_vecs, self.sent_vecs, self.owner, self.top, self.mix = clause_vecs, sent_vecs, owner, top, mix

    def _all(self, q: np.ndarray) -> np.ndarray:
        s = self.sent_vecs @ q
        n = self.clause_vecs.shape[0]
        best = np.full((n, self.top), -1.0)
        for i, v in zip(self.owner, s, strict=True):
            row = best[i]
            j = int(np.argmin(row))
            if v > row[j]:
                row[j] = v
        sent = np.where(best > -1, best, np.nan)
        score = np.nanmean(sent, axis=1)
        whole = self.clause_vecs @ q
        score = np.where(np.isnan(score), whole, score)
        return self.mix * score + (1 - self.mix) * whole

    def search(self, q, k, allowed=None):
        s = self._all(q)
        if allowed is not None:
            s = np.where(allowed, s, -np.inf)
        order = np.argsort(-s)[:k]
        order = order[np.isfinite(s[order])]
        return order.astype(np.int64), s[order].astype(np.float32)

    def scores_for(self, q, rows):
        return self._all(q)[np.asarray(rows, dtype=np.int64)]


def run(kb: KnowledgeBase, sets: dict) -> dict:
    out = {}
    for name, qs in sets.items():
        r = evaluate(lambda q: [h.clause for h in kb.search(q, k=10)], qs, clauses=kb.clauses)
        out[name] = r.offtopic_empty if r.offtopic else (r.ndcg, r.mrr)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", default=str(ROOT / "bench" / "out" / "seed_index"))
    args = ap.parse_args()
    kb = KnowledgeBase.load(Path(args.index))
    sets = {n: load_queries(EVAL / f) for n, f in SETS.items() if (EVAL / f).exists()}
    from kb.backends.local import LocalBackend

    original, backend = kb.dense, kb.backend
    clause_vecs = np.asarray(original.vectors, dtype=np.float32)
    sentences, owner = [], []
    for i, c in enumerate(kb.clauses):
        for s in _SENT.split(c.text):
            if len(s.strip()) >= 8:
                sentences.append(s.strip())
                owner.append(i)
    sent_vecs = kb.embedder.embed_passages(sentences)
    owner = np.asarray(owner)
    rows = {"clause vector (index as built)": run(kb, sets)}
    for top, mix in ((1, 1.0), (2, 1.0), (1, 0.5), (2, 0.5)):
        kb.backend = LocalBackend(kb.bm25, SentenceDense(clause_vecs, sent_vecs, owner, top, mix))
        kb.clear_query_cache()
        rows[f"best {top} sentence(s), mix {mix}"] = run(kb, sets)
    kb.backend = backend
    base = kb.weights
    for h in (0.1, 0.2):
        kb.weights = dataclasses.replace(base, heading=h)
        rows[f"heading field weight {h}"] = run(kb, sets)
    kb.weights = base
    print(f"{len(sentences)} sentences")
    print("| variant | " + " | ".join(sets) + " |")
    print("|---|" + "---|" * len(sets))
    for name, figs in rows.items():
        cells = [f"{v:.2f} empty" if isinstance(v, float) else f"{v[0]:.3f} / {v[1]:.3f}" for v in figs.values()]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
