"""``site_config/portal.yaml``: the bureau (name, footer facts, 索引号 organisation code and number
format, site URL, time zone, page sizes) and its ``cms`` section (the web editor's git host and choice lists).

Reads only portal.yaml.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pipeline.config.fields import ConfigError, build, mapping, only, read_yaml, refuse_markup


# 全国政府网站“我为政府网站找错”平台（国办政府网站管理）的纠错页
ERROR_REPORT_URL = "https://zfwzgl.www.gov.cn/exposure/jiucuo.html?site_code={site_code}&url={page_url}"


HOSTS = ("github", "gitlab", "gitea")  # git hosts the web editor (Decap CMS) can commit to
DEFAULT_CHANNELS = ("网站", "微信", "微博", "政务客户端")
INDEX_FIELDS = ("org_code", "year", "seq")  # what index_format (索引号格式) may name


@dataclass(frozen=True)
class CmsSettings:
    """portal.yaml ``cms``: where the editor commits in production, and its choice lists."""

    backend: str = ""  # github | gitlab | gitea ("" = not set up: cms-config says so)
    repo: str = ""  # owner/name on the git host
    branch: str = "main"  # the branch the site is built from
    base_url: str = ""  # the git host (self-hosted GitLab/Gitea) or the OAuth server (GitHub)
    app_id: str = ""  # OAuth application id (GitLab, Gitea)
    review_branch: str = (
        "cms"  # Gitea only: Decap has no editorial workflow there; it commits here, merged by pull request
    )
    channels: tuple[str, ...] = DEFAULT_CHANNELS
    topics: tuple[str, ...] = ()  # 主题分类; empty: free text
    genres: tuple[str, ...] = ()  # 体裁分类; empty: free text


def parse_settings(path: Path, data: Any) -> CmsSettings:
    if data is None:
        return CmsSettings()
    keys = tuple(CmsSettings.__dataclass_fields__)
    entry = only(path, data, "cms：", keys)
    values: dict[str, Any] = {}
    for key, value in entry.items():
        if key in ("channels", "topics", "genres"):
            if not isinstance(value, list) or any(not isinstance(v, (str, int)) or not str(v).strip() for v in value):
                raise ConfigError(path, f"cms：键 “{key}” 应当是文字列表，例如 [网站, 微信]")
            values[key] = tuple(dict.fromkeys(str(v).strip() for v in value))
        elif value is None:
            continue
        elif not isinstance(value, (str, int)) or isinstance(value, bool):
            raise ConfigError(path, f"cms：键 “{key}” 应当是文字，实际是 {value!r}")
        else:
            values[key] = str(value).strip()
    settings = CmsSettings(**values)
    if settings.backend and settings.backend not in HOSTS:
        raise ConfigError(path, f"cms：backend “{settings.backend}” 无效，可选：{'、'.join(HOSTS)}")
    if settings.backend and "/" not in settings.repo:
        raise ConfigError(path, "cms：repo 应当写成 所有者/仓库名，例如 swj/portal")
    if settings.base_url and urlsplit(settings.base_url).scheme not in ("http", "https"):
        raise ConfigError(path, f"cms：base_url 应为 https:// 开头的网址，现为 {settings.base_url!r}")
    if settings.backend == "gitea" and settings.review_branch == settings.branch:
        raise ConfigError(
            path, "cms：Gitea 上编辑器没有审核流程，review_branch 不能是发布用的 branch（否则未经审签直接上线）"
        )
    if not settings.channels:
        raise ConfigError(path, "cms：channels 不能为空（至少有 网站）")
    return settings


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
    cms: CmsSettings = field(default_factory=lambda: CmsSettings())
    first_year: int = 1949  # 发布日期最早的年份；更早的日期是 bad-date（pipeline/load.py）
    max_body_kb: int = 2048  # 正文（front matter 之后）最大 KB；超过是 body-too-large

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def load_portal(path: Path) -> Portal:
    data = mapping(path, read_yaml(path), "portal.yaml ")
    portal = build(
        Portal, path, data, "", ("name", "site_url", "sponsor", "site_code", "icp", "police_record", "org_code")
    )
    refuse_markup(
        path,
        portal,
        "",
        [k for k, f in Portal.__dataclass_fields__.items() if "str" in str(f.type) and "tuple" not in str(f.type)],
    )
    try:
        ZoneInfo(portal.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(path, f"时区 “{portal.timezone}” 无效，例如 Asia/Shanghai") from None
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


def format_problem(fmt: str) -> str | None:
    """Why an ``index_format`` is unusable, or None ."""
    try:
        names = [f for _, f, _, _ in string.Formatter().parse(fmt) if f is not None]
    except ValueError as exc:
        return f"格式无法解析：{exc}"
    unknown = [n for n in names if n not in INDEX_FIELDS]
    if unknown:
        return f"只能使用 {{org_code}}、{{year}}、{{seq}}，不认识 “{{{unknown[0]}}}”"
    if "year" not in names or "seq" not in names:
        return "必须包含 {year} 和 {seq}"
    try:
        fmt.format(org_code="X", year=2024, seq=1)
    except (ValueError, KeyError, IndexError) as exc:
        return f"格式无法使用：{exc}"
    return None
