"""Configuration: ``site_config/*.yaml`` loaded once into typed, frozen objects.

``portal.yaml`` (the bureau: name, footer facts, 索引号 organisation code, site URL, time
zone), ``sites.yaml`` (sub-sites: 市站 | 科室 | 事业单位 | 县市区 | 开发区) and ``columns.yaml``
(columns and their category, which sets the freshness limit).  Later stages add their own
sections (scoring, quotas, upstream …) as further fields of :class:`Config`.

A bad file raises :class:`ConfigError` naming the file and the key, in Chinese; nothing
here reads items or writes output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

SITE_KINDS = ("市站", "科室", "事业单位", "县市区", "开发区")
# Top-level URL folders the portal itself uses; a sub-site may not take one of these ids.
RESERVED_IDS = frozenset({"about", "assets", "column", "feed", "files", "index", "pagefind", "search", "stats", "xxgk"})
COLUMN_CATEGORIES = ("动态要闻", "通知公告", "政策文件", "人事", "规划计划", "统计数据", "财务", "办事指南")


class ConfigError(Exception):
    """A configuration file is missing or wrong; ``str()`` is an editor-readable message."""

    def __init__(self, path: Path | str, message: str):
        self.path = str(path)
        self.message = message
        super().__init__(f"{self.path}: {message}")


@dataclass(frozen=True)
class Portal:
    """门户：主办单位、备案信息、联系方式等。"""

    name: str
    site_url: str
    sponsor: str
    site_code: str
    icp: str
    police_record: str
    org_code: str
    short_name: str = ""
    description: str = ""
    timezone: str = "Asia/Shanghai"
    language: str = "zh"
    address: str = ""
    postcode: str = ""
    phone: str = ""
    email: str = ""
    page_size: int = 20
    home_latest: int = 12
    block_size: int = 6
    public_phones: tuple[str, ...] = ()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class Site:
    """子站（市站、科室、事业单位、县市区、开发区）。"""

    id: str
    name: str
    kind: str
    order: int
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Column:
    """栏目；category 决定它在检查指标里的更新时限。"""

    id: str
    name: str
    category: str
    order: int


@dataclass(frozen=True)
class Config:
    root: Path
    portal: Portal
    sites: tuple[Site, ...]
    columns: tuple[Column, ...]
    site_by_id: dict[str, Site] = field(default_factory=dict, compare=False)
    column_by_id: dict[str, Column] = field(default_factory=dict, compare=False)

    def sites_of_kind(self, kind: str) -> tuple[Site, ...]:
        return tuple(s for s in self.sites if s.kind == kind)


def _read_yaml(path: Path) -> Any:
    if not path.is_file():
        raise ConfigError(path, "配置文件不存在")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(path, "文件不是 UTF-8 编码，请另存为 UTF-8") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行" if mark else ""
        raise ConfigError(path, f"YAML 格式错误{where}：{getattr(exc, 'problem', exc)}") from None


def _mapping(path: Path, data: Any, what: str) -> dict:
    if not isinstance(data, dict):
        raise ConfigError(path, f"{what}应当是键值对（映射）")
    return data


def _build(cls: type, path: Path, data: dict, where: str, required: tuple[str, ...]) -> Any:
    """Make a frozen config record, naming the unknown or missing key when there is one."""
    known = set(cls.__dataclass_fields__)
    for key in data:
        if key not in known:
            raise ConfigError(path, f"{where}未知的键 “{key}”（可用：{'、'.join(sorted(known))}）")
    for key in required:
        if data.get(key) in (None, ""):
            raise ConfigError(path, f"{where}缺少必填键 “{key}”")
    values = {}
    for key, value in data.items():
        default = cls.__dataclass_fields__[key].type
        if isinstance(value, list):
            value = tuple(str(v) for v in value)
        elif "int" in str(default) and not isinstance(value, int):
            raise ConfigError(path, f"{where}键 “{key}” 应当是整数，实际是 {value!r}")
        elif "str" in str(default) and not isinstance(value, str):
            value = str(value)
        values[key] = value
    return cls(**values)


def load_portal(path: Path) -> Portal:
    data = _mapping(path, _read_yaml(path), "portal.yaml ")
    portal = _build(Portal, path, data, "", ("name", "site_url", "sponsor", "site_code", "icp", "police_record", "org_code"))
    try:
        ZoneInfo(portal.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(path, f"时区 “{portal.timezone}” 无效，例如 Asia/Shanghai") from None
    if not portal.site_url.endswith("/"):
        portal = Portal(**{**portal.__dict__, "site_url": portal.site_url + "/"})
    return portal


def _id_ok(value: Any) -> bool:
    return isinstance(value, str) and value != "" and all(c.isascii() and (c.isalnum() or c == "-") for c in value) and value == value.lower()


def load_columns(path: Path) -> tuple[Column, ...]:
    data = _mapping(path, _read_yaml(path), "columns.yaml ")
    entries = data.get("columns")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(path, "需要非空列表 “columns”")
    columns, seen = [], set()
    for n, entry in enumerate(entries, 1):
        where = f"第 {n} 个栏目："
        entry = _mapping(path, entry, where)
        column = _build(Column, path, {"order": n, **entry}, where, ("id", "name", "category"))
        if not _id_ok(column.id):
            raise ConfigError(path, f"{where}id “{column.id}” 只能用小写英文字母、数字和连字符")
        if column.id in seen:
            raise ConfigError(path, f"{where}id “{column.id}” 重复")
        if column.category not in COLUMN_CATEGORIES:
            raise ConfigError(path, f"{where}category “{column.category}” 无效，可选：{'、'.join(COLUMN_CATEGORIES)}")
        seen.add(column.id)
        columns.append(column)
    return tuple(sorted(columns, key=lambda c: (c.order, c.id)))


def load_sites(path: Path, columns: tuple[Column, ...]) -> tuple[Site, ...]:
    data = _mapping(path, _read_yaml(path), "sites.yaml ")
    entries = data.get("sites")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(path, "需要非空列表 “sites”")
    column_ids = [c.id for c in columns]
    sites, seen = [], set()
    for n, entry in enumerate(entries, 1):
        where = f"第 {n} 个子站："
        entry = _mapping(path, entry, where)
        entry = {"order": n, "columns": column_ids, **entry}
        site = _build(Site, path, entry, where, ("id", "name", "kind"))
        if not _id_ok(site.id):
            raise ConfigError(path, f"{where}id “{site.id}” 只能用小写英文字母、数字和连字符")
        if site.id in seen:
            raise ConfigError(path, f"{where}id “{site.id}” 重复")
        if site.id in RESERVED_IDS:
            raise ConfigError(path, f"{where}id “{site.id}” 是门户保留的网址目录，请换一个（保留：{'、'.join(sorted(RESERVED_IDS))}）")
        if site.kind not in SITE_KINDS:
            raise ConfigError(path, f"{where}kind “{site.kind}” 无效，可选：{'、'.join(SITE_KINDS)}")
        for cid in site.columns:
            if cid not in column_ids:
                raise ConfigError(path, f"{where}栏目 “{cid}” 不在 columns.yaml 中")
        seen.add(site.id)
        sites.append(site)
    return tuple(sorted(sites, key=lambda s: (SITE_KINDS.index(s.kind), s.order, s.id)))


def load_config(config_dir: Path | str) -> Config:
    """Read every ``site_config/*.yaml`` once; raise :class:`ConfigError` on the first problem."""
    root = Path(config_dir)
    if not root.is_dir():
        raise ConfigError(root, "配置目录不存在")
    portal = load_portal(root / "portal.yaml")
    columns = load_columns(root / "columns.yaml")
    sites = load_sites(root / "sites.yaml", columns)
    return Config(
        root=root,
        portal=portal,
        sites=sites,
        columns=columns,
        site_by_id={s.id: s for s in sites},
        column_by_id={c.id: c for c in columns},
    )
