"""Ablation of the thesaurus's word groups: for each `[groups.NAME]` table of kb/data/thesaurus.toml, the tuning
sets' questions that use one of its words are searched with the group on and off; a group earns its place when
it helps them or is neutral (nDCG on answerable questions, answered-with-nothing on off-topic ones). Changes
nothing in kb/; writes bench/out/thesaurus_groups.json.

    python bench/thesaurus_groups.py --index bench/out/seed_index --corpus-index bench/out/corpus_index

The tuning sets: dev, own, held-out, fresh and their off-topic sets on the seed index; fresh2, fresh3 and fresh4 (judged
over all nine documents of corpus/, released for tuning; fresh4 since session 5) and theirs on an index of the whole corpus when
`--corpus-index` exists. `--only a,b` measures just those groups. A word of a group may echo a question of a
tuning set (the same engineer wrote fresh2 and the first groups; later groups were written after reading tuning
failures); `--leak-check` bounds that: it scores fresh2, fresh3 and fresh4 (on the corpus index) with every group word a
question of the set says switched off, beside the packaged thesaurus.

    python bench/thesaurus_groups.py --leak-check
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from held_out import refuse  # noqa: E402

from kb import answer as answer_module  # noqa: E402
from kb.evaluate import Query, evaluate, load_queries  # noqa: E402
from kb.search import KnowledgeBase  # noqa: E402
from kb.thesaurus import Thesaurus  # noqa: E402

SETS = {"dev": "dev_queries.jsonl", "own": "own_queries.jsonl", "heldout": "heldout_queries.jsonl",
        "fresh": "fresh_queries.jsonl", "offtopic": "offtopic_queries.jsonl", "own_off": "own_offtopic.jsonl",
        "fresh_off": "fresh_offtopic.jsonl"}
CORPUS_SETS = {"fresh2": "fresh2_queries.jsonl", "fresh2_off": "fresh2_offtopic.jsonl",
               "fresh3": "fresh3_queries.jsonl", "fresh3_off": "fresh3_offtopic.jsonl",
               "fresh4": "fresh4_queries.jsonl", "fresh4_off": "fresh4_offtopic.jsonl"}
refuse([*SETS.values(), *CORPUS_SETS.values()], "bench/thesaurus_groups.py")


def score(kb: KnowledgeBase, thesaurus: Thesaurus, queries: list[Query]) -> tuple[float, float]:
    """(sum of nDCG over answerable questions, number of off-topic questions answered with nothing)."""
    answer_module.default_thesaurus = lambda: thesaurus  # the answer reads the thesaurus through this name
    on = [q for q in queries if not q.offtopic]
    off = [q for q in queries if q.offtopic]
    run = lambda q: [h.clause for h in kb.search(q, k=10)]  # noqa: E731
    nd = evaluate(run, on, clauses=kb.clauses).ndcg * len(on) if on else 0.0
    empty = evaluate(run, off, clauses=kb.clauses).offtopic_empty * len(off) if off else 0.0
    return nd, empty


def leak_check(kb: KnowledgeBase, data: dict) -> None:
    """fresh2, fresh3 and fresh4 each with the packaged thesaurus, and with every group word that a question of the set
    says (exactly or with a few letters inside) removed: how much of the set's figure is echo."""
    words = {w for table in data.get("groups", {}).values() for w in table}
    for name in ("fresh2", "fresh3", "fresh4"):
        on = load_queries(ROOT / "eval" / f"{name}_queries.jsonl")
        off = load_queries(ROOT / "eval" / f"{name}_offtopic.jsonl")
        echoed = {w for w in words if any(Thesaurus.parse({"colloquial": {w: ["·"]}}).expand(q.query) for q in on + off)}
        trimmed = {**data, "groups": {g: {w: t for w, t in table.items() if w not in echoed}
                                      for g, table in data.get("groups", {}).items()}}
        for label, th in (("packaged thesaurus", Thesaurus.parse(data)),
                          (f"without the {len(echoed)} group words {name} says", Thesaurus.parse(trimmed))):
            nd, _ = score(kb, th, on)
            _, empty = score(kb, th, off)
            print(f"{label}: {name} nDCG {nd / len(on):.3f}, off-topic empty {empty:.0f}/{len(off)}")
        print("words removed:", "、".join(sorted(echoed)))


def _load(sets: dict[str, str]) -> list[Query]:
    return [q for f in sets.values() if (ROOT / "eval" / f).exists() for q in load_queries(ROOT / "eval" / f)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", default=str(ROOT / "bench" / "out" / "seed_index"))
    ap.add_argument("--corpus-index", default=str(ROOT / "bench" / "out" / "corpus_index"),
                    help="an index of all of corpus/, for fresh2, fresh3 and fresh4")
    ap.add_argument("--only", default="", help="comma-separated group names to measure (default: all)")
    ap.add_argument("--leak-check", action="store_true", help="fresh2 without the group words it uses")
    ap.add_argument("--write", action="store_true", help="write the table to bench/RESULTS.md")
    args = ap.parse_args()
    data = tomllib.loads(resources.files("kb.data").joinpath("thesaurus.toml").read_text("utf-8"))
    wide = KnowledgeBase.load(Path(args.corpus_index)) if Path(args.corpus_index).exists() else None
    if args.leak_check:
        leak_check(wide or KnowledgeBase.load(Path(args.index)), data)
        return
    # (index, its tuning questions): the seed sets on the seed index, fresh2, fresh3 and fresh4 on the corpus index
    runs = [(KnowledgeBase.load(Path(args.index)), _load(SETS))] + ([(wide, _load(CORPUS_SETS))] if wide else [])
    full = Thesaurus.parse(data)
    only = {n for n in args.only.split(",") if n}
    rows = []
    table = ["| group | questions using it (answerable / off-topic) | nDCG sum on → off | empty on → off | verdict |",
             "|---|---|---|---|---|"]
    print("\n".join(table))
    for name in full.groups:
        if only and name not in only:
            continue
        # The questions whose expansion the group changes (a word said exactly or with a few letters inside)
        without = Thesaurus.parse(data, without={name})
        hits = [(kb, [q for q in qs if full.expand(q.query) != without.expand(q.query)]) for kb, qs in runs]
        hit = [q for _, qs in hits for q in qs]
        if not hit:
            rows.append({"group": name, "answerable": 0, "offtopic": 0, "verdict": "unused"})
            table.append(f"| {name} | 0 / 0 | — | — | unused |")
            print(table[-1])
            continue
        on = [score(kb, full, qs) for kb, qs in hits if qs]
        off = [score(kb, without, qs) for kb, qs in hits if qs]
        nd_on, em_on = sum(x[0] for x in on), sum(x[1] for x in on)
        nd_off, em_off = sum(x[0] for x in off), sum(x[1] for x in off)
        gain = (nd_on - nd_off) + (em_on - em_off)
        verdict = "helps" if gain > 1e-9 else "neutral" if gain > -1e-9 else "HURTS"
        n_on = sum(not q.offtopic for q in hit)
        rows.append({"group": name, "answerable": n_on, "offtopic": len(hit) - n_on, "ndcg_on": nd_on,
                     "ndcg_off": nd_off, "empty_on": em_on, "empty_off": em_off, "verdict": verdict,
                     "questions": [q.id for q in hit]})
        table.append(f"| {name} | {n_on} / {len(hit) - n_on} | {nd_on:.2f} → {nd_off:.2f} | {em_on:.0f} → "
                     f"{em_off:.0f} | {verdict} |")
        print(table[-1], flush=True)
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "thesaurus_groups.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1), "utf-8")
    if args.write:
        from results_md import update_section

        head = ["## Thesaurus groups, one at a time (issue 12)", "",
                "Each `[groups.NAME]` table of kb/data/thesaurus.toml switched off for the tuning sets' questions whose "
                "expansion it changes (dev, own, held-out, fresh on the seed index; fresh2, fresh3, fresh4 on the corpus index; and their "
                "off-topic sets): summed nDCG@10 "
                "with the group on → off, and off-topic questions answered with nothing on → off. A word that hurt was "
                "removed; `unused` groups (no tuning question says their words; written measure by measure from the "
                "documents and kept out of everyday-life questions, bench/RESULTS.md fifth round) are not measured here. `python bench/thesaurus_groups.py --write`.", ""]
        update_section("thesaurus", "\n".join(head + table))


if __name__ == "__main__":
    main()
