"""The command line in Chinese: levels, statuses and topics by Chinese name, argparse's own messages, the same
input refused the same way in every command, and no rebuild when nothing was added."""

from __future__ import annotations

import json
import re

import pytest

from kb import aliases
from kb.cli import build_parser, main
from kb.errors import QueryError

CJK = re.compile(r"[\u4e00-\u9fff]")
ASCII_WORDS = re.compile(r"\b(usage|error|invalid|choice|required|arguments?|options?|show this help)\b", re.I)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as e:  # argparse exits on its own errors and on -h
        code = e.code
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize(("word", "key"), [
    ("国家", "national"), ("中央", "national"), ("national", "national"), (" National ", "national"),
    ("省级", "provincial"), ("省", "provincial"), ("市级", "municipal"), ("市", "municipal"),
    ("县级", "county"), ("县", "county"), ("county", "county"),
])  # fmt: skip
def test_level_aliases(word, key):
    assert aliases.level_key(word) == key


def test_status_and_topic_aliases():
    assert aliases.status_key("征求意见稿") == aliases.status_key("草案") == aliases.status_key("draft") == "draft"
    assert aliases.status_key("正式稿") == "final"
    assert aliases.topic_key("insurance") == "insurance"
    label = aliases._topics()["insurance"]
    assert aliases.topic_key(label) == "insurance"
    with pytest.raises(QueryError, match="未知主题“没有的主题”，可选：.*insurance"):
        aliases.topic_key("没有的主题")
    with pytest.raises(QueryError, match="未知层级“乡镇”"):
        aliases.level_key("乡镇")
    assert aliases.topic_key("没有的主题", strict=False) == "没有的主题"


def test_aliases_are_unambiguous():
    """A word of the alias table names one key only, and every key answers to its own label."""
    for kind in ("level", "status"):
        table = aliases._table(kind)
        assert len(set(table.values())) == (4 if kind == "level" else 2)
    import tomllib

    with aliases.DATA.open("rb") as f:
        data = tomllib.load(f)
    for kind, groups in data.items():
        words = [w for ws in groups.values() for w in ws]
        assert len(words) == len(set(words)), kind


def test_search_by_chinese_level_status_topic_equals_english_keys(seed_index, capsys):
    idx = ["--index", str(seed_index)]
    label = aliases._topics()["supply_chain"]
    _, zh, _ = run(capsys, *idx, "search", "贷款", "--level", "市级", "--level", "县", "--status", "正式稿",
                   "--topic", label, "--retriever", "bm25", "--json")
    _, en, _ = run(capsys, *idx, "search", "贷款", "--level", "municipal", "--level", "county",
                   "--status", "final", "--topic", "supply_chain", "--retriever", "bm25", "--json")
    assert zh == en and zh.strip()
    levels = {json.loads(line)["level"] for line in zh.splitlines()}
    assert levels <= {"municipal", "county"}


def test_compare_and_coverage_take_chinese_levels(seed_index, capsys):
    idx = ["--index", str(seed_index)]
    code, out, _ = run(capsys, *idx, "compare", "供应链金融", "--levels", "国家", "市级", "--json")
    assert code == 0
    assert {json.loads(line)["level"] for line in out.splitlines()} <= {"national", "municipal"}
    code, out, _ = run(capsys, *idx, "coverage", "--levels", "中央", "--json")
    assert code == 0 and {d["level"] for d in json.loads(out)["documents"]} == {"national"}


def test_server_filters_take_chinese_names(seed_kb):
    from kb.models import Filters

    zh = seed_kb.search("贷款", k=5, filters=Filters(levels=["县级"], statuses=["正式稿"]), retriever="bm25")
    en = seed_kb.search("贷款", k=5, filters=Filters(levels=["county"], statuses=["final"]), retriever="bm25")
    assert [h.clause.id for h in zh] == [h.clause.id for h in en] and zh


@pytest.mark.parametrize("argv", [
    ["search", "贷款", "--level", "乡镇"],
    ["search", "贷款", "--status", "废止"],
    ["search", "贷款", "--topic", "没有的主题"],
    ["compare", "贷款", "--levels", "village"],
    ["coverage", "--levels", "乡"],
    ["nosuch"],
    ["search"],
    ["search", "贷款", "--retriever", "magic"],
    ["search", "贷款", "--nosuch"],
    ["export", "--ids", "x"],
])  # fmt: skip
def test_argparse_errors_are_chinese(capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 2 and not out
    assert "用法：kb" in err and "错误：" in err
    assert not ASCII_WORDS.search(err.replace("--retriever", "").replace("--nosuch", "")), err


@pytest.mark.parametrize("cmd", [[], ["search"], ["compare"], ["export"], ["build"], ["add"], ["eval"],
                                 ["clauses"], ["align"], ["coverage"], ["docs"], ["serve"]])
def test_help_is_chinese(capsys, cmd):
    code, out, _ = run(capsys, *cmd, "-h")
    assert code == 0
    assert out.startswith("用法：kb") and "显示本帮助并退出" in out and "\n选项：\n" in out
    assert not ASCII_WORDS.search(out), out
    for line in out.splitlines():  # every option has a Chinese help line
        if line.strip().startswith("--") and "  " in line.strip():
            assert CJK.search(line), line
    if cmd:
        assert "示例：\n  kb " + cmd[0] in out or cmd[0] in ("serve",) or "示例" in out


def test_every_command_has_an_example():
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for name, parser in sub.choices.items():
        assert "示例：\n  kb " + name in parser.description, name


@pytest.mark.parametrize("argv", [
    ["search", ""], ["search", "   "], ["compare", ""], ["export", "--query", "", "-o", "x.csv"],
])
def test_empty_question_is_refused_the_same_everywhere(capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 2 and not out
    assert "不能为空" in err


@pytest.mark.parametrize("argv", [
    ["search", "贷款", "-k", "0"], ["search", "贷款", "-k", "-3"], ["search", "贷款", "-k", "三"],
    ["export", "--query", "贷款", "-k", "0", "-o", "x.csv"], ["compare", "贷款", "--per-doc", "0"],
])
def test_non_positive_counts_are_refused(capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 2 and not out
    assert "应为正整数" in err


def test_clauses_shows_chinese_kinds(seed_index, capsys):
    code, out, _ = run(capsys, "--index", str(seed_index), "clauses", "001_3b50df308c9c2e77.txt")
    assert code == 0
    assert "前言" in out and "措施" in out
    assert not re.search(r"\b(preamble|measure|item|general|closing)\b", out)


def test_eval_missing_file_is_a_chinese_error(seed_index, capsys):
    code, out, err = run(capsys, "--index", str(seed_index), "eval", "nosuch.jsonl")
    assert code == 2 and not out
    assert err.strip() == "错误：评测文件不存在：nosuch.jsonl"


def test_add_missing_file_does_not_rebuild(tmp_path, capsys, monkeypatch):
    import kb.build

    called = []
    monkeypatch.setattr(kb.build, "build_index", lambda *a, **k: called.append(1))
    code, out, err = run(capsys, "--index", str(tmp_path / "index"), "add", str(tmp_path / "missing.pdf"),
                         "--corpus", str(tmp_path / "corpus"))
    assert code == 1 and not called
    assert "无法加入 missing.pdf：文件不存在" in err and "索引未改动" in err
    assert "索引已更新" not in out
    assert not (tmp_path / "index").exists()


@pytest.mark.parametrize(("argv", "message"), [
    (["search", "贷款", "--doc", "999_missing.txt"], "索引中没有文件“999_missing.txt”"),
    (["export", "--query", "贷款", "-o", "对照表"], "无法从文件名“对照表”判断导出格式"),
    (["compare", "供应链金融", "-o", "对照表"], "请用 --format 指定（docx、xlsx）"),
])  # fmt: skip
def test_a_missing_document_or_an_output_without_extension_is_a_chinese_error(seed_index, tmp_path, capsys,
                                                                              monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "--index", str(seed_index), *argv)
    assert code != 0 and message in err and err.startswith("错误：")
    assert not list(tmp_path.iterdir())  # nothing written under a name the user did not mean


def test_search_in_a_document_named_by_its_file_name(seed_index, capsys):
    code, out, _ = run(capsys, "--index", str(seed_index), "search", "贷款", "--retriever", "bm25", "--json")
    other = json.loads(out.splitlines()[-1])["source"]  # a document that is not the best one for 贷款
    code, out, _ = run(capsys, "--index", str(seed_index), "search", "贷款", "--doc", other,
                       "--retriever", "bm25", "--json")
    assert code == 0 and out.strip()
    assert {json.loads(line)["source"] for line in out.splitlines()} == {other}
