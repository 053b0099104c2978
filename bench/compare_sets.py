"""Comparison accuracy on every comparison judgement set, before and after issue 13's ranking: dev (tuned on
before), held-out (tuned on in issue 13, by cross-validation) and fresh (written first, never tuned on).
Writes the "compare" section of bench/RESULTS.md:

    python bench/compare_sets.py [--index DIR] [--no-write]    # DIR: an index of the five seeds (real model)
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fit_compare import FORMER, report  # noqa: E402
from results_md import update_section  # noqa: E402

from kb.compare import measure as M  # noqa: E402
from kb.evaluate import CompareReport, evaluate_compare  # noqa: E402

SETS = {"dev": ("dev_compare.jsonl", "tuned on before"), "held-out": ("heldout_compare.jsonl", "tuned on, CV"),
        "fresh": ("fresh_compare.jsonl", "never tuned on")}
# The confidence before issue 13's key terms (the ranking before is bench/fit_compare.FORMER).
FORMER_CONFIDENCE = dict(bm25=1.5, coverage=2.0, dense=1.5, topic=1.0, heading_topic=0.5, key=0.0, bias=-2.6,
                         match=0.55, weak=0.27)


def measure_sets(kb) -> dict[str, dict[str, CompareReport]]:
    out: dict[str, dict[str, CompareReport]] = {"after": {}, "before": {}}
    for name, (file, _) in SETS.items():
        out["after"][name] = evaluate_compare(kb, ROOT / "eval" / file)
    rank, confidence = M.RANK, M.CONFIDENCE
    M.RANK, M.CONFIDENCE = replace(rank, **FORMER), replace(confidence, **FORMER_CONFIDENCE)
    try:
        for name, (file, _) in SETS.items():
            out["before"][name] = evaluate_compare(kb, ROOT / "eval" / file)
    finally:
        M.RANK, M.CONFIDENCE = rank, confidence
    return out


def _cell(r: CompareReport) -> str:
    return f"{r.held}/{r.pairs} = {r.accuracy:.3f} · {r.held_also}/{r.pairs} = {r.held_also / r.pairs:.3f}"


def render(results: dict[str, dict[str, CompareReport]], fit: list[str]) -> str:
    lines = ["## Comparison on every comparison judgement set (issue 13)", "",
             "First-clause accuracy: the share of judged (measure, document) pairs whose first listed clause is the "
             "judged one · the same counting the document's `also` clauses as right (eval/README.md). Seed corpus, "
             "default model. `before` is the ranking and confidence before issue 13's key terms.", "",
             "| set | measures | before | after | absent → 无对应 before / after | further clauses listed: judged |",
             "|---|---|---|---|---|---|"]
    for name, (_, how) in SETS.items():
        a, b = results["after"][name], results["before"][name]
        absent = (f"{b.unjudged - b.unjudged_matched}/{b.unjudged} / {a.unjudged - a.unjudged_matched}/{a.unjudged}"
                  if a.unjudged else "–")
        lines.append(f"| {name} ({how}) | {len(a.per_measure)} | {_cell(b)} | {_cell(a)} | {absent} "
                     f"| {a.extra_judged}/{a.extra} |")
    misses = [f"{m.id} {m.doc[:3]} ({m.path or m.status})" for m in results["after"]["fresh"].misses]
    lines += ["", f"Fresh misses after: {', '.join(misses) or 'none'}.", "",
              "How the weights were chosen (bench/fit_compare.py: grid search on first-clause accuracy, "
              "leave-one-measure-out over dev + held-out; confidence: logistic model, floor keeping every judged "
              "document):", "", "```", *fit, "```", "",
              "Re-run: `python bench/compare_sets.py` (this table); `python bench/fit_compare.py` (the weights' "
              "grid search and confidence fit, leave-one-measure-out over dev + held-out; fresh is never read "
              "there); one set: `kb --index DIR eval eval/fresh_compare.jsonl -v`."]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", help="an index of the five seeds")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    from seeds import seed_kb

    kb = seed_kb(args.index, prefix="kb-cmpsets-")
    text = render(measure_sets(kb), report(kb))
    print(text)
    if not args.no_write:
        update_section("compare", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
