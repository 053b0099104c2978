"""Retrieval quality on every judgement set, side by side: the dev set the project tuned on, our own further
judgements, the held-out sets, and the off-topic questions; kb before and after issue 12 and the peer pipelines.
Writes the "quality" section of bench/RESULTS.md (bench/run.py calls it; alone:

    python bench/quality.py --index bench/out/seed_index [--corpus-index bench/out/corpus_index] [--no-write]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from results_md import update_section  # noqa: E402

from kb.evaluate import EvalReport, evaluate, load_queries  # noqa: E402
from kb.fusion import FusionWeights  # noqa: E402
from kb.search import KnowledgeBase  # noqa: E402

EVAL = ROOT / "eval"
ANSWERABLE = {"dev": "dev_queries.jsonl", "own": "own_queries.jsonl", "heldout": "heldout_queries.jsonl",
              "fresh": "fresh_queries.jsonl"}
OFFTOPIC = {"offtopic": "offtopic_queries.jsonl", "own_off": "own_offtopic.jsonl", "fresh_off": "fresh_offtopic.jsonl"}
# Judged over all nine documents of corpus/ (eval/README.md): scored on an index of the whole corpus.
CORPUS_SETS = {"fresh2": "fresh2_queries.jsonl", "fresh2_off": "fresh2_offtopic.jsonl",
               "fresh3": "fresh3_queries.jsonl", "fresh3_off": "fresh3_offtopic.jsonl",
               "fresh4": "fresh4_queries.jsonl", "fresh4_off": "fresh4_offtopic.jsonl"}
SET_LABELS = {"dev": "dev (30, tuned on before)", "own": "own (32, issue 12)", "heldout": "held-out (96)",
              "fresh": "fresh (54, seen since round 3)", "offtopic": "off-topic held-out (30)",
              "own_off": "off-topic own (28)", "fresh_off": "off-topic fresh (15)",
              "fresh2": "fresh2 (52, nine documents, seen since round 4)", "fresh2_off": "off-topic fresh2 (20)",
              "fresh3": "fresh3 (66, nine documents, seen since session 4)", "fresh3_off": "off-topic fresh3 (20)",
              "fresh4": "fresh4 (85, nine documents, seen since session 5)", "fresh4_off": "off-topic fresh4 (20, seen since session 5)"}
# The fusion weights before issue 12 (kb/fusion.py at the time), for the "before" rows.
# fresh2 measured once on the code it was written against (main 842d30c, before round 3 changed anything), on an
# index of all of corpus/: the untouched start figure, kept beside what the section re-measures.
FRESH2_UNTOUCHED = {"ndcg": 0.622, "mrr": 0.653, "recall": 0.645, "empty": "15/20", "lookup_first": "11/13",
                    "per_kind": {"colloquial": 0.135, "lookup": 0.852, "number": 1.0, "place_level": 0.841,
                                 "question": 0.897, "theme": 0.865}}
# fresh3 the same for round 4 (kb code of main f3506a0, eval/README.md), on a fresh index of all of corpus/.
FRESH3_UNTOUCHED = {"ndcg": 0.651, "mrr": 0.684, "recall": 0.663, "empty": "19/20", "lookup_first": "16/16",
                    "per_kind": {"colloquial": 0.151, "keyword": 0.975, "lookup": 0.987, "number": 0.980,
                                 "place_level": 0.834, "question": 0.897, "theme": 0.841}}
# fresh4 (held out in session 4, a tuning set since session 5; eval/README.md) measured once, untouched, on main 811079a (the commit after the sets were added;
# kb code of main b9e6798), on a fresh index of all of corpus/; BM25 and dense alone are the plain rankings below.
FRESH4_UNTOUCHED = {"ndcg": 0.751, "mrr": 0.782, "recall": 0.755, "empty": "16/20", "lookup_first": "18/18",
                    "per_kind": {"colloquial": 0.295, "keyword": 0.983, "lookup": 0.983, "number": 1.0,
                                 "place_level": 0.957, "question": 0.864, "theme": 0.983},
                    "bm25_alone": (0.678, 0.690), "dense_alone": (0.572, 0.611)}
ON_SETS = (*ANSWERABLE, "fresh2", "fresh3", "fresh4")
OFF_SETS = (*OFFTOPIC, "fresh2_off", "fresh3_off", "fresh4_off")
KIND_SETS = ("heldout", "fresh", "fresh2", "fresh3", "fresh4")
BEFORE = FusionWeights(bm25=0.5, dense=0.5, heading=0.0, topic=0.05, coverage=0.1, phrase=0.5)


def _systems(kb: KnowledgeBase) -> dict:
    """name → question → ranked clauses."""
    after = kb.weights

    def ranked(retriever: str, weights: FusionWeights):
        def run(q: str):
            kb.weights = weights
            try:
                return [h.clause for h in kb.ranked(q, k=10, retriever=retriever)]
            finally:
                kb.weights = after
        return run

    return {
        "kb hybrid (issue 12)": lambda q: [h.clause for h in kb.search(q, k=10)],
        "kb bm25 mode (issue 12, with floor)": lambda q: [h.clause for h in kb.search(q, k=10, retriever="bm25")],
        "kb hybrid before issue 12": ranked("hybrid", BEFORE),
        "BM25 alone (plain ranking)": ranked("bm25", BEFORE),
        "dense alone (plain ranking)": ranked("dense", BEFORE),
    }


def measure(kb: KnowledgeBase, with_peers: bool = True, corpus_kb: KnowledgeBase | None = None) -> dict:
    """Every set on the seed index `kb`; the sets of all nine documents (fresh2, fresh3, fresh4) on `corpus_kb` (an
    index of all of corpus/) if given. Only figures are kept: no question and no miss of any set is reported."""
    sets = {n: load_queries(EVAL / f) for n, f in {**ANSWERABLE, **OFFTOPIC}.items() if (EVAL / f).exists()}
    wide = {n: load_queries(EVAL / f) for n, f in CORPUS_SETS.items() if corpus_kb and (EVAL / f).exists()}
    out: dict = {"systems": {}, "peers": {}}
    for name, run in _systems(kb).items():
        out["systems"][name] = {s: _figures(evaluate(run, qs, clauses=kb.clauses)) for s, qs in sets.items()}
    if corpus_kb is not None:
        for name, run in _systems(corpus_kb).items():
            out["systems"][name] |= {s: _figures(evaluate(run, qs, clauses=corpus_kb.clauses))
                                     for s, qs in wide.items()}
    if with_peers and kb.has_dense:
        from peers import PEERS, Peers, evaluate_peer

        peers = Peers(kb.documents, kb.embedder)
        for how, label in PEERS.items():
            out["peers"][label] = {s: evaluate_peer(peers, qs, how) for s, qs in sets.items()}
    tune = ROOT / "bench" / "tune.json"  # tracked: the CV takes long, its record stays with the results
    out["cv"] = json.loads(tune.read_text("utf-8"))["cv"] if tune.exists() else None
    out["weights"] = dataclasses.asdict(kb.weights)
    return out


def _figures(r: EvalReport) -> dict:
    lookups = [x for x in r.per_query if x.kind == "lookup"]
    return {"ndcg": r.ndcg, "mrr": r.mrr, "recall": r.recall, "empty": r.offtopic_empty if r.offtopic else None,
            "unit": r.mean_unit_chars, "per_kind": {k: dataclasses.asdict(v) for k, v in r.per_kind.items()},
            "lookup_first": (sum(x.rr == 1.0 for x in lookups), len(lookups))}


def _untouched(what: str, u: dict) -> str:
    """A set's untouched start figures as one sentence of the section (what it was measured on in `what`)."""
    return (f"{what}: nDCG {u['ndcg']:.3f} / MRR {u['mrr']:.3f} / Recall {u['recall']:.3f}, off-topic {u['empty']} "
            f"empty, lookups first {u['lookup_first']}; by kind "
            + ", ".join(f"{k} {v:.3f}" for k, v in u["per_kind"].items()))


def report(m: dict) -> str:
    lines = ["## Retrieval quality on every judgement set (issue 12)", "",
             "nDCG@10 / MRR@10 / Recall@10 on answerable sets (ideal DCG over every clause of the index that "
             "satisfies a judged item, eval/README.md); share answered with nothing on off-topic sets. "
             "`dev` is what the project tuned on before; `own` and `held-out` were not used to write any rule "
             "(the weights and the floor are chosen by leave-one-set-out cross-validation, table below); `fresh` "
             "was written before the second round of issue 12 and is tuned on since the third; `fresh2` was written "
             "before the third round changed any code and was never used to choose anything (eval/README.md). "
             "Re-run with `python bench/quality.py` (and `python bench/tune.py` for the CV).", "",
             "| system | " + " | ".join(SET_LABELS[s] for s in (*ON_SETS, *OFF_SETS)) + " | unit chars |",
             "|---|" + "---|" * (len(ON_SETS) + len(OFF_SETS) + 1)]

    def cells(figs: dict) -> str:
        row = []
        for s in ON_SETS:
            f = figs.get(s)
            row.append(f"{f['ndcg']:.3f} / {f['mrr']:.3f} / {f['recall']:.3f}" if f else "—")
        for s in OFF_SETS:
            f = figs.get(s)
            row.append(f"{f['empty']:.2f} empty" if f and f.get("empty") is not None else "—")
        unit = figs.get("heldout", {}).get("unit") or figs.get("heldout", {}).get("unit_chars") or 0
        return " | ".join(row) + f" | {unit:.0f} |"

    for name, figs in m["systems"].items():
        lines.append(f"| {name} | {cells(figs)}")
    for name, figs in m["peers"].items():
        lines.append(f"| peer: {name} | {cells(figs)}")
    after = m["systems"]["kb hybrid (issue 12)"]
    before = m["systems"]["kb hybrid before issue 12"]
    lines += ["", _untouched("fresh2 at the start of round 3 (untouched, main 842d30c)", FRESH2_UNTOUCHED) +
              ". fresh2 is judged over the nine documents of corpus/ and scored on an index of all of them. Its "
              "writer also wrote the thesaurus groups: `python bench/thesaurus_groups.py --leak-check --index "
              "bench/out/corpus_index` scores it with every group word a fresh2 question uses switched off."]
    lines += ["", _untouched("fresh3 at the start of round 4 (untouched, kb code of main f3506a0)", FRESH3_UNTOUCHED) +
              ". fresh3 (eval/README.md) is judged over the nine documents of corpus/ like fresh2; written before "
              "round 4 and untouched then, it is a tuning set since session 4."]
    u = FRESH4_UNTOUCHED
    lines += ["", _untouched("fresh4 at the start of session 4's tuning (untouched, main 811079a)", u) +
              f"; BM25 alone {u['bm25_alone'][0]:.3f} / {u['bm25_alone'][1]:.3f}, dense alone "
              f"{u['dense_alone'][0]:.3f} / {u['dense_alone'][1]:.3f}. fresh4 and its off-topic set were held out "
              "in session 4 and are tuning sets since session 5 (eval/README.md)."]
    lines += ["", "Peers: rebuilt from their published defaults over 250/50-character chunks (bench/peers.py); a chunk "
              "is relevant when it holds a judged string of the judged document.", "",
              "### By kind of question (held-out and fresh sets; nDCG@10 / MRR@10)", "",
              "| kind | held-out queries | before issue 12 | after | fresh queries | before issue 12 | after "
              "| fresh2 queries | before issue 12 | after | fresh3 queries | before issue 12 | after "
              "| fresh4 queries | before issue 12 | after |",
              "|---|" + "---|---|---|" * len(KIND_SETS)]
    kinds = dict.fromkeys(k for s in KIND_SETS for k in after.get(s, {}).get("per_kind", {}))
    for kind in kinds:
        row = [kind]
        for s in KIND_SETS:
            f = after.get(s, {}).get("per_kind", {}).get(kind)
            b = before.get(s, {}).get("per_kind", {}).get(kind, {})
            row += [str(f["queries"]), f"{b.get('ndcg', 0):.3f} / {b.get('mrr', 0):.3f}",
                    f"{f['ndcg']:.3f} / {f['mrr']:.3f}"] if f else ["0", "—", "—"]
        lines.append("| " + " | ".join(row) + " |")
    for s in ("heldout", "own", "fresh", "fresh2", "fresh3", "fresh4"):
        if s in after:
            a_n, a_t = after[s]["lookup_first"]
            b_n, b_t = before[s]["lookup_first"]
            if a_t:
                lines.append(f"\nLookups ({s}): the named document's judged clause first in **{a_n} of {a_t}** "
                             f"(before issue 12: {b_n} of {b_t}).")
    if m.get("cv"):
        lines += ["", "### Leave-one-set-out cross-validation (`python bench/tune.py`)", "",
                  "For each set left out, the fusion weights (a grid of 57 settings) and the relevance floor "
                  "(logistic regression, gate and keep thresholds) are chosen on the other sets, then scored on it.",
                  "", "| left out | chosen on the others | floor gate / keep | score on the left-out set |",
                  "|---|---|---|---|"]
        for row in m["cv"]:
            w, f, fig = row["config"], row["floor"], row["figures"]
            what = (f"{fig['ndcg']:.3f} empty" if fig["offtopic"] else
                    f"nDCG {fig['ndcg']:.3f} · MRR {fig['mrr']:.3f}")
            chosen = (f"bm25 {w['bm25']}, expansion {w['expansion']}, scope {w['scope']}, diversity "
                      f"{w['diversity']}, partial {w['partial']}, coverage {w['coverage']}, phrase {w['phrase']}")
            lines.append(f"| {row['left_out']} | {chosen} | {f['threshold']:.2f} / {f['keep']:.2f} | {what} |")
    w = m["weights"]
    lines += ["", f"Weights in use (kb/fusion.py): {', '.join(f'{k} {v}' for k, v in w.items())}; floor: "
              "kb/data/relevance.toml."]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", default=str(ROOT / "bench" / "out" / "seed_index"))
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--corpus-index", default=str(ROOT / "bench" / "out" / "corpus_index"),
                    help="an index of all of corpus/ (`kb build corpus`, bench/run.py), for fresh2, fresh3, fresh4")
    args = ap.parse_args()
    kb = KnowledgeBase.load(Path(args.index))
    wide = KnowledgeBase.load(Path(args.corpus_index)) if Path(args.corpus_index).exists() else None
    m = measure(kb, with_peers=not args.no_peers, corpus_kb=wide)
    (ROOT / "bench" / "out").mkdir(parents=True, exist_ok=True)
    (ROOT / "bench" / "out" / "quality.json").write_text(json.dumps(m, ensure_ascii=False, indent=1), "utf-8")
    text = report(m)
    print(text)
    if not args.no_write:
        update_section("quality", text)


if __name__ == "__main__":
    main()
