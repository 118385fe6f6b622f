"""Item pages: one docs page per published item at its permanent URL.

The page carries the title, the byline (发布日期, 来源子站), the disclosure metadata table
(索引号, 发布机构, 发布日期, 文号, 主题分类, 体裁分类, 公开方式 …), the editor's Markdown
body and the attachments.  Page meta names the sub-site feed, so the theme links it with
``<link rel="alternate">``, and marks the page as an item for the search indexer.
"""

from __future__ import annotations

from functools import lru_cache

from pipeline.config import Config
from pipeline.disclosure import publisher
from pipeline.model import Item
from pipeline.render.common import Output, excerpt, front_matter, h, link_target, md_escape, one_line, rel, ymd


def metadata_rows(item: Item, config: Config) -> list[tuple[str, str]]:
    """The 信息公开 metadata of an item, in the order portals show it."""
    return [
        ("索引号", item.index_number or "—"),
        ("主题分类", item.topic or "—"),
        ("发布机构", publisher(item, config)),
        ("发布日期", ymd(item.date)),
        ("文号", item.doc_number or "—"),
        ("体裁分类", item.genre or "—"),
        ("公开方式", item.disclosure),
        ("关键词", "、".join(item.tags) if item.tags else "—"),
    ]


@lru_cache(maxsize=64)
def _th(label: str) -> str:
    return f'<th scope="row">{h(label)}</th>'


def metadata_table(item: Item, config: Config) -> str:
    rows = metadata_rows(item, config)
    cells = []
    for i in range(0, len(rows), 2):
        pair = rows[i : i + 2]
        cells.append("<tr>" + "".join(f"{_th(k)}<td>{h(v)}</td>" for k, v in pair) + "</tr>")
    return '<table class="item-meta">\n<caption>信息公开元数据</caption>\n' + "\n".join(cells) + "\n</table>\n"


def change_history(item: Item) -> str:
    """更新记录 (newest first), as GOV.UK shows "Updates to this page": the reader sees what changed and when."""
    rows = "".join(
        f'<li><time datetime="{h(c.date.date().isoformat())}">{h(ymd(c.date))}</time> {h(c.note)}</li>\n'
        for c in reversed(item.changes)
    )
    first = f'<li><time datetime="{h(item.date.date().isoformat())}">{h(ymd(item.date))}</time> 首次发布</li>\n'
    return (
        '<section class="item-changes" aria-labelledby="item-changes-title" markdown="0">\n'
        f'<h2 id="item-changes-title">更新记录</h2>\n<ul>\n{rows}{first}</ul>\n</section>\n\n'
    )


def item_page(item: Item, config: Config) -> str:
    site = config.site_by_id[item.site]
    column = config.column_by_id[item.column]
    doc = item.docs_path
    meta = {
        "title": item.title,
        "description": item.summary or excerpt(item.body, 120),
        "feed": site.feed,  # site-root path; the theme makes it relative
        "feed_title": f"{site.name} RSS",
        "item": True,
        "site_id": item.site,
        "column_id": item.column,
        "site_name": site.name,  # search filters (子站, 栏目) in the theme
        "column_name": column.name,
        "date": item.date.isoformat(),
    }
    if item.updated:
        meta["updated"] = item.updated.isoformat()
    parts = [front_matter(meta)]
    parts.append(f"# {md_escape(one_line(item.title))}\n\n")
    parts.append(
        f"发布日期：{ymd(item.date)} &nbsp;·&nbsp; 来源：[{md_escape(site.name)}]({rel(doc, site.home_doc)})"
        f" &nbsp;·&nbsp; 栏目：[{md_escape(column.name)}]({rel(doc, site.column_doc(item.column))})"
        + (f" &nbsp;·&nbsp; 更新日期：{ymd(item.updated)}" if item.updated else "")
        + "\n{ .item-byline }\n\n"
    )
    parts.append(metadata_table(item, config) + "\n")
    if item.summary:
        parts.append(f'!!! abstract "内容概述"\n    {md_escape(one_line(item.summary))}\n\n')
    parts.append('<div class="item-body" markdown>\n\n' + item.body.strip() + "\n\n</div>\n\n")
    if item.changes:
        parts.append(change_history(item))
    if item.attachments:
        parts.append("## 附件\n\n")
        for att in item.attachments:
            href = att.href if "://" in att.href else rel(doc, att.href)
            parts.append(f"- [{md_escape(one_line(att.name))}]({link_target(href)})\n")
        parts.append("\n")
    return "".join(parts)


def render(published, config: Config) -> Output:
    return Output({item.docs_path: item_page(item, config) for item in published})
