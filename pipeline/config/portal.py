"""``site_config/portal.yaml``: the bureau (name, footer facts, 索引号 organisation code and number
format, site URL, time zone, page sizes) and its ``cms`` section (the web editor's git host and choice lists).

Reads only portal.yaml.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pipeline.config.fields import ConfigError, Entry, Wrong, integer, mapping, read_yaml, refuse_markup, text, texts


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


def _stripped(value: Any) -> str:
    if isinstance(value, float):
        raise Wrong("应当是文字")
    return text(value).strip()


def _choices(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or any(
        isinstance(v, bool) or not isinstance(v, (str, int)) or not str(v).strip() for v in value
    ):
        raise Wrong("应当是文字列表，例如 [网站, 微信]")
    return tuple(dict.fromkeys(str(v).strip() for v in value))


CMS_FIELDS = {
    "backend": _stripped,
    "repo": _stripped,
    "branch": _stripped,
    "base_url": _stripped,
    "app_id": _stripped,
    "review_branch": _stripped,
    "channels": _choices,
    "topics": _choices,
    "genres": _choices,
}


def parse_settings(path: Path, data: Any) -> CmsSettings:
    """portal.yaml ``cms`` (None: not set up)."""
    if data is None:
        return CmsSettings()
    entry = Entry(path, data, "cms：", CMS_FIELDS)
    settings = CmsSettings(**entry.values(CMS_FIELDS))
    if settings.backend and settings.backend not in HOSTS:
        raise entry.error(f"backend “{settings.backend}” 无效，可选：{'、'.join(HOSTS)}")
    if settings.backend and "/" not in settings.repo:
        raise entry.error("repo 应当写成 所有者/仓库名，例如 swj/portal")
    if settings.base_url and urlsplit(settings.base_url).scheme not in ("http", "https"):
        raise entry.error(f"base_url 应为 https:// 开头的网址，现为 {settings.base_url!r}")
    if settings.backend == "gitea" and settings.review_branch == settings.branch:
        raise entry.error("Gitea 上编辑器没有审核流程，review_branch 不能是发布用的 branch（否则未经审签直接上线）")
    if not settings.channels:
        raise entry.error("channels 不能为空（至少有 网站）")
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
    # 站内搜索索引分片（pipeline/search_index.py）：每片约多少信息页（按整月，自最早的月份起），信息达到多少条时开始分片
    search_shard_pages: int = 500
    search_shards_from: int = 1000
    # 页脚标识（theme/partials/copyright.html）：党政机关网站标识的图片（站内路径或 https 网址）与核验链接，
    # 以及“我为政府网站找错”的网址格式（{site_code} 网站标识码、{page_url} 本页网址，均按网址编码填入）
    gov_mark_image: str = ""
    gov_mark_url: str = ""
    error_report_url: str = ERROR_REPORT_URL
    # 网页编辑器（portal.yaml ``cms``）：git 托管平台与编辑器的选项表（用于 pipeline/cms.py）
    cms: CmsSettings = field(default_factory=lambda: CmsSettings())
    first_year: int = 1949  # 发布日期最早的年份；更早的日期是 bad-date（pipeline/load.py）
    max_body_kb: int = 2048  # 正文（front matter 之后）最大 KB；超过是 body-too-large

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


PORTAL_FIELDS = {
    "name": text,
    "site_url": text,
    "sponsor": text,
    "site_code": text,
    "icp": text,
    "police_record": text,
    "org_code": text,
    "short_name": text,
    "description": text,
    "timezone": text,
    "language": text,
    "address": text,
    "postcode": text,
    "phone": text,
    "email": text,
    "page_size": integer(1),
    "home_latest": integer(),
    "block_size": integer(),
    "public_phones": texts,
    "index_format": text,
    "search_shard_pages": integer(1),
    "search_shards_from": integer(1),
    "gov_mark_image": text,
    "gov_mark_url": text,
    "error_report_url": text,
    "first_year": integer(1, 9000),
    "max_body_kb": integer(1, 1024 * 1024),
}
REQUIRED = ("name", "site_url", "sponsor", "site_code", "icp", "police_record", "org_code")
# URL values keep their query strings ("&"), and are escaped where templates print them
URL_KEYS = ("site_url", "gov_mark_image", "gov_mark_url", "error_report_url")


def load_portal(path: Path) -> Portal:
    entry = Entry(path, mapping(path, read_yaml(path), "portal.yaml "), "", (*PORTAL_FIELDS, "cms"), REQUIRED)
    portal = Portal(**entry.values(PORTAL_FIELDS))
    refuse_markup(path, portal, "", [k for k, f in PORTAL_FIELDS.items() if f is text], URL_KEYS)
    try:
        ZoneInfo(portal.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(path, f"时区 “{portal.timezone}” 无效，例如 Asia/Shanghai") from None
    problem = format_problem(portal.index_format)
    if problem:
        raise ConfigError(path, f"键 “index_format”（索引号格式）{problem}，例如 {{org_code}}/{{year}}-{{seq:05d}}")
    problem = footer_marks_problem(portal)
    if problem:
        raise ConfigError(path, problem)
    site_url = portal.site_url if portal.site_url.endswith("/") else portal.site_url + "/"
    return replace(portal, cms=parse_settings(path, entry.get("cms")), site_url=site_url)


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
            return (
                "键 “gov_mark_image”（党政机关网站标识图片）应为站内相对路径（如 assets/images/gov-mark.png）"
                f"或 https:// 网址，现为 {image!r}"
            )
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
        return (
            "键 “error_report_url”（我为政府网站找错）须含 {site_code}，可含 {page_url}，不能有其他花括号，"
            f"例如 {ERROR_REPORT_URL}"
        )
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
