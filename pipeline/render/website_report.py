"""Every layout of the 政府网站工作年度报表 (国办函〔2018〕12号) and the home-page notice.

- ``xxgk/website-report/index.md``: every year's report, newest first (earlier years kept);
- ``xxgk/website-report/<year>/index.md``: the national table as a real ``<table>`` — one
  row per template line, in order, each figure with its source (配置 / 门户统计 / 访问日志 /
  数据文件) — and ``website-report-<year>.csv`` / ``.json`` beside it; the same CSV, JSON and a
  Markdown table are what ``portal website-report`` prints;
- :func:`home_notice`: the block the home page shows while the newest report is due
  (``home_months`` of ``website_report.yaml``, default January of the year after).

Fed the counted items, the publication's yearly data files and the year's access-log totals
(:func:`pipeline.website_report.read_traffic`); the figures are :func:`pipeline.website_report.compute`'s.
The page and the Markdown walk the table's groups the same way (:func:`outline`).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date

from pipeline import website_report as wr
from pipeline.config import Config
from pipeline.findings import Finding
from pipeline.render.common import Output, front_matter, h, md_escape, rel
from pipeline.render.yearly import byline, downloads, listing_page, md_cell, num
from pipeline.report_data import ReportData
from pipeline.website_template import DATA, FORMAT, ITEMS, LOGS, SOURCE_LABELS

ROOT = "xxgk/website-report"
INDEX = f"{ROOT}/index.md"
TITLE = "政府网站工作年度报表"
CSV_HEADER = ("分组", "子项", "项目", "单位", "数值", "来源")


def year_doc(year: int) -> str:
    return f"{ROOT}/{year}/index.md"


# --- how a figure is written -------------------------------------------------------------------


def display(figure: wr.Figure) -> str:
    value = figure.value
    if value is None:
        return "未填报"
    if isinstance(value, bool):
        return "是" if value else "否"
    return num(value)


def source_text(report: wr.WebsiteReport, figure: wr.Figure) -> str:
    label = SOURCE_LABELS[figure.source]
    if figure.key == "media.other" and report.others:
        return (
            f"{label}（信息发布量）、数据文件（名称、关注量，{report.source}）"
            if figure.source == ITEMS
            else f"{label}（{report.source}）"
        )
    if figure.source == LOGS and report.traffic:
        t = report.traffic
        return f"{label}（{t.first} 至 {t.last}，{t.days} 天）" if t.first else f"{label}（{t.days} 天）"
    if figure.source == DATA:
        return f"{label}（{report.source}）"
    return label


def outline(report: wr.WebsiteReport):
    """The table in reading order as (kind, what, depth): ``("group", name, 0)`` and
    ``("sub", name, depth)`` where a group or sub-group opens, ``("row", figure, depth)`` for each
    row; depth (0 to 2) is how far it is indented."""
    group = sub = None
    for f in report.figures:
        row = f.row
        if row.group != group:
            group, sub = row.group, None
            if group:
                yield ("group", group, 0)
        if row.sub != sub:
            sub = row.sub
            if sub:
                yield ("sub", sub, 1 if row.group else 0)
        yield ("row", f, (1 if row.group else 0) + (1 if row.sub else 0))


# --- the downloads (and ``portal website-report``) ----------------------------------------------


def rows(report: wr.WebsiteReport) -> list[dict]:
    """The table as plain records: what the JSON lists."""
    return [
        {
            "key": f.key,
            "group": f.row.group,
            "sub": f.row.sub,
            "label": f.row.label,
            "unit": f.row.unit,
            "value": f.value,
            "display": display(f),
            "source": f.source,
            "source_label": SOURCE_LABELS[f.source],
        }
        for f in report.figures
    ]


def to_csv(report: wr.WebsiteReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for f in report.figures:
        writer.writerow((f.row.group, f.row.sub, f.row.label, f.row.unit, display(f), source_text(report, f)))
    return out.getvalue()


def to_dict(report: wr.WebsiteReport) -> dict:
    traffic = report.traffic
    return {
        "title": report.title,
        "year": report.year,
        "format": FORMAT,
        "rows": rows(report),
        "special_columns": [{"name": n, "opened": o, "new": new} for n, o, new in report.specials],
        "other_accounts": [
            {"channel": a.channel, "name": a.name, "posts": a.posts, "followers": a.followers} for a in report.others
        ],
        "traffic": None
        if traffic is None
        else {
            "visitors": traffic.visitors,
            "page_views": traffic.page_views,
            "days": traffic.days,
            "first": traffic.first.isoformat() if traffic.first else None,
            "last": traffic.last.isoformat() if traffic.last else None,
        },
        "sources": SOURCE_LABELS,
        "findings": [f.to_dict() for f in report.findings],
    }


def to_json(report: wr.WebsiteReport) -> str:
    return json.dumps(to_dict(report), ensure_ascii=False, indent=2) + "\n"


def to_markdown(report: wr.WebsiteReport) -> str:
    out = [
        f"# {report.title}\n\n",
        f"格式：{FORMAT}《政府网站工作年度报表》。统计期限：{report.year}年1月1日至{report.year}年12月31日。\n\n",
        "| 项目 | 数值 | 来源 |\n| --- | --- | --- |\n",
    ]
    for kind, what, depth in outline(report):
        indent = "　" * depth
        if kind == "group":
            out.append(f"| **{md_cell(what)}** | | |\n")
        elif kind == "sub":
            out.append(f"| {indent}{md_cell(what)} | | |\n")
        else:
            value, source = md_cell(display(what)), md_cell(source_text(report, what))
            out.append(f"| {indent}{md_cell(what.row.label)} | {value} | {source} |\n")
    out.append(
        "\n来源：配置 = site_config；门户统计 = 本门户当年发布的信息（不同渠道和方式公开相同信息计1条）；"
        f"访问日志 = 网站服务器访问日志（portal traffic ingest）；数据文件 = {report.source}。\n"
    )
    return "".join(out)


# --- the page -----------------------------------------------------------------------------------


def table_html(rep: wr.WebsiteReport) -> str:
    rows = [
        '<thead>\n<tr><th scope="col">项目</th><th scope="col">数值</th><th scope="col">来源</th></tr>\n'
        "</thead>\n<tbody>"
    ]
    for kind, what, depth in outline(rep):
        if kind != "row":
            rows.append(f'<tr class="wr-{kind}"><th colspan="3" scope="rowgroup">{h(what)}</th></tr>')
            continue
        missing = ' class="wr-missing"' if what.value is None else ""
        rows.append(
            f'<tr data-key="{h(what.key)}" data-source="{h(what.source)}">'
            f'<th scope="row" class="wr-depth-{depth}">{h(what.row.label)}</th>'
            f"<td{missing}>{h(display(what))}</td><td>{h(source_text(rep, what))}</td></tr>"
        )
    rows.append("</tbody>")
    return '<table class="report-table website-report-table">\n' + "\n".join(rows) + "\n</table>\n"


def report_page(rep: wr.WebsiteReport, doc: str, csv_file: str, json_file: str) -> str:
    meta = {"title": rep.title, "description": f"{rep.site_name}{rep.year}年度政府网站工作年度报表（{FORMAT}）"}
    out = [front_matter(meta), f"# {md_escape(rep.title)}\n\n"]
    if rep.filled_on:
        out.append(byline("填报日期", rep.filled_on))
    out.append(downloads(doc, (("CSV 表格", csv_file), ("JSON 数据", json_file))))
    out.append(
        f"按《政府网站工作年度报表》（{FORMAT}）格式填报，统计期限自{rep.year}年1月1日起至{rep.year}年12月31日止。\n\n"
    )
    out.append(table_html(rep) + "\n")
    traffic = (
        "访问日志：独立用户访问总量为每日独立访客（按 IP 与浏览器标识加当日随机盐的摘要计，不保存 IP）之和，"
        "网站总访问量为网页浏览次数，不含搜索引擎和监测程序、图片样式等资源文件和订阅源"
    )
    out.append(
        "**数据来源**：配置——网站配置文件；门户统计——本网站当年发布的信息，不同渠道和方式公开相同信息计1条，"
        "栏目归类见栏目设置；"
        f"{traffic}；数据文件——本单位填报的 `{md_escape(rep.source)}`。\n{{ .report-sources }}\n"
    )
    return "".join(out)


def render(counted, data: ReportData, config: Config, traffic: dict | None = None) -> Output:
    """Every year's page and downloads, the listing, and the findings of the data files.
    ``traffic``: year → (:class:`pipeline.website_report.TrafficYear` or None, the finding of a
    store that could not be read or None), as :func:`pipeline.website_report.read_traffic` gives."""
    out: dict[str, str] = {}
    findings: list[Finding] = []
    listing = []
    for year in data.website_years:
        totals, problem = (traffic or {}).get(year, (None, None))
        if problem is not None:
            findings.append(problem)
        rep, found = wr.compute(year, data, counted, config, totals)
        findings.extend(found)
        doc = year_doc(year)
        csv_file, json_file = f"{ROOT}/{year}/website-report-{year}.csv", f"{ROOT}/{year}/website-report-{year}.json"
        out[doc] = report_page(rep, doc, csv_file, json_file)
        out[csv_file] = to_csv(rep)
        out[json_file] = to_json(rep)
        listing.append((rep.title, doc, f"{year}年度{f' · 填报日期 {rep.filled_on}' if rep.filled_on else ''}"))
    month, day = config.website_report.deadline
    lead = f"按{FORMAT}要求，各年度报表于次年{month}月{day}日前在网站首页公布，并报送全国政府网站信息报送系统。\n\n"
    out[INDEX] = listing_page(INDEX, TITLE, lead, listing, "暂无网站工作年度报表。\n")
    return Output(out, findings=tuple(findings))


def home_notice(data: ReportData, config: Config, today: date | None) -> str:
    """The home-page block linking last year's report while it is due (Markdown, relative to
    ``index.md``); empty outside the window or when there is no report of last year."""
    if today is None or today.month not in config.website_report.home_months:
        return ""
    year = today.year - 1
    if year not in data.website_years:
        return ""
    return (
        f'<div class="home-notice website-report-notice" markdown>\n\n'
        f"**[{md_escape(config.portal.name)}{year}年度政府网站工作年度报表]({rel('index.md', year_doc(year))})**"
        f" · [往年报表]({rel('index.md', INDEX)})\n\n</div>\n\n"
    )
