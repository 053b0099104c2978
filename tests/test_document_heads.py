"""The forms of a document's head, signature and body that real documents showed (issue 11): each rule on a small
text written for it, so a change that breaks one fails here and not only in the real-document score."""

from __future__ import annotations

from kb.html_text import html_to_text
from kb.ingest import ingest_text
from kb.markers import match_marker
from kb.runon import split_points
from kb.segment import split_lines
from kb.title import head_above_repeat, issuers_of_title, title_of


def _doc(text: str, fmt: str = "txt"):
    ing = ingest_text(text, f"test.{fmt}", fmt)
    return ing.document, [c.path for c in ing.clauses if c.path]


def test_forwarding_and_reply_titles_keep_their_head():
    assert title_of("国务院办公厅转发民政部关于清理整顿社会团体意见的通知") == "国务院办公厅转发民政部关于清理整顿社会团体意见的通知"
    assert title_of("劳动部办公厅对《关于临时工等问题的请示》的复函") == "劳动部办公厅对《关于临时工等问题的请示》的复函"
    assert title_of("浙江省物价局、省财政厅关于收费问题的通知（浙价费〔2007〕136号）") == "关于收费问题的通知"
    assert issuers_of_title("浙江省物价局、省财政厅关于收费问题的通知") == ["浙江省物价局", "省财政厅"]
    assert issuers_of_title("教育部《学生实习管理规定》") == ["教育部"]
    assert issuers_of_title("国务院办公厅转发民政部关于清理整顿的通知") == []


def test_a_number_and_issuer_above_a_repeated_title():
    lines = ["关于印发《某指引》的函", "发布机构", "某市住房和城乡建设管理委员会", "沪建综规〔2025〕449号",
             "某市住房和城乡建设管理委员会", "关于印发《某指引》的函", "各有关单位："]
    assert head_above_repeat(lines, "关于印发《某指引》的函") == ("沪建综规〔2025〕449号", ["某市住房和城乡建设管理委员会"])
    assert head_above_repeat(lines[:1], "关于印发《某指引》的函") == ("", [])


def test_quoted_articles_are_not_units():
    assert match_marker("第九十九条规定：“违反本法规定……”") is None
    assert match_marker("第八十一条第一款规定：“排放油烟的……”") is None
    assert match_marker("第十条　为了加强管理，制定本办法。")[1] == "第十条"
    assert match_marker("１．比重法即根据调查资料")[1] == "1."


def test_a_one_line_body_is_split_where_its_paragraphs_start():
    body = ("各县、区人民政府，市政府各部门：现将《某市储备粮管理办法》印发给你们，请认真贯彻落实。某市人民政府2023年9月5日"
            "（此件公开发布）某市储备粮管理办法第一章  总 则第一条  为加强储备粮管理，制定本办法。"
            + "".join(f"第{n}条  本办法所称储备粮应当依法管理，具体事项由市发展改革委负责组织实施和监督检查。" for n in ("二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四", "十五", "十六", "十七"))
            + "第二章  附 则第十八条  本办法自印发之日起施行。")
    lines = [ln.text for ln in split_lines(body)]
    assert "某市人民政府" in lines and "2023年9月5日" in lines and "（此件公开发布）" in lines
    assert "第一章  总 则" in lines and any(ln.startswith("第十八条") for ln in lines)
    doc, paths = _doc("某市人民政府关于印发某市储备粮管理办法的通知\n" + body)
    assert doc.date == "2023-09-05" and "第一章第一条" in paths and "第二章第十八条" in paths


def test_a_heading_run_into_its_first_measure_and_one_line_parts():
    assert split_points("一、扩大交易主体（一）非金融企业符合以下条件的，可以申请：") == [len("一、扩大交易主体")]
    text = "某某通知\n一、扩大交易主体（一）企业可以申请。\n（二）机构可以申请。\n二、元旦：1月1日放假。\n三、春节：2月放假，共7天。\n"
    _, paths = _doc(text)
    assert {"一、（一）", "一、（二）", "二、", "三、"} <= set(paths)


def test_a_glued_signature_is_split_into_its_names_and_date():
    doc, _ = _doc("浙江省物价局、省财政厅关于收费问题的通知\n各市物价局：\n现将有关问题通知如下。\n一、按标准收费。\n"
                  "浙江省物价局浙江省财政厅二○○七年五月八日\n")
    assert doc.date == "2007-05-08" and doc.issuers == ["浙江省物价局", "浙江省财政厅"]


def test_a_text_origin_page_keeps_its_paragraphs():
    html = "<div>为规范管理，制定本办法。\n  一、评价对象\n\u3000\u3000（一）各县（市）、区人民政府；\n\n二、评价内容</div>"
    assert html_to_text(html).split("\n") == ["为规范管理，制定本办法。", "一、评价对象", "（一）各县（市）、区人民政府；",
                                              "二、评价内容"]


def test_front_matter_in_chinese_states_title_and_number():
    md = ("---\n标题: 某区人民政府关于印发某方案的通知\n文号: 某府发〔2024〕3号\n发布单位: 某区人民政府\n发布日期: 2024-05-01\n---\n\n"
          "> 本文正文由脚本自官方公开页面提取，仅供检索查阅；以官方发布版本为准。\n\n# 某区人民政府关于印发某方案的通知\n\n各街道：\n\n现印发给你们。\n")
    doc, _ = _doc(md, "md")
    assert doc.doc_number == "某府发〔2024〕3号" and doc.title == "关于印发某方案的通知"
    assert doc.date == "" and doc.issuers == ["某区人民政府"]


def test_an_author_from_english_front_matter_is_inferred_and_says_so_in_chinese():
    md = "---\ntitle: 某市关于支持企业发展的若干措施\nauthor: 某市人民政府办公室\n---\n\n一、加大支持。\n二、强化保障。\n"
    doc, _ = _doc(md, "md")
    assert doc.issuers == ["某市人民政府办公室"] and doc.field_provenance("issuers") == "inferred"
    assert doc.provenance["issuers"].evidence.startswith("文件元数据：作者") and "author" not in doc.provenance["issuers"].evidence


def test_attachment_tables_are_not_outlined():
    cells = "\n".join(["收费项目", "主干道", "0.80-1.50", "其他道路", "0.60-1.10", "县所在地", "0.50-1.00", "0.30-0.60"])
    text = f"某通知\n一、按标准收费。\n二、本通知自发布之日起执行。\n附件1：\n{cells}\n说明：1、不足1平方米的按1平方米计收。\n2、擅自占用的处罚。\n"
    _, paths = _doc(text)
    assert paths == ["一、", "二、"]


def test_a_long_paragraph_enumerating_measures_inline_stays_one():
    line = "三、保障措施。各地要加强组织领导，主要包括：" + "；".join(
        f"（{n}）健全工作机制，明确部门职责分工，加强统筹协调和督促检查，确保各项任务按期完成并取得实效，定期报告进展情况和存在问题" for n in "一二三四五六七八九十") + "。"
    assert len(line) > 600 and split_points(line) == []


def test_a_notice_issuing_a_named_text_is_not_a_news_release():
    # "关于印发《X》的通知", its 文号, addressee and signature, then X's own title: the notice is the document's
    # head (its 文号, issuer and date count), not a press-release wrapper around X.
    text = ("# 关于印发《某市专家库管理办法》的通知\n\n某科规〔2025〕5号\n\n各有关单位：\n\n现将《某市专家库管理办法》印发给你们，"
            "请遵照执行。\n\n某市科学技术委员会\n\n2025年7月28日\n\n**某市专家库管理办法**\n\n第一条 为了规范管理，制定本办法。\n\n"
            "第二条 本办法自2025年9月1日起施行。\n")
    doc, paths = _doc(text, "md")
    assert (doc.title, doc.doc_number, doc.date) == ("关于印发《某市专家库管理办法》的通知", "某科规〔2025〕5号", "2025-07-28")
    assert doc.issuers == ["某市科学技术委员会"] and paths == ["第一条", "第二条"]
    # A news headline over prose stays a release.
    news = ("某部联合印发《关于支持某业的指导意见》\n\n近日，某部联合印发《关于支持某业的指导意见》（以下简称《意见》）。\n\n"
            "关于支持某业的指导意见\n\n各省、自治区、直辖市人民政府：\n\n一、总体要求\n\n到2027年，体系基本成熟。\n")
    ing = ingest_text(news, "test.txt", "txt")
    assert any(c.kind == "release" for c in ing.clauses)


def test_a_thematic_break_ends_the_paragraph_above():
    doc, _ = _doc("# 关于某事的通知\n\n**检索关键词**: 人工智能, 北斗\n\n---\n\n某科规〔2025〕2号\n\n各有关单位：\n\n现通知如下。\n", "md")
    assert doc.doc_number == "某科规〔2025〕2号"


def test_a_title_issuing_a_quoted_text_and_a_file_headed_with_the_issued_text():
    doc, _ = _doc("某市人民政府办公厅印发《关于加快某业发展的若干意见》\n\n某府办发〔2025〕11号\n\n各区人民政府：\n\n"
                  "为加快发展，现提出如下意见。\n\n一、提升供给\n\n某市人民政府办公厅\n\n2025年5月17日\n")
    assert (doc.title, doc.doc_number) == ("某市人民政府办公厅印发《关于加快某业发展的若干意见》", "某府办发〔2025〕11号")
    # The file's heading names the regulation; the notice issuing it follows: the notice is the title.
    doc, _ = _doc("# 某服务管理规定\n\n**发布机构**: 某部\n\n---\n\n## 政策全文\n\n关于印发《某服务管理规定》的通知\n\n某办发〔2025〕1号\n\n各省：\n\n"
                  "现将《某服务管理规定》印发给你们。\n\n某部\n\n2025年4月23日\n\n某服务管理规定\n\n第一条 为了规范，制定本规定。\n", "md")
    assert doc.title == "关于印发《某服务管理规定》的通知"
    # Two lines that are each a whole title are not one title wrapped over lines.
    doc, _ = _doc("# 某服务管理规定\n\n关于印发《某服务管理规定》的通知\n\n某办发〔2025〕1号\n\n各省：\n\n现将《某服务管理规定》印发给你们。\n", "md")
    assert doc.title == "关于印发《某服务管理规定》的通知"



def test_a_draft_mark_between_title_lines_is_no_part_of_the_title():
    from kb.title import splits_title

    assert all(splits_title(m) for m in ("（征求意见稿）", "(送审稿)", "（讨论稿）", "草案")) and not splits_title("（试行）")
