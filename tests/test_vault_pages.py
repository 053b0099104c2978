"""Pages a crawler kept as Markdown with its own front matter (issue 11, the kinds batch 9 of the real documents
showed): each rule on a small text written for it, not on a real-document file."""

from __future__ import annotations

from kb.grammar import SECTION_LABEL, TRUNCATED
from kb.ingest import ingest_text
from kb.script import is_traditional, simplified
from kb.title import number_after_title, stated_title, title_of
from kb.webpage import head_fields, line_label

_SIGNED = "\n某某区发展和改革局\n2025年3月1日\n"


def _doc(text: str, fmt: str = "md"):
    return ingest_text(text, f"test.{fmt}", fmt).document


def test_a_heading_cut_short_yields_to_the_boxs_full_title():
    text = ("---\ntitle: 某某区发展和改革局关于废止《某某专项资金管理办法 ...\n---\n\n"
            "# 某某区发展和改革局关于废止《某某专项资金管理办法 ...\n\n## 政策原文\n\n索引号：\n\n分 类：\n\n"
            "名 称：某某区发展和改革局关于废止《某某专项资金管理办法》的通知\n\n文 号：某发改〔2025〕3号\n\n"
            "各有关单位：\n\n现决定废止《某某专项资金管理办法》，自印发之日起施行。\n" + _SIGNED)
    doc = _doc(text)
    assert doc.title == "关于废止《某某专项资金管理办法》的通知"
    assert doc.doc_number == "某发改〔2025〕3号"
    assert TRUNCATED.search("关于废止《某某办法 ...") and not TRUNCATED.search("关于废止某某办法的通知")
    assert SECTION_LABEL.match("政策原文") and not SECTION_LABEL.match("关于公布某某全文的通知")
    assert line_label("分 类：") == ("", "")  # a box's empty label, not an addressee


def test_a_metadata_title_that_names_only_the_issuer_is_no_title():
    assert stated_title("某某区发展和改革局") == "" and stated_title("关于某事的通知 ...") == ""
    assert stated_title("某某区发展和改革局关于某事的通知") == "关于某事的通知"


def test_a_table_of_labelled_cells_is_an_information_box_wherever_it_stands():
    text = ("# 某某区发展和改革局\n\n## 政策原文\n\n本局就某事公开征求意见，现将采纳情况予以公示。\n" + _SIGNED +
            "\n| 索引号： | 1144/2025-00050 | 分类： | |\n| 发布机构： | 某某区发展和改革局 | 成文日期： | 2025-03-01 |\n"
            "| 名称： | 某某区发展和改革局关于某事征求意见的结果反馈 | ||\n| 文号： | 发布日期： | 2025-03-02 | |\n")
    fields = head_fields(text)
    assert fields["title"][0] == "某某区发展和改革局关于某事征求意见的结果反馈"
    assert "doc_number" not in fields  # 文号： with an empty cell
    assert line_label("| 发文字号：| 某政办字〔2020〕4号 | 有 效 性：| 0 |") == ("doc_number", "某政办字〔2020〕4号")
    assert _doc(text).title == "关于某事征求意见的结果反馈"


def test_a_sites_name_and_column_before_the_title_are_not_of_it():
    assert title_of("某省能源局 通知公告 关于明确某事的通知") == "关于明确某事的通知"
    assert title_of("某某局 某某委 关于明确某事的通知") == "关于明确某事的通知"
    assert title_of("某省人民政府 公告") == "某省人民政府公告"


def test_a_file_headed_with_a_plans_name_takes_the_notice_issuing_it_below_the_menus():
    menus = "\n".join(f"栏目{k}" for k in range(30))
    text = (f"# 某市支持某产业发展的若干措施\n\n{menus}\n\n某市发展和改革委员会关于印发《某市支持某产业发展的若干措施》的通知\n\n"
            "某发改规〔2024〕4号\n\n各区政府，各有关单位：\n\n《某市支持某产业发展的若干措施》已经市政府同意，现印发给你们。\n\n"
            "特此通知。\n\n某市发展和改革委员会\n\n2024年6月7日\n")
    doc = _doc(text)
    assert doc.title == "关于印发《某市支持某产业发展的若干措施》的通知"
    assert doc.doc_number == "某发改规〔2024〕4号"


def test_the_own_number_after_the_title_in_a_download_line():
    title = "关于明确新增项目参与市场相关事项的通知"
    lines = ["按照《关于某事的补充通知》（某发改函〔2024〕9号）执行。", "某省发展和改革委员会", "2025年1月24日",
             f"点击查看原文件：{title}（某发改能源〔2025〕51号）"]
    assert number_after_title(lines, title) == "某发改能源〔2025〕51号"
    assert number_after_title([f"依据《{title}》（某发〔2024〕1号）"], title) == ""  # a cited document's
    text = (f"# {title}\n\n各市发展改革委：\n\n现就有关事项通知如下。\n\n一、项目范围\n\n风电和光伏发电项目。\n\n"
            f"某省发展和改革委员会\n\n2025年1月24日\n\n{lines[-1]}\n")
    assert _doc(text).doc_number == "某发改能源〔2025〕51号"


def test_a_notice_in_traditional_characters_is_placed_and_keeps_its_number_as_printed():
    text = ("國家發展改革委 國家能源局關於印發《某某公司管理辦法》的通知\n\n發改體改規〔2021〕1595號\n\n"
            "各省、自治區、直轄市發展改革委、能源局：\n\n為貫徹落實有關文件精神，我們制定了《某某公司管理辦法》，現印發給你們，請遵照執行。\n\n"
            "國家發展改革委\n\n國家能源局\n\n2021年11月11日\n")
    doc = _doc(text)
    assert doc.doc_number == "發改體改規〔2021〕1595號"
    assert (doc.level, doc.region) == ("national", "全国")
    assert is_traditional(text) and not is_traditional("国家发展改革委关于印发《某某办法》的通知")
    assert simplified("國家能源局", traditional=True) == "国家能源局"


def test_an_entry_naming_an_attachment_is_no_unit_whatever_stands_above_it():
    text = ("关于某事征求意见的结果反馈\n\n本局就某事公开征求意见，现将意见采纳情况（详见附件）予以公示。\n\n某某区发展和改革局\n\n"
            "2025年9月26日\n\n附件：\n\n1．附件：关于某事的意见征集及采纳情况表.doc\n")
    ing = ingest_text(text, "test.md", "md")
    assert [c.path for c in ing.clauses if c.path] == []


def test_a_tables_cell_broken_over_lines_is_no_outline():
    text = ("# 某市数字能源发展行动方案\n\n一、总体要求\n\n（一）加快建设典型应用场景。围绕数字能源产业发展。\n\n|     |\n| --- |\n"
            "| 典型应用场景和项目<br>**1.** **用户侧储能**：建设一批项目。<br>**2.** **虚拟电厂**：培育一批主体。 |\n\n"
            "（二）加快推进示范区建设。支持打造示范区。\n")
    ing = ingest_text(text, "test.md", "md")
    assert [c.path for c in ing.clauses if c.path] == ["一、（一）", "一、（二）"]


def test_a_title_printed_again_above_the_text_is_found_under_a_sites_widgets():
    widgets = "\n\n".join(["×", "简繁", "拼音", "辅助浏览", "轻松阅读", "适老", "读屏", "视图", "配色", "白底黑字蓝链接",
                           "黄底黑字蓝链接", "页面原始配色", "辅助线", "增加音量", "减小音量", "后退", "前进", "刷新", "帮助"])
    text = (f"## 政策原文\n\n{widgets}\n\n《某省某某管理办法实施细则》 起草说明\n\n某省商务厅\n\n政策解读\n\n"
            "##《某省某某管理办法实施细则》 起草说明\n\n为全面落实《某某管理办法》要求，省商务厅起草了本细则。\n")
    assert _doc(text).title == "《某省某某管理办法实施细则》起草说明"
