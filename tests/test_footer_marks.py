"""The marks every page must carry (issue 16 §3): 党政机关网站标识 and “我为政府网站找错” in the
footer beside the facts already there, read from ``site_config/portal.yaml``; every value escaped;
a wrong key is refused in Chinese naming it.  What a reader does with them in a browser (links,
images, the 适老化 toolbar, print view) is in ``tests/test_browser.py``."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest

from helpers import ROOT, build_site
from pipeline.config import ConfigError, load_config, load_portal

CONFIG = load_config(ROOT / "site_config")
FOOTER = re.compile(r'<div class="md-copyright portal-footer">(.*?)\n</div>', re.S)


def _footer(page: str) -> str:
    found = FOOTER.search(page)
    assert found, "no portal footer"
    return found.group(1)


def _report_href(footer: str) -> str:
    found = re.search(r'<a class="portal-footer__report" href="([^"]*)"[^>]*>我为政府网站找错</a>', footer)
    assert found, footer
    return html.unescape(found.group(1))


def test_every_page_carries_both_marks_with_its_own_address(demo_site):
    portal = CONFIG.portal
    pages = sorted(demo_site.out.rglob("*.html"))
    assert len(pages) > 100
    mark = f'<a class="portal-footer__mark" href="{html.escape(portal.gov_mark_url)}" rel="noopener"><img src="'
    for file in pages:
        url = file.relative_to(demo_site.out).as_posix()
        footer = _footer(file.read_text(encoding="utf-8"))
        assert mark in footer and 'alt="党政机关网站标识"' in footer, url
        own = portal.site_url + ("" if url == "404.html" else url.removesuffix("index.html"))
        assert (
            _report_href(footer)
            == f"https://zfwzgl.www.gov.cn/exposure/jiucuo.html?site_code={portal.site_code}&url={quote(own, safe='')}"
        ), url
        for fact in (portal.sponsor, portal.site_code, portal.icp, portal.police_record):
            assert fact in footer, (url, fact)
    sample = (demo_site.out / portal.gov_mark_image).read_text(encoding="utf-8")
    assert ">示例</text>" in sample  # the demo's placeholder says so on its face


def test_footer_values_are_escaped(tmp_path):
    """What portal.yaml may say reaches the footer as text and the links' addresses escaped:
    a URL keeps its query string (&), shown as &amp;; the 网站标识码 goes into the 找错 link
    percent-encoded.  Markup and quotes in names and facts are refused when the configuration is
    read (next test), so nothing can break out of an attribute."""
    config_dir = tmp_path / "config"
    shutil.copytree(ROOT / "site_config", config_dir)
    portal_yaml = config_dir / "portal.yaml"
    text = portal_yaml.read_text(encoding="utf-8")
    old = "gov_mark_url: https://bszs.conac.cn/sitename?method=show&id="
    assert old in text
    portal_yaml.write_text(
        text.replace(old, "gov_mark_url: https://bszs.conac.cn/sitename?x=1&y=2&id=", 1).replace(
            'site_code: "4306000012"', 'site_code: "4306 000012"', 1
        ),
        encoding="utf-8",
    )
    built = build_site(tmp_path, config_dir=config_dir)
    footer = _footer(built.html(""))
    assert 'href="https://bszs.conac.cn/sitename?x=1&amp;y=2&amp;id=' in footer
    assert _report_href(footer).startswith(
        "https://zfwzgl.www.gov.cn/exposure/jiucuo.html?site_code=4306%20000012&url=https%3A%2F%2F"
    )


@pytest.mark.parametrize(
    "key, value",
    [
        ("sponsor: 江临市商务局", 'sponsor: "江临市商务局<script>alert(1)</script>"'),
        ("sponsor: 江临市商务局", """sponsor: '江临市商务局 & "开放"'"""),
        ("icp: 湘ICP备05001234号", "icp: 湘ICP备<em>05001234号"),
        ('site_code: "4306000012"', """site_code: '43&06"<i>'"""),
    ],
)
def test_markup_in_footer_values_is_refused_naming_the_key(tmp_path, key, value):
    config_dir = tmp_path / "config"
    shutil.copytree(ROOT / "site_config", config_dir)
    portal_yaml = config_dir / "portal.yaml"
    text = portal_yaml.read_text(encoding="utf-8")
    assert key in text
    portal_yaml.write_text(text.replace(key, value, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(config_dir)
    assert "portal.yaml" in str(caught.value) and f"“{key.split(':')[0]}”" in str(caught.value)


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("gov_mark_url: javascript:alert(1)", "gov_mark_url"),
        ("gov_mark_url: ''", "gov_mark_image"),  # an image without its verification link
        ("gov_mark_image: /etc/passwd", "gov_mark_image"),
        ("gov_mark_image: ../../secret.png", "gov_mark_image"),
        ("gov_mark_image: 'data:image/svg+xml,<svg onload=alert(1)>'", "gov_mark_image"),
        (
            "error_report_url: https://zfwzgl.www.gov.cn/exposure/jiucuo.html?url={page_url}",
            "error_report_url",
        ),  # no 网站标识码
        ("error_report_url: https://example.org/?site_code={site_code}&u={page_uri}", "error_report_url"),
        ("error_report_url: https://example.org/?site_code={site_code!r}", "error_report_url"),
        ("error_report_url: https://example.org/?site_code={site_code", "error_report_url"),
        ("error_report_url: ftp://example.org/{site_code}", "error_report_url"),
    ],
)
def test_a_wrong_footer_key_is_refused_naming_it(tmp_path, line, key):
    text = (ROOT / "site_config" / "portal.yaml").read_text(encoding="utf-8")
    name = line.split(":", 1)[0]
    text = re.sub(rf"^{name}:.*$", line.replace("\\", "\\\\"), text, count=1, flags=re.M)
    path = tmp_path / "portal.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_portal(path)
    assert f"“{key}”" in str(err.value) and "portal.yaml" in str(err.value)


def test_the_marks_are_optional_keys_with_the_national_platform_as_default(tmp_path):
    text = (ROOT / "site_config" / "portal.yaml").read_text(encoding="utf-8")
    text = re.sub(r"^(gov_mark_image|gov_mark_url|error_report_url):.*\n", "", text, flags=re.M)
    path = Path(tmp_path / "portal.yaml")
    path.write_text(text, encoding="utf-8")
    portal = load_portal(path)
    assert (portal.gov_mark_image, portal.gov_mark_url) == ("", "")
    assert (
        portal.error_report_url == "https://zfwzgl.www.gov.cn/exposure/jiucuo.html?site_code={site_code}&url={page_url}"
    )
