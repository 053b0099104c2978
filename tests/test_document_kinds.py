"""Metadata and layout on the kinds of document offices publish (fixtures in tests/fixtures/kinds/, one per
kind of failure seen on real documents: saved web pages, cover notice + plan, cited 文号, regulations, long
Markdown titles, signatures with hard breaks, national documents naming cities, districts, provincial plans)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from kb.clean import clean_text, strip_comments
from kb.ingest import ingest_file
from kb.regions import most_specific, places_in
from kb.webpage import read_page

KINDS = Path(__file__).parent / "fixtures" / "kinds"
TRUTH = tomllib.loads((KINDS / "truth.toml").read_text("utf-8"))


@pytest.fixture(scope="module")
def ingested():
    return {name: ingest_file(KINDS / name) for name in TRUTH}


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_fields_as_stated(ingested, name):
    doc = ingested[name].document
    wrong = {k: (getattr(doc, k), v) for k, v in TRUTH[name].items() if getattr(doc, k) != v}
    assert not wrong, wrong
    for key, value in TRUTH[name].items():
        if value:
            assert doc.provenance[key].evidence, key


def test_web_page_keeps_the_document_and_drops_the_chrome(ingested):
    ing = ingested["gov_div_page.html"]
    text = "\n".join(c.text for c in ing.clauses)
    for chrome in ("首页", "您当前所在的位置", "版权所有", "主办单位", "相关文章", "分享到", "浏览次数", "隐藏副本"):
        assert chrome not in ing.document.text, chrome
    assert text.count("鼓励银行机构单列中小企业信贷计划") == 1  # the display:none copy is not indexed
    last = [c for c in ing.clauses if c.kind == "measure"][-1]
    assert last.text.endswith("有效期3年。")  # the footer is not inside the last clause
    assert ing.document.provenance["doc_number"].evidence.startswith("网页信息栏")


def test_web_page_in_table_layout(ingested):
    doc = ingested["gov_table_page.html"].document
    for chrome in ("网站首页", "当前位置", "上一篇", "下一篇", "版权所有", "备案号", "打印本页"):
        assert chrome not in doc.text, chrome
    assert doc.text.split("\n")[0] == "关于加快推进制造业数字化转型的实施意见"


def test_web_page_fields_and_hidden_elements():
    page = read_page("""<html><head><title>关于某事的通知_某网站</title>
    <meta name="PubDate" content="2024-05-06 10:00"><style>.x, #y { display: none }</style></head><body>
    <table><tr><td>文　　号：</td><td>某发〔2024〕7号</td><td>发布日期：</td><td>2024年05月06日</td></tr></table>
    <div class="x">隐藏一</div><div id="y">隐藏二</div><p hidden>隐藏三</p><p style="visibility: hidden">隐藏四</p>
    <!-- 隐藏五 --><div><p>正文第一段，内容足够长，说明有关事项。</p><p>正文第二段。</p></div></body></html>""")
    assert page.fields["doc_number"] == "某发〔2024〕7号"
    assert page.fields["published"] == "2024-05-06 10:00"  # the meta tag wins over the box's
    assert page.fields["page_title"] == "关于某事的通知"
    assert "正文第一段" in page.text
    assert not any(f"隐藏{n}" in page.text for n in "一二三四五")


@pytest.mark.parametrize("odd", ["\ufffe", "\uffff", "\x01"])
def test_a_character_xml_refuses_does_not_bring_the_chrome_back(odd):
    """U+FFFE (a byte-order mark read the wrong way round) made readability give up, so the menus were
    indexed with the page (found by bench/fuzz.py). Such characters go before the page is parsed."""
    body = "".join(f"<p>第{i}条 各单位要加强组织领导，落实工作责任，确保各项措施落到实处。</p>" for i in range(1, 12))
    menu = "<div class='menu'>" + "".join(f"<a href='/{i}'>栏目{i}</a> " for i in range(30)) + "</div>"
    page = read_page(f"<html><body>{menu}<div id='content'>说明{odd}：{body}</div></body></html>")
    assert "第11条" in page.text and "栏目1" not in page.text and odd not in page.text


@pytest.mark.parametrize("tag", ["div", "font", "span"])
def test_a_page_nested_past_the_parsers_limit_keeps_all_its_text(tag):
    """libxml2 stops at 256 open elements and silently drops the rest: 400 unclosed tags lost every paragraph
    after the 255th. Such a page is read whole by the parser that keeps no tree."""
    page = read_page("<html><head><title>通知</title></head><body>"
                     + "".join(f"<{tag}>第{i}条 各单位要加强组织领导。" for i in range(1, 401)) + "</body></html>")
    assert "第1条" in page.text and "第300条" in page.text and "第400条" in page.text
    assert page.fields["page_title"] == "通知"


def test_publication_day_is_not_the_documents_date(tmp_path):
    path = tmp_path / "p.html"
    path.write_text("""<html><head><meta name="ArticleTitle" content="关于做好某项工作的通知">
    <meta name="PubDate" content="2024-05-06"></head><body><div><p>各有关单位：</p>
    <p>为做好某项工作，现将有关事项通知如下。</p><p>一、提高认识</p><p>（一）各单位要高度重视，认真落实。</p>
    </div></body></html>""", "utf-8")
    doc = ingest_file(path).document
    assert doc.title == "关于做好某项工作的通知"
    assert doc.date == "" and "date" not in doc.provenance  # 发布日期 is not 成文日期: missing, not guessed


def test_site_markdown_front_matter_containers_and_inline_html(tmp_path):
    path = tmp_path / "r.md"
    path.write_text("""---
title: 某某省促进科技成果转化条例
author: 某某省人民代表大会常务委员会
date: 2023-01-01
tag:
  - 科技
---

::: tip 修订信息

(2016年9月30日湖南省第十二届人民代表大会常务委员会第二十四次会议通过&emsp;2021年7月30日湖南省第十三届人民代表大会常务委员会第二十五次会议修正)

:::

::: details 目录

- 第1~3条：

  [1](#t1)&emsp;[2](#t2)&emsp;[3](#t3)

:::

## 第一章&emsp;总则{align=center}

<p id="t1">&emsp;&emsp;<b>第一条</b>&emsp;为了促进科技成果转化，制定本条例。</p>
<p id="t2">&emsp;&emsp;<b>第二条</b>&emsp;本条例适用于本省行政区域。有下列情形之一的，依照本条例处理：</p>
<p>&emsp;&emsp;（一）成果已经转化的；</p>
<p>&emsp;&emsp;（二）成果尚未转化的。</p>
<p id="t3">&emsp;&emsp;<b>第三条</b>&emsp;本条例自2021年10月1日起施行。</p>

<https://example.org/source.html>
""", "utf-8")
    ing = ingest_file(path)
    doc = ing.document
    assert doc.title == "某某省促进科技成果转化条例"
    assert doc.issuers == ["湖南省人民代表大会常务委员会"] and doc.date == "2021-07-30"
    assert [c.path for c in ing.clauses] == ["第一章第一条", "第一章第二条", "第一章第三条"]
    for markup in ("title:", "<p", "&emsp;", "{align", "](#", ":::", "https://"):
        assert markup not in doc.text, markup


def test_database_export_head_and_chinese_numeral_date(tmp_path):
    path = tmp_path / "e.txt"
    path.write_text("\n".join([
        "【法宝引证码】CLI.12.123456",
        "原文链接：https://example.org/doc/123.html",
        "某某市人民政府办公室关于印发某某市节能管理办法的通知",
        "某某市人民政府办公室关于印发某某市节能管理办法的通知",
        "（某府办发〔2015〕8号）",
        "各县（区）人民政府，市政府各部门：",
        "《某某市节能管理办法》已经市政府同意，现予印发，请认真遵照执行。",
        "二○一五年三月十二日",
        "某某市节能管理办法",
        "第一条 为了加强节能管理，制定本办法。",
        "第二条 本办法自印发之日起施行。",
    ]), "utf-8")
    doc = ingest_file(path).document
    assert doc.title == "关于印发某某市节能管理办法的通知"  # printed twice, taken once; no stamp, no link
    assert doc.doc_number == "某府办发〔2015〕8号"  # bracketed on its own line: the document's own
    assert doc.date == "2015-03-12"
    assert "法宝引证码" not in doc.text and "原文链接" not in doc.text


def test_order_promulgating_a_regulation(tmp_path):
    path = tmp_path / "o.txt"
    path.write_text("\n".join([
        "中华人民共和国国务院令",
        "第800号",
        "现公布《某某管理条例》，自2025年1月1日起施行。",
        "总理 某某某",
        "2024年11月20日",
        "某某管理条例",
        "第一条 为了规范某某管理，制定本条例。",
        "第二条 本条例自2025年1月1日起施行。",
    ]), "utf-8")
    ing = ingest_file(path)
    doc = ing.document
    assert (doc.title, doc.doc_number, doc.date) == ("某某管理条例", "中华人民共和国国务院令第800号", "2024-11-20")
    assert doc.level == "national"
    assert [c.path for c in ing.clauses if c.kind == "article"] == ["第一条", "第二条"]


def test_date_under_the_title_and_arabic_article_numbers(tmp_path):
    path = tmp_path / "d.txt"
    path.write_text("\n".join([
        "中共某某县委 某某县人民政府",
        "关于支持特色产业发展的若干措施",
        "（2023年2月8日）",
        "为支持特色产业发展，制定如下措施。",
        "一、资金支持",
        "第1条 设立特色产业发展资金。",
        "第 1 2 条 本措施自发布之日起施行。",
    ]), "utf-8")
    ing = ingest_file(path)
    assert ing.document.date == "2023-02-08" and ing.document.provenance["date"].evidence.startswith("题注日期")
    assert [c.path for c in ing.clauses if c.kind == "article"] == ["一、第1条", "一、第12条"]


def test_only_a_units_own_first_line_ending_in_a_colon_folds_its_list(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("\n".join([
        "某某条例",
        "第一条 企业应当遵守下列规定：",
        "（一）依法经营；",
        "（二）诚实守信。",
        "第二条 本条例所称企业，是指依法登记的企业。",
        "企业应当按照下列规定报送材料：",
        "（一）年度报告；",
        "第三条 本条例自公布之日起施行。",
    ]), "utf-8")
    assert [c.path for c in ingest_file(path).clauses] == ["第一条", "第二条", "第二条（一）", "第三条"]


def test_attachment_list_after_the_measures_is_not_items(tmp_path):
    path = tmp_path / "l.txt"
    path.write_text("\n".join([
        "关于做好某项工作的通知",
        "各有关单位：",
        "为做好某项工作，通知如下。",
        "一、工作要求",
        "（一）按时报送材料。",
        "附件：1.登记表",
        "2.申报单",
        "附件1：",
        "登记表",
    ]), "utf-8")
    clauses = ingest_file(path).clauses
    assert [c.path for c in clauses if c.path] == ["一、（一）"]
    assert "登记表" not in next(c for c in clauses if c.path == "一、（一）").text


def test_cover_notice_keeps_the_attachment_list_apart(ingested):
    clauses = ingested["cover_notice_plan.txt"].clauses
    measures = [c for c in clauses if c.kind == "measure"]
    assert [c.path for c in measures] == ["一、（一）", "一、（二）", "二、（三）", "二、（四）", "三、（五）"]
    assert all("附件" not in c.text and "产业链清单" not in c.text for c in measures)
    cover = [c for c in clauses if c.kind == "release"]
    assert any("现印发给你们" in c.text for c in cover) and any("附件：1." in c.text for c in cover)
    # the signature and the plan's title line are not clauses
    assert not any(c.text in ("河北省人民政府办公厅", "2024年3月15日", "河北省支持制造业企业融资若干措施")
                   for c in clauses)
    items = [c for c in clauses if c.kind == "item"]
    assert [c.path for c in items] == ["1.", "2.", "3."]  # the attachment's list is outlined on its own


def test_cited_number_is_not_the_documents_own(ingested):
    doc = ingested["cited_number.md"].document
    assert doc.doc_number == "" and "川办发〔2023〕15号" in doc.text


def test_regulation_note_gives_adopting_body_and_latest_date(ingested):
    ing = ingested["regulation_note.md"]
    assert "<!--" not in ing.document.text
    assert "通过记录" in ing.document.provenance["date"].evidence
    assert [c.path for c in ing.clauses][:2] == ["第一章第一条", "第一章第二条"]


def test_regulation_note_on_the_title_line_and_approval(tmp_path):
    path = tmp_path / "r.txt"
    path.write_text(
        "某某市养老服务条例（2019年10月30日苏州市第十六届人民代表大会常务委员会第二十次会议通过"
        "　2019年11月29日江苏省第十三届人民代表大会常务委员会第十二次会议批准）\n"
        "第一条 为了规范养老服务，制定本条例。\n第二条 本条例自2020年3月1日起施行。\n", "utf-8")
    doc = ingest_file(path).document
    assert doc.title == "某某市养老服务条例"
    assert doc.issuers == ["苏州市人民代表大会常务委员会"]  # the body that passed it, not the one approving
    assert doc.date == "2019-11-29"  # the latest of 通过 and 批准


def test_markdown_backslash_hard_break_ends_the_signature_line():
    assert clean_text("正文。\n\n某某市人民政府\\\n2024年5月20日\n", "md").split("\n") == [
        "正文。", "某某市人民政府", "2024年5月20日"]


def test_comments_are_stripped_linearly():
    assert strip_comments("a<!-- x -->b<!--c") == "ab"
    assert strip_comments("<!--" * 50_000) == ""


@pytest.mark.parametrize("text, level, region", [
    ("广州市天河区人民政府办公室", "county", "广东省广州市天河区"),
    ("东至县人民政府办公室", "county", "安徽省池州市东至县"),
    ("上海市浦东新区人民政府", "county", "上海市浦东新区"),
    ("昆山市人民政府", "county", "江苏省苏州市昆山市"),
    ("黔西南州人民政府", "municipal", "贵州省黔西南布依族苗族自治州"),
    ("浙江省制造业金融服务提升行动方案", "provincial", "浙江省"),
    ("南京市鼓楼区", "county", "江苏省南京市鼓楼区"),
])
def test_gazetteer_resolves_divisions(text, level, region):
    place = most_specific(text)
    assert place is not None and (place.level, place.region) == (level, region)


@pytest.mark.parametrize("text", ["长治久安的良好局面", "县乡两级和县区协同", "中山大学附属医院", "朝阳产业", "城区改造"])
def test_ordinary_words_are_not_places(text):
    assert places_in(text) == []


def test_fuzzy_body_mentions_do_not_decide_the_level(ingested):
    doc = ingested["provincial_plan.txt"].document
    assert doc.provenance["level"].source == "derived" and "标题" in doc.provenance["level"].evidence


def test_municipality_addressing_its_districts_is_provincial(tmp_path):
    path = tmp_path / "s.txt"
    path.write_text("\n".join([
        "各区人民政府，市政府各委、办、局：",
        "为支持浦东新区和上海市重点产业发展，提出如下意见。",
        "一、支持上海市先进制造业集群建设，浦东新区先行先试。",
        "二、上海市财政安排专项资金，浦东新区配套支持。",
        "三、上海市各部门加强协同。",
    ]), "utf-8")
    doc = ingest_file(path).document
    assert (doc.level, doc.region) == ("provincial", "上海市")
    assert doc.provenance["level"].source == "derived"


def test_government_order_note_gives_order_and_date_not_an_abbreviated_issuer(tmp_path):
    path = tmp_path / "g.md"
    path.write_text("# 某某省数据管理办法\n\n（2019年1月15日以粤府令第100号公布，根据2021年5月12日粤府令第200号第一次修改）\n\n"
                    "第一条 为了规范数据管理，制定本办法。\n\n第二条 本办法自公布之日起施行。\n", "utf-8")
    doc = ingest_file(path).document
    assert (doc.title, doc.doc_number, doc.date) == ("某某省数据管理办法", "粤府令第200号", "2021-05-12")
    assert doc.issuers == []  # 粤府令 abbreviates its issuer: not guessed


def test_signed_notice_followed_by_its_attachments(tmp_path):
    path = tmp_path / "n.txt"
    path.write_text("\n".join([
        "关于做好2024年度企业技术改造项目申报工作的通知",
        "各市工业和信息化局：",
        "为做好技术改造项目申报工作，现将有关事项通知如下。",
        "一、申报范围",
        "（一）符合产业政策的制造业技术改造项目。",
        "二、申报要求",
        "（二）各市于6月30日前报送申报材料。",
        "附件：1.项目申报表",
        "2.项目汇总表",
        "某某省工业和信息化厅",
        "2024年5月20日",
        "附件1",
        "项目申报表",
        "1.项目名称",
        "2.项目单位",
    ]), "utf-8")
    ing = ingest_file(path)
    doc = ing.document
    assert (doc.issuers, doc.date) == (["某某省工业和信息化厅"], "2024-05-20")
    assert doc.level == "provincial" and doc.provenance["level"].source == "derived"  # 主送各市…局
    measures = [c for c in ing.clauses if c.kind == "measure"]
    assert [c.path for c in measures] == ["一、（一）", "二、（二）"]
    assert all("附件" not in c.text and "工业和信息化厅" not in c.text for c in measures)
    assert [c.path for c in ing.clauses if c.kind == "item"] == ["1.", "2."]  # the attachment's own outline


def _paths(tmp_path, name: str, lines: list[str]) -> list[str]:
    path = tmp_path / name
    path.write_text("\n".join(lines), "utf-8")
    return [c.path for c in ingest_file(path).clauses if c.path]


def test_numbered_notes_after_the_last_part_stand_outside_it(tmp_path):
    clauses_paths = _paths(tmp_path, "g.txt", [
        "某某县2022年国民经济和社会发展统计公报",
        "一、综合",
        "全年全县地区生产总值增长4.5%。",
        "二、资源和环境保护",
        "全县空气质量优良率90.1%。",
        "注释：",
        "1.本公报中数据均为初步统计数。",
        "2.地区生产总值按现价计算。",
    ])
    assert clauses_paths == ["一、", "二、", "1.", "2."]


def test_notes_inside_a_text_that_goes_on_keep_the_outline(tmp_path):
    assert _paths(tmp_path, "r.txt", [
        "某某管理办法",
        "第一章 总则",
        "第一条 为了规范管理，制定本办法。",
        "第二条 补贴标准见下表。",
        "注：",
        "1.标准按年度计算。",
        "2.不含税费。",
        "第三条 本办法自公布之日起施行。",
    ]) == ["第一章第一条", "第一章第二条", "第一章第二条1.", "第一章第二条2.", "第一章第三条"]


def test_appendix_after_the_last_article_is_not_part_of_it(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("\n".join([
        "某某标志法",
        "第一条 为了规范标志的使用，制定本法。",
        "第二条 本法自公布之日起施行。",
        "附：标志制法说明",
        "标志的形状、颜色两面相同。",
        "（一）旗面为红色，长方形。",
        "（二）五星之位置与画法如下：",
    ]), "utf-8")
    clauses = ingest_file(path).clauses
    assert [c.path for c in clauses if c.path] == ["第一条", "第二条", "（一）", "（二）"]
    assert "标志制法说明" not in next(c for c in clauses if c.path == "第二条").text


def test_article_and_chapter_run_into_the_paragraph_before(tmp_path):
    assert _paths(tmp_path, "l.md", [
        "某某法",
        "第一章 总 则",
        "第一条 为了规范仲裁，制定本法。",
        "第二条 【适用范围】平等主体之间的纠纷，可以仲裁。第三条 【除外】下列纠纷不能仲裁：",
        "（一）婚姻纠纷；",
        "（二）行政争议。",
        "第四条 仲裁应当双方自愿。第四条规定的协议应当书面订立。依照第九条 的规定办理。",
        "第五条 协会依照本法制定仲裁规则。第二章 仲裁协议",
        "第六条 仲裁协议包括仲裁条款。",
    ]) == ["第一章第一条", "第一章第二条", "第一章第三条", "第一章第四条", "第一章第五条", "第二章第六条"]


def test_lines_of_whole_paragraphs_broken_at_one_margin_are_rejoined():
    wrapped = [  # 27 characters each, broken inside a word, as a PDF converted in parts leaves them
        ("设立仲裁委员会应当经省自治区直辖市的司法行政主管部门登", "记。"),
        ("申请有错误的申请人应当赔偿被申请人因财产保全所遭受的损", "失。"),
        ("仲裁员私自会见当事人代理人或者接受当事人代理人的请客送", "礼的。"),
        ("笔录由仲裁员记录人员当事人和其他仲裁参与人签名或者盖上", "印章。"),
        ("第二十三条仲裁申请书应当载明下列事项以及当事人的姓名和", "住所："),
    ]
    assert {len(a) for a, _ in wrapped} == {27}
    whole = ["仲裁委员会独立于行政机关，与行政机关没有隶属关系，仲裁委员会之间也没有隶属关系。" * 2] * 6
    text = "\n".join([whole[0], *(a + "\n" + b for a, b in wrapped), *whole[1:]])
    lines = clean_text(text, "txt").split("\n")
    for a, b in wrapped:
        assert a + b in lines
    assert lines.count(whole[0]) == 6  # whole paragraphs stay apart


def test_numbered_headings_of_one_length_are_not_a_margin():
    headings = [f"（{n}）聚焦减损提质推动粮食生产机械化高质高效发展第{n}项" for n in "一二三四五六"]
    body = "继续推进主要粮食作物生产全程机械化，提高机具适应性、可靠性，完善作业标准和操作规范。"
    text = "\n".join(x for h in headings for x in (h, body))
    assert clean_text(text, "md").split("\n") == [x for h in headings for x in (h, body)]
