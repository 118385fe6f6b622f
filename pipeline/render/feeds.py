"""RSS 2.0 feeds (feedgen): the whole portal (also as Atom), each sub-site, each column.

``feed.xml`` and ``atom.xml`` (portal), ``<site>/feed.xml`` and ``column/<column>/feed.xml``, written into
the docs tree so any engine copies them to the site.  GUIDs are the items' permanent URLs;
dates are timezone-aware; entries newest first; ``lastBuildDate`` is the newest entry's
date (content, not the clock), so two builds of the same content are byte-identical.
"""

from __future__ import annotations

from collections import defaultdict

from feedgen.feed import FeedGenerator

from pipeline.config import Config
from pipeline.render.common import Output, excerpt

FEED_LENGTH = 50
PORTAL_FEED = "feed.xml"  # the whole portal, RSS 2.0 (the sub-sites' and columns': Site.feed, Column.feed)
PORTAL_ATOM = "atom.xml"  # the whole portal, Atom 1.0


def _absolute(config: Config, path: str) -> str:
    return config.portal.site_url + path


def _generator(
    title: str, description: str, page_path: str, feed_path: str, items, config: Config, fallback_date
) -> FeedGenerator:
    portal = config.portal
    fg = FeedGenerator()
    fg.title(title)
    fg.description(description or title)
    fg.id(_absolute(config, page_path))
    fg.link(href=_absolute(config, page_path), rel="alternate")
    fg.link(href=_absolute(config, feed_path), rel="self")
    fg.author(name=portal.sponsor, email=portal.email or None)
    fg.language("zh-CN")
    fg.copyright(f"{portal.sponsor} 版权所有")
    fg.generator("commerce-portal")
    fg.docs("https://www.rssboard.org/rss-specification")
    entries = list(items)[:FEED_LENGTH]
    newest = entries[0].date if entries else fallback_date
    if newest is not None:
        fg.lastBuildDate(newest)
        fg.pubDate(newest)
        fg.updated(newest)
    # feedgen prepends entries, so add oldest first to get newest first in the file
    for item in reversed(entries):
        column = config.column_by_id[item.column]
        link = _absolute(config, item.url)
        fe = fg.add_entry()
        fe.title(item.title)
        fe.link(href=link)
        fe.guid(link, permalink=True)
        fe.pubDate(item.date)
        fe.updated(item.updated or item.date)  # 更新记录: subscribers see corrections
        fe.description(item.summary or excerpt(item.body, 200))
        fe.category(term=column.name)
    return fg


def feed_xml(
    title: str, description: str, page_path: str, feed_path: str, items, config: Config, fallback_date
) -> bytes:
    """RSS 2.0 bytes of one feed."""
    return _generator(title, description, page_path, feed_path, items, config, fallback_date).rss_str(pretty=True)


def render(published, config: Config, as_of) -> Output:
    by_site: dict = defaultdict(list)
    by_column: dict = defaultdict(list)
    for item in published:  # newest first
        by_site[item.site].append(item)
        by_column[item.column].append(item)
    portal = config.portal
    out = {PORTAL_FEED: feed_xml(portal.name, portal.description, "", PORTAL_FEED, published, config, as_of)}
    # the whole portal also as Atom 1.0, for readers that prefer it
    out[PORTAL_ATOM] = _generator(portal.name, portal.description, "", PORTAL_ATOM, published, config, as_of).atom_str(
        pretty=True
    )
    for site in config.sites:
        out[site.feed] = feed_xml(
            f"{site.name} - {portal.name}",
            f"{site.name}发布的信息",
            site.url,
            site.feed,
            by_site[site.id],
            config,
            as_of,
        )
    for column in config.columns:
        out[column.feed] = feed_xml(
            f"{column.name} - {portal.name}",
            f"{portal.name}{column.name}栏目",
            column.url,
            column.feed,
            by_column[column.id],
            config,
            as_of,
        )
    return Output(out)
