"""Faults and bad input: killed builds, damaged index files, readers during a rebuild, a corpus of bad files."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from kb import store
from kb.build import build_index
from kb.cli import main
from kb.errors import BuildError, IndexCorruptError, IndexMissingError, KBError
from kb.search import KnowledgeBase

from .conftest import FIXTURES, ROOT, SEEDS

# A sixth document: its phrase is in no seed, so it shows which build a reader sees.
NEW_NAME = "005_new.txt"
NEW_PHRASE = "量子蜂巢演练"
NEW_DOC = (
    "关于开展量子蜂巢演练的通知\n\n"
    "一、总体要求\n"
    "（一）定期演练。各单位要定期开展量子蜂巢演练，确保检索服务不中断。\n"
    "（二）做好记录。演练结束后五个工作日内报送总结。\n"
)
QUERY = "出口信用保险"


@dataclass
class Prior:
    corpus: Path
    index: Path
    build_id: str


def tree_hashes(root: Path) -> dict[str, str]:
    """Every file under root (hidden ones too) → sha256: proves a build changed nothing there."""
    return {p.relative_to(root).as_posix(): store.file_sha256(p) for p in sorted(root.rglob("*")) if p.is_file()}


def has_new(kb: KnowledgeBase) -> bool:
    return any(NEW_PHRASE in c.text for c in kb.clauses)


@pytest.fixture(scope="module")
def prior(tmp_path_factory) -> Prior:
    """The seeds built twice (so an old build exists for pruning), with the fake embedder."""
    base = tmp_path_factory.mktemp("prior")
    corpus, index = base / "corpus", base / "index"
    shutil.copytree(SEEDS, corpus)
    assert build_index(corpus, index, "hash").ok
    report = build_index(corpus, index, "hash", force=True)
    assert report.ok and len([p for p in (index / "builds").iterdir()]) == 2
    return Prior(corpus, index, report.build_dir.name)


def copy_prior(prior: Prior, dst: Path) -> tuple[Path, Path]:
    corpus, index = dst / "corpus", dst / "index"
    shutil.copytree(prior.corpus, corpus)
    shutil.copytree(prior.index, index)
    return corpus, index


# ---------------------------------------------------------------------------------------------------
# 1. A build killed at any point: the previous index stays usable and the next build completes.

# Runs one build in a child process that dies (os._exit, as abrupt as SIGKILL: no cleanup, no finally)
# at the named point. Production code has no hooks: stage functions are monkeypatched here.
KILL_SCRIPT = r"""
import os, shutil, sys
from pathlib import Path

import kb.bm25, kb.build, kb.dense, kb.embed, kb.embed_cache, kb.ingest, kb.store, kb.worker

corpus, index, stage = sys.argv[1:4]


def die(*args, **kwargs):
    os._exit(137)


def then_die(fn):
    def wrapper(*args, **kwargs):
        fn(*args, **kwargs)
        die()
    return wrapper


real_replace, real_write_jsonl, real_write_npy = os.replace, kb.store._write_jsonl, kb.embed_cache._write_npy
jsonl_calls = []


def replace(src, dst, *args, **kwargs):
    name = Path(src).name
    folder = name.startswith(".tmp-") and Path(src).parent.name == "builds"
    pointer = name.startswith(".CURRENT.tmp")
    if (folder and stage == "before-rename") or (pointer and stage == "before-pointer"):
        die()
    real_replace(src, dst, *args, **kwargs)
    if (folder and stage == "after-rename") or (pointer and stage == "after-pointer"):
        die()


def write_jsonl(path, rows):  # documents.jsonl written whole, clauses.jsonl half
    jsonl_calls.append(path)
    if len(jsonl_calls) == 1:
        return real_write_jsonl(path, rows)
    rows = list(rows)
    real_write_jsonl(path, rows[: len(rows) // 2])
    die()


def write_npy(path, array):  # an embedding-cache shard: vectors written, keys (which publish it) not
    if Path(path).name.endswith(".key.npy"):
        die()
    real_write_npy(path, array)


def rmtree(path, *args, **kwargs):  # pruning an old build: half its files gone, then killed
    files = sorted(p for p in Path(path).rglob("*") if p.is_file())
    for p in files[: len(files) // 2]:
        p.unlink()
    die()


if stage == "ingest":  # the build process dies while its worker parses the new file
    real_ingest = kb.worker.ParseWorker.ingest
    kb.worker.ParseWorker.ingest = lambda self, path, **kw: real_ingest(self, path, **{**kw, "progress": die})
elif stage == "records-half":
    kb.store._write_jsonl = write_jsonl
elif stage == "records":
    kb.store.write_records = then_die(kb.store.write_records)
elif stage == "bm25":
    kb.bm25.BM25Index.save = then_die(kb.bm25.BM25Index.save)
elif stage == "cache":
    kb.embed_cache._write_npy = write_npy
elif stage == "dense":
    kb.dense.DenseIndex.save = then_die(kb.dense.DenseIndex.save)
elif stage == "manifest":
    kb.store.write_manifest = then_die(kb.store.write_manifest)
elif stage in ("before-rename", "after-rename", "before-pointer", "after-pointer"):
    os.replace = replace
elif stage == "prune":
    shutil.rmtree = rmtree
else:
    raise SystemExit(f"unknown stage {stage}")
kb.build.build_index(Path(corpus), Path(index), "hash")
"""

KILL_STAGES = [
    "ingest",  # while reading the new file, before anything is written
    "records-half",  # clauses.jsonl half written
    "records",  # documents and clauses written
    "bm25",  # BM25 saved
    "cache",  # an embedding-cache shard half published
    "dense",  # FAISS index and vectors saved
    "manifest",  # manifest written, folder still hidden
    "before-rename",  # in finish_build, before the folder is renamed into place
    "after-rename",  # folder renamed, CURRENT not yet switched
    "before-pointer",  # new pointer written to its temporary file, not yet switched
    "after-pointer",  # CURRENT switched, before pruning
    "prune",  # while deleting the oldest build
]
SWITCHED = {"after-pointer", "prune"}  # killed after the switch: the new build is complete and current


@pytest.mark.parametrize("stage", KILL_STAGES)
def test_killed_build_leaves_previous_index_usable(stage, prior, tmp_path):
    corpus, index = copy_prior(prior, tmp_path)
    (corpus / NEW_NAME).write_text(NEW_DOC, "utf-8")
    corpus_before = tree_hashes(corpus)

    proc = subprocess.run(
        [sys.executable, "-c", KILL_SCRIPT, str(corpus), str(index), stage],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 137, f"build was not killed at {stage}:\n{proc.stderr[-3000:]}"

    kb = KnowledgeBase.load(index)  # verifies every checksum of the current build
    if stage in SWITCHED:
        assert kb.build_id != prior.build_id and has_new(kb)
    else:
        assert kb.build_id == prior.build_id and not has_new(kb)
    assert kb.search(QUERY, k=5)

    report = build_index(corpus, index, "hash")
    assert report.ok, report.errors
    after = KnowledgeBase.load(index)
    assert after.build_id != prior.build_id and has_new(after)
    assert NEW_PHRASE in after.search(NEW_PHRASE, k=3)[0].clause.text
    # The killed build's debris is gone once a build completes.
    assert not list((index / "builds").glob(".tmp-*"))
    assert not list(index.glob(".CURRENT.tmp*"))
    assert tree_hashes(corpus) == corpus_before


def test_forced_rebuilds_in_the_same_second(prior, tmp_path):
    """Same corpus, same process, same second: each build still gets its own folder."""
    corpus, index = copy_prior(prior, tmp_path)
    ids = {build_index(corpus, index, "hash", force=True).build_dir.name for _ in range(3)}
    assert len(ids) == 3
    assert KnowledgeBase.load(index).build_id in ids


# ---------------------------------------------------------------------------------------------------
# 2. Damaged index files are reported at load by name, with the repair command; never a crash inside
#    numpy, FAISS or json.

FILES = [
    "manifest.json",
    "documents.jsonl",
    "clauses.jsonl",
    "bm25/bm25.json",
    "bm25/vocab.index.json",
    "bm25/params.index.json",
    "bm25/data.csc.index.npy",
    "bm25/indices.csc.index.npy",
    "bm25/indptr.csc.index.npy",
    "dense/dense.json",
    "dense/index.faiss",
    "dense/vectors.npy",
]


def damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "garble":  # same size, every 7th byte flipped
        b = bytearray(data)
        for i in range(0, len(b), 7):
            b[i] ^= 0xA5
        path.write_bytes(bytes(b))
    elif how == "lines":  # cut at a line boundary: still valid JSON lines, fewer of them
        lines = data.split(b"\n")
        path.write_bytes(b"\n".join(lines[: max(1, len(lines) // 2)]) + b"\n")
    elif how == "one-char":  # one character changed, still valid UTF-8 and JSON
        text = data.decode("utf-8")
        i = text.index("保险")
        path.write_bytes((text[:i] + "保健" + text[i + 2 :]).encode("utf-8"))
    elif how == "delete":
        path.unlink()
    else:
        raise ValueError(how)


@pytest.fixture
def damaged(prior, tmp_path):
    """A copy of the prior index with one file damaged; returns (corpus, index, file path)."""

    def make(rel: str, how: str) -> tuple[Path, Path, Path]:
        corpus, index = copy_prior(prior, tmp_path)
        path = store.current_build(index) / rel
        damage(path, how)
        return corpus, index, path

    return make


@pytest.mark.parametrize("how", ["truncate", "garble", "empty", "delete"])
@pytest.mark.parametrize("rel", FILES)
def test_damaged_file_is_reported_by_name(damaged, rel, how):
    _, index, path = damaged(rel, how)
    if rel == "manifest.json" and how == "delete":
        # Without its manifest a build is not a build: CURRENT names nothing usable.
        with pytest.raises(IndexMissingError, match="kb build"):
            KnowledgeBase.load(index)
        return
    with pytest.raises(IndexCorruptError) as info:
        KnowledgeBase.load(index)
    message = str(info.value)
    assert path.name in message and "kb build --force" in message


@pytest.mark.parametrize("how", ["lines", "one-char"])
@pytest.mark.parametrize("rel", ["documents.jsonl", "clauses.jsonl", "bm25/vocab.index.json"])
def test_damage_that_still_parses_is_caught_by_checksum(damaged, rel, how):
    _, index, path = damaged(rel, how)
    with pytest.raises(IndexCorruptError, match="kb build --force") as info:
        KnowledgeBase.load(index)
    assert path.name in str(info.value)


@pytest.mark.parametrize("how", ["truncate", "garble", "empty", "lines", "delete"])
@pytest.mark.parametrize("rel", FILES)
def test_damage_without_checksums_is_still_a_typed_error(damaged, rel, how):
    """With verify=False the loaders themselves must refuse damage, never crash or serve a broken index."""
    _, index, path = damaged(rel, how)
    if how == "lines" and path.suffix not in (".jsonl", ".json"):
        return
    try:
        kb = KnowledgeBase.load(index, verify=False)
    except KBError:
        return
    # Some damage is invisible without checksums (a flipped weight); then the index must still answer.
    assert how in ("garble", "lines"), f"{rel} {how} loaded without error"
    kb.search(QUERY)


@pytest.mark.parametrize("manifest", ["[]", "null", '"x"', '{"schema_version": 1, "files": []}',
                                      '{"schema_version": 1, "files": {"documents.jsonl": {}}}',
                                      '{"schema_version": 99}'])
def test_manifest_of_the_wrong_shape(prior, tmp_path, manifest):
    _, index = copy_prior(prior, tmp_path)
    path = store.current_build(index) / "manifest.json"
    path.write_text(manifest, "utf-8")
    with pytest.raises(IndexCorruptError, match="kb build --force") as info:
        KnowledgeBase.load(index)
    assert "manifest.json" in str(info.value)


@pytest.mark.parametrize("pointer", [b"20000101-000000-deadbeef-1\n", b"", b"\xff\xfe\x00garbage", b"../../etc\n",
                                     b".tmp-20000101-000000-deadbeef-1\n"])
def test_pointer_to_a_missing_build(prior, tmp_path, pointer, capsys):
    corpus, index = copy_prior(prior, tmp_path)
    (index / "CURRENT").write_bytes(pointer)
    with pytest.raises(IndexMissingError, match="kb build"):
        KnowledgeBase.load(index)
    assert main(["--index", str(index), "docs"]) == 2
    assert "kb build" in capsys.readouterr().err
    # A plain build repairs it: there is no usable previous build to be up to date with.
    assert build_index(corpus, index, "hash").ok
    assert len(KnowledgeBase.load(index).documents) == 5


@pytest.mark.parametrize("rel,how", [("clauses.jsonl", "one-char"), ("documents.jsonl", "garble"),
                                     ("manifest.json", "truncate"), ("dense/index.faiss", "garble"),
                                     ("bm25/data.csc.index.npy", "truncate")])
def test_cli_reports_damage_and_build_force_repairs_it(damaged, rel, how, capsys, tmp_path):
    corpus, index, path = damaged(rel, how)
    assert main(["--index", str(index), "docs"]) == 2
    err = capsys.readouterr().err
    assert path.name in err and "kb build --force" in err

    assert main(["--index", str(index), "build", str(corpus), "--force"]) == 0
    capsys.readouterr()
    kb = KnowledgeBase.load(index)
    assert len(kb.documents) == 5 and kb.search(QUERY)
    # The repair rebuilt from the corpus: nothing of the damaged build was carried over.
    assert build_index(corpus, tmp_path / "fresh", "hash").ok
    fresh = KnowledgeBase.load(tmp_path / "fresh")
    assert [c.to_dict() for c in kb.clauses] == [c.to_dict() for c in fresh.clauses]
    assert main(["--index", str(index), "docs"]) == 0


# ---------------------------------------------------------------------------------------------------
# 3. Readers keep serving while a build runs; a second concurrent build is refused.


def test_readers_keep_serving_during_a_rebuild(prior, tmp_path):
    corpus, index = copy_prior(prior, tmp_path)
    kb = KnowledgeBase.load(index)
    (corpus / NEW_NAME).write_text(NEW_DOC, "utf-8")

    errors: list[BaseException] = []
    answered = {"during": 0, "total": 0}
    loaded: set[str] = set()
    building, stop = threading.Event(), threading.Event()
    result: dict = {}

    def query() -> None:
        while not stop.is_set():
            try:
                assert kb.search(QUERY, k=5)
            except BaseException as e:  # noqa: BLE001 - any failure is the finding
                errors.append(e)
                return
            answered["total"] += 1
            answered["during"] += building.is_set()

    def reload() -> None:  # fresh readers during the build see the old build or the new, whole
        while not stop.is_set():
            try:
                loaded.add(KnowledgeBase.load(index).build_id)
            except BaseException as e:  # noqa: BLE001
                errors.append(e)
                return

    def build() -> None:
        building.set()
        try:
            result["report"] = build_index(corpus, index, "hash")
        except BaseException as e:  # noqa: BLE001
            errors.append(e)
        finally:
            building.clear()

    readers = [threading.Thread(target=query), threading.Thread(target=reload)]
    for t in readers:
        t.start()
    builder = threading.Thread(target=build)
    builder.start()
    builder.join(120)
    time.sleep(0.2)
    stop.set()
    for t in readers:
        t.join(60)

    assert not errors, errors
    assert answered["during"] > 0
    new_id = result["report"].build_dir.name
    assert new_id != prior.build_id and loaded <= {prior.build_id, new_id}
    # The reader loaded before the build still answers from its build; a fresh one sees the new one.
    assert kb.build_id == prior.build_id and not has_new(kb) and kb.search(QUERY)
    fresh = KnowledgeBase.load(index)
    assert fresh.build_id == new_id and has_new(fresh)


def test_second_concurrent_build_is_refused(prior, tmp_path, monkeypatch, capsys):
    corpus, index = copy_prior(prior, tmp_path)
    (corpus / NEW_NAME).write_text(NEW_DOC, "utf-8")
    entered, release = threading.Event(), threading.Event()
    real = store.write_records

    def slow_write(*args, **kwargs):
        entered.set()
        release.wait(60)
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "write_records", slow_write)
    result: dict = {}

    def first() -> None:
        try:
            result["report"] = build_index(corpus, index, "hash")
        except BaseException as e:  # noqa: BLE001
            result["error"] = e

    t = threading.Thread(target=first)
    t.start()
    try:
        assert entered.wait(60)
        with pytest.raises(BuildError, match="另一个构建"):
            build_index(corpus, index, "hash", force=True)
        assert main(["--index", str(index), "build", str(corpus), "--force"]) == 2
        assert "另一个构建" in capsys.readouterr().err
        # Meanwhile the previous build still serves.
        assert KnowledgeBase.load(index).build_id == prior.build_id
    finally:
        release.set()
        t.join(120)
    assert "error" not in result, result.get("error")
    assert result["report"].ok
    kb = KnowledgeBase.load(index)
    assert kb.build_id == result["report"].build_dir.name and has_new(kb)


# ---------------------------------------------------------------------------------------------------
# 4. A corpus with every kind of bad file: each is reported by name, every good file is indexed, and
#    the corpus folder is left exactly as it was.

GBK_PHRASE = "绿色算力券"
CONTROL_PHRASE = "数据要素登记"
MIXED_DOC = (
    "关于推进数字化转型的若干措施\n\n"
    "为加快数字化转型，提出如下措施。\n"
    "（一）夯实基础。加强网络建设，提升算力水平。\n"
    "(二) 培育场景。推动重点行业应用。\n"
    "1． 制造业数字化。支持企业上云用数。\n"
    "2. 服务业数字化。发展平台经济。\n"
    "（三）强化保障。加大资金支持力度。\n"
)


def make_pdf(path: Path, lines: list[str]) -> Path:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    c.setFont("STSong-Light", 12)
    for i, line in enumerate(lines):
        c.drawString(72, 780 - 20 * i, line)
    c.showPage()
    c.save()
    return path


def seed_text() -> str:
    return "".join(p.read_text("utf-8") for p in sorted(SEEDS.glob("*.txt")))


def write_big_text(path: Path, size: int) -> None:
    """Valid UTF-8 policy text (the seeds over and over) of `size` bytes, less a partial last character."""
    block = (seed_text() * 8).encode("utf-8")
    with open(path, "wb") as f:
        for start in range(0, size, len(block)):
            chunk = block[: size - start]
            f.write(chunk if len(chunk) == len(block) else chunk.decode("utf-8", "ignore").encode("utf-8"))


def write_bad_corpus(corpus: Path, one_line_bytes: int = 2 * 1024 * 1024, huge_bytes: int = 50 * 1024 * 1024):
    """Seeds plus every kind of awkward file. Returns ({bad name: reason fragment}, {good extra names})."""
    from pypdf import PdfWriter

    shutil.copytree(SEEDS, corpus)
    seeds = seed_text()
    bad: dict[str, str] = {}

    (corpus / "empty.txt").write_bytes(b"")
    bad["empty.txt"] = "文件为空"
    (corpus / "blank.md").write_text(" \n\t\n\u3000\n", "utf-8")
    bad["blank.md"] = "文件为空"
    (corpus / "binary.txt").write_bytes(bytes(range(256)) * 64)
    bad["binary.txt"] = "不是文本文件"
    pdf = make_pdf(corpus.parent / "ok.pdf", ["关于测试的通知", "一、总体要求。测试。"])
    (corpus / "truncated.pdf").write_bytes(pdf.read_bytes()[: pdf.stat().st_size * 6 // 10])
    bad["truncated.pdf"] = "PDF 文件已损坏或不完整"
    writer = PdfWriter(clone_from=pdf)
    writer.encrypt("secret", algorithm="RC4-128")
    with open(corpus / "encrypted.pdf", "wb") as f:
        writer.write(f)
    bad["encrypted.pdf"] = "PDF 已加密"
    (corpus / "broken.docx").write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    bad["broken.docx"] = "DOCX 文件已损坏"
    (corpus / "script_only.html").write_text("<html><script>alert(1)</script></html>", "utf-8")
    bad["script_only.html"] = "没有可见文字"
    (corpus / "title_only.txt").write_text("关于开展某项工作的通知\n", "utf-8")
    bad["title_only.txt"] = "未能从文件中切分出任何条款"
    (corpus / "data.xyz").write_text("一、总体要求。", "utf-8")
    bad["data.xyz"] = "不支持的文件类型 .xyz"
    (corpus / "README").write_text("readme", "utf-8")
    bad["README"] = "不支持的文件类型"
    write_big_text(corpus / "huge.txt", huge_bytes)  # valid text, over the limit the test sets
    bad["huge.txt"] = "文件过大"

    good = set()
    gbk = f"关于发放{GBK_PHRASE}的通知\n\n一、支持政策\n（一）发放{GBK_PHRASE}。对中小企业购买算力给予补贴。\n"
    (corpus / "gbk.txt").write_bytes(gbk.encode("gbk"))
    good.add("gbk.txt")
    line = seeds.replace("\n", "")
    (corpus / "one_line.txt").write_text((line * (one_line_bytes // len(line.encode()) + 1))[: one_line_bytes // 3],
                                         "utf-8")
    good.add("one_line.txt")
    shutil.copy(FIXTURES / "no_numbering.txt", corpus / "no_numbering.txt")
    good.add("no_numbering.txt")
    controls = f"关于{CONTROL_PHRASE}的通知\n\n一、\x07登记要求\n（一）开展{CONTROL_PHRASE}\x01工作。\x1b各单位要按期登记。\x0c\n"
    (corpus / "controls.txt").write_text(controls + seeds[:3000], "utf-8")
    good.add("controls.txt")
    (corpus / "mixed_numbering.txt").write_text(MIXED_DOC, "utf-8")
    good.add("mixed_numbering.txt")
    (corpus / "utf16.txt").write_text("关于测试的通知\r\n\r\n一、总体要求\r\n（一）统一编码。各单位统一使用规范编码。\r\n",
                                      "utf-16")
    good.add("utf16.txt")
    (corpus / "政策 文件（2024）.md").write_text("# 关于文件名的通知\n\n## 一、要求\n\n**（一）规范命名。**文件名可含空格和括号。\n",
                                              "utf-8")
    good.add("政策 文件（2024）.md")
    # Skipped without a word: hidden files, Office lock files and sub-folders.
    (corpus / ".DS_Store").write_bytes(b"\x00\x01junk")
    (corpus / "~$lock.docx").write_bytes(b"\x00lock")
    (corpus / "old").mkdir()
    (corpus / "old" / "ignored.txt").write_text("一、旧文件。", "utf-8")
    return bad, good


def test_bad_corpus_files_are_reported_and_good_ones_indexed(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    bad, good = write_bad_corpus(corpus)
    before = tree_hashes(corpus)
    seeds = {p.name for p in SEEDS.glob("*.txt")}

    t0 = time.perf_counter()
    report = build_index(corpus, index, "hash", max_file_bytes=8 * 1024 * 1024)
    print(f"bad corpus built in {time.perf_counter() - t0:.1f} s: {report.documents} documents, {report.clauses} clauses")

    reasons = {e.source: e.reason for e in report.errors}
    assert set(reasons) == set(bad), reasons
    for name, fragment in bad.items():
        assert fragment in reasons[name], (name, reasons[name])
    assert "50.0 MB" in reasons["huge.txt"] and "8 MB" in reasons["huge.txt"]

    kb = KnowledgeBase.load(index)
    assert {d.source for d in kb.documents} == seeds | good
    docs = {d.source: d for d in kb.documents}
    assert docs["gbk.txt"].encoding == "gb18030" and docs["utf16.txt"].encoding == "utf-16"
    assert GBK_PHRASE in kb.search(GBK_PHRASE, k=1)[0].clause.text
    assert len(kb.clauses_of(docs["no_numbering.txt"].id)) >= 3
    assert len(kb.clauses_of(docs["one_line.txt"].id)) > 100  # cut into pieces, each searchable
    assert all(len(c.text) <= 3000 for c in kb.clauses_of(docs["one_line.txt"].id))
    control_text = "".join(c.text for c in kb.clauses_of(docs["controls.txt"].id))
    assert CONTROL_PHRASE in control_text and not any(ch in control_text for ch in "\x01\x07\x1b\x0c")
    paths = [c.path for c in kb.clauses_of(docs["mixed_numbering.txt"].id)]
    assert {"（一）", "（二）", "（三）"} <= set(paths) and any(p.endswith("1.") for p in paths)
    assert any(p.endswith("2.") for p in paths)

    assert tree_hashes(corpus) == before
    # An unchanged corpus (bad files included) is up to date: the refusals are remembered, not redone.
    again = build_index(corpus, index, "hash", max_file_bytes=8 * 1024 * 1024)
    assert again.up_to_date and {e.source for e in again.errors} == set(bad)
    assert tree_hashes(corpus) == before


def test_cli_build_lists_each_bad_file_and_exits_1(tmp_path, capsys):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(SEEDS, corpus)
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "data.xyz").write_text("x", "utf-8")
    (corpus / "binary.txt").write_bytes(bytes(range(256)) * 8)
    before = tree_hashes(corpus)

    assert main(["--index", str(index), "build", str(corpus)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert "无法索引 empty.txt：文件为空" in err
    assert "无法索引 data.xyz：不支持的文件类型 .xyz" in err
    assert any(line.startswith("无法索引 binary.txt：不是文本文件") for line in err)
    assert main(["--index", str(index), "docs", "--json"]) == 0
    assert capsys.readouterr().out.count("\n") == 5
    assert tree_hashes(corpus) == before


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_50_mb_text_file_is_indexed(tmp_path):
    """Valid text under the default 64 MB limit is indexed and searchable. Measured on a 2-core machine:
    50 MB → 65,830 clauses, built in ~42 s (~0.85 s/MB; per-clause tags 13 s, cleaning 5 s, HNSW graph 6 s,
    BM25 5 s, tokens 5 s) and loaded in ~3 s. The text is the seeds over and over, so repeated jieba blocks
    and embeddings are computed once; 50 MB of distinct text costs more (jieba alone cuts ~0.9 MB/s here)."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    write_big_text(corpus / "huge.txt", 50 * 1024 * 1024)
    t0 = time.perf_counter()
    report = build_index(corpus, index, "hash")
    print(f"50 MB text indexed in {time.perf_counter() - t0:.0f} s: {report.clauses} clauses")
    assert report.ok and report.documents == 1 and report.clauses > 10_000
    assert KnowledgeBase.load(index).search(QUERY, k=3)


def test_progress_moves_inside_one_file(monkeypatch):
    """One huge file must not hold the bar at 0 until it is done: ingest reports its share as it goes."""
    import kb.ingest

    monkeypatch.setattr(kb.ingest, "_REPORT_EVERY", 5)
    shares: list[float] = []
    result = kb.ingest.ingest_text(seed_text(), "seeds.txt", progress=shares.append)
    assert shares == sorted(shares) and 0 < shares[0] and shares[-1] == 1.0
    assert len(shares) >= len(result.clauses) // 5


def test_terminal_build_names_every_step(tmp_path, capsys):
    """`kb build` on a terminal: a bar or a status line for each step, so no step runs silently."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_big_text(corpus / "big.txt", 200_000)
    assert build_index(corpus, tmp_path / "index", "hash", progress=True).ok
    err = capsys.readouterr().err
    for step in ("解析文件", "写入记录", "分词", "建立关键词索引", "建立向量索引", "写入清单"):
        assert step in err


def test_oversized_file_is_refused_without_reading(tmp_path, monkeypatch):
    """Over the limit: refused by its size alone, never read or hashed whole."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(SEEDS, corpus)
    with open(corpus / "huge.txt", "wb") as f:
        f.truncate(70 * 1024 * 1024)  # sparse: 70 MB of zeros without writing them
    real = store.file_sha256

    def no_whole_hash(path):
        assert Path(path).name != "huge.txt", "the oversized file was hashed"
        return real(path)

    monkeypatch.setattr(store, "file_sha256", no_whole_hash)
    report = build_index(corpus, index, "hash")
    assert [(e.source, e.reason) for e in report.errors] == [("huge.txt", "文件过大（70.0 MB，上限 64 MB）")]
    assert report.documents == 5
