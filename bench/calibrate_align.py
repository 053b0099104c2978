"""Calibration of 逐条对照's pair confidence (kb/compare/align.py, ALIGN_CALIBRATION), re-measured on the seeds.

Truth comes from the comparison judgements (eval/*_compare.jsonl): for a measure, a judged clause of document A
(expected or also) has B's judged clauses for the same measure as counterparts; any other clause of B aligned
with it is not one. Every pair of seed documents is aligned; each aligned pair whose A clause is judged for some
measure B is judged for is a labelled example with its alignment score.

Platt scaling sigmoid(a × score + b) is fitted on one half of the measures and tested on the other (dev plus the
first held-out measures, then the remaining held-out ones, and the other way round): Brier score and expected
calibration error (5 bins) beside those of the former sigmoid(score − threshold). Then fitted on everything,
the figures to put in ALIGN_CALIBRATION.

    PYTHONPATH=$PWD python bench/calibrate_align.py [--index DIR]
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from kb.compare import align  # noqa: E402
from kb.compare.align import ALIGN_CALIBRATION, ALIGN_THRESHOLD, pair_confidence  # noqa: E402
from kb.models import order_documents  # noqa: E402


def _squash(text: str) -> str:
    return re.sub(r"[\s*]+", "", text)


def load_measures(path: Path) -> list[dict[str, list[str]]]:
    out = []
    for line in path.read_text("utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            items: dict[str, list[str]] = {}
            for e in row["expected"] + row.get("also", []):
                items.setdefault(e["doc"], []).append(_squash(e["contains"]))
            out.append(items)
    return out


def labelled_pairs(alignments, measures) -> tuple[np.ndarray, np.ndarray]:
    scores, labels = [], []
    for (sa, sb), al in alignments.items():
        for p in al.pairs:
            ta, tb = _squash(p.a.text), _squash(p.b.text)
            judged = [m for m in measures if sa in m and sb in m and any(c in ta for c in m[sa])]
            if judged:
                scores.append(p.score)
                labels.append(any(any(c in tb for c in m[sb]) for m in judged))
    return np.array(scores), np.array(labels, dtype=float)


def platt(x: np.ndarray, y: np.ndarray, steps: int = 20000, lr: float = 0.05) -> tuple[float, float]:
    a, b = 1.0, -ALIGN_THRESHOLD
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(a * x + b)))
        a -= lr * float(np.mean((p - y) * x))
        b -= lr * float(np.mean(p - y))
    return a, b


def brier(p: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((p - y) ** 2))


def ece(p: np.ndarray, y: np.ndarray, bins: int = 5) -> float:
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        m = (p >= lo) & ((p < hi) if hi < 1 else (p <= hi))
        if m.any():
            total += m.mean() * abs(p[m].mean() - y[m].mean())
    return total


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", help="an index of the five seeds (default: built here with the default model)")
    args = ap.parse_args()
    from seeds import seed_kb

    kb = seed_kb(args.index, prefix="kb-calib-")
    docs = order_documents(kb.documents)
    alignments = {(a.source, b.source): align(kb, a.source, b.source, diffs=False)
                  for a, b in itertools.combinations(docs, 2)}
    dev = load_measures(ROOT / "eval" / "dev_compare.jsonl")
    held = load_measures(ROOT / "eval" / "heldout_compare.jsonl")
    half = len(held) // 2
    folds = {"dev + held-out 1st half": dev + held[:half], "held-out 2nd half": held[half:]}
    data = {name: labelled_pairs(alignments, ms) for name, ms in folds.items()}
    former = lambda x: 1 / (1 + np.exp(-(x - ALIGN_THRESHOLD)))  # noqa: E731
    print("| fitted on | tested on | pairs | positives | Brier | ECE | former Brier | former ECE |")
    print("|---|---|---|---|---|---|---|---|")
    for fit_on, test_on in itertools.permutations(folds, 2):
        a, b = platt(*data[fit_on])
        x, y = data[test_on]
        p = 1 / (1 + np.exp(-(a * x + b)))
        print(f"| {fit_on} | {test_on} | {len(x)} | {y.mean():.2f} | {brier(p, y):.3f} | {ece(p, y):.3f} "
              f"| {brier(former(x), y):.3f} | {ece(former(x), y):.3f} |")
    x = np.concatenate([d[0] for d in data.values()])
    y = np.concatenate([d[1] for d in data.values()])
    a, b = platt(x, y)
    current = np.array([pair_confidence(s) for s in x])
    print(f"\nfitted on all {len(x)} pairs: a = {a:.3f}, b = {b:.3f} (in the code: {ALIGN_CALIBRATION}); "
          f"Brier with the code's values {brier(current, y):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
