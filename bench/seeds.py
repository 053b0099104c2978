"""The seed corpus: the five bundled documents that the dev judgements (eval/), the tests and the benchmarks
measure, copied into a folder of their own with their catalog entries, so that documents added to corpus/ for
users change none of those figures."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SEED_NAMES = (
    "000_70838f8e5a3ffbff.txt",
    "001_3b50df308c9c2e77.txt",
    "002_817478271669fba5.txt",
    "003_142beb58a89e468f.txt",
    "004_b17876d9791bd83c.txt",
)


def make_seed_corpus(dst: Path, src: Path = CORPUS) -> Path:
    """Copy the five seeds and their catalog entries (nothing else) into dst; returns dst."""
    import tomli_w

    from kb.catalog import CATALOG_NAME, load_catalog

    dst = Path(dst)
    dst.mkdir(parents=True, exist_ok=True)
    for name in SEED_NAMES:
        shutil.copy2(src / name, dst / name)
    catalog = {k: v for k, v in load_catalog(src).items() if k in SEED_NAMES}
    (dst / CATALOG_NAME).write_text("# 种子语料的目录（由 bench/seeds.py 从 corpus/catalog.toml 复制）\n\n"
                                    + tomli_w.dumps(catalog), "utf-8")
    return dst


def seed_kb(index: str | Path | None, prefix: str = "kb-seeds-"):
    """The knowledge base a comparison bench measures: the index given (`--index`), or the five seeds built
    with the default model into a temporary folder."""
    return _kb(index, prefix, make_seed_corpus)


def corpus_kb(index: str | Path | None, prefix: str = "kb-corpus-"):
    """The whole bundled corpus/ (seeds and added documents): the index given, or corpus/ built with the
    default model into a temporary folder (eval/fresh2_compare.jsonl is judged on it)."""
    return _kb(index, prefix, lambda _dst: CORPUS)


def _kb(index: str | Path | None, prefix: str, corpus_in):
    import tempfile

    from kb.search import KnowledgeBase

    if index:
        return KnowledgeBase.load(Path(index))
    from kb.build import build_index
    from kb.config import DEFAULT_MODEL

    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    build_index(corpus_in(tmp / "corpus"), tmp / "index", DEFAULT_MODEL)
    return KnowledgeBase.load(tmp / "index")
