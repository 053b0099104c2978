"""The held-out judgement files are never read by a tuning or probing script (eval/README.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import held_out  # noqa: E402
from held_out import HELD_OUT, is_held_out, refuse  # noqa: E402

TUNERS = ("tune.py", "fit_compare.py", "colloquial_ranking.py", "thesaurus_groups.py", "fillers_leak.py")


def test_refuse_stops_on_a_held_out_file_and_passes_the_others(monkeypatch):
    refuse(["eval/dev_queries.jsonl", Path("eval/fresh3_compare.jsonl")], "x")
    for name in HELD_OUT:
        with pytest.raises(SystemExit, match=name):
            refuse(["eval/dev_queries.jsonl", Path("eval") / name], "x")
    # The same on a list of one's own, whatever the round's held-out files are (the list is empty between rounds).
    monkeypatch.setattr(held_out, "HELD_OUT", frozenset({"zz_queries.jsonl"}))
    assert is_held_out("/a/b/zz_queries.jsonl") and not is_held_out("zz_queries.jsonl.bak")
    with pytest.raises(SystemExit, match="zz_queries.jsonl"):
        refuse(["eval/dev_queries.jsonl", "eval/zz_queries.jsonl"], "x")


@pytest.mark.parametrize("script", TUNERS)
def test_tuning_scripts_name_no_held_out_file_and_check_what_they_read(script):
    text = (BENCH / script).read_text("utf-8")
    assert "refuse(" in text
    for name in HELD_OUT:
        assert name not in text
