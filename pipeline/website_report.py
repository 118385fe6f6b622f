"""《政府网站工作年度报表》(国办函〔2018〕12号): every row of the national table, in its order.

:func:`compute` is a pure function of the gated publication's counted items (each piece of news
once, seed 004's rule), its yearly data files (:class:`pipeline.report_data.ReportData`), the
typed config and the year's access-log totals.  Each figure carries its source, which the page,
the CSV and the JSON show:

- 配置 (``portal.yaml``, ``website_report.yaml``): 网站名称, 首页网址, 主办单位, 网站类型, 标识码, 备案号;
- 门户统计 (the items of the year): 信息发布 (总数 and, by the columns' ``report_category``,
  概况类 / 政务动态 / 信息公开目录), 专栏专题 (configured 专栏 and the first item date of each),
  解读回应 (item ``genre`` values listed in ``website_report.yaml``), 移动新媒体 信息发布量
  (items' ``channels``);
- 访问日志 (``portal traffic ingest``, :mod:`pipeline.traffic`): 独立用户访问总量, 网站总访问量;
- 数据文件: what the portal cannot know (办事服务, 互动交流, 安全防护, the yes/no rows,
  account names and followers, who filled the form).  For a year without items (before
  the portal) the item rows come from the data file too, and so do the two traffic rows
  when no access logs of the year were read.

A row that is neither computable nor in the data file is an error naming it, and shows
as 未填报 — never a silent 0.  The table is :mod:`pipeline.website_template`, the data file's
values are checked by :mod:`pipeline.website_data`, and every layout (page, CSV, JSON,
Markdown) is :mod:`pipeline.render.website_report`.  Only :func:`read_traffic` opens a store.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pipeline.config import Config
from pipeline.findings import ERROR, Finding, error
from pipeline.report_data import WEBSITE_DIR, ReportData
from pipeline.stats import local_day
from pipeline.website_data import MISSING, OtherAccount, Sheet, coerce
from pipeline.website_template import (
    CONFIG,
    DATA,
    ITEMS,
    LOGS,
    NO,
    ROW_BY_KEY,
    ROWS,
    WEB_CHANNEL,
    WECHAT,
    WEIBO,
    Row,
)
from pipeline import data_file
from pipeline.model import TrafficYear  # noqa: F401 - the report's input record, named here too


@dataclass(frozen=True)
class Figure:
    key: str
    value: Any  # int | float | bool | str | None (None: not filled in — an error was reported)
    source: str  # config | items | logs | data

    @property
    def row(self) -> Row:
        return ROW_BY_KEY[self.key]


@dataclass(frozen=True)
class WebsiteReport:
    year: int
    site_name: str
    source: str  # the data file, relative to content/
    figures: tuple[Figure, ...]  # in ROWS order
    others: tuple[OtherAccount, ...] = ()
    specials: tuple[tuple[str, str, bool], ...] = ()  # (专栏 name, opening date, new this year) maintained in the year
    traffic: TrafficYear | None = None
    findings: tuple[Finding, ...] = field(default=(), compare=False)

    @property
    def title(self) -> str:
        return f"{self.site_name}政府网站工作年度报表（{self.year}年度）"

    def value(self, key: str) -> Any:
        return self.figure(key).value

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)

    @property
    def filled_on(self) -> str | None:
        value = self.value("signoff.date")
        return value if isinstance(value, str) else None

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == ERROR)


def _items_of(counted, year: int, config: Config) -> list:
    tz = config.portal.tz
    return [i for i in counted if local_day(i, tz).year == year]


def _special_columns(counted, year: int, config: Config) -> tuple[tuple[str, str, bool], ...]:
    """专栏专题 maintained in ``year``: (name, opening date, opened this year)."""
    tz = config.portal.tz
    out = []
    for sc in config.website_report.special_columns:
        days = [
            local_day(i, tz)
            for i in counted
            if (sc.site is None or i.site == sc.site) and (i.column == sc.column if sc.column else sc.tag in i.tags)
        ]
        candidates = [d for d in (sc.opened, min(days) if days else None) if d is not None]
        if not candidates:
            continue  # configured but not opened yet: no item and no opening date
        opened = min(candidates)
        if opened <= date(year, 12, 31) and (sc.closed is None or sc.closed >= date(year, 1, 1)):
            out.append((sc.name, opened.isoformat(), opened.year == year))
    return tuple(out)


def item_figures(items, counted, year: int, config: Config) -> tuple[dict[str, Any], tuple, dict[str, int]]:
    """Every item-derived figure of the year (keys of :data:`ROWS`) and the per-channel counts."""
    by_category = Counter(
        config.column_by_id[i.column].report_category for i in items if i.column in config.column_by_id
    )
    buckets = Counter(config.website_report.bucket_of(i.genre) for i in items)
    channels = Counter(ch for i in items for ch in i.channels)
    specials = _special_columns(counted, year, config)
    figures: dict[str, Any] = {
        "info.total": len(items),
        "info.概况类": by_category["概况类"],
        "info.政务动态": by_category["政务动态"],
        "info.信息公开目录": by_category["信息公开目录"],
        "special.maintained": len(specials),
        "special.new": sum(1 for _, _, new in specials if new),
        "interpret.解读材料": buckets["解读材料"],
        "interpret.解读产品": buckets["解读产品"],
        "interpret.媒体评论": buckets["媒体评论"],
        "interpret.回应": buckets["回应"],
        "media.weibo.posts": channels[WEIBO],
        "media.wechat.posts": channels[WECHAT],
    }
    figures["interpret.total"] = (
        figures["interpret.解读材料"] + figures["interpret.解读产品"] + figures["interpret.媒体评论"]
    )
    return figures, specials, {ch: n for ch, n in channels.items() if ch != WEB_CHANNEL}


def _config_value(key: str, config: Config) -> str:
    p = config.portal
    return {
        "name": p.name,
        "url": p.site_url,
        "sponsor": p.sponsor,
        "site_type": config.website_report.site_type,
        "site_code": p.site_code,
        "icp": p.icp,
        "police_record": p.police_record,
    }[key]


def read_traffic(traffic_db: Path | None, year: int) -> tuple[TrafficYear | None, Finding | None]:
    """The year's totals from the access-log store (None without a store or a day of the year);
    a damaged store is a finding, and the report then takes the visits from the data file."""
    if traffic_db is None:
        return None, None
    from pipeline import traffic

    try:
        return traffic.year_totals(traffic_db, year), None
    except (sqlite3.Error, OSError) as exc:
        return None, error(
            f"{WEBSITE_DIR}/{year}.yaml",
            "website-report-traffic",
            f"无法读取访问日志统计库 {traffic_db}：{exc}；访问量按数据文件填报",
        )


def read_traffic_years(traffic_db: Path | None, years) -> dict[int, tuple[TrafficYear | None, Finding | None]]:
    """:func:`read_traffic` of each year, for the pages of every year."""
    return {year: read_traffic(traffic_db, year) for year in years}


def compute(
    year: int, data: ReportData, counted, config: Config, traffic: TrafficYear | None = None
) -> tuple[WebsiteReport, tuple[Finding, ...]]:
    """The report of ``year`` and every problem found.  ``counted``: the publication's counted
    items (all years: a 专栏's first item may be older); ``traffic``: the year's totals from
    the access-log store, None when no log of the year was read."""
    rel = f"{WEBSITE_DIR}/{year}.yaml"
    file = data.website_file(year)
    sheet = Sheet.of(file, rel)
    if file.problem is not None:
        sheet.error(
            "website-report-data",
            f"{file.problem.message}；办事服务、互动交流、"
            "安全防护等各行须在此文件中填写（格式见 content/website-report/README.md）",
            file.problem.line,
        )
    if "year" in sheet.data and sheet.data["year"] != year:
        sheet.error(
            "website-report-data",
            f"year 为 {sheet.data['year']}，与文件名 {year}.yaml 不符",
            sheet.lines.get(("year",)),
        )
    sheet.check_keys()
    items = _items_of(counted, year, config)
    computed, specials, channels = item_figures(items, counted, year, config)
    from_items = bool(items)
    logs = traffic is not None and traffic.days > 0
    if logs and traffic.days < (date(year, 12, 31) - date(year, 1, 1)).days + 1:
        sheet.warn(
            "website-report-traffic",
            f"访问日志只有 {year} 年中的 {traffic.days} 天（{traffic.first} 至 {traffic.last}），"
            f"独立用户访问总量和网站总访问量只含这些天；请用 portal traffic ingest 读入全年的日志",
            None,
        )
    innovations = sheet.innovations()
    by_key: dict[str, Figure] = {}
    for row in ROWS:
        if row.key in ("media.any", "media.other"):
            continue  # after the accounts
        by_key[row.key] = _figure(
            row, sheet, year, config, computed if from_items else None, traffic if logs else None, innovations
        )
    others = sheet.other_accounts(channels if from_items else None, year)
    _fill_sum(sheet, by_key, "interpret.total", ("interpret.解读材料", "interpret.解读产品", "interpret.媒体评论"))
    _fill_sum(sheet, by_key, "service.cases.total", ("service.cases.person", "service.cases.legal"))
    source = ITEMS if from_items else DATA
    by_key["media.any"] = Figure("media.any", _has_media(sheet, by_key, others), source)
    by_key["media.other"] = Figure("media.other", other_text(others), source)
    _checks(by_key, sheet, config, year)
    report = WebsiteReport(
        year,
        config.portal.name,
        rel,
        tuple(by_key[r.key] for r in ROWS),
        others,
        specials,
        traffic if logs else None,
        tuple(sheet.findings),
    )
    return report, tuple(sheet.findings)


def _figure(row: Row, sheet: Sheet, year: int, config: Config, computed, traffic, innovations) -> Figure:
    """One row's figure from where it comes this year: config, items (``computed``, None for a
    year without items), the access logs (``traffic``, None when not read) or the data file."""
    if row.origin == CONFIG:
        return Figure(row.key, _config_value(row.key, config), CONFIG)
    if row.origin == LOGS:
        if traffic is None:
            return Figure(
                row.key, sheet.value(row, f"（没有读入 {year} 年的访问日志，见 portal traffic ingest）"), DATA
            )
        sheet.unused(row, f"已读入 {year} 年的访问日志", "日志")
        return Figure(row.key, traffic.visitors if row.key == "visitors" else traffic.page_views, LOGS)
    if row.group == "创新发展":
        return Figure(row.key, innovations.get(row.label) if innovations is not None else None, DATA)
    summed = row.key in ("interpret.total", "service.cases.total") and sheet.lookup(row.path) is MISSING
    if row.origin == ITEMS:
        if computed is not None:
            sheet.unused(row, f"门户有 {year} 年的信息条目", "条目")
            return Figure(row.key, computed[row.key], ITEMS)
        if summed:
            return Figure(row.key, SUM, DATA)  # the sum of its parts, filled in below
        return Figure(row.key, sheet.value(row, f"（门户没有 {year} 年的信息条目）"), DATA)
    if summed:
        return Figure(row.key, SUM, DATA)
    return Figure(row.key, sheet.value(row), DATA)


SUM = "__sum__"  # a total the data file leaves out: the sum of its parts


def _fill_sum(sheet: Sheet, by_key: dict, total_key: str, parts: tuple[str, ...]) -> None:
    total = by_key[total_key]
    values = [by_key[p].value for p in parts]
    known = None if any(v is None for v in values) else sum(values)
    if total.value == SUM:
        by_key[total_key] = Figure(total_key, known, total.source)
    elif total.value is not None and known is not None and total.value != known and total.source == DATA:
        row = ROW_BY_KEY[total_key]
        sheet.error(
            "website-report-check",
            f"“{row.title}” 填为 {total.value}，但"
            + "、".join(ROW_BY_KEY[p].label for p in parts)
            + f" 之和为 {known}",
            sheet.lines.get(row.path),
            row=row.title,
        )


def _has_media(sheet: Sheet, by_key: dict, others) -> bool:
    """是否有移动新媒体: computed from the accounts and the posts; the data file may only agree."""
    has_media = (
        any(by_key[k].value for k in ("media.weibo.posts", "media.wechat.posts"))
        or bool(others)
        or any(
            isinstance(by_key[k].value, str) and by_key[k].value not in NO
            for k in ("media.weibo.name", "media.wechat.name")
        )
    )
    row = ROW_BY_KEY["media.any"]
    declared = sheet.lookup(row.path)
    if declared is not MISSING:
        try:
            said = coerce(row, declared, row.title)
            if said != has_media:
                sheet.error(
                    "website-report-check",
                    f"“移动新媒体 › 是否有移动新媒体” 填为 {'是' if said else '否'}，"
                    f"但{'有' if has_media else '没有'}微博、微信或其他账号与发布量",
                    sheet.line_of(row.path),
                    row="移动新媒体 › 是否有移动新媒体",
                )
        except data_file.DataError as bad:
            sheet.error("website-report-data", bad.message, sheet.line_of(row.path))
    return has_media


def other_text(others) -> str:
    if not others:
        return "无"
    parts = []
    for a in others:
        name = f"“{a.name}”" if a.name else "（未填报名称）"
        posts = "未填报" if a.posts is None else f"{a.posts} 条"
        followers = "未填报" if a.followers is None else f"{a.followers} 个"
        parts.append(f"{a.channel}{name}：信息发布量 {posts}，关注量 {followers}")
    return "；".join(parts)


def _checks(by_key: dict, sheet: Sheet, config: Config, year: int) -> None:
    """Figures that cannot both be right (a part larger than its whole), a private phone, a late form."""

    def v(key):
        value = by_key[key].value
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    for small, big, say in (
        ("service.online", "service.items", sheet.error),
        ("security.fixed", "security.found", sheet.warn),
        ("interact.survey.results", "interact.survey.rounds", sheet.warn),
        ("interact.interview.answers", "interact.interview.messages", sheet.warn),
        ("info.概况类", "info.total", sheet.error),
        ("info.政务动态", "info.total", sheet.error),
        ("info.信息公开目录", "info.total", sheet.error),
    ):
        a, b = v(small), v(big)
        if a is not None and b is not None and a > b:
            s, g = ROW_BY_KEY[small], ROW_BY_KEY[big]
            say(
                "website-report-check",
                f"“{s.title}”（{a}）大于 “{g.title}”（{b}），请核对",
                sheet.lines.get(s.path),
                row=s.title,
            )
    phone = by_key["signoff.phone"].value
    if isinstance(phone, str) and config.portal.public_phones and phone not in config.portal.public_phones:
        row = ROW_BY_KEY["signoff.phone"]
        sheet.warn(
            "website-report-phone",
            f"联系电话 “{phone}” 不在 portal.yaml 的 public_phones（本局公开的联系电话）中；"
            "报表会公开发布，请填写公开的办公电话",
            sheet.lines.get(row.path),
            row=row.title,
        )
    filled = by_key["signoff.date"].value
    month, day = config.website_report.deadline
    if isinstance(filled, str) and date.fromisoformat(filled) > date(year + 1, month, day):
        sheet.warn(
            "website-report-late",
            f"报表应于 {year + 1} 年 {month} 月 {day} 日前在首页公布，填报日期为 {filled}",
            sheet.lines.get(("填报日期",)),
        )
