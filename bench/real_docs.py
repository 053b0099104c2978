"""Metadata and outlines on real published documents: every file of tests/fixtures/real ingested with the
catalog off and compared field by field with the truth written by reading it (truth.jsonl). Prints a
per-field table and the wrong values; writes its section of bench/RESULTS.md.

    python bench/real_docs.py              # table, failures, RESULTS.md section
    python bench/real_docs.py --no-write   # table and failures only
    python bench/real_docs.py --json       # the full report as JSON
    (wrong values of held-out batches are not listed unless --show-held-out is given)

Comparison (the same normalisation for both sides): whitespace removed everywhere; in 文号 all bracket
forms (〔〕[]［］【】()（）) are one; a title equals another when they differ only by a leading issuer name
before 关于 (“国务院关于…” = “关于…”) or by enclosing 《》; issuers are a set (order ignored). A field
whose truth is null is right only when nothing was extracted. `accept` in a truth record lists other
forms the document itself states for the same value (国令第707号 / 中华人民共和国国务院令第707号).
An outline is the ordered list of numbered-unit paths, every ancestor included (“一、”, “一、（一）”…),
as kb/segment.py writes them; it must match exactly.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "tests" / "fixtures" / "real"
TRUTH = REAL / "truth.jsonl"
FIELDS = ("title", "issuers", "doc_number", "date", "level", "region", "status")
# Each held-out batch measured once, untouched, before anything was tuned on it (right answers per field, and exact
# outlines). Batches 3, 4, 5, 6, 7, 9, 10, 11 and 12 were used to find general causes afterwards (each after its untouched
# measurement, from the time in RELEASED); these figures are the honest check. Batches still held out (HELD_OUT) are
# never tuned on: their current row is their untouched figure, and tests/test_real_docs.py only guards them against
# regressing below it instead of requiring every outline exact.
HELD_OUT: frozenset[int] = frozenset({8})  # 8: 2026-12-02 (new repositories)
# When a held-out batch was released for tuning (after its untouched measurement).
RELEASED = {6: "2026-12-02 02:55", 7: "2026-12-02 05:50", 9: "2026-12-02 07:05", 11: "2026-12-02 12:42",
            10: "2026-12-03 14:00", 12: "2026-12-03 18:25"}
UNTOUCHED = {
    3: {"measured": "2026-12-01 23:05", "documents": 17, "outlines": 10,
        "fields": {"title": 13, "issuers": 14, "doc_number": 14, "date": 13, "level": 16, "region": 15, "status": 17}},
    4: {"measured": "2026-12-02 00:34", "documents": 15, "outlines": 14,
        "fields": {"title": 5, "issuers": 10, "doc_number": 5, "date": 14, "level": 13, "region": 13, "status": 15}},
    5: {"measured": "2026-12-02 00:59", "documents": 13, "outlines": 13,
        "fields": {"title": 2, "issuers": 6, "doc_number": 5, "date": 6, "level": 13, "region": 13, "status": 13}},
    6: {"measured": "2026-12-02 01:45", "documents": 12, "outlines": 6,
        "fields": {"title": 3, "issuers": 5, "doc_number": 9, "date": 8, "level": 9, "region": 9, "status": 10}},
    # on main 7fa6c0f (the commit adding the batch changes no code)
    7: {"measured": "2026-12-02 03:05", "documents": 15, "outlines": 13,
        "fields": {"title": 4, "issuers": 7, "doc_number": 7, "date": 8, "level": 11, "region": 11, "status": 14}},
    # on main 1ed66bf (the commit adding the batch changes no code)
    8: {"measured": "2026-12-02 03:25", "documents": 6, "outlines": 5,
        "fields": {"title": 6, "issuers": 6, "doc_number": 6, "date": 6, "level": 6, "region": 6, "status": 6}},
    # on main e3f7e17 (the commit adding the batch changes no code); measured untouched a second time at ~07:00 on
    # main 766c4f6 after general fixes found on other batches: 115/133 (title 12/19, doc_number 14/19), 17/19 outlines
    9: {"measured": "2026-12-02 06:29", "documents": 19, "outlines": 17,
        "fields": {"title": 8, "issuers": 18, "doc_number": 13, "date": 18, "level": 17, "region": 17, "status": 19}},
    # on main 1ddbf4f (the commit adding the batch changes no code); released for tuning 2026-12-03 14:00
    10: {"measured": "2026-12-02 13:48", "documents": 21, "outlines": 20,
         "fields": {"title": 18, "issuers": 19, "doc_number": 21, "date": 21, "level": 21, "region": 21, "status": 21}},
    # on main e6c6a77 plus 0045845, rebased as 9fdd006 (the commit adding the batch changes no code); released to its collector
    # for tuning right after (he fixes code this session)
    11: {"measured": "2026-12-02 12:41", "documents": 15, "outlines": 14,
         "fields": {"title": 15, "issuers": 14, "doc_number": 12, "date": 11, "level": 11, "region": 11, "status": 15}},
    # on main 3838ed1 plus a65a28c, rebased as 537b027 (the commit adding the batch changes no code); released for tuning
    # 2026-12-03 18:25 (98/119 fields, 16/17 outlines on main 02d949b then)
    12: {"measured": "2026-12-03 14:04", "documents": 17, "outlines": 16,
         "fields": {"title": 17, "issuers": 15, "doc_number": 4, "date": 11, "level": 17, "region": 17, "status": 17}},
}

_BRACKETS = str.maketrans({"[": "〔", "［": "〔", "【": "〔", "(": "〔", "（": "〔",
                           "]": "〕", "］": "〕", "】": "〕", ")": "〕", "）": "〕"})
_CN = "一二三四五六七八九十百零〇两"
# One marker of an outline path as kb/segment.py normalises them (spaces removed, full-width brackets).
_PATH_MARKER = re.compile(rf"第[{_CN}\d]+[章节条]|[{_CN}]+、|（[{_CN}]+）|\d{{1,2}}\.")


@dataclass
class FieldResult:
    field: str
    right: bool
    expected: object
    got: object
    evidence: str = ""


@dataclass
class DocResult:
    file: str
    level: str
    format: str
    batch: int = 1  # 2: added after the extraction work had been tuned on batch 1
    fields: list[FieldResult] = field(default_factory=list)
    outline_right: bool = False
    outline_expected: list[str] = field(default_factory=list)
    outline_got: list[str] = field(default_factory=list)
    error: str = ""


def load_truth(path: Path = TRUTH) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s or "")


def norm_doc_number(s: str | None) -> str:
    return _squash(s or "").translate(_BRACKETS)


def norm_title(s: str | None, issuers: list[str]) -> str:
    t = _squash(s or "").strip("《》")
    names = sorted({_squash(n) for n in issuers if n}, key=len, reverse=True)
    # A leading run of issuer names before 关于 is part of the formal title but not of the subject.
    changed = True
    while changed and "关于" in t:
        changed = False
        for n in names:
            if t.startswith(n) and t[len(n):].lstrip("、，,").find("关于") >= 0 and len(t) > len(n):
                t = t[len(n):].lstrip("、，,")
                changed = True
    return t


def norm_issuers(v) -> frozenset[str]:
    return frozenset(_squash(x) for x in (v or []) if _squash(x))


def outline_of(clauses) -> list[str]:
    """Ordered numbered-unit paths of the extracted clauses, each ancestor listed before its children."""
    out: list[str] = []
    seen: set[str] = set()
    for c in clauses:
        if not c.path:
            continue
        prefix = ""
        for m in _PATH_MARKER.finditer(c.path):
            if m.start() != len(prefix):
                break  # a non-marker suffix such as a target label ("一、增量")
            prefix += m.group(0)
            if prefix not in seen:
                seen.add(prefix)
                out.append(prefix)
    return out


def _candidates(truth: dict, key: str) -> list:
    return [truth.get(key)] + list((truth.get("accept") or {}).get(key, []))


def compare_field(key: str, truth: dict, got, got_issuers: list[str] | tuple = ()) -> bool:
    """Whether an extracted value matches the truth (or one of its accepted forms) after normalisation."""
    issuers = list(truth.get("issuers") or [])
    for alt in (truth.get("accept") or {}).get("issuers", []):
        issuers += alt
    for want in _candidates(truth, key):
        if key == "issuers":
            if norm_issuers(want) == norm_issuers(got):
                return True
        elif key == "doc_number":
            if norm_doc_number(want) == norm_doc_number(got):
                return True
        elif key == "title":
            if norm_title(want, issuers) == norm_title(got, issuers + list(got_issuers)):
                return True
        elif _squash(want or "") == _squash(got or ""):
            return True
    return False


def score_document(path: Path, truth: dict) -> DocResult:
    from kb.ingest import ingest_file

    res = DocResult(truth["file"], truth["level"], path.suffix.lstrip("."), truth.get("batch", 1))
    try:
        ing = ingest_file(path)  # no catalog entry: what extraction alone finds
    except Exception as e:  # a crash is a wrong answer on every field, reported, not raised
        res.error = f"{type(e).__name__}: {e}"
        res.fields = [FieldResult(k, False, truth.get(k), None, res.error) for k in FIELDS]
        res.outline_expected = truth["outline"]
        return res
    doc = ing.document
    for key in FIELDS:
        got = getattr(doc, key)
        ev = doc.provenance.get(key)
        why = f"{ev.source}: {ev.evidence}"[:120] if ev else ""
        res.fields.append(FieldResult(key, compare_field(key, truth, got, doc.issuers), truth.get(key), got, why))
    res.outline_expected = list(truth["outline"])
    res.outline_got = outline_of(ing.clauses)
    res.outline_right = res.outline_got == res.outline_expected
    return res


def run(truth_path: Path = TRUTH) -> list[DocResult]:
    base = truth_path.parent
    return [score_document(base / t["file"], t) for t in load_truth(truth_path)]


def summary(results: list[DocResult]) -> dict:
    per = {k: [0, 0] for k in FIELDS}
    for r in results:
        for f in r.fields:
            per[f.field][1] += 1
            per[f.field][0] += f.right
    right = sum(v[0] for v in per.values())
    total = sum(v[1] for v in per.values())
    units = sum(len(r.outline_expected) for r in results)
    return {
        "documents": len(results),
        "fields": {k: {"right": v[0], "total": v[1]} for k, v in per.items()},
        "fields_right": right, "fields_total": total, "share": right / total if total else 0.0,
        "outlines_right": sum(r.outline_right for r in results), "outline_units": units,
        "by_level": _count(results, "level"), "by_format": _count(results, "format"),
        "by_batch": {b: _fields_right([r for r in results if r.batch == b])
                     for b in sorted({r.batch for r in results})},
        "by_batch_field": {b: {k: sum(f.right for r in results if r.batch == b for f in r.fields if f.field == k)
                               for k in FIELDS}
                           for b in sorted({r.batch for r in results})},
    }


def _fields_right(results: list[DocResult]) -> dict:
    fields = [f for r in results for f in r.fields]
    return {"documents": len(results), "right": sum(f.right for f in fields), "total": len(fields),
            "outlines_right": sum(r.outline_right for r in results)}


def _count(results: list[DocResult], attr: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in results:
        out[getattr(r, attr)] = out.get(getattr(r, attr), 0) + 1
    return dict(sorted(out.items()))


def failures(results: list[DocResult]) -> list[dict]:
    out = []
    for r in results:
        for f in r.fields:
            if not f.right:
                out.append({"file": r.file, "field": f.field, "expected": f.expected, "got": f.got,
                            "evidence": f.evidence})
        if not r.outline_right:
            out.append({"file": r.file, "field": "outline", "expected": f"{len(r.outline_expected)} units",
                        "got": f"{len(r.outline_got)} units", "evidence": _outline_diff(r)})
    return out


def _outline_diff(r: DocResult) -> str:
    exp, got = r.outline_expected, r.outline_got
    i = next((k for k, (a, b) in enumerate(zip(exp, got, strict=False)) if a != b), min(len(exp), len(got)))
    return f"first difference at unit {i}: expected {exp[i] if i < len(exp) else '—'}, got {got[i] if i < len(got) else '—'}"


def table(s: dict) -> str:
    lines = ["| field | right / total |", "|---|---|"]
    for k, v in s["fields"].items():
        lines.append(f"| {k} | {v['right']} / {v['total']} |")
    lines.append(f"| **all metadata fields** | **{s['fields_right']} / {s['fields_total']} "
                 f"({s['share']:.0%})** |")
    lines.append(f"| outlines exact (documents) | {s['outlines_right']} / {s['documents']} "
                 f"({s['outline_units']} units in the truth) |")
    for b, v in s["by_batch"].items():
        lines.append(f"| batch {b} ({v['documents']} documents) | {v['right']} / {v['total']} fields, "
                     f"{v['outlines_right']} / {v['documents']} outlines |")
    return "\n".join(lines)


def batch_table(s: dict) -> str:
    """Right answers per field and batch now, and for each held-out batch its untouched figure beside it."""
    head = "| batch | " + " | ".join(FIELDS) + " | all fields | outlines exact |"
    lines = [head, "|" + "---|" * (len(FIELDS) + 3)]
    for b, per in s["by_batch_field"].items():
        v = s["by_batch"][b]
        n = v["documents"]
        lines.append(f"| {b} | " + " | ".join(f"{per[k]}/{n}" for k in FIELDS)
                     + f" | {v['right']}/{v['total']} ({v['right'] / v['total']:.0%}) | {v['outlines_right']}/{n} |")
        old = UNTOUCHED.get(b)
        if old:
            right = sum(old["fields"].values())
            total = old["documents"] * len(FIELDS)
            lines.append(f"| {b} untouched ({old['measured']}) | "
                         + " | ".join(f"{old['fields'][k]}/{old['documents']}" for k in FIELDS)
                         + f" | {right}/{total} ({right / total:.0%}) | {old['outlines']}/{old['documents']} |")
    return "\n".join(lines)


def _held_out_note() -> str:
    released = ", ".join(str(b) for b in sorted(set(UNTOUCHED) - HELD_OUT))
    when = "; ".join(f"batch {b} released {d}" for b, d in sorted(RELEASED.items()))
    note = (f"batches {released} were held out: each was measured once untouched, shown on its “untouched” row, "
            f"and then used to find general causes, so its current row is tuned ({when})")
    if HELD_OUT:
        held = sorted(HELD_OUT)
        which = f"batch {held[0]} is" if len(held) == 1 else f"batches {', '.join(str(b) for b in held)} are"
        note += f"; {which} still held out, never tuned on"
    return note


def results_section(s: dict, fails: list[dict]) -> str:
    when = time.strftime("%Y-%m-%d %H:%M")
    levels = ", ".join(f"{k} {v}" for k, v in s["by_level"].items())
    formats = ", ".join(f"{k} {v}" for k, v in s["by_format"].items())
    wrong = "\n".join(f"- `{f['file']}` {f['field']}: expected {f['expected']!r}, got {f['got']!r}"
                      for f in fails)
    hidden = s.get("held_out_wrong", 0)
    if hidden:
        wrong += f"\n- ({hidden} wrong values of held-out batches not listed: they are never tuned on)"
    return (f"## Metadata on real documents (`tests/fixtures/real`, {s['documents']} documents)\n\n"
            f"Measured {when}. Levels: {levels}. Formats: {formats}. Catalog off; truth written by reading each "
            f"document (`truth.jsonl`, sources in `SOURCES.md`). Re-run with `python bench/real_docs.py`. "
            f"Goal: at least 90% of fields right and every outline exact.\n\n{table(s)}\n\n"
            f"Per field and batch ({_held_out_note()}):\n\n"
            f"{batch_table(s)}\n\n"
            f"<details><summary>Wrong values</summary>\n\n{wrong or '- none'}\n\n</details>")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--no-write", action="store_true", help="do not update bench/RESULTS.md")
    p.add_argument("--json", action="store_true", help="print the full report as JSON")
    p.add_argument("--show-held-out", action="store_true",
                   help="also list the wrong values of held-out batches (hidden so that nobody tunes on them)")
    args = p.parse_args(argv)
    results = run()
    s, fails = summary(results), failures(results)
    if not args.show_held_out:
        held = {r.file for r in results if r.batch in HELD_OUT}
        s["held_out_wrong"] = sum(f["file"] in held for f in fails)
        fails = [f for f in fails if f["file"] not in held]
    if args.json:
        print(json.dumps({"summary": s, "failures": fails, "documents": [asdict(r) for r in results]},
                         ensure_ascii=False, indent=1, default=str))
        return 0
    print(table(s))
    print()
    print(batch_table(s))
    print()
    for f in fails:
        print(f"{f['file']:<48} {f['field']:<10} expected {f['expected']!r}  got {f['got']!r}  [{f['evidence']}]")
    if s.get("held_out_wrong"):
        print(f"({s['held_out_wrong']} wrong values of held-out batches not listed; --show-held-out lists them)")
    if not args.no_write:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from results_md import update_section

        update_section("real", results_section(s, fails))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
