"""Texts known by the note under their title (issue 11, batch 11): regulations and judicial interpretations kept
without a cover notice, whose issuer, number and date are only in the bracketed note or the lines under the
title. Each rule on a small text written for it."""

from __future__ import annotations

from kb.grammar import DOC_NUMBER, STATE_BODY
from kb.ingest import ingest_text
from kb.markers import match_marker

_ARTICLES = "第一条 为了规范某事项，制定本办法。\n第二条 本办法适用于某事项的管理活动。\n第三条 本办法自2021年5月1日起施行。\n"


def _doc(text: str, fmt: str = "md"):
    ing = ingest_text(text, f"test.{fmt}", fmt)
    return ing.document, [c.path for c in ing.clauses if c.path]


def test_a_joint_order_in_the_note_names_every_issuer_its_number_and_date():
    text = "# 某某物品进出口管理办法\n\n（2021年3月1日财政部 商务部 海关总署令第2号公布　自2021年5月1日起施行）\n\n" + _ARTICLES
    doc, _ = _doc(text)
    assert doc.issuers == ["财政部", "商务部", "海关总署"]
    assert doc.doc_number == "财政部商务部海关总署令第2号" and doc.date == "2021-03-01"
    assert doc.level == "national" and doc.title == "某某物品进出口管理办法"


def test_a_joint_interpretation_takes_the_latest_of_two_meetings():
    # Two bodies' meetings in one line, the first without a verb of its own (it shares the later 通过).
    text = ("# 最高人民法院、最高人民检察院关于办理某类案件适用法律若干问题的解释\n\n"
            "2019年5月6日 最高人民法院审判委员会第1768次会议、2019年4月2日最高人民检察院第十三届检察委员会第十七次会议通过\n\n"
            "<!-- INFO END -->\n\n为依法惩治某类犯罪，现就办理此类案件适用法律的若干问题解释如下：\n\n" + _ARTICLES)
    doc, _ = _doc(text)
    assert doc.date == "2019-05-06"
    assert doc.issuers == ["最高人民法院", "最高人民检察院"] and doc.level == "national" and doc.region == "全国"


def test_a_revised_regulation_takes_its_revision_and_the_notice_that_published_it():
    # The revising session counted in figures (第15次会议), the 公告 that published the revised text.
    text = ("# 江苏省某某条例\n\n（2005年6月5日江苏省第十届人民代表大会常务委员会第十六次会议通过 2005年6月5日江苏省人民代表大会"
            "常务委员会公告第3号公布 2015年7月24日江苏省第十二届人民代表大会常务委员会第15次会议修订 2015年7月24日"
            "江苏省人民代表大会常务委员会公告第9号公布 自2015年10月1日起施行）\n\n" + _ARTICLES)
    doc, _ = _doc(text)
    assert doc.date == "2015-07-24" and doc.doc_number == "江苏省人民代表大会常务委员会公告第9号"
    assert doc.issuers == ["江苏省人民代表大会常务委员会"] and doc.level == "provincial"


def test_a_number_right_after_a_date_does_not_take_its_day():
    note = "（2001年3月5日苏政发〔2001〕20号发布 根据2010年12月1日江苏省人民政府令第66号修正）"
    assert DOC_NUMBER.search(note).group(0) == "苏政发〔2001〕20号"
    doc, _ = _doc("# 江苏省某某管理办法\n\n" + note + "\n\n" + _ARTICLES)
    assert doc.doc_number == "苏政发〔2001〕20号" and doc.date == "2010-12-01"


def test_the_supreme_court_procuratorate_and_ministries_are_national_bodies():
    for name in ("最高人民法院", "最高人民检察院", "公安部", "中华人民共和国外交部", "退役军人事务部"):
        assert STATE_BODY.match(name), name
    for name in ("市委宣传部", "县人民武装部", "某某集团销售部"):
        assert not STATE_BODY.match(name), name
    text = ("# 最高人民检察院关于某类案件适用法律问题的通知\n\n地方各级人民检察院：\n\n现就有关问题通知如下。\n\n"
            "最高人民检察院\n\n2020年1月2日\n")
    doc, _ = _doc(text)
    assert doc.issuers == ["最高人民检察院"] and doc.level == "national" and doc.region == "全国"


def test_a_stray_space_inside_an_article_marker():
    assert match_marker("第二十九 条 市、县人民政府应当加强组织协调。")[:2] == ("article", "第二十九条")
    assert match_marker("第四 章 附则")[:2] == ("chapter", "第四章")
    assert match_marker("第 十 一 条 本条例自公布之日起施行。")[:2] == ("article", "第十一条")
    _, paths = _doc("# 某某条例\n\n第一章 总则\n\n第一条 为了规范某事项，制定本条例。\n\n第二 条 本条例适用于本市。\n\n"
                    "第二章 附则\n\n第三条 本条例自公布之日起施行。\n")
    assert paths == ["第一章第一条", "第一章第二条", "第二章第三条"]


def test_a_joint_order_below_a_pages_chrome_with_its_signers_and_date():
    # A saved page: share buttons above the head, the bodies one after another over 令, signers by office and name.
    text = ("政策原文\n\n[ 打印 ]\n\n分享到微信朋友圈\n\n微博微信\n\n"
            "**中华人民共和国财政部** **中华人民共和国商务部** **令**\n\n**第9号**\n\n"
            "《某某资金管理办法》已经财政部部务会议审议通过和商务部审签，现予公布，自2024年3月1日起施行。\n\n"
            "财政部部长：某某\n\n商务部部长：某某\n\n2024年1月15日\n\n附件：\n\n相关政策与解读\n")
    doc, _ = _doc(text)
    assert doc.issuers == ["财政部", "商务部"] and doc.date == "2024-01-15"
    assert doc.doc_number == "中华人民共和国财政部中华人民共和国商务部令第9号"
    assert doc.level == "national" and doc.region == "全国"


def test_a_notices_number_in_its_yearly_series_under_the_title():
    text = ("某某省市场监督管理局公告\n\n2024年第5号\n\n根据有关规定，现将抽检结果公告如下：\n\n一、本次抽检共涉及产品100批次。\n\n"
            "二、不合格产品已依法处置。\n\n特此公告。\n\n某某省市场监督管理局\n\n2024年3月8日\n")
    doc, paths = _doc(text, "txt")
    assert doc.doc_number == "2024年第5号" and doc.date == "2024-03-08" and paths == ["一、", "二、"]
    assert doc.title == "某某省市场监督管理局公告"


def test_an_order_counted_by_year():
    # Ministries number their orders within a year: 交通运输部令2019年第18号, 农业农村部令 / 2022年第4号.
    doc, _ = _doc("# 某某运输管理规定\n\n（2019年6月21日交通运输部令2019年第18号公布 自2019年8月1日起施行）\n\n" + _ARTICLES)
    assert doc.issuers == ["交通运输部"] and doc.doc_number == "交通运输部令2019年第18号"
    assert doc.date == "2019-06-21" and doc.level == "national"
    doc, _ = _doc("中华人民共和国农业农村部令\n2022年第4号\n\n《某某管理办法》已经农业农村部常务会议审议通过，现予公布。\n\n"
                  "部长 某某\n2022年5月31日\n\n某某管理办法\n\n" + _ARTICLES, "txt")
    assert doc.doc_number == "中华人民共和国农业农村部令2022年第4号" and doc.issuers == ["农业农村部"]


def test_notes_of_national_regulations_in_their_many_forms():
    cases = [
        ("(1987年10月26日国务院发布)", ["国务院"], "", "1987-10-26"),
        ("（1996年10月14日中华人民共和国林业部令第10号）", ["林业部"], "中华人民共和国林业部令第10号", "1996-10-14"),
        ("（2017年10月25日国家林业局第46号令）", ["国家林业局"], "国家林业局第46号令", "2017-10-25"),
        ("(1998年6月12日交通部交公路发〔1998〕349号公布 自1998年9月1日起施行)", ["交通部"], "交公路发〔1998〕349号", "1998-06-12"),
        ("（2006年11月10日国家工商行政管理总局、卫生部第26号公布 自2007年1月1日起施行）",
         ["国家工商行政管理总局", "卫生部"], "", "2006-11-10"),
        ("(1985年3月6日国务院发布　根据2011年1月8日《国务院关于废止和修改部分行政法规的决定》第一次修订)", ["国务院"], "",
         "2011-01-08"),
        ("（2022年10月27日自然资源部第2次部务会议通过）", ["自然资源部"], "", "2022-10-27"),
        ("（2016年11月21日 由最高人民法院审判委员会第1700次会议通过）", ["最高人民法院"], "", "2016-11-21"),
    ]
    for note, issuers, number, date in cases:
        doc, _ = _doc("# 某某管理办法\n\n" + note + "\n\n" + _ARTICLES)
        assert (doc.title, doc.issuers, doc.doc_number, doc.date) == ("某某管理办法", issuers, number, date), note
        assert doc.level == "national", note
    # The note in prose, its body unnamed: the date still counts, and nobody is made up.
    doc, _ = _doc("# 某某统计管理规定\n\n《某某统计管理规定》已于2018年4月11日经第5次部务会议通过，现予公布，自2018年10月1日起施行。\n\n"
                  + _ARTICLES)
    assert doc.date == "2018-04-11" and doc.issuers == []


def test_a_judicial_interpretation_titled_with_its_number_and_notes_on_lines_of_their_own():
    text = ("# 法释〔2021〕3号关于审理某类案件适用法律若干问题的解释\n\n"
            "2020年5月11日 最高人民法院审判委员会第1801次会议通过\n\n"
            "2021年1月4日 最高人民法院审判委员会第1825次会议《关于修改〈某解释〉的决定》修正，该修正自2021年1月15日施行\n\n"
            "<!-- INFO END -->\n\n为正确审理此类案件，根据有关法律规定，结合审判实践，制定本解释。\n\n" + _ARTICLES)
    ing = ingest_text(text, "test.md", "md")
    doc = ing.document
    assert doc.title == "关于审理某类案件适用法律若干问题的解释" and doc.doc_number == "法释〔2021〕3号"
    assert doc.date == "2021-01-04" and doc.issuers == ["最高人民法院"] and doc.level == "national"
    # The note's last line is not run into the preamble across the comment that stood between them.
    assert any(c.text.startswith("为正确审理此类案件") for c in ing.clauses)


def test_a_national_text_without_issuer_is_not_placed_by_its_generic_levels():
    # "设区的市人民政府", "县级以上地方人民政府", "省、自治区、直辖市人民政府": levels named in general, not the text's own.
    text = ("# 某某资源保护条例\n\n第一条 为了保护某某资源，制定本条例。\n\n第二条 国务院某某主管部门负责全国的监督管理工作；"
            "省、自治区、直辖市人民政府某某主管部门负责本行政区域的工作。\n\n第三条 设区的市人民政府和县级以上地方人民政府应当"
            "加强领导；市、县人民政府应当安排经费。设区的市人民政府可以制定具体办法。\n")
    doc, _ = _doc(text)
    assert doc.level == "national" and doc.region == "全国"
    doc, _ = _doc("# 中华人民共和国某某条例\n\n" + _ARTICLES)
    assert doc.level == "national"


def test_words_ending_in_xing_and_bare_order_heads_name_no_issuer():
    from kb.grammar import is_org_line

    assert not is_org_line("施行") and not is_org_line("2021年1月1日 施行")
    assert is_org_line("中国人民银行") and is_org_line("某某银行某某分行")
    doc, _ = _doc("# 某某分类管理名录\n\n部令 第33号\n\n《某某分类管理名录》已于2015年3月19日由某某部部务会议修订通过，现予公布。\n\n"
                  "部长 某某\n\n2015年4月9日\n\n" + _ARTICLES)
    assert doc.issuers == [] and doc.doc_number == "部令第33号" and doc.date == "2015-04-09"


def test_a_file_headed_with_a_regulations_name_takes_its_notice_wrapped_after_its_verb():
    text = ("# 某某举报奖励办法\n\n某某管理局 财政部关于印发\n\n《某某举报奖励办法》的通知\n\n某管财〔2018〕19号\n\n"
            "各省、自治区、直辖市某某管理局、财政厅（局）：\n\n现将《某某举报奖励办法》印发给你们，请遵照执行。\n\n"
            "某某管理局  财政部\n\n2018年1月4日\n\n某某举报奖励办法\n\n" + _ARTICLES)
    doc, _ = _doc(text)
    assert doc.title == "关于印发《某某举报奖励办法》的通知" and doc.doc_number == "某管财〔2018〕19号"


def test_a_heading_opening_with_a_book_title_mark_and_notes_on_lines_under_it():
    doc, _ = _doc("# 《某某管理办法》的补充规定\n\n(2011年11月21日局务会议审议通过，现予发布，自2012年1月1日起施行)\n\n" + _ARTICLES)
    assert doc.title == "《某某管理办法》的补充规定" and doc.date == "2011-11-21"
    # Two note lines under a title with a year in brackets: neither is of the title.
    doc, _ = _doc("# 某某条例修正案（1993年）\n\n1993年3月29日 第八届全国人民代表大会第一次会议通过\n\n"
                  "1993年3月29日 中华人民共和国全国人民代表大会公告第八号公布施行\n\n<!-- INFO END -->\n\n" + _ARTICLES)
    assert doc.title == "某某条例修正案（1993年）" and doc.date == "1993-03-29"
