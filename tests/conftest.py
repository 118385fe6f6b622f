"""Shared fixtures: the demo portal built once per test session, a private copy of its content, Chromium pages.

Tests assert on what users get — HTML under ``site/``, feeds, statistics, reports — so the
demo is built into a temporary folder exactly as ``make site`` builds it. Fixtures are used by
naming them, never imported; plain helpers (``build_site``, ``run_portal``, ``ROOT``) are in
``helpers.py``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE, ROOT, BuiltSite, build_site, require


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory) -> BuiltSite:
    """The demo bureau, built once for the whole session (read-only for tests)."""
    return build_site(tmp_path_factory.mktemp("demo"))


@pytest.fixture()
def content_copy(tmp_path) -> Path:
    """A private copy of the demo content that a test may break."""
    target = tmp_path / "content"
    shutil.copytree(ROOT / "content", target)
    return target


# --- the browser (tests/test_browser.py, tests/test_search_shards.py): skipped without Chromium ----


@pytest.fixture(scope="module")
def browser():
    require(
        CHROMIUM.exists(),
        f"没有 {CHROMIUM}：以 root 运行 make test 会自动安装（apt-get install chromium fonts-noto-cjk）",
    )
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="没有安装 playwright：运行 make test（pip install -e '.[test]'）"
    )
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", service_workers="block")
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture()
def phone(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN")
    pg = context.new_page()
    yield pg
    context.close()
