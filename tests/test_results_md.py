"""bench/results_md.py: a benchmark replaces only its own section of RESULTS.md, and no other text is lost."""

import importlib.util
from pathlib import Path

_SPEC = importlib.util.spec_from_file_location(
    "results_md", Path(__file__).resolve().parents[1] / "bench" / "results_md.py"
)
results_md = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(results_md)


def _results(tmp_path, *sections: tuple[str, str]):
    """A RESULTS.md holding these (name, text) sections in this order."""
    path = tmp_path / "RESULTS.md"
    body = "".join(f"<!-- {name} -->\n{text}\n<!-- /{name} -->\n\n" for name, text in sections)
    path.write_text("# Benchmark results\n\n" + body, "utf-8")
    return path


def test_a_section_is_replaced_and_the_others_kept_in_order(tmp_path):
    path = _results(tmp_path, ("quality", "old quality"), ("main", "old main"))
    results_md.update_section("main", "new main", path)
    text = path.read_text("utf-8")
    assert "new main" in text and "old main" not in text and "old quality" in text
    assert text.index("new main") < text.index("old quality")  # main comes first in ORDER


def test_a_hand_written_section_is_never_dropped(tmp_path):
    path = _results(tmp_path, ("main", "m"), ("notes_by_hand", "keep me"), ("quality", "q"))
    results_md.update_section("quality", "q2", path)
    text = path.read_text("utf-8")
    assert "keep me" in text and "q2" in text
    assert text.index("m\n") < text.index("keep me") < text.index("q2")
