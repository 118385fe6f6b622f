"""政府信息公开专栏 pages under ``xxgk/``: column home, 公开目录, 年度报告, 依申请公开.

- ``xxgk/index.md``: the column home, linking the office's pages placed in the column
  (``content/pages/*.md`` with ``section: xxgk`` — 公开指南, 公开制度, 机构职能 …, rendered
  by :mod:`pipeline.render.pages` at ``xxgk/<name>/``) and the generated parts below.
- ``xxgk/catalog/`` (法定主动公开内容 / 公开目录): every published item with 索引号, 标题,
  发布机构, 发布日期, 文号, 主题分类, 体裁分类, paginated, and the same list per year
  (``catalog/<year>/``), per 主题分类 (``catalog/topic/<slug>/``) and 体裁分类
  (``catalog/genre/<slug>/``).
- ``xxgk/reports/``: annual reports newest first — generated ones (``reports/<year>/`` with
  the tables laid out as the national template, plus ``report-<year>.md.txt`` and
  ``report-<year>.json`` downloads beside the page; the Markdown download is ``.md.txt``
  because mkdocs would turn a ``.md`` file into a page) and hand-written older ones (pages
  with ``section: xxgk`` and ``report_year: <year>``).
- ``xxgk/apply/`` (依申请公开): the office's page ``content/pages/apply.md`` when there is
  one (its body, how to apply), followed by the 信息处理费 rules of 国办函〔2020〕109号; this
  renderer's file replaces the plain rendering of that page.

Fed the gated ``published`` items, the counted items (report figures) and the static pages;
reads nothing but the disclosure yaml files through :mod:`pipeline.report`.
"""

from __future__ import annotations

from pathlib import Path

from pipeline import disclosure, report
from pipeline.config import Config
from pipeline.findings import Finding
from pipeline.render.common import front_matter, h, md_escape, pager, paginate, rel, ymd

ROOT = "xxgk"
APPLY_PAGE = "apply"  # content/pages/apply.md (section: xxgk): how to apply


# --- 公开目录 ----------------------------------------------------------------------------------


def _row_cells(e) -> tuple[str, str]:
    """A catalogue row without its link target: the text before and after it."""
    return (
        f"| {md_escape(e.index_number or '—')} | [{md_escape(e.title)}](",
        f") | {md_escape(e.publisher)} | {ymd(e.date)} | {md_escape(e.doc_number or '—')} | {md_escape(e.topic)} | {md_escape(e.genre)} |\n",
    )


def _catalog_table(doc: str, entries, cells: dict | None = None) -> str:
    """``cells``: ``_row_cells`` of each entry by docs path, made once per entry — an entry is
    listed four times (all, its year, its 主题分类, its 体裁分类); only the link differs."""
    head = "| 索引号 | 标题 | 发布机构 | 发布日期 | 文号 | 主题分类 | 体裁分类 |\n| --- | --- | --- | --- | --- | --- | --- |\n"
    rows = []
    for e in entries:
        before, after = cells[e.docs_path] if cells is not None else _row_cells(e)
        rows.append(f"{before}{rel(doc, e.docs_path)}{after}")
    return '<div class="disclosure-catalog" markdown>\n\n' + head + "".join(rows) + "\n</div>\n\n"


def _browse(doc: str, years, topics, genres) -> str:
    def links(groups, target) -> str:
        return " · ".join(
            f"[{md_escape(str(name))}（{len(entries)}）]({rel(doc, target(name))})" for name, entries in groups.items()
        )

    return (
        f"**按年度**：[全部]({rel(doc, f'{ROOT}/catalog/index.md')}) · {links(years, lambda y: f'{ROOT}/catalog/{y}/index.md')}\n{{ .catalog-browse }}\n\n"
        f"**按主题分类**：{links(topics, lambda t: f'{ROOT}/catalog/topic/{disclosure.group_slug(t)}/index.md')}\n{{ .catalog-browse }}\n\n"
        f"**按体裁分类**：{links(genres, lambda g: f'{ROOT}/catalog/genre/{disclosure.group_slug(g)}/index.md')}\n{{ .catalog-browse }}\n\n"
    )


def catalog_pages(base: str, title: str, entries, config: Config, browse, cells: dict | None = None) -> dict[str, str]:
    out = {}
    for page, pages, doc, chunk in paginate(base, entries, config.portal.page_size):
        meta = {"title": title if page == 1 else f"{title}（第 {page} 页）", "list": True}
        body = [front_matter(meta), f"# {md_escape(title)}\n\n", f"共 {len(entries)} 条信息。\n\n", browse(doc)]
        body.append(_catalog_table(doc, chunk, cells) if chunk else "暂无信息。\n\n")
        if pages > 1:
            body.append(pager(doc, base, page, pages))
        out[doc] = "".join(body)
    return out


def render_catalog(published, config: Config) -> dict[str, str]:
    entries = disclosure.catalogue(published, config)
    years, topics, genres = disclosure.by_year(entries), disclosure.by_topic(entries), disclosure.by_genre(entries)
    cells = {e.docs_path: _row_cells(e) for e in entries}
    browse_by_folder: dict[str, str] = {}  # the links are relative: the same block for every page of one folder

    def browse(doc: str) -> str:
        folder = doc.rpartition("/")[0]
        if folder not in browse_by_folder:
            browse_by_folder[folder] = _browse(doc, years, topics, genres)
        return browse_by_folder[folder]

    out = catalog_pages(f"{ROOT}/catalog", "政府信息公开目录", entries, config, browse, cells)
    for year, group in years.items():
        out.update(
            catalog_pages(f"{ROOT}/catalog/{year}", f"政府信息公开目录 · {year}年", group, config, browse, cells)
        )
    for name, group in topics.items():
        out.update(
            catalog_pages(
                f"{ROOT}/catalog/topic/{disclosure.group_slug(name)}",
                f"政府信息公开目录 · 主题分类：{name}",
                group,
                config,
                browse,
                cells,
            )
        )
    for name, group in genres.items():
        out.update(
            catalog_pages(
                f"{ROOT}/catalog/genre/{disclosure.group_slug(name)}",
                f"政府信息公开目录 · 体裁分类：{name}",
                group,
                config,
                browse,
                cells,
            )
        )
    return out


# --- 年度报告 ----------------------------------------------------------------------------------


def _num(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def table2_html(rep: report.Report) -> str:
    values = dict(rep.table2)
    rows = []
    for heading, columns, labels in report.TABLE2:
        rows.append(f'<tr><th colspan="4" scope="colgroup">{h(heading)}</th></tr>')
        span = 4 - len(columns)
        head_cells = "".join(
            f'<th scope="col"{f" colspan={chr(34)}{span}{chr(34)}" if len(columns) == 1 else ""}>{h(c)}</th>'
            for c in columns
        )
        rows.append(f'<tr><th scope="col">信息内容</th>{head_cells}</tr>')
        for label in labels:
            cells = "".join(
                f"<td{f' colspan={chr(34)}{span}{chr(34)}' if len(columns) == 1 else ''}>{_num(v)}</td>"
                for _, v in values[label]
            )
            rows.append(f'<tr><th scope="row">{h(label)}</th>{cells}</tr>')
    return '<table class="report-table report-table-2">\n' + "\n".join(rows) + "\n</table>\n"


def table3_html(rep: report.Report) -> str:
    figures = dict(rep.table3)
    n_types = len(report.APPLICANT_TYPES)
    head = (
        '<thead>\n<tr><th colspan="3" rowspan="3" scope="col">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</th>'
        f'<th colspan="{n_types + 1}" scope="colgroup">申请人情况</th></tr>\n'
        f'<tr><th rowspan="2" scope="col">自然人</th><th colspan="{n_types - 1}" scope="colgroup">法人或其他组织</th><th rowspan="2" scope="col">总计</th></tr>\n'
        "<tr>" + "".join(f'<th scope="col">{h(t)}</th>' for t in report.ORG_TYPES) + "</tr>\n</thead>\n"
    )
    result_rows = [r for r in report.TABLE3_ROWS if r.code.startswith("三.") and r.figures]
    rows = []
    first_result = True
    for row in report.TABLE3_ROWS:
        if not row.figures:
            continue
        cells = "".join(f"<td>{v}</td>" for v in figures[row.code])
        parts = row.code.split(".")
        label = ""
        if len(parts) == 1:
            label = f'<th colspan="3" scope="row">{h(row.label)}</th>'
        else:
            if first_result:
                label += f'<th rowspan="{len(result_rows)}" scope="rowgroup">{h(report.ROW_BY_CODE["三"].label)}</th>'
                first_result = False
            if len(parts) == 2:
                label += f'<th colspan="2" scope="row">{h(row.label)}</th>'
            else:
                group = ".".join(parts[:2])
                if parts[2] == "1":
                    size = sum(1 for r in result_rows if r.code.startswith(group + "."))
                    label += f'<th rowspan="{size}" scope="rowgroup">{h(report.ROW_BY_CODE[group].label)}</th>'
                label += f'<th scope="row">{h(row.label)}</th>'
        rows.append(f'<tr data-row="{row.code}">{label}{cells}</tr>')
    return (
        '<table class="report-table report-table-3">\n'
        + head
        + "<tbody>\n"
        + "\n".join(rows)
        + "\n</tbody>\n</table>\n"
    )


def table4_html(rep: report.Report) -> str:
    results = report.TABLE4_RESULTS
    n = len(results)
    head = (
        f'<tr><th colspan="{n}" rowspan="2" scope="colgroup">行政复议</th><th colspan="{2 * n}" scope="colgroup">行政诉讼</th></tr>\n'
        f'<tr><th colspan="{n}" scope="colgroup">未经复议直接起诉</th><th colspan="{n}" scope="colgroup">复议后起诉</th></tr>\n'
        "<tr>" + "".join(f'<th scope="col">{h(r)}</th>' for r in results * 3) + "</tr>\n"
    )
    values = dict(rep.table4)
    cells = "".join(f"<td>{v}</td>" for group in report.TABLE4_GROUPS for v in values[group])
    return '<table class="report-table report-table-4">\n' + head + f"<tr>{cells}</tr>\n</table>\n"


def report_page(rep: report.Report, doc: str, md_file: str, json_file: str) -> str:
    titles = dict(report.SECTION_TITLES)
    meta = {"title": rep.title, "description": report.overview(rep)[:120]}
    out = [front_matter(meta), f"# {md_escape(rep.title)}\n\n"]
    if rep.published:
        out.append(f"发布日期：{rep.published}\n{{ .item-byline }}\n\n")
    out.append(
        f"下载：[Markdown 文本]({rel(doc, md_file)}) · [JSON 数据]({rel(doc, json_file)})\n{{ .report-downloads }}\n\n"
    )
    out.append(
        f"本报告根据《中华人民共和国政府信息公开条例》和国办公开办函〔2021〕30号要求编制，所列数据的统计期限自{rep.year}年1月1日起至{rep.year}年12月31日止。\n\n"
    )
    out.append(f"## {titles['一']}\n\n{report.overview(rep)}\n\n")
    if rep.section("一"):
        out.append(rep.section("一") + "\n\n")
    out.append(f"## {titles['二']}\n\n" + table2_html(rep) + "\n")
    out.append(f"## {titles['三']}\n\n" + table3_html(rep) + "\n")
    out.append(f"## {titles['四']}\n\n" + table4_html(rep) + "\n")
    out.append(f"## {titles['五']}\n\n{rep.section('五') or '无。'}\n\n")
    out.append(f"## {titles['六']}\n\n{report.fee_sentence(rep)}\n\n")
    if rep.section("六"):
        out.append(rep.section("六") + "\n")
    return "".join(out)


def render_reports(counted, content: Path, config: Config, static_pages) -> tuple[dict, tuple[Finding, ...]]:
    out: dict[str, str] = {}
    findings: list[Finding] = []
    listing: list[tuple[int, str, str, str]] = []  # (year, title, docs path, kind)
    for year in report.available_years(content):
        rep, found = report.generate(year, counted, content, config)
        findings.extend(found)
        if rep is None:
            continue
        base = f"{ROOT}/reports/{year}"
        doc, md_file, json_file = f"{base}/index.md", f"{base}/report-{year}.md.txt", f"{base}/report-{year}.json"
        out[doc] = report_page(rep, doc, md_file, json_file)
        out[md_file] = report.to_markdown(rep)
        out[json_file] = report.to_json(rep)
        listing.append((year, rep.title, doc, "国办公开办函〔2021〕30号格式"))
    for page in static_pages:
        year = dict(page.meta).get("report_year")
        if page.section == ROOT and isinstance(year, int):
            listing.append((year, page.title, page.docs_path, "历史报告"))
    listing.sort(key=lambda e: (-e[0], e[2]))
    doc = f"{ROOT}/reports/index.md"
    body = [front_matter({"title": "政府信息公开工作年度报告"}), "# 政府信息公开工作年度报告\n\n"]
    body.append("各年度报告于次年1月31日前公布。\n\n")
    if listing:
        body.append('<div class="item-list" markdown>\n\n')
        body.extend(
            f'- [{md_escape(title)}]({rel(doc, path)}) <span class="item-date">{year}年度 · {kind}</span>\n'
            for year, title, path, kind in listing
        )
        body.append("\n</div>\n")
    else:
        body.append("暂无年度报告。\n")
    out[doc] = "".join(body)
    return out, tuple(findings)


# --- 依申请公开 -------------------------------------------------------------------------------

DEFAULT_APPLY = """\
公民、法人或者其他组织可以向本机关申请获取主动公开以外的政府信息。请通过以下方式提交申请：

- 当面提交：到本机关政府信息公开受理点填写《政府信息公开申请表》；
- 邮政寄送：在信封左下角注明“政府信息公开申请”；
- 在线提交：通过本网站“依申请公开”栏目。

本机关收到申请后，能够当场答复的当场答复；不能当场答复的，自收到申请之日起20个工作日内答复。
"""


def apply_page(config: Config, static_pages) -> tuple[str, str]:
    page = next((p for p in static_pages if p.name == APPLY_PAGE and p.section == ROOT), None)
    doc = page.docs_path if page else f"{ROOT}/{APPLY_PAGE}.md"
    meta = dict(page.meta) if page else {"title": "依申请公开"}
    body = page.body.strip() if page else f"# 依申请公开\n\n{DEFAULT_APPLY}"
    fees = [
        "\n\n## 信息处理费标准\n\n",
        f"依据《{config.fees.source}》（{config.fees.document}），申请人申请公开政府信息的数量、频次明显超过合理范围的，"
        "本机关可以收取信息处理费，按件计收或按量计收（二者选其一）。\n\n",
        "**按件计收**（同一申请人一个自然月内累计申请的件数）\n\n| 申请件数 | 收费标准 |\n| --- | --- |\n",
    ]
    fees.extend(f"| {a} | {b} |\n" for a, b in config.fees.by_requests.rows())
    fees.append("\n**按量计收**（同一申请的页数）\n\n| 页数 | 收费标准 |\n| --- | --- |\n")
    fees.extend(f"| {a} | {b} |\n" for a, b in config.fees.by_pages.rows())
    fees.append(
        f"\n例如：同一申请人一个月内申请 35 件，收费 {config.fees.by_requests.fee(35)} 元；一件申请提供 45 页，收费 {config.fees.by_pages.fee(45)} 元。\n"
    )
    return doc, front_matter(meta) + body + "".join(fees)


# --- the column ------------------------------------------------------------------------------


def column_pages(static_pages) -> tuple:
    """The office's pages placed in the column, not counting hand-written reports and the apply page."""
    return tuple(
        p for p in static_pages if p.section == ROOT and p.name != APPLY_PAGE and "report_year" not in dict(p.meta)
    )


def column_home(config: Config, static_pages, apply_doc: str) -> str:
    doc = f"{ROOT}/index.md"
    body = [front_matter({"title": "政府信息公开", "hide": ["toc"]}), "# 政府信息公开\n\n"]
    body.append("涉密信息不公开，公开信息不涉密；先审查、后公开，谁公开、谁负责。\n{ .portal-lead }\n\n")
    body.append('<div class="grid cards" markdown>\n\n')
    for page in column_pages(static_pages):
        body.append(f"-   **[{md_escape(page.title)}]({rel(doc, page.docs_path)})**\n\n")
    body.append(
        f"-   **[法定主动公开内容（公开目录）]({rel(doc, f'{ROOT}/catalog/index.md')})**\n\n    按年度、主题分类、体裁分类浏览，每条信息附索引号\n\n"
    )
    body.append(f"-   **[政府信息公开工作年度报告]({rel(doc, f'{ROOT}/reports/index.md')})**\n\n")
    body.append(f"-   **[依申请公开]({rel(doc, apply_doc)})**\n\n    申请方式与信息处理费标准\n\n")
    body.append(
        f"-   **[政府网站工作年度报表]({rel(doc, f'{ROOT}/website-report/index.md')})**\n\n    国办函〔2018〕12号格式，附 CSV、JSON\n\n"
    )
    body.append("</div>\n")
    return "".join(body)


def render(published, counted, content: Path, config: Config, static_pages) -> tuple[dict, list, tuple[Finding, ...]]:
    """(files, nav section, findings) of the whole column."""
    files: dict = {}
    apply_doc, apply_text = apply_page(config, static_pages)
    files[apply_doc] = apply_text
    files[f"{ROOT}/index.md"] = column_home(config, static_pages, apply_doc)
    files.update(render_catalog(published, config))
    report_files, findings = render_reports(counted, content, config, static_pages)
    files.update(report_files)
    entries = [f"{ROOT}/index.md"] + [{p.title: p.docs_path} for p in column_pages(static_pages)]
    entries += [
        {"公开目录": f"{ROOT}/catalog/index.md"},
        {"年度报告": f"{ROOT}/reports/index.md"},
        {"依申请公开": apply_doc},
        {"网站工作年度报表": f"{ROOT}/website-report/index.md"},
    ]  # pages: pipeline.render.website_report
    return files, [{"信息公开": entries}], findings
