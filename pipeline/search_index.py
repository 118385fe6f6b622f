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
A shard's pages are indexed from a copy in memory without the navigation Pagefind would parse
and ignore (:func:`reduce_page`, :func:`_reduced_copy`): the same bundle, ~30 % less CPU.
Nothing is downloaded at build time; this module does not print.

Why about 570 lines: the shard plan, Pagefind's runs over reduced page copies (folders
listing their entries in the site's order) and the reuse of unchanged bundles (linked from the
live site, or taken back from the recycled staging folder as the record lists them) share the
shard objects and that order rule; split, each would have to re-derive them.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from pipeline.publish import folders_of, inventory

BUNDLE_DIR = "pagefind"
PAGEFIND_TIMEOUT = 3600  # seconds one Pagefind run may take before the build fails
STOP_POLL = 0.25  # seconds between looks at the build's stop signal while Pagefind runs
MANIFEST = "portal-bundles.json"  # in BUNDLE_DIR: the bundles the search page merges, newest first
DEFAULT_SHARD_PAGES = 500  # item pages per shard (plus the rest of its last month): an edit re-indexes ~1 s of it
DEFAULT_SHARDS_FROM = 1000  # fewer published items: one bundle for the whole site
_MONTH_SLUG = re.compile(r"\d{4}-\d{2}-")
_BUNDLE_NAME = re.compile(BUNDLE_DIR + r"(-\d+)?")


def is_bundle_name(name: str) -> bool:
    """Is ``name`` (an entry of the site's top folder) one :func:`index_site` may write, replace
    or remove — a bundle's folder or a stale one?  The build hashes and checks everything else
    while Pagefind runs, and these after it (:mod:`pipeline.build`)."""
    return name == BUNDLE_DIR or (name.startswith(BUNDLE_DIR + "-") and name[len(BUNDLE_DIR) + 1 :].isdigit())


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
    digests: dict = field(default_factory=dict)  # path → (sha256, size, status) of the bundle files it checked


@dataclass(frozen=True)
class Shard:
    output_subdir: str  # pagefind (the newest), pagefind-1 (the oldest), pagefind-2, …
    glob: str | None  # Pagefind --glob over this shard's item folders; None: the whole site
    pages: int  # item pages it is planned to hold
    urls: tuple[str, ...] = ()  # the item URLs it holds when sharded (glob); () for the whole site
    groups: tuple[str, ...] = ()  # the glob's members: ``folder/2026-03-*`` (a month) or ``folder/slug``


_PLANNED: list = []  # the last plan of a tuple of items: (items, shard_pages, shards_from, shards)


def plan_shards(
    items, shard_pages: int = DEFAULT_SHARD_PAGES, shards_from: int = DEFAULT_SHARDS_FROM
) -> tuple[Shard, ...]:
    """:func:`_plan`, once per tuple of items: a build plans the shards for the search page (the
    docs tree) and again for Pagefind, with the very same tuple of immutable items (~0.15 s at 10k)."""
    last = _PLANNED[0] if _PLANNED else None
    if last is not None and last[0] is items and last[1] == shard_pages and last[2] == shards_from:
        return last[3]
    shards = _plan(items, shard_pages, shards_from)
    if type(items) is tuple:  # a list may change under the same identity
        _PLANNED[:] = [(items, shard_pages, shards_from, shards)]
    return shards


def _plan(items, shard_pages: int, shards_from: int) -> tuple[Shard, ...]:
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
        shards.append(Shard(subdir, "{" + ",".join(keys) + "}/index.html", size, urls, tuple(keys)))
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
    held: Path | None = None,
    recorded=None,
    done: Callable[[str, dict], None] | None = None,
    stop: threading.Event | None = None,
) -> SearchIndex:
    """Index ``site_dir`` in place; return where the bundles are and how many pages they hold.

    ``items`` (the published items) decide the sharding; without them the whole site is one
    bundle.  Shards run one after another (peak memory = the largest shard).

    Search that follows (issue 15 §3): ``fingerprint(shard)`` names everything a shard's
    bundle is made from (its pages' inputs, the Pagefind version and options — not its folder
    name: a bundle's files do not depend on it); a shard whose fingerprint ``previous`` recorded for any bundle
    of ``previous_site`` is hard-linked from that bundle (under its new name, when a new shard
    renumbered it) instead of indexed again.  ``SearchIndex.fingerprints`` are this build's,
    for the next one.  ``recorded`` (:class:`pipeline.manifest.Recorded`): the live site's files
    as its build recorded them; a reused bundle is then made of exactly the recorded files, each
    one checked (:func:`_take_recorded`), taken from ``held`` (the bundles of a recycled staging
    folder, set aside by :func:`hold_bundles`) when it is still the recorded file there, without
    linking it again.  ``SearchIndex.digests``: the files it read to check them.
    ``done(folder, digests)``: called as each bundle folder but :data:`BUNDLE_DIR` is finished
    (nothing writes into it afterwards; :data:`BUNDLE_DIR` gets the list of bundles last), with
    the digests of its files read to check them.
    ``stop``: once set (the build has already failed), no shard is started and a running Pagefind
    is ended — a failed check need not wait minutes for an index that is thrown away.
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
    fingerprints: dict[str, str] = {}
    sources: dict[str, str] = {}  # bundle folder → the previous site's bundle it may be taken over from
    digests: dict = {}
    reused = 0
    # Pagefind (one shard after another: peak memory is one shard's) runs on its own thread from
    # the first shard found changed; the bundles taken over are put in place meanwhile and
    # reported done as they are
    indexer = _Indexer(site_dir, stop, done)
    try:
        indexer.start()
        for shard in shards:
            indexer.check()
            mark = fingerprint(shard) if fingerprint is not None else ""
            if mark:
                fingerprints[shard.output_subdir] = mark
            if mark and previous_site is not None and mark in earlier:
                sources[shard.output_subdir] = earlier[mark]
            else:
                indexer.add(shard)
        expected = _recorded_bundles(recorded)
        if held is not None:  # what no bundle is taken back from goes before any file is judged (shared inodes)
            _drop_held(held, {old for old in sources.values() if expected.get(old)})
        for shard in shards:
            old = sources.get(shard.output_subdir)
            if old is None:
                continue
            indexer.check()
            target = site_dir / shard.output_subdir
            if expected.get(old):  # recorded: only those files, as recorded (a changed one: indexed again)
                taken = _take_recorded(held, old, expected[old], recorded, previous_site, target, digests)
            else:
                taken = _link_tree(previous_site / old, target)
            if not taken:
                indexer.add(shard)
                continue
            reused += 1
            if done is not None and shard.output_subdir != BUNDLE_DIR:
                prefix = shard.output_subdir + "/"
                done(shard.output_subdir, {rel: got for rel, got in digests.items() if rel.startswith(prefix)})
        indexer.finish()
    finally:
        indexer.close()  # on an error: a running Pagefind is ended, and nothing writes after this returns
    bundles = [site_dir / shard.output_subdir for shard in shards]
    manifest = {"bundles": [f"{shard.output_subdir}/" for shard in shards]}
    target = site_dir / BUNDLE_DIR / MANIFEST
    target.unlink(missing_ok=True)  # may be a hard link into the live site: never write through it
    target.write_text(json.dumps(manifest) + "\n", encoding="utf-8")
    pages = sum(1 for bundle in bundles for _ in (bundle / "fragment").glob("*.pf_fragment"))
    return SearchIndex(bundles[0], pages, tuple(bundles), fingerprints, reused, digests)


class _Either:
    """Set when either event is: the build's stop signal or :class:`_Indexer`'s own."""

    def __init__(self, *events: threading.Event | None) -> None:
        self.events = tuple(e for e in events if e is not None)

    def is_set(self) -> bool:
        return any(e.is_set() for e in self.events)


class _Indexer:
    """Runs Pagefind over the shards it is given, one after another, on a thread of its own, while
    :func:`index_site` takes the reused bundles over; a bundle it finished is reported ``done``
    (:data:`BUNDLE_DIR` excepted).  Its first error is raised by :meth:`check` and :meth:`finish`;
    :meth:`close` ends a running Pagefind (when not finished) and waits for the thread."""

    def __init__(self, site_dir: Path, stop: threading.Event | None, done: Callable[[str, dict], None] | None):
        self.site_dir, self.done = site_dir, done
        self.halt = threading.Event()
        self.stop = _Either(stop, self.halt)
        self.queue: list[Shard] = []
        self.more = threading.Condition()
        self.closing = False
        self.error: BaseException | None = None
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, name="pagefind-run", daemon=True)
        self.thread.start()

    def add(self, shard: Shard) -> None:
        with self.more:
            self.queue.append(shard)
            self.more.notify()

    def _run(self) -> None:
        try:
            while True:
                with self.more:
                    while not self.queue and not self.closing:
                        self.more.wait()
                    if not self.queue:
                        return
                    shard = self.queue.pop(0)
                _check_stop(self.stop)
                _run_pagefind(self.site_dir, shard, self.stop)
                if self.done is not None and shard.output_subdir != BUNDLE_DIR:
                    self.done(shard.output_subdir, {})
        except BaseException as exc:  # noqa: BLE001 - handed to index_site's thread
            self.error = exc

    def check(self) -> None:
        if self.error is not None:
            raise self.error
        _check_stop(self.stop)

    def finish(self) -> None:
        with self.more:
            self.closing = True
            self.more.notify()
        self.thread.join()
        self.check()

    def close(self) -> None:
        if self.thread is None:
            return
        with self.more:
            if not self.closing:
                self.halt.set()
                self.queue.clear()
            self.closing = True
            self.more.notify()
        self.thread.join()


def _drop_held(held: Path, kept: set[str]) -> None:
    """Remove every bundle folder of ``held`` (:func:`hold_bundles`) no bundle is taken back from."""
    try:
        names = [entry.name for entry in os.scandir(held)]
    except OSError:
        return
    for name in names:
        if name not in kept:
            _remove_tree(held / name)


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


def hold_bundles(site_dir: Path, holder: Path) -> Path | None:
    """Move the search bundles out of a recycled staging folder (:func:`pipeline.publish.recycle`:
    the spare site, its unchanged files shared with the live site by hard link) into ``holder``
    (a new folder beside it, :func:`pipeline.publish.holding_dir`) before the renderer clears it,
    one rename per bundle folder — its files keep their status, which a new hard link would
    change — so that :func:`index_site` can take a reused bundle back (:func:`_take_recorded`).
    Returns ``holder``, or None when there was no bundle to hold."""
    try:
        names = sorted(
            entry.name
            for entry in os.scandir(site_dir)
            if _BUNDLE_NAME.fullmatch(entry.name) and entry.is_dir(follow_symlinks=False)
        )
        if not names:
            return None
        holder.mkdir()
    except OSError:
        return None
    for name in names:
        try:
            os.rename(site_dir / name, holder / name)
        except OSError:  # left where it is: the renderer removes it with the rest of the spare
            continue
    return holder


def _recorded_bundles(recorded) -> dict[str, dict]:
    """Bundle folder → {path inside it: (sha256, size, status)} of the files ``recorded`` lists."""
    out: dict[str, dict] = {}
    for rel, entry in (recorded.files if recorded is not None else {}).items():
        top, sep, inner = rel.partition("/")
        if sep and _BUNDLE_NAME.fullmatch(top):
            out.setdefault(top, {})[inner] = entry
    return out


def _take_recorded(
    held: Path | None, old: str, expected: dict, recorded, live: Path, target: Path, digests: dict
) -> bool:
    """Put at ``target`` the bundle ``old`` of the live site as the last build recorded it
    (``expected``: path inside it → (sha256, size, status)).  Its copy in ``held``
    (:func:`hold_bundles`), if any, keeps the files that are exactly the recorded ones — the same
    inode, unchanged since (:meth:`pipeline.manifest.Recorded.trusted`) — and loses everything
    else: a planted file, a symlink, a FIFO, a file replaced, never written through.  A recorded
    file it lacks is hard-linked from ``live`` and kept only when its bytes have the recorded
    SHA-256 (its digest and status go into ``digests``); a live bundle file changed in place,
    whatever its times say, makes the shard be indexed again.  The folder is renamed into place
    last.  False (nothing left at ``target``) when any of it fails."""
    if old == BUNDLE_DIR:
        expected = {rel: entry for rel, entry in expected.items() if rel != MANIFEST}  # written afresh
    folder = held / old if held is not None else None
    if target.is_symlink() or target.exists():
        _remove_tree(target)
    if folder is None or folder.is_symlink() or not folder.is_dir():
        folder = target
    checked: dict = {}
    try:
        if folder == target:
            folder.mkdir()
        files, folders = inventory(folder)
        kept = set()
        for rel, st in files.items():
            if rel in expected and recorded.trusted(f"{old}/{rel}", st) is not None:
                kept.add(rel)
            else:
                os.unlink(folder / rel)
        needed = folders_of(expected)
        for rel in sorted((f for f in folders if f not in needed), key=lambda f: f.count("/"), reverse=True):
            os.rmdir(folder / rel)
        for rel in sorted(set(expected) - kept):
            dest = folder / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.link(live / old / rel, dest, follow_symlinks=False)
            got = _sha256_regular(dest)
            if got is None or got[0] != expected[rel][0]:
                raise OSError(f"{old}/{rel}")
            checked[rel] = got
        if folder != target:
            os.rename(folder, target)
    except OSError:
        if folder == target:
            _remove_tree(target)
        return False
    name = target.name
    digests.update({f"{name}/{rel}": value for rel, value in checked.items()})
    return True


def _remove_tree(path: Path) -> None:
    if path.is_symlink() or not path.is_dir():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)


def _sha256_regular(path: Path) -> tuple[str, int, tuple] | None:
    """(SHA-256, size, status before the read) of the regular file ``path``, not followed if a
    symlink; None for anything else."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    with open(fd, "rb") as handle:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None
        data = handle.read()
    key = (st.st_ino, st.st_dev, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    return hashlib.sha256(data).hexdigest(), len(data), key if len(data) == st.st_size else ()


def _check_stop(stop: threading.Event | None) -> None:
    if stop is not None and stop.is_set():
        raise SearchIndexError("搜索索引已中止：构建已经失败")


def _run_pagefind(site_dir: Path, shard: Shard, stop: threading.Event | None = None) -> None:
    """Index one shard.  A sharded run reads the shard's pages from a private copy in which the
    navigation Pagefind would read and throw away is cut out (:func:`reduce_page`): the same
    files at the same relative paths, so the same glob, URLs and bundle, in about 60 % of the time."""
    source = _reduced_copy(site_dir, shard) if shard.groups and _reducible() else None
    try:
        _pagefind(source or site_dir, site_dir / shard.output_subdir, shard, stop)
    finally:
        if source is not None:
            shutil.rmtree(source, ignore_errors=True)


def _pagefind(source: Path, output: Path, shard: Shard, stop: threading.Event | None = None) -> None:
    command = [
        str(executable()),
        "--site",
        str(source),
        "--output-path",
        str(output.absolute()),
        "--exclude-selectors",
        ", ".join(EXCLUDE_SELECTORS),
        "--silent",
    ]
    if shard.glob:
        command += ["--glob", shard.glob]
    _check_stop(stop)
    try:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    except OSError as exc:
        raise SearchIndexError(f"Pagefind 无法运行：{exc}") from None
    deadline = time.monotonic() + PAGEFIND_TIMEOUT
    with proc:
        while True:
            try:  # in short waits, so that a stop is seen (communicate may be called again after a timeout)
                out, err = proc.communicate(timeout=STOP_POLL)
                break
            except subprocess.TimeoutExpired:
                if (stop is None or not stop.is_set()) and time.monotonic() < deadline:
                    continue
                proc.kill()
                proc.communicate()
                if stop is not None and stop.is_set():
                    raise SearchIndexError("搜索索引已中止：构建已经失败") from None
                raise SearchIndexError(f"Pagefind 无法运行：超过 {PAGEFIND_TIMEOUT} 秒未完成") from None
    if proc.returncode != 0:
        detail = (err or out).strip().splitlines()[-5:]
        raise SearchIndexError(f"Pagefind 生成搜索索引（{shard.output_subdir}/）失败：" + " / ".join(detail))


# Indexing cost is mostly HTML parsing: an item page is ~58 KB, ~50 KB of it the material
# navigation (71 links, the drawer, the table of contents), ~3 KB the article Pagefind indexes.
# Pagefind reads outside ``data-pagefind-body`` only the ``lang`` of <html>, the data-pagefind-*
# attributes, the first <h1> (default title, also <title>) and the first <img> (default image);
# --exclude-selectors are plain class selectors.  So a <nav> element before the body is cut when
# it is a closed subtree (each kind of tag opened as often as closed) of these tags only (no img,
# h1, script, style, comment, template, textarea, upper case …), no tag holds a "<" and no
# attribute is data-pagefind-*: Pagefind writes the same bundle (tests/test_search.py compares).
_TAG_NAMES = re.compile(rb"<(/?)([^\s>/]*)")
_LT_IN_TAG = re.compile(rb"<[^>]*<")
_PAIRED = frozenset((b"nav", b"ul", b"ol", b"li", b"a", b"span", b"label", b"div", b"svg", b"button"))
_VOID = frozenset((b"input", b"path"))
_NAME_END = (b" ", b">", b"/", b"\t", b"\n", b"\r", b"\f")


def _tag(html: bytes, name: bytes, at: int, limit: int) -> int:
    """Where the next ``name`` tag starts (``<nav`` or ``</nav`` followed by a space, > or /), or -1."""
    while True:
        found = html.find(name, at, limit)
        if found < 0 or html[found + len(name) : found + len(name) + 1] in _NAME_END:
            return found
        at = found + len(name)


def _cuttable(html: bytes, start: int, end: int) -> bool:
    """Only the tags above, each kind opened as often as closed, no "<" inside a tag, no data-pagefind-*."""
    if html.find(b"data-pagefind", start, end) >= 0 or _LT_IN_TAG.search(html, start, end):
        return False
    counts = Counter(_TAG_NAMES.findall(html, start, end))
    for (slash, name), count in counts.items():
        if name in _PAIRED:
            if not slash and counts.get((b"/", name)) != count:
                return False
        elif name not in _VOID or slash:
            return False
    return all((b"", name) in counts for slash, name in counts if slash)


def reduce_page(html: bytes, seen: dict | None = None) -> bytes:
    """``html`` without the <nav> elements Pagefind provably ignores (see above); ``html``
    itself when there is nothing to cut or anything looks unusual.  ``seen`` (shared between the
    pages of one run) remembers navigation already found cuttable: the same bytes at the start
    of a <nav> are the same closed element, cut without reading it again."""
    limit = html.find(b"data-pagefind-body")
    if limit < 0:
        return html
    seen = {} if seen is None else seen
    kept: list[bytes] = []
    pos = cursor = 0
    while True:
        start = _tag(html, b"<nav", cursor, limit)
        if start < 0:
            break
        known = next((span for span in seen.get(html[start : start + 256], ()) if html.startswith(span, start)), None)
        if known is not None and start + len(known) <= limit:
            cursor = start + len(known)
        else:
            depth, cursor = 1, start + 4
            inner = _tag(html, b"<nav", cursor, limit)
            while depth:
                close = _tag(html, b"</nav", cursor, limit)
                if close < 0:
                    return html
                if 0 <= inner < close:
                    depth, cursor = depth + 1, inner + 4
                    inner = _tag(html, b"<nav", cursor, limit)
                else:
                    end = html.find(b">", close, limit)
                    if end < 0:
                        return html
                    depth, cursor = depth - 1, end + 1
            if not _cuttable(html, start, cursor):
                continue
            if cursor - start > 4096:  # the big ones repeat from page to page
                seen.setdefault(html[start : start + 256], []).append(html[start:cursor])
        kept.append(html[pos:start])
        pos = cursor
    if not kept:
        return html
    kept.append(html[pos:])
    return b"".join(kept)


def _reducible() -> bool:
    """No Pagefind configuration beyond the command line (a pagefind.yml or PAGEFIND_* variable
    could set a structural root or exclude selector): then cutting navigation changes nothing."""
    if any(name.upper().startswith("PAGEFIND_") for name in os.environ):
        return False
    return not any(Path(f"pagefind.{ext}").exists() for ext in ("yml", "yaml", "toml", "json"))


def _reduced_copy(site_dir: Path, shard: Shard) -> Path | None:
    """A private folder with every file the shard's glob can match, reduced, at the same relative
    path (a superset of what Pagefind picks: it applies the same glob); None when anything is odd.

    Pagefind numbers pages in the order it walks folders, and a folder lists its entries in an
    order of the file system's own (ext4: a hash of the names; tmpfs: newest first).  So the copy
    lives in memory (``/dev/shm``, else beside the site), each folder's entries are created so
    that it lists them in the order the site's folder lists them (newest first for tmpfs), and
    that order is checked: when the file system lists them otherwise, None (the site is indexed
    as it is)."""
    files: list[str] = []
    listed: dict[str, list[str]] = {}

    def listing(rel: str) -> list[str]:
        if rel not in listed:
            listed[rel] = os.listdir(site_dir / rel) if rel else os.listdir(site_dir)
        return listed[rel]

    try:
        for group in shard.groups:
            parent, _, name = group.rpartition("/")
            if group.startswith("/") or ".." in group.split("/") or "*" in parent or "*" in name[:-1]:
                raise ValueError(group)
            if name.endswith("*"):
                found = listing(parent) if (site_dir / parent).is_dir() else []
                names = sorted(entry for entry in found if entry.startswith(name[:-1]))
            else:
                names = [name]
            for entry in names:
                rel = f"{parent}/{entry}/index.html" if parent else f"{entry}/index.html"
                page = site_dir / rel
                if page.is_symlink():
                    raise OSError(rel)
                if page.is_file():
                    files.append(rel)
    except (OSError, ValueError):
        return None
    children: dict[str, set[str]] = {}
    for rel in files:
        parts = rel.split("/")
        for depth in range(len(parts)):
            children.setdefault("/".join(parts[:depth]), set()).add(parts[depth])
    shm = Path("/dev/shm")
    base = shm if shm.is_dir() and os.access(shm, os.W_OK | os.X_OK) else site_dir.parent
    folder = Path(tempfile.mkdtemp(prefix=f"{site_dir.name}.search-", dir=base))
    seen: dict = {}
    try:
        pending = [""]
        while pending:
            rel = pending.pop()
            wanted = [name for name in listing(rel) if name in children[rel]]
            if len(wanted) != len(children[rel]):
                raise OSError(rel)
            for name in reversed(wanted):  # newest first (tmpfs) is the site's order
                child = f"{rel}/{name}" if rel else name
                if child in children:
                    os.mkdir(folder / child)
                    pending.append(child)
                else:
                    (folder / child).write_bytes(reduce_page((site_dir / child).read_bytes(), seen))
            if os.listdir(folder / rel) != wanted:
                raise OSError(f"{rel}: listed in another order")
    except (OSError, ValueError):
        shutil.rmtree(folder, ignore_errors=True)
        return None
    return folder
