"""Document metadata extraction on the seeds (catalog switched off) and the catalog's validation and override."""

from __future__ import annotations

import pytest

from kb.catalog import apply_catalog, load_catalog, save_entry
from kb.errors import CatalogError
from kb.ingest import ingest_file
from kb.tag import iso_date

EXPECTED = {
    "000_70838f8e5a3ffbff.txt": dict(
        title="关于金融支持制造业发展的实施意见", level="municipal", region="江苏省苏州市", status="draft",
        doc_number="", date="", references=["省政府关于金融支持制造业发展的若干意见"],
    ),
    "001_3b50df308c9c2e77.txt": dict(
        title="关于深化制造业金融服务助力推进新型工业化的通知", level="national", region="全国", status="final",
        doc_number="金发〔2024〕5号", date="2024-04-03", issuers=["国家金融监督管理总局", "工业和信息化部", "国家发展改革委"],
    ),
    "002_817478271669fba5.txt": dict(
        title="关于金融支持新型工业化的指导意见", level="national", region="全国", status="final", date="2025-07-29",
        issuers=["中国人民银行", "工业和信息化部", "国家发展改革委", "财政部", "金融监管总局", "中国证监会", "国家外汇局"],
    ),
    "003_142beb58a89e468f.txt": dict(
        level="county", region="安徽省池州市东至县", status="final", date="2020-09-17",
        issuers=["东至县人民政府办公室"],
    ),
    "004_b17876d9791bd83c.txt": dict(
        title="关于金融支持制造业优势产业链的若干措施", level="municipal", region="河南省洛阳市", status="draft",
        references=["洛阳市加快打造先进制造业集群着力培育优势产业链工作推进方案（2023-2025年）"],
        issuers=["洛阳市金融工作局"],
    ),
}


@pytest.mark.parametrize("source", sorted(EXPECTED))
def test_seed_metadata_without_catalog(seed_ingested, source):
    doc = seed_ingested[source].document
    for key, value in EXPECTED[source].items():
        assert getattr(doc, key) == value, key
    for key in EXPECTED[source]:
        if getattr(doc, key):
            assert key in doc.provenance and doc.provenance[key].evidence, key  # every tag explains itself


def test_untitled_seed_gets_a_usable_title(seed_ingested):
    doc = seed_ingested["003_142beb58a89e468f.txt"].document
    assert doc.title.startswith("关于") and doc.title.endswith("意见")
    assert doc.provenance["title"].source == "derived"


@pytest.mark.parametrize("raw, iso", [("2024 年 4 月 3 日", "2024-04-03"), ("2020年9月17日", "2020-09-17"),
                                      ("2024-4-3", "2024-04-03"), ("2024年13月1日", ""), ("无日期", "")])
def test_iso_date(raw, iso):
    assert iso_date(raw) == iso


def test_catalog_overrides_extraction(seed_corpus):
    catalog = load_catalog(seed_corpus)
    result = ingest_file(seed_corpus / "003_142beb58a89e468f.txt", catalog_entry=catalog["003_142beb58a89e468f.txt"])
    doc = result.document
    assert doc.title == catalog["003_142beb58a89e468f.txt"]["title"]
    assert doc.provenance["title"].source == "catalog"
    assert doc.provenance["date"].source == "extracted"  # what the catalog leaves out is extracted


@pytest.mark.parametrize(
    "entry, message",
    [
        ('level = "city"', "不是有效层级"),
        ('status = "maybe"', "不是有效状态"),
        ('date = "2024/04/03"', "不是有效日期"),
        ('colour = "red"', "未知字段"),
        ("issuers = 3", "应为文字列表"),
    ],
)
def test_catalog_rejects_wrong_values(tmp_path, entry, message):
    (tmp_path / "catalog.toml").write_text(f'["a.txt"]\n{entry}\n', "utf-8")
    with pytest.raises(CatalogError, match=message):
        load_catalog(tmp_path)


def test_catalog_accepts_chinese_labels_and_lists(tmp_path):
    (tmp_path / "catalog.toml").write_text('["a.txt"]\nlevel = "省级"\nstatus = "征求意见稿"\n'
                                           'issuers = "财政部、工业和信息化部"\ndate = 2024-04-03\n', "utf-8")
    entry = load_catalog(tmp_path)["a.txt"]
    assert entry == {"level": "provincial", "status": "draft", "issuers": ["财政部", "工业和信息化部"],
                     "date": "2024-04-03"}


def test_catalog_malformed_file(tmp_path):
    (tmp_path / "catalog.toml").write_text('["a.txt"\nlevel = ', "utf-8")
    with pytest.raises(CatalogError, match="格式错误"):
        load_catalog(tmp_path)


def test_save_entry_roundtrip_keeps_other_entries(seed_corpus):
    save_entry(seed_corpus, "001_3b50df308c9c2e77.txt", {"source_url": "https://example.org/a", "level": "国家"})
    catalog = load_catalog(seed_corpus)
    assert catalog["001_3b50df308c9c2e77.txt"] == {"source_url": "https://example.org/a", "level": "national"}
    assert "003_142beb58a89e468f.txt" in catalog
    with pytest.raises(CatalogError):
        save_entry(seed_corpus, "001_3b50df308c9c2e77.txt", {"level": "城市"})
    assert load_catalog(seed_corpus)["001_3b50df308c9c2e77.txt"]["level"] == "national"  # unchanged


def test_apply_catalog_records_provenance(seed_ingested):
    doc = seed_ingested["000_70838f8e5a3ffbff.txt"].document
    copy = type(doc).from_dict(doc.to_dict())
    apply_catalog(copy, {"doc_number": "苏金发〔2024〕1号"})
    assert copy.doc_number == "苏金发〔2024〕1号" and copy.provenance["doc_number"].source == "catalog"
