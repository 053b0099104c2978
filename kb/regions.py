"""Place names → administrative divisions (level and region), from the gazetteer in kb/data/divisions.tsv.

Only real division names are recognised: provinces, prefecture-level cities, and county-level divisions
(县, 县级市, 旗 and the districts of a city, 市辖区, all county level). A short form (苏州 for 苏州市, 黔南 for
黔南布依族苗族自治州) counts only as a whole word, so 长治 is not found in 长治久安; a county is matched by its
full name only, and a two-character one (和县, 城区) only where it names a government (和县人民政府).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .text import alternation

_PROVINCE_SUFFIX = re.compile(r"(?:省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$")
_CITY_SUFFIX = re.compile(r"(?:市|地区|盟|林区)$")
# A short form must be followed by one of these to be read as the city inside running text (苏州金融机构
# is cut by jieba; 苏州市 is a full name anyway).
_GOVERNMENT = re.compile(r"^(?:人民政府|政府|人大|党委|委员会|市委|县委|区委|办公室|办公厅)")


@dataclass(frozen=True)
class Place:
    """A division named in a text."""

    level: str  # provincial | municipal | county
    region: str  # full path, e.g. 江苏省苏州市昆山市
    name: str  # as written
    start: int = 0  # offset in the text scanned
    end: int = 0


@dataclass(frozen=True)
class _Entry:
    level: str
    province: str
    city: str  # "" for a province
    county: str  # "" for a province or city
    short: bool  # a short form (needs a word boundary)

    @property
    def region(self) -> str:
        return self.province + (self.city if self.city != self.province else "") + self.county


@dataclass(frozen=True)
class Gazetteer:
    names: dict[str, tuple[_Entry, ...]]  # written form → the divisions it may name
    national_bodies: tuple[str, ...]
    municipalities: frozenset[str]  # 直辖市 (北京市 …): cities of provincial level
    pattern: re.Pattern[str]  # every name, longest first at a position


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    data = resources.files("kb.data")
    extra = tomllib.loads(data.joinpath("regions.toml").read_text("utf-8"))
    municipalities = {m + "市" for m in extra["municipalities"]["names"]}
    ethnic = extra.get("ethnic", {}).get("names", [])
    autonomous = re.compile(f"(?:{alternation(ethnic)}族)+自治州$") if ethnic else None
    names: dict[str, list[_Entry]] = {}

    def add(name: str, entry: _Entry) -> None:
        if len(name) >= 2 and entry not in names.setdefault(name, []):
            names[name].append(entry)

    for raw in data.joinpath("divisions.tsv").read_text("utf-8").splitlines()[1:]:
        if not raw or raw.startswith("#"):
            continue
        province, city, county = (raw.split("\t") + ["", ""])[:3]
        if province == "province":
            continue  # the header row
        add(province, _Entry("provincial", province, "", "", False))
        short_p = _PROVINCE_SUFFIX.sub("", province)
        if short_p != province:
            add(short_p, _Entry("provincial", province, "", "", True))
        if province in municipalities:
            if county:
                add(county, _Entry("county", province, province, county, False))
            continue
        if city:
            entry = _Entry("municipal", province, city, "", False)
            add(city, entry)
            for short in _short_city(city, autonomous):
                add(short, _Entry("municipal", province, city, "", True))
        if county:
            add(county, _Entry("county", province, city, county, False))
    pattern = _trie_pattern(names)
    return Gazetteer(
        {k: tuple(v) for k, v in names.items()}, tuple(extra["national_bodies"]["names"]), frozenset(municipalities),
        pattern,
    )


def _short_city(city: str, autonomous: re.Pattern[str] | None) -> list[str]:
    if autonomous is not None:
        m = autonomous.search(city)
        if m and m.start() >= 2:
            return [city[: m.start()] + "州", city[: m.start()]]
    short = _CITY_SUFFIX.sub("", city)
    return [short] if short != city and len(short) >= 2 else []


def _trie_pattern(names: dict[str, list[_Entry]]) -> re.Pattern[str]:
    """One alternation over every name as a prefix trie, so the longest name at a position wins."""
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

    return re.compile(pattern(trie) or r"(?!)")


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(60)
    return jieba.Tokenizer()


def _whole_word(text: str, start: int, end: int) -> bool:
    """Does text[start:end] stand as a word of its own (jieba's cut of the neighbourhood agrees)?"""
    lo, hi = max(0, start - 6), min(len(text), end + 6)
    bounds = {lo, hi}
    for _, a, b in _jieba().tokenize(text[lo:hi]):
        bounds.add(lo + a)
        bounds.add(lo + b)
    return start in bounds and end in bounds


def places_in(text: str) -> list[Place]:
    """Every division named in the text, left to right, each resolved against the ones before it
    (广州市天河区 → the 天河区 of 广州市). Ambiguous names without such context keep their first reading."""
    g = gazetteer()
    found: list[Place] = []
    context: list[_Entry] = []
    pos = 0
    while True:
        m = g.pattern.search(text, pos)
        if m is None:
            break
        name = m.group()
        entries = g.names[name]
        pos = m.end()
        if entries[0].short and not _short_ok(text, m.start(), m.end(), entries[0].level):
            pos = m.start() + 1
            continue
        if entries[0].level == "county" and len(name) == 2 and not _GOVERNMENT.match(text[m.end() :]):
            pos = m.start() + 1
            continue
        entry = _pick(entries, context)
        context.append(entry)
        found.append(Place(entry.level, entry.region, name, m.start(), m.end()))
    return found


def _short_ok(text: str, start: int, end: int, level: str) -> bool:
    after = text[end : end + 1]
    if level == "provincial" and after in ("省", "市"):
        return True  # a province's full name the trie did not hold (e.g. a typo'd suffix)
    return _whole_word(text, start, end)


def _pick(entries: tuple[_Entry, ...], context: list[_Entry]) -> _Entry:
    """The reading of an ambiguous name that fits the places named before it."""
    if len(entries) == 1:
        return entries[0]
    for prior in reversed(context):
        for e in entries:
            if prior.city and e.city == prior.city or not prior.city and e.province == prior.province:
                return e
    return entries[0]


def most_specific(text: str) -> Place | None:
    """The deepest division a name such as an issuer's names: 广州市天河区人民政府 → 天河区 (county)."""
    places = places_in(text)
    if not places:
        return None
    order = {"county": 0, "municipal": 1, "provincial": 2}
    # The first place and the ones it contains: "广州市天河区" is one place, "江苏省 浙江省" two.
    first = places[0]
    chain = [first]
    for p in places[1:]:
        if p.region.startswith(chain[-1].region) and p.start - chain[-1].end <= 1:
            chain.append(p)
        else:
            break
    return min(chain, key=lambda p: order[p.level])
