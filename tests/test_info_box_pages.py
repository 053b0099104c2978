"""Saved pages of a provincial 信息公开 catalogue (issue 11, the kinds batch 12 of the real documents showed): each
rule on a small page written for it, not on a real-document file."""

from __future__ import annotations

from kb.ingest import ingest_text
from kb.title import issuers_of_title
from kb.webpage import _unconditional_css, read_page

_STYLE = """<style>
.gone{display:none}
@media only screen and (min-width:320px) and (max-width: 768px){
    .screen{display:none!important;}
    .nav a{display:block}
}
@media print { .toolbar { display: none } }
</style>"""
_BOX = """<div class="screen xxgkTitle"><table><tr>
<td><b><span>索  引  号: </span></b>014500815/2020-02346</td>
<td><b> 发文机关: </b> 省政府办公厅</td>
<td><b>文      号:</b> 某府厅发〔2020〕6号</td></tr>
<tr><td><b>主题分类: </b> 卫健</td><td><b>组配分类: </b> 政策文件</td>
<td><b>成文日期: </b> 2020-02-21          </td></tr></table></div>"""


def _page(title: str, body: str) -> str:
    return (f"<html><head><title>某省人民政府 政策文件 {title}</title>{_STYLE}</head><body>"
            f"<div class='screen nav'><a href='/'>首页</a> <a href='/x'>政务公开</a></div>{_BOX}"
            f"<p class='sp_title'>{title}</p><div id='zoom'>{body}</div>"
            f"<div class='gone'>{body}</div><div class='toolbar'>打印本页</div></body></html>")


_BODY = ("<p>各市、县（区）人民政府，省政府各部门：</p><p>为促进某项工作健康发展，经省政府同意，结合我省实际，"
         "制定本实施意见。</p><p>一、总体要求</p><p>以新时代思想为指导，建立健全某项服务体系，逐步满足群众需求。</p>"
         "<p>二、主要任务</p><p>（一）建立健全供给体系。</p><p>1.加强家庭指导。通过入户指导等方式提供服务。</p>"
         "<p>2.发展社区服务。依托城乡社区综合服务中心开展服务。</p><p>2020年2月21日</p><p>（此件主动公开）</p>")


def test_a_rule_only_for_phones_or_print_hides_nothing():
    css = ".a{display:none} @media only screen and (max-width:7px){ .screen{display:none} .b{x:y} } .c{color:red}"
    assert _unconditional_css(css) == ".a{display:none}  .c{color:red}"
    assert _unconditional_css("@media print{.p{display:none}}@supports (x:y){.q{display:none}}") == ""


def test_the_information_box_under_a_phone_only_rule_is_read():
    page = read_page(_page("某省人民政府办公厅关于促进某项服务发展的实施意见", _BODY))
    assert page.fields["doc_number"] == "某府厅发〔2020〕6号" and page.fields["date"] == "2020-02-21"
    assert page.evidence["doc_number"] == "网页信息栏：文号：某府厅发〔2020〕6号"
    # the unconditional rule still drops the hidden copy of the body: each line once
    assert page.text.count("1.加强家庭指导") == 1


def test_a_catalogue_page_gives_its_box_number_and_date_with_their_provenance():
    ing = ingest_text(_page("某省人民政府办公厅关于促进某项服务发展的实施意见", _BODY), "p.html", "html")
    doc = ing.document
    assert doc.doc_number == "某府厅发〔2020〕6号" and doc.provenance["doc_number"].source == "extracted"
    # the date the text signs with (a date alone over its publication mark) is the evidence, not the box
    assert doc.date == "2020-02-21" and doc.provenance["date"].evidence == "落款日期：2020年2月21日"
    # the title names the issuer in full; the box's short form (省政府办公厅) does not replace it
    assert doc.issuers == ["某省人民政府办公厅"]
    assert [c.path for c in ing.clauses if c.path] == ["一、", "二、（一）1.", "二、（一）2."]


def test_a_title_issuer_who_issues_without_quotation_marks():
    assert issuers_of_title("江西省人民政府办公厅印发关于金融支持某项工作若干措施的通知") == ["江西省人民政府办公厅"]
    assert issuers_of_title("某市财政局印发《某某办法》的通知") == ["某市财政局"]
    assert issuers_of_title("关于印发某某办法的通知") == []


_ORDER = ("某省人民政府关于修改《某省某某管理办法》的决定\n某省人民政府令\n第223号\n"
          "省人民政府第66次常务会议决定对《某省某某管理办法》作如下修改：\n"
          "一、将第六条修改为：“公安机关负责某项登记工作。”\n二、删除第十二条。\n"
          "三、将第十三条改为第十五条：“申领材料应当在三个工作日内送交。”\n本决定自公布之日起施行。\n"
          "《某省某某管理办法》根据本决定作相应修改并对条款顺序作相应调整，重新公布。\n某省某某管理办法\n"
          "(2011年8月26日省人民政府令第190号公布　2016年9月21日省人民政府令第223号修正)\n"
          "第一条     为了规范某项管理，制定本办法。\n第二条     本省行政区域内的某项管理，适用本办法。\n"
          "第三条     登记应当按照下列规定办理：\n（一）租住房屋的，由出租人登记；\n（二）就业的，由用人单位登记。\n"
          "第四条     本办法自公布之日起施行。\n")


def test_an_order_republishing_the_text_it_amends():
    ing = ingest_text(_ORDER, "o.txt", "txt")
    doc, paths = ing.document, list(dict.fromkeys(c.path for c in ing.clauses if c.path))
    # the republished text's articles stand on their own, not under the last amendment; 第三条's list is folded
    # although its marker stands alone on its line
    assert paths == ["一、", "二、", "三、", "第一条", "第二条", "第三条", "第四条"]
    # neither signature nor date: the note dates the order under the document's own number, stated in the text
    assert doc.doc_number == "某省人民政府令第223号" and doc.date == "2016-09-21"
    assert doc.provenance["date"].source == "extracted" and "令第223号修正" in doc.provenance["date"].evidence


def test_a_note_dating_another_order_gives_no_date():
    text = _ORDER.replace("第223号\n省人民政府第66次", "第230号\n省人民政府第66次")
    assert ingest_text(text, "o.txt", "txt").document.date == ""


def test_the_box_date_stands_in_only_where_the_text_signs_with_none():
    posted = _page("某省人民政府办公厅关于促进某项服务发展的实施意见", _BODY).replace("2020-02-21  ", "2020-03-13  ")
    assert "2020-03-13" in posted
    assert ingest_text(posted, "p.html", "html").document.date == "2020-02-21"  # the text's date, not the box's
    unsigned = _page("某省人民政府办公厅关于促进某项服务发展的实施意见", _BODY.replace("<p>2020年2月21日</p>", ""))
    doc = ingest_text(unsigned, "p.html", "html").document
    assert doc.date == "2020-02-21" and doc.provenance["date"].evidence == "网页信息栏：成文日期：2020-02-21"
    assert doc.field_provenance("date") == "stated"  # the catalogue's 成文日期, labelled as where it was read
    # a page's 发布日期 (the day it went up) is never taken for the document's date
    published = unsigned.replace("成文日期", "发布日期")
    assert ingest_text(published, "p.html", "html").document.date == ""
