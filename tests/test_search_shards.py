"""Sharded search index: above ``search_shard_pages`` item pages Pagefind runs once per shard
(peak memory = one shard) and the search page merges the bundles.  The demo is built with a
tiny shard size; every published item is in exactly one bundle, shards are contiguous in
time, and Pagefind's own ``pagefind.js`` under Node, merging the bundles as the search page
does, finds every page the single index of the normal demo build finds."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from helpers import ROOT, build_site
from pagefind_probe import decompressed, run_node, serve
from pipeline import search_index
from pipeline.config import ConfigError, load_config

SHARD_PAGES = 40  # the demo publishes ~130 items → 4 shards


def _config_with(tmp: Path, line: str) -> Path:
    config = tmp / "site_config"
    shutil.copytree(ROOT / "site_config", config)
    text = (config / "portal.yaml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^search_shard_pages:.*$", "", text) + f"\n{line}\n"
    (config / "portal.yaml").write_text(text, encoding="utf-8")
    return config


@pytest.fixture(scope="module")
def sharded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("shards")
    return build_site(tmp, config_dir=_config_with(tmp, f"search_shard_pages: {SHARD_PAGES}"))


def bundles(site: Path) -> list[str]:
    return json.loads((site / "pagefind" / search_index.MANIFEST).read_text(encoding="utf-8"))["bundles"]


def bundle_urls(site: Path, bundle: str) -> set[str]:
    return {json.loads(decompressed(p))["url"] for p in (site / bundle / "fragment").glob("*.pf_fragment")}


def test_every_item_in_exactly_one_shard(sharded):
    names = bundles(sharded.out)
    assert names[0] == "pagefind/" and len(names) >= 3
    per_bundle = [bundle_urls(sharded.out, b) for b in names]
    assert all(0 < len(urls) <= SHARD_PAGES for urls in per_bundle)
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


def test_bad_shard_size_is_a_chinese_config_error(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_config(_config_with(tmp_path, "search_shard_pages: 0"))
    assert "search_shard_pages" in str(err.value) and "portal.yaml" in str(err.value)


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
