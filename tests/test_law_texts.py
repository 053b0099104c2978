"""National laws as the laws database and law-reader sites keep them (issue 11, batch 10): a title wrapped after a
body's name, an old law's 一、 list inside an article, a breadcrumb over a Markdown page, a law known only by its
promulgation sentence, a judicial interpretation's note naming a bare committee. Each rule on a small text written
for it."""

from __future__ import annotations

from kb.doc_numbers import issuers_of_number
from kb.grammar import iso_date
from kb.ingest import ingest_text
from kb.markup import strip_site_markup
from kb.order import adoption

_NOTE = "（2005年10月25日第十届全国人民代表大会常务委员会第十八次会议通过）"
_ARTICLES = "第一条　为了规范某事项，制定本法。\n第二条　本法自公布之日起施行。\n"


def _doc(text: str, fmt: str = "txt"):
    ing = ingest_text(text, f"test.{fmt}", fmt)
    return ing.document, [c.path for c in ing.clauses if c.path]


def test_a_title_wrapped_after_a_bodys_name_is_the_title_not_its_issuer():
    # The first line ends like an organisation's name; it is the title's first half, and the note names the issuer.
    doc, _ = _doc("中华人民共和国外国中央银行\n财产司法强制措施豁免法\n\n" + _NOTE + "\n\n" + _ARTICLES)
    assert doc.title == "中华人民共和国外国中央银行财产司法强制措施豁免法"
    assert doc.issuers == ["全国人民代表大会常务委员会"] and doc.provenance["issuers"].source == "extracted"


def test_a_second_title_line_opening_with_a_county_like_word_goes_on_the_title():
    # "和县级以上…" does not open with the county 和县 (a two-character county counts only naming a government).
    doc, _ = _doc("中国人民解放军选举全国人民代表大会\n和县级以上地方各级人民代表大会代表的办法\n\n" + _NOTE + "\n\n" + _ARTICLES)
    assert doc.title == "中国人民解放军选举全国人民代表大会和县级以上地方各级人民代表大会代表的办法"
    assert doc.issuers == ["全国人民代表大会常务委员会"]


def test_a_title_opening_with_its_issuers_name_keeps_the_issuer():
    text = ("国务院办公厅\n转发某部关于做好某项工作意见的通知\n国办发〔2020〕1号\n各省、自治区、直辖市人民政府：\n"
            "某部《关于做好某项工作的意见》已经国务院同意，现转发给你们，请认真贯彻执行。\n国务院办公厅\n2020年1月2日\n")
    doc, _ = _doc(text)
    assert doc.issuers == ["国务院办公厅"]


def test_an_articles_list_numbered_like_parts_under_a_later_lead_is_its_enumeration():
    text = ("中华人民共和国某某登记条例\n\n" + _NOTE + "\n\n第一条　公民迁移，应当申报登记。\n"
            "没有证件的公民，凭下列证件申报登记：\n一、复员军人，凭有关机关发给的证件；\n二、归国华侨，凭护照。\n"
            "第二条　本条例自公布之日起施行。\n")
    _, paths = _doc(text)
    assert paths == ["第一条", "第二条"]
    # Without the lead, the same lines are units of the article.
    _, paths = _doc(text.replace("凭下列证件申报登记：", "应当申报登记。"))
    assert "第一条一、" in paths


def test_a_markdown_breadcrumb_is_navigation_not_the_title():
    text = "[某某法律读本](../duben) >> 2021-某某防治法\n\n中华人民共和国某某防治法\n----\n\n" + _NOTE + "\n\n" + _ARTICLES
    assert "读本" not in strip_site_markup(text)
    doc, _ = _doc(text, "md")
    assert doc.title == "中华人民共和国某某防治法"
    # a line that only links is kept: it is text, not a trail
    assert "读本" in strip_site_markup("见[某某法律读本](../duben)。")


def test_a_law_known_by_its_promulgation_sentence_names_the_adopting_committee():
    text = ("中华人民共和国某某促进法\n\n（中华人民共和国主席令第十五号）\n\n《中华人民共和国某某促进法》已由中华人民共和国第十四届"
            "全国人民代表大会常务委员会第六次会议于2023年10月24日修订通过，现予公布，自2024年1月1日起施行。\n\n" + _ARTICLES)
    doc, _ = _doc(text)
    assert doc.title == "中华人民共和国某某促进法" and doc.doc_number == "中华人民共和国主席令第十五号"
    assert doc.issuers == ["全国人民代表大会常务委员会"] and doc.date == "2023-10-24"
    # A provincial 人大's 公告 names its own standing committee; an approval (批准) does not outrank who passed it.
    body, date, _, _ = adoption(["《某市某某条例》已由某市第十七届人民代表大会常务委员会第九次会议于2023年6月28日通过，"
                                 "某省第十四届人民代表大会常务委员会第四次会议于2023年7月27日批准，现予公布。"])
    assert body == "某市人民代表大会常务委员会" and date == "2023-07-27"


def test_a_note_dated_in_chinese_numerals_is_read():
    doc, _ = _doc("中华人民共和国某某法\n（二〇二三年十月二十四日第十四届全国人民代表大会常务委员会第六次会议通过）\n" + _ARTICLES)
    assert doc.date == "2023-10-24" and doc.issuers == ["全国人民代表大会常务委员会"]
    assert iso_date("二○一二年一月九日") == "2012-01-09"


def test_a_bare_committee_in_a_note_is_no_issuer():
    # "审判委员会" without its court: whose, the note does not say (the date is still the meeting's).
    body, date, _, _ = adoption(["（2020年12月23日审判委员会第1823次会议通过，自2021年1月1日起施行）"])
    assert body == "" and date == "2020-12-23"
    body, _, _, _ = adoption(["（2020年12月23日最高人民法院审判委员会第1823次会议通过）"])
    assert body == "最高人民法院"


def test_a_numbers_prefix_names_the_issuer_as_an_inference_only():
    text = ("关于审理某某案件适用法律若干问题的解释\n\n法释〔2020〕17号\n\n（2020年12月23日审判委员会第1823次会议通过）\n\n"
            "为正确审理某某案件，制定本解释。\n" + _ARTICLES.replace("本法", "本解释"))
    doc, _ = _doc(text)
    assert doc.issuers == ["最高人民法院"] and doc.provenance["issuers"].source == "derived"
    assert doc.level == "national" and doc.date == "2020-12-23"
    text = ("关于做好某项工作的通知\n浙政办发〔2024〕3号\n各市、县（市、区）人民政府，省政府直属各单位：\n"
            "为做好某项工作，现将有关事项通知如下。\n一、加强组织领导\n各地要高度重视。\n")
    doc, _ = _doc(text)
    assert doc.issuers == ["浙江省人民政府办公厅"] and doc.provenance["issuers"].source == "derived"
    assert doc.level == "provincial" and doc.region == "浙江省"
    # A title naming its issuer wins; a prefix a city shares (宁政发: 南京, 宁夏) names nobody.
    assert _doc("国务院关于某事的通知\n国发〔2020〕1号\n" + _ARTICLES)[0].provenance["issuers"].source == "extracted"
    assert issuers_of_number("宁政发〔2024〕1号") == [] and issuers_of_number("沪府发〔2024〕1号") == ["上海市人民政府"]
    assert issuers_of_number("粤府〔2024〕5号") == ["广东省人民政府"] and issuers_of_number("浙政发改〔2024〕1号") == []


def test_a_web_address_wrapped_by_a_pdf_is_one_source_stamp_and_no_issuer():
    # A 北大法宝 export printed to PDF: the 原文链接 line wrapped at the page width above the title.
    from kb.clean import clean_text

    text = ("原文链接：https://www.pkulaw.com/\nlar/58783248d9ecdd3f50f5fa9f\n03e988e4bdfb.html\n"
            "某某自治区质监局关于加强宣传工作的通知\n（某质监办发〔2012〕24号）\n各直属单位：\n现就有关事项通知如下。\n"
            "一、提高认识\n各单位要高度重视。\n")
    cleaned = clean_text(text, "pdf")
    assert "lar/" not in cleaned and "html" not in cleaned
    assert clean_text(cleaned, "pdf") == cleaned
    doc, _ = _doc(text)
    assert doc.issuers == ["某某自治区质监局"]
    # A marker after an address is not a piece of it.
    assert "\n1." in clean_text("详见 https://www.gov.cn/a.htm\n1.加强领导。\n", "txt")
