"""``site_config/sites.yaml``: the sub-sites (子站), their kinds (``kinds``: label, ranked or not,
statistics table, the bureau's own site) and the statistics tables (``stats_tables``).

Adding a kind of sub-site (乡镇, 驻外办事处 …) is an entry under ``kinds`` and, for a new table, under
``stats_tables``; nothing in code names a kind.  Reads only sites.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.config.columns import Column
from pipeline.config.fields import (
    ConfigError,
    Entry,
    flag,
    id_ok,
    integer,
    mapping,
    read_yaml,
    refuse_markup,
    text,
    texts,
)


# Top-level URL folders the portal itself uses; a sub-site may not take one of these ids.
RESERVED_IDS = frozenset({"about", "assets", "column", "feed", "files", "index", "pagefind", "search", "stats", "xxgk"})


@dataclass(frozen=True)
class SiteKind:
    """子站类别（sites.yaml ``kinds``）：导航标签、是否参加排名、列入哪张统计表、是否为市局主站。
    增加一类子站（乡镇、驻外办事处……）只需在配置中增加一项。"""

    id: str  # what a site's ``kind`` says, e.g. 县市区
    label: str  # the nav section's name
    ranked: bool = True  # ranked within its kind in the statistics (市站 is listed, not ranked)
    table: str = ""  # id of the statistics table its sites are listed in (``stats_tables``)
    main: bool = False  # the bureau's own site: 发布机构 is the portal's name; a single one is not a nav group


@dataclass(frozen=True)
class StatsTable:
    """统计页的一张表（sites.yaml ``stats_tables``），列出 ``table`` 为其 id 的各类子站。"""

    id: str
    title: str


DEFAULT_KINDS = (
    SiteKind("市站", "市局", ranked=False, table="county", main=True),
    SiteKind("科室", "科室", table="sections"),
    SiteKind("事业单位", "事业单位", table="institutions"),
    SiteKind("县市区", "县市区", table="county"),
    SiteKind("开发区", "开发区", table="zones"),
)
# Table groups as in seed 000: 附件1 = 市站 + 县市区 (市站 listed, not ranked), 附件2 = 科室.
DEFAULT_STATS_TABLES = (
    StatsTable("county", "市站、县市区子站信息量统计表"),
    StatsTable("sections", "市局科室子站信息量统计表"),
    StatsTable("institutions", "事业单位子站信息量统计表"),
    StatsTable("zones", "开发区子站信息量统计表"),
)
SITE_KINDS = tuple(k.id for k in DEFAULT_KINDS)  # the default kinds' ids (sites.yaml ``kinds`` may name others)


@dataclass(frozen=True)
class Site:
    """子站：id（网址与条目 site 字段）、名称、类别（``kinds`` 之一）、排序、开设的栏目（默认全部）。"""

    id: str
    name: str
    kind: str
    order: int
    columns: tuple[str, ...]

    # Where its pages live, site-root relative (docs paths ``….md``, the rest as published):
    # home ``<site>/``, feed ``<site>/feed.xml``, a column's list ``<site>/<column>/`` (+ ``page/N/``).
    @property
    def url(self) -> str:
        return f"{self.id}/"

    @property
    def home_doc(self) -> str:
        return f"{self.id}/index.md"

    @property
    def feed(self) -> str:
        return f"{self.id}/feed.xml"

    def column_base(self, column_id: str) -> str:
        """The folder of the sub-site's list of ``column_id`` (``index.md``, ``page/N.md``)."""
        return f"{self.id}/{column_id}"

    def column_doc(self, column_id: str) -> str:
        return f"{self.column_base(column_id)}/index.md"


SITE_FIELDS = {"id": text, "name": text, "kind": text, "order": integer(low=None), "columns": texts}
KIND_FIELDS = {"id": text, "label": text, "ranked": flag, "table": text, "main": flag}
TABLE_FIELDS = {"id": text, "title": text}


@dataclass(frozen=True)
class SitesFile:
    """What sites.yaml says: the kinds (in display order), the statistics tables and the sub-sites."""

    kinds: tuple[SiteKind, ...]
    stats_tables: tuple[StatsTable, ...]
    sites: tuple[Site, ...]


def _entries(path: Path, data: dict, key: str, hint: str) -> list | None:
    """The list under ``key``, None when the key is absent."""
    if data.get(key) is None:
        return None
    if not isinstance(data[key], list) or not data[key]:
        raise ConfigError(path, hint)
    return data[key]


def load_kinds(path: Path, data: dict) -> tuple[tuple[SiteKind, ...], tuple[StatsTable, ...]]:
    """子站类别与统计表（sites.yaml ``kinds``、``stats_tables``；省略时为市站、科室、事业单位、县市区、开发区）。"""
    tables = DEFAULT_STATS_TABLES
    entries = _entries(path, data, "stats_tables", "stats_tables 应当是列表，每项含 id 与 title")
    if entries is not None:
        tables = tuple(
            StatsTable(
                **Entry(path, e, f"stats_tables 第 {n} 项：", TABLE_FIELDS, ("id", "title")).values(TABLE_FIELDS)
            )
            for n, e in enumerate(entries, 1)
        )
    kinds = DEFAULT_KINDS
    entries = _entries(path, data, "kinds", "kinds 应当是列表，每项含 id（类别名）与 label（导航标签）")
    if entries is not None:
        kinds = tuple(
            SiteKind(**Entry(path, e, f"kinds 第 {n} 项：", KIND_FIELDS, ("id", "label")).values(KIND_FIELDS))
            for n, e in enumerate(entries, 1)
        )
    ids = [k.id for k in kinds]
    if len(set(ids)) != len(ids):
        raise ConfigError(path, f"kinds 中的类别重复：{'、'.join(sorted({i for i in ids if ids.count(i) > 1}))}")
    table_ids = {t.id for t in tables}
    for n, kind in enumerate(kinds, 1):
        refuse_markup(path, kind, f"kinds 第 {n} 项：", ("id", "label"))
    for n, table in enumerate(tables, 1):
        refuse_markup(path, table, f"stats_tables 第 {n} 项：", ("title",))
    for kind in kinds:
        if kind.table and kind.table not in table_ids:
            shown = "、".join(sorted(table_ids))
            raise ConfigError(path, f"类别 “{kind.id}” 的 table “{kind.table}” 不在 stats_tables 中（可选：{shown}）")
    return kinds, tables


def load_sites(path: Path, columns: tuple[Column, ...]) -> SitesFile:
    """Read sites.yaml once: its kinds and tables, then the sub-sites (sorted by kind, order, id)."""
    data = mapping(path, read_yaml(path), "sites.yaml ")
    kinds, tables = load_kinds(path, data)
    entries = data.get("sites")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(path, "需要非空列表 “sites”")
    column_ids = [c.id for c in columns]
    kind_ids = [k.id for k in kinds]
    sites, seen = [], set()
    for n, raw in enumerate(entries, 1):
        entry = Entry(path, raw, f"第 {n} 个子站：", SITE_FIELDS, ("id", "name", "kind"))
        site = Site(**{"order": n, "columns": tuple(column_ids), **entry.values(SITE_FIELDS)})
        refuse_markup(path, site, entry.where, ("name",))
        if not id_ok(site.id):
            raise entry.error(f"id “{site.id}” 只能用小写英文字母、数字和连字符")
        if site.id in seen:
            raise entry.error(f"id “{site.id}” 重复")
        if site.id in RESERVED_IDS:
            raise entry.error(
                f"id “{site.id}” 是门户保留的网址目录，请换一个（保留：{'、'.join(sorted(RESERVED_IDS))}）"
            )
        if site.kind not in kind_ids:
            raise entry.error(f"kind “{site.kind}” 无效，可选：{'、'.join(kind_ids)}（类别在本文件的 kinds 中定义）")
        for cid in site.columns:
            if cid not in column_ids:
                raise entry.error(f"栏目 “{cid}” 不在 columns.yaml 中")
        seen.add(site.id)
        sites.append(site)
    sites.sort(key=lambda s: (kind_ids.index(s.kind), s.order, s.id))
    return SitesFile(kinds, tables, tuple(sites))
