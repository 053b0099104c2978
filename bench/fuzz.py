"""Fuzz the ingest stages with hypothesis for a fixed time: random and mutated bytes through read_file and
ingest_file (every suffix), random text through clean_text, segment and ingest_text. Prints how many inputs
were tried and every failure; exits 1 when there is one. A benchmark script, not a test.

    python bench/fuzz.py                  # 60 seconds over all targets
    python bench/fuzz.py --seconds 600    # longer
    python bench/fuzz.py --target clean   # one target: read, clean, segment or ingest

A failure is an exception other than ReadError from reading, any exception from the text stages, output
that breaks a documented property (clean text has no control characters; cleaning is idempotent; a
clause's text is the cleaned text between its offsets), or one input taking longer than --slow seconds
(default 1). Every input is timed; the slowest of each target is reported with the input itself. Long runs of
one piece (40 `#`, a deep `> > >` quote, thousands of `<nav>`) are among the inputs: they are what makes a
backtracking regex or a quadratic parser show.
"""

from __future__ import annotations

import argparse
import io
import logging
import re
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
from hypothesis import strategies as st  # noqa: E402
from results_md import update_section  # noqa: E402

from kb.clean import clean_text  # noqa: E402
from kb.errors import MissingDependencyError, ReadError  # noqa: E402
from kb.ingest import ingest_file, ingest_text  # noqa: E402
from kb.read import SUPPORTED_SUFFIXES  # noqa: E402
from kb.segment import segment  # noqa: E402

SEEDS = ROOT / "corpus"  # only seed 001 is read, so documents added for users change nothing here
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x84\x86-\x9f]")
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


def check_read(tmp: Path, suffix: str, data: bytes) -> None:
    path = tmp / f"fuzz{suffix}"
    path.write_bytes(data)
    try:
        result = ingest_file(path)
    except (ReadError, MissingDependencyError):
        return
    assert not _CONTROL.search(result.document.text), "control characters in a read document"
    check_clauses(result.document.text, result.clauses)


# ---------------------------------------------------------------------------------------------------
# The runner: hypothesis in rounds until the budget is spent; failures are collected, not fatal.


class Target:
    def __init__(self, name: str, strategy, check: Callable) -> None:
        self.name, self.strategy, self.check = name, strategy, check
        self.tried = 0
        self.failures: dict[str, str] = {}  # first line of the error → details
        self.slowest = 0.0
        self.slowest_input = ""


def run(target: Target, seconds: float, slow: float) -> None:
    end = time.monotonic() + seconds

    # No time check inside: an input that passes only because time ran out would make a shrink flaky.
    # Short rounds bound the overrun instead.
    @settings(max_examples=50, deadline=None, database=None, suppress_health_check=list(HealthCheck),
              phases=[Phase.generate, Phase.shrink], report_multiple_bugs=False)
    @given(target.strategy)
    def prop(args) -> None:
        target.tried += 1
        t0 = time.perf_counter()
        target.check(*args)
        took = time.perf_counter() - t0
        if took > target.slowest:
            target.slowest, target.slowest_input = took, repr(args)[:160]
        assert took <= slow, f"one input took {took:.1f} s (over {slow} s): {str(args)[:300]}"

    while time.monotonic() < end:
        try:
            prop()
        except Exception as e:  # a failure: hypothesis has shrunk it; note it and keep fuzzing
            key = f"{type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}"
            if key not in target.failures:
                target.failures[key] = "".join(traceback.format_exception(e))[-4000:]
                print(f"  FAILURE in {target.name}: {key}", flush=True)


def main(argv: list[str] | None = None) -> int:
    # pypdf logs every oddity of a damaged file; the fuzzer makes thousands of them.
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    warnings.simplefilter("ignore")
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=60.0, help="total time budget (default 60)")
    p.add_argument("--target", choices=["read", "clean", "segment", "ingest"], action="append",
                   help="fuzz only these (repeatable); default all")
    p.add_argument("--slow", type=float, default=1.0, help="an input taking longer than this (s) is a failure")
    p.add_argument("--no-write", action="store_true", help="print only; do not write bench/RESULTS.md")
    args = p.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="kb-fuzz-") as tmp:
        targets = {
            "read": Target("read", files().map(lambda f: (Path(tmp), *f)), check_read),
            "clean": Target("clean", st.tuples(TEXT, st.sampled_from(FORMATS)), check_clean),
            "segment": Target("segment", st.tuples(TEXT), check_segment),
            "ingest": Target("ingest", st.tuples(TEXT, st.sampled_from(FORMATS)), check_ingest),
        }
        chosen = [targets[n] for n in (args.target or list(targets))]
        # Reading costs most per input (PDF and DOCX parsing), so it gets the largest share.
        shares = {"read": 0.4, "clean": 0.2, "segment": 0.2, "ingest": 0.2}
        total_share = sum(shares[t.name] for t in chosen)
        t0 = time.perf_counter()
        for t in chosen:
            budget = args.seconds * shares[t.name] / total_share
            print(f"fuzzing {t.name} for {budget:.0f} s …", flush=True)
            run(t, budget, args.slow)

    elapsed = time.perf_counter() - t0
    print(f"\n{'target':10s} {'inputs':>9s} {'slowest':>9s} failures")
    for t in chosen:
        print(f"{t.name:10s} {t.tried:9d} {t.slowest:8.3f}s {len(t.failures)}")
    for t in chosen:
        print(f"  slowest {t.name}: {t.slowest:.3f} s on {t.slowest_input}")
    total = sum(t.tried for t in chosen)
    failures = [(t.name, k, v) for t in chosen for k, v in t.failures.items()]
    print(f"{'total':10s} {total:9d}  in {elapsed:.0f} s")
    for name, key, details in failures:
        print(f"\n--- {name}: {key}\n{details}")
    if not args.no_write:
        update_section("fuzz", report(chosen, elapsed, args.slow))
    return 1 if failures else 0


def report(chosen: list[Target], elapsed: float, slow: float) -> str:
    lines = ["## Fuzz (hypothesis, fixed time budget)", "",
             f"{sum(t.tried for t in chosen):,} inputs in {elapsed:.0f} s; a failure is an exception, a broken "
             f"property (see `bench/fuzz.py`) or one input slower than {slow:g} s. Re-run with "
             "`python bench/fuzz.py --seconds 120`.", "",
             "| target | inputs | slowest input | failures |", "|---|---|---|---|"]
    lines += [f"| {t.name} | {t.tried:,} | {t.slowest:.3f} s | {len(t.failures)} |" for t in chosen]
    slowest = max(chosen, key=lambda t: t.slowest, default=None)
    if slowest is not None:
        lines += ["", f"Slowest input: {slowest.slowest:.3f} s ({slowest.name}), "
                      f"`{slowest.slowest_input.replace('`', chr(39))}`."]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
