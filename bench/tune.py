"""Choose the fusion weights and fit the relevance floor by cross-validation across query sets.

    python bench/tune.py                 # grid + leave-one-set-out CV; prints the table, writes nothing
    python bench/tune.py --write-floor   # also writes the floor fitted on every set to kb/data/relevance.toml
    python bench/tune.py --current-weights --door-only --write-floor   # the shipped floor, its semantic door chosen

Each weight setting ranks every question of every set once, with the floor off and the candidates' floor
features kept; a floor is then a filter over those lists, so fitting it and choosing its threshold is cheap.
CV: for each set left out, the weights and the floor are chosen on the other sets and scored on it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from held_out import refuse  # noqa: E402

from kb.evaluate import Query, load_queries, relevant_in_index, satisfies  # noqa: E402
from kb.relevance import Floor, load_floor  # noqa: E402
from kb.search import FusionWeights, KnowledgeBase  # noqa: E402

EVAL = ROOT / "eval"
# The sets weights and floor may be fitted on. fresh was the untouched set of issue 12's second round and is
# seen since its third; fresh2 since round 4, fresh3 since session 4, fresh4 since session 5 and
# fresh5 since session 6 (judged over all
# nine documents of corpus/, so ranked on an index of all of it: `--corpus-index`).
SETS = {"dev": "dev_queries.jsonl", "own": "own_queries.jsonl", "heldout": "heldout_queries.jsonl",
        "fresh": "fresh_queries.jsonl", "own_off": "own_offtopic.jsonl", "offtopic": "offtopic_queries.jsonl",
        "fresh_off": "fresh_offtopic.jsonl"}
CORPUS_SETS = {"fresh2": "fresh2_queries.jsonl", "fresh2_off": "fresh2_offtopic.jsonl",
               "fresh3": "fresh3_queries.jsonl", "fresh3_off": "fresh3_offtopic.jsonl",
               "fresh4": "fresh4_queries.jsonl", "fresh4_off": "fresh4_offtopic.jsonl",
               "fresh5": "fresh5_queries.jsonl", "fresh5_off": "fresh5_offtopic.jsonl"}
refuse([*SETS.values(), *CORPUS_SETS.values()], "bench/tune.py")
DEPTH = 40  # candidates kept per question (the floor removes some; 10 are scored)


@dataclasses.dataclass
class Ranked:
    """One question's ranking with the floor off: per hit its clause, floor features, and exemptions."""

    query: Query
    clauses: list
    feats: np.ndarray  # (n, 3) coverage, dense, phrase
    always: np.ndarray  # exact lookups: pass whatever the floor says
    allowed: np.ndarray  # False where a quoted question excludes the clause
    total: int  # R: relevant clauses in the index
    sat: np.ndarray  # (n, judged items): which clause satisfies which item


def rank_all(kbs: dict[str, KnowledgeBase], sets: dict[str, list[Query]],
             weights: FusionWeights) -> dict[str, list[Ranked]]:
    """Every set ranked on its own index (`kbs[name]`)."""
    out = {}
    for name, queries in sets.items():
        kb = kbs[name]
        kb.weights = weights
        lists = []
        for q in queries:
            a = kb.answer(q.query, k=DEPTH, use_floor=False, weak=0)
            s = a.signals[: len(a.hits)]
            feats = np.array([[x.get("coverage", 0.0), x.get("dense", 0.0), x.get("phrase", 0.0)] for x in s])
            lists.append(Ranked(q, [h.clause for h in a.hits], feats.reshape(-1, 3),
                                np.array([x.get("exact", 0.0) > 0 for x in s], dtype=bool),
                                np.array([x.get("allowed", 1.0) > 0 for x in s], dtype=bool),
                                relevant_in_index(q, kb.clauses) if not q.offtopic else 0,
                                np.array([[satisfies(h.clause, j) for j in q.relevant] for h in a.hits],
                                         dtype=bool).reshape(len(a.hits), len(q.relevant))))
        out[name] = lists
    return out


def score_set(lists: list[Ranked], floor: Floor | None) -> dict:
    """nDCG/MRR/recall (answerable) or the share answered with nothing (off-topic), under a floor; the same
    definitions as kb/evaluate.py, on precomputed relevance."""
    nd, rr, rc = [], [], []
    off = all(r.query.offtopic for r in lists)
    disc = 1.0 / np.log2(np.arange(2, 12))
    for r in lists:
        keep = np.ones(len(r.clauses), dtype=bool)
        if floor is not None and len(r.clauses):
            keep = floor.keep_mask(r.feats[:, 0], r.feats[:, 1], r.feats[:, 2], r.always, r.allowed)
        idx = np.flatnonzero(keep)[:10]
        if r.query.offtopic:
            ok = float(idx.size == 0)
            nd.append(ok)
            rr.append(ok)
            rc.append(ok)
            continue
        sat = r.sat[idx]
        rel = sat.any(axis=1) if sat.size else np.zeros(idx.size, dtype=bool)
        dcg = float((disc[: idx.size] * rel).sum())
        ideal = float(disc[: min(10, max(r.total, int(rel.sum())))].sum())
        nd.append(dcg / ideal if ideal else 0.0)
        first = np.flatnonzero(rel)
        rr.append(1.0 / (first[0] + 1) if first.size else 0.0)
        rc.append(float(sat.any(axis=0).mean()) if sat.size else 0.0)
    n = len(lists) or 1
    return {"ndcg": sum(nd) / n, "mrr": sum(rr) / n, "recall": sum(rc) / n, "offtopic": off}


def objective(figs: dict[str, dict]) -> float:
    """Mean nDCG over answerable sets plus mean empty share over off-topic sets (each set counts once)."""
    on = [f["ndcg"] for f in figs.values() if not f["offtopic"]]
    off = [f["ndcg"] for f in figs.values() if f["offtopic"]]
    return (np.mean(on) if on else 0.0) + (np.mean(off) if off else 0.0)


def door_tolerance(sizes: dict[str, tuple[int, bool]]) -> float:
    """The objective's worth of one off-topic question in an off-topic set of mean size (objective: each set once)."""
    off = [n for n, is_off in sizes.values() if is_off]
    return 1.0 / (len(off) * (sum(off) / len(off))) if off else 0.0


def fit_floor(lists_by_set: dict[str, list[Ranked]], names: list[str], model_dense: bool) -> list[Floor]:
    """Logistic regression: judged relevant clauses (1) against off-topic questions' candidates (0); returns
    the fitted floor at a range of thresholds, for the caller to choose among."""
    from sklearn.linear_model import LogisticRegression

    xs, ys = [], []
    for name in names:
        for r in lists_by_set[name]:
            for i, c in enumerate(r.clauses[:20]):
                label = 0 if r.query.offtopic else 1 if any(satisfies(c, j) for j in r.query.relevant) else None
                if label is not None:
                    xs.append(r.feats[i])
                    ys.append(label)
    X, y = np.array(xs), np.array(ys)
    center = 0.87
    Xc = X.copy()
    Xc[:, 1] = 0.0 if not model_dense else Xc[:, 1] - center
    m = LogisticRegression(class_weight="balanced", C=1.0, max_iter=1000).fit(Xc, y)
    cov, dense, phrase = (float(v) for v in m.coef_[0])
    bias = float(m.intercept_[0])
    gates = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
    keeps = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
    return [Floor(cov, dense if model_dense else 0.0, phrase, bias, g, center, kp)
            for g in gates for kp in keeps if kp <= g]


DOOR_GATES = (0.89, 0.895, 0.9, 0.903, 0.905, 0.91, 0.915, 0.92)  # best-sentence cosines (multilingual-e5-small)
DOOR_MARGINS = (0.03, 0.02, 0.01, 0.0)  # dense_keep = gate − margin


def semantic_doors(f: Floor) -> list[Floor]:
    """`f` with a semantic door (kb/relevance.py), most lenient first: lower gate, then wider keep margin."""
    return [dataclasses.replace(f, dense_gate=g, dense_keep=round(g - m, 3)) for g in DOOR_GATES for m in DOOR_MARGINS]


def grid(seed: int = 3, n: int = 36) -> list[FusionWeights]:
    base = FusionWeights()
    space = {"bm25": [0.4, 0.5, 0.6], "expansion": [0.2, 0.5, 0.8], "scope": [0.2, 0.5, 0.8],
             "diversity": [0.0, 0.04, 0.08, 0.15], "partial": [0.7, 0.9, 1.0], "coverage": [0.1, 0.2, 0.4],
             "phrase": [0.4, 0.7, 1.0]}
    configs = [base]
    for key, values in space.items():  # one weight at a time around the default
        for v in values:
            if v != getattr(base, key):
                configs.append(dataclasses.replace(base, **{key: v}))
    rng = random.Random(seed)
    for _ in range(50 * n):
        if len(configs) >= len(space) * 3 + n:
            break
        c = dataclasses.replace(base, **{k: rng.choice(v) for k, v in space.items()})
        if c not in configs:
            configs.append(c)
    return [dataclasses.replace(c, dense=round(1 - c.bm25, 2)) for c in configs]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", default=str(ROOT / "bench" / "out" / "seed_index"))
    ap.add_argument("--corpus-index", default=str(ROOT / "bench" / "out" / "corpus_index"),
                    help="an index of all of corpus/, for fresh2, fresh3 and fresh4 (skipped when missing)")
    ap.add_argument("--configs", type=int, default=36)
    ap.add_argument("--door-only", action="store_true",
                    help="keep the shipped floor (kb/data/relevance.toml) and choose only its semantic door")
    ap.add_argument("--current-weights", action="store_true",
                    help="rank once, with the weights in use (kb/fusion.py): choose only the floor")
    ap.add_argument("--write-floor", action="store_true")
    ap.add_argument("--out", default=str(ROOT / "bench" / "tune.json"))
    args = ap.parse_args()
    kb = KnowledgeBase.load(Path(args.index))
    kb._qcache.clear()
    sets = {name: load_queries(EVAL / f) for name, f in SETS.items() if (EVAL / f).exists()}
    kbs = dict.fromkeys(sets, kb)
    if Path(args.corpus_index).exists():
        wide = KnowledgeBase.load(Path(args.corpus_index))
        for name, f in CORPUS_SETS.items():
            if (EVAL / f).exists():
                sets[name], kbs[name] = load_queries(EVAL / f), wide
    configs = [kb.weights] if args.current_weights else grid(n=args.configs)
    t = time.time()
    ranked = []
    for i, w in enumerate(configs):
        ranked.append(rank_all(kbs, sets, w))
        print(f"config {i + 1}/{len(configs)} ranked ({time.time() - t:.0f} s)", file=sys.stderr)
    names = list(sets)
    dense = kb.has_dense

    shipped = load_floor(kb.manifest.get("model", {}).get("name", "") if dense else "")

    sets_sizes = {n: (len(qs), all(q.offtopic for q in qs)) for n, qs in sets.items()}

    def choose(train: list[str]) -> tuple[int, Floor, float]:
        floors = [replace(shipped, dense_gate=0.0)] if args.door_only else fit_floor(ranked[0], train, dense)
        best = None
        for ci, lists in enumerate(ranked):
            for f in floors:
                j = objective({n: score_set(lists[n], f) for n in train})
                if best is None or j > best[2] + 1e-9:
                    best = (ci, f, j)
        if dense:  # then the semantic door on those weights and that floor
            ci, f, j = best
            doors = [(door, objective({n: score_set(ranked[ci][n], door) for n in train})) for door in semantic_doors(f)]
            top = max(jd for _, jd in doors)
            if top > j + 1e-9 or any(abs(jd - j) <= 1e-9 for _, jd in doors):
                # The most lenient door within one off-topic question's worth of the best: a stricter door must
                # earn its place by more than one question of evidence, as it costs every colloquial answer that
                # only the dense model finds (session 5's 0.915 won by 0.004 and lost 0.05 nDCG on unseen data).
                tol = door_tolerance({n: sets_sizes[n] for n in train})
                door, jd = next((d, jd) for d, jd in doors if jd >= top - tol)
                best = (ci, door, jd)
        return best

    rows = []
    for left in names:
        ci, f, _ = choose([n for n in names if n != left])
        fig = score_set(ranked[ci][left], f)
        rows.append((left, ci, f, fig))
    ci_all, f_all, j_all = choose(names)
    report = {
        "cv": [{"left_out": left, "config": dataclasses.asdict(configs[ci]), "floor": dataclasses.asdict(f),
                "figures": fig} for left, ci, f, fig in rows],
        "chosen": {"config": dataclasses.asdict(configs[ci_all]), "floor": dataclasses.asdict(f_all),
                   "objective": j_all,
                   "figures": {n: score_set(ranked[ci_all][n], f_all) for n in names},
                   "no_floor_default": {n: score_set(ranked[0][n], None) for n in names}},
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=1), "utf-8")
    print("left out   | weights chosen on the others                 | floor thr | nDCG / MRR or empty share")
    for left, ci, f, fig in rows:
        w = configs[ci]
        what = f"empty {fig['ndcg']:.3f}" if fig["offtopic"] else f"nDCG {fig['ndcg']:.3f} MRR {fig['mrr']:.3f}"
        print(f"{left:10} | bm25 {w.bm25} exp {w.expansion} scope {w.scope} div {w.diversity} part {w.partial} "
              f"cov {w.coverage} phr {w.phrase} | {f.threshold:.2f} door {f.dense_gate:.3f}/{f.dense_keep:.3f} | {what}")
    print("chosen on all sets:", configs[ci_all], f_all)
    for n, fig in report["chosen"]["figures"].items():
        print(f"  {n:10} {fig}")
    # The lexical floor (no dense model): fitted and chosen the same way on the chosen weights' rankings.
    lex_floors = [load_floor("")] if args.door_only else fit_floor(ranked[ci_all], names, False)
    f_lex = max(lex_floors, key=lambda f: objective({n: score_set(ranked[ci_all][n], f) for n in names}))
    print("lexical floor:", f_lex, {n: round(score_set(ranked[ci_all][n], f_lex)["ndcg"], 3) for n in names})
    if args.write_floor:
        write_floor(f_lex, f_all, kb.manifest.get("model", {}).get("name", ""))


def _section(name: str, f: Floor) -> str:
    door = f"dense_gate = {f.dense_gate:.3f}\ndense_keep = {f.dense_keep:.3f}\n" if f.dense_gate else ""
    return (f"{name}coverage = {f.coverage:.4f}\ndense = {f.dense:.4f}\ndense_center = {f.dense_center:.4f}\n"
            f"phrase = {f.phrase:.4f}\nbias = {f.bias:.4f}\nthreshold = {f.threshold:.2f}\nkeep = {f.keep:.2f}\n" + door)


def write_floor(lexical: Floor, f: Floor, model: str) -> None:
    path = ROOT / "kb" / "data" / "relevance.toml"
    head = path.read_text("utf-8").split("[lexical]")[0]
    path.write_text(head + _section("[lexical]  # no dense model, or one the floor was not fitted for\n", lexical)
                    + "\n" + _section(f"[model.default]\nname = \"{model}\"\n", f), "utf-8")


if __name__ == "__main__":
    main()
