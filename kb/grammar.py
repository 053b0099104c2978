"""The written forms of a 公文's own lines, which segmentation and tagging both recognise: dates, signers,
order numbers, 文号, attachments, document types, title grammar, adoption notes, organisation names."""

from __future__ import annotations

import re

# A date as written in documents: 2024年4月3日, or in Chinese numerals 二○二四年四月三日 (signatures).
DATE = (r"(?:\d{4}|[〇○零一二三四五六七八九]{4})\s*年\s*(?:\d{1,2}|[一二三四五六七八九十]{1,2})\s*月"
        r"\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*日")
DATE_LINE = re.compile(rf"^{DATE}\s*$")
# A date in brackets under a title: "（2023年2月8日）", the date of a 党委/政府 document without a signature.
BRACKET_DATE = re.compile(rf"^[（(]\s*{DATE}\s*[）)]$")
# A head of state, government or department signing a 令 or a decision: "总理 李克强", "省长 王某某".
SIGNER = re.compile(
    r"^(?:国务院)?(?:总理|省长|市长|县长|区长|州长|主席|主任|部长|局长|行长|署长|厅长|委员长)\s*[\u4e00-\u9fff·]{2,5}$"
)
# An order's number: "中华人民共和国国务院令" over "第707号", or on one line.
_ORDER = r"(?:中华人民共和国)?[\u4e00-\u9fff]{1,20}令"
_ORDER_SEQ = r"第\s*\d{1,5}\s*号"
ORDER_NUMBER = re.compile(rf"^({_ORDER})\s*[（(]?\s*({_ORDER_SEQ})\s*[）)]?$")
ORDER_HEAD = re.compile(rf"^{_ORDER}$")
ORDER_SEQ = re.compile(rf"^[（(]?{_ORDER_SEQ}[）)]?$")
# A 文号: "国发〔2024〕5号" (brackets of any form, "〔2024〕第5号" too), or a national 公告's "财政部公告2019年第39号".
DOC_NUMBER = re.compile(
    r"[\u4e00-\u9fff]{1,10}\s*(?:[〔\[［【(（]\s*\d{4}\s*[〕\]］】)）]\s*第?|公告\s*\d{4}\s*年\s*第)\s*\d+\s*号"
)
# A 公告's number in its series, on its own line under the title: "（2015）第3号", "〔2015〕第 3 号".
SERIES_NUMBER = re.compile(r"^[〔\[［【(（]\s*\d{4}\s*[〕\]］】)）]\s*第\s*\d{1,4}\s*号$")
# A document forwarding or approving another body's text keeps that in its title: "X转发Y关于…的通知".
FORWARDS = re.compile(r"转发|批转")
RELEASE_HEADLINE = re.compile(r"(印发|发布|出台|公布|联合印发)[^《]{0,10}《(.+?)》")
ATTACHMENT = re.compile(r"^附件\s*\d*\s*[：:]?\s*$")
# The list of attachments after a text: "附件：1.…" and the numbered lines under it. Not outline items.
ATTACHMENT_LIST = re.compile(r"^附件\s*[：:]\s*\S")
# A block after a text that is no part of its outline: notes under a 公报 or a table ("注释：", "注：1.…"), an
# appendix headed on one line ("附：国旗制法说明", "附件2：申报表", "附件3 申报表").
TRAILER = re.compile(
    r"^(?:(?:注|注释|附注|备注)\s*[：:].*|说明\s*[：:]"
    r"|附\s*[：:]\s*[^。；，,：:]{1,40}|附件\s*\d+\s*[：:]?\s*[^。；，,：:\d][^。；，,：:]{0,39})$"
)
# Kinds of document a title names at its end (关于…的通知, …管理办法, …行动方案（2024—2026年）): the 15 kinds of
# 公文 (GB/T 9704: 决议 决定 命令 公报 公告 通告 意见 通知 通报 报告 请示 批复 议案 函 纪要), laws (…法), and the
# forms of regulations, plans and replies offices publish.
DOC_TYPES = (
    "实施意见", "指导意见", "实施方案", "工作方案", "行动方案", "若干措施", "实施细则", "管理办法", "实施办法",
    "意见", "通知", "办法", "方案", "措施", "规定", "细则", "决定", "规划", "计划", "通告", "公告", "批复", "函",
    "条例", "规则", "指引", "要点", "纲要", "章程", "通报", "决议", "清单", "目录", "指南", "政策", "若干条",
    "公报", "大纲", "法", "报告", "请示", "议案", "纪要", "命令", "答复", "公示",
)  # fmt: skip
# A table of contents' heading ("目录", "目  录"): the head of the document ends above it.
CONTENTS_HEADING = re.compile(r"^目\s*录$")
# A title by its grammar: no sentence punctuation, ends with a document type, maybe a bracketed note
# ((试行), (2024—2026年), (征求意见稿)). A line of it may be of any length.
# It may also end with the title of what it issues: "上海市人民政府办公厅印发《关于…的若干意见》".
TITLE_GRAMMAR = re.compile(
    r"^[^。；;！？!?：:]{2,200}?(?:(?:" + "|".join(DOC_TYPES) + r")(?:\s*[（(][^（）()]{1,30}[）)]){0,2}"
    r"|(?:印发|转发|批转)《[^《》。]{2,150}?(?:" + "|".join(DOC_TYPES) + r")(?:\s*[（(][^（）()]{1,30}[）)])?》)$"
)
# A regulation's adoption note: "2020年11月25日江西省第十三届人民代表大会常务委员会第二十五次会议修订".
_CN_ORD = "一二三四五六七八九十百零〇"
ADOPTION = re.compile(
    r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?\s*"  # "2020年9月29广东省…" drops the 日
    rf"(?:([\u4e00-\u9fff]{{0,16}}?)\s*第[{_CN_ORD}]{{1,4}}届\s*(全国)?人民代表大会(常务委员会)?"
    rf"\s*第[{_CN_ORD}]{{1,4}}次(?:全体)?会议"
    rf"|(国务院|[\u4e00-\u9fff]{{1,16}}?人民政府)\s*第\s*(?:\d{{1,4}}|[{_CN_ORD}]{{1,4}})\s*次常务会议"
    rf"|(?:以|经)?((?:中华人民共和国)?[\u4e00-\u9fff]{{1,12}}令)\s*({_ORDER_SEQ}))"
    r"[^，。；\d]{0,80}?(通过|修订|修正|修改|批准|公布|发布)"
)


# What an organisation's name ends with (中国人民银行, 某某市地方金融监督管理局, 某某管委会).
_ORG_SUFFIX = (
    "局", "部", "委", "行", "会", "院", "府", "厅", "室", "处", "办", "署", "中心", "公司", "协会", "管委会",
    "监管局", "分局", "所", "队", "小组",
)


def is_org_line(text: str) -> bool:
    """One or more organisation names separated by spaces, as in a header or signature block."""
    t = text.strip()
    if len(t) > 120 or re.search(r"[。，；：,;:！？、]", t):
        return False
    return all(_is_org_name(n) or DATE_LINE.match(n) for n in t.split())


def _is_org_name(name: str) -> bool:
    """A name ends like an organisation's, holds no date and closes every bracket it opens: the first line
    of a wrapped note "(2003年12月27日第十届全国人民代表大会" ends with 会 but names no one."""
    opened = name.count("（") + name.count("(")
    return (name.endswith(_ORG_SUFFIX) and not re.search(r"\d{4}\s*年", name)
            and opened == name.count("）") + name.count(")"))


def bracketed_issuer(text: str) -> str:
    """The organisation names of a line that is only they in brackets, as a 统计公报 signs under its text
    ("（万载县统计局）"); "" otherwise (a forwarded text's "（民政部 一九九七年一月二十八日）" carries a date)."""
    t = text.strip()
    if t[:1] not in "（(" or t[-1:] not in "）)":
        return ""
    inner = t[1:-1].strip()
    return inner if is_org_line(inner) and not any(DATE_LINE.match(n) for n in inner.split()) else ""
