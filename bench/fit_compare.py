"""Fit the comparison's clause-ranking weights (kb.compare.measure.RankWeights) and confidence on the dev, held-out,
fresh, fresh2, fresh3, fresh4 and fresh5 comparison judgements (fresh is seen since issue 13's third round, fresh2 since
its fourth, fresh3 since session 4, fresh4 since session 5, fresh5 since session 6), with leave-one-SET-out cross-validation: each set was written by another hand in another
round, so a fold scores weights on a set none of whose measures they saw (leave-one-measure-out within pooled sets
rewarded weights fitted to the sets' writers; every round's untouched set scored below it). The held-out sets
(bench/held_out.py) are never read here. dev, held-out and fresh are judged on the five seeds, fresh2 to
fresh5 on all nine documents of corpus/.

For each judged (measure, document) the document's clauses compete, the judged clause the right answer;
the ranking weights are searched on a grid for the most first clauses judged (per fold: the grid is searched on the
other sets, then scored on the one left out). The confidence (ConfidenceModel) is a logistic model of "this
first clause should be shown" with the floor that keeps 98 in 100 judged documents. Prints each fold's figure, the
in-sample figures and the weights chosen on everything (to copy into kb/compare/measure.py):

    python bench/fit_compare.py [--index DIR] [--corpus-index DIR]
    # --index: an index of the five seeds, --corpus-index: one of the whole corpus/ (default: built here)
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import pickle
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from held_out import refuse  # noqa: E402

from kb.compare import measure as M  # noqa: E402
from kb.compare.common import MEASURE_EXCLUDED_KINDS, eligible  # noqa: E402
from kb.evaluate import load_comparisons, satisfies  # noqa: E402

# file → the index it is judged on ("seeds": the five seeds; "corpus": all of corpus/)
SETS = {"dev_compare.jsonl": "seeds", "heldout_compare.jsonl": "seeds", "fresh_compare.jsonl": "seeds",
        "fresh2_compare.jsonl": "corpus", "fresh3_compare.jsonl": "corpus", "fresh4_compare.jsonl": "corpus",
        "fresh5_compare.jsonl": "corpus"}
refuse(SETS, "bench/fit_compare.py")
NAMES = [f.name for f in dataclasses.fields(M.RankWeights)]


def judged_groups(kbs: dict) -> list[dict]:
    """One group per judged (measure, document): feature matrix, index of the judged clause, `also` mask.
    `kbs`: the index each set is judged on, by SETS's names ("seeds", "corpus")."""
    groups = []
    for name, where in SETS.items():
        kb = kbs[where]
        for m in load_comparisons(ROOT / "eval" / name):
            q = M._make_query(kb, m.query, None)
            qvec = kb.query_vector(q.text) if kb.has_dense else None
            median, spread = M._cosine_scale(kb, qvec) if qvec is not None else (0.0, 0.0)
            for item in m.expected:
                doc = kb.document(item.doc)
                clauses = eligible(kb, doc, MEASURE_EXCLUDED_KINDS)
                bm = M._bm25_of(kb, q.tokens, {doc.id: clauses})
                sigs = M._signals(kb, q, clauses, bm, qvec, median, spread)
                feats = M.rank_features(sigs, clauses, kb.has_dense)
                x = np.array([[f[n] for n in NAMES] for f in feats])
                pos = [i for i, c in enumerate(clauses) if satisfies(c, item)]
                also = np.array([any(satisfies(c, a) for a in m.also if a.doc == item.doc) for c in clauses])
                if pos:
                    groups.append({"set": name, "measure": m.id, "x": x, "pos": pos[0], "also": also & (np.arange(len(x)) != pos[0])})
    return groups


CONF_NAMES = ("bm25", "coverage", "dense", "topic", "heading_topic", "key", "no_key")


# Questions no document answers (eval/*offtopic*.jsonl but the held-out one): as measures, every document of
# corpus/ is a document that does not treat them, so they are negatives of the confidence in every fold.
OFFTOPIC = ("offtopic_queries.jsonl", "own_offtopic.jsonl", "fresh_offtopic.jsonl", "fresh2_offtopic.jsonl",
            "fresh3_offtopic.jsonl", "fresh4_offtopic.jsonl", "fresh5_offtopic.jsonl")
refuse(OFFTOPIC, "bench/fit_compare.py")


def _first_clauses(kb, query: str):
    """Each document's clauses and the index of its first-ranked one, with that clause's confidence features."""
    q = M._make_query(kb, query, None)
    qvec = kb.query_vector(q.text)
    median, spread = M._cosine_scale(kb, qvec)
    for doc in kb.documents:
        clauses = eligible(kb, doc, MEASURE_EXCLUDED_KINDS)
        bm = M._bm25_of(kb, q.tokens, {doc.id: clauses}) if q.tokens else None
        sigs = M._signals(kb, q, clauses, bm, qvec, median, spread)
        scores = M._rank(sigs, clauses, True)
        best = max(range(len(clauses)), key=lambda i: (scores[i], -clauses[i].ordinal))
        s = dict(sigs[best], dense=min(1.0, sigs[best]["dense_rel"]), key=sigs[best]["key_found"])
        yield doc, clauses, best, np.array([s[n] for n in CONF_NAMES])


def confidence_rows(kbs: dict) -> list[dict]:
    """Each (measure, document)'s first-ranked clause: its confidence features and whether it should be shown
    (1: the document is judged and the clause is its judged or `also` clause; 0: the document does not treat
    the measure). A judged document whose first clause is another one is left out (neither answer is right).
    The off-topic questions (OFFTOPIC, on all of corpus/) are rows of set "off-topic", every one a 0."""
    rows = []
    for name, where in SETS.items():
        for m in load_comparisons(ROOT / "eval" / name):
            judged = {j.doc for j in m.expected}
            for doc, clauses, best, x in _first_clauses(kbs[where], m.query):
                if doc.source in judged:
                    items = [j for j in m.expected + m.also if j.doc == doc.source]
                    if not any(satisfies(clauses[best], j) for j in items):
                        continue
                    label = 1
                else:
                    label = 0
                rows.append({"set": name, "measure": m.id, "x": x, "y": label})
    for name in OFFTOPIC:
        for line in (ROOT / "eval" / name).read_text("utf-8").splitlines():
            query = json.loads(line)["query"]
            rows += [{"set": "off-topic", "measure": query, "x": x, "y": 0} for *_, x in _first_clauses(kbs["corpus"], query)]
    return rows


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 0.01, steps: int = 5000, lr: float = 0.5) -> np.ndarray:
    """Weights for CONF_NAMES then the bias; L2 on the weights."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(xb @ w)))
        grad = xb.T @ (p - y) / len(y)
        grad[:-1] += 2 * l2 * w[:-1]
        w -= lr * grad
    return w


def fit_confidence(rows: list[dict], keep: float = 0.98) -> tuple[np.ndarray, float]:
    """The logistic model and the floor: the highest that still shows `keep` of the documents that treat the
    measure (an empty row where a document does treat it costs a first-clause miss; with `keep` 1 the single
    lowest one sets the floor, and most absent documents show as guesses)."""
    x = np.array([r["x"] for r in rows])
    y = np.array([r["y"] for r in rows])
    w = fit_logistic(x, y)
    p = np.sort(1 / (1 + np.exp(-(x[y == 1] @ w[:-1] + w[-1]))))
    return w, float(np.floor(100 * p[min(len(p) - 1, int((1 - keep) * len(p)))]) / 100)


def floor_report(rows: list[dict], w: np.ndarray, floor: float) -> tuple[int, int, int, int]:
    """(shown of the should-show, should-show, hidden of the should-hide, should-hide)."""
    x = np.array([r["x"] for r in rows])
    y = np.array([r["y"] for r in rows])
    p = 1 / (1 + np.exp(-(x @ w[:-1] + w[-1])))
    return int(((p >= floor) & (y == 1)).sum()), int((y == 1).sum()), int(((p < floor) & (y == 0)).sum()), \
        int((y == 0).sum())


FREE = ("bm25", "dense", "operative", "heading_topic", "key", "key_sentence", "sentence")  # searched; the others stay as they are
GRID = (0.0, 0.1, 0.2, 0.35, 0.5, 0.7)
# The ranking before the key terms (issue 13): ties on the grid go to the combination nearest it, so that the
# cross-validation does not lean on weights already chosen on all the data.
FORMER = {"bm25": 0.35, "dense": 0.35, "heading": 0.15, "parent": 0.05, "topic": 0.30, "heading_topic": 0.20,
          "coverage": 0.10, "provision": 0.03, "key": 0.0, "key_sentence": 0.0, "sentence": 0.0, "operative": 0.0}


def grid_outcomes(groups: list[dict], base: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every combination of GRID values for FREE: the weight rows, and per group whether the first clause is
    the judged one (exact) or the judged one or an `also` (ok)."""
    combos = np.array(list(itertools.product(GRID, repeat=len(FREE))))
    w = np.tile(base, (len(combos), 1))
    for j, name in enumerate(FREE):
        w[:, NAMES.index(name)] = combos[:, j]
    exact = np.zeros((len(groups), len(w)), dtype=bool)
    ok = np.zeros_like(exact)
    for k, g in enumerate(groups):
        best = (g["x"] @ w.T).argmax(0)  # ties: the earlier clause, as compare_measure orders them
        exact[k] = best == g["pos"]
        ok[k] = exact[k] | g["also"][best]
    return w, exact, ok


def pick(w: np.ndarray, exact: np.ndarray, ok: np.ndarray, rows: np.ndarray, base: np.ndarray) -> int:
    """The combination with most exact first clauses (+ half an `also`), nearest the current weights on ties."""
    return int(np.argmax(exact[rows].sum(0) + 0.5 * ok[rows].sum(0) - 1e-3 * np.abs(w - base).sum(1)))


def accuracy(groups: list[dict], w: np.ndarray) -> tuple[int, int]:
    """(first clause judged, first clause judged or `also`)."""
    exact = ok = 0
    for g in groups:
        s = g["x"] @ w
        best = int(np.argmax(s))  # ties: the earlier clause, as compare_measure orders them
        exact += best == g["pos"]
        ok += best == g["pos"] or bool(g["also"][best])
    return exact, ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", help="an index of the five seeds")
    ap.add_argument("--corpus-index", help="an index of the whole corpus/ (fresh2 is judged on all nine documents)")
    ap.add_argument("--cached", action="store_true", help="reuse the features of the last run (weights only)")
    args = ap.parse_args()
    from seeds import corpus_kb, seed_kb

    kbs = {"seeds": seed_kb(args.index, prefix="kb-fitcmp-"),
           "corpus": corpus_kb(args.corpus_index, prefix="kb-fitcmp-corpus-")}
    cache = Path(tempfile.gettempdir()) / f"kb-fit-compare-{ROOT.name}.pkl"
    if args.cached and cache.exists():
        groups = pickle.loads(cache.read_bytes())
    else:
        groups = judged_groups(kbs)
        cache.write_bytes(pickle.dumps(groups))
    print("\n".join(report(kbs, groups)))
    return 0


def _set_name(file: str) -> str:
    return file.removesuffix("_compare.jsonl")


def report(kbs: dict, groups: list[dict] | None = None) -> list[str]:
    """The grid search and the confidence fit, cross-validated leaving one set out, as lines of text (`kbs` as
    for judged_groups)."""
    groups = judged_groups(kbs) if groups is None else groups
    current = np.array([getattr(M.RANK, n) for n in NAMES])
    # ties go to the weights nearest FORMER; the weights the grid leaves alone stay as they are now
    former = np.array([FORMER[n] if n in FREE else getattr(M.RANK, n) for n in NAMES])
    w, exact, ok = grid_outcomes(groups, former)
    sets = np.array([g["set"] for g in groups])
    n = len(groups)
    folds = []
    for name in SETS:
        test = np.flatnonzero(sets == name)
        b = pick(w, exact, ok, np.flatnonzero(sets != name), former)
        e0, _ = accuracy([groups[k] for k in test], current)
        folds.append(f"{_set_name(name)} {int(exact[test, b].sum())}/{len(test)} (current weights {e0}/{len(test)})")
    e0, o0 = accuracy(groups, current)
    b = pick(w, exact, ok, np.arange(n), former)
    ef, of = accuracy(groups, np.array([FORMER[n] for n in NAMES]))
    out = [f"{n} judged pairs, {len(set(g['measure'] for g in groups))} measures "
           f"({' + '.join(_set_name(f) for f in SETS)}); grid {GRID} over {', '.join(FREE)}",
           f"former weights (no key terms): {ef}/{n} first clause judged, {of}/{n} with also",
           f"current weights:               {e0}/{n}, {o0}/{n} with also",
           "grid, leave-one-set-out (each fold: the grid searched on the other sets, scored on this one): "
           + "; ".join(folds),
           f"grid on all (in-sample):       {int(exact[:, b].sum())}/{n}, {int(ok[:, b].sum())}/{n} with also",
           "weights: " + ", ".join(f"{k}={v:g}" for k, v in zip(NAMES, w[b], strict=True))]
    if not all(kb.has_dense for kb in kbs.values()):
        return out
    rows = confidence_rows(kbs)
    current = np.array([getattr(M.CONFIDENCE, n) for n in CONF_NAMES] + [M.CONFIDENCE.bias])
    out += [f"confidence of the first clause, {len(rows)} (measure, document) pairs; floor {M.CONFIDENCE.weak}; "
            "(shown of should-show, should-show, hidden of should-hide, should-hide):",
            f"current model: {floor_report(rows, current, M.CONFIDENCE.weak)}"]
    folds = []
    for name in SETS:
        wf, floor = fit_confidence([r for r in rows if r["set"] != name])
        folds.append(f"{_set_name(name)} {floor_report([r for r in rows if r['set'] == name], wf, floor)} "
                     f"floor {floor:.2f}")
    wf, floor = fit_confidence(rows)
    off = [r for r in rows if r["set"] == "off-topic"]
    out += ["fitted, leave-one-set-out (the off-topic questions always among the fitted): " + "; ".join(folds),
            f"off-topic questions' documents, fitted on all: {floor_report(off, wf, floor)[2:]} hidden",
            f"fitted on all, floor {floor:.2f}: {floor_report(rows, wf, floor)}; weights: "
            + ", ".join(f"{k}={v:.2f}" for k, v in zip((*CONF_NAMES, "bias"), wf, strict=True))]
    return out


if __name__ == "__main__":
    raise SystemExit(main())
