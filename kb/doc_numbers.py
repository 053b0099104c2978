"""文号 → the body its prefix names (法释 → 最高人民法院, 浙政办发 → 浙江省人民政府办公厅), from kb/data/number_issuers.toml.

Only prefixes one body alone uses are listed; a value read this way is an inference, never a statement of the text.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from importlib import resources

# The abbreviation before the year's bracket: 浙政办发〔2024〕3号 → 浙政办发.
_PREFIX = re.compile(r"^\s*([\u4e00-\u9fff]{1,10}?)\s*[〔\[［【(（]\s*\d{4}")
_GOVERNMENT = ("", "发", "函", "明电")
_OFFICE = ("办", "办发", "办函", "办明电")


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, list[str]], dict[str, str]]:
    data = tomllib.loads(resources.files("kb.data").joinpath("number_issuers.toml").read_text("utf-8"))
    return data.get("national", {}), data.get("provincial", {})


def issuers_of_number(number: str) -> list[str]:
    """The body a 文号's prefix names; [] when the prefix is not one a single body alone uses."""
    m = _PREFIX.match(number or "")
    if not m:
        return []
    prefix = m.group(1)
    national, provincial = _table()
    if prefix in national:
        return list(national[prefix])
    for head, place in provincial.items():
        rest = prefix[len(head) :] if prefix.startswith(head) else None
        if rest in _GOVERNMENT:
            return [place + "人民政府"]
        if rest in _OFFICE:
            return [place + "人民政府办公厅"]
    return []
