"""Build-side distribution: parse files and embed clause texts on a Dask cluster (`kb build --dask ADDRESS`).

Workers need kb installed, the corpus and the index folder at the same paths (a shared filesystem) and
the model available. They write vectors into the build's embedding cache, which is safe for several
writers (append-only shards, see `kb.embed_cache.EmbeddingCache`); the build then reads every vector from it.
On one machine this gains nothing (measured: docs/scaling.md); it pays with more machines or GPUs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from .errors import BuildError, MissingDependencyError

EMBED_CHUNK = 256  # texts a task: big enough to batch well, small enough to spread over workers
_embedders: dict[str, object] = {}  # per worker process: the model loads once, not once per task
_embedders_lock = threading.Lock()


class DaskRunner:
    """Runs one function over many argument tuples on a Dask cluster, results in input order."""

    def __init__(self, client):
        self.client = client

    @classmethod
    def connect(cls, scheduler: str | object) -> DaskRunner:
        """A scheduler address (tcp://host:8786) or an existing `distributed.Client`."""
        try:
            from distributed import Client
        except ImportError as e:
            raise MissingDependencyError("分布式构建需要 Dask：pip install 'kb[dask]'") from e
        if isinstance(scheduler, Client):
            return cls(scheduler)
        try:
            return cls(Client(str(scheduler), timeout="20s"))
        except (OSError, TimeoutError, ValueError) as e:
            raise BuildError(f"无法连接 Dask 调度器 {scheduler}：{e}") from e

    @property
    def workers(self) -> int:
        return max(1, len(self.client.scheduler_info().get("workers", {})))

    def map(self, fn: Callable, args: Sequence[tuple], label: str = "", progress=None) -> list:
        from distributed import as_completed

        futures = [self.client.submit(fn, *a, pure=False) for a in args]
        done = 0
        for _ in as_completed(futures):
            done += 1
            if callable(progress):
                progress(label, done, len(futures))
        return self.client.gather(futures)


def embed_on_workers(runner: DaskRunner, embedder, texts: list[str], cache, progress=None) -> int:
    """Embed the texts the cache lacks on the cluster's workers, which add them to the cache; returns how many."""
    from .embed_cache import first_occurrences, text_key

    keys = [text_key(t) for t in texts]
    _, found = cache.get(embedder.name, keys)
    if found is None:
        found = np.zeros(len(texts), dtype=bool)
    missing = [texts[i] for i in first_occurrences(keys) if not found[i]]
    if not missing:
        return 0
    size = max(1, min(EMBED_CHUNK, -(-len(missing) // (2 * runner.workers))))
    chunks = [missing[i : i + size] for i in range(0, len(missing), size)]
    counts = runner.map(embed_chunk, [(embedder.name, chunk, str(cache.dir)) for chunk in chunks], "向量", progress)
    return int(sum(counts))


def embed_chunk(model: str, texts: list[str], cache_dir: str) -> int:
    """On a worker: embed texts with the named model into the shared cache; returns how many it embedded."""
    from .embed import load_embedder
    from .embed_cache import EmbeddingCache, embed_cached

    with _embedders_lock:
        embedder = _embedders.get(model)
        if embedder is None:
            embedder = _embedders[model] = load_embedder(model)
    cache = EmbeddingCache(Path(cache_dir))
    embed_cached(embedder, texts, cache)
    return cache.misses
