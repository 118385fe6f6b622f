"""Every layout of the annual 政府信息公开工作年度报告 (国办公开办函〔2021〕30号): the page
``xxgk/reports/<year>/`` with the tables as the national template lays them out, its
``report-<year>.md.txt`` and ``report-<year>.json`` downloads (what ``portal report`` prints), and
the listing ``xxgk/reports/`` — generated years and the office's hand-written older ones.

The figures come from :func:`pipeline.report.compute` over the publication's data files; the
words written around them (the intro sentence, section 一's summary, the 信息处理费 sentence)
exist once, here, for the page and the downloads alike.
"""

from __future__ import annotations

import json

from pipeline import report as report_mod
from pipeline.config import Config
from pipeline.disclosure_template import (
    APPLICANT_TYPES,
    COLUMNS,
    FORMAT,
    ORG_TYPES,
    ROW_BY_CODE,
    SECTION_TITLES,
    TABLE2,
    TABLE3_ROWS,
    TABLE4_GROUPS,
    TABLE4_RESULTS,
    table4_label,
)
from pipeline.findings import Finding
from pipeline.render.common import front_matter, h, md_escape
from pipeline.render.yearly import byline, downloads, listing_page, md_cell, num
from pipeline.report import Report
from pipeline.report_data import ReportData

ROOT = "xxgk"
TITLES = dict(SECTION_TITLES)


# --- the words around the figures -----------------------------------------------------------


def intro(rep: Report) -> str:
    return (
        f"本报告根据《中华人民共和国政府信息公开条例》和{FORMAT}要求编制，"
        f"所列数据的统计期限自{rep.year}年1月1日起至{rep.year}年12月31日止。"
    )


def overview(rep: Report) -> str:
    """Section 一's generated figures (seed 004's way of counting)."""
    t = {code: dict(zip(COLUMNS, v)) for code, v in rep.table3}
    if rep.active_channels:
        via = "，其中" + "、".join(
            f"通过{'门户网站' if ch == '网站' else ch}发布 {n} 条" for ch, n in rep.active_channels
        )
    else:
        via = ""
    reviews = dict(rep.table4)
    lawsuits = reviews["未经复议直接起诉"][-1] + reviews["复议后起诉"][-1]
    return (
        f"{rep.year}年，{rep.unit}主动公开政府信息 {rep.active_total} 条（不同渠道和方式公开相同信息计1条）{via}。"
        f"全年新收政府信息公开申请 {t['一']['总计']} 件，上年结转 {t['二']['总计']} 件，"
        f"办结 {t['三.7']['总计']} 件，结转下年度继续办理 {t['四']['总计']} 件。"
        f"因政府信息公开被申请行政复议 {reviews['行政复议'][-1]} 件，被提起行政诉讼 {lawsuits} 件。"
    )


def fee_sentence(rep: Report) -> str:
    if rep.fees:
        return (
            f"{rep.year}年，本机关依据《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）"
            f"收取信息处理费 {num(rep.fees)} 元。"
        )
    return f"{rep.year}年，本机关未收取信息处理费。"


def _sections(rep: Report, table2: str, table3: str, table4: str) -> str:
    """From the intro sentence to the end: the six sections, with the tables given as laid out."""
    out = [f"{intro(rep)}\n\n", f"## {TITLES['一']}\n\n{overview(rep)}\n\n"]
    if rep.section("一"):
        out.append(rep.section("一") + "\n\n")
    out.append(f"## {TITLES['二']}\n\n{table2}")
    out.append(f"## {TITLES['三']}\n\n{table3}")
    out.append(f"## {TITLES['四']}\n\n{table4}")
    out.append(f"## {TITLES['五']}\n\n{rep.section('五') or '无。'}\n\n")
    out.append(f"## {TITLES['六']}\n\n{fee_sentence(rep)}\n\n")
    if rep.section("六"):
        out.append(rep.section("六") + "\n")
    return "".join(out)


# --- Markdown and JSON (the downloads, and ``portal report``) -------------------------------


def _md_table(head: tuple[str, ...], rows) -> str:
    lines = ["| " + " | ".join(head) + " |\n|" + " --- |" * len(head) + "\n"]
    lines.extend("| " + " | ".join(cells) + " |\n" for cells in rows)
    return "".join(lines)


def to_markdown(rep: Report) -> str:
    """The whole report as Markdown (the download, and ``portal report --format md``)."""
    values2 = dict(rep.table2)
    table2 = "".join(
        f"**{heading}**\n\n"
        + _md_table(("信息内容",) + columns, ((row, *(num(v) for _, v in values2[row])) for row in rows))
        + "\n"
        for heading, columns, rows in TABLE2
    )
    figures = dict(rep.table3)
    table3 = (
        "申请人情况：自然人；法人或其他组织（商业企业、科研机构、社会公益组织、法律服务机构、其他）；总计。\n\n"
        + _md_table(
            ("项目",) + COLUMNS,
            (
                (md_cell(row.label), *([str(v) for v in figures[row.code]] if row.figures else [""] * len(COLUMNS)))
                for row in TABLE3_ROWS
            ),
        )
        + "\n"
    )
    table4 = (
        _md_table(
            ("类别",) + TABLE4_RESULTS, ((table4_label(group), *map(str, values)) for group, values in rep.table4)
        )
        + "\n"
    )
    published = f"发布日期：{rep.published}\n\n" if rep.published else ""
    return f"# {rep.title}\n\n{published}" + _sections(rep, table2, table3, table4)


def to_dict(rep: Report) -> dict:
    return {
        "title": rep.title,
        "year": rep.year,
        "unit": rep.unit,
        "published": rep.published,
        "format": FORMAT,
        "sections": {
            TITLES["一"]: {"generated": overview(rep), "text": rep.section("一")},
            TITLES["五"]: {"text": rep.section("五")},
            TITLES["六"]: {"generated": fee_sentence(rep), "text": rep.section("六")},
        },
        "active": {"total": rep.active_total, "channels": dict(rep.active_channels), "source": rep.active_source},
        "table2": {row: dict(values) for row, values in rep.table2},
        "table3": {
            "columns": list(COLUMNS),
            "rows": [
                {"code": code, "label": ROW_BY_CODE[code].label, "values": dict(zip(COLUMNS, values))}
                for code, values in rep.table3
            ],
        },
        "table4": {table4_label(group): dict(zip(TABLE4_RESULTS, values)) for group, values in rep.table4},
        "fees_yuan": rep.fees,
        "findings": [f.to_dict() for f in rep.findings],
    }


def to_json(rep: Report) -> str:
    return json.dumps(to_dict(rep), ensure_ascii=False, indent=2) + "\n"


# --- the page -------------------------------------------------------------------------------


def table2_html(rep: Report) -> str:
    values = dict(rep.table2)
    rows = []
    for heading, columns, labels in TABLE2:
        rows.append(f'<tr><th colspan="4" scope="colgroup">{h(heading)}</th></tr>')
        span = f' colspan="{4 - len(columns)}"' if len(columns) == 1 else ""
        head_cells = "".join(f'<th scope="col"{span}>{h(c)}</th>' for c in columns)
        rows.append(f'<tr><th scope="col">信息内容</th>{head_cells}</tr>')
        for label in labels:
            cells = "".join(f"<td{span}>{num(v)}</td>" for _, v in values[label])
            rows.append(f'<tr><th scope="row">{h(label)}</th>{cells}</tr>')
    return '<table class="report-table report-table-2">\n' + "\n".join(rows) + "\n</table>\n"


def table3_html(rep: Report) -> str:
    figures = dict(rep.table3)
    n_types = len(APPLICANT_TYPES)
    head = (
        '<thead>\n<tr><th colspan="3" rowspan="3" scope="col">'
        "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</th>"
        f'<th colspan="{n_types + 1}" scope="colgroup">申请人情况</th></tr>\n'
        f'<tr><th rowspan="2" scope="col">自然人</th>'
        f'<th colspan="{n_types - 1}" scope="colgroup">法人或其他组织</th><th rowspan="2" scope="col">总计</th></tr>\n'
        "<tr>" + "".join(f'<th scope="col">{h(t)}</th>' for t in ORG_TYPES) + "</tr>\n</thead>\n"
    )
    result_rows = [r for r in TABLE3_ROWS if r.code.startswith("三.") and r.figures]
    rows = []
    first_result = True
    for row in TABLE3_ROWS:
        if not row.figures:
            continue
        cells = "".join(f"<td>{v}</td>" for v in figures[row.code])
        parts = row.code.split(".")
        label = ""
        if len(parts) == 1:
            label = f'<th colspan="3" scope="row">{h(row.label)}</th>'
        else:
            if first_result:
                label += f'<th rowspan="{len(result_rows)}" scope="rowgroup">{h(ROW_BY_CODE["三"].label)}</th>'
                first_result = False
            if len(parts) == 2:
                label += f'<th colspan="2" scope="row">{h(row.label)}</th>'
            else:
                group = ".".join(parts[:2])
                if parts[2] == "1":
                    size = sum(1 for r in result_rows if r.code.startswith(group + "."))
                    label += f'<th rowspan="{size}" scope="rowgroup">{h(ROW_BY_CODE[group].label)}</th>'
                label += f'<th scope="row">{h(row.label)}</th>'
        rows.append(f'<tr data-row="{row.code}">{label}{cells}</tr>')
    return (
        '<table class="report-table report-table-3">\n'
        + head
        + "<tbody>\n"
        + "\n".join(rows)
        + "\n</tbody>\n</table>\n"
    )


def table4_html(rep: Report) -> str:
    n = len(TABLE4_RESULTS)
    head = (
        f'<tr><th colspan="{n}" rowspan="2" scope="colgroup">行政复议</th>'
        f'<th colspan="{2 * n}" scope="colgroup">行政诉讼</th></tr>\n'
        f'<tr><th colspan="{n}" scope="colgroup">未经复议直接起诉</th>'
        f'<th colspan="{n}" scope="colgroup">复议后起诉</th></tr>\n'
        "<tr>" + "".join(f'<th scope="col">{h(r)}</th>' for r in TABLE4_RESULTS * 3) + "</tr>\n"
    )
    values = dict(rep.table4)
    cells = "".join(f"<td>{v}</td>" for group in TABLE4_GROUPS for v in values[group])
    return '<table class="report-table report-table-4">\n' + head + f"<tr>{cells}</tr>\n</table>\n"


def report_page(rep: Report, doc: str, md_file: str, json_file: str) -> str:
    meta = {"title": rep.title, "description": overview(rep)[:120]}
    out = [front_matter(meta), f"# {md_escape(rep.title)}\n\n"]
    if rep.published:
        out.append(byline("发布日期", rep.published))
    out.append(downloads(doc, (("Markdown 文本", md_file), ("JSON 数据", json_file))))
    tables = (table2_html(rep) + "\n", table3_html(rep) + "\n", table4_html(rep) + "\n")
    return "".join(out) + _sections(rep, *tables)


def render(counted, data: ReportData, config: Config, static_pages) -> tuple[dict, tuple[Finding, ...]]:
    """Every generated year's page and downloads, the listing, and the findings of the data files."""
    out: dict[str, str] = {}
    findings: list[Finding] = []
    listing: list[tuple[int, str, str, str]] = []  # (year, title, docs path, kind)
    for year in data.disclosure_years:
        rep, found = report_mod.compute(year, data, counted, config)
        findings.extend(found)
        if rep is None:
            continue
        base = f"{ROOT}/reports/{year}"
        doc, md_file, json_file = f"{base}/index.md", f"{base}/report-{year}.md.txt", f"{base}/report-{year}.json"
        out[doc] = report_page(rep, doc, md_file, json_file)
        out[md_file] = to_markdown(rep)
        out[json_file] = to_json(rep)
        listing.append((year, rep.title, doc, f"{FORMAT}格式"))
    for page in static_pages:
        year = dict(page.meta).get("report_year")
        if page.section == ROOT and isinstance(year, int):
            listing.append((year, page.title, page.docs_path, "历史报告"))
    listing.sort(key=lambda e: (-e[0], e[2]))
    doc = f"{ROOT}/reports/index.md"
    out[doc] = listing_page(
        doc,
        "政府信息公开工作年度报告",
        "各年度报告于次年1月31日前公布。\n\n",
        [(title, path, f"{year}年度 · {kind}") for year, title, path, kind in listing],
        "暂无年度报告。\n",
    )
    return out, tuple(findings)
