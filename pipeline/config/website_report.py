"""``site_config/website_report.yaml``: the settings of the 政府网站工作年度报表 (国办函〔2018〕12号).

网站类型, the publication deadline and the home-page window, the item ``genre`` values that
count as 解读材料 / 解读产品 / 媒体评论 / 回应, and the 专栏专题 (each a column or an item tag,
with an optional opening date for 专栏 older than the portal's items).  The file is
optional: without it there are no 专栏 and the genre lists below apply.  Which column counts
as 概况类 / 政务动态 / 信息公开目录 is the ``report_category`` key of ``columns.yaml``.

A bad file raises :class:`~pipeline.config.ConfigError` naming the key, in Chinese; nothing
here reads items.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pipeline.config.columns import REPORT_CATEGORIES
from pipeline.config.fields import Entry, Wrong, id_ok, present, read_yaml, text
from pipeline.data_file import as_date

SITE_TYPES = ("政府门户网站", "部门网站", "专项网站")
__all__ = ["REPORT_CATEGORIES", "SITE_TYPES", "SpecialColumn", "WebsiteReportSettings", "load_website_report"]
# 解读回应 rows fed by item genres: the national row each bucket fills
GENRE_BUCKETS = ("解读材料", "解读产品", "媒体评论", "回应")
DEFAULT_GENRES = (
    ("解读材料", ("解读材料", "政策解读")),
    ("解读产品", ("图解", "视频", "动漫", "音频", "H5")),
    ("媒体评论", ("媒体评论",)),
    ("回应", ("回应", "回应关切")),
)


@dataclass(frozen=True)
class SpecialColumn:
    """专栏专题: the items of a column (``column``) or with a tag (``tag``), optionally of one sub-site.

    ``opened``: when the 专栏 opened, if before its first item on the portal; else the first
    item's date is the opening date.  ``closed``: the day it stopped being maintained."""

    id: str
    name: str
    column: str | None = None
    tag: str | None = None
    site: str | None = None
    opened: date | None = None
    closed: date | None = None


@dataclass(frozen=True)
class WebsiteReportSettings:
    site_type: str = "部门网站"
    deadline: tuple[int, int] = (1, 31)  # (month, day) of the year after: published by this day
    home_months: tuple[int, ...] = (1,)  # months of the year after when the home page links the report
    genres: tuple[tuple[str, tuple[str, ...]], ...] = DEFAULT_GENRES
    special_columns: tuple[SpecialColumn, ...] = field(default=())

    def bucket_of(self, genre: str | None) -> str | None:
        """The 解读回应 row an item genre counts in (解读材料 / 解读产品 / 媒体评论 / 回应), or None."""
        if not genre:
            return None
        for bucket, values in self.genres:
            if genre.strip() in values:
                return bucket
        return None


def _day(value: Any) -> date:
    try:
        return as_date(value)
    except ValueError:
        raise Wrong("不是日期，请写成 2024-03-01") from None


def _site_type(value: Any) -> str:
    if str(value) not in SITE_TYPES:
        raise Wrong(f"（网站类型）无效，可选：{'、'.join(SITE_TYPES)}")
    return str(value)


def _deadline(value: Any) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d{1,2})-(\d{1,2})\s*", str(value))
    try:
        deadline = (int(m.group(1)), int(m.group(2))) if m else None
        date(2001, *deadline)
    except (TypeError, ValueError):
        raise Wrong("（次年公布期限）无效，写成 月-日，例如 01-31") from None
    return deadline


def _months(value: Any) -> tuple[int, ...]:
    if (
        not isinstance(value, list)
        or not value
        or any(isinstance(m, bool) or not isinstance(m, int) or not 1 <= m <= 12 for m in value)
    ):
        raise Wrong("（次年在首页显示报表链接的月份）应当是 1–12 的整数列表，例如 [1]")
    return tuple(value)


REPORT_FIELDS = {"site_type": _site_type, "deadline": _deadline, "home_months": _months}
SPECIAL_FIELDS = {"id": text, "name": text, "column": text, "tag": text, "site": text, "opened": _day, "closed": _day}


def load_website_report(
    path: Path, column_ids: tuple[str, ...] = (), site_ids: tuple[str, ...] = ()
) -> WebsiteReportSettings:
    """website_report.yaml; no file: no 专栏 and the default genre lists."""
    if not present(path):
        return WebsiteReportSettings()
    top = Entry(path, read_yaml(path), "", (*REPORT_FIELDS, "genres", "special_columns"))
    values = top.values(REPORT_FIELDS)
    if "genres" in top:
        raw = top.data["genres"]
        if not isinstance(raw, dict):
            raise top.error("genres 应当写成 {解读材料: [...], 解读产品: [...], 媒体评论: [...], 回应: [...]}")
        seen: dict[str, str] = {}
        out = []
        for bucket in raw:
            if bucket not in GENRE_BUCKETS:
                raise top.error(f"genres 的 “{bucket}” 无效，可选：{'、'.join(GENRE_BUCKETS)}")
        for bucket in GENRE_BUCKETS:
            names = raw.get(bucket) or []
            if not isinstance(names, list) or any(not isinstance(v, str) or not v.strip() for v in names):
                raise top.error(f"genres.{bucket} 应当是体裁（genre）取值的列表，例如 [图解, 视频]")
            for v in names:
                if v.strip() in seen:
                    raise top.error(
                        f"genre “{v}” 同时列在 genres.{seen[v.strip()]} 和 genres.{bucket} 中，一条信息只能计入一行",
                    )
                seen[v.strip()] = bucket
            out.append((bucket, tuple(v.strip() for v in names)))
        values["genres"] = tuple(out)
    specials, ids = [], set()
    if not isinstance(top.get("special_columns", []), list):
        raise top.error("special_columns（专栏专题）应当是列表")
    for n, raw in enumerate(top.entries("special_columns"), 1):
        entry = Entry(path, raw, f"special_columns 第 {n} 个专栏：", SPECIAL_FIELDS, ("id", "name"))
        special = SpecialColumn(**{k: v for k, v in entry.values(SPECIAL_FIELDS).items() if v != ""})
        if not id_ok(entry.get("id")) or special.id in ids:
            raise entry.error(f"id “{special.id}” 应当唯一，且只用小写英文字母、数字和连字符")
        ids.add(special.id)
        if bool(special.column) == bool(special.tag):
            raise entry.error("请填写 column（栏目 id）或 tag（条目标签）其中之一")
        if special.column and column_ids and special.column not in column_ids:
            raise entry.error(f"栏目 “{special.column}” 不在 columns.yaml 中")
        if special.site and site_ids and special.site not in site_ids:
            raise entry.error(f"子站 “{special.site}” 不在 sites.yaml 中")
        if special.opened and special.closed and special.closed < special.opened:
            raise entry.error(f"closed（{special.closed}）早于 opened（{special.opened}）")
        specials.append(special)
    return WebsiteReportSettings(**values, special_columns=tuple(specials))
