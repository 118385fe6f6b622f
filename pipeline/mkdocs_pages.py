"""mkdocs' own build, page by page: rendered on every core, and only the pages whose inputs changed.

:func:`build` does what ``mkdocs.commands.build.build`` does — the same plugin events, the
same ``get_files`` / ``get_navigation``, the same ``_populate_page`` and ``_build_page`` for
every page, the same static files and theme templates — with two differences:

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
  rendered again).

Why about 430 lines: mkdocs' page build, the page record it is checked against and the forked workers share
mkdocs' in-memory objects; split, each part would have to re-create them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import signal
import traceback
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path
from typing import Callable

from pipeline.publish import write_atomic

RECORD_VERSION = 2  # 2: each page's output digest; the record carries an HMAC
_PACKAGES = ("mkdocs", "mkdocs-material", "markdown", "pymdown-extensions", "jinja2", "pygments")


@dataclass(frozen=True)
class PageEntry:
    source: str  # sha256 of the docs file
    dest: str  # output path under the site folder
    links: dict  # link target (docs path) → the URL it resolved to, or None
    warnings: tuple[str, ...] = ()
    output: str = ""  # sha256 of the page as written: the live file must still be that to be taken over


@dataclass(frozen=True)
class PageRecord:
    """What every page of one complete site was made from (``<work>/pages.json``)."""

    stamp: str
    pages: dict  # src_uri → PageEntry
    site: str = ""  # sha256 of that site's portal-manifest.json: the record is valid for that site only
    extra: dict = field(default_factory=dict)  # other stages' records (search shards)

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": RECORD_VERSION,
                "stamp": self.stamp,
                "site": self.site,
                "extra": self.extra,
                "pages": {
                    k: [e.source, e.dest, e.links, list(e.warnings), e.output] for k, e in sorted(self.pages.items())
                },
            },
            ensure_ascii=False,
            sort_keys=True,
        )

    @classmethod
    def load(cls, path: Path, key: bytes | None) -> "PageRecord | None":
        """The record, or None when missing, unreadable, of another version or not written with
        ``key`` (the work folder's key, :func:`pipeline.audit_cache.work_key`; None: no record is
        trusted) → every page is rendered."""
        if key is None:
            return None
        try:
            raw = Path(path).read_bytes()
            mac, _, payload = raw.partition(b"\n")
            if not hmac.compare_digest(bytes.fromhex(mac.decode("ascii")), hmac.new(key, payload, "sha256").digest()):
                return None
            data = json.loads(payload.decode("utf-8"))
            if data.get("version") != RECORD_VERSION:
                return None
            pages = {
                k: PageEntry(str(v[0]), str(v[1]), dict(v[2]), tuple(v[3]), str(v[4])) for k, v in data["pages"].items()
            }
            return cls(str(data["stamp"]), pages, str(data.get("site", "")), dict(data.get("extra") or {}))
        except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError, UnicodeDecodeError):
            return None

    def save(self, path: Path, key: bytes | None) -> None:
        """Written with an HMAC of ``key`` (None: the record is removed, so nothing is reused)."""
        if key is None:
            Path(path).unlink(missing_ok=True)
            return
        payload = self.to_json().encode("utf-8")
        write_atomic(path, hmac.new(key, payload, "sha256").hexdigest() + "\n" + payload.decode("utf-8"))


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
    h = hashlib.sha256()
    h.update(Path(engine_file).read_bytes())
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
    h.update(json.dumps(nav_titles, ensure_ascii=False).encode())
    return h.hexdigest()


def _link_state(files, links: dict) -> bool:
    """Do the recorded link targets still resolve to the same URLs?"""
    for target, url in links.items():
        found = files.get_file_from_path(target)
        if (found.url if found is not None else None) != url:
            return False
    return True


def _place(previous: str, staging: str, dest: str, output: str) -> tuple[str, int] | None:
    """Hard-link (or copy) ``dest`` of the previous site into the staging folder when the live
    file is still the page that was written (its SHA-256 is ``output``); its (sha256, size), or
    None — then the page is rendered again (a page changed in place on the web server, whatever
    its modification time says, is never carried over)."""
    source = os.path.join(previous, dest)
    target = os.path.join(staging, dest)
    if not output or not os.path.isfile(source) or os.path.islink(source):
        return None
    try:
        with open(source, "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    if hashlib.sha256(data).hexdigest() != output:
        return None
    os.makedirs(os.path.dirname(target), exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        with open(target, "wb") as handle:
            handle.write(data)
    return output, len(data)


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
) -> RenderOutcome:
    """Render the site of the loaded mkdocs config ``cfg`` into ``cfg.site_dir`` (cleaned first).

    ``jobs`` processes render the pages (1: this process).  With ``previous`` (the record of
    the complete site in ``previous_site``) pages whose inputs are unchanged are taken from
    that site.  Raises mkdocs' exceptions as ``mkdocs build`` does, or :class:`RenderError`.
    """
    from mkdocs import utils
    from mkdocs.commands import build as mb
    from mkdocs.structure.files import InclusionLevel, get_files, set_exclusions
    from mkdocs.structure.nav import get_navigation
    from mkdocs.structure.pages import Page

    logger = logging.getLogger("mkdocs")
    collect = Collect()
    logger.addHandler(collect)
    inclusion = InclusionLevel.is_included
    try:
        config = cfg.plugins.on_config(cfg)
        config.plugins.on_pre_build(config=config)
        utils.clean_directory(config.site_dir)
        files = get_files(config)
        env = config.theme.get_env()
        files.add_files_from_theme(env, config)
        files = config.plugins.on_files(files, config=config)
        set_exclusions(files, config)
        nav = get_navigation(files, config)
        nav = config.plugins.on_nav(nav, config=config, files=files)

        doc_files = files.documentation_pages(inclusion=inclusion)
        included = {id(f) for f in doc_files}
        in_nav = [p.file for p in nav.pages if id(p.file) in included]
        for file in doc_files:
            if file.page is None and file.inclusion.is_not_in_nav():
                Page(None, file, config)
        # The nav pages are read here: their titles are in every page's menu.
        nav_links: dict = {}
        nav_warn: dict = {}
        for file in in_nav:
            nav_links[file.src_uri], nav_warn[file.src_uri] = _populate(file.page, config, files, collect, mb)
        env = config.plugins.on_env(env, config=config, files=files)
        files.copy_static_files(dirty=False, inclusion=inclusion)
        for template in config.theme.static_templates:
            mb._build_theme_template(template, env, files, config, nav)
        for template in config.extra_templates:
            mb._build_extra_template(template, files, config, nav)

        custom_dir = config.theme.custom_dir if hasattr(config.theme, "custom_dir") else None
        stamp = (
            global_stamp(engine_file, custom_dir, [[p.file.src_uri, p.title] for p in nav.pages]) if engine_file else ""
        )
        sources = {f.src_uri: file_hash(f.abs_src_path) for f in doc_files}
        entries: dict = {}
        todo = []
        reused = 0
        digests: dict = {}
        use_previous = previous is not None and previous_site is not None and previous.stamp == stamp and bool(stamp)
        for file in doc_files:
            old = previous.pages.get(file.src_uri) if use_previous else None
            placed = (
                _place(str(previous_site), config.site_dir, file.dest_uri, old.output)
                if old is not None
                and old.source == sources[file.src_uri]
                and old.dest == file.dest_uri
                and _link_state(files, old.links)
                else None
            )
            if placed is not None:
                entries[file.src_uri] = old
                digests[file.dest_uri] = placed
                reused += 1
            else:
                todo.append(file)
        for file in in_nav:  # read above: their links and warnings are known
            if file.src_uri in entries:
                entries[file.src_uri] = PageEntry(
                    sources[file.src_uri],
                    file.dest_uri,
                    nav_links[file.src_uri],
                    tuple(nav_warn[file.src_uri]),
                    entries[file.src_uri].output,
                )
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
                data = handle.read()
            digests[file.dest_uri] = (hashlib.sha256(data).hexdigest(), len(data))
            entries[file.src_uri] = replace(entries[file.src_uri], output=digests[file.dest_uri][0])
        warnings = [w for f in doc_files for w in entries[f.src_uri].warnings]
        # warnings outside pages (nav, files, templates): what the handler saw that no page owns
        page_warnings = {w for e in entries.values() for w in e.warnings}
        warnings = [m for m in collect.messages if m not in page_warnings] + warnings
        if config.strict and warnings:
            from mkdocs.exceptions import Abort

            raise Abort(f"Aborted with {len(warnings)} warnings in strict mode!")
        return RenderOutcome(
            tuple(warnings), PageRecord(stamp, entries), tuple(f.src_uri for f in todo), reused, digests
        )
    except Exception as exc:
        cfg.plugins.on_build_error(error=exc)
        raise
    finally:
        logger.removeHandler(collect)


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
    if jobs <= 1 or len(todo) < 2 * jobs:
        out = {}
        for n, file in enumerate(todo, 1):
            out[file.src_uri] = _render_one(file, config, files, doc_files, nav, env, collect, mb)
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
