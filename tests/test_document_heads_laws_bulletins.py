"""More forms of a document's head and signature that real documents showed (issue 11, batch 6): national laws
with their order number and table of contents, a 统计公报 with its issuer lines and date under the title, a page
reposting another body's document, a label above a title. Each rule on a small text written for it."""

from __future__ import annotations

from kb.grammar import bracketed_issuer, is_org_line
from kb.ingest import ingest_text
from kb.jurisdiction import level_region


def _doc(text: str, fmt: str = "txt"):
    ing = ingest_text(text, f"test.{fmt}", fmt)
    return ing.document, [c.path for c in ing.clauses if c.path]


_LAW_BODY = ("第一章 总则\n第一条 为了规范某事项，保障当事人的合法权益，制定本法。\n第二条 本法适用于某事项的管理活动。\n"
             "第二章 附则\n第三条 本法自2020年5月1日起施行。\n")


def test_a_law_with_its_order_number_and_contents_under_the_title():
    # The order in brackets (spaces as typeset), the adoption note, a 目录: none of them is part of the title.
    text = ("# 中华人民共和国某某管理法\n（中华人民共和国主席令第 12 号）\n"
            "(2019年12月28日第十三届全国人民代表大会常务委员会第十五次会议通过 根据2021年4月29日第十三届全国人民代表大会"
            "常务委员会第二十八次会议《关于修改某法的决定》修正)\n\n***目  录***\n\n第一章 总则\n第二章 附则\n\n" + _LAW_BODY)
    doc, paths = _doc(text, "md")
    assert doc.title == "中华人民共和国某某管理法"
    assert doc.doc_number == "中华人民共和国主席令第12号"
    assert doc.issuers == ["全国人民代表大会常务委员会"] and doc.date == "2021-04-29"
    assert doc.level == "national" and "第二章第三条" in paths


def test_a_law_whose_adoption_note_wraps_over_lines():
    # A PDF wraps the note at the page width: neither half is the title or an issuer.
    text = ("中华人民共和国某某监督法\n(2003年12月27日第十届全国人民代表大会\n常务委员会第六次会议通过)\n目 录\n"
            "第一章 总则\n第二章 附则\n" + _LAW_BODY)
    doc, _ = _doc(text)
    assert doc.title == "中华人民共和国某某监督法"
    assert doc.issuers == ["全国人民代表大会常务委员会"] and doc.date == "2003-12-27"
    assert not is_org_line("(2003年12月27日第十届全国人民代表大会")


def test_a_title_wrapped_inside_a_quoted_law_name():
    # "…实施《中华人民共和国药品管理法" ends like a law's title but leaves 《 open: the title goes on.
    text = ("国务院关于在某区暂时调整实施《中华人民共和国药品管理法\n实施条例》有关规定的决定\n国发〔2018〕43号\n"
            "各省、自治区、直辖市人民政府：\n为支持某区发展，国务院决定暂时调整实施有关规定。\n国务院\n2018年12月21日\n")
    doc, _ = _doc(text)
    assert doc.title == "关于在某区暂时调整实施《中华人民共和国药品管理法实施条例》有关规定的决定"


_BULLETIN_BODY = ("2022年，全县上下坚持稳中求进工作总基调，经济社会保持平稳健康发展。\n一、综合\n"
                  "全年实现生产总值262.6亿元，按可比价格计算，同比增长5.3%。\n二、农业\n全年农业总产值41.6亿元，增长3.9%。\n")


def test_a_bulletin_with_its_issuers_one_a_line_and_a_month_under_them():
    text = "昆山市2022年国民经济和社会发展统计公报\n昆山市统计局\n国家统计局昆山调查队\n（2023年5月）\n" + _BULLETIN_BODY
    doc, paths = _doc(text)
    assert doc.title == "昆山市2022年国民经济和社会发展统计公报"
    assert doc.issuers == ["昆山市统计局", "国家统计局昆山调查队"]
    assert doc.date == ""  # a month is no day: missing, not guessed
    # The national bureau's survey team in a place is a local office: the place decides the level.
    assert doc.level == "county" and doc.region.endswith("昆山市")
    assert paths == ["一、", "二、"]


def test_a_bulletin_with_a_footnote_mark_and_a_date_line_under_its_issuers():
    text = ("浙江省2022年国民经济和社会发展统计公报[1]\n浙江省统计局 国家统计局浙江调查总队\n2023年3月16日\n"
            + _BULLETIN_BODY.replace("全县", "全省"))
    doc, _ = _doc(text)
    assert doc.title == "浙江省2022年国民经济和社会发展统计公报"
    assert doc.issuers == ["浙江省统计局", "国家统计局浙江调查总队"] and doc.date == "2023-03-16"
    assert (doc.level, doc.region) == ("provincial", "浙江省")


def test_an_issuer_in_brackets_under_the_text():
    doc, _ = _doc("某县2015年国民经济和社会发展统计公报\n" + _BULLETIN_BODY + "（某县统计局）\n")
    assert doc.issuers == ["某县统计局"]
    assert bracketed_issuer("（某县统计局）") == "某县统计局"
    # A forwarded text's issuer and date in brackets under its title are not a signature.
    assert bracketed_issuer("（民政部 一九九七年一月二十八日）") == ""
    assert bracketed_issuer("某县统计局") == ""


def test_national_bodies_and_their_local_offices():
    assert level_region(["国务院办公厅"], [], "", "")[:2] == ("national", "全国")
    assert level_region(["国家税务总局江苏省税务局"], [], "", "")[:2] == ("provincial", "江苏省")
    assert level_region(["国家统计局昆山调查队"], [], "昆山市2022年统计公报", "")[0] == "county"
    assert level_region(["生态环境部", "国家统计局"], [], "", "")[:2] == ("national", "全国")
    assert level_region(["国家能源局浙江监管办公室"], [], "", "")[:2] == ("provincial", "浙江省")
    assert level_region(["国家能源局"], [], "", "")[:2] == ("national", "全国")


_REPOST = """<html><head><title>浙江省2022年国民经济和社会发展统计公报_湖州市人民政府</title>
<meta name="ArticleTitle" content="浙江省2022年国民经济和社会发展统计公报"></head><body>
<div class="nav"><a href="/">首页</a> <a href="/a">政务公开</a> <a href="/b">统计信息</a></div>
<table class="info"><tr><td>发布机构：湖州市统计局</td><td>发文日期：2023-03-31</td></tr></table>
<div class="content">
<p>浙江省2022年国民经济和社会发展统计公报</p>
{head}
<p>2022年，全省上下坚持稳中求进工作总基调，统筹疫情防控和经济社会发展，全省经济运行总体平稳，发展质量稳步提升，社会大局保持稳定。</p>
<p>一、综合</p>
<p>初步核算，全年地区生产总值77715亿元，比上年增长3.1%。其中，第一产业增加值2325亿元，增长3.3%；第二产业增加值33205亿元，增长3.4%。</p>
<p>二、农业</p>
<p>全年粮食播种面积1531万亩，比上年增加21万亩；粮食总产量124.2亿斤，比上年增加3.1亿斤，增长2.6%，全省农业生产稳中有进。</p>
</div><div class="foot">版权所有：湖州市人民政府</div></body></html>"""


def test_a_reposting_sites_box_yields_to_the_documents_own_issuers_and_date():
    # The site that reposts a provincial bulletin fills its box with its own bureau and day.
    doc, _ = _doc(_REPOST.format(head="<p>浙江省统计局 国家统计局浙江调查总队</p><p>（2023年3月16日）</p>"), "html")
    assert doc.issuers == ["浙江省统计局", "国家统计局浙江调查总队"] and doc.date == "2023-03-16"
    assert (doc.level, doc.region) == ("provincial", "浙江省")
    # Where the text states neither, the box's statements stand.
    doc, _ = _doc(_REPOST.format(head=""), "html")
    assert doc.issuers == ["湖州市统计局"] and doc.date == "2023-03-31"


def test_a_label_line_above_a_title():
    text = ("大纲4\n某省人民政府外事办公室\n2022年招考外语类公务员考试大纲\n一、考试目的\n"
            "考察报考者是否具备从事涉外工作所必需的外语专业知识和语言应用能力。\n二、考试安排\n考试分笔试和面试两个阶段进行。\n"
            "某省人民政府外事办公室\n2022年2月21日\n")
    doc, _ = _doc(text)
    assert doc.title == "某省人民政府外事办公室2022年招考外语类公务员考试大纲"
    assert doc.date == "2022-02-21" and doc.issuers == ["某省人民政府外事办公室"]
    for label in ("附件", "附件2", "附件一："):
        doc, _ = _doc(f"{label}\n某市促进制造业发展实施方案\n一、总体要求\n到2025年，制造业增加值占比稳定。\n")
        assert doc.title == "某市促进制造业发展实施方案", label


def test_a_heading_copied_without_book_title_marks_takes_the_printed_form():
    text = ("# 关于贯彻落实“十四五”某业发展规划的实施意见\n\n各区农业农村委：\n\n现将实施意见印发给你们，请认真贯彻执行。\n\n"
            "某市农业农村委员会\n\n2022年5月26日\n\n关于贯彻落实《“十四五”某业发展规划》的实施意见\n\n一、指导思想\n\n"
            "以新发展理念为引领，推动某业高质量发展。\n")
    doc, _ = _doc(text, "md")
    assert doc.title == "关于贯彻落实《“十四五”某业发展规划》的实施意见"


def test_a_government_regulation_passed_at_its_executive_meeting():
    # A 政府规章's note names the government's 常务会议; "市人民政府" is the city's of the title (inferred).
    text = ("宁波市城市绿化管理办法\n（2020年9月29日市人民政府第95次常务会议通过）\n第一条 为了加强城市绿化管理，制定本办法。\n"
            "第二条 本办法自2020年11月1日起施行。\n")
    doc, paths = _doc(text)
    assert doc.title == "宁波市城市绿化管理办法" and doc.date == "2020-09-29"
    assert doc.issuers == ["宁波市人民政府"] and doc.provenance["issuers"].source == "derived"
    assert (doc.level, doc.region) == ("municipal", "浙江省宁波市") and paths == ["第一条", "第二条"]
    # With the order that promulgated it, the order's government and day.
    doc, _ = _doc(text.replace("通过）", "审议通过 2020年10月9日宁波市人民政府令第250号公布）"))
    assert doc.issuers == ["宁波市人民政府"] and doc.provenance["issuers"].source == "extracted"
    assert (doc.doc_number, doc.date) == ("宁波市人民政府令第250号", "2020-10-09")


def test_labelled_lines_at_the_head_of_a_crawled_text():
    # A crawler writes the page's box as lines: 标题 is the title, 成文日期 the date, 文号 the number; 发布时间
    # is the day the page went up (never the document's date); none of them is part of the title.
    text = ("标题：浙江省发展改革委关于印发某方案的通知\n发布时间：2024-03-05\n发文字号：浙发改产业〔2024〕12号\n正文：\n"
            "各市发展改革委：\n现将《某方案》印发给你们，请认真贯彻执行。\n")
    doc, _ = _doc(text)
    assert doc.title == "关于印发某方案的通知" and doc.doc_number == "浙发改产业〔2024〕12号"
    assert doc.date == ""  # only a publication day: missing
    doc, _ = _doc(text.replace("发布时间：2024-03-05", "成文日期：2024年3月1日"))
    assert doc.date == "2024-03-01" and doc.provenance["date"].evidence.startswith("文首标注")
    # With a signature, its issuer and date are the text's own.
    doc, _ = _doc(text + "浙江省发展和改革委员会\n2024年3月1日\n")
    assert doc.date == "2024-03-01" and doc.issuers == ["浙江省发展和改革委员会"]


def test_announcement_numbers_and_the_kinds_of_official_documents():
    # A national 公告's number in its series, above or under the title, is its 文号 and not part of the title.
    for head in ("国家税务总局公告2015年第3号\n国家税务总局关于某事项的公告\n", "国家税务总局关于某事项的公告\n国家税务总局公告2015年第3号\n"):
        doc, _ = _doc(head + "现将有关事项公告如下：\n一、按规定执行。\n国家税务总局\n2015年1月5日\n")
        assert (doc.title, doc.doc_number) == ("关于某事项的公告", "国家税务总局公告2015年第3号")
    doc, _ = _doc("某市人民政府关于某事的通知\n某府发〔2024〕第5号\n各区人民政府：\n现通知如下。\n一、按规定执行。\n")
    assert doc.doc_number == "某府发〔2024〕第5号"
    # Every kind of 公文 (GB/T 9704) ends a title: a 请示 or 报告 wrapped over two lines is one title.
    for kind in ("请示", "报告", "纪要", "公示", "答复"):
        doc, _ = _doc(f"某县人民政府关于某某事项\n有关情况的{kind}\n某府〔2024〕5号\n某市人民政府：\n现将有关情况报告如下。\n")
        assert doc.title == f"关于某某事项有关情况的{kind}", kind


def test_a_letter_spaced_signature_is_one_name():
    # A signature justified to the width of the line above it: "宁 波 市 财 政 局" is 宁波市财政局.
    doc, _ = _doc("关于某事的通知\n各有关单位：\n现通知如下。\n一、按规定执行。\n宁 波 市 财 政 局\n2024年3月5日\n")
    assert doc.issuers == ["宁波市财政局"] and doc.date == "2024-03-05"
    # Names of two characters or more stay apart: "中国人民银行 工业和信息化部" are two issuers.
    doc, _ = _doc("关于某事的通知\n各有关单位：\n现通知如下。\n一、按规定执行。\n中国人民银行 工业和信息化部\n2024年3月5日\n")
    assert doc.issuers == ["中国人民银行", "工业和信息化部"]


def test_a_sites_lines_above_a_title_are_not_of_it():
    body = "\n为推进制造业高质量发展，制定本方案。\n一、总体要求\n加快发展。\n浙江省人民政府办公厅\n2024年3月5日\n"
    for above in ("首页 > 政务公开 > 政策文件", "浙江省人民政府门户网站"):
        doc, _ = _doc(f"{above}\n浙江省制造业高质量发展行动方案{body}")
        assert doc.title == "浙江省制造业高质量发展行动方案", above
    # A title wrapped over lines is still one: its second line does not open as a title does.
    doc, _ = _doc(f"浙江省制造业高质量发展\n行动方案（2024—2026年）{body}")
    assert doc.title == "浙江省制造业高质量发展行动方案（2024—2026年）"
    doc, _ = _doc(f"关于支持\n宁波市创建制造业高质量发展示范区的意见{body}")
    assert doc.title == "关于支持宁波市创建制造业高质量发展示范区的意见"
