"""Comparison accuracy on every comparison judgement set, before and after issue 13's ranking: dev (tuned on
before), held-out and fresh (tuned on in issue 13, by cross-validation) on the five seeds, fresh2 (written first in
issue 13's third round, tuned on since its fourth), fresh3 (written first in its fourth round, tuned on since
session 4), fresh4 (written in session 4 and held out then, tuned on since session 5), fresh5 (held out in
session 5, tuned on since session 6) and fresh6 (held out in session 6: its row gives counts and figures only, no
miss is listed) on all nine bundled documents. Writes the "compare" section of bench/RESULTS.md (no miss of a
held-out set, bench/held_out.py, is ever listed):

    python bench/compare_sets.py [--index DIR] [--corpus-index DIR] [--no-write] [--no-held-out]
    # --index: an index of the five seeds; --corpus-index: an index of the whole corpus/ (both: real model)
    # --no-held-out: score none of the held-out sets (bench/held_out.py), for whoever changes the code; their rows
    #   then say so, and the lead's run fills them in
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
from held_out import is_held_out  # noqa: E402
from results_md import update_section  # noqa: E402

from kb.compare import measure as M  # noqa: E402
from kb.evaluate import CompareReport, evaluate_compare  # noqa: E402

# name → (file, how it was used, the index it is judged on: the five seeds or the whole corpus/)
SETS = {"dev": ("dev_compare.jsonl", "tuned on before", "seeds"),
        "held-out": ("heldout_compare.jsonl", "tuned on, CV", "seeds"),
        "fresh": ("fresh_compare.jsonl", "tuned on since round 3, CV", "seeds"),
        "fresh2": ("fresh2_compare.jsonl", "tuned on since round 4, CV", "corpus"),
        "fresh3": ("fresh3_compare.jsonl", "tuned on since session 4, CV", "corpus"),
        "fresh4": ("fresh4_compare.jsonl", "tuned on since session 5, CV", "corpus"),
        "fresh5": ("fresh5_compare.jsonl", "tuned on since session 6, CV", "corpus"),
        "fresh6": ("fresh6_compare.jsonl", "held out in session 6, never tuned on", "corpus")}
# fresh2 as first measured, on main e4a7c86 before any code of issue 13's third round changed (the untouched figure).
FRESH2_UNTOUCHED = ("53/64 = 0.828 · 58/64 = 0.906", "77 / 37 / 20 of 134")
# fresh3 as first measured, on main cf7b282 before any code of issue 13's fourth round changed (the untouched figure).
FRESH3_UNTOUCHED = ("43/55 = 0.782 · 44/55 = 0.800", "115 / 27 / 19 of 161")
# fresh4 as first measured, on main 811079a (the commit after the sets were added; kb code of main b9e6798).
FRESH4_UNTOUCHED = ("34/62 = 0.548 · 39/62 = 0.629", "57 / 12 / 4 of 73")
# fresh4 at the end of session 4 (main 3c9ae56, the last code before it was tuned on).
FRESH4_SESSION4 = ("38/62 = 0.613 · 44/62 = 0.710", "46 / 26 / 1 of 73")
# fresh5 as measured once, held out, on main 02d949b (session 5's end; 35/45 at session 5's start, 3c9ae56).
FRESH5_UNTOUCHED = "37/45 = 0.822 (35/45 at session 5's start, 3c9ae56)"
# Every set at the start of session 5 (main 3c9ae56, five-set weights), first clause and absent 无对应 / weak / confident.
SESSION5_START = {"dev": ("18/18", "0 / 2 / 0"), "held-out": ("58/63", "6 / 14 / 2"), "fresh": ("56/60", "12 / 7 / 1"),
                  "fresh2": ("55/64", "80 / 52 / 2"), "fresh3": ("49/55", "89 / 69 / 3"),
                  "fresh4": ("38/62", "46 / 26 / 1")}
# Every set at the start of session 6 (main e5f38f0, the kb code of 02d949b; six-set weights), first clause and absent.
SESSION6_START = {"dev": ("18/18", "0 / 2 / 0"), "held-out": ("56/63", "5 / 15 / 2"), "fresh": ("55/60", "12 / 7 / 1"),
                  "fresh2": ("56/64", "79 / 53 / 2"), "fresh3": ("50/55", "83 / 75 / 3"),
                  "fresh4": ("45/62", "49 / 24 / 0"), "fresh5": ("37/45", "115 / 72 / 2")}
# The confidence before issue 13's key terms (the ranking before is bench/fit_compare.FORMER).
FORMER_CONFIDENCE = dict(bm25=1.5, coverage=2.0, dense=1.5, topic=1.0, heading_topic=0.5, key=0.0, no_key=0.0, bias=-2.6,
                         match=0.55, weak=0.27)


def measure_sets(kbs: dict, held_out: bool = True) -> dict[str, dict[str, CompareReport]]:
    """Each set on its own index (`kbs`: "seeds" and "corpus"), with the current ranking and the one before;
    without `held_out`, the held-out sets are not scored."""
    sets = {k: v for k, v in SETS.items() if held_out or not is_held_out(v[0])}
    out: dict[str, dict[str, CompareReport]] = {"after": {}, "before": {}}
    for name, (file, _, where) in sets.items():
        out["after"][name] = evaluate_compare(kbs[where], ROOT / "eval" / file)
    rank, confidence = M.RANK, M.CONFIDENCE
    M.RANK, M.CONFIDENCE = replace(rank, **FORMER), replace(confidence, **FORMER_CONFIDENCE)
    try:
        for name, (file, _, where) in sets.items():
            out["before"][name] = evaluate_compare(kbs[where], ROOT / "eval" / file)
    finally:
        M.RANK, M.CONFIDENCE = rank, confidence
    return out


def _cell(r: CompareReport) -> str:
    return f"{r.held}/{r.pairs} = {r.accuracy:.3f} · {r.held_also}/{r.pairs} = {r.held_also / r.pairs:.3f}"


def _absent(r: CompareReport) -> str:
    """Absent documents: shown as 无对应 / as a weak guess / as a confident match, of all absent pairs."""
    weak = r.unjudged_matched - r.unjudged_confident
    return f"{r.unjudged - r.unjudged_matched} / {weak} / {r.unjudged_confident} of {r.unjudged}"


def render(results: dict[str, dict[str, CompareReport]], fit: list[str]) -> str:
    lines = ["## Comparison on every comparison judgement set (issue 13)", "",
             "First-clause accuracy: the share of judged (measure, document) pairs whose first listed clause is the "
             "judged one · the same counting the document's `also` clauses as right (eval/README.md). Default "
             "model; dev, held-out and fresh on the five seeds, fresh2 to fresh5 on all nine documents of corpus/. `before` "
             "is the ranking and confidence before issue 13's key terms. Absent: the (measure, document) pairs a "
             "document does not treat (or, for dev and held-out, leaves unjudged), shown as 无对应 / as a weak "
             "guess (可能对应（较弱）) / as a confident match.", "",
             "| set | measures | before | after | absent before | absent after | further clauses listed: judged |",
             "|---|---|---|---|---|---|---|"]
    for name, (_, how, _where) in SETS.items():
        if name not in results["after"]:
            lines.append(f"| {name} ({how}) | not scored in this run (held out: `--no-held-out`) | | | | | |")
            continue
        a, b = results["after"][name], results["before"][name]
        lines.append(f"| {name} ({how}) | {len(a.per_measure)} | {_cell(b)} | {_cell(a)} | {_absent(b)} "
                     f"| {_absent(a)} | {a.extra_judged}/{a.extra} |")
    lines += ["", "At session 6's start (main e5f38f0, six-set weights; fresh5 just released), first clause · absent: "
              + "; ".join(f"{k} {v[0]} · {v[1]}" for k, v in SESSION6_START.items()) + "."]
    lines += ["", "At session 5's start (main 3c9ae56, weights and confidence fitted on five sets), first clause · absent: "
              + "; ".join(f"{k} {v[0]} · {v[1]}" for k, v in SESSION5_START.items()) + "."]
    lines += ["", f"fresh3 untouched (main cf7b282, before issue 13's fourth round changed any code): "
              f"{FRESH3_UNTOUCHED[0]}; absent {FRESH3_UNTOUCHED[1]}. Tuned on since session 4 (leave-one-set-out).",
              "", f"fresh4 untouched (main 811079a, the commit adding it, before session 4's tuning could see it): "
              f"{FRESH4_UNTOUCHED[0]}; absent {FRESH4_UNTOUCHED[1]}; 15 measures. At session 4's end: {FRESH4_SESSION4[0]}; "
              f"absent {FRESH4_SESSION4[1]}. Held out in session 4, tuned on since session 5 (leave-one-set-out).",
              "", f"fresh5 untouched (main 02d949b, held out in session 5, tuned on since session 6, leave-one-set-out): "
              f"first clause {FRESH5_UNTOUCHED}.",
              "", f"fresh2 untouched (main e4a7c86, before issue 13's third round changed any code): "
              f"{FRESH2_UNTOUCHED[0]}; absent {FRESH2_UNTOUCHED[1]}."]
    for name in ("fresh", "fresh2", "fresh3", "fresh4", "fresh5"):
        misses = [f"{m.id} {m.doc[:3]} ({m.path or m.status})" for m in results["after"][name].misses]
        lines += ["", f"{name} misses after: {', '.join(misses) or 'none'}."]
    lines += ["", "How the weights were chosen (bench/fit_compare.py: grid search on first-clause accuracy, "
              "leave-one-set-out over dev + held-out + fresh + fresh2 + fresh3 + fresh4 + fresh5; confidence: logistic model, floor keeping "
              "98 in 100 judged documents):", "", "```", *fit, "```", "",
              "Re-run: `python bench/compare_sets.py` (this table); `python bench/fit_compare.py` (the weights' "
              "grid search and confidence fit, leave-one-set-out over dev + held-out + fresh + fresh2 + fresh3 + fresh4 + fresh5; "
              "held-out sets are never read there); one set: `kb --index DIR eval eval/fresh2_compare.jsonl -v` (DIR built from corpus/)."]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", help="an index of the five seeds")
    ap.add_argument("--corpus-index", help="an index of the whole corpus/ (fresh2 is judged on all nine documents)")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--no-held-out", action="store_true", help="score none of the held-out sets")
    args = ap.parse_args()
    from seeds import corpus_kb, seed_kb

    kb = seed_kb(args.index, prefix="kb-cmpsets-")
    kbs = {"seeds": kb, "corpus": corpus_kb(args.corpus_index, prefix="kb-cmpcorpus-")}
    text = render(measure_sets(kbs, held_out=not args.no_held_out), report(kbs))
    print(text)
    if not args.no_write:
        update_section("compare", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
