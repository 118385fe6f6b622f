"""Lists: the portal home, sub-site homes, and paginated column lists (newest first).

URLs: ``/<site>/`` (sub-site home), ``/<site>/<column>/`` and ``/<site>/<column>/page/N/``
(a sub-site's column), ``/column/<column>/`` (one column across the portal).  Lists link to
item pages by relative Markdown links, which both mkdocs and Zensical resolve and check.
Each list page names the feed that matches it.
"""

from __future__ import annotations

from collections import defaultdict

from pipeline.config import Config
from pipeline.render.common import HOME_DOC, Output, front_matter, md_escape, pager, paginate, rel, ymd
from pipeline.render.feeds import PORTAL_FEED


def _entry(doc: str, item, config: Config, with_site: bool) -> str:
    site = config.site_by_id[item.site]
    source = f' <span class="item-site">{md_escape(site.name)}</span>' if with_site else ""
    link = f"[{md_escape(item.title)}]({rel(doc, item.docs_path)})"
    return f'- {link}{source} <span class="item-date">{ymd(item.date)}</span>\n'


def paginated(
    base: str, title: str, heading: str, items, config: Config, feed_doc: str, with_site: bool
) -> dict[str, str]:
    """``base/index.md`` and ``base/page/N.md``: ``page_size`` items each, newest first."""
    out = {}
    for page, pages, doc, chunk in paginate(base, items, config.portal.page_size):
        meta = {
            "title": title if page == 1 else f"{title}（第 {page} 页）",
            "feed": feed_doc,
            "feed_title": f"{title} RSS",
            "list": True,
        }
        body = [front_matter(meta), f"# {md_escape(heading)}\n\n"]
        if chunk:
            body.append('<div class="item-list" markdown>\n\n')
            body.extend(_entry(doc, item, config, with_site) for item in chunk)
            body.append("\n</div>\n\n")
        else:
            body.append("本栏目暂无信息。\n\n")
        if pages > 1:
            body.append(pager(doc, base, page, pages))
        body.append(f"\n[RSS 订阅本栏目]({rel(doc, feed_doc)})\n{{ .feed-link }}\n")
        out[doc] = "".join(body)
    return out


def _block(doc: str, title: str, more_doc: str, items, config: Config, with_site: bool) -> str:
    lines = [f"-   **[{md_escape(title)}]({rel(doc, more_doc)})**\n\n    ---\n\n"]
    if items:
        lines.extend("    " + _entry(doc, item, config, with_site) for item in items)
    else:
        lines.append("    暂无信息\n")
    lines.append(f"\n    [更多 »]({rel(doc, more_doc)})\n\n")
    return "".join(lines)


def site_home(site, by_column: dict, config: Config) -> str:
    doc = site.home_doc
    meta = {"title": site.name, "feed": site.feed, "feed_title": f"{site.name} RSS", "hide": ["toc"]}
    body = [
        front_matter(meta),
        f"# {md_escape(site.name)}\n\n",
        f"{site.kind}子站 · [RSS 订阅本站]({rel(doc, site.feed)})\n{{ .feed-link }}\n\n",
    ]
    body.append('<div class="grid cards" markdown>\n\n')
    for cid in site.columns:
        column = config.column_by_id[cid]
        items = by_column.get((site.id, cid), ())[: config.portal.block_size]
        body.append(_block(doc, column.name, site.column_doc(cid), items, config, False))
    body.append("</div>\n")
    return "".join(body)


def portal_home(published, by_column_all: dict, config: Config, notices: str = "") -> str:
    """``notices``: Markdown blocks shown above the latest items (the 网站工作年度报表 while it is due)."""
    doc = HOME_DOC
    portal = config.portal
    meta = {
        "title": portal.name,
        "description": portal.description,
        "feed": PORTAL_FEED,
        "feed_title": f"{portal.name} RSS",
        "hide": ["navigation", "toc"],
    }
    body = [front_matter(meta), f"# {md_escape(portal.name)}\n\n"]
    if portal.description:
        body.append(f"{md_escape(portal.description)}\n{{ .portal-lead }}\n\n")
    body.append(notices)
    body.append("## 最新信息\n\n")
    latest = published[: portal.home_latest]
    if latest:
        body.append('<div class="item-list" markdown>\n\n')
        body.extend(_entry(doc, item, config, True) for item in latest)
        body.append("\n</div>\n\n")
    else:
        body.append("暂无信息。\n\n")
    body.append(f"[RSS 订阅全站信息]({rel(doc, PORTAL_FEED)})\n{{ .feed-link }}\n\n")
    body.append("## 栏目\n\n")
    body.append('<div class="grid cards" markdown>\n\n')
    for column in config.columns:
        items = by_column_all.get(column.id, ())[: portal.block_size]
        body.append(_block(doc, column.name, column.home_doc, items, config, True))
    body.append("</div>\n\n")
    body.append("## 子站导航\n\n")
    for kind in config.kinds:
        sites = config.sites_of_kind(kind.id)
        if not sites:
            continue
        links = " · ".join(f"[{md_escape(s.name)}]({rel(doc, s.home_doc)})" for s in sites)
        body.append(f"**{md_escape(kind.id)}**：{links}\n{{ .site-directory }}\n\n")
    return "".join(body)


def render(published, config: Config, notices: str = "") -> Output:
    by_site_column: dict = defaultdict(list)
    by_column: dict = defaultdict(list)
    for item in published:  # already newest first
        by_site_column[(item.site, item.column)].append(item)
        by_column[item.column].append(item)
    out: dict[str, str] = {HOME_DOC: portal_home(published, by_column, config, notices)}
    for site in config.sites:
        out[site.home_doc] = site_home(site, by_site_column, config)
        for cid in site.columns:
            column = config.column_by_id[cid]
            out.update(
                paginated(
                    site.column_base(cid),
                    f"{column.name} - {site.name}",
                    f"{site.name} · {column.name}",
                    by_site_column.get((site.id, cid), []),
                    config,
                    site.feed,
                    False,
                )
            )
    for column in config.columns:
        out.update(
            paginated(
                column.base,
                column.name,
                column.name,
                by_column.get(column.id, []),
                config,
                column.feed,
                True,
            )
        )
    return Output(out)
