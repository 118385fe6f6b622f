"""Configuration: ``site_config/*.yaml`` loaded once into typed, frozen objects.

``portal.yaml`` (the bureau: name, footer facts, 索引号 organisation code, site URL, time
zone), ``sites.yaml`` (sub-sites: 市站 | 科室 | 事业单位 | 县市区 | 开发区) and ``columns.yaml``
(columns and their category, which sets the freshness limit).  Later stages add their own
sections (scoring, quotas, upstream …) as further fields of :class:`Config`.

A bad file raises :class:`ConfigError` naming the file and the key, in Chinese; nothing
here reads items or writes output.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from pipeline import safe_yaml
from pipeline.model import KINDS as ITEM_KINDS

if TYPE_CHECKING:
    from pipeline.review_config import ReviewRules

SITE_KINDS = (
    "市站",
    "科室",
    "事业单位",
    "县市区",
    "开发区",
)  # the default kinds (sites.yaml ``kinds`` may name others)
# Top-level URL folders the portal itself uses; a sub-site may not take one of these ids.
RESERVED_IDS = frozenset({"about", "assets", "column", "feed", "files", "index", "pagefind", "search", "stats", "xxgk"})
# 全国政府网站“我为政府网站找错”平台（国办政府网站管理）的纠错页
ERROR_REPORT_URL = "https://zfwzgl.www.gov.cn/exposure/jiucuo.html?site_code={site_code}&url={page_url}"
COLUMN_CATEGORIES = ("动态要闻", "通知公告", "政策文件", "人事", "规划计划", "统计数据", "财务", "办事指南")
# 《政府网站工作年度报表》信息发布: every column is counted in one of these (columns.yaml report_category)
REPORT_CATEGORIES = ("概况类", "政务动态", "信息公开目录")


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
    index_format: str = "{org_code}/{year}-{seq:05d}"  # 索引号格式（pipeline/numbering.py）
    search_shard_pages: int = 5000  # 信息页超过此数时搜索索引分片（pipeline/search_index.py）
    # 页脚标识（theme/partials/copyright.html）：党政机关网站标识的图片（站内路径或 https 网址）与核验链接，
    # 以及“我为政府网站找错”的网址格式（{site_code} 网站标识码、{page_url} 本页网址，均按网址编码填入）
    gov_mark_image: str = ""
    gov_mark_url: str = ""
    error_report_url: str = ERROR_REPORT_URL
    # 网页编辑器（portal.yaml ``cms``）：git 托管平台与编辑器的选项表（pipeline/cms.py 解析为 CmsSettings）
    cms: Any = None
    first_year: int = 1949  # 发布日期最早的年份；更早的日期是 bad-date（pipeline/load.py）
    max_body_kb: int = 2048  # 正文（front matter 之后）最大 KB；超过是 body-too-large

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


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
    """栏目；category 决定它在检查指标里的更新时限；report_category 是它在《政府网站工作年度报表》
    “信息发布”中计入的类别（概况类、政务动态、信息公开目录）。"""

    id: str
    name: str
    category: str
    order: int
    report_category: str = ""


@dataclass(frozen=True)
class UpstreamSource:
    """上级信息源（upstream.yaml）：商务部网站、省商务厅主站 …；url 为 RSS/Atom 网址或本地文件。"""

    id: str
    name: str
    level: str
    url: str

    @property
    def is_remote(self) -> bool:
        return self.url.startswith(("http://", "https://"))


@dataclass(frozen=True)
class UpstreamConfig:
    """查重（upstream.yaml）：上级信息源与相似度参数。默认值的依据见 bench/dedup_quality.py。"""

    sources: tuple[UpstreamSource, ...] = ()
    threshold: float = 0.4  # exact Jaccard of shingle sets at or above which two texts are "the same"
    shingle: int = 3  # characters per shingle
    num_perm: int = 128  # MinHash permutations
    lsh_threshold: float = 0.3  # LSH candidate threshold (below ``threshold`` for recall)
    seed: int = 1

    def source(self, source_id: str) -> UpstreamSource | None:
        return next((s for s in self.sources if s.id == source_id), None)


@dataclass(frozen=True)
class Config:
    root: Path
    portal: Portal
    sites: tuple[Site, ...]
    columns: tuple[Column, ...]
    site_by_id: dict[str, Site] = field(default_factory=dict, compare=False)
    column_by_id: dict[str, Column] = field(default_factory=dict, compare=False)
    quotas: Quotas = field(default_factory=lambda: Quotas())  # quotas.yaml (任务分配)
    scoring: ScoringScheme = field(
        default_factory=lambda: parse_scoring(Path("<默认>"), DEFAULT_SCORING)
    )  # scoring.yaml
    health: HealthRules = field(default_factory=lambda: HealthRules())  # health.yaml (栏目更新时限)
    confidentiality: ConfidentialityRules = field(
        default_factory=lambda: ConfidentialityRules()
    )  # confidentiality.yaml (保密审查)
    upstream: UpstreamConfig = field(default_factory=lambda: UpstreamConfig())  # upstream.yaml (查重)
    review: "ReviewRules" = field(default_factory=lambda: _default_review())  # reviewers.yaml (审签人, 签名审签)
    fees: Any = field(
        default_factory=lambda: _default_fees()
    )  # fees.yaml (信息处理费标准, pipeline.fee_config.FeeSchedule)
    kinds: tuple[SiteKind, ...] = DEFAULT_KINDS  # sites.yaml kinds (子站类别, in display order)
    stats_tables: tuple[StatsTable, ...] = DEFAULT_STATS_TABLES  # sites.yaml stats_tables
    website_report: Any = field(
        default_factory=lambda: _website_report_defaults()
    )  # website_report.yaml (网站工作年度报表)

    def kind(self, kind_id: str) -> SiteKind:
        return next(k for k in self.kinds if k.id == kind_id)

    def kinds_in_table(self, table_id: str) -> tuple[str, ...]:
        return tuple(k.id for k in self.kinds if k.table == table_id)

    def sites_of_kind(self, kind: str) -> tuple[Site, ...]:
        return tuple(s for s in self.sites if s.kind == kind)


def _default_review() -> "ReviewRules":
    from pipeline.review_config import ReviewRules  # late import: review_config builds on this module

    return ReviewRules()


def _default_fees() -> Any:
    from pipeline.fee_config import NATIONAL_2020  # late import: fee_config builds on this module

    return NATIONAL_2020


def _read_yaml(path: Path) -> Any:
    if not path.is_file():
        raise ConfigError(path, "配置文件不存在")
    try:
        return safe_yaml.load(path.read_text(encoding="utf-8"))  # no anchors, aliases, tags or deep nesting
    except UnicodeDecodeError:
        raise ConfigError(path, "文件不是 UTF-8 编码，请另存为 UTF-8") from None
    except safe_yaml.UnsafeYaml as exc:
        where = f"第 {exc.line} 行" if exc.line else ""
        field_name = f"（字段 {exc.field}）" if exc.field else ""
        raise ConfigError(path, f"YAML 格式错误{where}{field_name}：{exc.problem} [{exc.rule}]") from None
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
    _only(path, data, where, tuple(sorted(cls.__dataclass_fields__)), required)
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


# Names and footer facts are written into every page's header, navigation, <title> and footer,
# and mkdocs-material prints some of them without escaping: a value with one of these characters
# is refused (a 门户 name never needs them; full-width ＜＞＆ and 《》 are fine).
HTML_SPECIAL = "<>&\"'`"


# URL values keep their query strings ("&"), and are escaped where templates print them
URL_KEYS = frozenset({"site_url", "gov_mark_image", "gov_mark_url", "error_report_url"})


def _refuse_markup(path: Path, record: Any, where: str, keys: Iterable[str]) -> None:
    for key in keys:
        value = getattr(record, key)
        if isinstance(value, str):
            special = HTML_SPECIAL.replace("&", "") + " " if key in URL_KEYS else HTML_SPECIAL
            bad = sorted({c for c in value if c in special or (c < " " and c != "\t")})
            if bad:
                shown = "、".join(repr(c)[1:-1] if c < " " else c for c in bad)
                raise ConfigError(
                    path,
                    f"{where}键 “{key}” 的值 “{value}” 含有 HTML 特殊字符或控制字符 {shown}：它会写进每个网页的页眉、"
                    "导航或页脚，请去掉（可改用全角的 ＜ ＞ ＆ 或书名号《》）",
                )


def load_portal(path: Path) -> Portal:
    data = _mapping(path, _read_yaml(path), "portal.yaml ")
    portal = _build(
        Portal, path, data, "", ("name", "site_url", "sponsor", "site_code", "icp", "police_record", "org_code")
    )
    _refuse_markup(
        path,
        portal,
        "",
        [k for k, f in Portal.__dataclass_fields__.items() if "str" in str(f.type) and "tuple" not in str(f.type)],
    )
    try:
        ZoneInfo(portal.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(path, f"时区 “{portal.timezone}” 无效，例如 Asia/Shanghai") from None
    from pipeline.numbering import format_problem  # late import: numbering imports this module

    problem = format_problem(portal.index_format)
    if problem:
        raise ConfigError(path, f"键 “index_format”（索引号格式）{problem}，例如 {{org_code}}/{{year}}-{{seq:05d}}")
    if (
        isinstance(portal.search_shard_pages, bool)
        or not isinstance(portal.search_shard_pages, int)
        or portal.search_shard_pages < 1
    ):
        raise ConfigError(
            path,
            f"键 “search_shard_pages”（搜索索引每片信息页数）应为正整数，例如 8000，现为 {portal.search_shard_pages!r}",
        )
    problem = footer_marks_problem(portal)
    if problem:
        raise ConfigError(path, problem)
    from pipeline.cms import parse_settings  # late import: cms builds on this module

    portal = Portal(**{**portal.__dict__, "cms": parse_settings(path, data.get("cms"))})
    for key, low, high in (("first_year", 1, 9000), ("max_body_kb", 1, 1024 * 1024)):
        value = getattr(portal, key)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ConfigError(path, f"键 “{key}” 应为 {low} 到 {high} 之间的整数，现为 {value!r}")
    if not portal.site_url.endswith("/"):
        portal = Portal(**{**portal.__dict__, "site_url": portal.site_url + "/"})
    return portal


def _web_url(value: str) -> bool:
    parts = urlsplit(value)
    return (
        parts.scheme in ("http", "https")
        and bool(parts.netloc)
        and not any(c.isspace() or c in "\"'<>\\" for c in value)
    )


def footer_marks_problem(portal: Portal) -> str:
    """What is wrong with the footer marks of portal.yaml (党政机关网站标识、我为政府网站找错), or ""."""
    image, url = portal.gov_mark_image, portal.gov_mark_url
    if bool(image) != bool(url):
        return "键 “gov_mark_image”（党政机关网站标识图片）和 “gov_mark_url”（标识核验链接）要同时填写"
    if url and not _web_url(url):
        return f"键 “gov_mark_url”（党政机关网站标识核验链接）应为 https:// 或 http:// 开头的网址，现为 {url!r}"
    if image and not _web_url(image):
        if (
            image.startswith("/")
            or ":" in image
            or "\\" in image
            or ".." in image.split("/")
            or any(c.isspace() or c in "\"'<>?#" for c in image)
        ):
            return f"键 “gov_mark_image”（党政机关网站标识图片）应为站内相对路径（如 assets/images/gov-mark.png）或 https:// 网址，现为 {image!r}"
    pattern = portal.error_report_url
    if not _web_url(pattern):
        return f"键 “error_report_url”（我为政府网站找错）应为 https:// 或 http:// 开头的网址，现为 {pattern!r}"
    try:
        fields = [
            (name, spec, conversion)
            for _, name, spec, conversion in string.Formatter().parse(pattern)
            if name is not None
        ]
    except ValueError:
        fields = [("?", "", None)]
    names = {name if not spec and conversion is None else "?" for name, spec, conversion in fields}
    if "site_code" not in names or not names <= {"site_code", "page_url"}:
        return f"键 “error_report_url”（我为政府网站找错）须含 {{site_code}}，可含 {{page_url}}，不能有其他花括号，例如 {ERROR_REPORT_URL}"
    return ""


def _id_ok(value: Any) -> bool:
    return (
        isinstance(value, str)
        and value != ""
        and all(c.isascii() and (c.isalnum() or c == "-") for c in value)
        and value == value.lower()
    )


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
        _refuse_markup(path, column, where, ("name",))
        if not _id_ok(column.id):
            raise ConfigError(path, f"{where}id “{column.id}” 只能用小写英文字母、数字和连字符")
        if column.id in seen:
            raise ConfigError(path, f"{where}id “{column.id}” 重复")
        if column.category not in COLUMN_CATEGORIES:
            raise ConfigError(path, f"{where}category “{column.category}” 无效，可选：{'、'.join(COLUMN_CATEGORIES)}")
        if column.report_category not in REPORT_CATEGORIES:
            shown = f"“{column.report_category}” 无效" if column.report_category else "没有 report_category"
            raise ConfigError(
                path,
                f"{where}栏目 “{column.id}”（{column.name}）{shown}：每个栏目都要归入《政府网站工作年度报表》"
                f"信息发布的一类，可选：{'、'.join(REPORT_CATEGORIES)}",
            )
        seen.add(column.id)
        columns.append(column)
    return tuple(sorted(columns, key=lambda c: (c.order, c.id)))


def load_kinds(path: Path, data: dict) -> tuple[tuple[SiteKind, ...], tuple[StatsTable, ...]]:
    """子站类别与统计表（sites.yaml ``kinds``、``stats_tables``；省略时为市站、科室、事业单位、县市区、开发区）。"""
    tables = DEFAULT_STATS_TABLES
    if data.get("stats_tables") is not None:
        entries = data["stats_tables"]
        if not isinstance(entries, list) or not entries:
            raise ConfigError(path, "stats_tables 应当是列表，每项含 id 与 title")
        tables = tuple(
            _build(
                StatsTable,
                path,
                _mapping(path, e, f"stats_tables 第 {n} 项："),
                f"stats_tables 第 {n} 项：",
                ("id", "title"),
            )
            for n, e in enumerate(entries, 1)
        )
    kinds = DEFAULT_KINDS
    if data.get("kinds") is not None:
        entries = data["kinds"]
        if not isinstance(entries, list) or not entries:
            raise ConfigError(path, "kinds 应当是列表，每项含 id（类别名）与 label（导航标签）")
        parsed = []
        for n, entry in enumerate(entries, 1):
            where = f"kinds 第 {n} 项："
            entry = _only(path, entry, where, ("id", "label", "ranked", "table", "main"), ("id", "label"))
            for flag in ("ranked", "main"):
                if flag in entry and not isinstance(entry[flag], bool):
                    raise ConfigError(path, f"{where}{flag} 只能是 true 或 false")
            parsed.append(
                SiteKind(
                    str(entry["id"]),
                    str(entry["label"]),
                    entry.get("ranked", True),
                    str(entry.get("table") or ""),
                    entry.get("main", False),
                )
            )
        kinds = tuple(parsed)
    ids = [k.id for k in kinds]
    if len(set(ids)) != len(ids):
        raise ConfigError(path, f"kinds 中的类别重复：{'、'.join(sorted({i for i in ids if ids.count(i) > 1}))}")
    table_ids = {t.id for t in tables}
    for n, kind in enumerate(kinds, 1):
        _refuse_markup(path, kind, f"kinds 第 {n} 项：", ("id", "label"))
    for n, table in enumerate(tables, 1):
        _refuse_markup(path, table, f"stats_tables 第 {n} 项：", ("title",))
    for kind in kinds:
        if kind.table and kind.table not in table_ids:
            raise ConfigError(
                path,
                f"类别 “{kind.id}” 的 table “{kind.table}” 不在 stats_tables 中（可选：{'、'.join(sorted(table_ids))}）",
            )
    return kinds, tables


def load_sites(
    path: Path, columns: tuple[Column, ...], kinds: tuple[SiteKind, ...] = DEFAULT_KINDS
) -> tuple[Site, ...]:
    data = _mapping(path, _read_yaml(path), "sites.yaml ")
    entries = data.get("sites")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(path, "需要非空列表 “sites”")
    column_ids = [c.id for c in columns]
    kind_ids = [k.id for k in kinds]
    sites, seen = [], set()
    for n, entry in enumerate(entries, 1):
        where = f"第 {n} 个子站："
        entry = _mapping(path, entry, where)
        entry = {"order": n, "columns": column_ids, **entry}
        site = _build(Site, path, entry, where, ("id", "name", "kind"))
        _refuse_markup(path, site, where, ("name",))
        if not _id_ok(site.id):
            raise ConfigError(path, f"{where}id “{site.id}” 只能用小写英文字母、数字和连字符")
        if site.id in seen:
            raise ConfigError(path, f"{where}id “{site.id}” 重复")
        if site.id in RESERVED_IDS:
            raise ConfigError(
                path, f"{where}id “{site.id}” 是门户保留的网址目录，请换一个（保留：{'、'.join(sorted(RESERVED_IDS))}）"
            )
        if site.kind not in kind_ids:
            raise ConfigError(
                path, f"{where}kind “{site.kind}” 无效，可选：{'、'.join(kind_ids)}（类别在本文件的 kinds 中定义）"
            )
        for cid in site.columns:
            if cid not in column_ids:
                raise ConfigError(path, f"{where}栏目 “{cid}” 不在 columns.yaml 中")
        seen.add(site.id)
        sites.append(site)
    return tuple(sorted(sites, key=lambda s: (kind_ids.index(s.kind), s.order, s.id)))


def load_config(config_dir: Path | str) -> Config:
    """Read every ``site_config/*.yaml`` once; raise :class:`ConfigError` on the first problem."""
    root = Path(config_dir)
    if not root.is_dir():
        raise ConfigError(root, "配置目录不存在")
    portal = load_portal(root / "portal.yaml")
    columns = load_columns(root / "columns.yaml")
    kinds, stats_tables = load_kinds(
        root / "sites.yaml", _mapping(root / "sites.yaml", _read_yaml(root / "sites.yaml"), "sites.yaml ")
    )
    sites = load_sites(root / "sites.yaml", columns, kinds)
    kind_ids = tuple(k.id for k in kinds)
    return Config(
        root=root,
        portal=portal,
        sites=sites,
        columns=columns,
        site_by_id={s.id: s for s in sites},
        column_by_id={c.id: c for c in columns},
        quotas=load_quotas(root / "quotas.yaml", sites, kind_ids),
        scoring=load_scoring(root / "scoring.yaml", kind_ids),
        health=load_health(root / "health.yaml"),
        confidentiality=load_confidentiality(root / "confidentiality.yaml"),
        upstream=load_upstream(root / "upstream.yaml"),
        review=_load_review(root / "reviewers.yaml", tuple(s.id for s in sites)),
        kinds=kinds,
        stats_tables=stats_tables,
        fees=_load_fees(root / "fees.yaml"),
        website_report=_load_website_report(root / "website_report.yaml", columns, sites),
    )


def _load_fees(path: Path) -> Any:
    from pipeline.fee_config import load_fees  # late import: fee_config builds on this module

    return load_fees(path)


def _load_review(path: Path, site_ids: tuple[str, ...]) -> "ReviewRules":
    from pipeline.review_config import load_review  # late import: review_config builds on this module

    return load_review(path, site_ids)


def _website_report_defaults() -> Any:
    # late import: website_config imports this module
    from pipeline.website_config import WebsiteReportSettings

    return WebsiteReportSettings()


def _load_website_report(path: Path, columns: tuple[Column, ...], sites: tuple[Site, ...]) -> Any:
    # late import: website_config imports this module
    from pipeline.website_config import load_website_report

    return load_website_report(path, tuple(c.id for c in columns), tuple(s.id for s in sites))


# ---------------------------------------------------------------------------------------
# Statistics sections (issue 5): quotas.yaml (任务分配), scoring.yaml (记分办法), health.yaml
# (栏目更新时限).  Each is optional: a missing file means the defaults below (seed 000's
# scheme, no quotas, the inspection limits of 国办秘函〔2019〕19号).

PERIODS = ("week", "month", "quarter", "year")


@dataclass(frozen=True)
class Quota:
    """任务：每月、全年条数；None 表示没有该项任务（任务分配表中的 “-”）。"""

    monthly: int | None = None
    yearly: int | None = None

    @property
    def yearly_target(self) -> int | None:
        """全年任务；只定了每月任务时按 12 个月计。"""
        if self.yearly is not None:
            return self.yearly
        return None if self.monthly is None else self.monthly * 12


@dataclass(frozen=True)
class Quotas:
    by_kind: tuple[tuple[str, Quota], ...] = ()
    by_site: tuple[tuple[str, Quota], ...] = ()

    def for_site(self, site: Site) -> Quota | None:
        """The unit's own line of the 任务分配表 if it has one, else its kind's default."""
        own = dict(self.by_site).get(site.id)
        return own if own is not None else dict(self.by_kind).get(site.kind)


@dataclass(frozen=True)
class Points:
    """分值：一个整数，或按条目类别（简讯/信息/调研）、子站类别（县市区/科室 …）取值。"""

    default: int = 0
    by_key: tuple[tuple[str, int], ...] = ()

    def value(self, item_kind: str, site_kind: str) -> int:
        table = dict(self.by_key)
        if item_kind in table:
            return table[item_kind]
        return table.get(site_kind, self.default)


@dataclass(frozen=True)
class ItemRule:
    """条目本身的分值规则（如 调研 3000 字以上计 10 分）；第一条符合的规则生效。"""

    points: Points
    kind: str | None = None
    min_chars: int = 0


@dataclass(frozen=True)
class AdoptionLevel:
    """采用级别（条目 adopted 的取值）：市局、省厅、某刊物、某领导批示 …

    同一 group 内的多个级别只取最高分（“多位领导批示的取最高分值”），不同 group 分别加分。"""

    level: str
    points: Points
    group: str = ""


@dataclass(frozen=True)
class Minimum:
    """最低报送数：每个 period 至少 count 条（kind 为空表示任何类别），每少一条扣 penalty 分。"""

    period: str
    count: int
    penalty: int
    kind: str | None = None


@dataclass(frozen=True)
class ScoringScheme:
    name: str = ""
    base: int = 0  # 每个单位的基础分（长春高新区办法为 80）
    item_points: Points = field(default_factory=lambda: Points(1))
    item_rules: tuple[ItemRule, ...] = ()
    adoption: tuple[AdoptionLevel, ...] = ()
    minimums: tuple[Minimum, ...] = ()

    @property
    def levels(self) -> tuple[str, ...]:
        return tuple(a.level for a in self.adoption)


@dataclass(frozen=True)
class HealthRules:
    """栏目更新检查：各栏目类别的更新时限（“2w” 两周、“6m” 六个月、“1y” 一年、“30d”），首页时限，单项否决门槛。"""

    limits: tuple[tuple[str, str], ...] = (
        ("动态要闻", "2w"),
        ("通知公告", "6m"),
        ("政策文件", "6m"),
        ("人事", "1y"),
        ("规划计划", "1y"),
    )
    home: str = "2w"
    veto_categories: tuple[str, ...] = ("动态要闻", "通知公告", "政策文件")
    stale_veto: int = 5  # 动态要闻、通知公告、政策文件栏目不更新 ≥ 5 个
    long_stale_veto: int = 10  # 应更新而长期未更新的栏目 ≥ 10 个
    blank_veto: int = 5  # 空白栏目 ≥ 5 个


DEFAULT_SCORING = {
    "name": "岳阳市商务局商务信息记分办法（岳商发〔2014〕79号）",
    "base": 0,
    "item_points": 1,
    "item_rules": [{"kind": "调研", "min_chars": 3000, "points": 10}],
    "adoption": [
        {"level": "市局", "points": 1, "group": "市局提取"},
        {"level": "局办公室", "points": 1, "group": "市局提取"},
        {"level": "省厅", "points": {"县市区": 5, "科室": 3, "default": 3}},
    ],
}

_DURATION = re.compile(r"^\s*(\d+)\s*([dwmy])\s*$")


def parse_duration(text: str) -> tuple[int, str] | None:
    """``"2w"`` → ``(2, "w")``; None when malformed."""
    m = _DURATION.match(str(text))
    return (int(m.group(1)), m.group(2)) if m else None


def _int(path: Path, value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(path, f"{where}应当是非负整数，实际是 {value!r}")
    return value


def _points(path: Path, value: Any, where: str, site_kinds: tuple[str, ...] = SITE_KINDS) -> Points:
    if isinstance(value, dict):
        keys = set(site_kinds) | set(ITEM_KINDS) | {"default"}
        table = []
        for key, v in value.items():
            if key not in keys:
                raise ConfigError(
                    path,
                    f"{where}分值的键 “{key}” 无效，可用：default、{'、'.join(ITEM_KINDS)}、{'、'.join(site_kinds)}",
                )
            table.append((str(key), _int(path, v, f"{where}{key} 的分值")))
        default = dict(table).pop("default", 0)
        return Points(default, tuple((k, v) for k, v in table if k != "default"))
    return Points(_int(path, value, f"{where}分值"))


def _only(path: Path, entry: Any, where: str, known: tuple[str, ...], required: tuple[str, ...] = ()) -> dict:
    entry = _mapping(path, entry, where)
    for key in entry:
        if key not in known:
            raise ConfigError(path, f"{where}未知的键 “{key}”（可用：{'、'.join(known)}）")
    for key in required:
        if entry.get(key) in (None, ""):
            raise ConfigError(path, f"{where}缺少必填键 “{key}”")
    return entry


def parse_scoring(path: Path, data: Any, site_kinds: tuple[str, ...] = SITE_KINDS) -> ScoringScheme:
    data = _only(
        path,
        data if data is not None else {},
        "scoring.yaml ",
        ("name", "base", "item_points", "item_rules", "adoption", "minimums"),
    )
    rules = []
    for n, entry in enumerate(data.get("item_rules") or [], 1):
        where = f"item_rules 第 {n} 条："
        entry = _only(path, entry, where, ("kind", "min_chars", "points"), ("points",))
        kind = entry.get("kind")
        if kind is not None and kind not in ITEM_KINDS:
            raise ConfigError(path, f"{where}kind “{kind}” 无效，可选：{'、'.join(ITEM_KINDS)}")
        rules.append(
            ItemRule(
                _points(path, entry["points"], where, site_kinds),
                kind,
                _int(path, entry.get("min_chars", 0), f"{where}min_chars "),
            )
        )
    levels, seen = [], set()
    for n, entry in enumerate(data.get("adoption") or [], 1):
        where = f"adoption 第 {n} 条："
        entry = _only(path, entry, where, ("level", "points", "group"), ("level", "points"))
        level = str(entry["level"]).strip()
        if level in seen:
            raise ConfigError(path, f"{where}采用级别 “{level}” 重复")
        seen.add(level)
        levels.append(
            AdoptionLevel(level, _points(path, entry["points"], where, site_kinds), str(entry.get("group") or ""))
        )
    minimums = []
    for n, entry in enumerate(data.get("minimums") or [], 1):
        where = f"minimums 第 {n} 条："
        entry = _only(path, entry, where, ("period", "count", "penalty", "kind"), ("period", "count", "penalty"))
        if entry["period"] not in PERIODS:
            raise ConfigError(path, f"{where}period “{entry['period']}” 无效，可选：{'、'.join(PERIODS)}")
        kind = entry.get("kind")
        if kind is not None and kind not in ITEM_KINDS:
            raise ConfigError(path, f"{where}kind “{kind}” 无效，可选：{'、'.join(ITEM_KINDS)}")
        minimums.append(
            Minimum(
                entry["period"],
                _int(path, entry["count"], f"{where}count "),
                _int(path, entry["penalty"], f"{where}penalty "),
                kind,
            )
        )
    return ScoringScheme(
        name=str(data.get("name") or ""),
        base=_int(path, data.get("base", 0), "base "),
        item_points=_points(path, data.get("item_points", 1), "item_points ", site_kinds),
        item_rules=tuple(rules),
        adoption=tuple(levels),
        minimums=tuple(minimums),
    )


def load_scoring(path: Path, site_kinds: tuple[str, ...] = SITE_KINDS) -> ScoringScheme:
    if not path.is_file():
        return parse_scoring(path, DEFAULT_SCORING, site_kinds)
    return parse_scoring(path, _read_yaml(path), site_kinds)


def _quota(path: Path, value: Any, where: str) -> Quota:
    entry = _only(path, value, where, ("monthly", "yearly"))

    def one(key: str) -> int | None:
        v = entry.get(key)
        return None if v in (None, "-", "－", "") else _int(path, v, f"{where}{key} ")

    quota = Quota(one("monthly"), one("yearly"))
    if quota.monthly is None and quota.yearly is None:
        raise ConfigError(path, f"{where}至少要有 monthly 或 yearly 之一（“-” 表示没有该项任务）")
    return quota


def load_quotas(path: Path, sites: tuple[Site, ...], site_kinds: tuple[str, ...] = SITE_KINDS) -> Quotas:
    if not path.is_file():
        return Quotas()
    data = _only(path, _read_yaml(path) or {}, "quotas.yaml ", ("defaults", "sites"))
    by_kind = []
    for kind, value in (_mapping(path, data.get("defaults") or {}, "defaults ")).items():
        if kind not in site_kinds:
            raise ConfigError(path, f"defaults 的子站类别 “{kind}” 无效，可选：{'、'.join(site_kinds)}")
        by_kind.append((kind, _quota(path, value, f"defaults.{kind}：")))
    ids = {s.id for s in sites}
    by_site = []
    for sid, value in (_mapping(path, data.get("sites") or {}, "sites ")).items():
        if sid not in ids:
            raise ConfigError(path, f"sites 中的子站 “{sid}” 不在 sites.yaml 中")
        by_site.append((sid, _quota(path, value, f"sites.{sid}：")))
    return Quotas(tuple(by_kind), tuple(by_site))


def load_health(path: Path) -> HealthRules:
    if not path.is_file():
        return HealthRules()
    keys = ("limits", "home", "veto_categories", "stale_veto", "long_stale_veto", "blank_veto")
    data = _only(path, _read_yaml(path) or {}, "health.yaml ", keys)
    rules = HealthRules()
    limits = rules.limits
    if "limits" in data:
        table = _mapping(path, data["limits"], "limits ")
        for category, value in table.items():
            if category not in COLUMN_CATEGORIES:
                raise ConfigError(path, f"limits 的栏目类别 “{category}” 无效，可选：{'、'.join(COLUMN_CATEGORIES)}")
            if parse_duration(value) is None:
                raise ConfigError(
                    path, f"limits.{category} 的时限 “{value}” 无效，例如 2w（两周）、6m（六个月）、1y（一年）、30d"
                )
        limits = tuple((str(k), str(v)) for k, v in table.items())
    home = str(data.get("home", rules.home))
    if parse_duration(home) is None:
        raise ConfigError(path, f"home 的时限 “{home}” 无效，例如 2w")
    veto = tuple(str(c) for c in data.get("veto_categories", rules.veto_categories))
    for category in veto:
        if category not in COLUMN_CATEGORIES:
            raise ConfigError(path, f"veto_categories 中的栏目类别 “{category}” 无效")
    return HealthRules(
        limits=limits,
        home=home,
        veto_categories=veto,
        stale_veto=_int(path, data.get("stale_veto", rules.stale_veto), "stale_veto "),
        long_stale_veto=_int(path, data.get("long_stale_veto", rules.long_stale_veto), "long_stale_veto "),
        blank_veto=_int(path, data.get("blank_veto", rules.blank_veto), "blank_veto "),
    )


# ---------------------------------------------------------------------------------------
# Upstream deduplication (issue 3): upstream.yaml — optional; missing means no sources and
# the default similarity parameters.


def _number(path: Path, value: Any, where: str, low: float, high: float, integer: bool = False) -> Any:
    ok = not isinstance(value, bool) and isinstance(value, int if integer else (int, float))
    if not ok or not low <= value <= high:
        kind = "整数" if integer else "数"
        raise ConfigError(path, f"{where}应当是 {low}–{high} 之间的{kind}，实际是 {value!r}")
    return value


def load_upstream(path: Path) -> UpstreamConfig:
    if not path.is_file():
        return UpstreamConfig()
    data = _only(
        path,
        _read_yaml(path) or {},
        "upstream.yaml ",
        ("sources", "threshold", "shingle", "num_perm", "lsh_threshold", "seed"),
    )
    defaults = UpstreamConfig()
    threshold = float(_number(path, data.get("threshold", defaults.threshold), "键 “threshold” ", 0.05, 1.0))
    lsh = float(
        _number(
            path, data.get("lsh_threshold", min(defaults.lsh_threshold, threshold)), "键 “lsh_threshold” ", 0.05, 1.0
        )
    )
    if lsh > threshold:
        raise ConfigError(path, f"lsh_threshold（{lsh}）不能大于 threshold（{threshold}），否则会漏掉相似条目")
    sources, seen = [], set()
    entries = data.get("sources") or []
    if not isinstance(entries, list):
        raise ConfigError(path, "“sources” 应当是列表")
    for n, entry in enumerate(entries, 1):
        where = f"第 {n} 个信息源："
        entry = _only(path, entry, where, ("id", "name", "level", "url", "file"), ("id", "name", "level"))
        if bool(entry.get("url")) == bool(entry.get("file")):
            raise ConfigError(path, f"{where}请填写 url（RSS/Atom 网址）或 file（本地文件）其中之一")
        if not _id_ok(entry["id"]):
            raise ConfigError(path, f"{where}id “{entry['id']}” 只能用小写英文字母、数字和连字符")
        if entry["id"] in seen:
            raise ConfigError(path, f"{where}id “{entry['id']}” 重复")
        seen.add(entry["id"])
        sources.append(
            UpstreamSource(
                str(entry["id"]), str(entry["name"]), str(entry["level"]), str(entry.get("url") or entry.get("file"))
            )
        )
    return UpstreamConfig(
        sources=tuple(sources),
        threshold=threshold,
        shingle=_number(path, data.get("shingle", defaults.shingle), "键 “shingle” ", 1, 16, integer=True),
        num_perm=_number(path, data.get("num_perm", defaults.num_perm), "键 “num_perm” ", 16, 1024, integer=True),
        lsh_threshold=lsh,
        seed=_number(path, data.get("seed", defaults.seed), "键 “seed” ", 0, 2**31, integer=True),
    )


@dataclass(frozen=True)
class ConfidentialityRules:
    """保密审查：是否允许本人审签、密级标志、敏感词表、字数下限、不允许的 HTML 标签。"""

    allow_self_review: bool = False  # 审签人与信息员为同一人时是否算已审签（谁公开、谁负责：默认不算）
    marker_levels: tuple[str, ...] = (
        "绝密",
        "机密",
        "秘密",
    )  # 密级词：带 ★、在“密级”后、加括号、独占一行或在标题开头时拦截
    marker_phrases: tuple[str, ...] = (
        "内部资料 注意保存",
        "不得外传",
        "严禁外传",
        "内部文件",
        "内部明电",
    )  # 出现即拦截；空格处可有空格或标点
    sensitive_words_file: str = "sensitive_words.txt"  # 相对于配置目录；每行一个词，# 开头为注释
    sensitive_words: tuple[str, ...] = ()  # 从 sensitive_words_file 读入
    min_chars: int = 200  # 正文少于此字数时警告 too-short
    unsafe_tags: tuple[str, ...] = (
        "script",
        "iframe",
        "frame",
        "frameset",
        "style",
        "object",
        "embed",
        "applet",
        "base",
        "meta",
        "link",
        "form",
    )
    # 无法读取文字、仍允许发布的附件扩展名（小写、不带点）；其余无法读取的类型一律 unscannable-attachment
    unscanned_attachment_types: tuple[str, ...] = ("jpg", "jpeg", "png", "gif", "webp")


def load_sensitive_words(path: Path) -> tuple[str, ...]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(path, "敏感词表不是 UTF-8 编码，请另存为 UTF-8") from None
    words: list[str] = []
    for line in text.splitlines():
        word = line.split("#", 1)[0].strip()
        if word and word not in words:
            words.append(word)
    return tuple(words)


def load_confidentiality(path: Path) -> ConfidentialityRules:
    defaults = ConfidentialityRules()
    data = {}
    if path.is_file():
        keys = (
            "allow_self_review",
            "marker_levels",
            "marker_phrases",
            "sensitive_words_file",
            "min_chars",
            "unsafe_tags",
            "unscanned_attachment_types",
        )
        data = _only(path, _read_yaml(path) or {}, "confidentiality.yaml ", keys)
    allow = data.get("allow_self_review", defaults.allow_self_review)
    if not isinstance(allow, bool):
        raise ConfigError(path, f"allow_self_review 只能是 true 或 false，实际是 {allow!r}")
    lists = {}
    for key in ("marker_levels", "marker_phrases", "unsafe_tags"):
        value = data.get(key, getattr(defaults, key))
        if not isinstance(value, (list, tuple)) or any(not isinstance(v, str) or not v.strip() for v in value):
            raise ConfigError(path, f"{key} 应当是非空文字的列表，例如 [绝密, 机密, 秘密]")
        lists[key] = tuple(v.strip() for v in value)
    unscanned = data.get("unscanned_attachment_types", defaults.unscanned_attachment_types)
    if unscanned is None:
        unscanned = ()
    if not isinstance(unscanned, (list, tuple)) or any(not isinstance(v, str) or not v.strip(" .") for v in unscanned):
        raise ConfigError(path, "unscanned_attachment_types 应当是扩展名的列表，例如 [jpg, png]（不需要时写 []）")
    unscanned = tuple(dict.fromkeys(v.strip().lstrip(".").lower() for v in unscanned))
    readable = {"docx", "xlsx", "pdf", "csv", "txt", "md", "svg", "html", "htm"}
    if readable & set(unscanned):
        raise ConfigError(
            path, f"unscanned_attachment_types 不能包含可以审查的类型：{'、'.join(sorted(readable & set(unscanned)))}"
        )
    words_name = data.get("sensitive_words_file", defaults.sensitive_words_file)
    if not isinstance(words_name, str) or not words_name.strip():
        raise ConfigError(path, "sensitive_words_file 应当是文件名，例如 sensitive_words.txt")
    words_file = path.parent / words_name
    if words_file.is_file():
        words = load_sensitive_words(words_file)
    elif "sensitive_words_file" in data:
        raise ConfigError(path, f"sensitive_words_file 指定的敏感词表 “{words_name}” 不存在")
    else:
        words = ()
    return ConfidentialityRules(
        allow_self_review=allow,
        sensitive_words_file=words_name,
        sensitive_words=words,
        min_chars=_int(path, data.get("min_chars", defaults.min_chars), "min_chars "),
        unscanned_attachment_types=unscanned,
        **lists,
    )
