"""公开目录 data: the disclosure catalogue of the published items, grouped for browsing.

Every published item is 主动公开 (the confidentiality gate withholds the rest), so the
catalogue is exactly ``Publication.published``, one :class:`Entry` per item with the fields
a 政府信息公开目录 shows: 索引号, 标题, 发布机构, 发布日期, 文号, 主题分类, 体裁分类.  Groups by
year, 主题分类 and 体裁分类 are kept newest first; items without a topic or genre are listed
under “未分类”.  Group slugs for URLs are derived from the name (stable, ASCII).  This module
neither reads files nor renders pages (see :mod:`pipeline.render.disclosure`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from pipeline.config import Config

UNCLASSIFIED = "未分类"


@dataclass(frozen=True)
class Entry:
    index_number: str
    title: str
    publisher: str  # 发布机构
    date: datetime  # 发布日期
    doc_number: str  # 文号
    topic: str  # 主题分类
    genre: str  # 体裁分类
    docs_path: str  # the item page in the docs tree
    site: str

    @property
    def year(self) -> int:
        return self.date.year


def publisher(item, config: Config) -> str:
    """发布机构: the sub-site's unit, or the bureau itself for the main site."""
    site = config.site_by_id[item.site]
    return config.portal.name if config.kind(site.kind).main else site.name


def catalogue(published: Iterable, config: Config) -> tuple[Entry, ...]:
    """One entry per published item, newest first (the order of ``published``)."""
    return tuple(
        Entry(
            index_number=item.index_number or "",
            title=item.title,
            publisher=publisher(item, config),
            date=item.date,
            doc_number=item.doc_number or "",
            topic=item.topic or UNCLASSIFIED,
            genre=item.genre or UNCLASSIFIED,
            docs_path=item.docs_path,
            site=item.site,
        )
        for item in published
    )


def _group(entries: Iterable[Entry], key) -> dict:
    out: dict = {}
    for entry in entries:
        out.setdefault(key(entry), []).append(entry)
    return {k: tuple(v) for k, v in out.items()}


def by_year(entries: Iterable[Entry]) -> dict[int, tuple[Entry, ...]]:
    groups = _group(entries, lambda e: e.year)
    return {year: groups[year] for year in sorted(groups, reverse=True)}


def _by_name(entries: Iterable[Entry], key) -> dict[str, tuple[Entry, ...]]:
    groups = _group(entries, key)
    names = sorted(groups, key=lambda n: (n == UNCLASSIFIED, -len(groups[n]), n))
    return {name: groups[name] for name in names}


def by_topic(entries: Iterable[Entry]) -> dict[str, tuple[Entry, ...]]:
    """主题分类 groups, largest first, 未分类 last."""
    return _by_name(entries, lambda e: e.topic)


def by_genre(entries: Iterable[Entry]) -> dict[str, tuple[Entry, ...]]:
    """体裁分类 groups, largest first, 未分类 last."""
    return _by_name(entries, lambda e: e.genre)


def group_slug(name: str) -> str:
    """A stable ASCII URL segment for a topic or genre name."""
    return "c" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]
