"""Query understanding and exact lookups: pure functions over hand-made documents (no build)."""

from __future__ import annotations

import pytest

from kb.lookup import FlatTexts, clause_number, flat, lookup, title_key
from kb.models import Clause, Document
from kb.understand import Lexicon, chinese_number, doc_number_key, region_parts, understand


def _doc(id: str, title: str, region: str = "全国", level: str = "national", issuers=(), number: str = "",
         date: str = "") -> Document:
    return Document(id=id, source=f"{id}.txt", format="txt", encoding="utf-8", sha256="", text="", title=title,
                    issuers=list(issuers), doc_number=number, date=date, level=level, region=region)


def _clause(row: int, doc: str, path: str, text: str) -> Clause:
    return Clause(id=f"c{row}", doc_id=doc, source=f"{doc}.txt", ordinal=row, kind="measure", path=path,
                  heading="", parents=[], text=text, start=0, end=len(text), row=row)


DOCS = [
    _doc("a", "关于深化制造业金融服务的通知", issuers=["国家金融监督管理总局", "工业和信息化部", "国家发展改革委"],
         number="金发〔2024〕5号", date="2024-04-03"),
    _doc("b", "关于金融支持新型工业化的指导意见", issuers=["中国人民银行", "工业和信息化部", "财政部", "中国证监会",
                                                     "国家外汇局", "金融监管总局", "国家发展改革委"]),
    _doc("c", "关于金融支持制造业的若干措施", region="河南省洛阳市", level="municipal", issuers=["洛阳市金融工作局"]),
    _doc("d", "关于金融支持制造业高质量发展的意见", region="安徽省池州市东至县", level="county"),
]
CLAUSES = [
    _clause(0, "a", "", "现将有关事项通知如下"),
    _clause(1, "a", "四、（十一）", "（十一）完善机制。严格执行“七不准”要求。"),
    _clause(2, "c", "二、（十一）", "（十一）加强保险保障。"),
    _clause(3, "c", "二、（十二）", "（十二）扩大保险资金运用，“险资入洛”。"),
    _clause(4, "d", "二、（一）1.", "1.稳步提升融资规模。全县贷款增长。"),
]


@pytest.fixture(scope="module")
def lex() -> Lexicon:
    return Lexicon.build(DOCS)


def test_numbers_and_doc_number_variants():
    assert chinese_number("十一") == 11 and chinese_number("二十三") == 23 and chinese_number("7") == 7
    assert chinese_number("百") == 100 and chinese_number("甲") is None
    want = ("金发", "2024", "5")
    for text in ("金发〔2024〕5号", "金发[2024]5号", "金发(2024)5号", "金发（2024）5 号", "金发 〔 2024 〕 05号",
                 "金发【2024】5号", "金发2024年5号"):
        assert doc_number_key(text) == want, text
    assert doc_number_key("没有文号") is None


def test_region_parts():
    assert region_parts("安徽省池州市东至县") == ["安徽省", "池州市", "东至县"]
    assert region_parts("全国") == [] and region_parts("") == []


def test_places_levels_issuers_become_cues_and_leave_the_terms(lex):
    u = understand("洛阳对上市企业有什么奖励", lex)
    assert u.chips == ["地区 洛阳"] and u.values("region") == ["河南省洛阳市"]
    assert "洛阳" not in u.residual and "上市企业" in u.residual
    u = understand("东至县怎么降低企业融资成本", lex)  # a county known only from an indexed document
    assert u.values("region") == ["安徽省池州市东至县"] and u.residual.startswith("怎么降低")
    u = understand("县里制造业贷款余额是多少", lex)
    assert u.values("level") == ["county"] and u.chips == ["层级 县级"]
    u = understand("苏州市级文件里关于保险的规定", lex)  # the suffix 市 is shared by the place and the level
    assert u.values("region") == ["江苏省苏州市"] and u.values("level") == ["municipal"]
    u = understand("央行和工信部2024年的通知", lex)
    assert u.values("issuer") == ["中国人民银行", "工业和信息化部"] and u.values("year") == ["2024"]
    assert u.values("doctype") == ["通知"]
    assert understand("城市里的中小企业", lex).cues == []  # 市里 inside 城市里 is no level


def test_removed_chips_count_again(lex):
    u = understand("洛阳对上市企业有什么奖励", lex)
    again = u.without(["region:河南省洛阳市"])
    assert again.cues == [] and again.residual.startswith("洛阳")


def test_quoted_phrases_paths_and_bodies(lex):
    u = understand("“七不准”和\"四公开\"", lex)
    assert u.values("phrase") == ["七不准", "四公开"]
    u = understand("金发[2024]5号第（十一）条", lex)
    assert u.values("docnumber") == ["金发〔2024〕5号"] and u.values("path") == ["11"]
    assert understand("七部门指导意见", lex).values("bodies") == ["7"]


def test_lookup_by_number_title_short_form_and_path(lex):
    def named(q):
        return lookup(understand(q, lex), DOCS, CLAUSES)

    assert named("金发（2024）5号").documents == ["a"] and named("金发（2024）5号").how == {"a": "文号"}
    assert named("查一下金发[2024]5号").documents == ["a"]
    assert named("金发〔2023〕5号").documents == []
    assert named("《关于金融支持新型工业化的指导意见》").documents == ["b"]
    assert named("金融支持新型工业化").documents == ["b"]  # a piece of exactly one title
    assert named("关于金融支持").documents == []  # a piece of several titles names none
    assert named("七部门指导意见").documents == ["b"]
    assert named("人民银行等部门的指导意见").documents == ["b"]
    assert named("洛阳若干措施").documents == ["c"]
    assert named("金发〔2024〕5号第（十一）条").pinned == [1]
    assert named("洛阳（十二）").pinned == [3]  # one document in scope: the path is inside it
    assert named("（十一）").pinned == []  # a path in no named document names nothing


def test_lookup_quoted_phrases(lex):
    found = lookup(understand("“险资入洛”", lex), DOCS, CLAUSES)
    assert found.phrases == {"险资入洛": [3]} and found.phrase_rows == {3}
    missing = lookup(understand("“不存在的说法”", lex), DOCS, CLAUSES)
    assert missing.missing_phrases == ["不存在的说法"] and missing.phrase_rows == set()


def test_text_keys():
    assert title_key("《关于 金融支持的 通知》") == "关于金融支持的通知"
    assert flat("首台（套）\n **保险**") == "首台套保险" == flat("首台(套)保险")
    assert clause_number("三、（十一）") == 11 and clause_number("第五条") == 5 and clause_number("") is None


def test_order_numbers_subject_and_type_and_quoted_words_of_a_title():
    docs = [*DOCS,
            _doc("e", "广东省碳排放管理试行办法", region="广东省", level="provincial", issuers=["广东省人民政府"],
                 number="粤府令第197号"),
            _doc("f", "关于有效发挥政府性融资担保基金作用切实支持小微企业和“三农”发展的指导意见",
                 issuers=["国务院办公厅"], number="国办发〔2019〕6号")]
    clauses = [*CLAUSES, _clause(5, "f", "一、（三）", "（三）聚焦小微企业和“三农”主体。")]
    lx = Lexicon.build(docs)

    def named(q):
        return lookup(understand(q, lx), docs, clauses)

    assert doc_number_key("粤府令第197号") == ("粤府令", "", "197")
    for q in ("粤府令第197号", "粤府令197号", "广东省人民政府令第197号"):
        assert named(q).documents == ["e"], q
    assert named("粤府令第198号").documents == []
    assert named("碳排放管理办法").documents == ["e"]  # the words before a type, in one title of that type
    assert named("金融支持 意见").documents == []  # a piece several titles hold names none
    titled = named("关于有效发挥政府性融资担保基金作用切实支持小微企业和“三农”发展的指导意见")
    assert titled.documents == ["f"] and titled.phrases == {}  # “三农” is part of the title, not a quotation
    assert named("“三农”").phrases == {"三农": [5]}


def test_flat_texts_find_the_rows_a_scan_finds():
    import random

    rng = random.Random(2)
    for _ in range(2000):
        texts = ["".join(rng.choice("ab融资c") for _ in range(rng.randint(0, 8))) for _ in range(rng.randint(0, 12))]
        found = FlatTexts(lambda texts=texts: texts)
        for phrase in ("", "a", "ab", "融资", "aa", "c融", "abc"):
            assert found.rows_with(phrase) == [i for i, t in enumerate(texts) if phrase and phrase in t]
