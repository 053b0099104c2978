"""Texts a crawler extracted from saved government pages, one text node a line (issue 11, the kinds batch 7 of the
real documents showed): each rule on a small text written for it, not on a real-document file."""

from __future__ import annotations

from kb.clean import clean_text
from kb.grammar import SIGNER, is_org_line
from kb.ingest import ingest_text
from kb.runon import split_points
from kb.text_runs import breadcrumb_lines, run_groups
from kb.webpage import head_fields


def _doc(text: str, fmt: str = "txt"):
    ing = ingest_text(text, f"test.{fmt}", fmt)
    return ing.document, [c.path for c in ing.clauses if c.path]


def test_a_breadcrumb_one_step_a_line_is_dropped():
    lines = ["某某网", "首页", ">", "政务公开", ">", "通知", "关于做好某项工作的通知", "首页", "/ 政务公开", "/ 政策文件", "正文"]
    assert breadcrumb_lines(lines) == {1, 2, 3, 4, 5, 7, 8, 9}
    assert breadcrumb_lines(["首页", ">", "政务公开"]) == set()  # one separator: not enough to tell
    cleaned = clean_text("首页\n>\n政务公开\n>\n政策\n关于做好某项工作的通知\n各区人民政府：\n", "txt")
    assert cleaned.split("\n")[0] == "关于做好某项工作的通知"


def test_the_runs_of_one_date_number_or_name_are_joined():
    lines = ["某省能源局", "2025", "年", "9", "月", "29", "日", "某能源公告〔2026", "〕", "6", "号",
             "京发改", "〔2026〕", "341号", "市工业", "和信息化局", "市财政局", "12000", "5.9"]
    joined = ["".join(lines[a:b]) for a, b in run_groups(lines)]
    assert joined == ["2025年9月29日", "某能源公告〔2026〕6号", "京发改〔2026〕341号", "市工业和信息化局"]
    assert run_groups(["现下达", "2025", "年电力需求侧管理专项资金计划"]) == []  # prose, not a date


def test_a_signature_and_date_one_run_a_line_sign_the_text():
    text = ("关于下达某市年度资金计划的通知\n各有关单位：\n现下达资金计划，请认真执行。\n"
            "市工业\n和信息化局\n市财政局\n202\n5\n年\n12\n月\n9\n日\n")
    doc, _ = _doc(text)
    assert doc.issuers == ["市工业和信息化局", "市财政局"] and doc.date == "2025-12-09"


def test_names_of_departments_and_labelled_signers():
    assert is_org_line("国家能源局综合司") and is_org_line("国家发展改革委办公厅 国家能源局综合司")
    assert not is_org_line("为深入落实《国家发展改革委")  # a citing sentence broken at a line end
    assert not is_org_line("【关于某事的复函(某发〔2026〕2号)】-国家发展和改革委员会")  # a page's title line
    assert is_org_line("“放管服”改革协调小组办公室")
    assert SIGNER.match("局 长：胡静林") and SIGNER.match("总理 李克强") and not SIGNER.match("局长说明情况如下")


def test_a_page_title_line_and_split_signature_of_a_reply():
    text = ("【关于修订某规则的复函(某办体改〔2026〕275号)】-某某委员会\n首页\n>\n政务公开\n>\n政策\n>\n通知\n"
            "关于修订某规则的复函(某办体改〔2026〕275号)\n发布时间：2026/04/24\n来源：\n体改司\n"
            "国家发展改革委办公厅 国家能源局综合司\n关于修订某规则的复函\n某办体改〔2026〕275号\n某某公司：\n"
            "你公司请示收悉。现批复如下。\n一、原则同意修订后的规则。\n二、要认真组织实施。\n附件：某规则\n"
            "国家发展改革委办公厅\n国家能源局综合司\n2026年4月14日\n附件：\n某规则.pdf\n相关政策与解读\n")
    doc, paths = _doc(text)
    assert doc.title == "关于修订某规则的复函" and doc.doc_number == "某办体改〔2026〕275号"
    assert doc.issuers == ["国家发展改革委办公厅", "国家能源局综合司"] and doc.date == "2026-04-14"
    assert paths == ["一、", "二、"]


def test_an_order_in_brackets_signed_by_a_labelled_head():
    text = ("某某基金检查管理暂行办法\n（国家某某局令第 6 号）\n《某某基金检查管理暂行办法》已经2023年2月14日第5次局务会议"
            "审议通过，现予以公布，自2023年5月1日起施行。\n局 长：张某某\n2023年3月13日\n第一章 总则\n"
            "第一条 为了加强监督检查，制定本办法。\n第二条 本办法自2023年5月1日起实施。\n")
    doc, paths = _doc(text)
    assert doc.issuers == ["国家某某局"] and doc.doc_number == "国家某某局令第6号" and doc.date == "2023-03-13"
    assert paths == ["第一章第一条", "第一章第二条"]
    law = "某某法\n（中华人民共和国主席令第31号）\n（2024年6月28日第十四届全国人民代表大会常务委员会第十次会议通过）\n第一条 为了规范，制定本法。\n"
    assert _doc(law)[0].issuers == ["全国人民代表大会常务委员会"]  # a 主席令 names no issuer


def test_a_name_after_the_signature_date_is_not_a_signer():
    text = "关于某事的通知\n各省医疗保障局：\n现就有关事项通知如下。\n某某局办公室\n2025年10月14日\n某某局\n"
    assert _doc(text)[0].issuers == ["某某局办公室"]


def test_a_state_body_not_listed_is_national():
    text = "某某检查管理暂行办法\n（国家某某保障局令第6号）\n局 长：张某某\n2023年3月13日\n第一条 为了加强监督检查，制定本办法。\n"
    doc, _ = _doc(text)
    assert (doc.level, doc.region) == ("national", "全国")


def test_a_notice_asking_for_comments_on_a_draft_is_final():
    text = ("某自治区能源局关于公开征求《某自治区行动方案(征求意见稿)》意见建议的公告\n某能源公告〔2026〕6号\n"
            "我局研究编制了《某自治区行动方案（征求意见稿）》，现向社会公开征求意见。\n附件：\n某自治区行动方案\n（征求意见稿）\n"
            "某自治区能源局\n2026年3月6日\n")
    doc, _ = _doc(text)
    assert doc.status == "final" and "征求意见" in doc.provenance["status"].evidence
    draft = "教育部《某某管理规定(试行)征求意见稿》\n第一条 为了规范管理，制定本规定。\n"
    assert _doc(draft)[0].status == "draft"  # the text itself is the draft


def test_a_site_column_of_document_kinds_is_not_a_title():
    text = "某局网站\n通知公告\n某某局关于做好某项工作的通知\n某发〔2026〕6号\n各有关单位：\n现将有关事项通知如下。\n"
    assert _doc(text)[0].title == "关于做好某项工作的通知"


def test_a_marker_alone_on_its_line_and_a_line_opening_with_a_closing_mark():
    text = ("某某实施方案\n一、总体要求\n（一）推动交易。\n国网某电力（以下简称“某电力\n”\n）负责实施。\n"
            "1.\n机制电量\n存量项目机制电量按实际上网电量确定。\n（\n十一\n）加强衔接。\n地方电网按均价结算。\n")
    cleaned = clean_text(text, "txt").split("\n")
    assert "1.机制电量" in cleaned and "（十一）加强衔接。" in cleaned
    assert "国网某电力（以下简称“某电力”）负责实施。" in cleaned
    _, paths = _doc(text)
    assert paths == ["一、（一）", "一、（一）1.", "一、（十一）"]


def test_an_attachment_list_under_its_own_label_is_not_an_outline():
    text = ("关于下达某资金计划的通知\n各有关单位：\n现下达资金计划，请认真执行。\n附件：\n1.某市\n2023\n年补贴资金汇总表\n"
            "2.某市\n2024\n年补贴资金汇总表\n市工业和信息化局\n2025年12月9日\n")
    doc, paths = _doc(text)
    assert paths == [] and doc.date == "2025-12-09"


def test_an_information_box_below_the_menus_with_its_values_under_their_labels():
    menus = "\n".join(f"栏目{n}" for n in range(40))
    text = (f"某某网\n{menus}\n名 称 ：\n关于下达某资金计划的通知\n发 文 字 号 ：\n某工信电力〔2025〕13号\n成 文 日 期 ：\n"
            "[发文字号]\n某发改\n〔2026〕\n341号\n各有关单位：\n现下达资金计划，请认真执行。\n文号：某发〔2020〕1号\n")
    fields = head_fields(clean_text(text, "txt"))
    assert fields["title"][0] == "关于下达某资金计划的通知" and fields["doc_number"][0] == "某工信电力〔2025〕13号"
    assert "date" not in fields  # an empty label does not take the next label as its value
    boxed = head_fields(clean_text("[发文字号]\n某发改\n〔2026〕\n341号\n正文。\n", "txt"))  # bracketed label, value in runs
    assert boxed["doc_number"][0] == "某发改〔2026〕341号"


def test_the_head_below_a_sites_menus_is_found_by_its_number_or_addressee():
    menus = "\n".join(["某某委员会", "行政规范性文件", "下载文字版", "政策解读", "EN", "本网", "通知通告", "一图读懂", "解读发布"]
                      + [f"栏目{n}" for n in range(30)])
    text = (f"{menus}\n某市经济和信息化委员会\n某市财政局\n关于印发《某市支持产业发展政策措施（2025—2027年）》\n的通知\n"
            "某经信规范〔2025〕13号\n各有关单位：\n现将政策措施印发给你们，请认真贯彻执行。\n某市经济和信息化委员会\n某市财政局\n"
            "2025年12月30日\n")
    doc, _ = _doc(text)
    assert doc.title == "关于印发《某市支持产业发展政策措施（2025—2027年）》的通知"
    assert doc.doc_number == "某经信规范〔2025〕13号" and doc.issuers == ["某市经济和信息化委员会", "某市财政局"]
    # No 文号 or addressee under a menu's words: no title is made of them.
    assert _doc("EN\n本网\n通知通告\n发改之声\n这是一段说明。\n")[0].title != "EN本网通知通告"


def test_a_title_whose_mark_the_extraction_put_on_its_own_line():
    text = ("某某网页_能源\n政务公开\n关于转发《国家某局关于印发\n<\n某某实施方案> 的通知》的通知\n(发布日期：2021年01月07日\n"
            "文号：某发改能源〔2021〕3号)\n某发改能源〔2021〕3号\n各有关单位：\n现将通知转发给你们。\n某市发展和改革委员会\n2021年1月5日\n")
    doc, _ = _doc(text)
    assert doc.title == "关于转发《国家某局关于印发<某某实施方案>的通知》的通知" and doc.doc_number == "某发改能源〔2021〕3号"


def test_a_page_end_inside_a_numbered_sentence_does_not_unfold_its_list():
    text = ("某某管理暂行办法\n第一条 为了加强监督检查，制定本办法。\n"
            "第二条 被检地医疗保障行政部门应当要求被检查对象及时整改检查发现的问题，依法依规对反馈意见中涉嫌违法违规的情形\n进行处理：\n"
            "（一）对确有应受行政处罚的违法行为，依法作出行政处罚；\n（二）其他需要进行处理的情形，按规定处理。\n"
            "第三条 本办法自2023年5月1日起实施。\n")
    _, paths = _doc(text)
    assert paths == ["第一条", "第二条", "第三条"]
    heading = "（一）加强组织领导，压实工作责任\n各地要建立工作机制。\n"
    assert clean_text(heading, "txt").split("\n") == ["（一）加强组织领导，压实工作责任", "各地要建立工作机制。"]


def test_a_chapter_heading_run_into_its_first_article():
    for text in ("某某办法\n第一章 总则 第一条 为了加强管理，制定本办法。\n第二条 本办法适用于本市。\n第二章 附则 第三条 本办法自公布之日起施行。\n",
                 "某某办法\n第一章　总　　则第一条　为了加强管理，制定本办法。\n第二条　本办法适用于本市。\n第二章附则第三条本办法自公布之日起施行。\n"):
        assert _doc(text)[1] == ["第一章第一条", "第一章第二条", "第二章第三条"]
    assert split_points("第一章 总则 第一条 为了加强管理。") == [len("第一章 总则 ")]
    assert split_points("第一章 总则") == []
    titled = "关于进一步加强某项工作，推动某某高质量发展的实施意见\n某发〔2024〕1号\n各有关单位：\n"
    assert clean_text(titled, "txt").split("\n")[:2] == ["关于进一步加强某项工作，推动某某高质量发展的实施意见", "某发〔2024〕1号"]
