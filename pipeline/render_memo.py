"""Renderer outputs remembered between docs trees: one saved item re-renders its own pages only.

:func:`pipeline.build.docs_tree_files` is the one place that calls the renderers, and it calls
the costly ones through a :class:`RenderMemo`.  Each remembered output is keyed by exactly what
its renderer reads, so a hit gives the bytes the renderer would give:

- an item page (:mod:`pipeline.render.items`): the whole item record (every field, with its
  dates' zones) — per item;
- the lists (:mod:`pipeline.render.lists`): each published item's title, date, sub-site, column
  and slug, in order, and the home page's notices;
- the feeds (:mod:`pipeline.render.feeds`): the whole records of the items a feed can show (the
  first 50 of the portal, of each sub-site and of each column) and the as-of date;
- the statistics (:mod:`pipeline.render.stats`): each counted item's path, sub-site, date, kind,
  adoption levels, channels and whether its body is long enough for each scoring rule's
  minimum length, and the as-of date;
- the 政府信息公开 column (:mod:`pipeline.render.disclosure`): each published item's catalogue
  fields (索引号, title, date, sub-site, slug, 文号, 主题分类, 体裁分类), each counted item's date
  and channels (the annual report), the yearly data files and the static pages;
- the 网站工作年度报表 (:mod:`pipeline.render.website_report`): each counted item's date,
  sub-site, column, genre, tags and channels, the yearly data files and the traffic figures.

``tests/test_render_memo.py`` runs the renderers over items that record what is read from
them and checks every attribute read is in these lists.  Everything else a renderer takes is
the configuration — a memo serves one configuration (another one empties it) — and the values
named above, compared whole.  Per-item views are digested once per item object (SHA-256 of
their msgpack encoding: types, dates and zones kept apart), so a docs tree after a one-item
save digests one item.  A build's stored memo keeps each item's view digests with the digest
of its whole record (a view is a function of the record, the configuration and the code — the
last two are in the stamp): the next build digests every item whole (its page's key) and the
views of an item it had not seen only.

The memo lives in memory: ``portal serve``'s fast path (:mod:`pipeline.preview`) keeps
:data:`SHARED` between saves.  Only the last docs tree's entries are kept.

A build (another process each time) uses :meth:`RenderMemo.stored`: the same keys, kept in
``<work>/cache/render-memo.msgpack`` between builds.  The file does not hold the pages: for each
remembered output it holds the SHA-256 (and size) of every docs file the renderer made, and a
hit takes the bytes from the docs tree the last build wrote (``<work>/docs``) after checking
them against that digest — a file that is missing, different or not a regular file makes its
renderer run.  The build (``keep_on_disk``) does not read a docs file whose status (inode, device,
size, modification and status-change time) is exactly the one recorded when a build last read and
checked that very file — recorded only when it had not changed for :data:`RACY_NS` before that
docs tree began — and leaves it on disk (:class:`pipeline.docs_tree.Kept`): an edit, even one that
sets the modification time back, or another file put in its place, has another status.
The file is :mod:`pipeline.cache_codec` msgpack (never pickle) sealed with the
work folder's HMAC key (:func:`pipeline.audit_cache.seal`) under a stamp of everything besides
the keys that outputs depend on: the source of every module of :mod:`pipeline` (the renderers
and what they call), the configuration (``repr``, as in memory), Python's and the renderers'
libraries' versions.  It is written atomically (a temporary file, then ``os.replace``);
unreadable, damaged, truncated, foreign, forged or other-stamp files count as empty and every
renderer runs.  Deleting it is always safe.  ``pages.render`` (static pages and attachments,
read from the content folder), the search page and the nav are not memoised: they are cheap
and read files.

Why about 550 lines: ``portal serve``'s in-memory memo and the builds' stored memo share the
keys, the views of an item and the check of each docs file against its digest; split, the
keys of one could drift from the other's.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import operator
import os
import stat as stat_mode
import sys
import threading
import time
from contextlib import contextmanager
from datetime import date, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Iterator

import msgpack

from pipeline import audit_cache, cache_codec, scoring
from pipeline.docs_tree import Kept
from pipeline.findings import Finding
from pipeline.manifest import status_key
from pipeline.render.common import Output
from pipeline.render.feeds import FEED_LENGTH


def _list_view(i, config) -> tuple:
    return (i.title, i.date, i.site, i.column, i.slug)


def _stats_view(i, config) -> tuple:
    # the scoring reads the body only for its rules' minimum length (pipeline.scoring._long_enough)
    long_enough = tuple(scoring._long_enough(i, rule.min_chars) for rule in config.scoring.item_rules)
    return (i.path, i.site, i.date, i.kind, i.adopted, i.channels, long_enough)


def _catalog_view(i, config) -> tuple:
    return (i.index_number, i.title, i.date, i.site, i.slug, i.doc_number, i.topic, i.genre)


def _report_view(i, config) -> tuple:
    return (i.date, i.channels)


def _website_view(i, config) -> tuple:
    return (i.date, i.site, i.column, i.genre, i.tags, i.channels)


def _whole(i, config) -> Any:
    return i


# what each renderer reads of an item (tests/test_render_memo.py checks the lists)
VIEWS: dict[str, Callable[[Any, Any], Any]] = {
    "item": _whole,
    "list": _list_view,
    "stats": _stats_view,
    "catalog": _catalog_view,
    "report": _report_view,
    "website": _website_view,
}
# the views kept per item in a build's memo, in this order (all but "item", whose digest is the entry's key)
STORED_VIEWS = ("list", "stats", "catalog", "report", "website")
_VIEW_AT = {view: n for n, view in enumerate(STORED_VIEWS)}


_RECORDS: dict[type, tuple[msgpack.ExtType, Callable[[Any], tuple]]] = {}
_ZONES: dict[int, tuple[Any, str]] = {}  # id(tzinfo) → (tzinfo, its repr): a few zones per process
_DATETIME = msgpack.ExtType(1, b"")


def _zone(tz: Any) -> str:
    known = _ZONES.get(id(tz))
    if known is None or known[0] is not tz:
        if len(_ZONES) > 256:
            _ZONES.clear()
        known = _ZONES[id(tz)] = (tz, repr(tz))
    return known[1]


def _fields_of(kind: type) -> tuple[msgpack.ExtType, Callable[[Any], tuple]]:
    if not (dataclasses.is_dataclass(kind) and kind.__dataclass_params__.frozen):
        raise TypeError(f"no digest for {kind.__name__}")
    names = tuple(f.name for f in dataclasses.fields(kind))
    if len(names) == 1:
        name = names[0]
        get: Callable[[Any], tuple] = lambda obj: (getattr(obj, name),)  # noqa: E731
    elif names:
        get = operator.attrgetter(*names)
    else:
        get = lambda obj: ()  # noqa: E731
    found = _RECORDS[kind] = (msgpack.ExtType(2, f"{kind.__module__}.{kind.__qualname__}".encode()), get)
    return found


_DATES: dict[int, tuple[datetime, tuple]] = {}  # id(datetime) → (it, its encoding): an item's date in every view


def _encode(obj: Any) -> Any:
    """msgpack's hook for what it does not store itself: a datetime by its fields, ``fold`` and
    the repr of its zone, a date, a frozen record as its class name and every field (those left
    out of its ``==`` too); anything else is refused.  Each is an array opening with an
    extension value of its own, which no stored value can be."""
    kind = type(obj)
    if kind is datetime:
        known = _DATES.get(id(obj))
        if known is not None and known[0] is obj:
            return known[1]
        if len(_DATES) > 100_000:
            _DATES.clear()
        tz = obj.tzinfo
        encoded = _DATES[id(obj)] = (
            obj,
            (
                _DATETIME,
                obj.year,
                obj.month,
                obj.day,
                obj.hour,
                obj.minute,
                obj.second,
                obj.microsecond,
                obj.fold,
                None if tz is None else _zone(tz),
            ),
        )
        return encoded[1]
    if kind is date:
        return msgpack.ExtType(3, obj.isoformat().encode())
    found = _RECORDS.get(kind) or _fields_of(kind)
    return (found[0], *found[1](obj))


def view_digest(view: Any) -> bytes | None:
    """SHA-256 of the view's msgpack encoding (str, bytes, bool and int kept apart, dates with
    their zone, records field by field); None for a value it does not store (an item made in
    code with a Path or a mutable object in a field): that item is never taken from the memo."""
    try:
        data = msgpack.packb(view, default=_encode, use_bin_type=True, unicode_errors="surrogatepass")
    except (TypeError, ValueError, OverflowError):
        return None
    return hashlib.sha256(data).digest()


FORMAT = 3  # 2: each docs file's status; 3: each item's view digests
MEMO_FILE = "render-memo.msgpack"  # in <work>/cache/
HERE = Path(__file__).resolve().parent
# libraries whose behaviour a memoised output depends on (feedgen and lxml write the feeds;
# msgpack makes the keys)
PACKAGES = ("feedgen", "lxml", "msgpack")


def stamp(config: Any) -> bytes:
    """Everything besides the keys that a stored output depends on: the code (every module of
    :mod:`pipeline`), the configuration, Python's and the libraries' versions."""
    digest = hashlib.sha256(f"render-memo|{FORMAT}|{sys.version}".encode())
    for source in sorted(HERE.rglob("*.py")):
        digest.update(b"\0" + source.relative_to(HERE).as_posix().encode() + b"\0" + source.read_bytes())
    for package in PACKAGES:
        try:
            digest.update(f"\0{package}={metadata.version(package)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"\0{package}=-".encode())
    digest.update(b"\0" + repr(config).encode())
    return digest.digest()


_READ = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
_sha256 = hashlib.sha256
# A docs file whose status changed less than this before the docs tree began is read again next
# time whatever its status says: file times come from a clock that ticks every few milliseconds,
# so a change within the same tick as the read could leave them as they were (as
# mkdocs_pages.RACY_NS for the site's pages).
RACY_NS = 200_000_000


def _file_record(content: str | bytes) -> tuple[bytes, int, bool, tuple]:
    """(SHA-256, size, is text, no status) of a docs-tree file as :func:`pipeline.docs_tree.sync`
    writes it (a file not written yet has no status: the next build reads it)."""
    data = content.encode("utf-8") if type(content) is str else content
    return hashlib.sha256(data).digest(), len(data), type(content) is str, ()


def _is_digest(value: Any) -> bool:
    return type(value) is bytes and len(value) == 32


def _is_status(value: Any) -> bool:  # () or manifest.status_key's five ints, each one msgpack stores
    return (
        type(value) is tuple
        and len(value) in (0, 5)
        and all(type(v) is int and -(1 << 63) <= v < 1 << 64 for v in value)
    )


def _is_file(value: Any) -> bool:  # (docs path, sha256, size, is text, status when read or ())
    return (
        type(value) is tuple
        and len(value) == 5
        and type(value[0]) is str
        and _is_digest(value[1])
        and type(value[2]) is int
        and 0 <= value[2] < 1 << 40
        and type(value[3]) is bool
        and _is_status(value[4])
    )


def _is_key(value: Any) -> bool:
    return type(value) is tuple and all(_is_digest(v) for v in value)


class RenderMemo:
    """Outputs of the last docs tree, by what they were made from."""

    def __init__(self, on: bool = True) -> None:
        """``on=False``: every renderer runs, nothing is digested or kept."""
        self.on = on
        self._lock = threading.Lock()
        self._config: Any = None
        self._config_text: str | None = None
        self._items: dict[int, tuple[Any, dict[str, bytes]]] = {}  # id(item) → (item, view → digest)
        self._seen: dict[int, tuple[Any, dict[str, bytes]]] = {}
        self._pages: dict[bytes, tuple[str, Any]] = {}  # item digest → (docs path, page)
        self._used_pages: dict[bytes, tuple[str, Any]] = {}
        self._outputs: dict[str, tuple[Any, Output]] = {}  # renderer → (key, output)
        self.hits = 0
        self.misses = 0
        # stored between processes (RenderMemo.stored): None in memory only
        self._work: Path | None = None
        self._docs = ""
        self._reuse = True
        self._stamp: bytes | None = None
        self._stored_pages: dict[bytes, tuple] = {}  # item digest → (docs path, sha256, size, is text, status)
        self._stored_outputs: dict[str, tuple] = {}  # renderer → (key, files, nav as JSON, findings)
        # item digest → its STORED_VIEWS' digests (None: not taken) when the last docs tree used it
        self._stored_views: dict[bytes, tuple] = {}
        # docs path → (content, sha256, size, is text, status) known this docs tree
        self._records: dict[str, tuple] = {}
        self._keep_on_disk = False
        self._began = 0  # time.time_ns() when this docs tree began (before any docs file was read)
        self.load_seconds = 0.0
        self.stored_hits = 0
        # docs path → the content taken from <work>/docs this docs tree: that file holds exactly
        # its bytes (pipeline.docs_tree.sync need not read it again)
        self.on_disk: dict[str, str | bytes | Kept] = {}
        self._on_disk_sha: dict[str, bytes] = {}  # docs path → SHA-256 of what on_disk holds for it

    @classmethod
    def stored(cls, work: Path, reuse: bool = True, keep_on_disk: bool = False) -> RenderMemo:
        """A build's memo: read from ``<work>/cache/`` (unless ``reuse`` is False: every renderer
        runs), its pages checked against ``<work>/docs``, written back when the docs tree is made.

        ``keep_on_disk`` (the build, which only writes the tree with :func:`pipeline.docs_tree.sync`):
        a docs file whose status (inode, device, size, modification and status-change time) is
        exactly the one recorded when the last build read and checked that very file, and older
        than that build's docs tree by more than :data:`RACY_NS`, is not read again: its output
        holds a :class:`pipeline.docs_tree.Kept` for it, which ``sync`` leaves on disk.  Writing a
        file, or setting its times back, sets its status-change time to now; another file put in
        its place has another inode."""
        memo = cls()
        memo._work = Path(work)
        memo._docs = str(Path(work) / "docs") + os.sep  # + a docs path (stored paths are ours: the memo is sealed)
        memo._reuse = reuse
        memo._keep_on_disk = keep_on_disk
        return memo

    @property
    def path(self) -> Path | None:
        return None if self._work is None else self._work / "cache" / MEMO_FILE

    @contextmanager
    def session(self, config: Any) -> Iterator[RenderMemo]:
        """One docs tree for ``config``, one at a time (serve's threads share :data:`SHARED`);
        what it used is kept when it completes."""
        with self._lock:
            self.begin(config)
            yield self
            self.end()

    def begin(self, config: Any) -> None:
        """Start a docs tree for ``config``; entries made for another configuration are dropped."""
        if not self.on:
            return
        if config is not self._config:
            text = repr(config)
            if text != self._config_text:
                self._items, self._pages, self._outputs = {}, {}, {}
                if self._work is not None:
                    self._load(config)
            self._config, self._config_text = config, text
        self._seen, self._used_pages = {}, {}
        self.on_disk, self._on_disk_sha = {}, {}
        self._began = time.time_ns()

    def end(self) -> None:
        """Keep only what this docs tree used (items gone or changed drop out)."""
        self._items, self._seen = self._seen, {}
        self._pages, self._used_pages = self._used_pages, {}
        if self.on and self._work is not None:
            self._save()
        if self._keep_on_disk:  # a Kept stands for a file as it was in this docs tree only
            self._pages, self._outputs = {}, {}

    # -- stored between processes --
    def _load(self, config: Any) -> None:
        started = time.perf_counter()
        self._stored_pages, self._stored_outputs, self._records = {}, {}, {}
        self._stored_views = {}
        try:
            self._stamp = stamp(config)
        except Exception:  # noqa: BLE001 - what outputs depend on is unknown: keep nothing
            self._stamp = None
        if self._stamp is not None and self._reuse:
            try:
                self._stored_pages, self._stored_outputs, self._stored_views = self._read()
            except (OSError, ValueError):  # fail closed: an unreadable, damaged, foreign or forged memo is empty
                self._stored_pages, self._stored_outputs, self._stored_views = {}, {}, {}
        self.load_seconds = time.perf_counter() - started

    def _read(self) -> tuple[dict, dict, dict]:
        payload = audit_cache.unseal(audit_cache.work_key(self._work), self.path.read_bytes())
        if payload is None:
            raise ValueError("render memo not written with this work folder's key")
        data = cache_codec.loads(payload, (Finding,))
        if type(data) is not tuple or len(data) != 4 or data[0] != self._stamp:
            raise ValueError("render memo of other code or configuration")
        pages, outputs, views = data[1], data[2], data[3]
        if type(pages) is not tuple or type(outputs) is not dict or type(views) is not tuple:
            raise ValueError("render memo without entries")
        stored_views = {}
        width = len(STORED_VIEWS) + 1
        for entry in views:  # (item digest, then each of STORED_VIEWS' digest or None)
            if type(entry) is not tuple or len(entry) != width or not all(_is_digest(d) or d is None for d in entry):
                raise ValueError("bad view entry")
            if entry[0] is None:
                raise ValueError("bad view entry")
            stored_views[entry[0]] = entry[1:]
        stored_pages = {}
        for entry in pages:  # (item digest, docs path, sha256, size, is text, status)
            if type(entry) is not tuple or len(entry) != 6 or not _is_digest(entry[0]) or not _is_file(entry[1:]):
                raise ValueError("bad page entry")
            stored_pages[entry[0]] = entry[1:]
        stored_outputs = {}
        for name, value in outputs.items():  # renderer → (key, files, nav as JSON, findings)
            if (
                type(name) is not str
                or type(value) is not tuple
                or len(value) != 4
                or not _is_key(value[0])
                or type(value[1]) is not tuple
                or not all(_is_file(f) for f in value[1])
                or type(value[2]) is not str
                or type(value[3]) is not tuple
                or not all(type(f) is Finding for f in value[3])
            ):
                raise ValueError("bad output entry")
            stored_outputs[name] = value
        return stored_pages, stored_outputs, stored_views

    def _from_docs(self, entry: tuple) -> str | bytes | Kept | None:
        """The docs file the last build wrote for ``entry`` (docs path, sha256, size, is text,
        status) when it still is exactly that; else None (the renderer runs).  With
        ``keep_on_disk``, a :class:`Kept` for a file whose status is exactly the recorded one."""
        rel, sha, size, text, status = entry
        path = self._docs + rel
        if status and self._keep_on_disk:
            try:
                st = os.lstat(path)
            except OSError:
                return None
            if stat_mode.S_ISREG(st.st_mode) and status_key(st) == status:
                kept = Kept(rel)
                self._records[rel] = (kept, sha, size, text, status)
                self.on_disk[rel] = kept
                self._on_disk_sha[rel] = sha
                return kept
        try:  # one read of one byte more than it had: a symlink, a folder, another size, a short read → None
            fd = os.open(path, _READ)
        except OSError:
            return None
        try:
            data = os.read(fd, size + 1)
            st = os.fstat(fd)  # after the read: a change after it has a later status-change time
        except OSError:
            return None
        finally:
            os.close(fd)
        if len(data) != size or _sha256(data).digest() != sha:
            return None
        status = status_key(st)
        if not (stat_mode.S_ISREG(st.st_mode) and status[4] < self._began - RACY_NS and _is_status(status)):
            status = ()  # changed too recently to tell a later change by its status (or not storable): read next time
        if text:
            try:
                content: str | bytes = data.decode("utf-8")
            except UnicodeDecodeError:
                return None
        else:
            content = data
        self._records[rel] = (content, sha, size, text, status)
        self.on_disk[rel] = content
        self._on_disk_sha[rel] = sha
        return content

    def digests_on_disk(self, files: dict) -> dict[str, str]:
        """docs path → SHA-256 (hex) of each file of ``files`` this docs tree took from <work>/docs
        (:meth:`_from_docs` read and hashed it, or found it with the very status recorded when a
        build read and hashed it, and :func:`pipeline.docs_tree.sync` leaves it as it is): mkdocs
        need not stat or read it again to know what it was made from."""
        sha = self._on_disk_sha
        return {rel: sha[rel].hex() for rel, content in self.on_disk.items() if files.get(rel) is content}

    def _stored_page(self, key: bytes, path: str) -> str | bytes | Kept | None:
        entry = self._stored_pages.get(key)
        if entry is None or entry[0] != path:
            return None
        return self._from_docs(entry)

    def _stored_output(self, name: str, key: Any) -> Output | None:
        entry = self._stored_outputs.get(name)
        if entry is None or entry[0] != key:
            return None
        files = {}
        for file in entry[1]:
            content = self._from_docs(file)
            if content is None:
                return None
            files[file[0]] = content
        try:
            nav = json.loads(entry[2])
        except ValueError:
            return None
        if type(nav) is not list:
            return None
        return Output(files, tuple(nav), entry[3])

    def _record(self, rel: str, content: Any) -> tuple:
        known = self._records.get(rel)
        if known is not None and known[0] is content:
            return (rel, *known[1:])
        return (rel, *_file_record(content))

    def _save(self) -> None:
        """Write what this docs tree used (outputs whose key or nav cannot be stored are left
        out); a memo that cannot be written is left alone — the next build checks what it reads."""
        if self._stamp is None:
            return
        key = audit_cache.work_key(self._work)
        if key is None:
            return
        try:
            pages = tuple((digest, *self._record(path, page)) for digest, (path, page) in self._pages.items())
            outputs = {}
            for name, (out_key, out) in self._outputs.items():
                if not _is_key(out_key):
                    continue
                nav = list(out.nav)
                nav_text = json.dumps(nav, ensure_ascii=False)
                if json.loads(nav_text) != nav or not all(type(f) is Finding for f in out.findings):
                    continue
                files = tuple(self._record(rel, content) for rel, content in out.files.items())
                outputs[name] = (out_key, files, nav_text, tuple(out.findings))
            views = tuple(
                (whole, *(digests.get(view) for view in STORED_VIEWS))
                for _, digests in self._items.values()
                if (whole := digests.get("item")) is not None and any(digests.get(view) for view in STORED_VIEWS)
            )
            payload = cache_codec.dumps((self._stamp, pages, outputs, views), (Finding,))
        except (TypeError, ValueError, OverflowError):
            return
        path = self.path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            tmp.write_bytes(audit_cache.seal(key, payload))
            os.replace(tmp, path)
        except OSError:
            pass
        finally:
            self._records = {}

    def digest(self, item: Any, view: str) -> bytes | None:
        known = self._seen.get(id(item))
        if known is None:
            known = self._items.get(id(item))
            if known is None or known[0] is not item:
                known = (item, {})
            self._seen[id(item)] = known
        digests = known[1]
        if view not in digests:
            found = None
            if view != "item" and self._stored_views:
                # a build's memo: the view's digest the last docs tree took of this very item (the
                # whole record's digest) — the view is a function of the item (and of the
                # configuration and code, which the stamp covers)
                whole = self.digest(item, "item")
                stored = None if whole is None else self._stored_views.get(whole)
                if stored is not None:
                    found = stored[_VIEW_AT[view]]
            digests[view] = view_digest(VIEWS[view](item, self._config)) if found is None else found
        return digests[view]

    def value(self, value: Any) -> Any:
        """A key part for a value other than items: its digest (all fields of a record, even
        those its ``==`` ignores; 1, 1.0 and True apart), or a new object equal to no other key."""
        found = view_digest(value) if self.on else None
        return object() if found is None else found

    def digests(self, items, view: str) -> Any:
        """One digest of the views of ``items``, in order; when the memo is off or an item has
        no digest, a new object that equals no other key (the renderer runs)."""
        if not self.on:
            return object()
        parts = [self.digest(i, view) for i in items]
        if None in parts:
            return object()
        return hashlib.sha256(b"".join(parts)).digest()

    def item_pages(self, published, render: Callable[[tuple], Output]) -> Output:
        """The item pages: remembered ones per item, ``render`` over the others."""
        if not self.on:
            return render(tuple(published))
        files: dict = {}
        missing = []
        for item in published:
            key = self.digest(item, "item")
            known = None if key is None else self._pages.get(key) or self._used_pages.get(key)
            if known is None and key is not None and self._stored_pages:
                page = self._stored_page(key, item.docs_path)
                if page is not None:
                    known = (item.docs_path, page)
                    self.stored_hits += 1
            if known is None:
                missing.append((key, item))
                continue
            self._used_pages[key] = known
            files[known[0]] = known[1]
        self.hits += len(published) - len(missing)
        if missing:
            self.misses += len(missing)
            made = render(tuple(item for _, item in missing)).files
            for key, item in missing:
                if key is not None:
                    self._used_pages[key] = (item.docs_path, made[item.docs_path])
            kept = files
            files = {}  # in the renderer's order (published order), as without a memo
            for item in published:
                path = item.docs_path
                files[path] = kept[path] if path in kept else made[path]
        return Output(files)

    def output(self, name: str, key: Any, render: Callable[[], Output]) -> Output:
        """``render()``, or its output of the last docs tree when ``key`` equals that one's."""
        if not self.on:
            return render()
        known = self._outputs.get(name)
        if known is None or known[0] != key:
            stored = self._stored_output(name, key) if name in self._stored_outputs else None
            if stored is not None:
                self.stored_hits += 1
                known = self._outputs[name] = (key, stored)
        if known is not None and known[0] == key:
            self.hits += 1
            out = known[1]
        else:
            self.misses += 1
            out = render()
            self._outputs[name] = (key, out)
        # the nav sections are lists and dicts: each docs tree gets its own
        return Output(out.files, copy.deepcopy(out.nav), out.findings)


def feed_items(published) -> tuple:
    """The items any feed can show: the first :data:`FEED_LENGTH` of the portal, of each
    sub-site and of each column (``published`` is newest first), in published order."""
    by_site: dict = {}
    by_column: dict = {}
    shown = []
    for n, item in enumerate(published):
        s = by_site[item.site] = by_site.get(item.site, 0) + 1
        c = by_column[item.column] = by_column.get(item.column, 0) + 1
        if n < FEED_LENGTH or s <= FEED_LENGTH or c <= FEED_LENGTH:
            shown.append(item)
    return tuple(shown)


SHARED = RenderMemo()  # portal serve's: kept between saves in its process
