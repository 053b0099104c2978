"""Target extraction on every target truth set, overall and per shape of target (issue 13):

    python bench/targets_kinds.py [--set NAME ...] [--misses]

Precision and recall as `kb eval` scores them (kb/target_eval.py). Per shape, both the truth rows and the extracted
targets are split by the shape their unit gives (percent, money, per_unit, count, duration, age, physical,
reference: compared with a reference and no figure), so that a shape's precision counts the extracted targets of
that shape; a match needs the same unit, so a matched pair always has one shape. Rows that carry a hand-written
`type` (targets_fresh2: award, per_unit …) are also given recall per `type`.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from held_out import is_held_out  # noqa: E402
from seeds import make_seed_corpus  # noqa: E402

from kb.target_eval import SCORED_KINDS, load_truth, score_targets  # noqa: E402

REAL = ROOT / "tests" / "fixtures" / "real"
# name → (file, corpus it is scored on, only the documents it names)
SETS = {"truth": ("targets_truth.jsonl", "seeds", False),
        "seed_own": ("targets_seed_own.jsonl", "seeds", False),
        "added": ("targets_added.jsonl", "corpus", True),
        "fresh": ("targets_fresh.jsonl", "real", True),
        "fresh2": ("targets_fresh2.jsonl", "real", True),
        "fresh3": ("targets_fresh3.jsonl", "real", True),
        "fresh4": ("targets_fresh4.jsonl", "real", True),
        "fresh5": ("targets_fresh5.jsonl", "real", True)}
# Held out (eval/README.md): scored for its figures only; its misses and extras are never listed.
HELD_OUT = frozenset(n for n, (f, _, _) in SETS.items() if is_held_out(f))
# targets_fresh3 as first measured, untouched, on main 811079a (the commit adding it; kb code of main b9e6798).
FRESH3_UNTOUCHED = "precision 46/141 = 0.326, recall 46/178 = 0.258 (kinds agree 32, deadlines 44 of the 46)"
TIME_UNITS = frozenset({"年", "个月", "月", "天", "日", "周", "个工作日", "工作日", "小时", "分钟"})
AGE_UNITS = frozenset({"岁", "周岁"})
PERCENT_UNITS = frozenset({"%", "个百分点", "‰"})
PHYSICAL_MARKS = ("米", "公里", "亩", "吨", "千瓦", "瓦", "公顷", "升", "克")


def shape(value: float | None, unit: str) -> str:
    """What kind of quantity a target states, from its unit alone."""
    unit = (unit or "").replace("／", "/").replace("％", "%")
    if value is None:
        return "reference"
    if "/" in unit:
        return "per_unit"
    if unit in PERCENT_UNITS:
        return "percent"
    if "元" in unit:
        return "money"
    if unit in TIME_UNITS:
        return "duration"
    if unit in AGE_UNITS:
        return "age"
    if any(m in unit for m in PHYSICAL_MARKS):
        return "physical"
    return "count"


def _clauses(where: str, docs: set[str], only_named: bool, tmp: Path) -> dict:
    from kb.catalog import load_catalog
    from kb.ingest import ingest_file
    from kb.read import SUPPORTED_SUFFIXES

    corpus = {"seeds": lambda: make_seed_corpus(tmp / "seeds"), "corpus": lambda: ROOT / "corpus",
              "real": lambda: REAL}[where]()
    catalog = load_catalog(corpus)
    return {p.name: ingest_file(p, catalog_entry=catalog.get(p.name)).clauses for p in sorted(corpus.iterdir())
            if p.suffix.lower() in SUPPORTED_SUFFIXES and (p.name in docs or not only_named)}


def _only(clauses: dict, keep) -> dict:
    return {d: [replace(c, targets=[t for t in c.targets if keep(t)]) for c in cs] for d, cs in clauses.items()}


def measure(name: str, tmp: Path) -> dict:
    file, where, only_named = SETS[name]
    path = ROOT / "eval" / file
    truth = load_truth(path)
    types = [json.loads(line).get("type") for line in path.read_text("utf-8").splitlines() if line.strip()]
    clauses = _clauses(where, {t.doc for t in truth}, only_named, tmp)
    overall = score_targets(clauses, truth)
    out = {"set": name, "precision": overall.precision, "recall": overall.recall, "matched": overall.matched,
           "predicted": overall.predicted, "truth": overall.truth, "misses": overall.misses, "extras": overall.extras,
           "by_shape": {}, "by_type": {}}
    shapes = sorted({shape(t.value, t.unit) for t in truth if t.kind in SCORED_KINDS}
                    | {shape(t.value, t.unit) for cs in clauses.values() for c in cs for t in c.targets
                       if t.kind in SCORED_KINDS})
    for s in shapes:
        r = score_targets(_only(clauses, lambda t, s=s: shape(t.value, t.unit) == s),
                          [t for t in truth if shape(t.value, t.unit) == s])
        out["by_shape"][s] = (r.matched, r.predicted, r.truth)
    for ty in sorted({t for t in types if t}):
        rows = [t for t, tt in zip(truth, types, strict=True) if tt == ty]
        r = score_targets(clauses, rows)
        out["by_type"][ty] = (r.matched, r.truth)
    return out


def _ratio(a: int, b: int) -> str:
    return f"{a}/{b} = {a / b:.3f}" if b else f"{a}/0"


def show(m: dict, misses: bool) -> None:
    print(f"## {m['set']}: precision {_ratio(m['matched'], m['predicted'])}, recall {_ratio(m['matched'], m['truth'])}")
    for s, (hit, pred, tru) in m["by_shape"].items():
        print(f"  shape {s:10s} precision {_ratio(hit, pred):16s} recall {_ratio(hit, tru)}")
    for ty, (hit, tru) in m["by_type"].items():
        print(f"  type  {ty:10s} recall {_ratio(hit, tru)}")
    if m["set"] in HELD_OUT:
        print(f"  untouched: {FRESH3_UNTOUCHED}")
    if misses and m["set"] in HELD_OUT:
        print("  (held out: misses and extras not listed)")
    elif misses:
        for x in m["misses"]:
            print("  MISS ", x["doc"][:4], x["text"], "|", x["subject"], x["comparator"], x["value"], x["unit"])
        for x in m["extras"]:
            print("  EXTRA", x["doc"][:4], x["phrase"], "|", x["display"], x["kind"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", action="append", choices=sorted(SETS), help="only these sets (default: all)")
    ap.add_argument("--misses", action="store_true", help="list the misses and the extras")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kb-targets-") as tmp:
        for name in args.set or list(SETS):
            show(measure(name, Path(tmp)), args.misses)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
