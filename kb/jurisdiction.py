"""A document's level and region from its issuers, title, addressee and body (kb/tag.py asks; the places
themselves are kb/regions.py's gazetteer)."""

from __future__ import annotations

import re
from collections import Counter

from .grammar import (
    COUNTY_ADDRESSEE,
    LOCAL_OFFICE,
    MUNICIPAL_ADDRESSEE,
    NATIONAL_ADDRESSEE,
    PROVINCIAL_ADDRESSEE,
    STATE_BODY,
)
from .regions import Place, gazetteer, most_specific, places_in

# Words by which a text speaks of its own jurisdiction, per level. Counted to decide the level when the
# issuers, the title and the signature do not settle it.
_SELF_WORDS = {
    "county": ("全县", "我县", "县委", "县政府", "县人民政府", "本县", "全区", "我区", "区委", "区政府"),
    "municipal": ("全市", "我市", "市委", "市政府", "市人民政府", "本市", "市金融工作局", "市工信局", "市财政局"),
    "provincial": ("全省", "我省", "省委", "省政府", "省人民政府", "本省", "全区各", "自治区人民政府"),
}
# A word counts where the text speaks of its own jurisdiction, not in an enumeration of levels or a generic
# reference ("设区的市人民政府", "市、县人民政府", "县级以上地方人民政府", "省级人民政府").
_SELF_PATTERNS = {lvl: re.compile(rf"(?<![、的级省市县区])(?:{'|'.join(map(re.escape, words))})(?![、级])")
                  for lvl, words in _SELF_WORDS.items()}
# A text that speaks of all the provinces (省、自治区、直辖市) addresses the whole country.
_NATIONAL_SCOPE = re.compile(r"省、自治区、直辖市|各省级|国务院各部委")
# The addressee names the level below the issuer's (各省、自治区、直辖市 … 各乡、镇: kb/data/grammar.toml).
_ADDRESSEE_LEVEL = (("national", NATIONAL_ADDRESSEE), ("provincial", PROVINCIAL_ADDRESSEE),
                    ("municipal", MUNICIPAL_ADDRESSEE), ("county", COUNTY_ADDRESSEE))
# The body decides the region only when one place dominates: at least this many mentions, and this many
# times the next place's.
_DOMINANT_MIN = 3
_DOMINANT_RATIO = 2
_BODY_SCAN_CHARS = 40_000


def _local_office(rest: str) -> bool:
    """Does what follows a national body's name in an issuer ("万载调查队", "江苏省税务局") name a local office?"""
    return bool(rest) and bool(LOCAL_OFFICE.search(rest) or re.search(r"(省|市|县|区)(分行|分局|监管局|中心支行)", rest))


def level_region(
    issuers: list[str], header: list[str], title: str, text: str
) -> tuple[str, str, str, str] | None:
    """(level, region, evidence, provenance) from, in order: the issuers, the title, the addressee, and the
    body — the body only when one place dominates it."""
    g = gazetteer()
    # 1. Issuers settle it when they are recognisable. A national body's office in a place (国家统计局万载调查队,
    #    国家税务总局某省税务局) is local: the level is that of the place, or of the issuers beside it.
    for body in g.national_bodies:
        if any(body in issuer and not _local_office(issuer[issuer.index(body) + len(body) :])
               for issuer in issuers):
            return "national", "全国", f"发文机关：{body}", "extracted"
    for issuer in issuers:
        place = most_specific(issuer)
        if place:
            return place.level, place.region, f"发文机关：{issuer}", "extracted"
    # A state body not in the list (国家医疗保障局, 国家中医药管理局): 国家… and no place in its name.
    for issuer in issuers:
        if STATE_BODY.match(issuer):
            return "national", "全国", f"发文机关：{issuer}", "extracted"
    # 2. The title's place: 浙江省制造业…行动方案, 天河区促进…若干措施; the state's own name (中华人民共和国…法).
    place = most_specific(title) if title else None
    if place:
        return place.level, place.region, f"标题：{place.name}", "derived"
    if title.startswith("中华人民共和国"):
        return "national", "全国", "标题：中华人民共和国", "derived"
    # 3. The addressee names the level below the issuer's.
    addressed = ""
    for line in header:
        for level, pattern in _ADDRESSEE_LEVEL:
            if line.endswith(("：", ":")) and pattern.search(line):
                addressed = level
                break
        if addressed:
            break
    if addressed == "national":
        return "national", "全国", "主送各省、自治区、直辖市", "derived"
    # 4. The body: the jurisdiction it speaks of, and a place that dominates its mentions.
    text = text[:_BODY_SCAN_CHARS]
    counts: Counter[str] = Counter()
    named: dict[str, Place] = {}
    for p in places_in(text):
        counts[p.region] += 1
        named.setdefault(p.region, p)
    scores = {lvl: len(_SELF_PATTERNS[lvl].findall(text)) for lvl in _SELF_WORDS}
    speaks = max(scores, key=lambda k: scores[k]) if max(scores.values()) >= 2 else ""
    level = addressed or speaks
    # A 直辖市 addresses its 区、县 as a city does, and is of provincial level.
    ranked = [(n, r) for r, n in counts.most_common()
              if not level or named[r].level == level or (level == "municipal" and r in g.municipalities)]
    if ranked:
        n, region = ranked[0]
        # A place inside the top one (浦东新区 in 上海市), or containing it, does not compete with it.
        runner_up = max((m for m, r in ranked[1:] if not (r.startswith(region) or region.startswith(r))), default=0)
        if n >= _DOMINANT_MIN and n >= _DOMINANT_RATIO * runner_up:
            place = named[region]
            words = [w for w in _SELF_WORDS.get(place.level, ()) if w in text]
            why = f"正文提及{place.name}{n}次" + (f"，{'、'.join(words[:3])}" if words else "")
            return place.level, region, why, "derived"
    if not addressed and _NATIONAL_SCOPE.search(text):
        return "national", "全国", "正文提及各省、自治区、直辖市", "derived"
    if level:
        why = f"主送：{line}" if addressed else "正文用语：" + "、".join(w for w in _SELF_WORDS[level] if w in text)[:40]
        return level, "", why, "derived"
    return None
