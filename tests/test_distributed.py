"""`kb build --dask`: files parsed and texts embedded on a local two-worker cluster, into the same cache."""

from __future__ import annotations

import numpy as np
import pytest

from kb.build import build_index
from kb.dense import DenseIndex
from kb.sentences import split_sentences
from kb.store import current_build, read_records
from tests.conftest import SEEDS

distributed = pytest.importorskip("distributed", reason="the Dask tests need kb[dask]")


@pytest.fixture(scope="module")
def cluster_client():
    from distributed import Client, LocalCluster

    # Threads, not processes: two worker processes would each import kb and numpy on 2 shared cores.
    # The slow test below runs real worker processes.
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        yield client


def _texts(index) -> int:
    """Texts a cold build embeds: one per clause and one per distinct sentence (kb/sentences.py)."""
    _, clauses = read_records(current_build(index))
    return len(clauses) + len({t for c in clauses for t in split_sentences(c.text)})


def _tasks(client, run) -> list[str]:
    from distributed import get_task_stream

    with get_task_stream(client) as ts:
        result = run()
    return result, [(str(t["key"]), t["worker"]) for t in ts.data]


def test_dask_build_equals_a_plain_build(tmp_path, cluster_client):
    report, keys = _tasks(cluster_client, lambda: build_index(SEEDS, tmp_path / "dask", "hash", dask=cluster_client))
    assert report.ok and report.documents == 5 and report.embedded == _texts(tmp_path / "dask")
    ingest = [w for k, w in keys if "ingest_one" in k]
    embed = [w for k, w in keys if "embed_chunk" in k]
    assert len(ingest) == 5 and embed and set(ingest + embed) <= set(cluster_client.scheduler_info()["workers"])
    plain = build_index(SEEDS, tmp_path / "plain", "hash")
    docs_a, clauses_a = read_records(current_build(tmp_path / "dask"))
    docs_b, clauses_b = read_records(current_build(tmp_path / "plain"))
    assert [d.to_dict() for d in docs_a] == [d.to_dict() for d in docs_b]
    assert [c.to_dict() for c in clauses_a] == [c.to_dict() for c in clauses_b]
    va = DenseIndex.load(current_build(tmp_path / "dask") / "dense").vectors
    vb = DenseIndex.load(current_build(tmp_path / "plain") / "dense").vectors
    np.testing.assert_array_equal(va, vb)
    assert plain.embedded == _texts(tmp_path / "plain")  # its own cache: nothing shared with the dask build's


def test_workers_fill_the_build_cache(tmp_path, cluster_client):
    """What the workers embedded is in the index's cache: the next plain build embeds nothing."""
    index = tmp_path / "index"
    first = build_index(SEEDS, index, "hash", dask=cluster_client)
    assert first.embedded == _texts(index)
    assert list((index / "cache" / "embeddings").rglob("*.key.npy"))
    again = build_index(SEEDS, index, "hash", force=True)
    assert again.ok and again.embedded == 0 and again.reused == 5


def test_dask_build_reports_bad_files_by_name(tmp_path, cluster_client, seed_corpus):
    (seed_corpus / "empty.txt").write_bytes(b"")
    (seed_corpus / "binary.txt").write_bytes(bytes(range(256)) * 20)
    report = build_index(seed_corpus, tmp_path / "index", "hash", dask=cluster_client)
    assert {e.source for e in report.errors} == {"empty.txt", "binary.txt"} and report.documents == 5


def test_unreachable_scheduler_is_a_build_error(tmp_path):
    from kb.errors import BuildError

    with pytest.raises(BuildError, match="Dask"):
        build_index(SEEDS, tmp_path / "index", "hash", dask="tcp://127.0.0.1:9")
    assert current_build(tmp_path / "index") is None


@pytest.mark.slow
def test_dask_build_on_worker_processes(tmp_path):
    """Two real worker processes (they import kb themselves and share the cache through the disk)."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        report = build_index(SEEDS, tmp_path / "index", "hash", dask=client)
        pids = set(client.run(__import__("os").getpid).values())
    assert report.ok and report.embedded == _texts(tmp_path / "index") and len(pids) == 2
    assert build_index(SEEDS, tmp_path / "index", "hash", force=True).embedded == 0
