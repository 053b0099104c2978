"""Every judgement file in eval/ is well formed and points at text that really is in the named document.

A judged item is matched as eval/README.md says: `contains` is a substring of a clause of document `doc` once
whitespace and Markdown `*` are removed from both. An item that matches nothing can never be retrieved, so a
typo in a judgement would silently lower every figure; these checks catch it. The file kinds are told apart
by their fields: retrieval rows hold `relevant`, comparison rows `expected`, target rows `text`.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from kb.catalog import load_catalog
from kb.ingest import ingest_file
from kb.read import SUPPORTED_SUFFIXES

from .conftest import EVAL, ROOT, SEEDS

CORPUS = ROOT / "corpus"
REAL = ROOT / "tests" / "fixtures" / "real"

FILES = sorted(EVAL.glob("*.jsonl"))
QUERY_KINDS = {"keyword", "number", "question", "place_level", "theme", "colloquial", "lookup"}
# Target truth (eval/README.md): goals and criteria are scored; baselines and bare directions are labelled only.
TARGET_KINDS = {"goal", "criterion", "baseline", "direction"}
TARGET_FIELDS = {"doc", "contains", "text", "subject", "comparator", "value", "unit", "reference", "deadline", "kind"}
COMPARATORS = {"≤", "≥", "<", ">", "=", "≈", "范围", "→"}
DIRECTIONS = {"↑", "↓"}


def _norm(text: str) -> str:
    return re.sub(r"[\s*]+", "", text)


def _is_seed(name: str) -> bool:
    return (SEEDS / name).is_file()


def _collection(name: str) -> str:
    """Which index a document is judged on: the seeds, the other bundled documents of corpus/, or the real-document
    set (scored with --corpus tests/fixtures/real, never beside corpus/)."""
    return "seed" if _is_seed(name) else "corpus" if (CORPUS / name).is_file() else "real"


def _added() -> list[Path]:
    """The bundled documents that are not seeds (web pages, Markdown): judged by eval/targets_added.jsonl."""
    seeds = {p.name for p in SEEDS.iterdir()}
    return [p for p in sorted(CORPUS.iterdir()) if p.suffix.lower() in SUPPORTED_SUFFIXES and p.name not in seeds]


def _real_named() -> list[Path]:
    """Documents of the real-document set (tests/fixtures/real) that a judgement file names: judged by
    eval/targets_fresh.jsonl, scored with --corpus tests/fixtures/real."""
    names = {json.loads(line).get("doc") for path in FILES for line in path.read_text("utf-8").splitlines()
             if line.strip()}
    return [REAL / n for n in sorted(n for n in names if isinstance(n, str) and n)
            if (REAL / n).is_file() and not (CORPUS / n).is_file()]


@pytest.fixture(scope="module")
def added_clauses() -> dict[str, list[str]]:
    catalog = load_catalog(CORPUS)
    return {p.name: [_norm(c.text) for c in ingest_file(p, catalog_entry=catalog.get(p.name)).clauses]
            for p in [*_added(), *_real_named()]}


@pytest.fixture(scope="module")
def texts(added_clauses) -> dict[str, str]:
    """Each document's text, normalised: a seed's file as it is; an added page's clause texts (its markup is no text)."""
    seeds = {p.name: _norm(p.read_text("utf-8")) for p in sorted(SEEDS.glob("*.txt"))}
    return seeds | {name: "".join(cs) for name, cs in added_clauses.items()}


@pytest.fixture(scope="module")
def clauses(added_clauses) -> dict[str, list[str]]:
    """Each document's clause texts, normalised, as the index holds them."""
    seeds = {p.name: [_norm(c.text) for c in ingest_file(p).clauses] for p in sorted(SEEDS.glob("*.txt"))}
    return seeds | added_clauses


def _rows(path: Path) -> list[dict]:
    rows = []
    for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        assert isinstance(row, dict), f"{path.name}:{n} is not a JSON object"
        rows.append(row)
    assert rows, f"{path.name} is empty"
    return rows


def _shape(row: dict) -> str:
    if "relevant" in row:
        return "retrieval"
    if "expected" in row:
        return "compare"
    if "text" in row:
        return "target"
    raise AssertionError(f"unknown judgement row: {row}")


def _check_item(where: str, item: dict, texts, clauses, judged_docs: set[str]) -> list[str]:
    """Problems with one {doc, contains} item: unknown document, text not in it, in no single clause."""
    doc, contains = item.get("doc"), item.get("contains")
    if doc not in texts:
        return [f"{where}: unknown document {doc!r}"]
    if not isinstance(contains, str) or not _norm(contains):
        return [f"{where}: empty contains"]
    c = _norm(contains)
    problems = []
    if c not in texts[doc]:
        problems.append(f"{where}: {contains!r} does not occur in {doc}")
    elif not any(c in cl for cl in clauses[doc]):
        problems.append(f"{where}: {contains!r} spans a clause boundary of {doc}")
    # A string that occurs in a document the row does not judge points at a relevant clause left out.
    # The seed judgements are written over the seeds alone, the added documents' truth over those documents, the
    # real documents' truth over the real-document set.
    same_set = [d for d in texts if _collection(d) == _collection(doc)]
    others = sorted(d for d in same_set if d != doc and c in texts[d] and d not in judged_docs)
    if others:
        problems.append(f"{where}: {contains!r} also occurs in unjudged {others}")
    return problems


def test_there_are_judgement_files():
    names = {p.name for p in FILES}
    assert {"dev_queries.jsonl", "dev_compare.jsonl"} <= names


def test_ids_unique_across_files():
    seen: dict[str, str] = {}
    for path in FILES:
        for row in _rows(path):
            rid = row.get("id")
            assert isinstance(rid, str) and rid, f"{path.name}: row without id: {row}"
            assert rid not in seen, f"id {rid} in {path.name} and {seen[rid]}"
            seen[rid] = path.name


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_judgement_file(path: Path, texts, clauses):
    rows = _rows(path)
    shapes = {_shape(r) for r in rows}
    assert len(shapes) == 1, f"{path.name} mixes row kinds {shapes}"
    problems: list[str] = []
    for row in rows:
        where = f"{path.name} {row.get('id')}"
        shape = _shape(row)
        if shape == "retrieval":
            problems += _check_retrieval(where, row, texts, clauses)
        elif shape == "compare":
            problems += _check_compare(where, row, texts, clauses)
        else:
            problems += _check_target(where, row, texts, clauses)
    assert not problems, "\n".join(problems)


def _check_retrieval(where, row, texts, clauses) -> list[str]:
    problems = []
    if not isinstance(row.get("query"), str) or not row["query"].strip():
        problems.append(f"{where}: no query")
    if "kind" in row and row["kind"] not in QUERY_KINDS:
        problems.append(f"{where}: unknown kind {row['kind']!r}")
    items = row["relevant"]
    judged = {i.get("doc") for i in items}
    for item in items:
        problems += _check_item(where, item, texts, clauses, judged)
    keys = [(i.get("doc"), _norm(i.get("contains", ""))) for i in items]
    if len(keys) != len(set(keys)):
        problems.append(f"{where}: duplicate judged item")
    return problems


def _check_compare(where, row, texts, clauses) -> list[str]:
    problems = []
    for key in ("measure", "query"):
        if not isinstance(row.get(key), str) or not row[key].strip():
            problems.append(f"{where}: no {key}")
    expected, also = row["expected"], row.get("also", [])
    docs = [i.get("doc") for i in expected]
    if len(docs) != len(set(docs)):
        problems.append(f"{where}: a document is expected twice (a second clause goes to 'also')")
    judged = set(docs)
    for item in expected + also:
        problems += _check_item(where, item, texts, clauses, judged)
    for item in also:
        if item.get("doc") not in judged:
            problems.append(f"{where}: 'also' names {item.get('doc')} that is not expected")
            continue
        first = next(_norm(i["contains"]) for i in expected if i["doc"] == item["doc"])
        same = [cl for cl in clauses.get(item["doc"], []) if first in cl and _norm(item["contains"]) in cl]
        if same:
            problems.append(f"{where}: 'also' {item['contains']!r} is in the expected clause itself")
    return problems


def _check_target(where, row, texts, clauses) -> list[str]:
    problems = _check_item(where, row, texts, clauses, {row.get("doc")})
    if problems:
        return problems
    text = row.get("text")
    if not isinstance(text, str) or not _norm(text):
        return [f"{where}: no text"]
    c, t = _norm(row["contains"]), _norm(text)
    if not any(c in cl and t in cl for cl in clauses[row["doc"]]):
        problems.append(f"{where}: text {text!r} is not in the clause holding {row['contains']!r}")
    missing = sorted(TARGET_FIELDS - row.keys())
    if missing:
        problems.append(f"{where}: missing fields {missing}")
        return problems
    if row["kind"] not in TARGET_KINDS:
        problems.append(f"{where}: kind {row['kind']!r} not in {sorted(TARGET_KINDS)}")
    if not isinstance(row["subject"], str) or not row["subject"]:
        problems.append(f"{where}: no subject")
    value, comparator = row["value"], row["comparator"]
    if value is not None and not (isinstance(value, int | float) and math.isfinite(value)):
        problems.append(f"{where}: value must be a number or null")
    if row["kind"] == "direction":
        if value is not None or comparator not in DIRECTIONS:
            problems.append(f"{where}: a direction has no value and a comparator in {sorted(DIRECTIONS)}")
    else:
        if comparator not in COMPARATORS:
            problems.append(f"{where}: comparator {comparator!r} not in {sorted(COMPARATORS)}")
        if value is None and not row["reference"]:
            problems.append(f"{where}: a target without a value compares with a reference")
        if value is not None and not row["unit"]:
            problems.append(f"{where}: a value needs its unit")
        if comparator == "范围" and not isinstance(row.get("value_max"), int | float):
            problems.append(f"{where}: a range needs value_max")
    return problems
