"""Real published documents (tests/fixtures/real): metadata fields against the truth written by reading them,
outlines exact. The floors are what the code achieved when the set was added; raise them as extraction
improves (bench/real_docs.py prints the table and every wrong value). The issue's goal is 90% of fields."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest

from kb.models import LEVELS, STATUSES

ROOT = Path(__file__).resolve().parent.parent
REAL = Path(__file__).resolve().parent / "fixtures" / "real"


def _load_scorer():
    spec = importlib.util.spec_from_file_location("real_docs", ROOT / "bench" / "real_docs.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


scorer = _load_scorer()
TRUTH = scorer.load_truth(REAL / "truth.jsonl")

# Right answers per field on the 85 documents: what main achieves; a floor only rises. Batch 3 (17 documents) was held
# out until 2026-12-01 23:05 (measured once untouched: 102/119 fields, 10/17 outlines) and batch 4 (15 documents, two
# repositories new to the set) until 2026-12-02 00:34 (untouched: 75/105 fields, 14/15 outlines); both were then used to
# find general causes, so neither is held out any more (bench/RESULTS.md keeps the untouched figures). Batch 5 (13
# documents, a repository new to the set) was measured untouched 2026-12-02 00:59: 58/91 fields, 13/13 outlines.
# Batch 6 (12 documents, three repositories new to the set) was measured untouched 2026-12-02 01:45 (53/84 fields,
# 6/12 outlines) and released for tuning at 02:55 with 66/84 fields, 8/12 outlines.
# Batch 7 (15 documents) was measured untouched 2026-12-02 03:05 (62/105 fields, 13/15 outlines) and released for
# tuning at 05:50 with 73/105 fields, 13/15 outlines; after its general causes were fixed (06:30) every field of the
# 106 documents is right.
# Batch 9 (19 documents) was measured untouched 2026-12-02 06:29 (110/133 fields, 17/19 outlines), a second time at
# ~07:00 (115/133, 17/19), and released for tuning at 07:05 (then 118 titles, 120 文号 of the 125 documents);
# the floors are main's figures after its general causes were fixed.
# Batch 11 (15 documents, a repository new to the set) was measured untouched 2026-12-02 12:41 (89/105 fields, 14/15
# outlines) and released for tuning right after; after its general causes were fixed, 105/105 and 15/15.
FLOORS = {"title": 140, "issuers": 140, "doc_number": 140, "date": 140, "level": 140, "region": 140, "status": 140}
# Documents whose outline the code does not get right yet: strict xfail, so fixing one fails the test until the
# name is removed here (the guard then holds it).
OUTLINE_KNOWN_WRONG: set[str] = set()
# Fields (file, field) of released batches the code does not get right yet: strict xfail as above. Every other field
# of every document not held out must be right.
FIELD_KNOWN_WRONG: set[tuple[str, str]] = set()
# Held-out batches (scorer.HELD_OUT) are measured, never tuned on: their outlines are not required exact, but neither
# their fields nor their exact outlines may fall below the untouched figure (scorer.UNTOUCHED) or, until that is
# recorded, below what main achieved when the batch was added (batch 6: untouched 2026-12-02 01:45 on main 787da6c,
# 53/84 fields, 6/12 outlines — the same as when it was added on 94d24f0).
# Batch 7 (15 documents, two repositories new to the set) was measured untouched 2026-12-02 03:05 on main 7fa6c0f:
# 62/105 fields, 13/15 outlines (scorer.UNTOUCHED[7]).
# Batch 8 (6 documents, two repositories new to the set) was measured untouched 2026-12-02 03:25 on main 1ed66bf:
# 42/42 fields, 5/6 outlines (scorer.UNTOUCHED[8]).
# Batch 9 (19 documents, a repository new to the set) was measured untouched 2026-12-02 06:29 on main e3f7e17:
# 110/133 fields, 17/19 outlines (scorer.UNTOUCHED[9]).
# Batch 10 (21 documents, a repository new to the set) was committed before the extractor ran on it and measured untouched
# 2026-12-02 13:48 on main 1ddbf4f: 142/147 fields, 20/21 outlines (scorer.UNTOUCHED[10]), and released for tuning
# 2026-12-03 14:00; after its general causes were fixed, 147/147 and 21/21.
# Batch 12 (17 documents, a repository new to the set) was committed before the extractor ran on it and measured
# untouched 2026-12-03 14:04 on main 3838ed1: 98/119 fields, 16/17 outlines (scorer.UNTOUCHED[12]), the same on
# main 02d949b, and released for tuning 2026-12-03 18:25.
HELD_OUT_ADDED = {6: {"outlines": 6, "fields": {"title": 3, "issuers": 5, "doc_number": 9, "date": 8, "level": 9,
                                               "region": 9, "status": 10}}}


@pytest.fixture(scope="module")
def results():
    return {r.file: r for r in scorer.run(REAL / "truth.jsonl")}


def test_truth_records_are_complete_and_well_formed():
    assert len(TRUTH) >= 20 and {t.get("batch") for t in TRUTH} >= {1, 2, 3, 4, 5, 6}
    assert {t["status"] for t in TRUTH} == set(STATUSES), "a draft is among them"
    files = {p.name for p in REAL.iterdir() if p.name not in ("truth.jsonl", "SOURCES.md")}
    assert {t["file"] for t in TRUTH} == files, "every fixture has exactly one truth record"
    for t in TRUTH:
        assert t["source"] and t["title"] and t["issuers"], t["file"]
        assert t["level"] in LEVELS and t["status"] in STATUSES, t["file"]
        assert t["date"] is None or re.fullmatch(r"\d{4}-\d{2}-\d{2}", t["date"]), t["file"]
        assert t["region"] == "全国" if t["level"] == "national" else t["region"].endswith(("省", "市", "县", "区", "州", "盟"))
        assert all(isinstance(p, str) and p for p in t["outline"]), t["file"]
    assert {t["level"] for t in TRUTH} == set(LEVELS), "all four levels are represented"
    assert len({Path(t["file"]).suffix for t in TRUTH}) >= 3


def test_every_truth_outline_lists_ancestors_first():
    for t in TRUTH:
        seen: set[str] = set()
        for path in t["outline"]:
            markers = scorer._PATH_MARKER.findall(path)
            assert "".join(markers) == path, (t["file"], path)
            assert all("".join(markers[:k]) in seen for k in range(1, len(markers))), (t["file"], path)
            seen.add(path)


def test_normalisation_rules():
    assert scorer.norm_doc_number("国办发 [2019] 6 号") == scorer.norm_doc_number("国办发〔2019〕6号")
    assert scorer.norm_doc_number("国发（2018）41号") == scorer.norm_doc_number("国发〔2018〕41号")
    assert scorer.norm_title("国务院办公厅关于印发X的通知", ["国务院办公厅"]) == scorer.norm_title("关于印发X的通知", [])
    assert scorer.norm_title("《广东省环境保护条例》", []) == "广东省环境保护条例"
    # Only issuer names are dropped, and only before 关于: a different subject stays different.
    assert scorer.norm_title("国务院关于A的通知", ["国务院"]) != scorer.norm_title("关于B的通知", [])
    assert scorer.norm_title("某市关于A的通知", ["国务院"]) != scorer.norm_title("关于A的通知", [])
    truth = {"issuers": ["甲局", "乙厅"], "accept": {}}
    assert scorer.compare_field("issuers", truth, ["乙厅", "甲局"])
    assert not scorer.compare_field("issuers", truth, ["甲局"])
    assert scorer.compare_field("date", {"date": None}, "")
    assert not scorer.compare_field("date", {"date": None}, "2024-01-01")


def test_outline_of_expands_ancestors_and_drops_labels():
    class C:
        def __init__(self, path):
            self.path = path

    got = scorer.outline_of([C(""), C("一、（一）"), C("一、（一）"), C("一、增量"), C("二、（二）1."), C("第一章第三条")])
    assert got == ["一、", "一、（一）", "二、", "二、（二）", "二、（二）1.", "第一章", "第一章第三条"]


def test_field_floors_hold(results):
    s = scorer.summary(list(results.values()))
    got = {k: v["right"] for k, v in s["fields"].items()}
    below = {k: (got[k], floor) for k, floor in FLOORS.items() if got[k] < floor}
    assert not below, f"fields below their floor (right, floor): {below}\n" + json.dumps(
        scorer.failures(list(results.values())), ensure_ascii=False, indent=1)


def test_held_out_batches_do_not_regress(results):
    s = scorer.summary(list(results.values()))
    for batch in sorted(scorer.HELD_OUT):
        floor = scorer.UNTOUCHED.get(batch) or HELD_OUT_ADDED[batch]
        got = s["by_batch_field"][batch]
        below = {k: (got[k], n) for k, n in floor["fields"].items() if got[k] < n}
        assert not below, f"batch {batch} fields below the untouched figure (right, floor): {below}"
        assert s["by_batch"][batch]["outlines_right"] >= floor["outlines"], batch


@pytest.mark.parametrize("file", [t["file"] for t in TRUTH if t.get("batch") not in scorer.HELD_OUT])
def test_outline_exact(results, file, request):
    if file in OUTLINE_KNOWN_WRONG:
        request.applymarker(pytest.mark.xfail(strict=True, reason="outline not yet right on main"))
    r = results[file]
    assert not r.error, r.error
    assert r.outline_got == r.outline_expected, scorer._outline_diff(r)


@pytest.mark.parametrize("file", [t["file"] for t in TRUTH if t.get("batch") not in scorer.HELD_OUT])
@pytest.mark.parametrize("key", scorer.FIELDS)
def test_field_right(results, file, key, request):
    if (file, key) in FIELD_KNOWN_WRONG:
        request.applymarker(pytest.mark.xfail(strict=True, reason="field not yet right on main"))
    r = results[file]
    got = next(f for f in r.fields if f.field == key)
    assert got.right, f"expected {got.expected!r}, got {got.got!r} [{got.evidence}]"
