"""Sharded search index: from ``search_shards_from`` items Pagefind runs once per shard of about
``search_shard_pages`` item pages (whole months, oldest first) and the search page merges the
bundles.  The demo is built with a tiny shard size; every published item is in exactly one
bundle, shards are contiguous in time, and Pagefind's own ``pagefind.js`` under Node, merging
the bundles as the search page does, finds every page the single index of the normal demo
build finds.  The plan itself is stable (issue 15 §3): an edit changes no shard, a new item in
the newest month only the newest, a removal only its own (tested on the pure function), and a
bundle renumbered when a newer shard opens is taken over, not indexed again."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import threading
import time
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from helpers import ROOT, build_site
from pagefind_probe import decompressed, run_node, serve
from pipeline import search_index
from pipeline.config import ConfigError, load_config

SHARD_PAGES = 40  # the demo publishes ~130 items → 3 shards (40 items and the rest of the month each)


def _config_with(tmp: Path, line: str) -> Path:
    config = tmp / "site_config"
    shutil.copytree(ROOT / "site_config", config)
    text = (config / "portal.yaml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^search_shard(s_from|_pages):.*$", "", text) + f"\n{line}\n"
    (config / "portal.yaml").write_text(text, encoding="utf-8")
    return config


@pytest.fixture(scope="module")
def sharded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("shards")
    return build_site(tmp, config_dir=_config_with(tmp, f"search_shard_pages: {SHARD_PAGES}\nsearch_shards_from: 1"))


def bundles(site: Path) -> list[str]:
    return json.loads((site / "pagefind" / search_index.MANIFEST).read_text(encoding="utf-8"))["bundles"]


def bundle_urls(site: Path, bundle: str) -> set[str]:
    return {json.loads(decompressed(p))["url"] for p in (site / bundle / "fragment").glob("*.pf_fragment")}


def test_every_item_in_exactly_one_shard(sharded):
    names = bundles(sharded.out)
    assert names[0] == "pagefind/" and len(names) >= 3
    assert names[1:] == [f"pagefind-{n}/" for n in range(len(names) - 1, 0, -1)]  # numbered oldest first
    per_bundle = [bundle_urls(sharded.out, b) for b in names]
    dates = {"/" + item.url: item.date.strftime("%Y-%m") for item in sharded.result.publication.published}
    for urls in per_bundle[1:]:  # every shard but the newest: at least SHARD_PAGES, up to the end of its last month
        last = max(dates[u] for u in urls)
        assert len(urls) >= SHARD_PAGES > len([u for u in urls if dates[u] < last])
    assert 0 < len(per_bundle[0])
    published = {"/" + item.url for item in sharded.result.publication.published}
    assert sum(len(urls) for urls in per_bundle) == len(published)  # no page in two shards
    assert set().union(*per_bundle) == published  # none left out


def test_shards_are_contiguous_months_newest_first(sharded):
    dates = {"/" + item.url: item.date for item in sharded.result.publication.published}
    spans = [sorted(dates[u].strftime("%Y-%m") for u in bundle_urls(sharded.out, b)) for b in bundles(sharded.out)]
    for newer, older in zip(spans, spans[1:]):
        assert older[-1] <= newer[0]


def test_small_portal_keeps_one_index(demo_site):
    assert bundles(demo_site.out) == ["pagefind/"]
    assert not list(demo_site.out.glob("pagefind-*"))
    assert 'data-bundles="pagefind/"' in demo_site.html("search/")


def test_search_page_lists_the_bundles(sharded):
    html = sharded.html("search/")
    assert f'data-bundles="{" ".join(bundles(sharded.out))}"' in html
    script = (sharded.out / "assets" / "javascripts" / "portal-search.js").read_text(encoding="utf-8")
    assert "mergeIndex" in script and "data-bundles" in script


def test_search_page_weights_bundles_for_date_order(sharded):
    html = sharded.html("search/")
    assert 'data-sort-base="100"' in html  # shards of 40–99 pages: 100 ** k apart keeps them in date order
    script = (sharded.out / "assets" / "javascripts" / "portal-search.js").read_text(encoding="utf-8")
    assert "data-sort-base" in script


@pytest.mark.parametrize("key", ["search_shard_pages", "search_shards_from"])
def test_bad_shard_size_is_a_chinese_config_error(tmp_path, key):
    with pytest.raises(ConfigError) as err:
        load_config(_config_with(tmp_path, f"{key}: 0"))
    assert key in str(err.value) and "portal.yaml" in str(err.value)


# ---------------------------------------------------------------- the plan: stable under change


def _items(rng: random.Random, n: int) -> list:
    """``n`` items over ten years in a few folders, some with slugs that do not start with a date."""
    out = []
    for k in range(n):
        day = date(2017 + rng.randrange(10), rng.randrange(1, 13), rng.randrange(1, 29))
        folder = rng.choice(["bureau", "donghu", "etdz"]) + f"/{day.year}"
        slug = f"{day.isoformat()}-n{k}" if k % 50 else f"notice-{k}"
        out.append(SimpleNamespace(url=f"{folder}/{slug}/", date=day))
    return out


def _plan(items, pages=100, start=1):
    return {s.output_subdir: s.urls for s in search_index.plan_shards(items, pages, start)}


def _month_of(url: str, items) -> str:
    return next(i.date.strftime("%Y-%m") for i in items if i.url == url.lstrip("/"))


def test_plan_is_deterministic_whole_months_oldest_first():
    rng = random.Random(7)
    items = _items(rng, 2000)
    plan = search_index.plan_shards(items, 100, 1)
    shuffled = items[:]
    rng.shuffle(shuffled)
    assert search_index.plan_shards(shuffled, 100, 1) == plan
    assert [s.output_subdir for s in plan] == ["pagefind"] + [f"pagefind-{n}" for n in range(len(plan) - 1, 0, -1)]
    assert sorted(u for s in plan for u in s.urls) == sorted(i.url for i in items)
    months = [sorted({i.date.strftime("%Y-%m") for i in items if i.url in set(s.urls)}) for s in reversed(plan)]
    for older, newer in zip(months, months[1:]):
        assert older[-1] < newer[0]  # whole months: no month in two shards
    for shard in plan[1:]:
        assert shard.pages == len(shard.urls) >= 100
    assert search_index.plan_shards(items, 100, 2001) == (search_index.Shard("pagefind", None, 2000),)


def test_plan_changes_only_the_shard_a_change_touches():
    rng = random.Random(int(os.environ.get("PORTAL_SEED", "15")))
    items = _items(rng, 3000)
    before = _plan(items)
    newest = max(i.date for i in items)
    added = items + [SimpleNamespace(url=f"bureau/{newest.year}/{newest.isoformat()}-new/", date=newest)]
    after = _plan(added)
    assert [k for k in before if before[k] != after[k]] == ["pagefind"]  # only the newest shard
    sizes = {k: len(v) for k, v in before.items()}
    for trial in range(40):
        gone = rng.randrange(len(items))
        after = _plan(items[:gone] + items[gone + 1 :])
        changed = [k for k in before if before[k] != after.get(k)]
        own = next(k for k, urls in before.items() if items[gone].url in urls)
        if own == "pagefind" or sizes[own] > 100:  # a boundary moves only when the shard sat exactly at the target
            assert changed == [own], (trial, own, changed)


def test_a_plan_is_made_once_per_tuple_of_items_and_again_for_any_other():
    """The docs tree and Pagefind plan the same tuple: the second gets the first plan.  Any other
    tuple (an item changed, equal items in a new tuple), other settings or a list are planned anew."""
    rng = random.Random(3)
    items = tuple(_items(rng, 1200))
    first = search_index.plan_shards(items, 100, 1)
    assert search_index.plan_shards(items, 100, 1) is first
    again = search_index.plan_shards(tuple(items), 100, 1)  # tuple() of a tuple is the same object
    assert again is first
    copied = tuple(list(items))
    assert search_index.plan_shards(copied, 100, 1) == first
    newest = max(i.date for i in items)
    moved = (SimpleNamespace(url=f"bureau/{newest.year}/{newest.isoformat()}-moved/", date=newest),) + items[1:]
    planned = search_index.plan_shards(moved, 100, 1)
    assert planned == search_index._plan(moved, 100, 1) != first
    assert search_index.plan_shards(moved, 50, 1) == search_index._plan(moved, 50, 1) != planned
    as_list = list(moved)
    assert search_index.plan_shards(as_list, 50, 1) == search_index._plan(moved, 50, 1)
    as_list[0] = items[0]  # the same list, changed: planned again
    assert search_index.plan_shards(as_list, 50, 1) == search_index._plan(items, 50, 1)


def test_a_big_month_is_split_at_folders():
    items = [SimpleNamespace(url=f"f{k % 7}/2026/2026-03-{k:04d}/", date=date(2026, 3, 1)) for k in range(700)]
    plan = search_index.plan_shards(items, 100, 1)
    assert len(plan) > 3 and max(s.pages for s in plan) < 200


def _page(site: Path, url: str, text: str) -> None:
    (site / url).mkdir(parents=True, exist_ok=True)
    (site / url / "index.html").write_text(
        f"<html lang='zh'><body><main data-pagefind-body><h1>{text}</h1><p>{text}</p></main></body></html>",
        encoding="utf-8",
    )


def test_renumbered_bundle_is_taken_over_not_indexed_again(tmp_path):
    items = [SimpleNamespace(url=f"bureau/2025/2025-{m:02d}-01-a{m}/", date=date(2025, m, 1)) for m in range(1, 7)]
    old, new = tmp_path / "old", tmp_path / "new"
    for item in items:
        _page(old, item.url, f"商务局第{item.date.month}号通知")
    marks = lambda shard: json.dumps(shard.urls)  # noqa: E731 - stands in for build._shard_fingerprint
    first = search_index.index_site(old, items, 2, 1, fingerprint=marks)
    assert [b.name for b in first.bundles] == ["pagefind", "pagefind-2", "pagefind-1"] and first.reused == 0
    shutil.copytree(old, new, ignore=shutil.ignore_patterns("pagefind*"))
    july = SimpleNamespace(url="bureau/2025/2025-07-01-a7/", date=date(2025, 7, 1))
    _page(new, july.url, "商务局第7号通知")
    previous = dict(first.fingerprints, **{"../../elsewhere": "x"})  # a name that is not a bundle is ignored
    second = search_index.index_site(new, items + [july], 2, 1, fingerprint=marks, previous=previous, previous_site=old)
    assert [b.name for b in second.bundles] == ["pagefind", "pagefind-3", "pagefind-2", "pagefind-1"]
    assert second.reused == 3  # the old newest bundle became pagefind-3; only July's was indexed
    old_entry, new_entry = old / "pagefind" / "pagefind-entry.json", new / "pagefind-3" / "pagefind-entry.json"
    assert os.path.samefile(old_entry, new_entry)
    assert not (new / "pagefind-3" / search_index.MANIFEST).exists()
    assert json.loads((new / "pagefind" / search_index.MANIFEST).read_text(encoding="utf-8"))["bundles"] == [
        "pagefind/",
        "pagefind-3/",
        "pagefind-2/",
        "pagefind-1/",
    ]


def _six_months(tmp_path: Path):
    """A site of six monthly items in three shards (2 items each), indexed once: (items, old site,
    a copy of its pages without bundles, the fingerprints, the first index)."""
    items = [SimpleNamespace(url=f"bureau/2025/2025-{m:02d}-01-a{m}/", date=date(2025, m, 1)) for m in range(1, 7)]
    old, new = tmp_path / "old", tmp_path / "new"
    for item in items:
        _page(old, item.url, f"商务局第{item.date.month}号通知")

    def marks(shard):  # stands in for build._shard_fingerprint: the shard's pages as they are now
        site = new if new.exists() else old
        return json.dumps([(url, (site / url / "index.html").read_text("utf-8")) for url in shard.urls])

    first = search_index.index_site(old, items, 2, 1, fingerprint=marks)
    shutil.copytree(old, new, ignore=shutil.ignore_patterns("pagefind*"))
    return items, old, new, marks, first


def test_reused_bundles_are_reported_while_pagefind_indexes_a_changed_shard(tmp_path, monkeypatch):
    """The newest shard changed (indexed first in the shards' order): the two older bundles, taken
    over, are reported done while its Pagefind still runs — the build judges them meanwhile — and
    the result is the one of indexing one shard after another."""
    items, old, new, marks, first = _six_months(tmp_path)
    _page(new, items[-1].url, "商务局第6号通知（修订）")
    reported, order = threading.Event(), []
    run = search_index._run_pagefind

    def running(site_dir, shard, *rest):
        order.append(("start", shard.output_subdir))
        reported.wait(30)  # a reused bundle is reported before this Pagefind ends
        order.append(("end", shard.output_subdir, reported.is_set()))
        return run(site_dir, shard, *rest)

    def done(name, digests):
        order.append(("done", name))
        reported.set()

    monkeypatch.setattr(search_index, "_run_pagefind", running)
    second = search_index.index_site(
        new, items, 2, 1, fingerprint=marks, previous=first.fingerprints, previous_site=old, done=done
    )
    assert second.reused == 2
    assert ("end", "pagefind", True) in order, order
    assert sorted(name for kind, name, *_ in order if kind == "done") == ["pagefind-1", "pagefind-2"]
    for name in ("pagefind-1", "pagefind-2"):
        assert os.path.samefile(old / name / "pagefind-entry.json", new / name / "pagefind-entry.json")
    assert [b.name for b in second.bundles] == ["pagefind", "pagefind-2", "pagefind-1"]


def test_a_failing_take_over_ends_the_running_pagefind_before_index_site_returns(tmp_path, monkeypatch):
    """Taking a bundle over raises while Pagefind indexes another shard: index_site raises only
    after that Pagefind was told to stop and returned — nothing writes into the site afterwards."""
    items, old, new, marks, first = _six_months(tmp_path)
    _page(new, items[-1].url, "商务局第6号通知（修订）")
    started, ended = threading.Event(), []

    def running(site_dir, shard, stop=None):
        started.set()
        deadline = time.monotonic() + 30
        while not stop.is_set() and time.monotonic() < deadline:
            time.sleep(0.01)
        ended.append((time.monotonic(), stop.is_set()))

    def linking(source, target):
        assert started.wait(30)
        raise RuntimeError("测试：接管失败")

    monkeypatch.setattr(search_index, "_run_pagefind", running)
    monkeypatch.setattr(search_index, "_link_tree", linking)
    with pytest.raises(RuntimeError):
        search_index.index_site(new, items, 2, 1, fingerprint=marks, previous=first.fingerprints, previous_site=old)
    returned = time.monotonic()
    assert ended and ended[0][1] and ended[0][0] <= returned


def test_pagefind_failing_stops_the_take_overs_and_is_raised(tmp_path, monkeypatch):
    """Pagefind fails on the changed shard: no bundle is taken over after index_site saw it, its
    error is the one raised, and no manifest of bundles is written."""
    items, old, new, marks, first = _six_months(tmp_path)
    _page(new, items[-1].url, "商务局第6号通知（修订）")
    began, failed, taken = threading.Event(), threading.Event(), []

    def running(site_dir, shard, stop=None):
        assert began.wait(30)
        failed.set()
        raise search_index.SearchIndexError("测试：Pagefind 失败")

    link = search_index._link_tree

    def linking(source, target):
        began.set()
        assert failed.wait(30)
        taken.append(target.name)
        return link(source, target)

    monkeypatch.setattr(search_index, "_run_pagefind", running)
    monkeypatch.setattr(search_index, "_link_tree", linking)
    with pytest.raises(search_index.SearchIndexError, match="测试"):
        search_index.index_site(new, items, 2, 1, fingerprint=marks, previous=first.fingerprints, previous_site=old)
    assert len(taken) == 1, taken  # the one begun before the failure was seen; not the next
    assert not (new / "pagefind" / search_index.MANIFEST).exists()


def test_a_bundle_that_cannot_be_taken_over_is_indexed_after_the_others(tmp_path, monkeypatch):
    """The previous bundle of an unchanged shard is gone (removed from the live site): that shard
    is indexed, after the changed one (one Pagefind at a time), into the same bundle a clean
    index makes."""
    items, old, new, marks, first = _six_months(tmp_path)
    _page(new, items[-1].url, "商务局第6号通知（修订）")
    shutil.rmtree(old / "pagefind-1")
    running_now, overlap, runs = [], [], []
    run = search_index._run_pagefind

    def running(site_dir, shard, *rest):
        overlap.append(len(running_now))
        running_now.append(shard.output_subdir)
        try:
            return run(site_dir, shard, *rest)
        finally:
            running_now.remove(shard.output_subdir)
            runs.append(shard.output_subdir)

    monkeypatch.setattr(search_index, "_run_pagefind", running)
    second = search_index.index_site(
        new, items, 2, 1, fingerprint=marks, previous=first.fingerprints, previous_site=old
    )
    assert runs == ["pagefind", "pagefind-1"] and overlap == [0, 0] and second.reused == 1
    clean = tmp_path / "clean"
    shutil.copytree(new, clean, ignore=shutil.ignore_patterns("pagefind*"))
    monkeypatch.setattr(search_index, "_run_pagefind", run)
    search_index.index_site(clean, items, 2, 1)
    for path in sorted((clean / "pagefind-1").rglob("*")):
        rel = path.relative_to(clean)
        assert path.is_dir() or path.read_bytes() == (new / rel).read_bytes(), rel


NODE_MERGED = """
const pf = await import(process.argv[2]);
const base = process.argv[3]; const bundles = JSON.parse(process.argv[4]);
await pf.options({ basePath: base + bundles[0] });
for (const b of bundles.slice(1)) await pf.mergeIndex(base + b);
const out = {};
for (const q of process.argv.slice(5)) {
  const r = await pf.search(q);
  out[q] = await Promise.all(r.results.map(x => x.data().then(d => new URL(d.url).pathname)));
}
console.log(JSON.stringify(out));
"""

QUERIES = ("商务", "外贸", "跨境电商", "消费")


def _node_search(site: Path, names: list[str], tmp: Path) -> dict:
    done = run_node(site, NODE_MERGED, tmp, json.dumps(names), *QUERIES)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js not installed")
def test_merged_shards_find_what_one_index_finds(sharded, demo_site, tmp_path):
    names = bundles(sharded.out)
    merged = _node_search(sharded.out, names, tmp_path)
    single = _node_search(demo_site.out, ["pagefind/"], tmp_path)
    shard_of = {url: b for b in names for url in bundle_urls(sharded.out, b)}
    for q in QUERIES:
        assert merged[q], f"“{q}” found nothing"
        # every page the one-index build finds (prefix matches may add a few: chunk borders differ)
        assert set(single[q]) <= set(merged[q]) <= set(shard_of), q
    assert len({shard_of[url] for url in merged["商务"]}) >= 3  # … coming from several shards


# ---------------------------------------------------------------- the search page in a browser


@pytest.fixture(scope="module")
def served_shards(sharded):
    with serve(sharded.out) as base:
        yield base


def _shown(page) -> tuple[str, list[str]]:
    page.locator(".pagefind-ui__result-link").first.wait_for(timeout=15000)
    message = page.locator(".pagefind-ui__message").inner_text()
    links = page.locator(".pagefind-ui__result-link").evaluate_all("els => els.map(a => new URL(a.href).pathname)")
    return message, links


def test_search_page_merges_shards_and_orders_by_date(page, served_shards, sharded, tmp_path):
    names = bundles(sharded.out)
    merged = _node_search(sharded.out, names, tmp_path)["商务"]
    page.goto(served_shards + "search/?q=商务")
    message, _ = _shown(page)
    assert f"找到 {len(merged)} 条" in message  # every shard answered, as under Node
    dates = {"/" + item.url: item.date.strftime("%Y-%m-%d") for item in sharded.result.publication.published}
    page.goto(served_shards + "search/?q=商务&sort=date")
    message, links = _shown(page)
    assert f"找到 {len(merged)} 条" in message
    shown = [dates[link] for link in links]
    newest = sorted((dates[u] for u in merged), reverse=True)
    assert shown == newest[: len(shown)]  # newest first across shards, not shard by shard


def _bundle_digest(bundle: Path) -> dict[str, bytes]:
    """A bundle's files without Pagefind's nondeterministic ones (filter maps and the names of them)."""
    return {
        p.relative_to(bundle).as_posix(): p.read_bytes()
        for p in sorted(bundle.rglob("*"))
        if p.is_file()
        and "filter" not in p.parts
        and p.suffix != ".pf_meta"
        and p.name not in ("pagefind-entry.json", search_index.MANIFEST)
    }


def test_reduced_pages_give_the_same_bundles(sharded, tmp_path):
    site = sharded.out
    """Pagefind reads each shard's pages without their navigation (issue 15: ~40 % less to parse);
    every index chunk and fragment is byte-identical to indexing the site's pages as they are."""
    shards = search_index.plan_shards(_published_items(site), SHARD_PAGES, 1)
    assert len(shards) > 1
    for shard in shards:
        copy = search_index._reduced_copy(site, shard)
        assert copy is not None, shard.output_subdir
        try:
            pages = list(copy.rglob("index.html"))
            assert len(pages) == shard.pages
            assert all(b"md-nav--primary" not in p.read_bytes() for p in pages)
            search_index._pagefind(copy, tmp_path / f"r-{shard.output_subdir}", shard)
        finally:
            shutil.rmtree(copy)
        search_index._pagefind(site, tmp_path / f"f-{shard.output_subdir}", shard)
        reduced = _bundle_digest(tmp_path / f"r-{shard.output_subdir}")
        assert reduced and reduced == _bundle_digest(tmp_path / f"f-{shard.output_subdir}")
        assert reduced == _bundle_digest(site / shard.output_subdir)  # what the build wrote


def _published_items(site: Path) -> list:
    items = []
    for page in sorted(site.glob("*/[0-9][0-9][0-9][0-9]/*/index.html")):
        if b"data-pagefind-body" not in page.read_bytes():
            continue
        url = page.parent.relative_to(site).as_posix() + "/"
        slug = page.parent.name
        dated = re.match(r"\d{4}-\d{2}-\d{2}", slug)
        day = date.fromisoformat(slug[:10]) if dated else date(int(url.split("/")[1]), 1, 1)
        items.append(SimpleNamespace(url=url, date=day))
    return items


NAV = b'<nav class="md-nav"><ul><li><a href="../x/">x</a></li><li><nav><span>y</span></nav></li></ul></nav>'


@pytest.mark.parametrize(
    ("nav", "cut"),
    [
        (NAV, True),
        (NAV.replace(b"<span>", b'<span><img src="a.png">'), False),  # Pagefind's default image
        (NAV.replace(b"<span>", b"<span><h1>t</h1>"), False),  # its default title
        (NAV.replace(b"<span>", b'<span data-pagefind-meta="a:b">'), False),
        (NAV.replace(b"<span>", b"<span><!-- </nav> -->"), False),
        (NAV.replace(b"<span>", b"<span><script>1</script>"), False),
        (NAV.replace(b"</li></ul>", b"</ul>"), False),  # not a closed subtree
        (NAV.replace(b'href="../x/"', b'title="<b>"'), False),
        (NAV.upper().replace(b"<NAV", b"<nav", 1), False),
    ],
)
def test_reduce_page_cuts_only_navigation_pagefind_ignores(nav, cut):
    page = b'<html lang="zh"><head><title>t</title></head><body>' + nav + b"<div data-pagefind-body><h1>h</h1></div>"
    after = b"<nav>late</nav></body></html>"  # after the body starts: never cut
    reduced = search_index.reduce_page(page + after)
    assert reduced == (page.replace(nav, b"") + after if cut else page + after)
    assert search_index.reduce_page(nav) == nav  # no data-pagefind-body: as it is
