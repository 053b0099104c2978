"""`kb export`: the four formats from a search or from clause ids, read back."""

from __future__ import annotations

import csv

import pytest

from kb.cli import main
from kb.search import KnowledgeBase


def test_export_query_to_xlsx(seed_index, tmp_path, capsys):
    import openpyxl

    out = tmp_path / "cites.xlsx"
    assert main(["--index", str(seed_index), "export", "--query", "出口信用保险", "-k", "4", "-o", str(out)]) == 0
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("序号", "文件标题") and len(rows) == 5
    assert any("出口信用保险" in str(r[10]) for r in rows[1:])


@pytest.mark.parametrize("fmt", ["csv", "docx", "md"])
def test_export_ids(seed_index, tmp_path, fmt):
    kb = KnowledgeBase.load(seed_index, load_model=False)
    ids = [kb.clauses[3].id, kb.clauses[40].id]
    out = tmp_path / f"cites.{fmt}"
    assert main(["--index", str(seed_index), "export", "--ids", *ids, "--format", fmt, "-o", str(out)]) == 0
    if fmt == "csv":
        rows = list(csv.reader(out.open(encoding="utf-8-sig")))
        assert [r[12] for r in rows[1:]] == ids
    elif fmt == "docx":
        import docx

        text = "\n".join(p.text for p in docx.Document(out).paragraphs)
        assert kb.clauses[3].heading in text and "参考文献" in text
    else:
        assert kb.clauses[40].path in out.read_text("utf-8")


def test_export_needs_query_or_ids(seed_index, tmp_path, capsys):
    assert main(["--index", str(seed_index), "export", "-o", str(tmp_path / "x.md")]) == 2
    assert "--query" in capsys.readouterr().err
    assert main(["--index", str(seed_index), "export", "--ids", "nope", "-o", str(tmp_path / "x.md")]) == 2
    assert not (tmp_path / "x.md").exists()
