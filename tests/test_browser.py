"""Readers' path in a real browser: Debian's chromium driven by Playwright, against the demo
site served on 127.0.0.1.

Navigation (home → sub-site → column list → item, pagination), phone layout, ``lang``, RSS
links, search and statistics pages (when built), axe-core (no serious or critical WCAG 2.x
A/AA violation) and the Nu Html Checker (no error) on the main page kinds, plus a crawl of
every page for broken internal links and well-formed feeds.  Screenshots of the checked
pages go to ``tests/artifacts/`` on every run.

The browser is never downloaded: ``make test`` apt-installs ``chromium`` (as root) and
npm-installs axe-core and vnu-jar into ``tests/node/``.  When something is missing the
browser tests skip with the reason — except under CI (``CI`` set), where they fail.
"""

from __future__ import annotations

import csv
import functools
import html.parser
import io
import json
import posixpath
import re
import shutil
import subprocess
import threading
import xml.etree.ElementTree as ET
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urljoin, urlsplit

import feedparser
import pytest

from helpers import ARTIFACTS, DESKTOP, PHONE, ROOT, require

NODE_MODULES = ROOT / "tests" / "node" / "node_modules"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"

# Nu Html Checker errors that come from mkdocs-material's own templates, not from the portal.
# Each is harmless in browsers and fixing it would mean forking a whole Material template.
VNU_IGNORED = (
    # base.html: the drawer/search toggles are checkboxes with autocomplete="off" so that
    # Firefox does not restore a toggled state on back-navigation (Material's workaround).
    ("Attribute “autocomplete” is only allowed when the input type is", 'class="md-toggle"'),
    # partials/nav-item.html writes tabindex="" on section labels (meaning "not focusable");
    # browsers treat the empty value as absent, which is the intended behaviour.
    ("Bad value “” for attribute “tabindex” on element “label”", 'class="md-nav__link'),
    # On a page with `hide: [toc]` Material still renders the table of contents, inside a
    # sidebar marked `hidden`, with its <label for="__toc"> but without the toggle it names.
    (
        "The value of the “for” attribute of the “label” element must be the ID of a non-hidden form control",
        'for="__toc"',
    ),
)


def _vnu_ignored(message: dict) -> bool:
    return any(
        message["message"].startswith(text) and marker in message.get("extract", "") for text, marker in VNU_IGNORED
    )


# ---------------------------------------------------------------- the served demo


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep pytest output clean
        pass


@pytest.fixture(scope="module")
def served(demo_site):
    handler = functools.partial(_Quiet, directory=str(demo_site.out))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def shot(pg, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


# ---------------------------------------------------------------- the pages under test


def first_item_url(demo_site) -> str:
    item = next(i for i in demo_site.result.publication.published if i.site == "bureau" and i.column == "news")
    return item.url


def report_page(out: Path) -> str | None:
    """Site URL of the newest annual report (政府信息公开工作年度报告), when the build has one."""
    found = []
    xxgk = out / "xxgk"
    for file in sorted(xxgk.rglob("index.html")) if xxgk.is_dir() else []:
        h1 = re.search(r"<h1[^>]*>(.*?)</h1>", file.read_text(encoding="utf-8"), re.S)
        heading = re.sub(r"<[^>]+>", "", h1.group(1)) if h1 else ""
        year = re.search(r"(\d{4})年", heading)
        if "年度报告" in heading and year:
            found.append((int(year.group(1)), file.parent.relative_to(out).as_posix() + "/"))
    return max(found)[1] if found else None


def stats_year_page(out: Path) -> str | None:
    """Site URL of the newest year's statistics page (stats/<year>/), where the charts are."""
    years = sorted(p.parent.name for p in (out / "stats").glob("[0-9][0-9][0-9][0-9]/index.html"))
    return f"stats/{years[-1]}/" if years else None


def checked_pages(demo_site) -> dict[str, str]:
    """Name → site URL of every page kind that accessibility and HTML validity are checked on."""
    pages = {
        "home": "",
        "subsite": "bureau/",
        "list": "bureau/news/",
        "column": "column/local/",
        "item": first_item_url(demo_site),
    }
    for name, url in (("search", "search/"), ("stats", "stats/"), ("xxgk", "xxgk/")):
        if (demo_site.out / url / "index.html").is_file():
            pages[name] = url
    if stats_year_page(demo_site.out):
        pages["stats-year"] = stats_year_page(demo_site.out)
    if report_page(demo_site.out):
        pages["report"] = report_page(demo_site.out)
    return pages


# ---------------------------------------------------------------- navigation


def test_home_to_subsite_to_list_to_item(page, served, demo_site):
    page.goto(served)
    assert page.locator("html").get_attribute("lang") == "zh"
    assert page.locator("h1").first.inner_text().strip() == "江临市商务局"
    footer = page.locator("footer").inner_text()
    for fact in ("主办单位：江临市商务局", "网站标识码：4306000012", "湘ICP备05001234号", "湘公网安备", "联系电话"):
        assert fact in footer
    shot(page, "home")

    page.locator("article a", has_text="江临市商务局").last.click()  # 子站导航 → 市局 sub-site
    page.wait_for_url("**/bureau/")
    assert page.locator("article h1").inner_text().strip() == "江临市商务局"
    page.locator("article a", has_text="商务动态").first.click()
    page.wait_for_url("**/bureau/news/")
    assert "商务动态" in page.locator("article h1").inner_text()
    dates = page.locator(".item-list .item-date").all_inner_texts()
    assert dates and dates == sorted(dates, reverse=True)  # newest first
    first = page.locator(".item-list a").first
    title = first.inner_text().strip()
    first.click()
    page.wait_for_url(re.compile(r".*/bureau/\d{4}/[^/]+/$"))
    assert page.locator("article h1").inner_text().strip() == title
    assert re.search(r"发布日期：\d{4}-\d{2}-\d{2}", page.locator(".item-byline").inner_text())
    meta = page.locator("table.item-meta")
    assert meta.is_visible()
    headers = meta.locator("th").all_inner_texts()
    for key in ("索引号", "发布机构", "发布日期", "公开方式"):
        assert key in headers
    assert "网站标识码" in page.locator("footer").inner_text()
    shot(page, "item")


def test_pagination_walks_every_item_of_a_long_list(page, served, demo_site):
    config_size = 20  # portal.yaml page_size of the demo
    local = [i for i in demo_site.result.publication.published if i.column == "local"]
    assert len(local) > config_size, "the demo needs a column with more than one page"
    page.goto(served + "column/local/")
    seen: list[str] = []
    pages = 0
    while True:
        pages += 1
        links = page.locator(".item-list a").evaluate_all("els => els.map(e => e.href)")
        assert 0 < len(links) <= config_size
        seen.extend(links)
        assert f"第 {pages} / " in page.locator(".pager").inner_text()
        nxt = page.locator(".pager a", has_text="下一页")
        if nxt.count() == 0:
            break
        nxt.click()
        page.wait_for_url(f"**/column/local/page/{pages + 1}/")
    assert pages == -(-len(local) // config_size)
    assert len(seen) == len(set(seen)) == len(local)
    assert {urlsplit(u).path.strip("/") for u in seen} == {i.url.strip("/") for i in local}
    page.locator(".pager a", has_text="上一页").click()
    page.wait_for_url("**/column/local/" + ("" if pages == 2 else f"page/{pages - 1}/"))


def test_phone_shows_navigation_and_content_without_horizontal_scroll(phone, served, demo_site):
    for name, url in checked_pages(demo_site).items():
        phone.goto(served + url)
        overflow = phone.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{url or '/'} scrolls sideways by {overflow}px on a phone"
        assert phone.locator("article h1, main h1").first.is_visible(), url
        shot(phone, f"phone-{name}")
    phone.goto(served + "bureau/")
    menu = phone.locator("label.md-header__button[for='__drawer']")
    assert menu.is_visible()
    menu.click()
    drawer = phone.locator("nav.md-nav--primary")
    phone.wait_for_timeout(400)
    assert drawer.get_by_text("首页").first.is_visible()
    assert drawer.locator("a.md-nav__link").count() >= 5


# ---------------------------------------------------------------- links and feeds


class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.feeds: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        a = dict(attrs)
        for key in ("href", "src"):
            if a.get(key):
                self.refs.append(a[key])
        if tag == "link" and a.get("rel") == "alternate" and "rss" in (a.get("type") or "") and a.get("href"):
            self.feeds.append(a["href"])


def _local_target(out: Path, page_url: str, ref: str) -> Path | None:
    """The file a same-site link points to, or None for outside links, anchors, mailto …"""
    target = urlsplit(urljoin("http://site.test/" + page_url, ref))
    if target.scheme != "http" or target.netloc != "site.test":
        return None
    path = unquote(target.path)
    if path.endswith("/"):
        path += "index.html"
    return out / posixpath.normpath(path).lstrip("/")


def test_catalogue_gives_the_title_room_on_desktop_and_cards_on_a_phone(browser, served):
    """公开目录 at 1366 px: 标题 takes at least 35 % of the table (it was squeezed to five characters a
    line while 索引号 took a third); on a phone every item is one card, without horizontal scroll."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    desk = context.new_page()
    desk.goto(served + "xxgk/catalog/")
    widths = desk.evaluate("""() => { const t = document.querySelector('.disclosure-catalog table');
        const cells = [...t.querySelector('tbody tr').children];
        return [t.getBoundingClientRect().width, ...cells.map(c => c.getBoundingClientRect().width)]; }""")
    table, index_no, title = widths[0], widths[1], widths[2]
    assert title >= 0.35 * table, widths
    assert title > 1.5 * index_no, widths
    shot(desk, "catalog-desktop")
    context.close()
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN")
    phone = context.new_page()
    phone.goto(served + "xxgk/catalog/")
    layout = phone.evaluate("""() => { const rows = [...document.querySelectorAll('.disclosure-catalog tbody tr')];
        return { display: getComputedStyle(rows[0]).display, head: document.querySelector('.disclosure-catalog thead')
                   .getBoundingClientRect().height, label: getComputedStyle(rows[0].children[0], '::before').content,
                 tops: rows.slice(0, 3).map(r => Math.round(r.getBoundingClientRect().top)),
                 scroll: document.documentElement.scrollWidth, view: window.innerWidth }; }""")
    assert layout["display"] == "block" and layout["head"] <= 1, layout
    assert "索引号" in layout["label"], layout
    assert layout["tops"] == sorted(set(layout["tops"])), layout  # one card under another
    assert layout["scroll"] <= layout["view"], layout
    shot(phone, "catalog-phone")
    context.close()


def test_no_broken_internal_link_on_any_page(demo_site):
    out = demo_site.out
    pages = sorted(out.rglob("*.html"))
    assert len(pages) > 100
    broken = []
    for file in pages:
        page_url = file.relative_to(out).as_posix()
        parser = _Links()
        parser.feed(file.read_text(encoding="utf-8"))
        for ref in parser.refs:
            target = _local_target(out, page_url, ref)
            if target is not None and not target.is_file() and not (target / "index.html").is_file():
                broken.append(f"{page_url}: {ref}")
    assert not broken, f"{len(broken)} broken links, e.g. {broken[:10]}"


def test_every_page_rss_link_resolves_and_parses(page, served, demo_site):
    out = demo_site.out
    feeds: set[str] = set()
    for file in sorted(out.rglob("index.html")):
        parser = _Links()
        parser.feed(file.read_text(encoding="utf-8"))
        assert parser.feeds, f"{file.relative_to(out)} has no RSS link"
        page_url = file.parent.relative_to(out).as_posix() + "/"
        feeds.update(urljoin(served + ("" if page_url == "./" else page_url), f) for f in parser.feeds)
    assert len(feeds) > 10
    for url in sorted(feeds):
        resp = page.request.get(url)
        assert resp.ok, url
        parsed = feedparser.parse(resp.body())
        assert not parsed.bozo, f"{url}: {parsed.get('bozo_exception')}"
        assert parsed.feed.get("title"), url
    # and in the browser: the item page advertises its sub-site feed
    page.goto(served + first_item_url(demo_site))
    hrefs = page.locator("link[rel=alternate][type='application/rss+xml']").evaluate_all("els => els.map(e => e.href)")
    assert served + "bureau/feed.xml" in hrefs


def test_every_feed_is_well_formed_xml(demo_site):
    feeds = [p for p in demo_site.out.rglob("*.xml") if p.name != "sitemap.xml"]
    assert len(feeds) > 10
    for feed in feeds:
        root = ET.parse(feed).getroot()  # raises on malformed XML
        assert root.tag in ("rss", "{http://www.w3.org/2005/Atom}feed"), feed


# ---------------------------------------------------------------- search and statistics (when built)


def test_search_finds_a_chinese_word_and_not_a_withheld_item(page, served, demo_site):
    if not (demo_site.out / "search" / "index.html").is_file():
        pytest.skip("这次构建没有搜索页 search/（Pagefind 尚未接入）")
    assert (demo_site.out / "pagefind" / "pagefind.js").is_file(), "search/ exists but the Pagefind index was not built"
    page.goto(served + "search/")
    assert page.locator("input[type=search]").first.is_visible()
    shot(page, "search")
    pub = demo_site.result.publication
    withheld_urls = {"/" + w.item.url for w in pub.withheld}
    query = """async (q) => {
        const pf = await import(new URL('../pagefind/pagefind.js', location.href).href);
        const res = await pf.search(q);
        const data = await Promise.all(res.results.slice(0, 50).map(r => r.data()));
        return data.map(d => new URL(d.url, location.href).pathname);
    }"""
    found = page.evaluate(query, "外贸")
    published = {"/" + i.url for i in pub.published}
    assert found and set(found) & published, f"searching 外贸 found {found}"
    canary = "谈判底线"  # only in a classified demo item (etdz, 2026-11-10, 投资协议谈判)
    assert not any(canary in i.body or canary in i.title for i in pub.published)
    assert any(canary in w.item.body for w in pub.withheld)
    leaked = page.evaluate(query, canary)
    assert leaked == [] and not set(leaked) & withheld_urls


def test_statistics_page_shows_charts_and_downloads_csv(page, served, demo_site):
    if not (demo_site.out / "stats" / "index.html").is_file():
        pytest.skip("这次构建没有统计页 stats/（统计尚未接入）")
    page.goto(served + "stats/")
    assert page.locator("article h1").is_visible()
    shot(page, "stats")
    year = stats_year_page(demo_site.out)
    assert year, "stats/ has no yearly page with charts"
    page.goto(served + year)
    charts = page.locator("article img, article svg:not(.md-icon svg), article canvas")
    assert charts.count() > 0, f"{year} has no chart"
    for n in range(charts.count()):
        chart = charts.nth(n)
        if chart.evaluate("e => e.tagName") == "IMG":
            chart.scroll_into_view_if_needed()
            assert chart.evaluate("e => e.complete && e.naturalWidth > 0"), (
                f"chart {chart.get_attribute('src')} did not load"
            )
            assert chart.get_attribute("alt"), "a chart needs a text alternative"
    box = charts.first.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 50
    shot(page, "stats-year")
    csv_links = page.locator("article a[href$='.csv']")
    assert csv_links.count() > 0, f"{year} has no CSV download"
    for href in csv_links.evaluate_all("els => els.map(e => e.href)"):
        resp = page.request.get(href)
        assert resp.ok, href
        rows = list(csv.reader(io.StringIO(resp.body().decode("utf-8-sig"))))
        assert len(rows) > 1 and len(rows[0]) > 1, href


# ---------------------------------------------------------------- accessibility and HTML validity


def test_no_serious_accessibility_violation(page, served, demo_site):
    require(AXE_JS.is_file(), f"没有 {AXE_JS.relative_to(ROOT)}：运行 make test（npm ci 安装到 tests/node/）")
    problems = []
    for name, url in checked_pages(demo_site).items():
        page.goto(served + url)
        assert page.locator("html").get_attribute("lang") == "zh"
        page.add_script_tag(path=str(AXE_JS))
        result = page.evaluate(
            "() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
        )
        for v in result["violations"]:
            if v["impact"] in ("serious", "critical"):
                targets = [n["target"] for n in v["nodes"][:3]]
                problems.append(f"{name} ({url or '/'}): {v['id']} [{v['impact']}] {v['help']} — {targets}")
        shot(page, f"desktop-{name}")
    assert not problems, "\n".join(problems)


def test_nu_html_checker_finds_no_error(demo_site):
    require(VNU_JAR.is_file(), f"没有 {VNU_JAR.relative_to(ROOT)}：运行 make test（npm ci 安装到 tests/node/）")
    java = shutil.which("java")
    require(java is not None, "没有 java：apt-get install default-jre-headless")
    files = [str(demo_site.out / url / "index.html") for url in checked_pages(demo_site).values()]
    done = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *files],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(done.stderr or done.stdout)["messages"]
    errors = [
        f"{m.get('url', '').rsplit('/site/', 1)[-1]}:{m.get('lastLine')}: {m['message']}"
        for m in messages
        if m.get("type") in ("error", "non-document-error") and not _vnu_ignored(m)
    ]
    assert not errors, "\n".join(errors[:20])


# -------------------------------------------------- marks every page carries, 适老化 / 无障碍 (issue 16 §3)

# A 375×812 phone at 200 % browser zoom lays the page out in half the CSS pixels.
ZOOMED_PHONE = {"width": 188, "height": 406}

# Every visible element that sticks out of the viewport without being inside a scrollable
# region: on Material's pages the root clips sideways overflow (html { overflow-x: hidden }),
# so such content is not only a sideways scroll — it is cut off and cannot be read at all.
CLIPPED_JS = """() => {
  const width = document.documentElement.clientWidth;
  const inScroller = el => { for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (s.clip !== 'auto' || (/(auto|scroll)/.test(s.overflowX) && a.scrollWidth > a.clientWidth)) return true; }
    return false; };
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    if (!r.width || !r.height || s.visibility !== 'visible' || parseFloat(s.opacity) === 0) continue;
    if (el.closest('[hidden], .md-sidebar, .md-overlay, .md-header__topic + .md-header__topic')) continue;
    if ((r.right > width + 1 || r.left < -1) && !inScroller(el))
      out.push(el.tagName.toLowerCase() + '.' + [...el.classList].join('.') + ' '
               + Math.round(r.left) + '..' + Math.round(r.right));
  }
  return {width, scroll: document.documentElement.scrollWidth, clipped: out.slice(0, 10)};
}"""


def a11y_pages(demo_site) -> dict[str, str]:
    """checked_pages plus the pages with the widest content: 公开目录, the newest 政府网站工作年度报表, 联系我们."""
    pages = {**checked_pages(demo_site), "catalog": "xxgk/catalog/", "contact": "about/contact/"}
    years = sorted(
        p.parent.name for p in (demo_site.out / "xxgk" / "website-report").glob("[0-9][0-9][0-9][0-9]/index.html")
    )
    if years:
        pages["website-report"] = f"xxgk/website-report/{years[-1]}/"
    return pages


def _portal():
    from pipeline.config import load_config

    return load_config(ROOT / "site_config").portal


def _prefs_script(**prefs: str) -> str:
    """An init script that stores toolbar settings as a returning reader's browser has them."""
    return "".join(f"localStorage.setItem('portal-a11y-{k}', '{v}');" for k, v in prefs.items())


def test_footer_carries_the_government_marks_on_every_page_kind(page, served, demo_site):
    """党政机关网站标识 (image + link, the demo's placeholder says 示例) and “我为政府网站找错” with the
    网站标识码 and the page's own address, beside 主办单位, 网站标识码, ICP备案 and 公安备案."""
    portal = _portal()
    assert portal.gov_mark_url and portal.gov_mark_image
    for name, url in {**a11y_pages(demo_site), "not-found": "404.html"}.items():
        page.goto(served + url)
        footer = page.locator("footer .portal-footer")
        text = footer.inner_text()
        for fact in (
            f"主办单位：{portal.sponsor}",
            f"网站标识码：{portal.site_code}",
            portal.icp,
            portal.police_record,
        ):
            assert fact in text, (name, fact)
        mark = footer.locator("a.portal-footer__mark")
        assert mark.get_attribute("href") == portal.gov_mark_url, name
        img = mark.locator("img")
        assert img.get_attribute("alt") == "党政机关网站标识"
        img.scroll_into_view_if_needed()
        assert img.evaluate("e => e.complete && e.naturalWidth > 0"), f"{name}: {img.get_attribute('src')} did not load"
        assert img.is_visible() and img.bounding_box()["height"] >= 40, name
        report = footer.get_by_role("link", name="我为政府网站找错")
        assert report.is_visible(), name
        own = portal.site_url + ("" if url == "404.html" else url)
        expected = (
            f"https://zfwzgl.www.gov.cn/exposure/jiucuo.html?site_code={portal.site_code}&url={quote(own, safe='')}"
        )
        assert report.get_attribute("href") == expected, name
    # the demo's placeholder image visibly says 示例 (a real site replaces it, see README)
    page.goto(served + portal.gov_mark_image)
    assert "示例" in page.locator("svg").text_content()


def test_toolbar_works_with_the_keyboard_only(page, served, demo_site):
    """Tab reaches the toolbar before the header; Enter and Space work its real buttons, which
    report their state (aria-pressed / aria-expanded) and show a visible focus; the settings
    survive a navigation to another page."""
    item = first_item_url(demo_site)
    page.goto(served + item)
    root = page.locator("html")
    assert root.get_attribute("data-portal-font") is None
    body_size = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('.md-typeset')).fontSize)")

    def tab_to(label: str, limit: int = 15) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate("() => document.activeElement.textContent.trim()") == label:
                return
        raise AssertionError(f"Tab never reached {label}")

    tab_to("无障碍", limit=6)  # the toolbar comes first: only the skip link is before it
    focused = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return {tag: document.activeElement.tagName, outline: s.outlineStyle, width: parseFloat(s.outlineWidth),
                inHeader: !!document.activeElement.closest('.md-header')}; }""")
    assert focused["tag"] == "BUTTON" and not focused["inHeader"]
    assert focused["outline"] != "none" and focused["width"] >= 2, focused  # visible focus
    opener = page.locator("[data-portal-panel-toggle]")
    panel = page.locator("#portal-a11y-panel")
    assert opener.get_attribute("aria-expanded") == "false" and not panel.is_visible()
    page.keyboard.press("Enter")
    assert opener.get_attribute("aria-expanded") == "true" and panel.is_visible()
    shot(page, "toolbar-open")

    big = page.get_by_role("button", name="字号 大")
    tab_to("字号大")
    page.keyboard.press("Space")
    assert big.get_attribute("aria-pressed") == "true"
    assert page.get_by_role("button", name="字号 中").get_attribute("aria-pressed") == "false"
    assert root.get_attribute("data-portal-font") == "l"
    bigger = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('.md-typeset')).fontSize)")
    assert bigger >= 1.2 * body_size, (body_size, bigger)

    tab_to("高对比度")
    page.keyboard.press("Enter")
    assert page.get_by_role("button", name="高对比度").get_attribute("aria-pressed") == "true"
    assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") == "rgb(0, 0, 0)"
    tab_to("行距加大")
    page.keyboard.press("Space")
    assert root.get_attribute("data-portal-spacing") == "wide"
    assert page.get_by_role("button", name="长者模式").get_attribute("aria-pressed") == "true"  # 大字 + 行距 = 长者模式
    line = page.evaluate(
        "() => { const s = getComputedStyle(document.querySelector('.md-typeset p'));"
        " return parseFloat(s.lineHeight) / parseFloat(s.fontSize); }"
    )
    assert line >= 1.9, line
    page.keyboard.press("Escape")  # closes the panel and gives the focus back to its button
    assert not panel.is_visible() and page.evaluate("() => document.activeElement.textContent.trim()") == "无障碍"

    # another page (reached with the keyboard: the footer's 联系我们 link) keeps every setting
    page.locator("footer a", has_text="联系我们").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/about/contact/")
    assert (
        root.get_attribute("data-portal-font"),
        root.get_attribute("data-portal-contrast"),
        root.get_attribute("data-portal-spacing"),
    ) == ("l", "high", "wide")
    assert page.get_by_role("button", name="长者模式").get_attribute("aria-pressed") == "true"
    page.locator("[data-portal-panel-toggle]").press("Enter")
    assert page.get_by_role("button", name="字号 大").get_attribute("aria-pressed") == "true"
    assert page.get_by_role("button", name="高对比度").get_attribute("aria-pressed") == "true"
    shot(page, "toolbar-persisted")

    # 长者模式 off again (Space), then 恢复默认 clears what is left
    page.get_by_role("button", name="长者模式").press("Space")
    assert (root.get_attribute("data-portal-font"), root.get_attribute("data-portal-spacing")) == ("m", "normal")
    page.get_by_role("button", name="恢复默认").press("Enter")
    assert root.get_attribute("data-portal-contrast") is None
    assert page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('portal-a11y-'))") == []
    page.reload()
    assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") != "rgb(0, 0, 0)"


def test_pages_read_without_javascript(browser, served, demo_site):
    """No JavaScript: the toolbar (whose buttons would do nothing) is hidden, every page reads in
    full, the footer marks are there; a system that asks for more contrast gets high contrast."""
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", java_script_enabled=False)
    pg = context.new_page()
    for name, url in checked_pages(demo_site).items():
        if name == "search":
            continue  # Pagefind search needs JavaScript by nature
        pg.goto(served + url)
        assert not pg.locator("#portal-a11y").is_visible(), name
        assert pg.locator("article h1, main h1").first.is_visible(), name
        assert pg.locator("footer a.portal-footer__mark img").is_visible(), name
    pg.goto(served + first_item_url(demo_site))
    assert pg.locator("article p").first.is_visible()
    assert pg.evaluate("() => getComputedStyle(document.body).backgroundColor") != "rgb(0, 0, 0)"
    pg.emulate_media(contrast="more")
    assert pg.evaluate("() => getComputedStyle(document.body).backgroundColor") == "rgb(0, 0, 0)"
    shot(pg, "no-js-prefers-contrast")
    context.close()


def test_large_text_at_200_percent_zoom_on_a_phone_has_no_horizontal_scroll(browser, served, demo_site):
    """字号“大” on a phone zoomed to 200 %: nothing scrolls sideways and nothing is cut off, except
    inside the wide tables' own scroll regions."""
    context = browser.new_context(
        viewport=ZOOMED_PHONE, device_scale_factor=4, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    context.add_init_script(_prefs_script(font="l", spacing="wide"))
    pg = context.new_page()
    problems = []
    for name, url in a11y_pages(demo_site).items():
        pg.goto(served + url)
        assert pg.evaluate("() => getComputedStyle(document.documentElement).fontSize") == "25px", name  # 125 % × 1.25
        found = pg.evaluate(CLIPPED_JS)
        if found["scroll"] > found["width"] or found["clipped"]:
            problems.append(f"{name} ({url or '/'}): {found}")
        assert pg.locator("article h1, main h1").first.is_visible(), name
        shot(pg, f"zoom200-{name}")
    pg.locator("[data-portal-panel-toggle]").click()  # the open settings panel fits as well
    found = pg.evaluate(CLIPPED_JS)
    assert found["scroll"] <= found["width"] and not found["clipped"], found
    context.close()
    assert not problems, "\n".join(problems)


def test_high_contrast_passes_the_colour_contrast_rules(browser, served, demo_site):
    """高对比度 on every checked page: axe's color-contrast (AA) and color-contrast-enhanced (AAA,
    7:1) find nothing — the toolbar and the footer marks included."""
    require(AXE_JS.is_file(), f"没有 {AXE_JS.relative_to(ROOT)}：运行 make test（npm ci 安装到 tests/node/）")
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    context.add_init_script(_prefs_script(contrast="high"))
    pg = context.new_page()
    problems = []
    for name, url in a11y_pages(demo_site).items():
        pg.goto(served + url)
        pg.locator("[data-portal-panel-toggle]").click()
        assert pg.get_by_role("button", name="高对比度").get_attribute("aria-pressed") == "true"
        assert pg.evaluate("() => getComputedStyle(document.body).backgroundColor") == "rgb(0, 0, 0)"
        pg.add_script_tag(path=str(AXE_JS))
        result = pg.evaluate(
            "() => axe.run(document, {runOnly: {type: 'rule', values: ['color-contrast', 'color-contrast-enhanced']}})"
        )
        for v in result["violations"]:
            targets = [n["target"] for n in v["nodes"][:3]]
            problems.append(f"{name} ({url or '/'}): {v['id']} — {targets}")
        assert result["passes"], f"{name}: axe checked no text at all"
        shot(pg, f"contrast-{name}")
    context.close()
    assert not problems, "\n".join(problems)


def test_toolbar_and_footer_marks_pass_axe_in_every_state(browser, served, demo_site):
    """The new markup under axe's WCAG 2.x A/AA rules with the settings panel open, in each
    setting (default, 大字 + 行距, 高对比度), on a phone and on the desktop."""
    require(AXE_JS.is_file(), f"没有 {AXE_JS.relative_to(ROOT)}：运行 make test（npm ci 安装到 tests/node/）")
    problems = []
    for viewport, prefs in ((DESKTOP, {}), (PHONE, {"font": "l", "spacing": "wide"}), (PHONE, {"contrast": "high"})):
        context = browser.new_context(viewport=viewport, locale="zh-CN")
        context.add_init_script(_prefs_script(**prefs))
        pg = context.new_page()
        for url in ("", first_item_url(demo_site)):
            pg.goto(served + url)
            pg.locator("[data-portal-panel-toggle]").click()
            pg.add_script_tag(path=str(AXE_JS))
            result = pg.evaluate(
                "() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a',"
                " 'wcag21aa', 'wcag22aa']}})"
            )
            for v in result["violations"]:
                if v["impact"] in ("serious", "critical"):
                    problems.append(f"{prefs} {url or '/'}: {v['id']} — {[n['target'] for n in v['nodes'][:3]]}")
        context.close()
    assert not problems, "\n".join(problems)


def test_print_view_of_an_item_page_hides_the_chrome(page, served, demo_site):
    """打印本页: the button is on item pages (only there) and opens the print dialog; printed, the
    page has the title, metadata and text and ends with its source — no header, toolbar,
    navigation, sidebars or footer."""
    page.goto(served)
    assert page.get_by_role("button", name="打印本页").count() == 0
    page.goto(served + first_item_url(demo_site))
    button = page.get_by_role("button", name="打印本页")
    assert button.is_visible()
    page.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }")
    button.press("Enter")
    assert page.evaluate("() => window.__printed") == 1
    assert not page.locator(".portal-print-source").is_visible()  # on screen it is not shown
    page.emulate_media(media="print")
    for chrome in (
        "#portal-a11y",
        ".md-header",
        ".md-tabs",
        ".md-sidebar--primary",
        ".md-sidebar--secondary",
        ".md-footer",
        ".portal-search-box",
    ):
        assert not page.locator(chrome).first.is_visible(), chrome
    assert page.locator("article h1").is_visible()
    assert page.locator("table.item-meta").is_visible()
    source = page.locator(".portal-print-source")
    assert source.is_visible()
    assert _portal().site_url + first_item_url(demo_site) in source.inner_text()
    # high contrast is for the screen: the paper copy is dark text on white
    page.evaluate("() => document.documentElement.setAttribute('data-portal-contrast', 'high')")
    colours = page.evaluate(
        "() => [getComputedStyle(document.body).backgroundColor, getComputedStyle(document.querySelector('article "
        "p')).color]"
    )
    assert colours[0] != "rgb(0, 0, 0)" and colours[1] != "rgb(255, 255, 255)", colours
    shot(page, "print-item")
    page.pdf(path=str(ARTIFACTS / "print-item.pdf"))
