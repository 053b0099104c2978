"""The corpus a first-time user gets (corpus/): it builds, shows all four levels side by side, and every document
added beyond the five seeds has its source in the catalog. The other tests measure the seeds
alone (conftest.SEEDS), so these additions change none of their figures."""

from __future__ import annotations

import hashlib

from kb.build import build_index
from kb.catalog import load_catalog
from kb.models import LEVELS
from kb.read import scan_corpus
from kb.search import KnowledgeBase

from .conftest import BUNDLED, SEEDS, seeds


def test_bundled_corpus_builds_with_all_four_levels(tmp_path):
    report = build_index(BUNDLED, tmp_path / "index", "hash")
    assert report.ok, report.errors
    supported, unsupported = scan_corpus(BUNDLED)
    assert report.documents == len(supported) > len(seeds.SEED_NAMES) and not unsupported
    kb = KnowledgeBase.load(tmp_path / "index")
    by_level: dict[str, int] = {}
    for d in kb.documents:
        by_level[d.level] = by_level.get(d.level, 0) + 1
    assert set(by_level) == set(LEVELS), by_level
    assert by_level["provincial"] >= 2, by_level
    assert all(d.title and d.region for d in kb.documents)  # the 苏州 draft (000) states no issuer


def test_added_documents_record_their_source_and_metadata():
    catalog = load_catalog(BUNDLED)
    added = [p.name for p in scan_corpus(BUNDLED)[0] if p.name not in seeds.SEED_NAMES]
    assert added
    for name in added:
        entry = catalog.get(name, {})
        assert entry.get("source_url"), name
    assert set(catalog) <= {p.name for p in scan_corpus(BUNDLED)[0]}, "catalog entries name existing files"


def test_seed_view_holds_the_five_seeds_unchanged():
    assert sorted(p.name for p in scan_corpus(SEEDS)[0]) == sorted(seeds.SEED_NAMES)
    for name in seeds.SEED_NAMES:
        assert hashlib.sha256((SEEDS / name).read_bytes()).digest() == hashlib.sha256(
            (BUNDLED / name).read_bytes()).digest()
    bundled = load_catalog(BUNDLED)
    assert load_catalog(SEEDS) == {k: v for k, v in bundled.items() if k in seeds.SEED_NAMES}
