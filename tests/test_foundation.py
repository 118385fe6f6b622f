"""The end-to-end portal (issue: foundation): items in, portal with sub-sites and feeds out.

Everything here looks at what users get: the built HTML, the feeds read back with
feedparser (an independent reader), and the CLI's exit status and messages.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import feedparser
import pytest

from pipeline.config import load_config
from pipeline.load import load_items
from helpers import ROOT, build_site, reproducible, run_portal

CONFIG = load_config(ROOT / "site_config")
DEMO = load_items(ROOT / "content", CONFIG)


def _published_demo(site):
    return site.result.publication.published


def _link_targets(html: str) -> list[str]:
    return re.findall(r'href="([^"#?]+)"', html)


# --- the demo bureau itself --------------------------------------------------------------


def test_demo_is_a_realistic_bureau():
    kinds = {s.kind for s in CONFIG.sites}
    assert kinds == {"市站", "科室", "事业单位", "县市区", "开发区"}
    assert len(CONFIG.sites_of_kind("科室")) >= 3 and len(CONFIG.sites_of_kind("县市区")) >= 3
    assert len(CONFIG.sites_of_kind("开发区")) >= 2 and len(CONFIG.sites_of_kind("事业单位")) >= 1
    assert len(DEMO.items) >= 120
    years = {i.year for i in DEMO.items}
    assert len(years) >= 2
    assert all(i.text_length >= 200 for i in DEMO.items), [i.path for i in DEMO.items if i.text_length < 200]
    assert any(i.doc_number and i.column == "notices" for i in DEMO.items)
    # the gates are visible: some demo items are withheld on purpose
    assert any(i.classified for i in DEMO.items)
    assert any(i.disclosure != "主动公开" for i in DEMO.items)
    assert any(not i.reviewer for i in DEMO.items)
    assert DEMO.findings == (), [f.text() for f in DEMO.findings]


# --- home, sub-sites, lists, items ---------------------------------------------------------


def test_the_demo_builds_without_a_mkdocs_warning(demo_site):
    """The generated nav and pages give mkdocs nothing to warn about (a nav entry that it could not
    find, a broken link): an editor would see each warning, and ``--strict`` refuses them."""
    assert demo_site.result.mkdocs_warnings == ()


def test_home_lists_every_sub_site_and_latest_items(demo_site):
    html = demo_site.html("")
    for site in CONFIG.sites:
        assert f'href="{site.id}/"' in html, site.id
        assert site.name in html
    latest = _published_demo(demo_site)[: CONFIG.portal.home_latest]
    positions = [html.index(f'href="{item.url}"') for item in latest]
    assert positions == sorted(positions), "latest items are newest first"
    assert '<html lang="zh"' in html


def test_each_sub_site_home_and_column_list_has_its_items_newest_first(demo_site):
    published = _published_demo(demo_site)
    size = CONFIG.portal.page_size
    for site in CONFIG.sites:
        home = demo_site.html(f"{site.id}/")
        assert site.name in home
        for cid in site.columns:
            expected = [i for i in published if i.site == site.id and i.column == cid]
            page = demo_site.html(f"{site.id}/{cid}/")
            slugs = re.findall(r'href="\.\./(\d{4}/[^"/]+)/"', page)
            assert slugs == [f"{i.year}/{i.slug}" for i in expected[:size]], (site.id, cid)


def test_column_lists_paginate_with_permanent_item_urls(tmp_path):
    config_dir = tmp_path / "config"
    shutil.copytree(ROOT / "site_config", config_dir)
    portal = config_dir / "portal.yaml"
    portal.write_text(portal.read_text(encoding="utf-8").replace("page_size: 20", "page_size: 5"), encoding="utf-8")
    built = build_site(tmp_path, config_dir=config_dir)
    news = [i for i in built.result.publication.published if i.column == "news"]
    pages = -(-len(news) // 5)
    assert pages >= 3
    seen = []
    for n in range(1, pages + 1):
        html = built.html("column/news/" if n == 1 else f"column/news/page/{n}/")
        assert f"第 {n} / {pages} 页" in html
        seen += re.findall(
            r'href="(?:\.\./)+([a-z-]+/\d{4}/[^"/]+)/"', html.split('class="item-list"')[1].split("</div>")[0]
        )
    assert seen == [i.url.rstrip("/") for i in news]
    # URLs come from sub-site, year and file name — not from the position in a list
    for item in news:
        assert (built.out / item.url / "index.html").is_file()


def test_item_page_shows_metadata_body_and_footer(demo_site):
    item = next(i for i in _published_demo(demo_site) if i.doc_number)
    html = demo_site.html(item.url)
    assert item.title in html
    for label in ("发布机构", "发布日期", "文号", "主题分类", "体裁分类", "公开方式", "索引号"):
        assert f">{label}</th>" in html
    assert item.doc_number in html
    assert item.date.strftime("%Y-%m-%d") in html
    first_sentence = item.body.strip().splitlines()[0][:20]
    assert first_sentence.lstrip("#").strip()[:10] in html
    portal = CONFIG.portal
    for fact in (portal.sponsor, portal.site_code, portal.icp, portal.police_record, portal.phone):
        assert fact in html, fact


def test_every_page_has_the_footer_and_chinese_ui(demo_site):
    pages = list(demo_site.out.rglob("index.html"))
    assert len(pages) > len(_published_demo(demo_site))
    for page in pages[:: max(1, len(pages) // 60)]:
        html = page.read_text(encoding="utf-8")
        assert CONFIG.portal.site_code in html and CONFIG.portal.icp in html, page
        assert '<html lang="zh"' in html


def test_internal_links_resolve(demo_site):
    broken = []
    for page in demo_site.out.rglob("*.html"):
        for href in _link_targets(page.read_text(encoding="utf-8")):
            if "://" in href or href.startswith(("mailto:", "javascript:", "data:")):
                continue
            target = (demo_site.out / href.lstrip("/")) if href.startswith("/") else (page.parent / href)
            target = target.resolve()
            if not (target.is_file() or (target / "index.html").is_file()):
                broken.append((page.relative_to(demo_site.out).as_posix(), href))
    assert broken == []


# --- feeds -----------------------------------------------------------------------------


def _feed(site, path):
    parsed = feedparser.parse((site.out / path).read_bytes())
    assert not parsed.bozo, (path, parsed.get("bozo_exception"))
    return parsed


def test_portal_feed_is_rss2_newest_first_with_permanent_guids(demo_site):
    parsed = _feed(demo_site, "feed.xml")
    assert parsed.version == "rss20"
    published = _published_demo(demo_site)
    urls = [CONFIG.portal.site_url + i.url for i in published[:50]]
    assert [e.link for e in parsed.entries] == urls
    assert [e.id for e in parsed.entries] == urls
    assert all(e.published_parsed for e in parsed.entries)
    assert "+0800" in (demo_site.out / "feed.xml").read_text(encoding="utf-8")  # zone-aware dates
    newest = published[0].date
    assert parsed.feed.updated_parsed[:6] == newest.astimezone(__import__("datetime").timezone.utc).timetuple()[:6]


@pytest.mark.parametrize("kind", ["site", "column"])
def test_sub_site_and_column_feeds_hold_their_items(demo_site, kind):
    published = _published_demo(demo_site)
    groups = CONFIG.sites if kind == "site" else CONFIG.columns
    for group in groups:
        path = f"{group.id}/feed.xml" if kind == "site" else f"column/{group.id}/feed.xml"
        parsed = _feed(demo_site, path)
        expected = [i for i in published if (i.site if kind == "site" else i.column) == group.id][:50]
        assert [e.link for e in parsed.entries] == [CONFIG.portal.site_url + i.url for i in expected], path


def test_pages_link_their_feed(demo_site):
    item = _published_demo(demo_site)[0]
    for url, feed in (
        (item.url, f"{item.site}/feed.xml"),
        (f"{item.site}/", f"{item.site}/feed.xml"),
        ("column/news/", "column/news/feed.xml"),
    ):
        html = demo_site.html(url)
        links = re.findall(r'<link rel="alternate" type="application/rss\+xml"[^>]*href="([^"]+)"', html)
        resolved = {((demo_site.out / url) / href).resolve() for href in links}
        assert (demo_site.out / feed).resolve() in resolved, url
        assert (demo_site.out / "feed.xml").resolve() in resolved


# --- withheld items and reproducibility ------------------------------------------------------


def test_withheld_items_appear_in_no_output_file(demo_site):
    withheld = demo_site.result.publication.withheld
    assert withheld, "the demo has items the gates must hold back"
    needles = []
    for w in withheld:
        needles += [w.item.slug.encode(), w.item.title.encode()]
    for path in demo_site.out.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for needle in needles:
                assert needle not in data, (path, needle.decode())


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_two_builds_are_byte_identical(demo_site, tmp_path):
    again = build_site(tmp_path)
    assert reproducible(_digest(again.out)) == reproducible(_digest(demo_site.out))


# --- malformed input: the named error, exit status 1, no traceback -------------------------------

GOOD = (
    """---
title: 测试条目
date: 2026-03-15
site: bureau
column: news
author: 张三
reviewer: 李四
---
"""
    + "江临市商务局召开外贸企业座谈会，听取企业关于订单、物流和融资方面的意见建议。" * 8
    + "\n"
)

BROKEN = {
    "bad-yaml": GOOD.replace("title: 测试条目", "title: 测试: [条目"),
    "schema": GOOD.replace("title: 测试条目\n", ""),
    "unknown-site": GOOD.replace("site: bureau", "site: nowhere"),
    "unknown-key": GOOD.replace("author: 张三", "author: 张三\nreviwer: 王五"),
    "bad-date": GOOD.replace("date: 2026-03-15", "date: 2026-02-30"),
    "unknown-column": GOOD.replace("column: news", "column: gossip"),
}


def _items_dir(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    (content / "items" / "bureau" / "2026").mkdir(parents=True)
    return content


@pytest.mark.parametrize("rule", sorted(BROKEN))
def test_malformed_item_gives_named_error_and_exit_1(tmp_path, rule):
    content = _items_dir(tmp_path)
    (content / "items" / "bureau" / "2026" / "2026-03-15-broken.md").write_text(BROKEN[rule], encoding="utf-8")
    result = run_portal("check", "--content", str(content), "--format", "json")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    findings = __import__("json").loads(result.stdout)
    assert [f["rule"] for f in findings] == [rule]
    assert findings[0]["path"] == "items/bureau/2026/2026-03-15-broken.md"
    assert findings[0]["severity"] == "error"
    text = run_portal("check", "--content", str(content))
    assert text.returncode == 1 and f"[{rule}]" in text.stdout and "Traceback" not in text.stderr


def test_non_utf8_file_is_named(tmp_path):
    content = _items_dir(tmp_path)
    (content / "items" / "bureau" / "2026" / "2026-03-15-gbk.md").write_bytes(GOOD.encode("gbk"))
    result = run_portal("check", "--content", str(content), "--format", "json")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert [f["rule"] for f in __import__("json").loads(result.stdout)] == ["encoding"]


def test_duplicate_slug_names_both_files(tmp_path):
    content = _items_dir(tmp_path)
    (content / "items" / "bureau" / "2026" / "2026-03-15-same.md").write_text(GOOD, encoding="utf-8")
    other = content / "items" / "bureau" / "2026" / "more"
    other.mkdir()
    (other / "2026-03-15-same.md").write_text(GOOD.replace("测试条目", "另一条"), encoding="utf-8")
    result = run_portal("check", "--content", str(content), "--format", "json")
    assert result.returncode == 1
    findings = __import__("json").loads(result.stdout)
    assert {f["rule"] for f in findings} == {"duplicate-slug"}
    assert len(findings) == 2 and all("more/2026-03-15-same.md" in f["message"] for f in findings)


def test_good_item_checks_clean(tmp_path):
    content = _items_dir(tmp_path)
    (content / "items" / "bureau" / "2026" / "2026-03-15-good.md").write_text(GOOD, encoding="utf-8")
    result = run_portal("check", "--content", str(content), "--format", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_bad_config_is_a_clear_error(tmp_path):
    config_dir = tmp_path / "config"
    shutil.copytree(ROOT / "site_config", config_dir)
    sites = config_dir / "sites.yaml"
    sites.write_text(sites.read_text(encoding="utf-8").replace("kind: 开发区", "kind: 园区", 1), encoding="utf-8")
    result = run_portal(
        "build", "--config", str(config_dir), "--out", str(tmp_path / "site"), "--work", str(tmp_path / "work")
    )
    assert result.returncode == 1
    assert "sites.yaml" in result.stderr and "园区" in result.stderr and "Traceback" not in result.stderr


def test_strict_build_fails_on_items_an_editor_must_fix(tmp_path):
    content = _items_dir(tmp_path)
    (content / "items" / "bureau" / "2026" / "2026-03-15-good.md").write_text(GOOD, encoding="utf-8")
    (content / "items" / "bureau" / "2026" / "2026-03-16-draft.md").write_text(
        GOOD.replace("reviewer: 李四\n", ""), encoding="utf-8"
    )
    args = ("build", "--content", str(content), "--out", str(tmp_path / "site"), "--work", str(tmp_path / "work"))
    lenient = run_portal(*args)
    assert lenient.returncode == 0 and "unreviewed" in lenient.stderr
    strict = run_portal(*args, "--strict")
    assert strict.returncode == 1 and "Traceback" not in strict.stderr


YAML_MISTAKES = {  # what an editor typed → words of the explanation the check gives (in Chinese)
    "colon": (GOOD.replace("title: 测试条目", "title: 会议: 召开"), "加引号"),
    "tab": (GOOD.replace("author: 张三", "author: 张三\n\treviewer2: 李四"), "Tab"),
    "quote": (GOOD.replace("title: 测试条目", "title: '测试条目"), "引号没有配对"),
    "escape": (GOOD.replace("title: 测试条目", 'title: "测试\\q条目"'), "反斜杠"),
    "bracket": (GOOD.replace("title: 测试条目", "title: 测试条目\ntags: [外贸, 会议"), "方括号"),
    "atsign": (GOOD.replace("title: 测试条目", "title: @测试条目"), "加引号"),
}


def test_a_yaml_mistake_is_explained_in_chinese(tmp_path):
    """PyYAML's own words ("mapping values are not allowed here") are no message for an editor:
    each common mistake is said in Chinese, with PyYAML's words after it for a maintainer."""
    content = _items_dir(tmp_path)
    for name, (text, _words) in YAML_MISTAKES.items():
        (content / "items" / "bureau" / "2026" / f"2026-03-15-{name}.md").write_text(text, encoding="utf-8")
    result = run_portal("check", "--content", str(content), "--format", "json")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    said = {f["path"].rsplit("-", 1)[-1][:-3]: f["message"] for f in __import__("json").loads(result.stdout)}
    for name, (_text, words) in YAML_MISTAKES.items():
        assert words in said[name] and "（YAML：" in said[name], (name, said[name])
        assert not said[name].split("（YAML：")[0].isascii(), said[name]


# bytes an editor's file picked up (pasted from a web page, a Word export, a terminal) → what the
# message must name; each goes between "测试" and "条目" on line 2, column 10 of the file
READER_MISTAKES = {
    "nul": (b"\x00", "U+0000"),
    "bel": (b"\x07", "U+0007"),
    "esc": (b"\x1b", "U+001B"),
    "del": (b"\x7f", "U+007F"),  # refused by the YAML reader only, not by the whole-file scan
    "c1": ("\x81".encode(), "U+0081"),
    "fffe": ("\ufffe".encode(), "U+FFFE"),
    "surrogate": (b"\xed\xa0\x80", "U+D800"),  # a lone surrogate, as some converters write it
    "ff": (b"\xff", "0xFF"),  # not UTF-8 at all
}


def _reader_mistake(text: str, bad: bytes) -> bytes:
    assert "测试条目" in text.splitlines()[1][6:12], text
    return text.encode("utf-8").replace("测试条目".encode(), "测试".encode() + bad + "条目".encode(), 1)


def _said_in_chinese(message: str, code: str, where: str = "第 2 行第 10 列") -> None:
    assert where in message and code in message, message
    assert "请" in message and "（YAML：" not in message and "格式不对" not in message, message


def test_a_character_the_yaml_reader_refuses_is_named_with_line_column_and_code(tmp_path):
    """PyYAML's reader refuses NUL, BEL, ESC, DEL, C1 controls and U+FFFE ("special characters
    are not allowed") and the file's bytes may not be UTF-8 at all: an editor is told, in Chinese,
    the line, the column and the character (U+XXXX) or byte — in an item's front matter, a static
    page, the 索引号 ledger, a yearly data file and a configuration file alike."""
    content = _items_dir(tmp_path)
    (content / "pages").mkdir()
    page = "---\ntitle: 测试条目\norder: 1\n---\n正文\n"
    for name, (bad, _code) in READER_MISTAKES.items():
        (content / "items" / "bureau" / "2026" / f"2026-03-15-{name}.md").write_bytes(_reader_mistake(GOOD, bad))
        (content / "pages" / f"{name}.md").write_bytes(_reader_mistake(page, bad))
    (content / "pages" / "utf16.md").write_bytes(page.encode("utf-16"))
    (content / "pages" / "alias.md").write_text(page.replace("测试条目", "&a 测试条目"), encoding="utf-8")
    (content / "pages" / "colon.md").write_text(page.replace("测试条目", "测试: [条目"), encoding="utf-8")
    (content / "items" / "bureau" / "2026" / "2026-03-15-alias.md").write_text(
        GOOD.replace("测试条目", "&a 测试条目"), encoding="utf-8"
    )
    result = run_portal("check", "--content", str(content), "--format", "json")
    assert result.returncode == 1 and "Traceback" not in result.stderr + result.stdout
    said = {f["path"]: f for f in __import__("json").loads(result.stdout)}
    for name, (_bad, code) in READER_MISTAKES.items():
        for path in (f"items/bureau/2026/2026-03-15-{name}.md", f"pages/{name}.md"):
            assert said[path]["rule"] == "encoding" and said[path]["line"] == 2, said[path]
            _said_in_chinese(said[path]["message"], code)
    assert "UTF-16" in said["pages/utf16.md"]["message"] and "UTF-8" in said["pages/utf16.md"]["message"]
    # other front-matter problems name the same line (front matter's lines are the file's)
    for path in ("pages/alias.md", "pages/colon.md", "items/bureau/2026/2026-03-15-alias.md"):
        assert said[path]["line"] == 2, said[path]
    text = run_portal("check", "--content", str(content))
    assert "第 2 行：错误 [encoding]" in text.stdout and "U+001B" in text.stdout and "Traceback" not in text.stderr

    ledger = "format: '{org_code}/{year}-{seq:05d}'\ntitle: 测试条目\n"
    data = "year: 2025\nnote: 测试条目\n"  # "note: " is one column shorter than "title: "
    for bad, code in READER_MISTAKES.values():
        (content / "index_numbers.yaml").write_bytes(_reader_mistake(ledger, bad))
        checked = run_portal("check", "--content", str(content), "--format", "json")
        assert "Traceback" not in checked.stderr + checked.stdout
        found = [f for f in __import__("json").loads(checked.stdout) if f["path"] == "index_numbers.yaml"]
        assert len(found) == 1 and found[0]["line"] == 2, found
        _said_in_chinese(found[0]["message"], code)
        (content / "index_numbers.yaml").unlink()
        disclosure = content / "disclosure"
        disclosure.mkdir(exist_ok=True)
        (disclosure / "2025.yaml").write_bytes(data.encode().replace("测试".encode(), "测试".encode() + bad, 1))
        report = run_portal("report", "--year", "2025", "--content", str(content))
        assert report.returncode == 1 and "Traceback" not in report.stderr + report.stdout
        _said_in_chinese(report.stderr, code, "第 2 行第 9 列")
        assert "disclosure/2025.yaml:2" in report.stderr


@pytest.mark.parametrize("name", sorted(READER_MISTAKES) + ["utf16"])
def test_a_configuration_file_the_yaml_reader_refuses_is_named(tmp_path, name):
    config_dir = tmp_path / "config"
    shutil.copytree(ROOT / "site_config", config_dir)
    portal = config_dir / "portal.yaml"
    text = portal.read_text(encoding="utf-8")
    first = text.splitlines()[0]
    assert first.startswith("#") and "\x00" not in text
    if name == "utf16":
        portal.write_bytes(text.encode("utf-16"))
    else:  # the bad character in the first comment line, column 3
        bad = b"# " + READER_MISTAKES[name][0] + first[2:].encode()
        portal.write_bytes(text.encode().replace(first.encode(), bad, 1))
    result = run_portal("check", "--config", str(config_dir), "--content", str(ROOT / "content"))
    assert result.returncode != 0 and "Traceback" not in result.stderr + result.stdout
    assert "portal.yaml" in result.stderr, result.stderr
    if name == "utf16":
        assert "UTF-16" in result.stderr and "UTF-8" in result.stderr, result.stderr
    else:
        _said_in_chinese(result.stderr, READER_MISTAKES[name][1], "第 1 行第 3 列")
