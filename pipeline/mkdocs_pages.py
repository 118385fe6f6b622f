"""mkdocs' own build, page by page: rendered on every core, and only the pages whose inputs changed.

:func:`build` does what ``mkdocs.commands.build.build`` does — the same plugin events, the
same ``get_files`` (remembered per file, :mod:`pipeline.mkdocs_files`) / ``get_navigation``, the
same ``_populate_page`` and ``_build_page`` for every page, the same static files and theme
templates — with two differences:

* **Every core** (issue 15 §2).  After config, files and nav are built and the nav pages are
  read (their titles are in every page's menu), the process forks; each worker reads and
  renders its share of the pages and writes them.  Workers share nothing but what existed
  before the fork, so a page is rendered from exactly the same objects as in one process and
  its bytes are the same (tests/test_incremental.py compares whole trees, and against a
  plain ``mkdocs build``).  The main process copies static files and renders ``404.html`` and
  the sitemap, as mkdocs does.

* **Only what changed** (issue 15 §1).  A page's output is a function of its docs file, of
  what is global to the site (the generated ``mkdocs.yml`` with the nav and config records,
  the theme files, the versions of the rendering packages, the titles of the nav pages) and
  of how its relative links resolved among the docs files.  :class:`PageRecord` keeps, per
  page, the hash of its docs file, the links it looked up and what they resolved to, and the
  warnings mkdocs gave; a page whose docs file and link targets are unchanged, under the same
  global stamp, is hard-linked (or copied) from the previous complete site into the new
  staging folder instead of rendered.  Lists, feeds and aggregates are docs files of their
  own whose content changes when an item changes, so that key is complete.  A page that is
  no longer in the docs tree (deleted or withheld item) is simply not in the new folder.
  The record is JSON (never pickle) after an HMAC line under the work folder's key, and is
  trusted only for the exact site it describes; a page is taken over only when the live file
  still has the SHA-256 recorded when it was written (a page changed on the web server is
  rendered again).  The file is hard-linked into the staging folder first and the linked file
  is read and hashed there (a symlink, a FIFO or a file swapped in between is never taken
  over); reading and hashing ~0.8 GB of pages at 10k items is most of a rebuild's time, so it
  runs on a few threads (file reads and SHA-256 release the GIL), and each page's folder is
  made once.  The nav pages are read (Markdown converted) only when their docs file changed
  or they are rendered themselves: the record keeps each nav page's title and meta (all the
  menu shows of it) with the SHA-256 of the docs file they were read from, under the stamp
  without the titles (config, theme, packages).  The theme's ``404.html`` and sitemap are kept
  the same way while what they show (:func:`_template_key`) is unchanged.

Why about 900 lines: mkdocs' page build, the page record it is checked against, the take-over
of live pages and the forked workers share mkdocs' in-memory objects; split, each part would
have to re-create them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
import stat
import time
import traceback
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path, PurePath
from typing import Callable

import msgpack

from pipeline import audit_cache, mkdocs_files
from pipeline.manifest import Recorded, five_ints, status_key, storable
from pipeline.memo import collector_paused
from pipeline.publish import folders_of, inventory, keep_only, write_atomic

RECORD_FILE = "pages.msgpack"  # in --work: what every page of the live site was made from
# 2: each page's output digest; the record carries an HMAC; 3: each page's file stat; 4: msgpack, not
# JSON (at 10k items a 14 MB record: written in 0.02 s instead of 0.14–0.4, read in 0.07 instead of 0.13–0.2)
RECORD_VERSION = 4
# A page file whose status changed less than this before the record's snapshot is read again next
# time, whatever its status says: file times come from a clock that ticks every few milliseconds,
# so a change within the same tick as the snapshot could leave them as they were.
RACY_NS = 200_000_000
_PACKAGES = ("mkdocs", "mkdocs-material", "markdown", "pymdown-extensions", "jinja2", "pygments")


@dataclass(frozen=True)
class PageEntry:
    source: str  # sha256 of the docs file
    dest: str  # output path under the site folder
    links: dict  # link target (docs path) → the URL it resolved to, or None
    warnings: tuple[str, ...] = ()
    output: str = ""  # sha256 of the page as written: the live file must still be that to be taken over
    # (inode, device, size, mtime_ns, ctime_ns) of the page file when the record was sealed, just
    # before the swap (:func:`snapshot`); () when unknown
    stat: tuple = ()
    source_stat: tuple = ()  # the same of the docs file when it was hashed (``source``)


@dataclass(frozen=True)
class PageRecord:
    """What every page of one complete site was made from (``<work>/pages.msgpack``: an HMAC line,
    then the fields as msgpack of JSON's types — maps, arrays read back as lists, text, numbers;
    :func:`record_payload` and :func:`record_data`)."""

    stamp: str
    pages: dict  # src_uri → PageEntry
    site: str = ""  # sha256 of that site's portal-manifest.json: the record is valid for that site only
    extra: dict = field(default_factory=dict)  # other stages' records (search shards)
    # what the nav pages' menu entries were read as: {"base": stamp without titles, "pages": {src_uri:
    # [sha256 of the docs file, title, meta]}} — a nav page whose docs file is unchanged is not read again
    nav: dict = field(default_factory=dict)
    snapped: int = 0  # time.time_ns() when the page files' stats were taken (:func:`snapshot`)
    # the theme's templates (404.html, sitemap.xml): name → [key of their inputs, {output path: sha256}]
    # (:func:`_template_key`); a template whose key is unchanged is kept like a page, not rendered
    templates: dict = field(default_factory=dict)

    def to_data(self) -> dict:
        return {
            "version": RECORD_VERSION,
            "stamp": self.stamp,
            "site": self.site,
            "extra": self.extra,
            "nav": self.nav,
            "snapped": self.snapped,
            "templates": self.templates,
            "pages": {
                k: [e.source, e.dest, e.links, list(e.warnings), e.output, storable(e.stat), storable(e.source_stat)]
                for k, e in sorted(self.pages.items())
            },
        }

    @classmethod
    def load(cls, path: Path, key: bytes | None) -> "PageRecord | None":
        """The record, or None when missing, unreadable, of another version or not written with
        ``key`` (the work folder's key, :func:`pipeline.audit_cache.work_key`; None: no record is
        trusted) → every page is rendered."""
        if key is None:
            return None
        try:
            payload = audit_cache.unseal_view(key, Path(path).read_bytes())
            if payload is None:
                return None
            with collector_paused(freeze=False):  # ~13,000 pages' entries at 10k items, no cycles among them
                data = record_data(payload)
                if data.get("version") != RECORD_VERSION:
                    return None
                pages = {
                    k: PageEntry(
                        str(v[0]),
                        str(v[1]),
                        v[2] if type(v[2]) is dict else dict(v[2]),  # a map just decoded is ours: no copy
                        tuple(v[3]),
                        str(v[4]),
                        _stat_of(v[5] if len(v) > 5 else None),
                        _stat_of(v[6] if len(v) > 6 else None),
                    )
                    for k, v in data["pages"].items()
                }
            return cls(
                str(data["stamp"]),
                pages,
                str(data.get("site", "")),
                dict(data.get("extra") or {}),
                dict(data.get("nav") or {}),
                int(data.get("snapped") or 0),
                _templates_of(data.get("templates")),
            )
        except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError, UnicodeDecodeError):
            return None

    def recorded(self, with_pages: bool = False) -> "Recorded | None":
        """The files of this record's site with the digest and status its build recorded for them
        (:class:`pipeline.manifest.Recorded`): the ones it hashed itself (``extra["files"]``) and,
        ``with_pages``, its pages (``output`` and ``stat``) — trusted for statuses older than the
        snapshot by more than :data:`RACY_NS`.  None without a snapshot or with a malformed list."""
        if not self.snapped:
            return None
        before = self.snapped - RACY_NS
        others = Recorded.from_json(self.extra.get("files", {}), before)
        if others is None or not with_pages:
            return others
        files = dict(others.files)
        for entry in self.pages.values():
            if entry.output and len(entry.stat) == 5:
                files[entry.dest] = (entry.output, entry.stat[2], entry.stat)
        return Recorded(files, before)

    def save(self, path: Path, key: bytes | None) -> None:
        """Written with an HMAC of ``key`` (None: the record is removed, so nothing is reused)."""
        if key is None:
            Path(path).unlink(missing_ok=True)
            return
        with collector_paused(freeze=False):  # the fields' lists are new objects without cycles
            payload = record_payload(self.to_data())
        write_atomic(path, audit_cache.seal(key, payload))


def record_payload(data: dict) -> bytes:
    """The page record's fields as written (msgpack; text as UTF-8, nothing but JSON's types)."""
    return msgpack.packb(data, use_bin_type=True)


def record_data(payload: bytes | memoryview) -> dict:
    """The fields of :func:`record_payload` (maps with text keys, arrays as lists); ``ValueError``
    for bytes that are not msgpack of a map, or hold an extension type.  Only a payload whose HMAC
    is the work folder's gets here (:meth:`PageRecord.load`)."""
    try:
        data = msgpack.unpackb(payload, raw=False, use_list=True, strict_map_key=True, ext_hook=_no_ext)
    except ValueError:
        raise
    except Exception as exc:  # noqa: BLE001 - msgpack's errors for damaged bytes are many
        raise ValueError(f"not a page record: {type(exc).__name__}") from None
    if type(data) is not dict:
        raise ValueError("not a page record")
    return data


def _no_ext(code: int, data: bytes):
    raise ValueError("page record with an extension type")


@dataclass(frozen=True)
class RenderOutcome:
    warnings: tuple[str, ...]
    record: PageRecord
    rendered: tuple[str, ...]  # src_uris rendered this time
    reused: int  # pages taken over from the previous site
    digests: dict = field(default_factory=dict)  # dest → (sha256, size) of every page written or taken over


class RenderError(Exception):
    """A worker could not render its pages; ``str()`` says which and why."""


def file_hash(path: str) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def global_stamp(engine_file: Path, theme_dir: str | None, nav_titles: list) -> str:
    """Everything every page depends on: the generated config (nav, config records, Markdown
    extensions), the custom theme's files, the rendering packages' versions, the nav titles."""
    h = _stamp_base(engine_file, theme_dir)
    h.update(json.dumps(nav_titles, ensure_ascii=False).encode())
    return h.hexdigest()


def _stamp_base(engine_file: Path, theme_dir: str | None):
    """:func:`global_stamp` before the nav titles (a hashlib object)."""
    h = hashlib.sha256()
    engine = Path(engine_file).read_bytes()
    if theme_dir:  # where the checkout is is no input of a page: the theme's files are (below)
        engine = engine.replace(os.fsencode(theme_dir), b"\0custom_dir\0")
    h.update(engine)
    for name in _PACKAGES:
        try:
            h.update(f"\0{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"\0{name}=-".encode())
    if theme_dir and os.path.isdir(theme_dir):
        for folder, dirs, names in sorted(os.walk(theme_dir)):
            dirs.sort()
            for name in sorted(names):
                path = os.path.join(folder, name)
                h.update(b"\0" + os.path.relpath(path, theme_dir).encode("utf-8", "surrogateescape") + b"\0")
                h.update(file_hash(path).encode())
    return h


def _link_state(files, links: dict, memo: dict) -> bool:
    """Do the recorded link targets still resolve to the same URLs?  ``memo``: target → URL of this
    build (many pages look up the same targets)."""
    for target, url in links.items():
        try:
            now = memo[target]
        except KeyError:
            found = files.get_file_from_path(target)
            now = memo[target] = found.url if found is not None else None
        if now != url:
            return False
    return True


def _normal(uri: str) -> bool:
    """Is ``uri`` as ``PurePosixPath(uri).as_posix()`` gives it back (no empty or "." parts, no
    trailing slash)?  Such a target is looked up as it is by ``Files.get_file_from_path``."""
    if not uri or "//" in uri or "/./" in uri:
        return False
    return not uri.startswith("./") and not uri.endswith(("/", "/."))


def _pooled(work: Callable[[list], list], items: list, threads: int, chunk: int = 256) -> list:
    """``work`` over ``items`` in chunks on ``threads`` threads (file reads, SHA-256, link and mkdir
    release the GIL), results in the order of ``items``."""
    if threads <= 1 or len(items) <= chunk:
        return work(items)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=threads) as pool:
        parts = pool.map(work, [items[i : i + chunk] for i in range(0, len(items), chunk)])
        return [r for part in parts for r in part]


def _source_digests(
    doc_files: list, previous: PageRecord | None, threads: int, hashed: dict[str, str] | None = None
) -> list[tuple[str, tuple]]:
    """(sha256, status) of every docs file.  ``hashed``: src_uri → sha256 the caller took from the
    very bytes in the docs folder this build (the docs tree stage read them back,
    :meth:`pipeline.render_memo.RenderMemo.digests_on_disk`), given without a status.  A file whose
    status is the one recorded when the previous build hashed it (and not too close to that build's
    snapshot, :data:`RACY_NS`) has the recorded digest: the docs tree rewrites only the files whose
    text changed (a new status)."""
    known = previous.pages if previous is not None else {}
    snapped = previous.snapped if previous is not None else 0
    if hashed:
        rest = [file for file in doc_files if file.src_uri not in hashed]
        found = dict(zip(map(id, rest), _source_digests(rest, previous, threads)))
        return [(hashed[f.src_uri], ()) if f.src_uri in hashed else found[id(f)] for f in doc_files]

    def one(part: list) -> list:
        out = []
        for file in part:
            old = known.get(file.src_uri)
            if old is not None and old.source_stat:  # one stat, no open, for a file as recorded
                st = status_key(os.stat(file.abs_src_path))
                if old.source_stat == st and st[4] < snapped - RACY_NS:
                    out.append((old.source, st))
                    continue
            with open(file.abs_src_path, "rb") as handle:
                st = status_key(os.fstat(handle.fileno()))  # before reading: a later change shows next time
                out.append((hashlib.sha256(handle.read()).hexdigest(), st))
        return out

    return _pooled(one, doc_files, threads)


def _read_again(hashed: list, todo: list, nav_links: dict, entries: dict, nav_read: dict, threads: int) -> None:
    """The docs files of ``hashed`` (digests the docs tree stage took) that mkdocs read this build (a
    page rendered, a nav page's title and meta): a file changed in between was read as it is now, so
    its page entry (and nav entry) name the SHA-256 of its bytes now ("" when it is no regular file),
    and the next build, the file put right, renders it again instead of keeping what it showed."""
    rendered = {id(f) for f in todo}
    again = [f for f in hashed if id(f) in rendered or f.src_uri in nav_links]

    def one(part: list) -> list:
        out = []
        for file in part:
            data = _read_regular(file.abs_src_path)
            out.append("" if data is None else hashlib.sha256(data).hexdigest())
        return out

    for file, now in zip(again, _pooled(one, again, threads)):
        src = file.src_uri
        if src in entries and entries[src].source != now:
            entries[src] = replace(entries[src], source=now)
        if src in nav_read and nav_read[src][0] != now:
            nav_read[src] = [now, *nav_read[src][1:]]


_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


def _read_regular(path: str) -> bytes | None:
    """The bytes of the regular file ``path`` (a symlink, a FIFO, a folder …: None)."""
    try:
        fd = os.open(path, _READ_FLAGS)
    except OSError:
        return None
    with open(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return handle.read()


def _place(previous: str, staging: str, dest: str, output: str) -> tuple[str, int] | None:
    """Hard-link (or copy) ``dest`` of the previous site into the staging folder when the file is
    still the page that was written (its SHA-256 is ``output``); its (sha256, size), or None —
    then the page is rendered again (a page changed in place on the web server, whatever its
    modification time says, is never carried over).  The bytes checked are those of the file
    linked into the staging folder (linked first, then read there), so a live file replaced
    between the check and the link cannot slip in; the folder of ``dest`` must exist."""
    if not output:
        return None
    source = os.path.join(previous, dest)
    target = os.path.join(staging, dest)
    try:
        os.link(source, target)
    except FileExistsError:
        return None
    except OSError:  # another file system, or links not allowed: copy what was checked
        data = _read_regular(source)
        if data is None or hashlib.sha256(data).hexdigest() != output:
            return None
        with open(target, "wb") as handle:
            handle.write(data)
        return output, len(data), status_key(os.lstat(target))
    try:  # the status before the bytes are checked: what the snapshot may record (see snapshot)
        seen = status_key(os.lstat(target))
    except OSError:
        seen = ()
    data = _read_regular(target)
    if data is None or hashlib.sha256(data).hexdigest() != output:
        os.unlink(target)  # rendered again into a file of its own (never through this link)
        return None
    return output, len(data), seen


def _take_over(previous: str, staging: str, wanted: list[tuple[str, str]], threads: int) -> list:
    """:func:`_place` for every (dest, output) of ``wanted``, on ``threads`` threads; the folders
    are made once each (every page has a folder of its own: most of them are made by the
    thread that links the page)."""
    inner = folders_of({os.path.dirname(dest) for dest, _ in wanted})
    for folder in sorted(inner):  # parents sort before their children
        _mkdir(os.path.join(staging, folder))

    def work(part: list) -> list:
        out = []
        for dest, output in part:
            leaf = os.path.dirname(dest)
            if leaf and leaf not in inner:
                _mkdir(os.path.join(staging, leaf))
            out.append(_place(previous, staging, dest, output))
        return out

    return _pooled(work, wanted, threads)


def _mkdir(path: str) -> None:
    try:
        os.mkdir(path)
    except FileExistsError:
        pass


def _stat_of(value) -> tuple:
    """A recorded page stat as five ints, or () (anything else: the page is read to be checked)."""
    return tuple(value) if five_ints(value) else ()


def _templates_of(value) -> dict:
    """The record's templates as written by :meth:`PageRecord.to_data`; anything else: {} (rendered)."""
    if not isinstance(value, dict):
        return {}
    return {
        name: [v[0], dict(v[1])]
        for name, v in value.items()
        if isinstance(v, list)
        and len(v) == 2
        and isinstance(v[0], str)
        and isinstance(v[1], dict)
        and v[1]
        and all(isinstance(k, str) and isinstance(d, str) and d for k, d in v[1].items())
    }


def snapshot(record: PageRecord, site: Path, now: dict | None = None, snapped: int | None = None) -> PageRecord:
    """``record`` with the status of every page file of the complete site ``site`` (taken just
    before the swap; the swap renames the folder, so the files keep it).  The next build takes a
    page file that still has exactly that status — same inode, size, modification and status-change
    time — as the page that was written without reading it: writing a file, or setting its
    modification time back, sets its status-change time to now, which no program can set back.
    Pages written within :data:`RACY_NS` of the snapshot are read again all the same.  Each entry's
    ``stat`` in ``record`` is the status its file had when its bytes were checked (before they were
    read and hashed, or the recorded status it was kept on): only a file that still has exactly
    that status is recorded — a page changed after it was checked (it may be the live file, shared
    by hard link, changed on the web server while the build ran) gets () and is read next time.
    ``now``: every file's lstat (path → ``os.stat_result``), when the caller has just taken them
    all after ``snapped`` (``time.time_ns()``); otherwise each page file's is taken here."""
    if now is None or snapped is None:
        now, snapped = None, time.time_ns()
    root = str(site)

    def one(part: list) -> list:
        out = []
        for entry in part:
            try:
                st = now[entry.dest] if now is not None else os.lstat(os.path.join(root, entry.dest))
            except (OSError, KeyError):
                out.append(())
                continue
            key = status_key(st) if stat.S_ISREG(st.st_mode) else ()
            out.append(key if key and key == tuple(entry.stat) else ())
        return out

    entries = list(record.pages.items())
    if now is None:
        stats = _pooled(one, [e for _, e in entries], 4, 2048)
    else:
        stats = one([e for _, e in entries])
    pages = {src: e if st == e.stat else replace(e, stat=st) for (src, e), st in zip(entries, stats)}
    return replace(record, pages=pages, snapped=snapped)


def _unchanged_since(entry: PageEntry, st: os.stat_result, snapped: int) -> bool:
    """Is the live page file ``st`` still exactly the file :func:`snapshot` saw (and not one whose
    status changed too close to the snapshot to tell)?"""
    return (
        bool(entry.stat)
        and stat.S_ISREG(st.st_mode)
        and entry.stat[4] < snapped - RACY_NS
        and status_key(st) == entry.stat
    )


def _recycle(site: str, live: str, wanted: list, snapped: int, threads: int, listing: tuple | None = None) -> dict:
    """Make the recycled staging folder ``site`` (an older complete site, :func:`pipeline.publish.recycle`)
    hold nothing but the pages it can keep: a page of ``wanted`` (output path, record entry) whose file
    in ``site`` is the very file :func:`snapshot` saw (same inode and status, as the folder's listing
    gives them: a page of the live site that did not change since, shared with it — no look at the
    live site), or is the live site's file with bytes that are still the page's SHA-256.  Every other
    file is removed — never written through: it may be a hard link into the live site — and so is
    every folder left empty.  Returns {dest: (sha256, size)} of the pages kept.  ``listing``: what
    :class:`_ClearEarly` left of the folder (else it is walked here)."""
    files, folders = listing if listing is not None else inventory(site)

    def check(part: list) -> list:
        out = []
        for dest, entry in part:
            mine = files.get(dest)
            kept = None
            if mine is not None and _unchanged_since(entry, mine, snapped):  # the very file the snapshot saw
                kept = (entry.output, mine.st_size, entry.stat)
            elif mine is not None and stat.S_ISREG(mine.st_mode):
                try:
                    theirs = os.lstat(os.path.join(live, dest))
                except OSError:
                    theirs = None
                if theirs is not None and (theirs.st_ino, theirs.st_dev) == (mine.st_ino, mine.st_dev):
                    if _unchanged_since(entry, theirs, snapped):
                        kept = (entry.output, theirs.st_size, entry.stat)
                    else:  # the status before the read: what the snapshot may record
                        data = _read_regular(os.path.join(site, dest))
                        if data is not None and hashlib.sha256(data).hexdigest() == entry.output:
                            kept = (entry.output, len(data), status_key(theirs))
            out.append(kept)
        return out

    answers = _pooled(check, wanted, threads, 1024)
    kept = {dest: got for (dest, _), got in zip(wanted, answers) if got is not None}
    keep_only(site, files, folders, kept)
    return kept


class _ClearEarly:
    """Unlinks, on a thread of its own, every file of the recycled staging folder ``site`` that
    :func:`_recycle` cannot keep whatever this build finds: those at no output path of the record
    ``previous`` (search bundles, assets, feeds …, ~11,000 files at 10k items), while the build
    collects files and nav; :meth:`result` is what is left, as :func:`pipeline.publish.inventory`
    gives it.  Nothing is written into the folder before :func:`_recycle` has run."""

    def __init__(self, site: str, previous: PageRecord) -> None:
        import threading

        self.site = site
        self.maybe = {e.dest for e in previous.pages.values()}
        self.maybe.update(dest for _key, made in previous.templates.values() for dest in made)
        self.listing: tuple | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="recycle-clear", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            files, folders = inventory(self.site)
            for rel in [rel for rel in files if rel not in self.maybe]:
                os.unlink(os.path.join(self.site, rel))
                del files[rel]
            self.listing = (files, folders)
        except BaseException as exc:  # noqa: BLE001 - raised in the build by result()
            self.error = exc

    def result(self) -> tuple:
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.listing


class Collect(logging.Handler):
    """mkdocs' warnings of one build, as text."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def build(
    cfg,
    *,
    jobs: int = 1,
    previous: PageRecord | None = None,
    previous_site: Path | None = None,
    engine_file: Path | None = None,
    on_page: Callable[[int, int], None] | None = None,
    recycled: bool = False,
    hashed: dict[str, str] | None = None,
) -> RenderOutcome:
    """Render the site of the loaded mkdocs config ``cfg`` into ``cfg.site_dir`` (cleaned first).

    ``jobs`` processes render the pages (1: this process).  With ``previous`` (the record of
    the complete site in ``previous_site``) pages whose inputs are unchanged are taken from
    that site.  ``recycled``: ``cfg.site_dir`` is not empty but an older complete site of the same
    output (:func:`pipeline.publish.recycle`): the pages it can keep stay (:func:`_recycle`), the
    rest of it is removed before anything is written.  ``hashed``: src_uri → SHA-256 of docs files
    whose bytes the caller read in the docs folder this build (:func:`_source_digests`).  Raises
    mkdocs' exceptions as ``mkdocs build`` does, or :class:`RenderError`.
    """
    from mkdocs import utils
    from mkdocs.commands import build as mb
    from mkdocs.structure.files import InclusionLevel, set_exclusions
    from mkdocs.structure.nav import get_navigation
    from mkdocs.structure.pages import Page

    logger = logging.getLogger("mkdocs")
    collect = Collect()
    logger.addHandler(collect)
    inclusion = InclusionLevel.is_included
    early: _ClearEarly | None = None
    try:
        config = cfg.plugins.on_config(cfg)
        config.plugins.on_pre_build(config=config)
        if not recycled:
            utils.clean_directory(config.site_dir)
        elif previous is not None:
            early = _ClearEarly(config.site_dir, previous)
        os.makedirs(config.site_dir, exist_ok=True)  # pages are taken over before mkdocs writes anything
        files = mkdocs_files.get_files(config, Path(engine_file).parent if engine_file is not None else None)
        env = config.theme.get_env()
        if engine_file is not None:  # the generated config lives in the work folder
            from pipeline import template_cache  # imports Jinja: not on the nothing-changed path

            template_cache.attach(env, Path(engine_file).parent)
        files.add_files_from_theme(env, config)
        files = config.plugins.on_files(files, config=config)
        set_exclusions(files, config)
        nav = _navigation(files, config, get_navigation, collect)
        nav = config.plugins.on_nav(nav, config=config, files=files)

        doc_files = files.documentation_pages(inclusion=inclusion)
        included = {id(f) for f in doc_files}
        in_nav = [p.file for p in nav.pages if id(p.file) in included]
        custom_dir = config.theme.custom_dir if hasattr(config.theme, "custom_dir") else None
        base = _stamp_base(engine_file, custom_dir) if engine_file else None
        threads = max(2, min(8, jobs))
        digests_of = _source_digests(doc_files, previous, threads, hashed)
        sources = {f.src_uri: digest for f, (digest, _) in zip(doc_files, digests_of)}
        source_stats = {f.src_uri: st for f, (_, st) in zip(doc_files, digests_of)}
        # The nav pages are read here: their titles (and meta) are in every page's menu.  A nav page
        # whose docs file is the one the record read, under the same config, theme and packages, gets
        # the title and meta read then; it is read in full only if it is rendered itself.
        nav_links: dict = {}
        nav_warn: dict = {}
        nav_read = _nav_known(previous, base)
        for file in in_nav:
            known = nav_read.get(file.src_uri)
            if known is not None and known[0] == sources[file.src_uri]:
                file.page.title, file.page.meta = known[1], json.loads(known[2])
                continue
            nav_links[file.src_uri], nav_warn[file.src_uri] = _populate(file.page, config, files, collect, mb)
            meta = _meta_text(file.page.meta)
            if meta is None:
                nav_read.pop(file.src_uri, None)
            else:
                nav_read[file.src_uri] = [sources[file.src_uri], file.page.title, meta]
        stamp = ""
        if base is not None:  # global_stamp
            full = base.copy()
            full.update(json.dumps([[p.file.src_uri, p.title] for p in nav.pages], ensure_ascii=False).encode())
            stamp = full.hexdigest()
        entries: dict = {}
        reused = 0
        digests: dict = {}
        use_previous = previous is not None and previous_site is not None and previous.stamp == stamp and bool(stamp)
        candidates = []
        # a target that is a file's very src_uri (normalised, as get_file_from_path makes it) is that file;
        # any other is looked up as mkdocs does (_link_state)
        memo: dict = {f.src_uri: f.url for f in files if _normal(f.src_uri)}
        # what mkdocs writes besides the pages (files copied as they are, templates) opens the file
        # of its path and writes into it: a page at such a path is never kept or linked (it would
        # be written through, into the live site) but rendered, as a clean build does
        written = {f.dest_uri for f in files if not f.is_documentation_page()}
        others_at = {f.dest_uri for f in files} | set(config.extra_templates)  # besides the theme's templates
        written.update(config.theme.static_templates, config.extra_templates)
        for file in doc_files:
            old = previous.pages.get(file.src_uri) if use_previous else None
            if (
                old is not None
                and file.dest_uri not in written
                and old.source == sources[file.src_uri]
                and old.dest == file.dest_uri
                and _link_state(files, old.links, memo)
            ):
                candidates.append((file, old))
        # the theme's templates (404.html, the sitemap) are kept like pages when what they show is unchanged
        template_key = _template_key(stamp, files, in_nav) if stamp else ""
        keepable: dict = {}  # template → {output path: sha256} of the previous site's, when it may be kept
        if use_previous and template_key:
            for name in config.theme.static_templates:
                got = previous.templates.get(name)
                if got is not None and got[0] == template_key and not set(got[1]) & others_at:
                    keepable[name] = got[1]
        outputs = {dest: sha for made in keepable.values() for dest, sha in made.items()}
        kept_out: dict = {}  # the template outputs kept: output path → (sha256, size)
        if recycled:  # before anything is written into it (its files may be links into the live site)
            wanted = [(file.dest_uri, old) for file, old in candidates]
            wanted += [(dest, PageEntry("", dest, {}, output=sha)) for dest, sha in sorted(outputs.items())]
            listing = early.result() if early is not None else None
            early = None
            kept = _recycle(
                config.site_dir, str(previous_site), wanted, previous.snapped if previous else 0, threads, listing
            )
            for file, old in candidates:
                if file.dest_uri in kept:
                    entries[file.src_uri] = PageEntry(
                        old.source, old.dest, old.links, old.warnings, old.output, kept[file.dest_uri][2]
                    )
                    digests[file.dest_uri] = kept[file.dest_uri][:2]
                    reused += 1
            kept_out = {dest: kept[dest][:2] for dest in outputs if dest in kept}
            candidates = [(f, old) for f, old in candidates if f.dest_uri not in kept]
        left = sorted(dest for dest in outputs if dest not in kept_out)
        placed = _take_over(
            str(previous_site),
            config.site_dir,
            [(f.dest_uri, old.output) for f, old in candidates] + [(dest, outputs[dest]) for dest in left],
            threads,
        )
        for (file, old), got in zip(candidates, placed):
            if got is not None:
                entries[file.src_uri] = PageEntry(old.source, old.dest, old.links, old.warnings, old.output, got[2])
                digests[file.dest_uri] = got[:2]
                reused += 1
        kept_out.update({dest: got[:2] for dest, got in zip(left, placed[len(candidates) :]) if got is not None})
        todo = [file for file in doc_files if file.src_uri not in entries]
        env = config.plugins.on_env(env, config=config, files=files)
        files.copy_static_files(dirty=False, inclusion=inclusion)
        templates: dict = {}  # name → [key, {output path: sha256}] of this site (PageRecord.templates)
        for template in config.theme.static_templates:
            mine = keepable.get(template, {})
            if mine and all(dest in kept_out for dest in mine):
                templates[template] = [template_key, dict(mine)]
                digests.update({dest: kept_out[dest] for dest in mine})
                continue
            for dest in mine:  # partly taken over: rendered whole, into files of its own
                if dest in kept_out:
                    os.unlink(os.path.join(config.site_dir, dest))
            _pages_for(doc_files, config, Page)  # the sitemap lists every page
            start = len(collect.messages)
            mb._build_theme_template(template, env, files, config, nav)
            if template_key and len(collect.messages) == start:  # one that warned is rendered every time
                templates[template] = [template_key, {}]
        if config.extra_templates:
            _pages_for(doc_files, config, Page)
        for template in config.extra_templates:
            mb._build_extra_template(template, files, config, nav)
        for file in in_nav:  # read above: their links and warnings are known
            if file.src_uri in entries and file.src_uri in nav_links:
                entries[file.src_uri] = PageEntry(
                    sources[file.src_uri],
                    file.dest_uri,
                    nav_links[file.src_uri],
                    tuple(nav_warn[file.src_uri]),
                    entries[file.src_uri].output,
                    entries[file.src_uri].stat,
                )
        _pages_for(todo, config, Page)
        results = _render_all(
            todo, config, files, doc_files, nav, env, jobs, collect, mb, on_page, len(doc_files) - len(todo)
        )
        for file in todo:
            links, warnings = results[file.src_uri]
            if file.src_uri in nav_links:
                links, warnings = nav_links[file.src_uri], nav_warn[file.src_uri] + warnings
            entries[file.src_uri] = PageEntry(sources[file.src_uri], file.dest_uri, links, tuple(warnings))
        config.plugins.on_post_build(config=config)
        for file in todo:  # the pages as written, after every plugin has had its say
            with open(os.path.join(config.site_dir, file.dest_uri), "rb") as handle:
                seen = status_key(os.fstat(handle.fileno()))  # before the read: what the snapshot may record
                data = handle.read()
            digests[file.dest_uri] = (hashlib.sha256(data).hexdigest(), len(data))
            entries[file.src_uri] = replace(entries[file.src_uri], output=digests[file.dest_uri][0], stat=seen)
        for template, (key, made) in list(templates.items()):
            if not made:  # rendered now: what it wrote, after every plugin has had its say
                made = _template_outputs(config.site_dir, template, digests)
                if made:
                    templates[template] = [key, made]
                else:
                    del templates[template]
        if hashed:  # read by the docs tree stage, before mkdocs read them: what the pages were made from
            _read_again([f for f in doc_files if f.src_uri in hashed], todo, nav_links, entries, nav_read, threads)
        entries = {
            src: PageEntry(e.source, e.dest, e.links, e.warnings, e.output, e.stat, source_stats.get(src, ()))
            for src, e in entries.items()
        }
        warnings = [w for f in doc_files for w in entries[f.src_uri].warnings]
        # warnings outside pages (nav, files, templates): what the handler saw that no page owns
        page_warnings = {w for e in entries.values() for w in e.warnings}
        warnings = [m for m in collect.messages if m not in page_warnings] + warnings
        if config.strict and warnings:
            from mkdocs.exceptions import Abort

            raise Abort(f"Aborted with {len(warnings)} warnings in strict mode!")
        return RenderOutcome(
            tuple(warnings),
            PageRecord(stamp, entries, nav=_nav_record(base, nav_read, in_nav), templates=templates),
            tuple(f.src_uri for f in todo),
            reused,
            digests,
        )
    except Exception as exc:
        cfg.plugins.on_build_error(error=exc)
        raise
    finally:
        if early is not None:  # a failed build: nothing may still be unlinking while the folder is discarded
            early.thread.join()
        logger.removeHandler(collect)


def _navigation(files, config, get_navigation, collect: Collect):
    """mkdocs' nav of ``files``, built without the documentation pages that are not in the nav
    (``not_in_nav``: the items) unless the nav config names them — mkdocs makes a ``Page`` for every
    documentation page it is given (~0.4 s at 10k items), which only a page that is rendered (or a
    template listing every page, the sitemap) needs: those are made by :func:`_pages_for` when they
    are.  The nav and its warnings are the same: mkdocs leaves such pages out of it.  Should a nav
    entry still come out as a link to one of the files left out, the nav is built again from every
    file, and the first attempt's warnings are dropped."""
    from mkdocs.structure.files import Files
    from mkdocs.structure.nav import Link

    named = _nav_paths(config["nav"])
    kept = [
        f for f in files if not (f.is_documentation_page() and f.inclusion.is_not_in_nav() and f.src_uri not in named)
    ]
    if len(kept) == len(files):
        return get_navigation(files, config)
    start = len(collect.messages)
    nav = get_navigation(Files(kept), config)
    stack = list(nav.items)
    while stack:
        entry = stack.pop()
        stack.extend(getattr(entry, "children", None) or ())
        if isinstance(entry, Link):
            url = str(entry.url)
            if files.get_file_from_path(url) is not None or files.get_file_from_path(url.lstrip("/")) is not None:
                del collect.messages[start:]
                for file in kept:  # the pages that nav made are made again
                    file.page = None
                return get_navigation(files, config)
    return nav


def _nav_paths(nav) -> set[str]:
    """Every text in the nav config as mkdocs looks it up among the files (``PurePath(…).as_posix()``),
    with and without a leading ``/``."""
    found: set[str] = set()
    stack = [nav]
    while stack:
        entry = stack.pop()
        if isinstance(entry, str):
            try:
                path = PurePath(entry).as_posix()
            except (TypeError, ValueError):
                continue
            found.update((path, path.lstrip("/")))
        elif isinstance(entry, dict):
            stack.extend(entry.values())
        elif isinstance(entry, (list, tuple)):
            stack.extend(entry)
    return found


def _pages_for(doc_files, config, page_class) -> None:
    """A ``Page`` for each of ``doc_files`` that has none yet (:func:`_navigation`), as mkdocs'
    ``get_navigation`` makes them."""
    for file in doc_files:
        if file.page is None:
            page_class(None, file, config)


def _template_key(stamp: str, files, in_nav: list) -> str:
    """What the theme's templates (``404.html``, the sitemap) show besides the config, theme and
    packages (``stamp``, with the nav titles): every file's paths, URL and inclusion, the nav pages'
    titles and meta (all the menu shows of them, as for a kept page) and the build date —
    ``SOURCE_DATE_EPOCH``, or else the time now, which no later build has.  "" (rendered): a nav
    page's meta that JSON does not give back as it is."""
    from mkdocs import utils

    h = hashlib.sha256(stamp.encode())
    h.update(utils.get_build_datetime().isoformat().encode())
    for f in files:
        h.update(f"\0{f.src_uri}\0{f.dest_uri}\0{f.url}\0{f.inclusion.name}".encode("utf-8", "surrogateescape"))
    for f in in_nav:
        meta = _meta_text(f.page.meta)
        if meta is None:
            return ""
        h.update(json.dumps([f.src_uri, f.page.title, meta], ensure_ascii=False).encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def _template_outputs(site: str, template: str, digests: dict) -> dict:
    """{output path: sha256} of what mkdocs writes for the theme template ``template`` (the sitemap
    also gzipped), each added to ``digests``; {} when one is missing or not a regular file."""
    made = {}
    for dest in [template] + ([template + ".gz"] if template == "sitemap.xml" else []):
        data = _read_regular(os.path.join(site, dest))
        if data is None:
            return {}
        made[dest] = hashlib.sha256(data).hexdigest()
        digests[dest] = (made[dest], len(data))
    return made


def _nav_known(previous: PageRecord | None, base) -> dict:
    """src_uri → [sha256 of the docs file, title, meta as JSON] of the nav pages as the record read
    them, when that was under the same config, theme and packages (``base``); else empty."""
    nav = previous.nav if previous is not None else {}
    if base is None or not isinstance(nav, dict) or nav.get("base") != base.hexdigest():
        return {}
    pages = nav.get("pages")
    if not isinstance(pages, dict):
        return {}
    return {
        k: v
        for k, v in pages.items()
        if isinstance(v, list) and len(v) == 3 and isinstance(v[0], str) and isinstance(v[2], str)
    }


def _nav_record(base, read: dict, in_nav: list) -> dict:
    if base is None:
        return {}
    return {"base": base.hexdigest(), "pages": {f.src_uri: read[f.src_uri] for f in in_nav if f.src_uri in read}}


def _meta_text(meta) -> str | None:
    """A page's meta as JSON, when JSON gives back exactly the same values (a date, a number key
    …: None, the page is read on every build)."""
    try:
        text = json.dumps(meta, ensure_ascii=False)
    except (TypeError, ValueError):
        return None
    return text if repr(json.loads(text)) == repr(meta) else None


def _populate(page, config, files, collect: Collect, mb) -> tuple[dict, list[str]]:
    """``_populate_page`` with the link lookups and warnings of this page recorded."""
    looked: dict = {}
    original = files.get_file_from_path

    def lookup(path):
        found = original(path)
        looked[path] = found.url if found is not None else None
        return found

    start = len(collect.messages)
    files.get_file_from_path = lookup
    try:
        mb._populate_page(page, config, files, False)
    finally:
        del files.get_file_from_path
    return looked, collect.messages[start:]


def _render_one(file, config, files, doc_files, nav, env, collect, mb) -> tuple[dict, list[str]]:
    links: dict = {}
    warnings: list[str] = []
    if file.page.content is None:
        links, warnings = _populate(file.page, config, files, collect, mb)
    start = len(collect.messages)
    mb._build_page(file.page, config, doc_files, nav, env, False, excluded=file.inclusion.is_excluded())
    return links, warnings + collect.messages[start:]


def _release(page, in_nav: set) -> None:
    """Drop a rendered page's Markdown and HTML (``page.markdown``, ``page.content``) when it is not
    in the nav: no other page's template reads them (the theme's menus show nav pages' titles and
    URLs; items are not in the nav), and keeping them made a render worker hold every page it had
    rendered — ~15 KB an item page, hundreds of MB at 50k items.  Its title (``Page.title``: the
    meta's, else the one its render found, else the file name's — the same with ``markdown`` ""),
    meta, URL and table of contents stay."""
    if id(page) not in in_nav:
        page.markdown = ""
        page.content = None


def _die_with(parent: int) -> None:
    """A worker does not outlive a killed build (it would hold the build lock it inherited)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL (Linux)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(1)


def _render_all(todo, config, files, doc_files, nav, env, jobs, collect, mb, on_page, done_before) -> dict:
    total = len(doc_files)
    report = on_page or (lambda done, total: None)
    in_nav = {id(page) for page in nav.pages}
    if jobs <= 1 or len(todo) < 2 * jobs:
        out = {}
        for n, file in enumerate(todo, 1):
            out[file.src_uri] = _render_one(file, config, files, doc_files, nav, env, collect, mb)
            _release(file.page, in_nav)
            if n % 50 == 0 or n == len(todo):
                report(done_before + n, total)
        return out
    children = []
    parent = os.getpid()
    for worker in range(jobs):
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker: render pages worker, worker + jobs, … and report back in JSON
            os.close(read_fd)
            status = 0
            try:
                _die_with(parent)
                share = todo[worker::jobs]
                out = {}
                for n, file in enumerate(share, 1):
                    out[file.src_uri] = _render_one(file, config, files, doc_files, nav, env, collect, mb)
                    _release(file.page, in_nav)
                    if worker == 0 and (n % 50 == 0 or n == len(share)):
                        report(min(total, done_before + n * jobs), total)
                payload = {"ok": {k: [v[0], v[1]] for k, v in out.items()}}
            except BaseException as exc:  # noqa: BLE001 - reported to the parent, which fails the build
                payload = {"error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc(limit=5)}
                status = 1
            try:
                data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
                with os.fdopen(write_fd, "wb") as pipe:
                    pipe.write(data)
            finally:
                os._exit(status)
        os.close(write_fd)
        children.append((pid, read_fd))
    results: dict = {}
    errors = []
    collected: list[int] = []
    try:
        for pid, read_fd in children:
            with os.fdopen(read_fd, "rb") as pipe:
                data = pipe.read()
            _, status = os.waitpid(pid, 0)
            collected.append(pid)
            _take(pid, data, status, results, errors)
    except BaseException:  # SIGTERM, Ctrl+C …: no worker may go on writing into a staging folder being removed
        for pid, _fd in children:
            if pid not in collected:
                try:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                except OSError:
                    pass
        raise
    if errors:
        raise RenderError("；".join(errors))
    return results


def _take(pid: int, data: bytes, status: int, results: dict, errors: list) -> None:
    """One worker's JSON answer into ``results``, or its error into ``errors``."""
    try:
        payload = json.loads(data.decode("utf-8")) if data else {}
    except ValueError:
        payload = {}
    if "ok" in payload and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
        results.update({k: (v[0], list(v[1])) for k, v in payload["ok"].items()})
    else:
        errors.append(payload.get("error") or f"渲染进程 {pid} 异常退出（状态 {status}）")
