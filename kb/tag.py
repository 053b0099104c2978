"""Document metadata from the text: title, issuers, 文号, date, level, region, status, references — each with evidence."""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .models import Clause, Evidence
from .segment import _DATE_LINE, _DOC_NUMBER, Layout, _is_org_line

_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DRAFT = re.compile(r"征求意见稿|送审稿|讨论稿|草案")
_IMPLEMENTS = re.compile(r"(?:贯彻落实|落实|贯彻|根据|按照|依据|执行|对照)[^，。；《]{0,12}《([^《》]{4,80})》")
_SELF_REFS = {"意见", "通知", "办法", "方案", "措施", "规定", "细则", "决定", "指导意见", "实施意见"}
_DOC_TYPES = ("实施意见", "指导意见", "实施方案", "工作方案", "行动方案", "若干措施", "意见", "通知", "办法", "方案",
              "措施", "规定", "细则", "决定", "规划", "计划", "通告", "公告", "批复", "函")
_VERBS = "提升|推动|促进|支持|加强|推进|做好|加快|深化|强化|完善|优化"

# Words by which a text speaks of its own jurisdiction, per level. Counted to decide the level when the
# issuers do not settle it.
_SELF_WORDS = {
    "county": ("全县", "我县", "县委", "县政府", "县人民政府", "本县", "全区", "我区", "区委", "区政府"),
    "municipal": ("全市", "我市", "市委", "市政府", "市人民政府", "本市", "市金融工作局", "市工信局", "市财政局"),
    "provincial": ("全省", "我省", "省委", "省政府", "省人民政府", "本省", "全区各", "自治区人民政府"),
}


@dataclass(frozen=True)
class Gazetteer:
    provinces: dict[str, str]  # short name → full name, e.g. 江苏 → 江苏省
    cities: dict[str, str]  # city short name → province full name
    municipalities: tuple[str, ...]
    counties: dict[str, str]  # county full name → "省市" prefix
    national_bodies: tuple[str, ...]


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    data = tomllib.loads(resources.files("kb.data").joinpath("regions.toml").read_text("utf-8"))
    provinces: dict[str, str] = {}
    cities: dict[str, str] = {}
    for full, city_list in data["provinces"].items():
        short = re.sub(r"(省|壮族自治区|回族自治区|维吾尔自治区|自治区)$", "", full)
        provinces[short] = full
        for city in city_list.split():
            cities[city] = full
    return Gazetteer(
        provinces,
        cities,
        tuple(data["municipalities"]["names"]),
        dict(data.get("counties", {})),
        tuple(data["national_bodies"]["names"]),
    )


def iso_date(text: str) -> str:
    """"2024 年 4 月 3 日" or "2024-4-3" → "2024-04-03"; "" when there is no valid date."""
    m = _DATE.search(text) or _ISO_DATE.search(text)
    if not m:
        return ""
    y, mo, d = (int(g) for g in m.groups())
    if not (1949 <= y <= 2100 and 1 <= mo <= 12 and 1 <= d <= 31):
        return ""
    return f"{y:04d}-{mo:02d}-{d:02d}"


def tag_document(layout: Layout, clauses: list[Clause]) -> dict[str, Evidence]:
    """Every metadata field the text supports, each with where it came from."""
    header = layout.text_of(layout.header)
    closing = layout.text_of(layout.closing)
    body = layout.text_of(layout.body)
    release = layout.text_of(layout.release)
    out: dict[str, Evidence] = {}

    number = _doc_number(header + body[:3])
    if number:
        out["doc_number"] = Evidence(number, "extracted", number)

    issuers, why = _issuers(header, closing, clauses)
    if issuers:
        out["issuers"] = Evidence(issuers, "extracted" if why != "责任单位" else "derived", why)

    title, why = _title(header, release, body, issuers)
    if title:
        out["title"] = Evidence(title, "extracted" if why == "header" else "derived", why)

    date, why = _date(closing, body)
    if date:
        out["date"] = Evidence(date, "extracted", why)

    head_text = "\n".join(header + body[:2])
    draft = _DRAFT.search(head_text)
    out["status"] = (
        Evidence("draft", "extracted", draft.group(0)) if draft else Evidence("final", "default", "未见征求意见稿字样")
    )

    refs = _references(header + body[:3])
    if refs:
        out["references"] = Evidence(refs, "extracted", "；".join(f"《{r}》" for r in refs))

    level, region, why = _level_region(issuers, "\n".join(header + body + closing))
    if level:
        out["level"] = Evidence(level, "extracted", why)
    if region:
        out["region"] = Evidence(region, "extracted", why)
    if issuers and out["issuers"].evidence == "责任单位" and region:
        # "市金融工作局" named by a municipal document is that city's bureau.
        local = re.search(r"([^省区]{2,4}?)[市县]$", region)
        if local:
            named = [local.group(0) + u[1:] if u[:1] in "市县" else u for u in issuers]
            out["issuers"] = Evidence(named, "derived", f"责任单位中最常见的“{issuers[0]}”，按地区补全")
    return out


def _doc_number(lines: list[str]) -> str:
    for line in lines:
        m = _DOC_NUMBER.search(line)
        if m:
            return re.sub(r"\s+", "", m.group(0))
    return ""


def _split_orgs(text: str) -> list[str]:
    """"国家金融监督管理总局 工业和信息化部国家发展改革委" → the three names, using known bodies where glued."""
    names: list[str] = []
    bodies = sorted(gazetteer().national_bodies, key=len, reverse=True)
    for chunk in text.split():
        rest = chunk
        while rest:
            hit = next((b for b in bodies if rest.startswith(b)), None)
            if hit is None:
                names.append(rest)
                break
            names.append(hit)
            rest = rest[len(hit) :]
    return [n for n in names if n]


def _issuers(header: list[str], closing: list[str], clauses: list[Clause]) -> tuple[list[str], str]:
    # 1. Signature block: organisation lines before the date.
    names: list[str] = []
    for line in closing:
        if line.startswith(("抄送", "抄报")):
            continue
        printed = re.match(r"^(\S+?)\s*\d{4}\s*年.*印发\s*$", line)
        if printed and not names:
            return [printed.group(1)], f"印发：{line}"
        if _is_org_line(line) and not _DATE_LINE.match(line):
            names.extend(n for n in line.split() if not _DATE_LINE.match(n))
    if names:
        return _dedupe(names), "落款：" + " ".join(names)
    # 2. Header: "A B C关于…" or an organisation line above the title.
    for i, line in enumerate(header):
        if _is_org_line(line):
            return _split_orgs(line), f"文头：{line}"
        joined = "".join(header[i : i + 3])
        m = re.match(r"^(.{2,80}?)关于", joined)
        if m and i == 0 and m.group(1).strip():
            prefix = re.sub(r"\s+", " ", "".join(h if h.endswith(" ") else h + " " for h in header[:3]))
            prefix = prefix[: prefix.find("关于")] if "关于" in prefix else m.group(1)
            return _split_orgs(prefix), f"标题：{m.group(1)}"
    # 3. The unit most often named responsible for the measures.
    counts = Counter(u for c in clauses for u in c.responsible_units[:1])
    if counts:
        unit, n = counts.most_common(1)[0]
        return [unit], "责任单位"
    return [], ""


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _title(header: list[str], release: list[str], body: list[str], issuers: list[str]) -> tuple[str, str]:
    lines = []
    for line in header:
        if _DOC_NUMBER.fullmatch(line) or _DRAFT.search(line) or line.endswith(("：", ":")):
            break
        if _is_org_line(line):
            continue
        lines.append(line)
    title = "".join(lines)
    title = re.sub(r"\s+", " ", title).strip()
    if "关于" in title:
        title = title[title.index("关于") :]
    title = title.replace(" ", "")
    if title:
        return title, "header"
    if release:
        m = re.search(r"《(.+?)》", release[0])
        if m:
            return m.group(1), "新闻稿标题"
    # No title in the text: draft one from the preamble's purpose phrase and document type.
    preamble = "".join(body[:2])
    kind = re.search(r"(?:提出|制定|印发)(?:如下|以下|本)?(" + "|".join(_DOC_TYPES) + ")", preamble)
    doc_type = kind.group(1) if kind else "文件"
    head = preamble[: kind.start()] if kind else preamble[:200]
    subjects = []
    for phrase in re.split(r"[，。；]", head):
        m = re.match(rf"^(?:全面|进一步|切实|加快|大力)?(?:{_VERBS})(.{{4,24}}?)(?:质效|水平|工作|建设)?$", phrase)
        if m:
            subjects.append(m.group(1))
    if subjects:
        return f"关于{max(subjects, key=len)}的{doc_type}", "据前言拟定"
    return "", ""


def _date(closing: list[str], body: list[str]) -> tuple[str, str]:
    for line in closing:
        if _DATE_LINE.match(line):
            return iso_date(line), f"落款日期：{line}"
    for line in closing:
        d = iso_date(line)
        if d:
            return d, f"落款：{line}"
    return "", ""


def _references(lines: list[str]) -> list[str]:
    refs = []
    for line in lines:
        for m in _IMPLEMENTS.finditer(line):
            name = m.group(1).strip()
            if name not in _SELF_REFS:
                refs.append(name)
    return _dedupe(refs)


def _level_region(issuers: list[str], text: str) -> tuple[str, str, str]:
    g = gazetteer()
    joined = " ".join(issuers)
    # Issuers settle it when they are recognisable.
    for body in g.national_bodies:
        if body in joined and not re.search(r"(省|市|县|区)(分行|分局|监管局|中心支行)", joined):
            return "national", "全国", f"发文机关：{body}"
    places = _places(joined)
    if places:
        level, region, name = places[0]
        return level, region, f"发文机关：{name}"
    # Otherwise the jurisdiction the text speaks of most.
    scores = {lvl: sum(text.count(w) for w in words) for lvl, words in _SELF_WORDS.items()}
    mentions = Counter(p for p in _places(text))
    for level in ("county", "municipal", "provincial"):
        named = [(n, p) for p, n in mentions.items() if p[0] == level]
        if scores[level] >= 2 or sum(n for n, _ in named) >= 3:
            if named:
                count, (lvl, region, name) = max(named, key=lambda t: t[0])
                words = [w for w in _SELF_WORDS[level] if w in text]
                return level, region, f"正文提及{name}{count}次" + (f"，{'、'.join(words[:3])}" if words else "")
    if re.search(r"各省、自治区、直辖市|各省级|国务院各部委", text):
        return "national", "全国", "主送各省、自治区、直辖市"
    return "", "", ""


@lru_cache(maxsize=1)
def _name_scan() -> tuple[re.Pattern[str], dict[str, frozenset[str]]]:
    """One pattern for every gazetteer name (a prefix trie: the longest name at a position wins), and for
    each name the names that are prefixes of it."""
    g = gazetteer()
    names = {n for n in (*g.counties, *g.cities, *g.municipalities, *g.provinces) if n}
    trie: dict = {}
    for name in names:
        node = trie
        for ch in name:
            node = node.setdefault(ch, {})
        node[""] = {}

    def pattern(node: dict) -> str:
        alts = [re.escape(ch) + pattern(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    prefixes = {name: frozenset(n for n in names if name.startswith(n)) for name in names}
    return re.compile(pattern(trie) or r"(?!)"), prefixes


def _names_in(text: str) -> set[str]:
    """The gazetteer names occurring in the text, from one scan instead of one scan of a long text per name."""
    scan, prefixes = _name_scan()
    found: set[str] = set()
    m = scan.search(text)
    while m is not None:
        found |= prefixes[m.group()]  # every name starting here is a prefix of the longest one
        m = scan.search(text, m.start() + 1)
    return found


def _absent(name: str, present: set[str]) -> bool:
    """A name not in the text cannot match. One that is not a plain word is searched anyway, as the pattern
    it is."""
    return bool(name) and name not in present and re.escape(name) == name


def _places(text: str) -> list[tuple[str, str, str]]:
    """(level, region, name as written) for each place named in the text, in order of appearance."""
    g = gazetteer()
    present = _names_in(text)
    found: list[tuple[int, tuple[str, str, str]]] = []
    for county, prefix in g.counties.items():
        if _absent(county, present):
            continue
        for m in re.finditer(county, text):
            found.append((m.start(), ("county", prefix + county, county)))
    # Other counties only where the name stands alone (line start or after punctuation): inside running
    # text a "…X县" match would swallow the characters before it.
    for m in re.finditer(r"(?<![\u4e00-\u9fff])([\u4e00-\u9fff]{2,3}县)(?![级域城委])", text):
        name = m.group(1)
        if name not in g.counties and not re.match(r"^(全|我|本|各|该|区|市|县|郡|州)", name):
            found.append((m.start(), ("county", name, name)))
    for city, province in g.cities.items():
        if _absent(city, present):
            continue
        for m in re.finditer(city + "(?:市)?", text):
            if city in g.provinces and m.group(0) == city:
                continue  # 吉林 the province, not the city, when written bare
            found.append((m.start(), ("municipal", province + city + "市", m.group(0))))
    for m_name in g.municipalities:
        if _absent(m_name, present):
            continue
        for m in re.finditer(m_name + "市", text):
            found.append((m.start(), ("provincial", m_name + "市", m.group(0))))
    for short, full in g.provinces.items():
        if _absent(short, present):
            continue
        for m in re.finditer(short + r"(?:省|自治区|壮族自治区|回族自治区|维吾尔自治区)", text):
            found.append((m.start(), ("provincial", full, m.group(0))))
    found.sort(key=lambda t: t[0])
    return [f for _, f in found]
