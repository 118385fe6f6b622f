"""Site search (站内搜索): Pagefind indexes the built site after the engine rendered it.

Runs the Pagefind binary shipped in the ``pagefind[extended]`` wheel (the extended build
segments Chinese words; the plain one cannot) over the output folder and writes the
static search bundle to ``<site>/pagefind/``: the browser loads a small entry file and
only the index chunks a query needs.  What gets indexed is decided by the theme, not here:
item pages mark their article ``data-pagefind-body`` and carry the 子站 / 栏目 / 年份
filters and the 发布日期 sort, so list pages, static pages and withheld items (which never
reach the site) are not in the index.  Pagefind holds a whole index in memory (with Chinese
segmentation: 2.5 GB peak at 10k pages, 10.8 GB at 50k), so above ``shard_pages`` item
pages the items are split into shards of contiguous publication months, each indexed by its
own Pagefind run (``--glob`` over its item folders) into its own bundle — ``pagefind/`` for
the newest, ``pagefind-2/`` … for older ones — one after another, so peak memory is one
shard's.  ``pagefind/portal-bundles.json`` lists the bundles; the search page merges them
(Pagefind ``mergeIndex``) so one query searches all.  Nothing is downloaded at build time;
this module does not print.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

BUNDLE_DIR = "pagefind"
MANIFEST = "portal-bundles.json"  # in BUNDLE_DIR: the bundles the search page merges, newest first
DEFAULT_SHARD_PAGES = 5000  # item pages per Pagefind run: ~1.2 GB peak RSS (bench/search_shards.py)
_MONTH_SLUG = re.compile(r"\d{4}-\d{2}-")
# Per-page furniture that would match every query (the 信息公开 metadata table, the byline,
# the “内容概述” box title).
EXCLUDE_SELECTORS = (".item-meta", ".item-byline", ".admonition-title")


class SearchIndexError(Exception):
    """Pagefind is missing or failed; ``str()`` says why, in Chinese."""


@dataclass(frozen=True)
class SearchIndex:
    bundle: Path  # <site>/pagefind (the newest shard when sharded)
    pages: int  # pages in the index (one fragment each), all bundles
    bundles: tuple[Path, ...] = ()  # every bundle, newest first; one unless sharded
    fingerprints: dict = field(default_factory=dict)  # bundle → what it was made from (issue 15 §3)
    reused: int = 0  # bundles taken over from the previous site


@dataclass(frozen=True)
class Shard:
    output_subdir: str  # pagefind, pagefind-2, …
    glob: str | None  # Pagefind --glob over this shard's item folders; None: the whole site
    pages: int  # item pages it is planned to hold
    urls: tuple[str, ...] = ()  # the item URLs it holds when sharded (glob); () for the whole site


def plan_shards(items, shard_pages: int = DEFAULT_SHARD_PAGES) -> tuple[Shard, ...]:
    """Split published items into about equal shards of at most ``shard_pages`` pages (one if few).

    Items are grouped by folder and month of their URL (``bureau/2026/2026-03-*``; a slug not
    starting with a date is its own group), groups ordered by month and packed greedily until
    a shard reaches N / ⌈N / shard_pages⌉ pages (it may pass that by one group, a few dozen
    pages), so each shard covers a contiguous stretch of months (a month may straddle two
    shards).  Deterministic: the same items give the same shards.
    """
    if len(items) <= shard_pages:
        return (Shard(BUNDLE_DIR, None, len(items)),)
    groups: dict[str, list] = {}
    members: dict[str, list] = {}
    for item in items:
        folder, slug = item.url.rstrip("/").rsplit("/", 1)
        key = f"{folder}/{slug[:8]}*" if _MONTH_SLUG.match(slug) else f"{folder}/{slug}"
        groups.setdefault(key, []).append(item.date)
        members.setdefault(key, []).append(item.url)
    ordered = sorted(groups.items(), key=lambda kv: (min(kv[1]).strftime("%Y-%m"), kv[0]))
    target = -(-len(items) // -(-len(items) // shard_pages))  # balanced: N / ⌈N / shard_pages⌉
    packs: list[list[str]] = [[]]
    sizes = [0]
    for key, dates in ordered:
        if sizes[-1] >= target:
            packs.append([])
            sizes.append(0)
        packs[-1].append(key)
        sizes[-1] += len(dates)
    shards = []
    for n, (keys, size) in enumerate(zip(reversed(packs), reversed(sizes)), 1):  # newest first
        subdir = BUNDLE_DIR if n == 1 else f"{BUNDLE_DIR}-{n}"
        shards.append(
            Shard(
                subdir, "{" + ",".join(keys) + "}/index.html", size, tuple(sorted(u for k in keys for u in members[k]))
            )
        )
    return tuple(shards)


def executable() -> Path:
    """The extended Pagefind binary from the installed wheel (never a download)."""
    try:
        from pagefind_bin_extended import get_executable
    except ImportError:
        raise SearchIndexError(
            "未安装 pagefind[extended]（支持中文分词的 Pagefind），请运行 pip install -e . 重新安装依赖"
        ) from None
    try:
        return get_executable()
    except FileNotFoundError as exc:
        raise SearchIndexError(f"找不到 Pagefind 程序：{exc}") from None


def index_site(
    site_dir: Path,
    items=None,
    shard_pages: int = DEFAULT_SHARD_PAGES,
    fingerprint: Callable[[Shard], str] | None = None,
    previous: dict | None = None,
    previous_site: Path | None = None,
) -> SearchIndex:
    """Index ``site_dir`` in place; return where the bundles are and how many pages they hold.

    ``items`` (the published items) decide the sharding; without them the whole site is one
    bundle.  Shards run one after another (peak memory = the largest shard).

    Search that follows (issue 15 §3): ``fingerprint(shard)`` names everything a shard's
    bundle is made from (its pages' inputs, the Pagefind version and options); a shard whose
    fingerprint is the one ``previous`` recorded for the same bundle of ``previous_site`` is
    hard-linked from there instead of indexed again.  ``SearchIndex.fingerprints`` are this
    build's, for the next one.
    """
    shards = plan_shards(items, shard_pages) if items is not None else (Shard(BUNDLE_DIR, None, 0),)
    for stale in site_dir.glob(f"{BUNDLE_DIR}-*"):  # bundles of an earlier, bigger build
        if stale.is_dir() and stale.name[len(BUNDLE_DIR) + 1 :].isdigit():
            shutil.rmtree(stale)
    bundles = []
    fingerprints: dict[str, str] = {}
    reused = 0
    for shard in shards:
        mark = fingerprint(shard) if fingerprint is not None else ""
        if mark:
            fingerprints[shard.output_subdir] = mark
        old = previous_site / shard.output_subdir if previous_site is not None else None
        if (
            mark
            and previous
            and previous.get(shard.output_subdir) == mark
            and old is not None
            and _link_tree(old, site_dir / shard.output_subdir)
        ):
            reused += 1
        else:
            _run_pagefind(site_dir, shard)
        bundles.append(site_dir / shard.output_subdir)
    manifest = {"bundles": [f"{shard.output_subdir}/" for shard in shards]}
    target = site_dir / BUNDLE_DIR / MANIFEST
    target.unlink(missing_ok=True)  # may be a hard link into the live site: never write through it
    target.write_text(json.dumps(manifest) + "\n", encoding="utf-8")
    pages = sum(1 for bundle in bundles for _ in (bundle / "fragment").glob("*.pf_fragment"))
    return SearchIndex(bundles[0], pages, tuple(bundles), fingerprints, reused)


def version() -> str:
    """The installed Pagefind wheel's version (part of every shard's fingerprint)."""
    from importlib import metadata

    for name in ("pagefind-bin-extended", "pagefind_bin_extended", "pagefind"):
        try:
            return f"{name}={metadata.version(name)}"
        except metadata.PackageNotFoundError:
            continue
    return "pagefind=?"


def fingerprint_options() -> str:
    return json.dumps([version(), EXCLUDE_SELECTORS], ensure_ascii=False)


def _link_tree(source: Path, target: Path) -> bool:
    """Hard-link (or copy) a whole bundle folder; False (nothing left behind) when it is not there."""
    if not source.is_dir() or source.is_symlink():
        return False
    if target.exists():
        shutil.rmtree(target)

    def link(src, dst):
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    try:
        shutil.copytree(source, target, copy_function=link, symlinks=False)
    except (OSError, shutil.Error):
        shutil.rmtree(target, ignore_errors=True)
        return False
    return True


def _run_pagefind(site_dir: Path, shard: Shard) -> None:
    command = [
        str(executable()),
        "--site",
        str(site_dir),
        "--output-subdir",
        shard.output_subdir,
        "--exclude-selectors",
        ", ".join(EXCLUDE_SELECTORS),
        "--silent",
    ]
    if shard.glob:
        command += ["--glob", shard.glob]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SearchIndexError(f"Pagefind 无法运行：{exc}") from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise SearchIndexError(f"Pagefind 生成搜索索引（{shard.output_subdir}/）失败：" + " / ".join(detail))
