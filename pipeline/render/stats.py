"""Statistics pages (统计): yearly tables, channels, monthly trend, charts, downloads, 通报.

Under ``stats/``: ``index.md`` (years and 通报 list), ``<year>/index.md`` — one table per
group laid out like seed 000's 附件 (previous year and rank, this year and rank, 同比, each
quarter and rank, quota, completion, score, total row), the per-channel table and the
monthly trend — each table with an SVG chart and CSV (UTF-8 with BOM, for Excel) and JSON
downloads of exactly the rows shown, plus ``<year>/stats.json`` (the ``portal stats`` JSON);
``tongbao/<YYYY-MM>.md`` is the monthly 信息报送情况通报.  Figures come from
:mod:`pipeline.stats`; this module only lays them out.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date

from pipeline import stats as stats_mod
from pipeline import stats_table
from pipeline.config import Config
from pipeline.dates import month_end
from pipeline.render import charts
from pipeline.render.common import Output, front_matter, md_escape, rel
from pipeline.stats_table import BEHIND, PENDING, cell

ROOT = "stats"
HOME_DOC = f"{ROOT}/index.md"  # years and the 通报 list
TONGBAO = f"{ROOT}/tongbao"
TONGBAO_DOC = f"{TONGBAO}/index.md"


def year_dir(year: int) -> str:
    """The folder of one year's page (``index.md``) and its downloads."""
    return f"{ROOT}/{year}"


def tongbao_doc(year: int, month: int) -> str:
    return f"{TONGBAO}/{year}-{month:02d}.md"


@dataclass(frozen=True)
class Table:
    key: str  # file stem of the downloads and id of the HTML block
    title: str
    columns: tuple[str, ...]
    formats: tuple[str, ...]  # per column: text | int | pct | signed
    rows: tuple[tuple, ...]


def display_rows(table: Table) -> list[list[str]]:
    return [[cell(v, f) for v, f in zip(row, table.formats)] for row in table.rows]


def to_csv(table: Table) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(table.columns)
    writer.writerows(display_rows(table))
    return "\ufeff" + buf.getvalue()


def to_json(table: Table, year: int, as_of: date) -> str:
    data = {
        "title": table.title,
        "year": year,
        "as_of": as_of.isoformat(),
        "columns": list(table.columns),
        "rows": [dict(zip(table.columns, row)) for row in table.rows],
    }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def to_markdown(table: Table) -> str:
    align = ["---" if f == "text" else "---:" for f in table.formats]
    lines = ["| " + " | ".join(md_escape(c) for c in table.columns) + " |", "| " + " | ".join(align) + " |"]
    for row in display_rows(table):
        lines.append("| " + " | ".join(md_escape(c) if c else " " for c in row) + " |")
    return "\n".join(lines) + "\n"


def group_table(key: str, title: str, kinds, ys: stats_mod.YearStats, whole_city: bool = False) -> Table | None:
    """One statistics table (sites.yaml ``stats_tables``) of the sites of ``kinds``; ``whole_city``:
    the table lists the bureau's own site, so its total row is 全市合计.  Columns and values are
    :mod:`pipeline.stats_table`'s; this only picks the website's columns."""
    groups = [g for g in ys.groups if g.kind in kinds]
    if not groups:
        return None
    model = stats_table.site_table(ys, groups, "全市合计" if whole_city else "合计")
    columns, rows = model.pick(stats_table.website_keys(ys.quarters_started))
    return Table(key, title, tuple(c.label for c in columns), tuple(c.fmt for c in columns), rows)


def channel_table(ys: stats_mod.YearStats) -> Table:
    rows = [(name, count) for name, count in ys.channels] + [("合计（不同渠道相同信息计 1 条）", ys.unique_total)]
    return Table("channels", "分渠道信息发布量", ("渠道", f"{ys.year}年信息量"), ("text", "int"), tuple(rows))


def monthly_table(ys: stats_mod.YearStats, previous: stats_mod.YearStats) -> Table:
    last = 12 if ys.as_of.year > ys.year else ys.as_of.month
    rows = [(f"{m}月", ys.months[m - 1], previous.months[m - 1]) for m in range(1, last + 1)]
    rows.append(("合计", sum(ys.months[:last]), sum(previous.months[:last])))
    return Table(
        "monthly", "月度信息发布量", ("月份", f"{ys.year}年", f"{ys.year - 1}年"), ("text", "int", "int"), tuple(rows)
    )


def _block(doc_dir: str, table: Table, chart: str | None, ys: stats_mod.YearStats, files: dict) -> str:
    files[f"{doc_dir}/{table.key}.csv"] = to_csv(table)
    files[f"{doc_dir}/{table.key}.json"] = to_json(table, ys.year, ys.as_of)
    out = [f"## {md_escape(table.title)}\n\n"]
    if chart is not None:
        files[f"{doc_dir}/{table.key}.svg"] = chart
        out.append(f"![{md_escape(table.title)}（图）]({table.key}.svg){{ .stats-chart }}\n\n")
    out.append(f'<div class="stats-table" id="t-{table.key}" markdown>\n\n{to_markdown(table)}\n</div>\n\n')
    out.append(f"下载：[CSV]({table.key}.csv) · [JSON]({table.key}.json)\n{{ .stats-downloads }}\n\n")
    return "".join(out)


def year_page(ys: stats_mod.YearStats, previous: stats_mod.YearStats, files: dict, config: Config) -> str:
    doc_dir = year_dir(ys.year)
    through = "全年" if ys.as_of.year > ys.year else f"截至 {ys.as_of.month} 月 {ys.as_of.day} 日"
    meta = {"title": f"{ys.year} 年信息量统计", "hide": ["toc"]}
    unranked = "、".join(k.id for k in config.kinds if not k.ranked)
    body = [
        front_matter(meta),
        f"# {ys.year} 年信息量统计\n\n",
        f"统计范围：{ys.year} 年{through}（统计日 {ys.as_of.isoformat()}）已发布的信息，"
        "不同渠道、不同子站发布的相同信息计 1 条。排名为同组单位按条数排名，并列同名次、其后名次顺延；"
        f"{unranked or '各类子站均'}{'不参加排名' if unranked else '参加排名'}。"
        "“落后”：完成数低于全年任务按日折算的进度，或有已结束月份未完成月度任务。\n{ .stats-note }\n\n",
    ]
    for spec in config.stats_tables:
        kinds = config.kinds_in_table(spec.id)
        key, title = spec.id, spec.title
        table = group_table(key, title, kinds, ys, any(config.kind(k).main for k in kinds))
        if table is None:
            continue
        sites = [s for g in ys.groups if g.kind in kinds for s in g.sites]
        chart = charts.bar_chart(
            f"{ys.year} 年{title.replace('统计表', '')}", [s.site.name for s in sites], [s.count for s in sites]
        )
        body.append(_block(doc_dir, table, chart, ys, files))
    ch = channel_table(ys)
    body.append(
        _block(
            doc_dir,
            ch,
            charts.bar_chart(
                f"{ys.year} 年分渠道信息发布量", [r[0] for r in ch.rows[:-1]], [r[1] for r in ch.rows[:-1]]
            ),
            ys,
            files,
        )
    )
    mt = monthly_table(ys, previous)
    months = mt.rows[:-1]
    chart = charts.column_chart(
        f"{ys.year} 年月度信息发布量",
        [r[0] for r in months],
        [(f"{ys.year}年", [r[1] for r in months]), (f"{ys.year - 1}年", [r[2] for r in months])],
    )
    body.append(_block(doc_dir, mt, chart, ys, files))
    files[f"{doc_dir}/stats.json"] = json.dumps(ys.to_dict(), ensure_ascii=False, indent=1) + "\n"
    body.append("全部数据（与 `portal stats --format json` 相同）：[stats.json](stats.json)\n{ .stats-downloads }\n")
    return "".join(body)


def month_table(report: stats_mod.MonthReport) -> Table:
    levels = report.stats.levels
    columns = (
        ["单位", "类别", "本月", "本月排名", "本年累计", "本年排名"]
        + [f"{lv}采用" for lv in levels]
        + ["本年得分", "月度任务", "全年任务", "完成率", "进度"]
    )
    formats = (
        ["text", "text", "int", "int", "int", "int"] + ["int"] * len(levels) + ["int", "int", "int", "pct", "text"]
    )
    rows = []
    for _kind, group_rows in report.groups:
        for r in group_rows:
            s = r.figures
            score = s.score.total if s.score.total is not None else PENDING
            rows.append(
                tuple(
                    [s.site.name, s.site.kind, r.count, r.rank, s.count, s.rank]
                    + [n for _, n in r.adopted]
                    + [score, r.monthly_quota, s.quota.yearly, s.quota.completion, BEHIND if s.quota.behind else ""]
                )
            )
    return Table(
        f"{report.year}-{report.month:02d}",
        f"{report.year} 年 {report.month} 月信息报送情况",
        tuple(columns),
        tuple(formats),
        tuple(rows),
    )


def tongbao_page(report: stats_mod.MonthReport, config: Config, files: dict) -> str:
    title = f"信息报送情况通报（{report.year} 年 {report.month} 月）"
    table = month_table(report)
    doc_dir = TONGBAO
    files[f"{doc_dir}/{table.key}.csv"] = to_csv(table)
    files[f"{doc_dir}/{table.key}.json"] = to_json(table, report.year, report.as_of)
    adopted = sum(n for _, rows in report.groups for r in rows for _, n in r.adopted)
    body = [
        front_matter({"title": title, "hide": ["toc"]}),
        f"# {md_escape(title)}\n\n",
        f"{md_escape(config.portal.sponsor or config.portal.name)}各子站 {report.year} 年 {report.month} 月"
        f"共发布信息 **{report.total}** 条"
        f"（统计至 {report.as_of.isoformat()}，不同渠道、不同子站的相同信息计 1 条），"
        f"本年累计 **{report.stats.unique_total}** 条；本月被上级采用 {adopted} 条次。"
        f"记分按《{md_escape(config.scoring.name or '信息记分办法')}》。\n\n",
    ]
    body.append(f'<div class="stats-table" id="t-tongbao" markdown>\n\n{to_markdown(table)}\n</div>\n\n')
    body.append(f"下载：[CSV]({table.key}.csv) · [JSON]({table.key}.json)\n{{ .stats-downloads }}\n\n")
    body.append("## 未完成进度的单位\n\n")
    behind = report.behind
    if behind:
        for s in behind:
            parts = [f"本年累计 {s.count} 条"]
            if s.quota.target is not None:
                parts.append(f"按进度应达 {s.quota.target} 条（全年任务 {s.quota.yearly} 条）")
            if s.quota.short_months:
                parts.append("未完成月度任务的月份：" + "、".join(f"{m} 月" for m in s.quota.short_months))
            body.append(f"- {md_escape(s.site.name)}：{'；'.join(parts)}\n")
    else:
        body.append("各单位均已完成进度任务。\n")
    return "".join(body)


def _tongbao_months(months: tuple[tuple[int, int], ...], as_of: date) -> list[tuple[int, int]]:
    """The months that get a 通报, oldest first: every month from the first month with items
    to the as-of month, but only in years that have items — one stray old item adds at most
    twelve pages, never one per month since (a date of 1950 must not add 900 pages)."""
    first = months[-1]
    years = sorted({y for y, _ in months})
    out = []
    for y in years:
        start = first[1] if y == first[0] else 1
        end = as_of.month if y == as_of.year else 12
        out.extend((y, m) for m in range(start, end + 1))
    return out


def render(counted, config: Config, as_of: date | None) -> Output:
    """The 统计 section's files and nav section; empty when nothing is published."""
    files: dict = {}
    if as_of is None:
        return Output(files)
    years = stats_mod.years_with_items(counted, config, as_of) or (as_of.year,)
    by_year: dict[int, list] = {}
    day_of: dict[int, date] = {}  # id(item) → its local day, worked out once
    for item in counted:  # each year's figures need only that year and the one before
        day = day_of[id(item)] = stats_mod.local_day(item, config.portal.tz)
        by_year.setdefault(day.year, []).append(item)

    def around(year: int) -> tuple:
        return tuple(by_year.get(year, ())) + tuple(by_year.get(year - 1, ()))

    index = [
        front_matter({"title": "信息量统计", "hide": ["toc"]}),
        "# 信息量统计\n\n",
        f"统计日：{as_of.isoformat()}（最新一条信息的发布日期）。\n\n## 年度统计\n\n",
        "| 年度 | 信息量（去重） |\n| --- | ---: |\n",
    ]
    nav = [{"统计概览": HOME_DOC}]
    year_figures: dict[int, stats_mod.YearStats] = {}

    def figures(year: int) -> stats_mod.YearStats:  # each year is also the next one's "previous"
        if year not in year_figures:
            year_figures[year] = stats_mod.year_stats(around(year), config, year, as_of)
        return year_figures[year]

    for year in years:
        ys, previous = figures(year), figures(year - 1)
        doc = f"{year_dir(year)}/index.md"
        files[doc] = year_page(ys, previous, files, config)
        index.append(f"| [{year} 年]({rel(HOME_DOC, doc)}) | {ys.unique_total} |\n")
        nav.append({f"{year} 年": doc})
    months = stats_mod.months_with_items(counted, config, as_of)
    tb = [front_matter({"title": "信息报送情况通报", "hide": ["toc"]}), "# 信息报送情况通报\n\n"]
    if months:
        for y, m in reversed(_tongbao_months(months, as_of)):
            # a month's report reads only the items dated by its cutoff: the others are left out
            # here, not looked at again in each of the year's twelve reports
            cutoff = min(month_end(y, m), as_of)
            upto = tuple(i for i in around(y) if day_of[id(i)] <= cutoff)
            report = stats_mod.month_report(upto, config, y, m, as_of)
            files[tongbao_doc(y, m)] = tongbao_page(report, config, files)
            tb.append(f"- [{y} 年 {m} 月]({rel(TONGBAO_DOC, tongbao_doc(y, m))})：{report.total} 条\n")
    else:
        tb.append("暂无通报。\n")
    files[TONGBAO_DOC] = "".join(tb)
    index.append(f"\n## 信息报送情况通报\n\n每月一期：[信息报送情况通报]({rel(HOME_DOC, TONGBAO_DOC)})\n")
    files[HOME_DOC] = "".join(index)
    nav.append({"信息报送情况通报": TONGBAO_DOC})
    return Output(files, ({"统计": nav},))
