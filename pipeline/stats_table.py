"""The statistics table (信息量统计表): which columns a unit's row has, their values and the total row.

Computed once from :class:`pipeline.stats.YearStats`; three thin formatters show it:

- the website's tables, Markdown + CSV/JSON downloads (:func:`pipeline.render.stats.group_table`);
- ``portal stats --format table`` (terminal) and ``--format csv`` (:mod:`pipeline.cli_figures`).

Each view names the columns it shows by key (``WEBSITE``, ``TERMINAL``, ``CSV`` below).  To add a
statistics column: compute the figure in :mod:`pipeline.stats` (``SiteFigures``), add a
:class:`Column` and its value in :func:`site_table`, and put its key in the views that show it.
Nothing here reads files or prints.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.stats import GroupFigures, YearStats

QUARTERS = ("一季度", "二季度", "三季度", "四季度")
BEHIND = "落后"  # 进度 of a unit behind its quota
PENDING = "待核"  # 得分 of a unit whose score awaits checking (an adoption level not in the scheme)


@dataclass(frozen=True)
class Column:
    key: str  # name in code, and the header of ``portal stats --format csv``
    label: str  # heading on the website, where the year is in every heading
    short: str  # heading in the terminal, under a title that names the year once
    fmt: str  # text | int | pct | signed: how a value reads (:func:`cell`)


@dataclass(frozen=True)
class SiteTable:
    """One row per unit (sites.yaml order) and the total row last; each row maps column key → value."""

    columns: dict[str, Column]
    rows: tuple[dict[str, object], ...]

    def pick(self, keys) -> tuple[tuple[Column, ...], tuple[tuple, ...]]:
        """The columns ``keys`` and every row's values under them, in that order."""
        return tuple(self.columns[k] for k in keys), tuple(tuple(row[k] for k in keys) for row in self.rows)


def cell(value, fmt: str) -> str:
    """How a value reads on the page, in its CSV download and in the terminal."""
    if value is None:
        return ""
    if fmt == "pct":
        return f"{value * 100:.1f}%"
    if fmt == "signed":
        return f"{value * 100:+.1f}%"
    return str(value)


def columns(year: int) -> dict[str, Column]:
    """Every column of the table for ``year``, by key."""
    cols = [
        Column("kind", "类别", "类别", "text"),
        Column("id", "子站", "子站", "text"),
        Column("name", "网站名称", "单位", "text"),
        Column("previous", f"{year - 1}年", f"{year - 1}年", "int"),
        Column("previous_rank", f"{year - 1}年排名", f"{year - 1}年排名", "int"),
        Column("count", f"{year}年累计", "条数", "int"),
        Column("rank", f"{year}年排名", "排名", "int"),
        Column("yoy", "同比", "同比", "signed"),
    ]
    for q, name in enumerate(QUARTERS, 1):
        cols += [
            Column(f"q{q}", f"{year}年{name}", name, "int"),
            Column(f"q{q}_rank", f"{name}排名", f"{name}排名", "int"),
        ]
    cols += [Column(f"m{m}", f"{m}月", f"{m}月", "int") for m in range(1, 13)]
    cols += [
        Column("quota", "全年任务", "全年任务", "int"),
        Column("completion", "完成率", "完成率", "pct"),
        Column("progress", "进度", "进度", "text"),
        Column("score", "得分", "得分", "int"),
    ]
    return {c.key: c for c in cols}


def site_table(ys: YearStats, groups: tuple[GroupFigures, ...] | list[GroupFigures], total_label: str) -> SiteTable:
    """The units of ``groups`` and their total row (named ``total_label``: 合计, 全市合计)."""
    rows = []
    sites = [s for g in groups for s in g.sites]
    for g in groups:
        for s in g.sites:
            row = {
                "kind": g.kind,
                "id": s.site.id,
                "name": s.site.name,
                "previous": s.previous,
                "previous_rank": s.previous_rank,
                "count": s.count,
                "rank": s.rank,
                "yoy": s.yoy,
                "quota": s.quota.yearly,
                "completion": s.quota.completion,
                "progress": BEHIND if s.quota.behind else "",
                "score": s.score.total if s.score.total is not None else PENDING,
            }
            for q in range(4):
                row[f"q{q + 1}"], row[f"q{q + 1}_rank"] = s.quarters[q], s.quarter_ranks[q]
            for m in range(12):
                row[f"m{m + 1}"] = s.months[m]
            rows.append(row)
    same = sum(s.previous_same_period for s in sites)
    count = sum(s.count for s in sites)
    total = {
        "kind": "、".join(g.kind for g in groups),
        "id": "total",
        "name": total_label,
        "previous": sum(s.previous for s in sites),
        "previous_rank": None,
        "count": count,
        "rank": None,
        "yoy": round(count / same - 1, 4) if same else None,
        "quota": None,
        "completion": None,
        "progress": "",
        "score": None,
    }
    for q in range(4):
        total[f"q{q + 1}"], total[f"q{q + 1}_rank"] = sum(s.quarters[q] for s in sites), None
    for m in range(12):
        total[f"m{m + 1}"] = sum(s.months[m] for s in sites)
    rows.append(total)
    return SiteTable(columns(ys.year), tuple(rows))


def website_keys(quarters_started: int) -> tuple[str, ...]:
    """The website's table (seed 000's 附件 layout): the quarters begun so far, each with its rank."""
    quarters = tuple(k for q in range(1, quarters_started + 1) for k in (f"q{q}", f"q{q}_rank"))
    return (
        "name",
        "previous",
        "previous_rank",
        "count",
        "rank",
        "yoy",
        *quarters,
        "quota",
        "completion",
        "progress",
        "score",
    )


TERMINAL = ("name", "count", "rank", "q1", "q2", "q3", "q4", "quota", "completion", "progress", "score")
CSV = ("kind", "id", "name", "count", "rank", "q1", "q2", "q3", "q4", *(f"m{m}" for m in range(1, 13)))
CSV += ("quota", "completion", "score")
