"""Site search (站内搜索): Pagefind indexes the built site after the engine rendered it.

Runs the Pagefind binary shipped in the ``pagefind[extended]`` wheel (the extended build
segments Chinese words; the plain one cannot) over the output folder and writes the
static search bundle to ``<site>/pagefind/``: the browser loads a small entry file and
only the index chunks a query needs.  What gets indexed is decided by the theme, not here:
item pages mark their article ``data-pagefind-body`` and carry the 子站 / 栏目 / 年份
filters and the 发布日期 sort, so list pages, static pages and withheld items (which never
reach the site) are not in the index.  Nothing is downloaded at build time; this module
does not print.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

BUNDLE_DIR = "pagefind"
# Per-page furniture that would match every query (the 信息公开 metadata table, the byline,
# the “内容概述” box title).
EXCLUDE_SELECTORS = (".item-meta", ".item-byline", ".admonition-title")


class SearchIndexError(Exception):
    """Pagefind is missing or failed; ``str()`` says why, in Chinese."""


@dataclass(frozen=True)
class SearchIndex:
    bundle: Path  # <site>/pagefind
    pages: int  # pages in the index (one fragment each)


def executable() -> Path:
    """The extended Pagefind binary from the installed wheel (never a download)."""
    try:
        from pagefind_bin_extended import get_executable
    except ImportError:
        raise SearchIndexError("未安装 pagefind[extended]（支持中文分词的 Pagefind），请运行 pip install -e . 重新安装依赖") from None
    try:
        return get_executable()
    except FileNotFoundError as exc:
        raise SearchIndexError(f"找不到 Pagefind 程序：{exc}") from None


def index_site(site_dir: Path) -> SearchIndex:
    """Index ``site_dir`` in place; return where the bundle is and how many pages it holds."""
    command = [
        str(executable()),
        "--site", str(site_dir),
        "--output-subdir", BUNDLE_DIR,
        "--exclude-selectors", ", ".join(EXCLUDE_SELECTORS),
        "--silent",
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SearchIndexError(f"Pagefind 无法运行：{exc}") from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise SearchIndexError("Pagefind 生成搜索索引失败：" + " / ".join(detail))
    bundle = site_dir / BUNDLE_DIR
    return SearchIndex(bundle, sum(1 for _ in (bundle / "fragment").glob("*.pf_fragment")))
