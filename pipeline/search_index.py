"""Site search (站内搜索): Pagefind indexes the built site after the engine rendered it.

Runs the Pagefind binary shipped in the ``pagefind[extended]`` wheel (the extended build
segments Chinese words; the plain one cannot) over the output folder and writes the
static search bundle to ``<site>/pagefind/``: the browser loads a small entry file and
only the index chunks a query needs.  What gets indexed is decided by the theme, not here:
item pages mark their article ``data-pagefind-body`` and carry the 子站 / 栏目 / 年份
filters and the 发布日期 sort, so list pages, static pages and withheld items (which never
reach the site) are not in the index.  Pagefind holds a whole index in memory (with Chinese
segmentation: 2.5 GB peak at 10k pages, 10.8 GB at 50k), and an edit should re-index only a
little of it (issue 15 §3), so from ``shards_from`` published items the items are split into
shards of whole publication months, ~``shard_pages`` pages each (:func:`plan_shards`), each
indexed by its own Pagefind run (``--glob`` over its item folders) into its own bundle —
``pagefind/`` for the newest, ``pagefind-1/`` (oldest), ``pagefind-2/`` … for the others — one
after another, so peak memory is one shard's.  ``pagefind/portal-bundles.json`` lists the
bundles; the search page merges them (Pagefind ``mergeIndex``) so one query searches all.
Nothing is downloaded at build time; this module does not print.
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
DEFAULT_SHARD_PAGES = 500  # item pages per shard (plus the rest of its last month): an edit re-indexes ~1 s of it
DEFAULT_SHARDS_FROM = 1000  # fewer published items: one bundle for the whole site
_MONTH_SLUG = re.compile(r"\d{4}-\d{2}-")
_BUNDLE_NAME = re.compile(BUNDLE_DIR + r"(-\d+)?")
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
    output_subdir: str  # pagefind (the newest), pagefind-1 (the oldest), pagefind-2, …
    glob: str | None  # Pagefind --glob over this shard's item folders; None: the whole site
    pages: int  # item pages it is planned to hold
    urls: tuple[str, ...] = ()  # the item URLs it holds when sharded (glob); () for the whole site


def plan_shards(
    items, shard_pages: int = DEFAULT_SHARD_PAGES, shards_from: int = DEFAULT_SHARDS_FROM
) -> tuple[Shard, ...]:
    """Split published items into shards of about ``shard_pages`` pages, oldest months first.

    Below ``shards_from`` items the whole site is one bundle.  Above, items are grouped by folder
    and month of their URL (``bureau/2026/2026-03-*``; a slug not starting with a date is its
    own group, in the month of its date), groups ordered by month, and packed oldest first into
    a shard until it holds at least ``shard_pages`` pages *and* its last month is complete — a
    shard ends at a month boundary, so each covers whole months (≈ ``shard_pages`` plus the rest
    of its last month).  Only a month of more than 2 × ``shard_pages`` items may be split, at a
    folder.  The newest shard takes what is left.

    The target is fixed (not N / ⌈N / shard_pages⌉), so the plan is stable (issue 15 §3): an
    edit changes one shard; a new item in the newest month changes only the newest shard (the
    first item of a new month may open a new one); an item added to or removed from an older
    month changes its own shard, and moves its end only when the shard sits exactly at the
    target — a removal from a shard of exactly ``shard_pages`` pages, an addition before the
    last month of a shard whose earlier months hold ``shard_pages`` − 1 (a chance of about one
    over a month's item count) — which may then shift the shards after it.
    Bundles are named oldest first — ``pagefind-1/``, ``pagefind-2/`` … — and the newest is
    ``pagefind/``, so a new shard renames only the previous newest (its bundle is taken over by
    fingerprint, not indexed again).  Deterministic: the same items give the same shards.
    """
    if len(items) < shards_from:
        return (Shard(BUNDLE_DIR, None, len(items)),)
    groups: dict[str, list] = {}
    members: dict[str, list] = {}
    for item in items:
        folder, slug = item.url.rstrip("/").rsplit("/", 1)
        key = f"{folder}/{slug[:8]}*" if _MONTH_SLUG.match(slug) else f"{folder}/{slug}"
        groups.setdefault(key, []).append(item.date)
        members.setdefault(key, []).append(item.url)
    month_of = {key: min(dates).strftime("%Y-%m") for key, dates in groups.items()}
    month_size: dict[str, int] = {}
    for key, dates in groups.items():
        month_size[month_of[key]] = month_size.get(month_of[key], 0) + len(dates)
    packs: list[list[str]] = [[]]
    sizes = [0]
    previous = None
    for key in sorted(groups, key=lambda k: (month_of[k], k)):
        month = month_of[key]
        if sizes[-1] >= shard_pages and (month != previous or month_size[month] > 2 * shard_pages):
            packs.append([])
            sizes.append(0)
        packs[-1].append(key)
        sizes[-1] += len(groups[key])
        previous = month
    if len(packs) == 1:
        return (Shard(BUNDLE_DIR, None, len(items)),)
    shards = []
    for n, (keys, size) in enumerate(zip(packs, sizes), 1):
        subdir = BUNDLE_DIR if n == len(packs) else f"{BUNDLE_DIR}-{n}"
        urls = tuple(sorted(u for k in keys for u in members[k]))
        shards.append(Shard(subdir, "{" + ",".join(keys) + "}/index.html", size, urls))
    return tuple(reversed(shards))  # newest first: the order of the manifest and the search page


def sort_base(shards: tuple[Shard, ...]) -> int:
    """A power of ten above the largest shard's page count, for the search page's 按发布日期 order.

    Pagefind scores a sorted result by its place in its own bundle (0 … pages − 1), so weighting
    bundle *i* (newest first) by ``sort_base ** (n − 1 − i)`` puts every hit of a newer bundle
    before every hit of an older one.  It changes only when the largest shard passes a power of ten.
    """
    return 10 ** len(str(max((shard.pages for shard in shards), default=0)))


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
    shards_from: int = DEFAULT_SHARDS_FROM,
    fingerprint: Callable[[Shard], str] | None = None,
    previous: dict | None = None,
    previous_site: Path | None = None,
) -> SearchIndex:
    """Index ``site_dir`` in place; return where the bundles are and how many pages they hold.

    ``items`` (the published items) decide the sharding; without them the whole site is one
    bundle.  Shards run one after another (peak memory = the largest shard).

    Search that follows (issue 15 §3): ``fingerprint(shard)`` names everything a shard's
    bundle is made from (its pages' inputs, the Pagefind version and options — not its folder
    name: a bundle's files do not depend on it); a shard whose fingerprint ``previous`` recorded for any bundle
    of ``previous_site`` is hard-linked from that bundle (under its new name, when a new shard
    renumbered it) instead of indexed again.  ``SearchIndex.fingerprints`` are this build's,
    for the next one.
    """
    shards = plan_shards(items, shard_pages, shards_from) if items is not None else (Shard(BUNDLE_DIR, None, 0),)
    earlier = {  # fingerprint → the previous site's bundle made from it
        mark: subdir
        for subdir, mark in sorted((previous or {}).items())
        if isinstance(mark, str) and mark and _BUNDLE_NAME.fullmatch(subdir)
    }
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
        old = earlier.get(mark) if mark and previous_site is not None else None
        if old is not None and _link_tree(previous_site / old, site_dir / shard.output_subdir):
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
    """Hard-link (or copy) a whole bundle folder, without the newest bundle's manifest (written
    afresh); False (nothing left behind) when it is not there."""
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
        shutil.copytree(
            source,
            target,
            copy_function=link,
            symlinks=False,
            ignore=lambda folder, names: [MANIFEST] if Path(folder) == source and MANIFEST in names else [],
        )
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
