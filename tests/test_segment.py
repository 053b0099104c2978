"""Outline parsing and clause segmentation: fixtures of our own, the five seeds, and properties."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kb.ingest import ingest_file, ingest_text
from kb.markers import match_marker
from kb.segment import find_layout, segment, split_lines

from .conftest import FIXTURES, SEEDS

MEASURE_COUNTS = {
    "000_70838f8e5a3ffbff.txt": 22,
    "001_3b50df308c9c2e77.txt": 17,
    "002_817478271669fba5.txt": 18,
    "004_b17876d9791bd83c.txt": 18,
}
CN = "一二三四五六七八九十"


def cn_num(n: int) -> str:
    if n <= 10:
        return CN[n - 1]
    if n < 20:
        return "十" + (CN[n - 11] if n > 10 else "")
    tens, ones = divmod(n, 10)
    return CN[tens - 1] + "十" + (CN[ones - 1] if ones else "")


def uncovered_body_lines(doc, clauses) -> list[str]:
    """Body lines not inside any clause, except heading-only outline lines (their text lives in parents) and
    a signature block inside the body (organisations and date after a cover notice: metadata, not a clause)."""
    spans = [(c.start, c.end) for c in clauses]
    all_lines = split_lines(doc.text)
    sa, sb = find_layout(all_lines).signature
    signed = {ln.start for ln in all_lines[sa:sb]}
    out = []
    for line in split_lines(doc.text[doc.body_start : doc.body_end]):
        a, b = line.start + doc.body_start, line.end + doc.body_start
        if any(s <= a and b <= e for s, e in spans) or a in signed:
            continue
        found = match_marker(line.text)
        if found and len(line.text) - found[2] <= 40:
            continue  # "二、工作举措": a heading recorded in its clauses' parents
        out.append(line.text)
    return out


# ------------------------------------------------------------------ markers


@pytest.mark.parametrize(
    "text, kind, marker",
    [
        ("一、总体要求", "part", "一、"),
        ("（九）加强供应链融资。", "measure", "（九）"),
        ("(十一)强化保险风险保障功能。", "measure", "（十一）"),
        ("**（一）保持制造业贷款稳定增长。**引导", "measure", "（一）"),
        ("1.稳步提升融资规模。", "item", "1."),
        ("2．优化金融服务。", "item", "2."),
        ("（1）第一点", "subitem", "（1）"),
        ("第三条 建立机制。", "article", "第三条"),
        ("第一章 总则", "chapter", "第一章"),
    ],
)
def test_markers(text, kind, marker):
    found = match_marker(text)
    assert found is not None and found[:2] == (kind, marker)


@pytest.mark.parametrize("text", ["2020年9月17日", "14.24亿元", "一是企业方面要树立诚信理念", "1.5%的担保费率", "（一）"])
def test_not_markers(text):
    assert match_marker(text) is None


# ------------------------------------------------------------------ fixtures of our own


def test_repeated_part_number_and_bold_markers():
    text = (FIXTURES / "messy_numbering.md").read_text("utf-8")
    result = ingest_text(text, "messy_numbering.md", fmt="md")
    measures = [c for c in result.clauses if c.kind == "measure"]
    assert [c.path for c in measures] == ["一、（一）", "一、（二）", "二、（三）", "二、（四）", "四、（五）"]
    assert measures[3].parents == ["保险保障"]  # the second 二、 opens a new part
    assert measures[0].heading == "稳定增长"
    assert not any("**" in c.text or "#" in c.text for c in result.clauses)
    assert result.document.status == "draft"


def test_regulation_articles_keep_their_lists():
    result = ingest_text((FIXTURES / "regulation.txt").read_text("utf-8"), "regulation.txt")
    articles = [c for c in result.clauses if c.kind == "article"]
    assert [c.path for c in articles] == ["第一章第一条", "第一章第二条", "第二章第三条"]
    # (一)(二) under a lead-in ending in "：" stay inside article 2, not clauses of their own.
    assert "担保费率不超过1.5%" in articles[1].text
    assert articles[2].parents == ["风险分担"]


def test_document_without_numbering_becomes_paragraph_clauses():
    result = ingest_text((FIXTURES / "no_numbering.txt").read_text("utf-8"), "no_numbering.txt")
    assert [c.kind for c in result.clauses] == ["preamble"] * 3
    assert result.document.title == "关于做好金融服务工作的通知"


def test_provincial_document():
    result = ingest_file(FIXTURES / "provincial_gd.txt")
    doc = result.document
    assert (doc.level, doc.region) == ("provincial", "广东省")
    assert doc.doc_number == "粤府办〔2023〕12号"
    assert doc.date == "2023-05-08"
    assert doc.issuers == ["广东省人民政府办公厅"]
    assert doc.references == ["国务院办公厅关于进一步优化金融服务支持制造业发展的意见"]
    paths = [c.path for c in result.clauses if c.kind == "measure"]
    assert paths == ["一、（一）", "一、（二）", "二、（三）"]
    first = result.clauses[1]
    assert first.responsible_units == ["省地方金融监管局", "人民银行广州分行"]
    assert not any("各地级以上市人民政府" in c.text for c in result.clauses)  # addressee is not a clause
    assert not any("2023年5月8日" in c.text for c in result.clauses)  # nor the signature block


def test_offsets_point_into_the_cleaned_text():
    result = ingest_file(FIXTURES / "provincial_gd.txt")
    for c in result.clauses:
        assert result.document.text[c.start : c.end] == c.text


def test_long_paragraph_is_cut_at_sentence_ends():
    text = "一、总体要求\n" + "支持制造业发展。" * 2000
    clauses, _ = segment(text, "d", "d.txt")
    assert len(clauses) > 1 and all(len(c.text) <= 3000 for c in clauses)
    assert "".join(c.text for c in clauses).replace("\n", "") == text.replace("\n", "")


# ------------------------------------------------------------------ the seeds


@pytest.mark.parametrize("source, count", MEASURE_COUNTS.items())
def test_seed_measures(seed_ingested, source, count):
    clauses = seed_ingested[source].clauses
    measures = [c for c in clauses if c.kind == "measure"]
    assert len(measures) == count
    expected = [f"（{cn_num(i)}）" for i in range(1, count + 1)]
    assert [re.sub(r"^.*、", "", c.path) for c in measures] == expected
    for c in measures:
        assert c.text.startswith(("（", "(")), c.text[:20]
        assert c.heading and len(c.heading) <= 60


def test_seed_paths_and_headings(seed_ingested):
    def find(source, path):
        return next(c for c in seed_ingested[source].clauses if c.path == path)

    assert find("000_70838f8e5a3ffbff.txt", "三、（九）").heading == "加强供应链融资提升产业链韧性"
    assert find("001_3b50df308c9c2e77.txt", "三、（八）").heading == "丰富制造业金融产品供给"
    c = find("003_142beb58a89e468f.txt", "二、（一）1.")
    assert (c.kind, c.heading) == ("item", "稳步提升融资规模")
    assert c.parents == ["工作举措", "结合地方实际，优化配置资源"]
    # Luoyang numbers its part 二 twice: the measures keep their own numbers and the right parent.
    c = find("004_b17876d9791bd83c.txt", "二、（十一）")
    assert c.parents == ["发挥保险风险保障作用"]
    assert "联系分包17条优势产业链" in find("004_b17876d9791bd83c.txt", "一、（二）").text


def test_seed_003_items_and_targets(seed_ingested):
    clauses = seed_ingested["003_142beb58a89e468f.txt"].clauses
    assert [c.path for c in clauses if c.kind == "target"] == ["一、增量", "一、扩面", "一、提质", "一、降本"]
    assert len([c for c in clauses if c.kind == "item"]) == 12
    assert [c.path for c in clauses if c.kind == "measure"] == ["三、（一）", "三、（二）", "三、（三）"]


def test_seed_002_press_release_kept_apart(seed_ingested):
    result = seed_ingested["002_817478271669fba5.txt"]
    release = [c for c in result.clauses if c.kind == "release"]
    assert release and all(c.end <= result.document.body_start for c in release)
    assert any("《意见》" in c.text for c in release)
    own = [c for c in result.clauses if c.kind != "release"]
    assert not any("《意见》以习近平" in c.text for c in own)


BOILERPLATE = ["抄送", "主办单位", "ICP备", "网站标识码", "各乡、镇人民政府", "金融监管总局各监管局", "— 2 —", "印发"]


@pytest.mark.parametrize("source", sorted(p.name for p in SEEDS.glob("*.txt")))
def test_seed_no_boilerplate_clause_and_body_covered(seed_ingested, source):
    result = seed_ingested[source]
    for c in result.clauses:
        for junk in BOILERPLATE:
            assert junk not in c.text or (junk == "印发" and "印发" in c.text and "抄送" not in c.text), (junk, c.path)
        assert not re.search(r"\d{4}年\d{1,2}月\d{1,2}日\s*$", c.text), c.text[-30:]
    own = [c for c in result.clauses if c.kind != "release"]
    assert uncovered_body_lines(result.document, own) == []


def test_clause_ids_are_stable(seed_ingested):
    again = ingest_file(SEEDS / "003_142beb58a89e468f.txt")
    assert [c.id for c in again.clauses] == [c.id for c in seed_ingested["003_142beb58a89e468f.txt"].clauses]
    ids = [c.id for r in seed_ingested.values() for c in r.clauses]
    assert len(ids) == len(set(ids))


# ------------------------------------------------------------------ properties

_FRAGMENTS = st.sampled_from([
    "一、", "二、", "二、", "（一）", "(二)", "（十一）", "1.", "2．", "（1）", "**（三）", "**", "第一条 ", "第二章 ",
    "增量：", "附件：", "抄送：", "。", "，", "：", "加强供应链融资", "支持制造业发展", "2024年4月3日", "— 2 —",
    "中国人民银行", "各乡、镇人民政府：", "关于金融支持的意见", " ", "\n", "\n\n", "《意见》", "17条", "14.24亿元",
])
_DOCS = st.lists(_FRAGMENTS, max_size=60).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_DOCS)
@example("（一）（一）\n2024年4月3日\n关于金融支持的意见")  # a date signing a cover, then what it issues
def test_segment_never_crashes_and_covers_the_body(text):
    result = ingest_text(text, "fuzz.txt")
    doc = result.document
    for c in result.clauses:
        assert doc.text[c.start : c.end] == c.text
    own = [c for c in result.clauses if c.kind != "release"]
    assert uncovered_body_lines(doc, own) == []
