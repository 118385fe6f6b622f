"""The site navigation: home, columns, sub-sites grouped by kind, then extra sections.

Only section pages are in the nav (sub-site homes and column lists, a few dozen entries
whatever the number of items); item pages never are, so rendering the nav costs the same
for 100 or 50,000 items.  Other stages contribute whole sections (统计, 信息公开) through
``extra_sections``.
"""

from __future__ import annotations

import html

from pipeline.config import Config
from pipeline.render.common import HOME_DOC


def site_section(site, config: Config) -> list:
    return [site.home_doc] + [{config.column_by_id[c].name: site.column_doc(c)} for c in site.columns]


def build_nav(config: Config, pages=(), extra_sections=()) -> list:
    nav: list = [{"首页": HOME_DOC}]
    nav.append({"栏目": [{c.name: c.home_doc} for c in config.columns]})
    for kind in config.kinds:  # sub-sites grouped by kind (sites.yaml kinds: label, order)
        sites = config.sites_of_kind(kind.id)
        if not sites:
            continue
        if kind.main and len(sites) == 1:
            nav.append({kind.label: site_section(sites[0], config)})
        else:
            nav.append({kind.label: [{s.name: site_section(s, config)} for s in sites]})
    nav.extend(extra_sections)
    if pages:
        # an editor's page title: material prints nav titles raw (config names are refused
        # when they hold HTML-special characters, see pipeline.config)
        nav.append({"关于": [{html.escape(p.title, quote=True): p.docs_path} for p in pages]})
    return nav
