"""The search page (站内搜索) at ``/search/``: a container the theme fills with Pagefind's UI.

The page itself holds no index and no item text; the theme adds Pagefind's script and
stylesheet (served from the site's own ``pagefind/`` folder, no CDN) when the page meta
says ``portal_search``, and ``theme/assets/javascripts/portal-search.js`` starts the UI
with Chinese strings, reads ``?q=`` from the header search box and offers 按相关度 /
按发布日期 ordering.  When the index is sharded (:mod:`pipeline.search_index`) the
container lists every bundle in ``data-bundles`` (newest first) and the script merges them
(Pagefind ``mergeIndex``); ``data-sort-base`` (:func:`pipeline.search_index.sort_base`) lets
it weight the bundles so that 按发布日期 runs newest first across them.  The header box is a
plain form, so it works without JavaScript.
"""

from __future__ import annotations

from pipeline.config import Config
from pipeline.render.common import Output, front_matter

SEARCH_DOC = "search/index.md"


def render(config: Config, bundles: tuple[str, ...] = ("pagefind/",), sort_base: int = 0) -> Output:
    """``bundles``: the Pagefind bundles (site-relative folders) the page merges, newest first;
    ``sort_base``: above the largest bundle's page count (only written when there are several)."""
    base = f' data-sort-base="{sort_base}"' if len(bundles) > 1 and sort_base > 1 else ""
    meta = {"title": "站内搜索", "portal_search": True, "hide": ["navigation", "toc"]}
    body = (
        "# 站内搜索\n\n"
        f"检索{config.portal.name}及各子站发布的信息（标题和正文），可按子站、栏目、年份筛选。\n"
        "{ .portal-lead }\n\n"
        f'<div id="portal-search" class="portal-search" data-bundles="{" ".join(bundles)}"{base}></div>\n\n'
        "<noscript>站内搜索需要浏览器启用 JavaScript。也可以从首页的栏目和子站列表查找信息。</noscript>\n"
    )
    return Output({SEARCH_DOC: front_matter(meta) + body})
