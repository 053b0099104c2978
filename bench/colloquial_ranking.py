"""Does the ranking (not the thesaurus) close the colloquial gap? Query-adaptive fusion measured under CV.

Every tuning set (dev, own, held-out, fresh on the seed index; fresh2 on an index of all of corpus/) is scored
with the relevance floor on, under two thesaurus conditions: the packaged one, and one without any word a
question of that set says (`echo-trimmed`: the condition of a set the thesaurus was not written from, as fresh3
is). For each setting of `adapt` / `below` (`adapted` below: lexical weight moved to the dense side when the
best candidate covers little of the question; patched into kb.fusion.fuse here, kb/ is not changed) it reports colloquial and other nDCG@10, then chooses the
setting by leave-one-set-out CV over the four kinded sets and scores each left-out set. `--decompose` splits
the echo-trimmed loss into floor and ranking; `--separation` asks whether a dense margin could let a question
past the floor's gate without letting off-topic ones through. fresh3 was read only with `--final` (once, at
the end of issue 12's fifth round, on the setting chosen on all tuning sets); it is a tuning set since session 4,
and this round's held-out files (bench/held_out.py) are refused.

    python bench/colloquial_ranking.py [--seed-index bench/out/seed_index] [--corpus-index bench/out/corpus_index]
    python bench/colloquial_ranking.py --decompose 0.0/0.8,1.0/1.0
    python bench/colloquial_ranking.py --separation
    python bench/colloquial_ranking.py --final 0.25/1.0     # fresh3, once
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tomllib
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from held_out import refuse  # noqa: E402

from kb import answer as answer_module  # noqa: E402
from kb import fusion  # noqa: E402
from kb.evaluate import evaluate, load_queries, satisfies  # noqa: E402
from kb.search import KnowledgeBase  # noqa: E402
from kb.thesaurus import Thesaurus, _norm, default_thesaurus  # noqa: E402

EVAL = ROOT / "eval"
SEED_SETS = {"dev": "dev", "own": "own", "heldout": "heldout", "fresh": "fresh"}
KINDED = ("own", "heldout", "fresh", "fresh2")  # sets with colloquial questions, the CV folds
OFF = {"offtopic": "offtopic_queries.jsonl", "own_off": "own_offtopic.jsonl", "fresh_off": "fresh_offtopic.jsonl"}
refuse([*(f"{f}_queries.jsonl" for f in SEED_SETS.values()), *OFF.values()], "bench/colloquial_ranking.py")
GRID = [(0.0, 0.8)] + [(a, b) for a in (0.25, 0.5, 0.75, 1.0) for b in (0.6, 0.8, 1.0)]


SETTING = {"adapt": 0.0, "below": 0.8}  # the setting being measured
_FUSE = fusion.fuse


def adapted(weights: fusion.FusionWeights, evidence: float, adapt: float, below: float) -> fusion.FusionWeights:
    """The weights for a question whose best candidate covers `evidence` (0–1) of its terms: BM25, coverage and
    phrase lose a share growing linearly (up to `adapt`) as the evidence falls below `below`; dense gains what
    BM25 lost."""
    if adapt <= 0 or below <= 0 or evidence >= below:
        return weights
    shift = adapt * (below - max(0.0, evidence)) / below
    keep = 1.0 - shift
    return dataclasses.replace(weights, bm25=weights.bm25 * keep, dense=weights.dense + weights.bm25 * shift,
                               coverage=weights.coverage * keep, phrase=weights.phrase * keep)


def adaptive_fuse(signals, weights, extra=fusion.EXTRA_SIGNALS, both=None):
    """kb.fusion.fuse with the weights `adapted` to the best candidate's coverage (the full search's fusion,
    both retrievers asked, some coverage found; a question whose words no candidate holds is left as it is)."""
    cov = signals.get("coverage")
    if extra is fusion.ANSWER_SIGNALS and both and cov is not None and np.any(cov):
        weights = adapted(weights, float(np.max(cov)), SETTING["adapt"], SETTING["below"])
    return _FUSE(signals, weights, extra, both)


def trimmed(data: dict, questions: list[str]) -> Thesaurus:
    """The thesaurus without every colloquial or group word one of the questions says (abbreviations kept)."""
    said = [_norm(q) for q in questions]
    keep = lambda w: not any(_norm(w) in q for q in said)  # noqa: E731
    out = {**data, "colloquial": {w: t for w, t in (data.get("colloquial") or {}).items() if keep(w)},
           "groups": {n: {w: t for w, t in table.items() if keep(w)} for n, table in (data.get("groups") or {}).items()}}
    return Thesaurus.parse(out)


def figures(kb: KnowledgeBase, queries, thesaurus: Thesaurus, use_floor: bool = True) -> dict:
    answer_module.default_thesaurus = lambda: thesaurus
    search = lambda q: [h.clause for h in kb.answer(q, k=10, use_floor=use_floor, weak=0).hits]  # noqa: E731
    try:
        r = evaluate(search, queries, clauses=kb.clauses)
    finally:
        answer_module.default_thesaurus = default_thesaurus
    coll = [x.ndcg for x in r.per_query if x.kind == "colloquial"]
    rest = [x.ndcg for x in r.per_query if x.kind != "colloquial" and not x.offtopic]
    look = [x for x in r.per_query if x.kind == "lookup"]
    return {"ndcg": r.ndcg, "colloquial": sum(coll) / len(coll) if coll else None,
            "other": sum(rest) / len(rest) if rest else None, "empty": r.offtopic_empty if r.offtopic else None,
            "lookup_first": sum(x.rr == 1.0 for x in look), "n_colloquial": len(coll)}


def run(seed: KnowledgeBase, wide: KnowledgeBase, final: bool) -> dict:
    data = tomllib.loads(resources.files("kb.data").joinpath("thesaurus.toml").read_text("utf-8"))
    packaged = Thesaurus.parse(data)
    sets = {n: (seed, load_queries(EVAL / f"{f}_queries.jsonl")) for n, f in SEED_SETS.items()}
    sets["fresh2"] = (wide, load_queries(EVAL / "fresh2_queries.jsonl"))
    offs = {n: (seed, load_queries(EVAL / f)) for n, f in OFF.items()}
    offs["fresh2_off"] = (wide, load_queries(EVAL / "fresh2_offtopic.jsonl"))
    if final:
        sets["fresh3"] = (wide, load_queries(EVAL / "fresh3_queries.jsonl"))
        offs["fresh3_off"] = (wide, load_queries(EVAL / "fresh3_offtopic.jsonl"))
    table: dict = {}
    for adapt, below in GRID if not final else [(0.0, 0.8), final]:
        key = f"{adapt}/{below}"
        SETTING.update(adapt=adapt, below=below)
        row = {}
        for name, (kb, qs) in sets.items():
            row[name] = {"packaged": figures(kb, qs, packaged),
                         "trimmed": figures(kb, qs, trimmed(data, [q.query for q in qs]))}
        for name, (kb, qs) in offs.items():
            row[name] = {"packaged": figures(kb, qs, packaged)}
        table[key] = row
        print(key, json.dumps({n: {c: (round(v["ndcg"], 3), v["colloquial"] and round(v["colloquial"], 3),
                                       v["lookup_first"]) if v["empty"] is None else round(v["empty"], 3)
                                   for c, v in r.items()} for n, r in row.items()}, ensure_ascii=False),
              flush=True)
    SETTING.update(adapt=0.0, below=0.8)
    return table


def decompose(seed: KnowledgeBase, wide: KnowledgeBase, settings: list[tuple[float, float]]) -> None:
    """Colloquial nDCG of each kinded set, echo-trimmed, with the floor on and off: how much of the loss is the
    floor (candidates cut) and how much the ranking."""
    data = tomllib.loads(resources.files("kb.data").joinpath("thesaurus.toml").read_text("utf-8"))
    for adapt, below in settings:
        SETTING.update(adapt=adapt, below=below)
        cells = []
        for name in KINDED:
            kb = wide if name == "fresh2" else seed
            every = load_queries(EVAL / f"{name}_queries.jsonl")
            qs = [q for q in every if q.kind == "colloquial"]
            th = trimmed(data, [q.query for q in every])
            on, off = figures(kb, qs, th)["colloquial"], figures(kb, qs, th, use_floor=False)["colloquial"]
            cells.append(f"{name} {on:.3f} / {off:.3f}")
        print(f"adapt {adapt}/{below}: echo-trimmed colloquial, floor on / off: " + ", ".join(cells), flush=True)


def separation(seed: KnowledgeBase, wide: KnowledgeBase) -> None:
    """Could a dense margin admit a question past the floor's gate? For the echo-trimmed colloquial questions
    the floor empties and the off-topic questions it empties: ROC AUC of the best candidate's dense score (the
    floor's dense input) and of its margin over the 2nd, the 10th and the median candidate, and how many such
    colloquial questions lie above every off-topic one (with the best-dense clause relevant)."""
    data = tomllib.loads(resources.files("kb.data").joinpath("thesaurus.toml").read_text("utf-8"))
    packaged = Thesaurus.parse(data)

    def one(kb: KnowledgeBase, q, th: Thesaurus) -> dict | None:
        answer_module.default_thesaurus = lambda: th
        try:
            if kb.search(q.query, k=10):
                return None  # answered: not a question the gate stops
            a = kb.answer(q.query, k=400, use_floor=False, weak=0)
        finally:
            answer_module.default_thesaurus = default_thesaurus
        d = np.array([x["dense"] for x in a.signals[: len(a.hits)]])
        if d.size < 10:
            return None
        top = int(np.argmax(d))
        s = np.sort(d)[::-1]
        rel = bool(q.relevant) and any(satisfies(a.hits[top].clause, j) for j in q.relevant)
        return {"best": s[0], "- 2nd": s[0] - s[1], "- 10th": s[0] - s[9], "- median": s[0] - np.median(s),
                "relevant": rel}

    coll, off = [], []
    for name in KINDED:
        kb = wide if name == "fresh2" else seed
        every = load_queries(EVAL / f"{name}_queries.jsonl")
        th = trimmed(data, [q.query for q in every])
        coll += [f for q in every if q.kind == "colloquial" and (f := one(kb, q, th))]
    for name, f in {**OFF, "fresh2_off": "fresh2_offtopic.jsonl"}.items():
        kb = wide if name == "fresh2_off" else seed
        off += [x for q in load_queries(EVAL / f) if (x := one(kb, q, packaged))]
    print(f"{len(coll)} echo-trimmed colloquial questions emptied by the floor, {len(off)} off-topic ones")
    for feat in ("best", "- 2nd", "- 10th", "- median"):
        auc = np.mean([(c[feat] > o[feat]) + 0.5 * (c[feat] == o[feat]) for c in coll for o in off])
        top = max(o[feat] for o in off)
        above = [c for c in coll if c[feat] > top]
        print(f"  {feat:8} AUC {auc:.3f}; above every off-topic question ({top:.4f}): {len(above)}, "
              f"best-dense clause relevant in {sum(c['relevant'] for c in above)}")


def objective(row: dict, train: list[str], start: dict) -> float:
    """Mean colloquial nDCG over the training sets that have colloquial questions, packaged and echo-trimmed;
    -inf when a training set's packaged nDCG drops more than 0.005 below the unchanged setting's or an off-topic
    set answers fewer questions with nothing."""
    for n, r in row.items():
        if r["packaged"]["empty"] is not None and r["packaged"]["empty"] < start[n]["packaged"]["empty"] - 1e-9:
            return float("-inf")
    if any(row[n]["packaged"]["ndcg"] < start[n]["packaged"]["ndcg"] - 0.005 for n in train):
        return float("-inf")
    vals = [row[n][c]["colloquial"] for n in train for c in ("packaged", "trimmed") if row[n][c]["colloquial"]
            is not None]
    return sum(vals) / len(vals)


def cv(table: dict) -> list[dict]:
    """Leave one kinded set out: the setting chosen on the others (and dev), scored on it."""
    start = table["0.0/0.8"]
    rows = []
    for left in KINDED:
        train = ["dev", *(n for n in KINDED if n != left)]
        best = max(table, key=lambda key: objective(table[key], train, start))  # noqa: B023
        rows.append({"left_out": left, "chosen": best, "start": start[left], "cv": table[best][left]})
    every = ["dev", *KINDED]
    rows.append({"left_out": "", "chosen": max(table, key=lambda key: objective(table[key], every, start))})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed-index", default=str(ROOT / "bench" / "out" / "seed_index"))
    ap.add_argument("--corpus-index", default=str(ROOT / "bench" / "out" / "corpus_index"))
    ap.add_argument("--final", default="", help="ADAPT/BELOW: score fresh3 once with this setting")
    ap.add_argument("--decompose", default="", help="ADAPT/BELOW,…: floor on/off on the echo-trimmed sets")
    ap.add_argument("--separation", action="store_true", help="dense margins: colloquial vs off-topic")
    args = ap.parse_args()
    seed, wide = KnowledgeBase.load(Path(args.seed_index)), KnowledgeBase.load(Path(args.corpus_index))
    fusion.fuse = adaptive_fuse  # kb/answer.py imports it from kb.fusion at each call
    if args.separation:
        separation(seed, wide)
        return
    if args.decompose:
        decompose(seed, wide, [tuple(float(x) for x in s.split("/")) for s in args.decompose.split(",")])
        return
    final = tuple(float(x) for x in args.final.split("/")) if args.final else ()
    table = run(seed, wide, final)
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / ("colloquial_final.json" if final else "colloquial_ranking.json")).write_text(
        json.dumps(table, ensure_ascii=False, indent=1), "utf-8")
    if final:
        return
    folds = cv(table)
    (out / "colloquial_cv.json").write_text(json.dumps(folds, ensure_ascii=False, indent=1), "utf-8")
    print("chosen on every tuning set:", folds[-1]["chosen"], "(fresh3 once: --final ADAPT/BELOW)")
    for r in folds[:-1]:
        s, c = r["start"], r["cv"]
        print(f"left out {r['left_out']:8} chosen {r['chosen']:9} | packaged nDCG {s['packaged']['ndcg']:.3f} → "
              f"{c['packaged']['ndcg']:.3f}, colloquial {s['packaged']['colloquial']:.3f} → "
              f"{c['packaged']['colloquial']:.3f} | echo-trimmed colloquial {s['trimmed']['colloquial']:.3f} → "
              f"{c['trimmed']['colloquial']:.3f}")


if __name__ == "__main__":
    main()
