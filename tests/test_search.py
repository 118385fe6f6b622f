"""Site search (Pagefind): what gets indexed, the search page, the header box, and that a
withheld item's text never reaches the index.  The index files are read back (they are
gzip'd JSON fragments and word chunks); where Node is installed, Pagefind's own
``pagefind.js`` runs a real Chinese query against the built bundle."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from helpers import build_site
from pagefind_probe import decompressed, run_node

ZWSP = "\u200b"  # Pagefind marks Chinese word boundaries with zero-width spaces


def fragments(site: Path) -> list[dict]:
    return [json.loads(decompressed(p)) for p in sorted((site / "pagefind" / "fragment").glob("*.pf_fragment"))]


def index_text(site: Path) -> str:
    """Everything the browser could download from the index, as text (ZWSP removed)."""
    parts = [f["content"] + json.dumps(f, ensure_ascii=False) for f in fragments(site)]
    for chunk in sorted((site / "pagefind" / "index").glob("*.pf_index")):
        parts.append(decompressed(chunk).decode("utf-8", "replace"))
    for meta in (site / "pagefind").glob("*.pf_meta"):
        parts.append(decompressed(meta).decode("utf-8", "replace"))
    return "".join(parts).replace(ZWSP, "")


def test_only_published_item_pages_are_indexed(demo_site):
    entry = json.loads((demo_site.out / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8"))
    published = demo_site.result.publication.published
    assert sum(lang["page_count"] for lang in entry["languages"].values()) == len(published)
    urls = {f["url"] for f in fragments(demo_site.out)}
    assert urls == {"/" + item.url for item in published}


def test_fragments_carry_title_filters_and_date(demo_site):
    item = demo_site.result.publication.published[0]
    frag = next(f for f in fragments(demo_site.out) if f["url"] == "/" + item.url)
    assert frag["meta"]["title"] == item.title
    assert frag["meta"]["发布日期"] == item.date.strftime("%Y-%m-%d")
    assert frag["filters"]["年份"] == [str(item.year)]
    assert set(frag["filters"]) == {"子站", "栏目", "年份"}
    # the metadata table and byline are not indexed: its labels would match every page
    assert "索引号" not in frag["content"].replace(ZWSP, "")
    assert "发布机构" not in frag["content"].replace(ZWSP, "")


def test_search_page_and_header_box_work_offline(demo_site):
    page = demo_site.html("search/")
    assert 'id="portal-search"' in page
    assert 'src="../pagefind/pagefind-ui.js"' in page
    assert 'src="../assets/javascripts/portal-search.js"' in page
    assert 'href="../pagefind/pagefind-ui.css"' in page
    assert '<script src="http' not in page and "cdn" not in page.lower()
    assert (demo_site.out / "pagefind" / "pagefind-ui.js").is_file()
    script = (demo_site.out / "assets" / "javascripts" / "portal-search.js").read_text(encoding="utf-8")
    assert "搜索本站信息" in script and "triggerSearch" in script
    item = demo_site.result.publication.published[0]
    html = demo_site.html(item.url)
    assert '<form class="portal-search-box" action="../../../search/"' in html
    assert 'name="q"' in html
    assert "data-pagefind-body" in html
    assert "data-pagefind-body" not in demo_site.html("")  # the home page is not indexed


ITEM = """---
title: {title}
date: 2026-06-{day} 10:00
site: bureau
column: news
author: 测试员
reviewer: 审签人
{extra}---
{body}
"""


@pytest.fixture(scope="module")
def canary_site(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("search")
    content = tmp / "content"
    shutil.copytree(Path(__file__).resolve().parent.parent / "content", content)
    folder = content / "items" / "bureau" / "2026"
    (folder / "2026-06-01-search-demo.md").write_text(
        ITEM.format(
            title="跨境电商海外仓建设推进会召开",
            day="01",
            extra="",
            body="会议部署跨境电商海外仓建设工作，口令 DEMOTOKENZ9 。",
        ),
        encoding="utf-8",
    )
    (folder / "2026-06-02-search-canary.md").write_text(
        ITEM.format(
            title="内部情况通报",
            day="02",
            extra="classified: true\n",
            body="涉密内容：青鸾密档七号 CANARYX7Q 不得公开。",
        ),
        encoding="utf-8",
    )
    site = build_site(tmp, content=content)
    assert any(w.item.path.endswith("search-canary.md") for w in site.result.publication.withheld)
    return site.out


def test_withheld_item_never_reaches_the_index(canary_site):
    text = index_text(canary_site)
    assert "demotokenz9" in text.lower()  # a published item's words are there ...
    assert "跨境电商海外仓" in text
    assert "canaryx7q" not in text.lower()  # ... a withheld item's are not
    assert "青鸾密档" not in text
    assert "内部情况通报" not in text
    assert not (canary_site / "bureau" / "2026" / "2026-06-02-search-canary").exists()


NODE_QUERY = """
const pf = await import(process.argv[2]);
await pf.options({ basePath: process.argv[3] + "pagefind/" });
const out = {};
for (const q of process.argv.slice(4)) {
  const r = await pf.search(q);
  out[q] = await Promise.all(r.results.map(x => x.data().then(d => d.url)));
}
console.log(JSON.stringify(out));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js not installed")
def test_chinese_query_with_pagefind_js(canary_site, tmp_path):
    done = run_node(canary_site, NODE_QUERY, tmp_path, "海外仓", "跨境电商", "青鸾密档", "CANARYX7Q", timeout=60)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    demo = "/bureau/2026/2026-06-01-search-demo/"
    assert any(url.endswith(demo) for url in found["海外仓"])
    assert any(url.endswith(demo) for url in found["跨境电商"])
    assert not any("canary" in url for urls in found.values() for url in urls)
    assert found["CANARYX7Q"] == []
