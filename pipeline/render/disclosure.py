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
  with ``section: xxgk`` and ``report_year: <year>``), laid out by
  :mod:`pipeline.render.disclosure_report`.
- ``xxgk/apply/`` (依申请公开): the office's page ``content/pages/apply.md`` when there is
  one (its body, how to apply), followed by the 信息处理费 rules of 国办函〔2020〕109号; this
  renderer's file replaces the plain rendering of that page.

Fed the gated ``published`` items, the counted items (report figures), the publication's
yearly data files (:mod:`pipeline.report_data`) and the static pages; reads no file.
"""

from __future__ import annotations

from pipeline import disclosure
from pipeline.config import Config
from pipeline.render import disclosure_report
from pipeline.render.common import Output, front_matter, md_escape, pager, paginate, rel, ymd
from pipeline.report_data import ReportData

ROOT = "xxgk"
APPLY_PAGE = "apply"  # content/pages/apply.md (section: xxgk): how to apply


# --- 公开目录 ----------------------------------------------------------------------------------


def _row_cells(e) -> tuple[str, str]:
    """A catalogue row without its link target: the text before and after it."""
    return (
        f"| {md_escape(e.index_number or '—')} | [{md_escape(e.title)}](",
        f") | {md_escape(e.publisher)} | {ymd(e.date)} | {md_escape(e.doc_number or '—')} | {md_escape(e.topic)} | "
        f"{md_escape(e.genre)} |\n",
    )


def _catalog_table(doc: str, entries, cells: dict | None = None) -> str:
    """``cells``: ``_row_cells`` of each entry by docs path, made once per entry — an entry is
    listed four times (all, its year, its 主题分类, its 体裁分类); only the link differs."""
    head = (
        "| 索引号 | 标题 | 发布机构 | 发布日期 | 文号 | 主题分类 | 体裁分类 |\n"
        "| --- | --- | --- | --- | --- | --- | --- |\n"
    )
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
        f"**按年度**：[全部]({rel(doc, f'{ROOT}/catalog/index.md')}) · "
        f"{links(years, lambda y: f'{ROOT}/catalog/{y}/index.md')}\n{{ .catalog-browse }}\n\n"
        f"**按主题分类**：{links(topics, lambda t: f'{ROOT}/catalog/topic/{disclosure.group_slug(t)}/index.md')}"
        "\n{ .catalog-browse }\n\n"
        f"**按体裁分类**：{links(genres, lambda g: f'{ROOT}/catalog/genre/{disclosure.group_slug(g)}/index.md')}"
        "\n{ .catalog-browse }\n\n"
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
        f"依据《{config.fees.source}》（{config.fees.document}），"
        "申请人申请公开政府信息的数量、频次明显超过合理范围的，"
        "本机关可以收取信息处理费，按件计收或按量计收（二者选其一）。\n\n",
        "**按件计收**（同一申请人一个自然月内累计申请的件数）\n\n| 申请件数 | 收费标准 |\n| --- | --- |\n",
    ]
    fees.extend(f"| {a} | {b} |\n" for a, b in config.fees.by_requests.rows())
    fees.append("\n**按量计收**（同一申请的页数）\n\n| 页数 | 收费标准 |\n| --- | --- |\n")
    fees.extend(f"| {a} | {b} |\n" for a, b in config.fees.by_pages.rows())
    fees.append(
        f"\n例如：同一申请人一个月内申请 35 件，收费 {config.fees.by_requests.fee(35)} 元；一件申请提供 45 页，"
        f"收费 {config.fees.by_pages.fee(45)} 元。\n"
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
        f"-   **[法定主动公开内容（公开目录）]({rel(doc, f'{ROOT}/catalog/index.md')})**\n\n"
        "    按年度、主题分类、体裁分类浏览，每条信息附索引号\n\n"
    )
    body.append(f"-   **[政府信息公开工作年度报告]({rel(doc, f'{ROOT}/reports/index.md')})**\n\n")
    body.append(f"-   **[依申请公开]({rel(doc, apply_doc)})**\n\n    申请方式与信息处理费标准\n\n")
    body.append(
        f"-   **[政府网站工作年度报表]({rel(doc, f'{ROOT}/website-report/index.md')})**\n\n"
        "    国办函〔2018〕12号格式，附 CSV、JSON\n\n"
    )
    body.append("</div>\n")
    return "".join(body)


def render(published, counted, data: ReportData, config: Config, static_pages) -> Output:
    """The files, nav section and findings of the whole column; ``data``: the publication's yearly data files."""
    files: dict = {}
    apply_doc, apply_text = apply_page(config, static_pages)
    files[apply_doc] = apply_text
    files[f"{ROOT}/index.md"] = column_home(config, static_pages, apply_doc)
    files.update(render_catalog(published, config))
    report_files, findings = disclosure_report.render(counted, data, config, static_pages)
    files.update(report_files)
    entries = [f"{ROOT}/index.md"] + [{p.title: p.docs_path} for p in column_pages(static_pages)]
    entries += [
        {"公开目录": f"{ROOT}/catalog/index.md"},
        {"年度报告": f"{ROOT}/reports/index.md"},
        {"依申请公开": apply_doc},
        {"网站工作年度报表": f"{ROOT}/website-report/index.md"},
    ]  # pages: pipeline.render.website_report
    return Output(files, ({"信息公开": entries},), findings)
