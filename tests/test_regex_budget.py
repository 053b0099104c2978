"""Every regular expression of the kb package, fed long runs of its own special characters, finishes quickly.

A pattern with nested or overlapping quantifiers (`(?:[#>\\s]*|\\*\\*)*`) backtracks exponentially, and a
search for a run that must be followed by something (` *\\n`) rescans the run from every character of it
(quadratic). Both hang a build on one decorative line. The patterns are collected, not listed: module-level
compiled ones, those of kb/data/grammar.toml and every literal passed to `re.*`, so a new pattern is covered
without touching this test.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import time
from pathlib import Path

import pytest

import kb

try:
    import re._parser as sre_parse  # Python 3.11+
    from re._constants import CATEGORY, IN, LITERAL, RANGE
except ImportError:  # pragma: no cover
    import sre_parse
    from sre_constants import CATEGORY, IN, LITERAL, RANGE

RUN = 20_000  # characters: a quadratic pattern takes seconds on this, a linear one milliseconds
QUICK_S = 0.2  # an input done in this time passes at once; a slower one is timed again four times as long
_MAX_CHARS = 16  # runs tried per pattern: a sample of its characters when it has many (keeps the test fast)
_RE_CALLS = {"compile", "search", "match", "fullmatch", "sub", "subn", "split", "findall", "finditer"}


def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    found: dict[str, tuple[str, re.Pattern[str]]] = {}
    for info in pkgutil.walk_packages(kb.__path__, "kb."):
        if info.name.endswith("__main__"):  # importing it would run the command line
            continue
        try:
            module = importlib.import_module(info.name)
        except ImportError:  # an optional dependency of a module is missing
            continue
        for name, value in vars(module).items():
            items = value if isinstance(value, (list, tuple)) else [value]
            # Lists of patterns, or of (name, pattern) / (pattern, handler) pairs.
            items = [x for item in items for x in (item if isinstance(item, tuple) else (item,))]
            for item in items:
                if isinstance(item, re.Pattern) and isinstance(item.pattern, str):
                    found.setdefault(item.pattern, (f"{info.name}.{name}", item))
        path = Path(module.__file__ or "")
        if path.suffix != ".py":
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _RE_CALLS
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "re" and node.args
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                pattern = node.args[0].value
                found.setdefault(pattern, (f"{info.name}:{node.lineno}", re.compile(pattern)))
    from kb.grammar import FORMS  # the patterns of kb/data/grammar.toml, fragments too

    for name, form in FORMS.items():
        if isinstance(form.value, re.Pattern):
            found.setdefault(form.value.pattern, (f"grammar.toml:{name}", form.value))
    return sorted(found.values(), key=lambda p: p[0])


def _special_chars(pattern: re.Pattern[str]) -> list[str]:
    """The characters a pattern mentions: literals, the ends of ranges, a sample of each category."""
    out: list[str] = []

    def walk(tree) -> None:
        for op, av in tree:
            if op is LITERAL:
                out.append(chr(av))
            elif op is IN:
                for o, a in av:
                    if o is LITERAL:
                        out.append(chr(a))
                    elif o is RANGE:
                        out.extend((chr(a[0]), chr(a[1])))
                    elif o is CATEGORY:
                        out.extend((" ", "\n", "a", "1", "中"))
            else:
                for x in av if isinstance(av, (list, tuple)) else [av]:
                    if isinstance(x, sre_parse.SubPattern):
                        walk(x)
                    elif isinstance(x, (list, tuple)):
                        for y in x:
                            if isinstance(y, sre_parse.SubPattern):
                                walk(y)

    walk(sre_parse.parse(pattern.pattern, pattern.flags))
    return list(dict.fromkeys(out))


PATTERNS = _patterns()


def test_the_collection_finds_the_document_text_patterns():
    names = {name for name, _ in PATTERNS}
    assert len(PATTERNS) > 60
    assert any(".MARKER_PATTERNS" in n for n in names)  # the outline markers (kb.markers)
    assert any(n.startswith("kb.clean.") for n in names) and any(n.startswith(("kb.targets.", "kb.target_patterns.")) for n in names)


@pytest.mark.parametrize(("name", "pattern"), PATTERNS, ids=[n for n, _ in PATTERNS])
def test_long_runs_of_its_own_characters_finish_quickly(name, pattern):
    chars = _special_chars(pattern)
    chars = chars if len(chars) <= _MAX_CHARS else chars[:: len(chars) // _MAX_CHARS + 1]
    runs = [c * RUN for c in chars] + ["".join(chars) * max(1, RUN // max(1, len(chars)))]
    for run in runs:
        for text in (run, run + "\x01", "x" + run):
            took = _timed(pattern, text)
            if took < QUICK_S:
                continue
            # Slow here may be a busy machine or a large constant (a bounded {1,200}); superlinear is the fault:
            # four times the input takes about four times as long when linear, sixteen when quadratic.
            longer = _timed(pattern, text[:1] + text[1:-1] * 4 + text[-1:])
            assert longer < 10 * took and longer < 30, (
                f"{name} {pattern.pattern!r}: {took:.2f} s on {len(text)} characters {text[:10]!r}…, "
                f"{longer:.2f} s on four times as many")


def _timed(pattern: re.Pattern[str], text: str) -> float:
    """CPU seconds of this process, so that other jobs on a shared machine do not count."""
    t = time.process_time()
    pattern.search(text)
    pattern.match(text)
    pattern.sub("", text)
    return time.process_time() - t


def test_segment_lead_is_linear_on_a_decorative_line():
    """Issue case: 40 '#' or a deep '> > >' quote hung segmentation (each extra character doubled the time)."""
    from kb.segment import match_marker

    for line in ("#" * 40, "> " * 5000, "#" * 40 + " x", "**" * 5000 + "#", "# > " * 5000):
        t = time.process_time()
        match_marker(line)
        assert time.process_time() - t < 2.0
    assert match_marker("## **一、总体要求**") == ("part", "一、", len("## **一、"))
