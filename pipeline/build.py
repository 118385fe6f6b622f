"""``portal build``: the whole path from content to ``site/``, stage by stage.

load → validate → gates (:mod:`pipeline.publication`) → docs tree (renderers) → mkdocs →
Pagefind → last checks → manifest → swap.  Every renderer gets the same gated ``published``
tuple and nothing else from the content, so a withheld item cannot reach any output.

It fails closed: when a piece of the build cannot do its job (an error of
:data:`pipeline.findings.INFRASTRUCTURE_RULES`, an exception anywhere, a failed check of
:data:`PUBLISH_CHECKS`) it raises :class:`BuildFailed` and the live ``--out`` is left exactly
as it was — the site is rendered into a staging folder and swapped in only at the end
(:mod:`pipeline.publish`), under a lock on ``--work``.  Stage timings are kept for
``bench/``.  This module does not print; the CLI reports what it returns or raises.

Why about 590 lines: the ordered build (pipeline, docs tree, render, search, checks, manifest, swap) and its
fail-closed error handling are one sequence; each step's work lives in its own module.
"""

from __future__ import annotations

import json
import queue
import threading
import time
import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Callable, Iterable

from pipeline import (
    audit,
    audit_cache,
    docs_tree,
    manifest,
    memo,
    mkdocs_build,
    mkdocs_pages,
    numbering,
    parallel,
    publication,
    publish,
    render_memo,
    search_index,
    stats,
    unchanged,
    website_report,
)
from pipeline.attachments import ChangedFile
from pipeline.config import Config
from pipeline.confidentiality import DECLARED_RULES, review_report
from pipeline.findings import ERROR, INFRASTRUCTURE_RULES, Finding, infrastructure_failures
from pipeline.rendered import MarkdownSettings, SettingsError
from pipeline.render import feeds, items, lists, nav, pages
from pipeline.render import search as search_page
from pipeline.render import stats as stats_pages
from pipeline.render import disclosure as disclosure_pages
from pipeline.render import website_report as website_pages
from pipeline.render.common import Output


@dataclass(frozen=True)
class BuildOptions:
    content: Path = Path("content")
    config_dir: Path = Path("site_config")
    out: Path = Path("site")
    work: Path = Path(".portal")
    mkdocs_file: Path = Path("mkdocs.yml")
    strict: bool = False
    render_site: bool = True  # False: stop after the docs tree (bench, engine comparisons)
    upstream_db: Path | None = None  # upstream (查重) database; None → <work>/upstream.sqlite
    search: bool = True  # run Pagefind over the rendered site
    as_of: date | None = None  # reference date of the future-date warning (--as-of); None: not checked
    jobs: int | None = None  # processes for the per-file pipeline work (--jobs); None: one per core
    wait: bool = True  # another build holds <work>/build.lock: wait for it (False: BuildLocked)
    on_wait: Callable[[str], None] | None = field(default=None, compare=False)  # told the waiting message
    sign_key: Path | None = None  # deployment key (ssh-keygen -Y sign) for portal-manifest.json.sig
    manifest_copy: Path | None = None  # also write the manifest (and signature) here, outside the swapped folder
    # the Markdown extensions the gate renders items and pages with; None: read from mkdocs_file
    markdown: MarkdownSettings | None = None
    incremental: bool = True  # reuse pages of the live site whose inputs did not change (<work>/pages.msgpack)
    # stop at once when no input changed since the last build and the live site is intact
    # (pipeline/unchanged.py); the result then has no publication, only the last build's summary
    skip_unchanged: bool = False
    # progress(stage, done, total): called as stages start and as mkdocs writes pages; the CLI
    # draws it (stages never print).  Stages: pipeline, docs_tree, mkdocs, pagefind.
    progress: Callable[[str, int, int], None] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class BuildResult:
    publication: publication.Publication | None  # None only when the build stopped as unchanged
    findings: tuple[Finding, ...]
    docs_files: int
    timings: dict = field(default_factory=dict)
    mkdocs_warnings: tuple[str, ...] = ()
    engine_config: Path | None = None
    swap: str = ""  # how the new site was put in place (pipeline.publish.swap); "" when not rendered
    # output pages (site-relative paths) rendered anew or removed by this build; None: all of them
    changed_pages: tuple[str, ...] | None = None
    summary: unchanged.Summary | None = None  # set when the build stopped as unchanged (the last build's)

    @property
    def unchanged(self) -> bool:
        return self.publication is None

    def report(self) -> unchanged.Summary:
        """What ``portal build`` prints about this build."""
        if self.summary is not None:
            return self.summary
        pub = self.publication
        withheld = tuple(
            (
                str(w.item.path),
                "、".join(dict.fromkeys(f.rule for f in w.findings if f.severity == ERROR)),
                w.declared,
            )
            for w in pub.withheld
        )
        return unchanged.Summary(
            published=len(pub.published),
            files=pub.files,
            docs_files=self.docs_files,
            findings=tuple(f.text() for f in self.findings),
            withheld=withheld,
            notes=tuple(pub.notes),
            warnings=self.mkdocs_warnings,
        )

    @property
    def blocking_errors(self) -> tuple[Finding, ...]:
        """Errors an editor must fix (what ``--strict`` fails on): all but declared withholding."""
        return tuple(f for f in self.findings if f.severity == ERROR and f.rule not in DECLARED_RULES)


def docs_tree_files(
    pub: publication.Publication,
    config: Config,
    content: Path,
    traffic_db: Path | None = None,
    memo: render_memo.RenderMemo | None = None,
) -> tuple[dict, list, tuple[Finding, ...]]:
    """Everything the renderers produce for one publication, and the nav.  ``traffic_db``: the
    access-log store (``portal traffic ingest``) for the 网站工作年度报表's visit figures.
    ``memo``: outputs of the last docs tree to reuse where their inputs did not change
    (:mod:`pipeline.render_memo`); None: ``portal serve``'s, kept in the process between saves."""
    memo = render_memo.SHARED if memo is None else memo
    with memo.session(config):
        static_pages = pub.pages  # gated and attachment-checked in publication.run (their findings are in pub.findings)
        published, counted = pub.published, pub.counted
        as_of = stats.default_as_of(pub, config)
        files: dict = {}
        extra_sections: list = []  # nav sections of later renderers (统计, 信息公开), in menu order
        report_findings: tuple[Finding, ...] = ()

        def take(output: Output) -> None:  # every renderer returns one render.common.Output
            nonlocal report_findings
            files.update(output.files)
            extra_sections.extend(output.nav)
            report_findings += output.findings

        take(memo.item_pages(published, lambda some: items.render(some, config)))
        notices = website_pages.home_notice(pub.report_data, config, as_of)
        key = (memo.digests(published, "list"), memo.value(notices))
        take(memo.output("lists", key, lambda: lists.render(published, config, notices)))
        key = (memo.digests(render_memo.feed_items(published), "item"), memo.value(pub.as_of))
        take(memo.output("feeds", key, lambda: feeds.render(published, config, pub.as_of)))
        try:
            take(pages.render(static_pages, pub.attached))
        except (OSError, ChangedFile) as exc:  # fail closed: an attachment changed or vanished since its scan
            raise BuildFailed(f"附件复制失败：{exc}") from None
        portal = config.portal
        shards = search_index.plan_shards(published, portal.search_shard_pages, portal.search_shards_from)
        bundles = tuple(f"{shard.output_subdir}/" for shard in shards)
        take(search_page.render(config, bundles, search_index.sort_base(shards)))
        key = (memo.digests(counted, "stats"), memo.value(as_of))
        take(memo.output("stats", key, lambda: stats_pages.render(counted, config, as_of)))  # 统计
        # 政府信息公开专栏 (xxgk/): after pages.render — its 依申请公开 page replaces the plain one
        data = memo.value(pub.report_data)
        key = (memo.digests(published, "catalog"), memo.digests(counted, "report"), data, memo.value(static_pages))
        take(
            memo.output(
                "disclosure",
                key,
                lambda: disclosure_pages.render(published, counted, pub.report_data, config, static_pages),
            )
        )
        traffic = website_report.read_traffic_years(traffic_db, pub.report_data.website_years)
        key = (memo.digests(counted, "website"), data, memo.value(traffic))
        take(  # 网站工作年度报表 (xxgk/website-report/)
            memo.output("website", key, lambda: website_pages.render(counted, pub.report_data, config, traffic))
        )
    about_pages = tuple(p for p in static_pages if p.section == "about")
    site_nav = nav.build_nav(config, about_pages, extra_sections)
    return files, site_nav, report_findings


class BuildFailed(Exception):
    """The build stopped and ``--out`` was left as it was.  ``str()`` names the piece that
    failed, in Chinese; ``findings`` are the findings that made it fail (may be empty)."""

    def __init__(self, message: str, findings: tuple[Finding, ...] = ()):
        super().__init__(message)
        self.findings = findings


# The last checks on the complete new site, after rendering and indexing and before the swap:
# each is called as check(site_dir, publication, config) and returns findings; any error — or
# an exception — fails the build, and the new site is never put in place.  The output audit
# (issue 12 §8) reads every file of the new site back with the gate's scanners.
PublishCheck = Callable[[Path, publication.Publication, Config], Iterable[Finding]]


@dataclass(frozen=True)
class CheckContext:
    """What a check with ``takes_context = True`` is also told: the build's work folder (its
    caches) and the (sha256, size) of the files of the new site it is to judge
    (:func:`pipeline.manifest.hash_site`).  The build calls such a check once per part of the
    site — everything but the search bundles while Pagefind writes them, then the bundles
    (``final``) — with ``state``, a dict of the build's that it may keep what it made for the
    first part in.  The parts' ``hashes`` together list every file of the new site: after the
    checks the build lists the folder again and fails when a file was added or removed meanwhile
    (:func:`_listing_as_checked`), so a check may take their keys as the site's files.  A check
    without ``takes_context`` is called once, over the whole site, with the last part."""

    work: Path
    hashes: dict = field(default_factory=dict, compare=False)
    state: dict = field(default_factory=dict, compare=False)
    final: bool = True


PUBLISH_CHECKS: tuple[PublishCheck, ...] = (audit.publish_check,)  # 上线前终审 (pipeline/audit.py)

_STAGES = {
    "pipeline": "读取与审查",
    "docs_tree": "生成 docs 树",
    "mkdocs": "渲染网站（mkdocs）",
    "pagefind": "站内搜索索引（Pagefind）",
    "publish": "发布前检查与网站清单",
    "swap": "替换网站目录",
}


def markdown_settings(mkdocs_file: Path) -> MarkdownSettings:
    """The Markdown extensions of ``mkdocs.yml``; an unreadable file fails the build (the gate
    must judge pages rendered the way they will be published)."""
    try:
        return MarkdownSettings.from_mkdocs(mkdocs_file)
    except SettingsError as exc:
        raise BuildFailed(f"无法读取 Markdown 设置：{exc}") from None


def fail_closed(findings: Iterable[Finding]) -> None:
    """Raise :class:`BuildFailed` when a piece of the build could not do its job."""
    failed = infrastructure_failures(findings)
    if failed:
        pieces = "、".join(dict.fromkeys(INFRASTRUCTURE_RULES[f.rule] for f in failed))
        raise BuildFailed(f"{pieces}无法完成工作（见上），构建停止：未经检查的内容不能发布", failed)


def build(options: BuildOptions, config: Config, checks: tuple[PublishCheck, ...] | None = None) -> BuildResult:
    """Build the site under the lock on ``options.work``; ``checks`` replace :data:`PUBLISH_CHECKS`."""
    if options.work.resolve().is_relative_to(options.out.resolve()):
        raise mkdocs_build.MkdocsError(
            f"工作目录 {options.work} 位于网站输出目录 {options.out} 之内，审查报告和 docs 树会被公开；"
            "请把 --work 放到 --out 之外"
        )
    with publish.build_lock(options.work, options.wait, options.on_wait):
        inputs = None
        if options.skip_unchanged and options.incremental and options.render_site and checks is None:
            started = time.perf_counter()
            inputs = unchanged.inputs_of(options, config)
            summary = unchanged.current(options, config, inputs.digest)
            if summary is not None:  # nothing to build: the live site is what this build would make
                timings = {"total": time.perf_counter() - started, "pages_rendered": 0, "pages_reused": 0}
                return BuildResult(
                    None, (), summary.docs_files, timings, summary.warnings, None, "unchanged", (), summary
                )
            try:
                unchanged.forget(options.work)  # from here on the live site may change
            except OSError as exc:  # a record that would still match a changed site: do not build
                raise BuildFailed(f"无法删除上一次构建的记录 {options.work / unchanged.RECORD}（{exc}）") from None
        with memo.collector_thawed():  # the memos' decoded entries stay frozen for the build (pipeline.memo)
            result = _build(options, config, PUBLISH_CHECKS if checks is None else checks)
        if inputs is not None and result.swap:
            if result.publication.index_ledger is not None:  # the build wrote the ledger: that is what it read
                text = numbering.dump_ledger(result.publication.index_ledger)
                inputs = inputs.with_file(numbering.LEDGER_FILE, text.encode("utf-8"))
            unchanged.record(options, inputs.digest, result.report())
        return result


def _build(options: BuildOptions, config: Config, checks: tuple[PublishCheck, ...]) -> BuildResult:
    timings: dict[str, float] = {}
    progress = options.progress or (lambda stage, done, total: None)
    t0 = time.perf_counter()
    stage = "pipeline"
    staging: Path | None = None
    held: Path | None = None  # the recycled staging folder's search bundles, set aside (search_index.hold_bundles)
    searching: ThreadPoolExecutor | None = None  # Pagefind's thread, while it writes into staging
    stop_search = threading.Event()  # set when the build fails while Pagefind runs (search_index.index_site)
    try:
        progress("pipeline", 0, 0)
        markdown = options.markdown or markdown_settings(options.mkdocs_file)
        with numbering.ledger_lock(options.content, on_wait=options.on_wait):  # from reading the ledger to writing it
            pub = publication.run(
                options.content,
                config,
                upstream_db=options.upstream_db or options.work / "upstream.sqlite",
                reference=options.as_of,
                cache_dir=options.work / "cache",
                jobs=options.jobs,
                markdown=markdown,
            )
            fail_closed(pub.findings)
            if pub.index_ledger is not None:  # new 索引号 were assigned: record them (CI commits the ledger back)
                numbering.write_ledger(options.content, pub.index_ledger)
        timings["pipeline"] = time.perf_counter() - t0

        t1 = time.perf_counter()
        stage = "docs_tree"
        progress("docs_tree", 0, 0)
        # the renderers' outputs of the last build (<work>/cache/render-memo.msgpack, checked against <work>/docs;
        # a docs file unchanged by its status is not read: the tree is only written by docs_tree.sync)
        memo = render_memo.RenderMemo.stored(options.work, reuse=options.incremental, keep_on_disk=True)
        traffic_db = options.work / "traffic.sqlite"
        files, site_nav, page_findings = docs_tree_files(pub, config, options.content, traffic_db, memo)
        timings["docs_reused"] = memo.stored_hits
        findings = pub.findings + page_findings
        write_review(options.work / "review.json", review_report(pub.withheld, findings, options.as_of))
        fail_closed(page_findings)
        blocking = tuple(f for f in findings if f.severity == ERROR and f.rule not in DECLARED_RULES)
        if options.strict and blocking:  # CI: the site is not updated while an editor has something to fix
            raise BuildFailed(f"严格模式：有 {len(blocking)} 个需要编辑修改的错误，构建判为失败", blocking)
        docs_dir = options.work / "docs"
        docs_tree.sync(docs_dir, files, memo.on_disk)
        docs_files = len(files)
        hashed = memo.digests_on_disk(files)  # what mkdocs' pages are made from, without a stat each
        del files  # the tree is on disk now; mkdocs need not run beside every page's text (~6 KB an item)
        parallel.release_freed_memory()  # before the render workers fork (they count this process's pages)
        engine = mkdocs_build.engine_config(
            options.mkdocs_file, config, docs_dir, options.out, site_nav, options.strict
        )
        engine_file = mkdocs_build.write_engine_config(options.work / "mkdocs.yml", engine)
        timings["docs_tree"] = time.perf_counter() - t1

        warnings: list[str] = []
        how = ""
        changed: tuple[str, ...] | None = None
        if options.render_site:
            publish.recover(options.out)
            publish.clean_stale(options.out)
            t2 = time.perf_counter()
            stage = "mkdocs"
            previous, previous_site = _previous_site(options)
            # the site before the live one, its unchanged pages shared with it, saves making ~13,000 folders
            # and linking every page at 10k items; only a build that knows what the live site holds takes it
            staging = publish.recycle(options.out) if previous is not None else None
            recycled = staging is not None
            if staging is None:
                staging = publish.staging_dir(options.out)
            else:  # its search bundles, out of the renderer's way: a reused one is taken back as it is
                held = search_index.hold_bundles(staging, publish.holding_dir(options.out))
            recorded = previous.recorded() if previous is not None else None  # files it hashed itself
            epoch = int(pub.as_of.timestamp()) if pub.as_of else None
            progress("mkdocs", 0, 0)
            rendered = mkdocs_build.render_pages(
                engine_file,
                epoch,
                on_page=lambda done, total: progress("mkdocs", done, total),
                site_dir=staging,
                jobs=options.jobs,
                previous=previous,
                previous_site=previous_site,
                recycled=recycled,
                hashed=hashed,
            )
            warnings = list(rendered.warnings)
            timings["mkdocs"] = time.perf_counter() - t2
            timings["pages_rendered"] = len(rendered.rendered)
            timings["pages_reused"] = rendered.reused
            timings["recycled"] = int(recycled)
            if previous is not None and rendered.reused:
                now = {e.dest for e in rendered.record.pages.values()}
                changed = tuple(
                    sorted(
                        {rendered.record.pages[src].dest for src in rendered.rendered}
                        | ({e.dest for e in previous.pages.values()} - now)
                    )
                )
            shard_marks: dict = {}
            if options.search:
                stage = "pagefind"
                progress("pagefind", 0, 0)
                # Pagefind writes only the bundle folders (search_index.is_bundle_name): it runs on a
                # thread while the rest of the site is hashed and checked here, then each bundle
                # folder it has finished (a reused one at once), then the others once it is done
                searching = ThreadPoolExecutor(1, thread_name_prefix="pagefind")
                finished: queue.SimpleQueue = queue.SimpleQueue()
                pending = searching.submit(
                    _timed,
                    search_index.index_site,
                    staging,
                    pub.published,
                    config.portal.search_shard_pages,
                    config.portal.search_shards_from,
                    fingerprint=_shard_fingerprint(rendered.record, staging),
                    previous=(previous.extra.get("shards") if previous else None),
                    previous_site=previous_site,
                    held=held,
                    recorded=recorded,
                    done=lambda name, digests: finished.put((name, digests)),
                    stop=stop_search,
                )
                pending.add_done_callback(lambda _: finished.put(None))  # after every report of index_site
            elif held is not None:  # no search: nothing is taken back (before hashing: its files may share inodes)
                publish.discard(held)
                held = None
            t4 = time.perf_counter()
            stage = "publish"
            # every file's digest, read once for the audit and the manifest (the pages' digests were
            # taken as they were written or, when taken over from the live site, checked then; the
            # other files the last build hashed are the very files it recorded, when unchanged since)
            state: dict = {}
            outside = None if searching is None else (lambda name: not search_index.is_bundle_name(name))
            hashed = manifest.hash_site(staging, rendered.digests, recorded, top=outside)
            context = CheckContext(options.work, hashed.files, state, final=searching is None)
            findings = findings + _run_checks(checks, staging, pub, config, context)  # warnings reported as others
            judged: set[str] = set()  # the bundle folders hashed and checked while Pagefind ran
            parts: list[manifest.SiteHashes] = []  # their hashes (put together once, after Pagefind)
            waited = 0.0
            while searching is not None:  # each bundle folder as it is reported finished, until Pagefind ends
                started = time.perf_counter()
                reports = [finished.get()]  # None: index_site has returned (or failed)
                waited += time.perf_counter() - started
                while reports[-1] is not None and not finished.empty():
                    reports.append(finished.get())
                names, read = set(), {}
                for name, digests in (report for report in reports if report is not None):
                    names.add(name)
                    read.update(digests)
                if names:
                    part = manifest.hash_site(staging, read, recorded, top=names.__contains__)
                    findings = findings + _run_checks(
                        checks, staging, pub, config, CheckContext(options.work, part.files, state, final=False)
                    )
                    parts.append(part)
                    judged |= names
                if reports[-1] is None:
                    break
            if searching is not None:
                stage = "pagefind"
                started = time.perf_counter()
                searched, timings["pagefind"] = pending.result()
                searching.shutdown()
                searching = None
                timings["search_wait"] = waited + time.perf_counter() - started
                shard_marks = searched.fingerprints
                timings["search_bundles_reused"] = searched.reused
                if held is not None:  # what was not taken back (before hashing: its files may share inodes)
                    publish.discard(held)
                    held = None
                stage = "publish"
                during = manifest.SiteHashes.union(parts, ordered=False)
                again = _changed_since(staging, judged, during)  # judged again below, with the rest
                judged, during = judged - again, during.without(again)
                bundles = manifest.hash_site(
                    staging,
                    searched.digests,
                    recorded,
                    top=lambda name: search_index.is_bundle_name(name) and name not in judged,
                )
                context = CheckContext(options.work, bundles.files, state, final=True)
                findings = findings + _run_checks(checks, staging, pub, config, context)
                hashed = manifest.SiteHashes.union((hashed, during, bundles))
            timings["hashed_reused"] = hashed.reused
            snapped = time.time_ns()  # before the statuses the next build may trust
            now = publish.inventory(staging)[0]  # one walk: the listing and every file's status
            listed = _listing_as_checked(staging, hashed.files, now)
            manifest.write(staging, options.sign_key, hashed.files, listed, config.portal.site_url)
            record = replace(
                mkdocs_pages.snapshot(rendered.record, staging, now, snapped),
                extra={
                    "shards": shard_marks,
                    "files": manifest.Recorded(manifest.recorded_statuses(hashed, now, rendered.digests)).to_json(),
                },
            )
            timings["checks_manifest"] = time.perf_counter() - t4 - timings.get("search_wait", 0.0)
            t5 = time.perf_counter()
            stage = "swap"
            record = replace(record, site=_manifest_digest(staging))
            how, aside = publish.swap_keep(staging, options.out)
            staging = None
            # after the swap: a kill before it leaves a record that matches no site
            record.save(options.work / PAGE_RECORD, audit_cache.work_key(options.work))
            if options.manifest_copy is not None:
                _copy_manifest(options.out, options.manifest_copy)
            if aside is None:
                pass
            elif options.incremental:  # the previous site: the next build's staging folder (publish.recycle)
                stale = _stale_files(aside, hashed.files, previous is not None)
                publish.keep_spare(aside, options.out, stale)
            else:  # removed off the critical path (publish.remove_later), and any spare with it
                publish.remove_later(aside)
                publish.drop_spare(options.out)
            timings["swap"] = time.perf_counter() - t5
    except (BuildFailed, mkdocs_build.MkdocsError, search_index.SearchIndexError, publish.PublishError):
        raise
    except publication.HistoryUnavailable as exc:
        raise BuildFailed(str(exc)) from None
    except manifest.ManifestError as exc:
        raise BuildFailed(f"网站清单无法完成：{exc}") from exc
    except Exception as exc:  # noqa: BLE001 - fail closed: an unexpected failure of any stage stops the build
        raise BuildFailed(f"构建在“{_STAGES.get(stage, stage)}”阶段出错（{type(exc).__name__}: {exc}）") from exc
    finally:
        if searching is not None:  # a check failed while Pagefind ran: nothing may write into what is discarded
            stop_search.set()  # its index is thrown away: no shard started, a running Pagefind ended
            searching.shutdown(wait=True)
        if staging is not None:
            publish.discard(staging)
        if held is not None:
            publish.discard(held)
    timings["total"] = time.perf_counter() - t0
    return BuildResult(pub, findings, docs_files, timings, tuple(warnings), engine_file, how, changed)


PAGE_RECORD = mkdocs_pages.RECORD_FILE


def _changed_since(site: Path, folders: set[str], hashed: manifest.SiteHashes) -> set[str]:
    """The ``folders`` of ``site`` (search bundles judged while Pagefind ran) that changed since they
    were hashed: a file whose status is no longer the one it had then (``hashed.seen``; a file hashed
    without one counts as changed), a file that was not there (one walk of each folder) or one gone.
    Pagefind's stage writes nowhere once it has called a folder finished, and were it to, the folder
    is hashed and checked again rather than published unjudged."""
    if not folders:
        return set()
    counts: dict[str, int] = {}
    for rel in hashed.files:
        top = rel.split("/", 1)[0]
        if top in folders:
            counts[top] = counts.get(top, 0) + 1
    changed = set()
    for name in folders:
        try:
            found = publish.inventory(site / name)[0]
        except OSError:
            changed.add(name)
            continue
        if len(found) != counts.get(name, 0):
            changed.add(name)
            continue
        for rel, st in found.items():
            key = hashed.seen.get(f"{name}/{rel}")
            if not key or manifest.status_key(st) != key:
                changed.add(name)
                break
    return changed


def _timed(func: Callable, *args, **kwargs) -> tuple:
    """(``func(*args, **kwargs)``, the seconds it took) — for a stage run on a thread."""
    started = time.perf_counter()
    return func(*args, **kwargs), time.perf_counter() - started


def _stale_files(aside: Path, now: dict, trusted: bool) -> list[str] | None:
    """The files of the previous site (set aside by the swap) that the new site does not have with
    the same bytes, by the two manifests: the previous one is trusted when the page record named it
    (``trusted``: it is the manifest that build wrote); None when unknown (the spare is then pruned
    by walking it).  Its own manifest and signature are stale too (they name withdrawn pages)."""
    old = manifest.files_of(aside) if trusted else None
    if old is None:
        return None
    stale = [rel for rel, digest in old.items() if now.get(rel, (None,))[0] != digest]
    return stale + [manifest.NAME, manifest.SIGNATURE]


def _manifest_digest(site: Path) -> str:
    """ "" when missing, unreadable or not a regular file (a FIFO there would block the build)."""
    return unchanged.regular_file_digest(site / manifest.NAME)


def _previous_site(options: BuildOptions) -> tuple[mkdocs_pages.PageRecord | None, Path | None]:
    """The record of the live site and the site, when the record describes exactly that site
    (its manifest is the one the record was written with); otherwise (None, None): every page
    is rendered.  ``--incremental no`` (``options.incremental`` False) always renders all."""
    if not options.incremental:
        return None, None
    live = publish.live_dir(options.out)
    record = mkdocs_pages.PageRecord.load(options.work / PAGE_RECORD, audit_cache.work_key(options.work))
    if record is None or not record.site or not live.is_dir() or _manifest_digest(live) != record.site:
        return None, None
    return record, live


def _shard_fingerprint(record: mkdocs_pages.PageRecord, site: Path) -> Callable[[search_index.Shard], str]:
    """What a search bundle is made from: the Pagefind version and options, the global stamp,
    and for each page it indexes the inputs of that page (its docs file, its links).  A shard
    without a glob indexes every HTML file of the site: every page's inputs, and the bytes of
    the HTML files that are not pages (404.html, HTML copied from the docs tree).  Not the
    bundle's folder name: a bundle renumbered when a newer shard opened is taken over as it is."""
    by_dest = {entry.dest: entry for entry in record.pages.values()}
    options = search_index.fingerprint_options()

    def fingerprint(shard: search_index.Shard) -> str:
        if not record.stamp:
            return ""
        h = hashlib.sha256(json.dumps([options, record.stamp, shard.glob], ensure_ascii=False).encode())
        if shard.glob is None:
            for entry in sorted(record.pages.values(), key=lambda e: e.dest):
                h.update(
                    json.dumps([entry.dest, entry.source, entry.links], ensure_ascii=False, sort_keys=True).encode()
                )
            for path in sorted(site.rglob("*.html")):
                rel = path.relative_to(site).as_posix()
                if rel not in by_dest:
                    h.update(json.dumps([rel, hashlib.sha256(path.read_bytes()).hexdigest()]).encode())
            return h.hexdigest()
        if not shard.urls:
            return ""
        for url in shard.urls:
            entry = by_dest.get(url.lstrip("/") + "index.html")
            if entry is None:
                return ""
            h.update(json.dumps([entry.dest, entry.source, entry.links], ensure_ascii=False, sort_keys=True).encode())
        return h.hexdigest()

    return fingerprint


def _run_checks(
    checks: Iterable[PublishCheck],
    site: Path,
    pub: publication.Publication,
    config: Config,
    context: CheckContext | None = None,
) -> tuple[Finding, ...]:
    """Every check over the new site; their warnings, or :class:`BuildFailed` on any error.
    A check with ``takes_context`` is also given ``context``; the others run only when it is the
    ``final`` part (they judge the whole site)."""
    warnings: list[Finding] = []
    for check in checks:
        name = getattr(check, "__qualname__", repr(check))
        try:
            if context is not None and getattr(check, "takes_context", False):
                found = tuple(check(site, pub, config, context=context))
            elif context is not None and not context.final:
                continue
            else:
                found = tuple(check(site, pub, config))
        except Exception as exc:  # noqa: BLE001 - fail closed: a check that breaks is a failed check
            raise BuildFailed(f"发布前检查 {name} 未能完成（{type(exc).__name__}: {exc}），新网站未发布") from exc
        errors = tuple(f for f in found if f.severity == ERROR)
        if errors:
            raise BuildFailed(f"发布前检查 {name} 发现 {len(errors)} 个问题（见上），新网站未发布", errors)
        warnings.extend(found)
    return tuple(warnings)


def _listing_as_checked(site: Path, hashes: dict, now: dict | None = None) -> list[str]:
    """The files of the new site now — which must be the ones hashed before the checks and
    judged by them (``hashes``' keys): a file that appeared or went away meanwhile (another
    process writing into the staging folder) fails the build.  The manifest lists these.
    ``now``: the site's files as :func:`pipeline.publish.inventory` has just found them."""
    listed = manifest.listing(site) if now is None else sorted(rel for rel in now if rel not in manifest.OWN)
    if listed != list(hashes):
        added = sorted(set(listed) - set(hashes))
        gone = sorted(set(hashes) - set(listed))
        named = "、".join((added + gone)[:5])
        raise BuildFailed(
            f"发布前检查期间新网站的文件有变化（新增 {len(added)} 个、消失 {len(gone)} 个：{named}），"
            "这些文件未经终审，新网站未发布"
        )
    return listed


def _copy_manifest(site: Path, target: Path) -> None:
    """The manifest (and signature) also outside the swapped folder, each file replaced atomically."""
    target.mkdir(parents=True, exist_ok=True)
    for name in (manifest.NAME, manifest.SIGNATURE):
        source, dest = site / name, target / name
        if source.is_file():
            publish.write_atomic(dest, source.read_bytes())
        else:
            dest.unlink(missing_ok=True)


def write_review(path: Path, report: dict) -> None:
    """The private 保密审查 report for editors (``<work>/review.json``, never under site/)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
