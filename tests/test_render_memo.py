"""The renderers' memo (pipeline.render_memo): a docs tree made with it equals one made without.

- What each memoised renderer reads of an item is within the view its key is made of (items
  that record every attribute read are given to the renderers).
- After random edits of the demo publication (body, title, date, 索引号, adoption, channels,
  kind, topic, attachments, a removed item, a repeat counted or no longer counted, and the
  as-of date moving with them), the docs tree made with a memo kept between them equals, file for file
  and in the same order, the one made without; and a one-item body edit renders only that page.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta

import pytest

from helpers import ROOT
from pipeline import build, publication, render_memo, stats, website_report
from pipeline.config import load_config
from pipeline.model import Attachment
from pipeline.render import disclosure as disclosure_pages
from pipeline.render import feeds, lists
from pipeline.render import stats as stats_pages
from pipeline.render import website_report as website_pages

CONTENT = ROOT / "content"

# what a view's fields let a renderer read (properties of Item computed from those fields)
DERIVED = {
    "docs_path": {"site", "date", "slug"},
    "url": {"site", "date", "slug"},
    "year": {"date"},
    "day": {"date"},
    "day_in": {"date"},
    "updated": {"changes"},
    "text_length": {"body"},
}
VIEW_FIELDS = {
    "list": {"title", "date", "site", "column", "slug"},
    "stats": {"path", "site", "date", "kind", "adopted", "channels", "body"},  # body: its length rules only
    "catalog": {"index_number", "title", "date", "site", "slug", "doc_number", "topic", "genre"},
    "report": {"date", "channels"},
    "website": {"date", "site", "column", "genre", "tags", "channels"},
}


@pytest.fixture(scope="module")
def demo():
    config = load_config(ROOT / "site_config")
    return publication.run(CONTENT, config, upstream_db=None), config


class Recorder:
    """An item that notes the name of every attribute read from it."""

    def __init__(self, item, seen: set):
        self._item, self._seen = item, seen

    def __getattr__(self, name):
        self._seen.add(name)
        return getattr(self._item, name)


def _read(items, seen):
    return tuple(Recorder(i, seen) for i in items)


def _within(seen: set, view: str) -> set:
    """The attributes read that the view does not cover."""
    fields = VIEW_FIELDS[view]
    return {name for name in seen if name not in fields and not DERIVED.get(name, {name}) <= fields}


def test_renderers_read_only_their_views(demo):
    pub, config = demo
    as_of = stats.default_as_of(pub, config)
    seen: set = set()
    lists.render(_read(pub.published, seen), config, "")
    assert seen and not _within(seen, "list")
    seen = set()
    stats_pages.render(_read(pub.counted, seen), config, as_of)
    assert seen and not _within(seen, "stats")
    catalog, report = set(), set()
    disclosure_pages.render(
        _read(pub.published, catalog), _read(pub.counted, report), pub.report_data, config, pub.pages
    )
    assert catalog and not _within(catalog, "catalog")
    assert report and not _within(report, "report")
    seen = set()
    traffic = website_report.read_traffic_years(None, pub.report_data.website_years)
    website_pages.render(_read(pub.counted, seen), pub.report_data, config, traffic)
    assert seen and not _within(seen, "website")


def test_feed_items_are_what_the_feeds_show(demo, monkeypatch):
    pub, config = demo
    monkeypatch.setattr(feeds, "FEED_LENGTH", 3)  # the demo's feeds show every item
    monkeypatch.setattr(render_memo, "FEED_LENGTH", 3)
    shown = render_memo.feed_items(pub.published)
    assert len(shown) < len(pub.published) / 2
    assert feeds.render(shown, config, pub.as_of).files == feeds.render(pub.published, config, pub.as_of).files


def _edit(pub, rng: random.Random):
    """One random change of the publication, as a save or a new build would make it."""
    published = list(pub.published)
    n = rng.randrange(len(published))
    item = published[n]
    kind = rng.choice(
        ["body", "body", "title", "date", "index", "adopted", "channels", "kind", "topic", "attach", "remove", "repeat"]
    )
    if kind == "body":
        item = replace(item, body=item.body + rng.choice(["\n\n补充一句。", "\n\n" + "字" * 3100]))
    elif kind == "title":
        item = replace(item, title=item.title + "（更正）")
    elif kind == "date":
        item = replace(item, date=item.date - timedelta(days=rng.choice([1, 40, 400])))
    elif kind == "index":
        item = replace(item, index_number=(item.index_number or "X") + "-1")
    elif kind == "adopted":
        item = replace(item, adopted=item.adopted + (rng.choice(["省级", "国家级", "市级"]),))
    elif kind == "channels":
        item = replace(item, channels=item.channels + ("微信",))
    elif kind == "kind":
        item = replace(item, kind=rng.choice(["简讯", "信息", "调研"]))
    elif kind == "topic":
        item = replace(item, topic=rng.choice([None, "商贸流通", "对外贸易"]), genre=rng.choice([None, "通知"]))
    elif kind == "attach":
        item = replace(item, attachments=item.attachments + (Attachment("说明.pdf", "https://example.org/a.pdf"),))
    if kind == "remove" and len(published) > 5:
        del published[n]
    elif kind == "repeat":
        other = published[(n + 1) % len(published)]
        duplicate_of = {p: c for p, c in pub.duplicate_of}
        if item.path in duplicate_of:
            del duplicate_of[item.path]
        else:
            duplicate_of[item.path] = other.path
        return replace(pub, duplicate_of=tuple(duplicate_of.items()))
    else:
        published[n] = item
    published.sort(key=lambda i: i.date, reverse=True)
    return replace(pub, published=tuple(published), as_of=max(i.date for i in published))


@pytest.mark.parametrize("seed", range(3))
def test_memo_docs_tree_equals_a_fresh_one(demo, seed):
    pub, config = demo
    rng = random.Random(seed)
    memo = render_memo.RenderMemo()
    for step in range(12):
        pub = _edit(pub, rng)
        with_memo = build.docs_tree_files(pub, config, CONTENT, None, memo)
        fresh = build.docs_tree_files(pub, config, CONTENT, None, render_memo.RenderMemo(on=False))
        assert list(with_memo[0].items()) == list(fresh[0].items()), step
        assert with_memo[1:] == fresh[1:], step


def test_one_body_edit_renders_one_page(demo):
    pub, config = demo
    memo = render_memo.RenderMemo()
    first = build.docs_tree_files(pub, config, CONTENT, None, memo)[0]
    n = len(pub.published) // 2
    item = pub.published[n]
    edited = replace(
        pub, published=pub.published[:n] + (replace(item, body=item.body + "\n\n补充。"),) + pub.published[n + 1 :]
    )
    memo.hits = memo.misses = 0
    second = build.docs_tree_files(edited, config, CONTENT, None, memo)[0]
    assert memo.misses <= 2  # the item page, and the feeds when the item is one of their latest
    assert [k for k in second if second[k] != first[k]] == [item.docs_path]
    others = [i.docs_path for i in edited.published if i.docs_path != item.docs_path]
    assert all(second[k] is first[k] for k in others)  # taken from the memo, not rendered again


def test_another_configuration_empties_the_memo(demo):
    pub, config = demo
    memo = render_memo.RenderMemo()
    build.docs_tree_files(pub, config, CONTENT, None, memo)
    other = replace(config, portal=replace(config.portal, name=config.portal.name + "（测试）"))
    files = build.docs_tree_files(pub, other, CONTENT, None, memo)[0]
    assert files == build.docs_tree_files(pub, other, CONTENT, None, render_memo.RenderMemo(on=False))[0]
