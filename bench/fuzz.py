"""Fuzz the ingest stages with hypothesis for a fixed time: random and mutated bytes through read_file and
ingest_file (every suffix), random text through clean_text, segment and ingest_text. Prints how many inputs
were tried and every failure; exits 1 when there is one. A benchmark script, not a test.

    python bench/fuzz.py                  # 60 seconds over all targets
    python bench/fuzz.py --seconds 600    # longer
    python bench/fuzz.py --target clean   # one target: read, clean, segment or ingest

A failure is an exception other than ReadError from reading, any exception from the text stages, output
that breaks a documented property (clean text has no control characters; cleaning is idempotent; a
clause's text is the cleaned text between its offsets), or one input taking longer than --slow seconds
(default 1) both in the run and timed again alone (best of three fresh processes). Every input is timed,
its parse only (after a warm-up; not drawing it or writing it to a file); the slowest of each target is
reported with the input itself, its CPU time and its time alone. `--seed N` repeats a run's inputs in order.
Long runs of
one piece (40 `#`, a deep `> > >` quote, thousands of `<nav>`) are among the inputs: they are what makes a
backtracking regex or a quadratic parser show.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import logging
import math
import os
import pickle
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import seed as hypothesis_seed  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from results_md import update_section  # noqa: E402

from kb.clean import clean_text  # noqa: E402
from kb.errors import MissingDependencyError, ReadError  # noqa: E402
from kb.ingest import ingest_file, ingest_text, warm_up  # noqa: E402
from kb.read import SUPPORTED_SUFFIXES  # noqa: E402
from kb.segment import segment  # noqa: E402
from kb.text import CONTROL as _CONTROL  # noqa: E402

SEEDS = ROOT / "corpus"  # only seed 001 is read, so documents added for users change nothing here
FORMATS = ("txt", "md", "html", "pdf", "docx")

# ---------------------------------------------------------------------------------------------------
# Inputs: text built from the pieces policy documents are made of, plus anything at all.

PIECES = [
    "一、", "二、", "十一、", "（一）", "(二)", "（ 三 ）", "1.", "2．", "3、", "12.", "（1）", "(2)", "①", "⑳",
    "第一章", "第二节", "第十条", "第一部分", "附件", "附件1：", "抄送：", "主送：", "（责任单位：市金融局）",
    "关于印发《某某措施》的通知", "某某〔2024〕12号", "2024年4月3日", "— 2 —", "第 3 页", "2/10",
    "来源：人民网", "发布时间：2024-01-01 10:00", "【打印】【关闭】", "Copyright ©", "ICP备12345号",
    "# ", "## ", "**", "__", "*", "> ", "- ", "[链接](http://x.cn)", "![图](a.png)", "---", "```",
    "<p>", "</p>", "<br>", "<script>", "</script>", "<div>", "&nbsp;", "&amp;", "<!--", "-->", "<nav>",
    "贷款", "保险", "制造业", "力争到2025年", "不低于50%", "增长10个百分点", "1.5亿元", "各银行机构",
    "。", "，", "；", "：", "！", "？", "、", "“", "”", "（", "）", "《", "》", "……", "——",
    " ", "  ", "    ", "\t", "\u3000", "\u00a0", "\u200b", "\ufeff", "\u00ad",
    "\n", "\n\n", "\r\n", "\r", "\f", "\v", "\x85", "\u2028", "\x00", "\x01", "\x1b", "\x7f",
    "a", "Z", "0", "9", "%", "‰", "ＡＢＣ", "１２", "😀", "\U00020000",
]
RUNS = st.tuples(st.sampled_from(PIECES), st.integers(8, 3000), st.sampled_from(PIECES)).map(
    lambda t: t[0] * t[1] + t[2])  # a long run of one piece, then another (a failing tail forces backtracking)
TEXT = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=120).map("".join),
    st.lists(st.one_of(RUNS, st.sampled_from(PIECES)), max_size=6).map("".join),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=20)), max_size=80).map("".join),
    st.text(max_size=500),
)


def _base_files() -> dict[str, bytes]:
    """Valid files of every format, to mutate: mutated valid files reach deeper than random bytes."""
    seed = (SEEDS / "001_3b50df308c9c2e77.txt").read_text("utf-8")[:3000]
    out = {
        ".txt": seed.encode("utf-8"),
        ".md": ("# 标题\n\n## 一、总体要求\n\n**（一）加强领导。**各单位要加强领导。\n").encode(),
        ".html": f"<html><head><meta charset='gbk'><title>t</title></head><body><p>{seed[:800]}</p></body></html>"
        .encode("gbk", "replace"),
    }
    out[".htm"] = out[".html"]
    out[".markdown"] = out[".md"]
    try:
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont
        from reportlab.pdfgen import canvas

        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
        buf = io.BytesIO()
        c = canvas.Canvas(buf)
        c.setFont("STSong-Light", 12)
        for i, line in enumerate(seed.splitlines()[:20]):
            c.drawString(72, 780 - 20 * i, line[:40])
        c.showPage()
        c.save()
        out[".pdf"] = buf.getvalue()
    except ImportError:
        out[".pdf"] = b"%PDF-1.4\n%%EOF\n"
    try:
        import docx

        d = docx.Document()
        for line in seed.splitlines()[:20]:
            d.add_paragraph(line)
        buf = io.BytesIO()
        d.save(buf)
        out[".docx"] = buf.getvalue()
    except ImportError:
        out[".docx"] = b"PK\x03\x04"
    from tests.test_formats import make_ofd  # the OFD writer of the format tests

    with tempfile.TemporaryDirectory(prefix="kb-fuzz-") as tmp:
        lines = [line[:30] for line in seed.splitlines()[:20] if line.strip()]
        out[".ofd"] = make_ofd(Path(tmp) / "base.ofd", [lines[:10], lines[10:]]).read_bytes()
    return out


BASES = _base_files()
SUFFIXES = [*SUPPORTED_SUFFIXES, ".xyz", ""]


@st.composite
def mutated(draw, suffix: str) -> bytes:
    """A valid file of the suffix's format with a few byte-level edits (flip, insert, delete, truncate)."""
    data = bytearray(BASES.get(suffix, BASES[".txt"]))
    for _ in range(draw(st.integers(0, 8))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        pos = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "flip" and data:
            data[pos] ^= draw(st.integers(1, 255))
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 64))]
        elif op == "truncate":
            del data[pos:]
    return bytes(data)


@st.composite
def files(draw) -> tuple[str, bytes]:
    suffix = draw(st.sampled_from(SUFFIXES))
    data = draw(st.one_of(
        st.binary(max_size=2048),
        mutated(suffix),
        TEXT.flatmap(lambda t: st.sampled_from(["utf-8", "gb18030", "utf-16", "utf-8-sig"]).map(
            lambda enc, t=t: t.encode(enc, "surrogatepass" if enc.startswith("utf") else "replace"))),
    ))
    return suffix, data


# ---------------------------------------------------------------------------------------------------
# Checks: each raises AssertionError (or anything else) on a failure.


def check_clauses(text: str, clauses) -> None:
    last = 0
    ids = set()
    for c in clauses:
        assert c.text == text[c.start : c.end], f"clause {c.id} text does not match its offsets"
        assert c.start >= last and c.end > c.start, f"clause {c.id} overlaps or is empty"
        assert c.id not in ids, f"duplicate clause id {c.id}"
        ids.add(c.id)
        last = c.end


def check_clean(text: str, fmt: str) -> None:
    once = clean_text(text, fmt)
    assert not _CONTROL.search(once) and "\r" not in once, "control characters survive cleaning"
    if fmt != "html":  # cleaned HTML is text; parsing it as HTML again is not meant to be a no-op
        twice = clean_text(once, fmt)
        assert twice == once, f"cleaning is not idempotent: {once!r} → {twice!r}"


def check_segment(text: str) -> None:
    cleaned = clean_text(text, "txt")
    clauses, _ = segment(cleaned, "doc", "doc.txt")
    check_clauses(cleaned, clauses)


def check_ingest(text: str, fmt: str) -> None:
    result = ingest_text(text, f"doc.{fmt}", fmt)
    check_clauses(result.document.text, result.clauses)
    assert result.document.clause_count == len(result.clauses)
    assert isinstance(result.document.title, str) and result.document.title


def write_input(tmp: Path, suffix: str, data: bytes) -> tuple[Path]:
    """The read target's untimed step: the input becomes a file (writing it is not parsing it)."""
    path = tmp / f"fuzz{suffix}"
    path.write_bytes(data)
    return (path,)


def check_read(path: Path) -> None:
    try:
        result = ingest_file(path)
    except (ReadError, MissingDependencyError):
        return
    assert not _CONTROL.search(result.document.text), "control characters in a read document"
    check_clauses(result.document.text, result.clauses)


# ---------------------------------------------------------------------------------------------------
# Timing. Only the check is timed: hypothesis drawing the input, writing it to a file and the one-time
# loading of the pipeline's data (warm_up, format readers' imports, about a second) are not. An input over the
# limit is timed again alone in fresh, warmed-up processes, best of three (a shared machine stalls a process now
# and then): it fails when that time is over the limit too, and both figures are reported.


def make_targets(tmp: Path) -> dict[str, Target]:
    # Recognised pages are cached under the index folder: a fuzzed scan must neither read an earlier run's
    # result (that would time a cache hit) nor leave one in the project's index.
    os.environ["KB_INDEX"] = str(tmp / "index")
    return {
        "read": Target("read", files(), check_read, prepare=lambda suffix, data: write_input(tmp, suffix, data)),
        "clean": Target("clean", st.tuples(TEXT, st.sampled_from(FORMATS)), check_clean),
        "segment": Target("segment", st.tuples(TEXT), check_segment),
        "ingest": Target("ingest", st.tuples(TEXT, st.sampled_from(FORMATS)), check_ingest),
    }


def warm(targets: dict[str, Target]) -> float:
    """What a parse process pays once: the pipeline's lazy data, then every target on valid inputs of every
    format (the PDF, DOCX, HTML and encoding detectors' imports). Seconds taken."""
    t0 = time.perf_counter()
    warm_up()
    samples = {
        "read": [*BASES.items(), (".txt", bytes(range(0x80, 0x100)) * 4)],  # the last needs the detector
        "clean": [(BASES[".txt"].decode("utf-8"), fmt) for fmt in FORMATS],
        "segment": [(BASES[".txt"].decode("utf-8"),)],
        "ingest": [(BASES[".txt"].decode("utf-8"), fmt) for fmt in FORMATS],
    }
    for name, target in targets.items():
        for args in samples[name]:
            try:
                target.call(args)
            except Exception:  # a failure is the fuzzing's to find, with its input
                pass
    return time.perf_counter() - t0


def time_call(target: Target, args: tuple) -> tuple[float, float]:
    """(wall, CPU) seconds of the check on one input, its untimed preparation aside. Raises what it raises.

    The cycle collector is off while it runs (as in `timeit`): otherwise a collection of the garbage
    hypothesis has left lands in whichever input is running (an empty text once took 0.36 s)."""
    prepared = target.prepare(*args) if target.prepare else args
    enabled = gc.isenabled()
    gc.disable()
    try:
        w0, c0 = time.perf_counter(), time.process_time()
        target.check(*prepared)
        return time.perf_counter() - w0, time.process_time() - c0
    finally:
        if enabled:
            gc.enable()


def retime(inputs: list[tuple[str, tuple]], repeats: int = 3) -> list[float]:
    """Wall seconds of each (target, input) alone: timed once in each of `repeats` fresh processes after their
    warm-up (a fresh process each time, so no cache of the first run helps the next), the best kept; inf if
    every process fails."""
    best = [math.inf] * len(inputs)
    with tempfile.TemporaryDirectory(prefix="kb-fuzz-retime-") as tmp:
        job = Path(tmp) / "inputs.pickle"
        job.write_bytes(pickle.dumps(inputs))
        for _ in range(repeats):
            out = subprocess.run([sys.executable, __file__, "--retime", str(job)], capture_output=True,
                                 text=True, timeout=600)
            try:
                times = [float(x) for x in json.loads(out.stdout.strip().splitlines()[-1])]
            except (ValueError, IndexError):
                continue
            best = [min(b, t) for b, t in zip(best, times, strict=True)]
    return best


def _retime_child(job: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="kb-fuzz-") as tmp:
        targets = make_targets(Path(tmp))
        warm(targets)
        times = []
        for name, args in pickle.loads(job.read_bytes()):
            t0 = time.perf_counter()
            try:
                times.append(time_call(targets[name], args)[0])
            except Exception:  # the failure itself is the fuzzing run's to report
                times.append(time.perf_counter() - t0)
        print(json.dumps(times))


# ---------------------------------------------------------------------------------------------------
# The runner: hypothesis in rounds until the budget is spent; failures are collected, not fatal.


class Target:
    def __init__(self, name: str, strategy, check: Callable, prepare: Callable | None = None) -> None:
        self.name, self.strategy, self.check, self.prepare = name, strategy, check, prepare
        self.tried = 0
        self.failures: dict[str, str] = {}  # first line of the error → details
        self.slowest = (0.0, 0.0)  # (wall, CPU) seconds
        self.slowest_args: tuple = ()
        self.slowest_alone: float | None = None  # the slowest input timed again alone
        self.over: list[tuple[float, tuple]] = []  # inputs over the limit: (wall seconds, input)

    def call(self, args: tuple) -> None:
        self.check(*(self.prepare(*args) if self.prepare else args))

    @property
    def slowest_input(self) -> str:
        return repr(self.slowest_args)[:160]


def run(target: Target, seconds: float, slow: float, seed: int | None = None) -> None:
    end = time.monotonic() + seconds

    def record(args) -> None:
        target.tried += 1
        took = time_call(target, args)
        if took[0] > target.slowest[0]:
            target.slowest, target.slowest_args = took, args
        if took[0] > slow:
            target.over.append((took[0], args))
            target.over = sorted(target.over, key=lambda o: -o[0])[:_MAX_RETIMED]

    rounds = 0
    while time.monotonic() < end:
        # No time check inside: an input that passes only because time ran out would make a shrink flaky.
        # Short rounds bound the overrun instead. Slow inputs are collected, not raised: a time is no property
        # hypothesis can shrink on (it is measured again alone after the run instead). With --seed each round
        # has its own seed, so a run is repeatable and rounds do not repeat each other.
        prop = settings(max_examples=50, deadline=None, database=None, suppress_health_check=list(HealthCheck),
                        phases=[Phase.generate, Phase.shrink], report_multiple_bugs=False)(given(target.strategy)(record))
        if seed is not None:
            prop = hypothesis_seed(seed * 1_000_003 + rounds)(prop)
        rounds += 1
        try:
            prop()
        except Exception as e:  # a failure: hypothesis has shrunk it; note it and keep fuzzing
            key = f"{type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}"
            if key not in target.failures:
                target.failures[key] = "".join(traceback.format_exception(e))[-4000:]
                print(f"  FAILURE in {target.name}: {key}", flush=True)


_MAX_RETIMED = 5  # slow inputs kept per target for timing again


def judge_slow(chosen: list[Target], slow: float) -> None:
    """Time again alone the slowest input of each target and every one over the limit; an input still over
    the limit alone is a failure of its target."""
    inputs = [(t.name, t.slowest_args) for t in chosen if t.tried] + [(t.name, a) for t in chosen for _, a in t.over]
    if not inputs:
        return
    alone = iter(retime(inputs))
    for t in chosen:
        if t.tried:
            t.slowest_alone = next(alone)
    for t in chosen:
        for took, args in t.over:
            again = next(alone)
            print(f"  slow in {t.name}: {took:.3f} s, alone {again:.3f} s: {repr(args)[:200]}", flush=True)
            if again > slow:
                t.failures[f"slow: {took:.1f} s, alone {again:.1f} s (over {slow:g} s): {repr(args)[:120]}"] = (
                    f"one input took {took:.3f} s, then {again:.3f} s alone (best of three fresh processes): {repr(args)[:2000]}")


def main(argv: list[str] | None = None) -> int:
    # pypdf logs every oddity of a damaged file; the fuzzer makes thousands of them.
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    warnings.simplefilter("ignore")
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=60.0, help="total time budget (default 60)")
    p.add_argument("--target", choices=["read", "clean", "segment", "ingest"], action="append",
                   help="fuzz only these (repeatable); default all")
    p.add_argument("--slow", type=float, default=1.0, help="an input taking longer than this (s) is a failure")
    p.add_argument("--seed", type=int, help="hypothesis seed (default random)")
    p.add_argument("--no-write", action="store_true", help="print only; do not write bench/RESULTS.md")
    p.add_argument("--retime", type=Path, help=argparse.SUPPRESS)  # internal: time inputs in a fresh process
    args = p.parse_args(argv)
    if args.retime:
        _retime_child(args.retime)
        return 0

    with tempfile.TemporaryDirectory(prefix="kb-fuzz-") as tmp:
        targets = make_targets(Path(tmp))
        chosen = [targets[n] for n in (args.target or list(targets))]
        warm_s = warm({t.name: t for t in chosen})
        print(f"warm-up (once per process, not timed per input): {warm_s:.2f} s", flush=True)
        # Reading costs most per input (PDF and DOCX parsing), so it gets the largest share.
        shares = {"read": 0.4, "clean": 0.2, "segment": 0.2, "ingest": 0.2}
        total_share = sum(shares[t.name] for t in chosen)
        t0 = time.perf_counter()
        for t in chosen:
            budget = args.seconds * shares[t.name] / total_share
            print(f"fuzzing {t.name} for {budget:.0f} s …", flush=True)
            run(t, budget, args.slow, args.seed)
        elapsed = time.perf_counter() - t0
    judge_slow(chosen, args.slow)

    print(f"\n{'target':10s} {'inputs':>9s} {'slowest':>9s} {'CPU':>8s} {'alone':>8s} {'>limit':>6s} failures")
    for t in chosen:
        alone = f"{t.slowest_alone:7.3f}s" if t.slowest_alone is not None else "       -"
        print(f"{t.name:10s} {t.tried:9d} {t.slowest[0]:8.3f}s {t.slowest[1]:7.3f}s {alone} {len(t.over):6d} "
              f"{len(t.failures)}")
    for t in chosen:
        print(f"  slowest {t.name}: {t.slowest[0]:.3f} s on {t.slowest_input}")
    total = sum(t.tried for t in chosen)
    failures = [(t.name, k, v) for t in chosen for k, v in t.failures.items()]
    print(f"{'total':10s} {total:9d}  in {elapsed:.0f} s (warm-up {warm_s:.2f} s before)")
    for name, key, details in failures:
        print(f"\n--- {name}: {key}\n{details}")
    if not args.no_write:
        update_section("fuzz", report(chosen, elapsed, args.slow, warm_s, args.seed))
    return 1 if failures else 0


def report(chosen: list[Target], elapsed: float, slow: float, warm_s: float, seed: int | None) -> str:
    seeded = f" --seed {seed}" if seed is not None else ""
    lines = ["## Fuzz (hypothesis, fixed time budget)", "",
             f"{sum(t.tried for t in chosen):,} inputs in {elapsed:.0f} s; a failure is an exception, a broken "
             f"property (see `bench/fuzz.py`) or one input slower than {slow:g} s, timed again alone (best of "
             f"three fresh processes). Only the check of each input is timed, after a warm-up of {warm_s:.1f} s (the pipeline's "
             "data and readers, loaded once per process: a build's worker pays it before its first file). "
             f"Re-run with `python bench/fuzz.py --seconds {elapsed:.0f}{seeded}`.", "",
             "| target | inputs | slowest input (wall) | its CPU | alone (best of 3 fresh processes) "
             "| over the limit | failures |",
             "|---|---|---|---|---|---|---|"]
    for t in chosen:
        alone = f"{t.slowest_alone:.3f} s" if t.slowest_alone is not None else "–"
        lines.append(f"| {t.name} | {t.tried:,} | {t.slowest[0]:.3f} s | {t.slowest[1]:.3f} s | {alone} | "
                     f"{len(t.over)} | {len(t.failures)} |")
    slowest = max(chosen, key=lambda t: t.slowest[0], default=None)
    if slowest is not None:
        lines += ["", f"Slowest input: {slowest.slowest[0]:.3f} s ({slowest.name}), "
                      f"`{slowest.slowest_input.replace('`', chr(39))}`."]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
