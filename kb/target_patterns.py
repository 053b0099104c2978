"""The rules of target extraction as a table of regexes and word lists (kb/targets.py applies them)."""

from __future__ import annotations

import re

from .quantities import CN_DIGITS, NUM, UNIT
from .text import alternation

# ---------------------------------------------------------------------------
# Rules, as a small table of regexes. Matching runs on a *compact* view of the
# clause: whitespace removed (PDF text breaks lines mid-word and puts spaces
# around numbers: "不超过 3 个百分点") and full-width digits/％/（）/－ mapped to
# ASCII one character for one, so offsets map straight back to the original.
#
# What counts as a target:
#   * an amount, rate or multiple (元/万元/亿元/美元…, %, 个百分点, 基点, 倍):
#     always, with or without a comparator, since statistics such as
#     "贷款余额14.24亿元，占比9.88%" are what the targets are measured against;
#   * a count or duration (年, 月, 天, 户, 家, 个, 条, 项, 笔, 次 …): only with a
#     comparator (不超过3年, 三年内, 10家以上, 新增5户). So "17条优势产业链",
#     "4大产业集群", "两个毫不动摇", "一月一链" are not targets;
#   * never a date (2020年6月末, 2024年, 2023-2025年: four-digit 19xx/20xx before
#     年/月/日), a 文号 (〔2024〕5号: 号 is no unit), an outline marker ((一), 1.)
#     or a number glued to Latin letters (5G, ICP备05070218号);
#   * qualitative comparisons staff still compare across documents:
#     "增速不低于各项贷款平均增速", "利率低于去年同期水平" (value None), and
#     directed changes of a ratio or rate such as "适度提高不良贷款容忍度",
#     "合理提高信用贷款比例" (value None, comparator 适度提高 / 合理提高);
#     the latter only in phrases holding no numeric target.
#   * a range "1%-3%" gives two targets: 不低于1% and 不超过3%.
# ---------------------------------------------------------------------------


# Phrase boundaries (the compact text keeps full-width commas etc. as they are), as a set and as the body of a
# regex character class.
_BOUNDARY = frozenset("，,；;。！？!?：:")
_BOUNDARY_CHARS = re.escape("".join(sorted(_BOUNDARY)))
_BOUNDARY_RE = re.compile(f"[{_BOUNDARY_CHARS}]")

# The bounds most comparators are made of; each context below adds its own words.
_BOUNDS = ("不低于", "不少于", "不超过", "不高于", "低于", "高于")
# Comparator before the number ("最高不超过" means no more than "不超过").
_PRE_WORDS = (
    *_BOUNDS, "最高不超过", "最多不超过", "最低不低于", "原则上不超过", "不得超过", "不能超过", "不能低于", "不能少于", "不得低于", "不应低于", "不宜超过",
    "不大于", "不小于", "不多于", "最高", "最低", "最多", "至少", "超过", "少于", "多于",
    "提高到", "提高至", "提升到", "提升至", "增加到", "增加至", "增长到", "增长至", "增至", "降至", "降到", "降低到",
    "降低至", "下降到", "下降至", "缩短至", "缩短到", "延长至", "延长到", "达到", "突破", "控制在", "稳定在", "保持在",
    "新增", "累计", "大约", "约", "逾", "年满", "满", "连续", "最高可至", "最高可达", "最高达", "超", "达",
    "不得少于", "不应少于", "不宜少于", "不宜低于", "不得多于", "不足", "未满", "不满", "未逾", "未超过", "已满",
    "最高给予", "最高可给予", "最多给予", "最高连续", "最长连续", "最多可延长", "最长可延长",
)
_PRE = alternation(_PRE_WORDS)
# Comparator right after the unit; when present it states the bound, so it wins.
_SUF = alternation(("及以上", "及以下", "以上", "以下", "以内", "之内", "内", "左右"))
_RANGE_SEP = r"[-－~～—至到]"
# A subject that is only a bound word (以上40%) names nothing.
_BOUND_ONLY = frozenset(("", *_PRE_WORDS, "及以上", "及以下", "以上", "以下", "以内", "之内", "左右"))


def _firsts(*words: tuple[str, ...]) -> str:
    """The characters the words start with, for a lookahead on where a match can start."""
    return "".join(sorted({w[0] for group in words for w in group}))



def _bounded(quantity: str, starts: str) -> re.Pattern[str]:
    """A quantity with its optional comparator before (group `pre`) and bound after (group `suf`). The pattern
    starts with a lookahead on the characters a match can start with (a comparator's or `starts`): it changes
    no match, and lets the engine reject most positions with one test, where the optional group of many
    comparators is otherwise tried (and fails) at every position of every clause."""
    return re.compile(rf"(?=[{_firsts(_PRE_WORDS)}{starts}])(?P<pre>{_PRE})?{quantity}(?P<suf>{_SUF})?")


_NUMERIC_RE = _bounded(
    rf"(?:等值|人民币)?(?<![A-Za-z\d.{CN_DIGITS}第%])(?<!\d,)(?P<n1>{NUM})(?:(?P<u1>{UNIT})?{_RANGE_SEP}(?P<n2>{NUM}))?"
    rf"(?P<unit>{UNIT})(?![A-Za-z])(?:\([^()]{{1,8}}\))?",
    rf"\d{CN_DIGITS}等人",
)
# 百分之三十 → 30 %.
_PERCENT_WORDS_RE = _bounded(rf"百分之(?P<n1>{NUM})", "百")
# 占总课时一半以上, 超过一半 → 50 %: half is a share too (一半左右 as well; with no bound, 各承担一半, it is no target).
_HALF_RE = _bounded(r"(?<![\d一二三四五六七八九十百千万])一半", "一")
# 三分之二 → 66.67 %: a fraction is a share.
_SHARE_OF = rf"\d{{1,3}}|[{CN_DIGITS}]{{1,3}}"
# 万分之零点五 → 0.005 %, 千分之一 → 0.1 %: a tax rate written in words.
_PER_MILLE_RE = _bounded(rf"(?P<d>万|千)分之(?P<n>[{CN_DIGITS}]{{1,3}}(?:点[{CN_DIGITS}]{{1,3}})?)", "万千")
_FRACTION_RE = _bounded(rf"(?<![\d{CN_DIGITS}])(?P<d>{_SHARE_OF})分之(?P<n>{_SHARE_OF})", rf"\d{CN_DIGITS}")
# 最高分值为20分, 上限为50万元: the bound is in the subject, the number follows 为.
_BOUND_WORDS = {"最高": "不超过", "最多": "不超过", "上限": "不超过", "最长": "不超过", "最低": "不低于", "最少": "不低于",
                "下限": "不低于", "最短": "不低于"}
_BOUND_IN_SUBJECT_RE = re.compile(rf"(?P<w>{alternation(_BOUND_WORDS)})[^，,；;。:：]{{0,8}}?(?:为|是)$")
# 每人分摊的额度不能超过每月(1000元): a bound, then the period the amount is counted in.
_BOUND_BEFORE_PERIOD_RE = re.compile(rf"(?P<w>{_PRE})每(?:人每|户每)?(?:月|年|季度|日|天)$")
_BOUND_END_RE = re.compile(rf"{_PRE}$")
# 在80000元(限额内)据实扣除: an amount as the cap it is within.
_WITHIN_CAP = ("限额内", "限额以内", "额度内")
# 入围生产企业为(2家)的，采取议价采购: a count that selects a treatment is a criterion.
_CASE_BEFORE_RE = re.compile(r"(?:为|只有|仅有)$")
_CASE_AFTER_RE = re.compile(r"的[，,]")
# 执行期限(12年), 周期为(1年): a term stated as a figure (not 有效期, a validity period, nor 保存期, see target_scope).
_TERM_BEFORE_RE = re.compile(r"(?:执行期限|期限|周期|年限|时限)(?:为|是)?$|(?:时间|时长)(?:一般|原则上)?为$")
# 每满1年积2分, 每满10万元: the unit of a rate, not a target.
_PER_BEFORE_RE = re.compile(r"每$")
# 1000万元及以上至5000万元: the upper end of a range of counts has no comparator of its own.
_RANGE_OPEN_RE = re.compile(rf"(?:及以上|以上){_RANGE_SEP}$")
# 处5万元罚款, 责令改正: sums in a sentence that sanctions are penalties, not targets.
_PENALTY_RE = re.compile(alternation(("罚款", "罚金", "没收", "吊销", "责令", "闲置费", "无偿收回", "拘留", "拘役", "徒刑")))
# 10%或者10万吨以上: alternatives share the bound written after the last of them.
_ALTERNATIVE_GAPS = frozenset({"或者", "或", "以及"})
# 且其中70%以上应当是…: a part of the previous subject.
_OF_WHICH_RE = re.compile(r"(?:且|并|而)?其中")

# What a qualitative comparison compares with: 平均增速, 去年同期, 全省.
_LAST_YEAR = ("上年", "去年", "上一年")
_REFERENCE_WORDS = ("平均增速", "平均水平", "增速", "水平", "同期", *_LAST_YEAR, "全国", "全省", "全市", "全县", "全区",
                    "总投资", "支持力度", "标准")  # 不超过项目总投资, 不高于…需求响应支持力度, 不得低于当地最低工资标准
# 增速不低于各项贷款平均增速: a comparator followed by a reference, not a number.
_QUAL_CMP_RE = re.compile(
    rf"(?P<cmp>{alternation(_BOUNDS, ('不得低于', '明显高于', '明显低于', '快于', '不慢于'))})"
    rf"(?![\d一二两三四五六七八九十百])(?=[^\d{_BOUNDARY_CHARS}%]{{0,20}}?"
    rf"(?:{alternation(_REFERENCE_WORDS)}|(?:的比例|基金|机构\))(?=$|[{_BOUNDARY_CHARS}])))"
)
# 适度提高制造业不良贷款容忍度: a directed change of a ratio or rate.
_DIR_ADVERBS = ("适度", "适当", "合理", "稳步", "逐步", "大幅度", "大幅", "持续", "进一步", "有效")
_DIR_VERBS = ("提高", "降低", "提升", "下调", "上调", "压降", "下降", "放大")
_RATIOS = ("不良贷款容忍度", "容忍度", "抵质押率", "质押率", "抵押率", "比例", "占比", "比重", "费率", "利率", "增速", "权重",
           "倍数")
_QUAL_DIR_RE = re.compile(
    rf"(?=[{_firsts(_DIR_ADVERBS, _DIR_VERBS)}])(?P<cmp>{alternation(_DIR_ADVERBS)}?{alternation(_DIR_VERBS)})"
    rf"(?P<np>[^\d{_BOUNDARY_CHARS}%]{{0,16}}?{alternation(_RATIOS)})"
)

# What a qualitative comparison compares with ends with one of these (its last occurrence in the phrase).
_REFERENCE_END_RE = re.compile(rf"{alternation(_REFERENCE_WORDS, ('平均值', '增幅', '的比例'))}|(?:基金|机构)\)?")
_MAX_REFERENCE = 24
# 较各项贷款不良率提高: the reference of a relative target, and the direction of the change.
_UP_VERBS = ("提高", "提升", "增加", "增长", "高出", "上升", "上浮")
_DOWN_VERBS = ("降低", "下降", "减少", "下浮", "压降")
_COMPARED_WITH = ("可较", "相较于", "相较", "相比于", "相比", "较")
_RELATIVE_RE = re.compile(
    rf"(?:{alternation(_COMPARED_WITH)}|比(?={alternation(_LAST_YEAR, ('年初', '同期'))}))(?P<ref>.{{1,20}}?)"
    rf"(?P<verb>{alternation(_UP_VERBS, _DOWN_VERBS)})?$"
)
# 推动制造业贷款规模和比重合理增长: a ratio, then its directed change (not 比重提高到…, 占比提高2个百分点).
_QUAL_DIR_AFTER_RE = re.compile(rf"(?=[{_firsts(_RATIOS)}])(?P<ratio>{alternation(_RATIOS)})(?P<cmp>{alternation(_DIR_ADVERBS)}?"
                                rf"{alternation(_UP_VERBS, _DOWN_VERBS)})(?![\d{CN_DIGITS}到至])")

# Deadlines in the sentence before a target: 到2027年, 至2025年末, 2025年底前, 三年内.
_YEAR_MONTH = r"(?:19|20)\d{2}年(?:\d{1,2}月)?"
_BY_YEAR = rf"{_YEAR_MONTH}(?:底|末|年底|年末)?前?"  # 2027年, 2025年6月末, 2025年底前
_BY = "(?:到|至|在|于)"
_DEADLINE_RE = re.compile(
    rf"(?<!截){_BY}{_BY_YEAR}|{_YEAR_MONTH}(?:底|末)?前|(?<![\d{CN_DIGITS}]){NUM}(?:年|个月)(?:以内|之内|内)")
_DEADLINE_LEAD_RE = re.compile(rf"^(?:力争|争取|确保)?{_BY}?{_BY_YEAR}")
_SENTENCE_END_RE = re.compile(r"[。；;！？!?]")

# What a sum paid out is (给予企业30万元奖励).
_AWARDS = ("奖励", "补贴", "补助", "贴息", "奖补", "资助", "配套资助", "一次性资助")
# Kinds, by the words of the phrase. A criterion says what qualifies or what a product or subsidy is (认定标准,
# 单户, 额度, 给予补贴); a baseline states where things are (截至…末); a goal is what the document wants to reach.
_CRITERION_RE = re.compile(alternation(
    ("认定标准", "标准", "额度", "限额", "上限", "下限", "期限", "单户", "单笔", "单个", "单家", "每户", "每笔", "每家"), _AWARDS,
    ("给予", "门槛", "条件", "符合", "申请", "罚款", "处罚")))
_FIRM_GOAL_RE = re.compile(alternation(("力争", "确保", "努力", "争取", "目标")))
_BASELINE_RE = re.compile(alternation(("截至", "截止", "目前", "当前", "现有", "已达", "已累计")))
# A document that reports what happened (统计公报, 统计年鉴, 国民经济和社会发展…公报): its figures are statistics.
_REPORT_TITLE_RE = re.compile(r"统计(?:公报|年鉴|快报|月报|季报|提要|资料)|国民经济和社会发展.{0,8}公报")
# 扣除标准为每月(1500元), 补贴每人每年(600元): the period an amount is paid for, at the end of its subject.
_PERIOD_END_RE = re.compile(r"(每(?:人每|户每)?(?:月|年|季度|日|天))$")
# 电价调整为每千瓦时(0.5569元), 每吨(100元): a price per physical unit written before the figure, 元/千瓦时 as 0.5569元/千瓦时.
_PER_UNIT_BEFORE_RE = re.compile(r"每(?P<u>千瓦时|kWh|度|吨|亩|平方米|立方米|公里|千瓦)(?:增加|提高|降低|减少|上浮|下浮)?$")
# 保费补贴时间按保险期限据实核算，不超过3年: the subject is the previous phrase's head, before its verb.
_NUMBER_THEN_DE_RE = re.compile(r"\d[^的]{0,40}的")
_HEAD_CUT_RE = re.compile(r"按照|按|由|通过|根据|依据|采取|实行|实施|参照|以(?![上下内])")

_QUANTIFIER_UNITS = frozenset({"个", "人", "名", "次", "项", "家"})
_CJK_NOT_DE = re.compile(r"[\u4e00-\u9fff](?<!的)")
_DURATION_UNITS = frozenset({"年", "月", "个月", "天", "日", "周", "个工作日"})
# 于目录更新后(30天内), 自收到通知之日起(30个工作日内): days counted from an event are a procedure's time limit, no target.
_DAY_UNITS = frozenset({"天", "日", "个工作日", "工作日", "小时"})
# 在四十八小时内不能栽植的, 2—3年内调整到位: "X内" in these units may be the time an action takes.
_WITHIN_UNITS = _DURATION_UNITS | {"小时"}
_EVENT_START_RE = re.compile(r"(?:后|之日起|日起|起算)的?$")
_SUFFIX_NAMES = {"及以上": "以上", "及以下": "以下", "之内": "以内", "内": "以内", "左右": "约"}
_PREFIX_NAMES = {
    "最高不超过": "不超过", "最多不超过": "不超过", "原则上不超过": "不超过", "不得超过": "不超过",
    "不宜超过": "不超过", "最高可至": "不超过", "最高可达": "不超过", "不能超过": "不超过", "最高达": "不超过", "突破": "超过", "逾": "超过",
    "超": "超过", "达": "达到", "最低不低于": "不低于", "不得低于": "不低于", "不应低于": "不低于",
    "不得少于": "不少于", "不能低于": "不低于", "不能少于": "不少于", "大约": "约", "年满": "满",
    "不应少于": "不少于", "不宜少于": "不少于", "不宜低于": "不低于", "不得多于": "不多于",
    "不足": "少于", "未满": "少于", "不满": "少于",  # 未满18周岁, 不足十分之一: below the figure
    "未逾": "不超过", "未超过": "不超过", "已满": "满",
    "最高给予": "不超过", "最高可给予": "不超过", "最多给予": "不超过",  # 年度最高给予500万元资助
    "最多可延长": "不超过", "最长可延长": "不超过",  # 最多可延长2个月
    "最高连续": "不超过", "最长连续": "不超过",  # 给予最高连续三年租金资助: up to three years  # 自解除职务之日起未逾五年: not beyond it
}

_MAX_PHRASE = 160  # longer runs without punctuation are clipped around the number
MAX_TARGETS = 1000  # a "clause" with more is not a clause; stop there rather than crawl

# Metric = the noun phrase before the comparator, with lead-in verbs and links trimmed.
_LEAD_IN_WORDS = (
    "力争", "努力实现", "努力", "实现", "确保", "推动", "保持", "使得", "使", "争取", "原则上", "要求", "要", "须", "应",
    "按照", "按", "其中", "同时", "但是", "但", "即", "设立", "并", "且", "及", "和", "与", "对", "可", "在", "由", "抓住", "到",
    "至", "全年", "每年", "力求", "将", "参照", "依照", "依据", "根据", "其", "处", "并处", "可处", "给予", "分别",
    "完成", "实施", "推进", "启动",
)
_LEAD_IN_RE = re.compile(f"^{alternation(_LEAD_IN_WORDS)}+")
# 引导合作机构逐步将平均担保费率(降至…), 有条件的地方可对单户担保金额(…以下), 且亩均税收(达到…): the subject
# follows the last 将/把, a modal 对, or 且; 本办法所称被赡养人(是指…): the defined term.
_SUBJECT_CUT_RE = re.compile(r"将|把|(?:可|应|要|须|并|均)对|且|所称")
# 第1条, （一）, 一、, 1. at the start of a subject: where it sits, not what it measures.
_OUTLINE_LEAD_RE = re.compile(r"^(?:第[\d一二三四五六七八九十百]+条|[(（][\d一二三四五六七八九十]+[)）]|[一二三四五六七八九十]+、|\d+[.、])")
# 不高于承担风险责任(的0.5%): a bound on a share of something, the comparator before the base.
_SHARE_BOUNDS = (*_BOUNDS, "原则上不高于", "不得超过", "不得低于", "不得少于", "少于", "超过", "为", "占")
_SHARE_RE = re.compile(rf"^(?P<subj>.*?)(?P<cmp>{alternation(_SHARE_BOUNDS)})(?P<base>.{{2,20}})的$")
# 分别按应奖励额(的30%)…对企业进行奖励, 按罚款金额(的1%)奖励: a share of a base the payment is reckoned on, no bound
# (a base holding a bound or a grant verb is no base: 按规定给予不超过总投资的20% keeps its bound).
_SHARE_BY_RE = re.compile(
    rf"^(?P<subj>.*?)(?P<cmp>按照|按)(?!规定|照)(?P<base>(?:(?!{alternation(_BOUNDS, ('给予', '予以', '不得'))})"
    rf"[^的{_BOUNDARY_CHARS}]){{2,24}}(?:的[^的{_BOUNDARY_CHARS}]{{2,24}})?)的$")  # 按其实际支付的展位费、差旅费(的50%)
# 可返还其上年度实际缴纳失业保险费(的50%): a share named by what pays it, before its base.
_SHARE_PAID_BEFORE_RE = re.compile(rf"^(?P<subj>.*?)(?P<cmp>返还|补贴|资助|奖励|扣除)其?(?P<base>[^的{_BOUNDARY_CHARS}]{{2,20}})的$")
# 给予不超过总投入(30%): a percentage right after its base, with no 的; a bound, not 为/占.
_SHARE_BARE_RE = re.compile(
    rf"^(?P<subj>.*?)(?P<cmp>{alternation(_BOUNDS[:4], ('原则上不高于', '不得超过', '不得低于'))})(?P<base>[^的]{{2,12}})$")
# 1万元以上3万元以下, 1000万元及以上至5000万元: two bounds of one range; between them nothing or 至/到/-.
_RANGE_GAPS = frozenset({"", "至", "到", "-", "~", "—"})
# 1000万元及以上至5000万元、5000万元以上至1亿元: tiers of one list share the subject; between them only these.
_TIER_GAP_CHARS = frozenset("、，,和或及与至到/")  # 0.5MW/1MWh: power and capacity of one subject
# 处1万元以上3万元以下罚款, 给予企业30万元奖励: a sum (or a list of sums) followed by what it is, which names it.
_MORE_SUMS = rf"(?:[、和及与或]{NUM}{UNIT})*"
# 给予单个项目最高1000万元支持: 支持 names the payment only where its phrase ends (not 1000万元支持企业发展).
_PAYMENT_AFTER_RE = re.compile(rf"{_MORE_SUMS}(?:的)?({alternation(('罚款',), _AWARDS)}|支持(?=$|[{_BOUNDARY_CHARS}]))")
# ……30%、30%和40%对企业进行奖励: the payment named after a verb, when nothing before the number names it.
# 给予不超过总投入30%、最高3000万元的经费支持: what a grant verb gives is named after the sums, after 的.
_GRANT_VERB_RE = re.compile(alternation(("给予", "予以", "提供", "安排")))
_GRANT_AFTER_RE = re.compile(
    rf"(?:[、和及与或](?:{_PRE})?{NUM}{UNIT})*的(?P<thing>[\u4e00-\u9fff]{{0,6}}?"
    rf"{alternation(('经费支持', '资金支持', '经费', '资金', '资助', '支持'), _AWARDS)})(?=$|[{_BOUNDARY_CHARS}])")
# 打造3-5个产销联合体, 建设产业集聚区3个: a count a document sets out to build is a goal without a comparator.
_BUILD_VERBS = alternation(("打造", "建成", "建设", "建立", "培育", "新建", "创建", "组建", "选育", "引进", "引育", "完成", "实施",
                            "推进", "启动", "形成", "制定", "开拓", "推广"))
_BUILD_VERB_RE = re.compile(_BUILD_VERBS + r"(?![部厅局委])")  # not 住房城乡建设部, a body's name
_BUILD_ADVERBS = alternation(("初步", "基本", "全面", "累计", "重点", "新"))
_BUILD_ONLY_RE = re.compile(rf"^{_BUILD_ADVERBS}?{_BUILD_VERBS}(?:或{_BUILD_VERBS})*$")
_BUILD_END_RE = re.compile(rf"{_BUILD_VERBS}$")
# 1.绿色工厂（200个）。: a count in brackets closing a named item is that item's count; a bracket inside a phrase
# (短时削峰能力（2小时左右）达到…) qualifies its subject.
_ITEM_NAME_RE = re.compile(rf"(?:^|(?<=[.。、{_BOUNDARY_CHARS}]))(?P<name>[^.。、()\d{_BOUNDARY_CHARS}]{{2,16}})\($")
_ITEM_END_RE = re.compile(rf"$|[.。{_BOUNDARY_CHARS}]")
# 打造百家领军企业, 形成百项标志性产品: a round number in words counts like figures after a verb of building
# (培育一家龙头机构, 走进千家万户 do not).
_ROUND_WORDS = frozenset({"百", "千"})
# 打造3-5个(产后初加工和配送服务一体化的区域性产销联合体): what is counted follows the count; not "100人的企业…" (a
# count followed by 的 qualifies what follows), and no figures in what is counted; 建设50所(学校)和150个专业: a list.
_LIST_CONJ = "和及与"
_COUNTED_AFTER_RE = re.compile(
    rf"(?:(?:以上|左右)的?)?(?P<thing>(?:“[^”]{{1,12}}”|[^{_BOUNDARY_CHARS}、的\d“])(?:“[^”]{{1,12}}”|[^{_BOUNDARY_CHARS}、\d“]){{1,23}})"
    rf"(?=$|[{_BOUNDARY_CHARS}]|[{_LIST_CONJ}、]\d)")
# 花生种植、收获机械化率分别达到65%和55%, 马铃薯种植、收获机械化率均达到45%: values for coordinated subjects.
_EACH_RE = re.compile(r"分别(?:按照|按)?$|均$")  # 竞价上下限分别按0.4012元、0.2元(确定): each in turn
_PAID_BY_VERB_RE = re.compile(rf"{_MORE_SUMS}(?:(?:对|向|给予)(?:企业|其|项目)?)(?:进行|给予)?({alternation(_AWARDS)})")
_LEAD_OUT_WORDS = ("的", "可", "要", "应", "将", "为", "在", "均", "达", "一般", "只有", "仅有", "提高", "降低", "提升", "增长", "下降", "明显",
                   "显著", "持续", "稳步", "不断", "力争", "争取", "保持", "按", "是指", "应有", "应当有", "最长", "最短",
                   "调整为", "调整到", "调整至", "核定为", "确定为")
# A run of these words at the end. The look-behinds (one per word length: Python's must be fixed-width) keep
# the search from starting inside a run, where it would rescan the run once per character (quadratic); the
# leftmost match never starts after such a word, so the result is the same.
_LEAD_OUT_RE = re.compile(
    "".join(f"(?<!{alternation(w for w in _LEAD_OUT_WORDS if len(w) == n)})"
            for n in sorted({len(w) for w in _LEAD_OUT_WORDS}))
    + f"{alternation(_LEAD_OUT_WORDS)}+$"
)
_COMPARE_CUT_RE = re.compile(alternation(_COMPARED_WITH, ("从",)))
_METRIC_AFTER_RE = re.compile(r"(?:的)?(额度|规模|限额|余额|期限|比例|罚款|奖励|补贴|补助|贴息)")
# 可申请最高不超过15万元(的创业担保贷款), 组织失业青年参加3—12个月(的就业见习): a subject ending in a verb of getting
# or taking part names no measure; what the number qualifies after 的 does.
_VERB_END_RE = re.compile(alternation(("申请", "申领", "参加", "享受", "获得", "取得", "办理", "签订", "允许", "具有")) + "$")
# 总规模不低于1亿元的重点产业发展引导资金: a bare measure word whose thing follows the number after 的.
_BARE_MEASURE_RE = re.compile(r"^(?:总)?(?:规模|金额|额度|总额|面积|数量)$")
_THING_AFTER_RE = re.compile(r"的([\u4e00-\u9fff“”]{2,16}?)(?=[,，;；。:：]|$|列入|用于|并|，)")
_NOUN_AFTER_RE = re.compile(rf"([^\d的、{_BOUNDARY_CHARS}]{{2,12}})(?=的|[{_BOUNDARY_CHARS}]|$)")
# 单户担保金额500万元及以下的小微企业…担保费率不超过1%: the number names a group; the bound is on the group.
# 年产值超100亿元、具备较强国际竞争力的龙头企业(2家): a further attribute may stand between the bound and 的.
_QUALIFIER_AFTER_RE = re.compile(rf"(?:、[^{_BOUNDARY_CHARS}、的\d]{{2,16}})?的[\u4e00-\u9fff“”]")
_QUALIFYING = ("以上", "以下", "以内", "超过")
# Parentheticals inside a subject: 生产性设备(含环保处理等设备)投资总额, 项目(不含房地产住宅类项目).
_PAREN_RE = re.compile(r"[(〔\[][^()〔〕\[\]]*[)〕\]]")
_OPENER_RE = re.compile(r"[(〔\[]")
_RECIPIENT_RE = re.compile(r"(奖励|补贴|补助|奖补)(?:给)?(?:企业|项目)$")
_MAX_METRIC = 24
