"""The fast path of ``portal serve`` (issue 15 §4): one saved item → its pages in about a second.

``portal serve`` keeps, between saves, what the last complete preview build was made from
(:class:`PreviewState`): the gated :class:`~pipeline.publication.Publication`, the docs tree
the renderers made from it, and mkdocs' loaded config, files, nav and theme environment
(:class:`LivePages`).  When only item files were saved, :func:`quick_edit`

1. loads and gates only those files, with the same stage functions as
   :func:`pipeline.publication.run` (``load_item``, ``check_dates``, ``unique_urls``, the
   confidentiality gate, provenance, the upstream repost check for that item, the
   copied-withheld-text check, the adoption-level check) — a bad edit (broken YAML, a date of
   9999, a gate error) is reported at once and the preview stays as it was;
2. puts the new item into the last publication (or takes a deleted or withheld item out), runs
   every renderer over it (:func:`pipeline.build.docs_tree_files`) and compares the result with
   the last docs tree: only docs files whose text changed are written;
3. renders only those pages with mkdocs' own ``_populate_page`` / ``_build_page`` on the kept
   objects — the same functions and objects a full build uses, so the page is the one a clean
   build gives (tested) — and puts each into the preview with an atomic rename; a removed page
   is deleted and the pages that linked to it are rendered again; the page record (kept in
   :class:`PreviewState`, written by :func:`save_record`) is updated, so the next incremental
   build knows what the preview holds.  With an ``overlay`` folder (a complete build holds the
   build lock) the pages go there and nothing is written to the preview or ``<work>``: the writes
   wait in :class:`Deferred` until :func:`flush`.

Anything it cannot decide from the saved files alone goes the long way (a full incremental
build): a new item (its 索引号), a changed link or attachment route (attachments follow their
items), a changed URL, newest date, nav page title, theme, ``mkdocs.yml`` or ``site_config/``,
a file outside ``content/items/``.  What the fast path leaves to later — in-portal duplicate
counting (statistics), the upstream database's in-portal pairs, Pagefind and the output audit —
is done by the complete build ``portal serve`` runs once the editor has stopped saving for a
few seconds, and the page says so.  This module does not print.

Why about 600 lines: the fast path's decision (what a save can change, and when to fall back to a complete
build) and its execution (into the preview or the overlay) share the kept state of the last build; split,
that state would cross modules.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from pipeline import attachments, audit_cache, confidentiality, dedup_stage, load, mkdocs_pages
from pipeline import publication, scoring, upstream
from pipeline import template_cache, withheld_text
from pipeline.config import Config
from pipeline.findings import ERROR, Finding, sort_key
from pipeline.mkdocs_build import _source_date
from pipeline.mkdocs_pages import PageEntry, PageRecord, file_hash
from pipeline.publish import write_atomic
from pipeline.rendered import MarkdownSettings

FAST, BAD, FULL = "fast", "bad", "full"


class Slow(Exception):
    """The fast path cannot decide this save alone; ``str()`` says why (a full build follows)."""


@dataclass
class PreviewState:
    """What the preview on disk was made from (kept in the ``portal serve`` process)."""

    pub: publication.Publication
    files: dict  # docs-tree path → text or bytes, as docs_tree_files made them
    nav: list
    engine_file: Path
    docs_dir: Path
    site_dir: Path  # the live preview folder
    work: Path
    pages: "LivePages"
    epoch: int | None
    record: PageRecord | None = None  # the page record of the preview on disk, kept here between saves
    record_dirty: bool = False  # changed since written to <work>/pages.msgpack (serve writes it off the save's path)
    deferred: "Deferred" = field(default_factory=lambda: Deferred())  # in the overlay, not yet in the preview


@dataclass
class Deferred:
    """What the fast path wrote into the overlay folder instead of the preview and ``<work>`` (a complete
    build held the build lock): the docs files, the pages rendered (in the overlay) and removed, and the
    page record's entries.  :func:`flush` puts them in place; after a complete build that replaced the
    preview they are dropped and the saves applied again to the new state."""

    docs: dict = field(default_factory=dict)  # docs path → bytes (None: removed)
    entries: dict = field(default_factory=dict)  # src_uri → PageEntry (None: removed)
    files: set = field(default_factory=set)  # output paths whose new version is in the overlay
    gone: set = field(default_factory=set)  # output paths removed

    def __bool__(self) -> bool:
        return bool(self.docs or self.entries or self.files or self.gone)


@dataclass(frozen=True)
class QuickResult:
    kind: str  # FAST: the preview was updated; BAD: the saved files have errors (preview kept); FULL: build
    findings: tuple[Finding, ...] = ()  # the gate's findings for the saved files
    changed: tuple[str, ...] = ()  # output paths rendered anew or removed
    reason: str = ""  # FULL: why
    warnings: tuple[str, ...] = ()  # mkdocs' warnings for the pages rendered
    seconds: dict = field(default_factory=dict)
    intact: bool = True  # False: the state was half changed (FULL after rendering began); make a new one


_MKDOCS = threading.RLock()  # mkdocs' state is the process's (SOURCE_DATE_EPOCH, the "mkdocs" logger)
_DOCS_TREE = threading.Lock()  # one docs tree at a time (the renderers' memo, if any, is the process's)


def _one_at_a_time(method):
    """One :class:`LivePages` at work at a time in this process (``portal serve`` makes the next
    state in a thread while the fast path renders with the last one)."""

    def locked(*args, **kwargs):
        with _MKDOCS:
            return method(*args, **kwargs)

    locked.__name__, locked.__doc__ = method.__name__, method.__doc__
    return locked


class LivePages:
    """mkdocs' config, files, nav and theme environment of one docs tree, set up once as
    :func:`pipeline.mkdocs_pages.build` sets them up (the nav pages read, because their titles
    are in every page's menu), then used to render single pages again."""

    @_one_at_a_time
    def __init__(self, engine_file: Path, scratch: Path, epoch: int | None) -> None:
        from mkdocs.commands import build as mb
        from mkdocs.config import load_config
        from mkdocs.structure.files import InclusionLevel, get_files, set_exclusions
        from mkdocs.structure.nav import get_navigation
        from mkdocs.structure.pages import Page

        self.mb = mb
        self.epoch = epoch
        self.scratch = scratch
        self.collect = mkdocs_pages.Collect()
        logger = logging.getLogger("mkdocs")
        logger.addHandler(self.collect)
        try:
            with _source_date(epoch):
                cfg = load_config(config_file=str(engine_file), site_dir=str(scratch))
                cfg.plugins.on_startup(command="build", dirty=False)
                config = cfg.plugins.on_config(cfg)
                config.plugins.on_pre_build(config=config)
                files = get_files(config)
                env = config.theme.get_env()
                template_cache.attach(env, Path(engine_file).parent)  # the generated config lives in <work>
                files.add_files_from_theme(env, config)
                files = config.plugins.on_files(files, config=config)
                set_exclusions(files, config)
                nav = get_navigation(files, config)
                nav = config.plugins.on_nav(nav, config=config, files=files)
                self.inclusion = InclusionLevel.is_included
                doc_files = files.documentation_pages(inclusion=self.inclusion)
                for file in doc_files:
                    if file.page is None and file.inclusion.is_not_in_nav():
                        Page(None, file, config)
                included = {id(f) for f in doc_files}
                self.in_nav = {p.file.src_uri for p in nav.pages if id(p.file) in included}
                for page in nav.pages:
                    if page.file.src_uri in self.in_nav:
                        mkdocs_pages._populate(page, config, files, self.collect, mb)
                self.env = config.plugins.on_env(env, config=config, files=files)
        finally:
            logger.removeHandler(self.collect)
        self.config, self.files, self.nav = config, files, nav
        self.doc_files = doc_files
        self.titles = self._titles()

    def _titles(self) -> list:
        return [[p.file.src_uri, p.title] for p in self.nav.pages]

    def has(self, src_uri: str) -> bool:
        return self.files.get_file_from_path(src_uri) is not None

    def dest(self, src_uri: str) -> str | None:
        found = self.files.get_file_from_path(src_uri)
        return found.dest_uri if found is not None else None

    @_one_at_a_time
    def render(self, src_uris, site_dir: Path, texts: dict) -> dict[str, tuple[str, dict, list[str]]]:
        """Render these docs pages again into ``site_dir`` (each file replaced atomically), each from
        its text in ``texts`` (the docs tree in memory: the docs folder may be a complete build's);
        src_uri → (output path, link lookups, warnings).  Raises :class:`Slow` when a nav page's
        title changed (every page's menu would change)."""
        logger = logging.getLogger("mkdocs")
        logger.addHandler(self.collect)
        out: dict = {}
        try:
            with _source_date(self.epoch):
                for src in src_uris:
                    file = self.files.get_file_from_path(src)
                    page = file.page
                    file._content = texts[src]  # read_source takes it (File.content_string) instead of the disk
                    try:
                        links, warnings = mkdocs_pages._populate(page, self.config, self.files, self.collect, self.mb)
                    finally:
                        file._content = None
                    start = len(self.collect.messages)
                    self.mb._build_page(
                        page,
                        self.config,
                        self.doc_files,
                        self.nav,
                        self.env,
                        False,
                        excluded=file.inclusion.is_excluded(),
                    )
                    warnings = warnings + self.collect.messages[start:]
                    if src not in self.in_nav:
                        page.content = None  # only nav pages stay read (as in a full build)
                    out[src] = (file.dest_uri, links, warnings)
                if self._titles() != self.titles:
                    raise Slow("导航页面的标题变了")
                for dest, _links, _warnings in out.values():
                    _move_in(self.scratch, site_dir, dest)
        finally:
            logger.removeHandler(self.collect)
        return out

    @_one_at_a_time
    def remove(self, src_uri: str) -> str | None:
        """Forget a docs page that is gone; its output path."""
        file = self.files.get_file_from_path(src_uri)
        if file is None:
            return None
        if src_uri in self.in_nav:
            raise Slow("导航中的页面被删除")
        self.files.remove(file)
        self.doc_files = self.files.documentation_pages(inclusion=self.inclusion)
        return file.dest_uri

    @_one_at_a_time
    def sitemap(self, site_dir: Path) -> list[str]:
        """The theme's sitemap again (the set of pages changed)."""
        with _source_date(self.epoch):
            for template in self.config.theme.static_templates:
                if template.startswith("sitemap"):
                    self.mb._build_theme_template(template, self.env, self.files, self.config, self.nav)
        moved = []
        for name in ("sitemap.xml", "sitemap.xml.gz"):
            if (self.scratch / name).is_file():
                _move_in(self.scratch, site_dir, name)
                moved.append(name)
        return moved


def _move_in(scratch: Path, site_dir: Path, dest: str) -> None:
    target = site_dir / dest
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(scratch / dest, target)


def _bytes(content) -> bytes:
    return content.encode("utf-8") if isinstance(content, str) else content


def make_state(
    pub: publication.Publication, config: Config, content: Path, work: Path, site_dir: Path, engine_file: Path
) -> PreviewState:
    """The state of the preview a complete build just put in place (``engine_file``: its
    generated mkdocs.yml)."""
    from pipeline import build as build_mod

    with _DOCS_TREE:
        files, nav, _findings = build_mod.docs_tree_files(pub, config, content, work / "traffic.sqlite")
    epoch = int(pub.as_of.timestamp()) if pub.as_of else None
    for old in work.glob("preview-pages*"):  # scratch folders of earlier states (pages are moved out at once)
        if old.is_dir() and not any(old.iterdir()):
            shutil.rmtree(old, ignore_errors=True)
    scratch = Path(tempfile.mkdtemp(prefix="preview-pages-", dir=work))
    pages = LivePages(engine_file, scratch, epoch)
    record = PageRecord.load(work / RECORD, audit_cache.work_key(work))
    if record is not None and record.site != _manifest_digest(site_dir):
        record = None  # not the record of this preview: the fast path answers FULL
    return PreviewState(pub, files, nav, engine_file, work / "docs", site_dir, work, pages, epoch, record)


RECORD = mkdocs_pages.RECORD_FILE


def _manifest_digest(site: Path) -> str:
    from pipeline import manifest

    try:
        return hashlib.sha256((site / manifest.NAME).read_bytes()).hexdigest()
    except OSError:
        return ""


def save_record(state: PreviewState) -> None:
    """Write the kept page record to ``<work>/pages.msgpack`` (the caller holds the build lock)."""
    if state.record is not None and state.record_dirty:
        state.record.save(state.work / RECORD, audit_cache.work_key(state.work))
        state.record_dirty = False


def _update_record(state, entries: dict) -> None:
    """The page record kept in memory with ``entries`` (src → entry; None: the page is gone)."""
    pages = dict(state.record.pages)
    for src, entry in entries.items():
        if entry is None:
            pages.pop(src, None)
        else:
            pages[src] = entry
    state.record = replace(state.record, pages=pages)
    state.record_dirty = True


def flush(state: PreviewState, overlay: Path) -> list[str]:
    """Put what the fast path wrote into the overlay in place (the caller holds the build lock);
    the output paths changed."""
    d = state.deferred
    for rel, data in d.docs.items():
        if data is None:
            (state.docs_dir / rel).unlink(missing_ok=True)
        else:
            write_atomic(state.docs_dir / rel, data)
    for dest in sorted(d.gone):
        (state.site_dir / dest).unlink(missing_ok=True)
    for dest in sorted(d.files):
        _move_in(overlay, state.site_dir, dest)
    if state.record is not None:
        _update_record(state, d.entries)
    changed = sorted(d.gone | d.files)
    state.deferred = Deferred()
    return changed


def _load_saved(content: Path, rel: str, config: Config):
    """The saved file as an Item, a Finding (it does not load), or None when it is gone."""
    path = content / rel
    if not path.exists():
        return None
    if path.is_symlink() or not path.is_file():
        raise Slow(f"{rel} 不是普通文件")
    try:
        data = load.read_bounded(path, load.read_limit(config))
    except load.TooLarge:
        raise Slow(f"{rel} 超过大小上限") from None
    except OSError as exc:
        raise Slow(f"{rel} 无法读取：{exc}") from None
    return load.parse(load.Source(path, rel, data), config)


def gate_saved(
    state: PreviewState,
    saved: set[str],
    content: Path,
    config: Config,
    markdown: MarkdownSettings,
    reference: date | None,
    upstream_db: Path,
) -> tuple[publication.Publication, tuple[Finding, ...]]:
    """The last publication with the saved item files loaded and gated again; and their findings.
    Raises :class:`Slow` when that cannot be decided from the saved files alone."""
    pub = state.pub
    by_path = {i.path: i for i in pub.published}
    for rel in saved:
        if not (rel.startswith("items/") and rel.endswith(".md")):
            raise Slow(f"{rel} 不是条目文件")
        if rel not in by_path:
            raise Slow(f"{rel} 是新条目或上次未发布")  # its 索引号, its attachments, its URL: the long way
    findings: list[Finding] = []
    new_items = {}
    for rel in sorted(saved):
        loaded = _load_saved(content, rel, config)
        if loaded is None:
            new_items[rel] = None  # deleted
        elif isinstance(loaded, Finding):
            findings.append(loaded)
        else:
            new_items[rel] = loaded
    items = [i for i in new_items.values() if i is not None]
    dated, date_findings = load.check_dates(items, config, reference)
    findings.extend(date_findings)
    others = [i for i in pub.published if i.path not in saved] + [
        w.item for w in pub.withheld if w.item.path not in saved
    ]
    unique, url_findings = load.unique_urls(others + list(dated))
    findings.extend(f for f in url_findings if f.path in saved)
    kept = {i.path for i in unique}
    dated = [i for i in dated if i.path in kept]
    gated = confidentiality.gate(dated, config, reference, markdown=markdown)
    findings.extend(gated.findings)
    if any(f.severity == ERROR and f.rule not in confidentiality.DECLARED_RULES for f in findings):
        return pub, tuple(sorted(findings, key=sort_key))  # a bad edit: nothing else is decided
    published = list(gated.published)
    withheld = list(gated.withheld)
    for item in published:
        old = by_path[item.path]
        if item.url != old.url:
            raise Slow("网址变了")
        urls = attachments.owner_urls(attachments.item_owner(item), markdown)
        if urls != attachments.owner_urls(attachments.item_owner(old), markdown):
            raise Slow("链接或附件变了")  # attachments belong to their items: decided over all of them
    if withheld or any(v is None for v in new_items.values()):
        for rel in [w.item.path for w in withheld] + [k for k, v in new_items.items() if v is None]:
            if attachments.owner_urls(attachments.item_owner(by_path[rel]), markdown):
                raise Slow("撤下的条目有链接或附件")
    if published:
        # the same provenance as the build: with signatures required, the approval must cover the
        # files the item refers to (attachments, images) as they are now, or it is review-outdated
        companions = (
            publication.referenced_files(content, config, tuple(published), markdown, state.work / "cache")
            if config.review.require_signature
            else None
        )
        try:
            history, _notes = publication.read_history(content, config, [i.path for i in published], companions)
        except publication.HistoryUnavailable as exc:
            raise Slow(str(exc)) from None
        if history.available:
            checked = publication.check_provenance(published, history, config)
            findings.extend(checked.findings)
            blocked = checked.blocked()
            withheld += [
                confidentiality.Withheld(i, tuple(f for f in checked.findings if f.path == i.path))
                for i in published
                if i.path in blocked
            ]
            published = [i for i in published if i.path not in blocked]
    if published:  # 不转载上级已发布的信息: this item against the upstream database (read only)
        corpus, db_findings = upstream.open_corpus(upstream_db, config, True)
        try:
            if any(f.severity == ERROR for f in db_findings):
                raise Slow("上级信息数据库无法使用")
            kept, reposts, up_findings = dedup_stage.withhold_reposts(tuple(published), config, corpus)
        finally:
            if corpus is not None:
                corpus.store.close()
        findings.extend(up_findings)
        withheld += list(reposts)
        published = list(kept)
    copied_findings = _copies(pub, saved, published, withheld, new_items, by_path)
    findings.extend(copied_findings)
    published = [replace(i, index_number=by_path[i.path].index_number) for i in published]  # 索引号 by path
    findings.extend(scoring.check_adoption(published, config.scoring))
    if any(f.severity == ERROR and f.rule not in confidentiality.DECLARED_RULES for f in findings):
        return pub, tuple(sorted(findings, key=sort_key))
    new_published = publication.newest_first([i for i in pub.published if i.path not in saved] + published)
    as_of = new_published[0].date if new_published else None
    if as_of != pub.as_of:
        raise Slow("最新发布日期变了")
    gone = {w.item.path for w in withheld} | {k for k, v in new_items.items() if v is None}
    new_pub = replace(
        pub,
        published=new_published,
        withheld=tuple(w for w in pub.withheld if w.item.path not in saved) + tuple(withheld),
        findings=tuple(
            sorted(
                [f for f in pub.findings if f.path not in saved] + [f for f in findings if f.path in saved],
                key=sort_key,
            )
        ),
        duplicate_of=tuple((a, b) for a, b in pub.duplicate_of if a not in gone and b not in gone),
    )
    return new_pub, tuple(sorted(findings, key=sort_key))


def _withheld_words(records) -> tuple[dict, dict]:
    """The runs of words and the titles of the sensitive withheld items, as
    :func:`pipeline.withheld_text.check` collects them."""
    windows: dict[str, str] = {}
    titles: dict[str, str] = {}
    for record in records:
        if not any(f.rule in withheld_text.SENSITIVE_RULES for f in record.findings):
            continue
        title = withheld_text.title_key(record.item.title)
        if len(title) >= withheld_text.MIN_TITLE:
            titles.setdefault(title, record.item.path)
        for k in withheld_text._texts(record.item):
            for i in range(len(k) - withheld_text.RUN + 1):
                windows.setdefault(k[i : i + withheld_text.RUN], record.item.path)
    return windows, titles


def _shared(item, windows: dict) -> tuple[bool, frozenset]:
    """Whether :func:`pipeline.withheld_text.check` takes ``item`` as a candidate, and every run it
    shares with a sensitive withheld item."""
    run, stride = withheld_text.RUN, withheld_text.STRIDE
    keys = withheld_text._texts(item)
    candidate = any(k[i : i + run] in windows for k in keys for i in range(0, max(0, len(k) - run + 1), stride))
    return candidate, frozenset(
        k[i : i + run] for k in keys for i in range(len(k) - run + 1) if k[i : i + run] in windows
    )


def _copies(pub, saved, published, withheld, new_items, by_path) -> list[Finding]:
    """涉密信息不公开, also when copied (:mod:`pipeline.withheld_text`), decided for the saved items only.

    Whether a shared run is a copy depends on how many items share it, over all of them; so the
    fast path takes an edit only when it leaves every shared run as it was (then every other item's
    verdict, and the saved item's — published last time — stay as they were), and reports a title
    copied from a sensitive withheld item (decisive on its own).  Anything else: :class:`Slow`."""
    records = [w for w in pub.withheld if w.item.path not in saved]
    windows, titles = _withheld_words(records)
    out: list[Finding] = []
    for item in published:
        if withheld_text.title_key(item.title) in titles:
            _blocked, found = withheld_text.check([item], records)
            out.extend(found)
        elif _shared(item, windows) != _shared(by_path[item.path], windows):
            raise Slow("与不公开条目相同的文字变了")
    for record in withheld:
        if any(f.rule in withheld_text.SENSITIVE_RULES for f in record.findings):
            raise Slow("新撤下的条目涉密或不公开：其他条目是否重复了它的文字要全站判断")
    for rel in [w.item.path for w in withheld] + [k for k, v in new_items.items() if v is None]:
        if _shared(by_path[rel], windows)[1]:
            raise Slow("撤下的条目与不公开条目有相同的文字")
    return out


def quick_edit(
    state: PreviewState,
    saved: set[str],
    content: Path,
    config: Config,
    markdown: MarkdownSettings,
    reference: date | None,
    upstream_db: Path,
    overlay: Path | None = None,
) -> QuickResult:
    """Bring the preview up to date with the saved item files, or say why a full build is needed.
    With ``overlay`` (a complete build holds the build lock), nothing is written to the preview or
    ``<work>``: the pages go into ``overlay`` (served in front of the preview) and the rest is kept in
    ``state.deferred`` (:func:`flush`)."""
    import time

    started = time.perf_counter()
    seconds: dict = {}
    try:
        new_pub, findings = gate_saved(state, saved, content, config, markdown, reference, upstream_db)
    except Slow as why:
        return QuickResult(FULL, reason=str(why))
    seconds["gate"] = time.perf_counter() - started
    if new_pub is state.pub:
        return QuickResult(BAD, findings, seconds=seconds)
    from pipeline import build as build_mod

    t = time.perf_counter()
    with _DOCS_TREE:
        files, nav, _report = build_mod.docs_tree_files(new_pub, config, content, state.work / "traffic.sqlite")
    seconds["docs_tree"] = time.perf_counter() - t
    if nav != state.nav:
        return QuickResult(FULL, findings, reason="导航变了")
    added = set(files) - set(state.files)
    if added:
        return QuickResult(FULL, findings, reason="新增了页面或文件")
    removed = set(state.files) - set(files)
    changed = [k for k, v in files.items() if state.files[k] != v]
    t = time.perf_counter()
    if state.record is None:
        return QuickResult(FULL, findings, reason="没有上次的页面记录")
    pages = state.pages
    deferred = state.deferred if overlay is not None else None
    site = overlay if overlay is not None else state.site_dir
    for rel in changed:  # the docs tree (the next complete build reads the pages from it)
        if deferred is not None:
            deferred.docs[rel] = _bytes(files[rel])
        else:
            write_atomic(state.docs_dir / rel, _bytes(files[rel]))
    for rel in removed:
        if deferred is not None:
            deferred.docs[rel] = None
        else:
            (state.docs_dir / rel).unlink(missing_ok=True)
    out_changed: list[str] = []
    entries = dict(state.record.pages)
    if deferred is not None:
        entries.update(deferred.entries)
        entries = {k: v for k, v in entries.items() if v is not None}
    updates: dict = {}

    def gone(dest: str) -> None:
        (site / dest).unlink(missing_ok=True)
        out_changed.append(dest)
        if deferred is not None:
            deferred.files.discard(dest)
            deferred.gone.add(dest)

    def wrote(dest: str) -> None:
        out_changed.append(dest)
        if deferred is not None:
            deferred.gone.discard(dest)
            deferred.files.add(dest)

    try:
        for rel in removed:
            dest = pages.remove(rel) if rel.endswith(".md") else rel
            entries.pop(rel, None)
            updates[rel] = None
            if dest:
                gone(dest)
        md = {rel for rel in changed if rel.endswith(".md") and pages.has(rel)}
        # pages that looked up a removed page's path render again (their links resolve differently)
        if removed:
            md |= {src for src, e in entries.items() if removed & set(e.links) and pages.has(src)}
        for rel in changed:
            if rel not in md and not rel.endswith(".md"):
                write_atomic(site / rel, _bytes(files[rel]))
                wrote(rel)
        rendered = pages.render(sorted(md), site, files)
        if removed:
            for name in pages.sitemap(site):
                wrote(name)
    except Slow as why:  # the kept mkdocs objects may be half changed: this state is not used again
        return QuickResult(FULL, findings, reason=str(why), intact=False)
    warnings: list[str] = []
    for src, (dest, links, page_warnings) in rendered.items():
        source = hashlib.sha256(_bytes(files[src])).hexdigest()
        updates[src] = PageEntry(source, dest, links, tuple(page_warnings), file_hash(str(site / dest)))
        wrote(dest)
        warnings.extend(page_warnings)
    if deferred is not None:
        deferred.entries.update(updates)
    else:  # kept in memory; written to <work>/pages.msgpack off the save's path (save_record)
        _update_record(state, updates)
    seconds["mkdocs"] = time.perf_counter() - t
    state.pub, state.files = new_pub, files
    return QuickResult(FAST, findings, tuple(sorted(set(out_changed))), warnings=tuple(warnings), seconds=seconds)
