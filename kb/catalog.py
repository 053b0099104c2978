"""The corpus catalog (`corpus/catalog.toml`): metadata a person states or corrects, overriding extraction."""

from __future__ import annotations

import datetime
import os
import re
import stat
import tomllib
from pathlib import Path

from .errors import CatalogError, os_error_message
from .files import write_atomic
from .models import LEVEL_LABELS, LEVELS, STATUS_LABELS, STATUSES, Document, Evidence

CATALOG_NAME = "catalog.toml"
MAX_CATALOG_BYTES = 8 * 1024 * 1024
FIELDS = ("title", "issuers", "doc_number", "date", "level", "region", "status", "source_url", "references")
LIST_FIELDS = ("issuers", "references")  # written as lists of text
_LEVEL_ALIASES = {v: k for k, v in LEVEL_LABELS.items()} | {"国家级": "national", "省": "provincial", "市": "municipal",
                                                           "县": "county", "区县": "county"}
_STATUS_ALIASES = {v: k for k, v in STATUS_LABELS.items()} | {"草案": "draft", "正式": "final", "定稿": "final"}

Catalog = dict[str, dict[str, object]]  # source file name → field → value
_LIST_SEPARATORS = re.compile(r"[、,，;；\n]")


def split_list(text: str) -> list[str]:
    """A list field written as text: items separated by 、，; or line breaks, blanks dropped."""
    return [v.strip() for v in _LIST_SEPARATORS.split(text) if v.strip()]


def load_catalog(corpus_dir: Path) -> Catalog:
    """Read and validate the catalog; a missing file is an empty catalog. Errors name the entry and field."""
    path = Path(corpus_dir) / CATALOG_NAME
    if not os.path.lexists(path):
        return {}
    data = _read_catalog_bytes(path)
    try:
        # A byte-order mark (Windows Notepad writes one) is not part of the TOML.
        raw = tomllib.loads(data.decode("utf-8").removeprefix("\ufeff"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise CatalogError(f"{path.name} 格式错误：{e}") from e
    except RecursionError:
        raise CatalogError(f"{path.name} 格式错误：嵌套层数过多") from None
    catalog: Catalog = {}
    for source, entry in raw.items():
        if not isinstance(entry, dict):
            raise CatalogError(f"{path.name}：[{source}] 应为一个表（用 [\"文件名\"] 开头）")
        catalog[source] = {key: validate(source, key, value) for key, value in entry.items()}
    return catalog


def _read_catalog_bytes(path: Path) -> bytes:
    """The catalog's bytes: a regular file of sane size, never a link, a folder or a device."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as e:
        if os.path.islink(path):
            raise CatalogError(f"{path.name} 是符号链接，不予读取；请放一个普通文件") from None
        raise CatalogError(f"无法读取 {path.name}：{os_error_message(e)}") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        if stat.S_ISDIR(st.st_mode):
            raise CatalogError(f"{path.name} 是文件夹，应为文本文件（删除或改名该文件夹）")
        raise CatalogError(f"{path.name} 不是普通文件")
    with os.fdopen(fd, "rb") as f:
        if st.st_size > MAX_CATALOG_BYTES:
            raise CatalogError(f"{path.name} 过大（{st.st_size // 1024} KB，上限 {MAX_CATALOG_BYTES // 1024} KB）")
        try:
            return f.read(MAX_CATALOG_BYTES + 1)
        except OSError as e:
            raise CatalogError(f"无法读取 {path.name}：{os_error_message(e)}") from None


def validate(source: str, key: str, value: object) -> object:
    """Normalise one catalog value or raise CatalogError saying what is allowed."""
    where = f"{CATALOG_NAME}：[{source}] 的 {key}"
    if key not in FIELDS:
        raise CatalogError(f"{where}：未知字段，可用字段为 {'、'.join(FIELDS)}")
    if key in LIST_FIELDS:
        if isinstance(value, str):
            value = split_list(value)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise CatalogError(f"{where}：应为文字列表，例如 [\"财政部\", \"工业和信息化部\"]")
        return value
    if not isinstance(value, str):
        if key == "date" and type(value) is datetime.date:
            return value.isoformat()  # TOML dates arrive as datetime.date
        if key == "date" and isinstance(value, (datetime.datetime, datetime.time)):
            raise CatalogError(f"{where}：“{value}”含时间，应只写日期 YYYY-MM-DD，例如 2024-04-03")
        raise CatalogError(f"{where}：应为文字，得到 {value!r}")
    value = value.strip()
    if key == "level":
        level = _LEVEL_ALIASES.get(value, value)
        if level not in LEVELS:
            allowed = "、".join(f"{k}（{LEVEL_LABELS[k]}）" for k in LEVELS)
            raise CatalogError(f"{where}：“{value}”不是有效层级，可选 {allowed}")
        return level
    if key == "status":
        status = _STATUS_ALIASES.get(value, value)
        if status not in STATUSES:
            raise CatalogError(f"{where}：“{value}”不是有效状态，可选 draft（征求意见稿）、final（正式稿）")
        return status
    if key == "date" and value:
        m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value)
        try:
            valid = m is not None and datetime.date.fromisoformat(value) is not None
        except ValueError:  # 2024-02-31
            valid = False
        if not valid:
            raise CatalogError(f"{where}：“{value}”不是有效日期，应写作 YYYY-MM-DD，例如 2024-04-03")
    return value


def apply_catalog(doc: Document, entry: dict[str, object] | None) -> Document:
    """Catalog values win over extracted ones; the provenance says which came from where."""
    for key, value in (entry or {}).items():
        setattr(doc, key, value)
        doc.provenance[key] = Evidence(value, "catalog", f"{CATALOG_NAME} [{doc.source}]")
    return doc


def save_entry(corpus_dir: Path, source: str, values: dict[str, object]) -> None:
    """Validate and write one document's entry, keeping the others; atomic replace of the file."""
    import tomli_w

    clean = {k: validate(source, k, v) for k, v in values.items() if v not in ("", None, [])}
    catalog = load_catalog(corpus_dir)
    if clean:
        catalog[source] = clean
    else:
        catalog.pop(source, None)
    path = Path(corpus_dir) / CATALOG_NAME
    header = "# 文件目录：在此填写或更正各文件的元数据，这里的值优先于自动抽取的值。\n"
    write_atomic(path, (header + "\n" + tomli_w.dumps(catalog)).encode("utf-8"), prefix=".catalog.")


def catalog_form_defaults(entry: dict[str, object] | None) -> dict[str, str]:
    """A catalog entry as form text: lists one item per line, missing fields empty."""
    entry = entry or {}
    out = {}
    for name in FIELDS:
        value = entry.get(name, "")
        out[name] = "\n".join(value) if isinstance(value, list) else str(value or "")
    return out


def catalog_form_values(form: dict[str, str]) -> dict[str, object]:
    """Form text → catalog values: list fields split by line (or 、，;), empty fields left out so that
    extraction fills them again."""
    out: dict[str, object] = {}
    for name, raw in form.items():
        text = (raw or "").strip()
        if not text:
            continue
        if name in LIST_FIELDS:
            out[name] = split_list(text)
        else:
            out[name] = text
    return out

