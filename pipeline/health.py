"""Freshness check (栏目更新检查) by the inspection rules of 国办秘函〔2019〕19号.

For every column a sub-site carries (``sites.yaml`` ``columns:``) it finds the newest
published item on or before the as-of date and calls the column *stale* when that is older
than its category's limit (``health.yaml``: 动态要闻 2 weeks, 通知公告 and 政策文件 6 months,
人事 and 规划计划 1 year; other categories have no limit) and *blank* when it never had an
item.  The portal home is stale with nothing new within ``home`` (2 weeks).  It says when a
单项否决 threshold is crossed, counted over the whole portal (one website, one 网站标识码).
The report is for the web team (``portal health`` prints it and writes it under the work
folder); nothing here goes into ``site/``, reads files or prints.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta

from pipeline.config import Column, Config, HealthRules, Site, parse_duration
from pipeline.dates import month_end

UNITS = {"d": "天", "w": "周", "m": "个月", "y": "年"}


def limit_start(as_of: date, limit: str) -> date:
    """The oldest day that still counts as updated within ``limit`` before ``as_of``."""
    n, unit = parse_duration(limit) or (0, "d")
    if unit in ("d", "w"):
        return as_of - timedelta(days=n * (7 if unit == "w" else 1))
    months = n * (12 if unit == "y" else 1)
    y, m = divmod(as_of.year * 12 + as_of.month - 1 - months, 12)
    m += 1
    return date(y, m, min(as_of.day, month_end(y, m).day))


def limit_text(limit: str) -> str:
    n, unit = parse_duration(limit) or (0, "d")
    return f"{n} {UNITS[unit]}"


@dataclass(frozen=True)
class ColumnState:
    site: Site
    column: Column
    items: int
    last: date | None
    limit: str | None  # None: no update limit for this category

    def stale_at(self, as_of: date) -> bool:
        return self.limit is not None and self.last is not None and self.last < limit_start(as_of, self.limit)

    @property
    def blank(self) -> bool:
        return self.items == 0


@dataclass(frozen=True)
class HealthReport:
    as_of: date
    rules: HealthRules
    columns: tuple[ColumnState, ...]
    home_last: date | None

    @property
    def stale(self) -> tuple[ColumnState, ...]:
        return tuple(c for c in self.columns if c.stale_at(self.as_of))

    @property
    def blank(self) -> tuple[ColumnState, ...]:
        return tuple(c for c in self.columns if c.blank)

    @property
    def home_stale(self) -> bool:
        return self.home_last is None or self.home_last < limit_start(self.as_of, self.rules.home)

    @property
    def vetoes(self) -> tuple[str, ...]:
        """单项否决 thresholds crossed, as sentences."""
        out = []
        if self.home_stale:
            out.append(f"首页 {limit_text(self.rules.home)}内无新信息（单项否决：首页不更新）")
        key = [c for c in self.stale if c.column.category in self.rules.veto_categories]
        if len(key) >= self.rules.stale_veto:
            out.append(
                f"{'、'.join(self.rules.veto_categories)}栏目不更新 {len(key)} 个，"
                f"达到 {self.rules.stale_veto} 个（单项否决：栏目不更新）"
            )
        if len(self.stale) >= self.rules.long_stale_veto:
            out.append(
                f"应更新而长期未更新的栏目 {len(self.stale)} 个，达到 {self.rules.long_stale_veto} 个（单项否决："
                "栏目不更新）"
            )
        if len(self.blank) >= self.rules.blank_veto:
            out.append(f"空白栏目 {len(self.blank)} 个，达到 {self.rules.blank_veto} 个（单项否决：空白栏目）")
        return tuple(out)

    @property
    def ok(self) -> bool:
        return not (self.stale or self.blank or self.home_stale)

    def lines(self) -> list[str]:
        """The report as plain lines (what ``portal health`` prints)."""
        out = [f"栏目更新检查（统计日 {self.as_of.isoformat()}，共 {len(self.columns)} 个栏目）"]
        home = self.home_last.isoformat() if self.home_last else "无"
        out.append(f"首页最新信息：{home}" + ("  ← 超过时限" if self.home_stale else ""))
        for c in self.stale:
            days = (self.as_of - c.last).days
            out.append(
                f"不更新：{c.site.name}（{c.site.id}）· {c.column.name}（{c.column.category}，"
                f"时限 {limit_text(c.limit)}）最近更新 {c.last.isoformat()}，已 {days} 天"
            )
        for c in self.blank:
            out.append(f"空白栏目：{c.site.name}（{c.site.id}）· {c.column.name}（{c.column.category}）没有任何信息")
        out.append(f"合计：不更新 {len(self.stale)} 个，空白 {len(self.blank)} 个。")
        for v in self.vetoes:
            out.append(f"单项否决：{v}")
        if self.ok:
            out.append("全部栏目均在更新时限内，没有空白栏目。")
        return out

    def to_markdown(self) -> str:
        rows = [
            "| 子站 | 栏目 | 类别 | 时限 | 条数 | 最近更新 | 状态 |",
            "| --- | --- | --- | --- | ---: | --- | --- |",
        ]
        for c in self.columns:
            state = "空白" if c.blank else ("不更新" if c.stale_at(self.as_of) else "正常")
            rows.append(
                f"| {c.site.name} | {c.column.name} | {c.column.category} | {limit_text(c.limit) if c.limit else '—'}"
                f" | {c.items} | {c.last.isoformat() if c.last else '—'} | {state} |"
            )
        return "# 栏目更新检查\n\n" + "\n".join(f"- {line}" for line in self.lines()) + "\n\n" + "\n".join(rows) + "\n"

    def to_dict(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(),
            "home": {"last": self.home_last.isoformat() if self.home_last else None, "stale": self.home_stale},
            "columns": [
                {
                    "site": c.site.id,
                    "column": c.column.id,
                    "category": c.column.category,
                    "limit": c.limit,
                    "items": c.items,
                    "last": c.last.isoformat() if c.last else None,
                    "stale": c.stale_at(self.as_of),
                    "blank": c.blank,
                }
                for c in self.columns
            ],
            "stale": len(self.stale),
            "blank": len(self.blank),
            "vetoes": list(self.vetoes),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1) + "\n"


def check(published, config: Config, as_of: date) -> HealthReport:
    """Freshness of every carried column from the published items dated on or before ``as_of``."""
    tz = config.portal.tz
    limits = dict(config.health.limits)
    last: dict[tuple[str, str], date] = {}
    count: dict[tuple[str, str], int] = {}
    home_last = None
    for item in published:
        day = item.day_in(tz)
        if day > as_of:
            continue
        key = (item.site, item.column)
        count[key] = count.get(key, 0) + 1
        if key not in last or day > last[key]:
            last[key] = day
        if home_last is None or day > home_last:
            home_last = day
    states = []
    for site in config.sites:
        for cid in site.columns:
            column = config.column_by_id[cid]
            states.append(
                ColumnState(
                    site, column, count.get((site.id, cid), 0), last.get((site.id, cid)), limits.get(column.category)
                )
            )
    return HealthReport(as_of, config.health, tuple(states), home_last)
