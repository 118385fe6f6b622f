"""政府网站工作年度报表 pages under ``xxgk/website-report/`` and the home-page notice.

- ``xxgk/website-report/index.md``: every year's report, newest first (earlier years kept);
- ``xxgk/website-report/<year>/index.md``: the national table as a real ``<table>`` — one
  row per template line, in order, each figure with its source (配置 / 门户统计 / 访问日志 /
  数据文件) — and ``website-report-<year>.csv`` / ``.json`` beside it;
- :func:`home_notice`: the block the home page shows while the newest report is due
  (``home_months`` of ``website_report.yaml``, default January of the year after).

Fed the counted items; reads the data files through :mod:`pipeline.website_report` and the
access-log store through :func:`pipeline.traffic.year_totals`.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

from pipeline import website_report as wr
from pipeline.config import Config
from pipeline.findings import Finding, error
from pipeline.render.common import front_matter, h, md_escape, rel

ROOT = "xxgk/website-report"
INDEX = f"{ROOT}/index.md"
TITLE = "政府网站工作年度报表"


def year_doc(year: int) -> str:
    return f"{ROOT}/{year}/index.md"


def table_html(rep: wr.WebsiteReport) -> str:
    rows = [
        '<thead>\n<tr><th scope="col">项目</th><th scope="col">数值</th><th scope="col">来源</th></tr>\n</thead>\n<tbody>'
    ]
    group = sub = None
    for f in rep.figures:
        row = f.row
        if row.group != group:
            group, sub = row.group, None
            if group:
                rows.append(f'<tr class="wr-group"><th colspan="3" scope="rowgroup">{h(group)}</th></tr>')
        if row.sub != sub:
            sub = row.sub
            if sub:
                rows.append(f'<tr class="wr-sub"><th colspan="3" scope="rowgroup">{h(sub)}</th></tr>')
        depth = (1 if row.group else 0) + (1 if row.sub else 0)
        missing = ' class="wr-missing"' if f.value is None else ""
        rows.append(
            f'<tr data-key="{h(row.key)}" data-source="{h(f.source)}"><th scope="row" class="wr-depth-{depth}">{h(row.label)}</th>'
            f"<td{missing}>{h(wr.display(f))}</td><td>{h(wr.source_text(rep, f))}</td></tr>"
        )
    rows.append("</tbody>")
    return '<table class="report-table website-report-table">\n' + "\n".join(rows) + "\n</table>\n"


def report_page(rep: wr.WebsiteReport, doc: str, csv_file: str, json_file: str) -> str:
    meta = {"title": rep.title, "description": f"{rep.site_name}{rep.year}年度政府网站工作年度报表（{wr.FORMAT}）"}
    out = [front_matter(meta), f"# {md_escape(rep.title)}\n\n"]
    if rep.filled_on:
        out.append(f"填报日期：{rep.filled_on}\n{{ .item-byline }}\n\n")
    out.append(
        f"下载：[CSV 表格]({rel(doc, csv_file)}) · [JSON 数据]({rel(doc, json_file)})\n{{ .report-downloads }}\n\n"
    )
    out.append(
        f"按《政府网站工作年度报表》（{wr.FORMAT}）格式填报，统计期限自{rep.year}年1月1日起至{rep.year}年12月31日止。\n\n"
    )
    out.append(table_html(rep) + "\n")
    traffic = (
        "访问日志：独立用户访问总量为每日独立访客（按 IP 与浏览器标识加当日随机盐的摘要计，不保存 IP）之和，网站总访问量为网页浏览次数，"
        "不含搜索引擎和监测程序、图片样式等资源文件和订阅源"
    )
    out.append(
        "**数据来源**：配置——网站配置文件；门户统计——本网站当年发布的信息，不同渠道和方式公开相同信息计1条，栏目归类见栏目设置；"
        f"{traffic}；数据文件——本单位填报的 `{md_escape(rep.source)}`。\n{{ .report-sources }}\n"
    )
    return "".join(out)


def _traffic(traffic_db: Path | None, year: int):
    if traffic_db is None:
        return None
    from pipeline import traffic

    return traffic.year_totals(traffic_db, year)


def render(
    counted, content: Path, config: Config, traffic_db: Path | None = None
) -> tuple[dict[str, str], tuple[Finding, ...]]:
    """Every year's page and downloads, the listing, and the findings of the data files."""
    out: dict[str, str] = {}
    findings: list[Finding] = []
    listing = []
    for year in wr.available_years(content):
        try:
            traffic = _traffic(traffic_db, year)
        except (sqlite3.Error, OSError) as exc:  # a damaged store: say so, fall back to the data file
            findings.append(
                error(
                    f"{wr.DATA_DIR}/{year}.yaml",
                    "website-report-traffic",
                    f"无法读取访问日志统计库 {traffic_db}：{exc}；访问量按数据文件填报",
                )
            )
            traffic = None
        rep, found = wr.generate(year, counted, content, config, traffic)
        findings.extend(found)
        doc = year_doc(year)
        csv_file, json_file = f"{ROOT}/{year}/website-report-{year}.csv", f"{ROOT}/{year}/website-report-{year}.json"
        out[doc] = report_page(rep, doc, csv_file, json_file)
        out[csv_file] = wr.to_csv(rep)
        out[json_file] = wr.to_json(rep)
        listing.append((year, rep.title, doc, rep.filled_on))
    body = [front_matter({"title": TITLE}), f"# {TITLE}\n\n"]
    month, day = config.website_report.deadline
    body.append(
        f"按国办函〔2018〕12号要求，各年度报表于次年{month}月{day}日前在网站首页公布，并报送全国政府网站信息报送系统。\n\n"
    )
    if listing:
        body.append('<div class="item-list" markdown>\n\n')
        body.extend(
            f'- [{md_escape(title)}]({rel(INDEX, doc)}) <span class="item-date">{year}年度{f" · 填报日期 {filled}" if filled else ""}</span>\n'
            for year, title, doc, filled in listing
        )
        body.append("\n</div>\n")
    else:
        body.append("暂无网站工作年度报表。\n")
    out[INDEX] = "".join(body)
    return out, tuple(findings)


def home_notice(content: Path, config: Config, today: date | None) -> str:
    """The home-page block linking last year's report while it is due (Markdown, relative to
    ``index.md``); empty outside the window or when there is no report of last year."""
    if today is None or today.month not in config.website_report.home_months:
        return ""
    year = today.year - 1
    if year not in wr.available_years(content):
        return ""
    return (
        f'<div class="home-notice website-report-notice" markdown>\n\n'
        f"**[{md_escape(config.portal.name)}{year}年度政府网站工作年度报表]({rel('index.md', year_doc(year))})**"
        f" · [往年报表]({rel('index.md', INDEX)})\n\n</div>\n\n"
    )
