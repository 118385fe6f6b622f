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
save digests one item.

The memo lives in memory: ``portal serve``'s fast path (:mod:`pipeline.preview`) keeps
:data:`SHARED` between saves; a build passes one that is off (the renderers simply run: a build
has no earlier docs tree in memory, and it drops the docs tree's text before mkdocs runs).
Only the last docs tree's entries are kept.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import threading
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, Callable, Iterator

import msgpack

from pipeline import scoring
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


_FIELDS: dict[type, tuple[str, ...]] = {}


def _encode(obj: Any) -> Any:
    """msgpack's hook for what it does not store itself: a datetime by its repr (the zone
    included), a date, a frozen record as its class name and every field (those left out of
    its ``==`` too); anything else is refused."""
    kind = type(obj)
    if kind is datetime:
        return msgpack.ExtType(1, repr(obj).encode())
    if kind is date:
        return msgpack.ExtType(3, obj.isoformat().encode())
    names = _FIELDS.get(kind)
    if names is None:
        if not (dataclasses.is_dataclass(kind) and kind.__dataclass_params__.frozen):
            raise TypeError(f"no digest for {kind.__name__}")
        names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(kind))
    return [msgpack.ExtType(2, f"{kind.__module__}.{kind.__qualname__}".encode()), *(getattr(obj, n) for n in names)]


def view_digest(view: Any) -> bytes | None:
    """SHA-256 of the view's msgpack encoding (str, bytes, bool and int kept apart, dates with
    their zone, records field by field); None for a value it does not store (an item made in
    code with a Path or a mutable object in a field): that item is never taken from the memo."""
    try:
        data = msgpack.packb(view, default=_encode, use_bin_type=True, unicode_errors="surrogatepass")
    except (TypeError, ValueError, OverflowError):
        return None
    return hashlib.sha256(data).digest()


class RenderMemo:
    """Outputs of the last docs tree, by what they were made from."""

    def __init__(self, on: bool = True) -> None:
        """``on=False``: every renderer runs, nothing is digested or kept (a build's docs tree)."""
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
            self._config, self._config_text = config, text
        self._seen, self._used_pages = {}, {}

    def end(self) -> None:
        """Keep only what this docs tree used (items gone or changed drop out)."""
        self._items, self._seen = self._seen, {}
        self._pages, self._used_pages = self._used_pages, {}

    def digest(self, item: Any, view: str) -> bytes | None:
        known = self._seen.get(id(item))
        if known is None:
            known = self._items.get(id(item))
            if known is None or known[0] is not item:
                known = (item, {})
            self._seen[id(item)] = known
        digests = known[1]
        if view not in digests:
            digests[view] = view_digest(VIEWS[view](item, self._config))
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
