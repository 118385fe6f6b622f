"""``portal build``: the whole path from content to ``site/``, stage by stage.

load → validate → gates (:mod:`pipeline.publication`) → docs tree (renderers) → mkdocs.
Every renderer gets the same gated ``published`` tuple and nothing else from the content,
so a withheld item cannot reach any output.  Stage timings are kept for ``bench/``.
This module does not print; the CLI reports what it returns.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable

from pipeline import docs_tree, mkdocs_build, numbering, publication, search_index, stats
from pipeline.attachments import ChangedFile
from pipeline.config import Config
from pipeline.confidentiality import DECLARED_RULES, review_report, screen_pages
from pipeline.findings import ERROR, Finding
from pipeline.render import feeds, items, lists, nav, pages
from pipeline.render import search as search_page
from pipeline.render import stats as stats_pages
from pipeline.render import disclosure as disclosure_pages
from pipeline.render import website_report as website_pages


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
    # progress(stage, done, total): called as stages start and as mkdocs writes pages; the CLI
    # draws it (stages never print).  Stages: pipeline, docs_tree, mkdocs, pagefind.
    progress: Callable[[str, int, int], None] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class BuildResult:
    publication: publication.Publication
    findings: tuple[Finding, ...]
    docs_files: int
    timings: dict = field(default_factory=dict)
    mkdocs_warnings: tuple[str, ...] = ()
    engine_config: Path | None = None

    @property
    def blocking_errors(self) -> tuple[Finding, ...]:
        """Errors an editor must fix (what ``--strict`` fails on): all but declared withholding."""
        return tuple(f for f in self.findings if f.severity == ERROR and f.rule not in DECLARED_RULES)


def publishable_pages(content: Path, config: Config) -> tuple[tuple, tuple[Finding, ...]]:
    """Static pages that passed the 保密审查 scanners (a failing page is left out), and findings.
    (The build and ``portal check`` take pages from :attr:`Publication.pages`, which also went
    through the attachment check.)"""
    static_pages, findings = pages.load_pages(content)
    static_pages, screened = screen_pages(static_pages, config)
    return static_pages, findings + screened


def docs_tree_files(pub: publication.Publication, config: Config, content: Path,
                    traffic_db: Path | None = None) -> tuple[dict, list, tuple[Finding, ...]]:
    """Everything the renderers produce for one publication, and the nav.  ``traffic_db``: the
    access-log store (``portal traffic ingest``) for the 网站工作年度报表's visit figures."""
    static_pages = pub.pages  # gated and attachment-checked in publication.run (their findings are in pub.findings)
    files: dict = {}
    files.update(items.render(pub.published, config))
    files.update(lists.render(pub.published, config, website_pages.home_notice(content, config, stats.default_as_of(pub, config))))
    files.update(feeds.render(pub.published, config, pub.as_of))
    try:
        files.update(pages.render(static_pages, pub.attached))
    except (OSError, ChangedFile) as exc:  # fail closed: an attachment changed or vanished since its scan
        raise mkdocs_build.MkdocsError(f"附件复制失败：{exc}") from None
    shards = search_index.plan_shards(pub.published, config.portal.search_shard_pages)
    files.update(search_page.render(config, tuple(f"{shard.output_subdir}/" for shard in shards)))
    extra_sections: list = []  # nav sections of later renderers (统计, 信息公开), in menu order
    stats_files, stats_nav = stats_pages.render(pub.counted, config, stats.default_as_of(pub, config))
    files.update(stats_files)
    if stats_nav:
        extra_sections.append(stats_nav)
    # 政府信息公开专栏 (xxgk/): after pages.render — its 依申请公开 page replaces the plain one
    xxgk_files, xxgk_nav, report_findings = disclosure_pages.render(pub.published, pub.counted, content, config, static_pages)
    files.update(xxgk_files)
    extra_sections.extend(xxgk_nav)
    website_files, website_findings = website_pages.render(pub.counted, content, config, traffic_db)  # 网站工作年度报表 (xxgk/website-report/)
    files.update(website_files)
    report_findings = report_findings + website_findings
    about_pages = tuple(p for p in static_pages if p.section == "about")
    site_nav = nav.build_nav(config, about_pages, extra_sections)
    return files, site_nav, report_findings


def build(options: BuildOptions, config: Config) -> BuildResult:
    timings: dict[str, float] = {}
    progress = options.progress or (lambda stage, done, total: None)
    t0 = time.perf_counter()
    progress("pipeline", 0, 0)
    if options.work.resolve().is_relative_to(options.out.resolve()):
        raise mkdocs_build.MkdocsError(f"工作目录 {options.work} 位于网站输出目录 {options.out} 之内，审查报告和 docs 树会被公开；请把 --work 放到 --out 之外")
    pub = publication.run(options.content, config, upstream_db=options.upstream_db or options.work / "upstream.sqlite", reference=options.as_of,
                          cache_dir=options.work / "cache", jobs=options.jobs)
    if pub.index_ledger is not None:  # new 索引号 were assigned: record them (CI commits the ledger back)
        numbering.write_ledger(options.content, pub.index_ledger)
    timings["pipeline"] = time.perf_counter() - t0

    t1 = time.perf_counter()
    progress("docs_tree", 0, 0)
    files, site_nav, page_findings = docs_tree_files(pub, config, options.content, options.work / "traffic.sqlite")
    docs_dir = options.work / "docs"
    docs_tree.sync(docs_dir, files)
    docs_files = len(files)
    del files  # the tree is on disk now; mkdocs need not run beside every page's text (~6 KB an item)
    engine = mkdocs_build.engine_config(options.mkdocs_file, config, docs_dir, options.out, site_nav, options.strict)
    engine_file = mkdocs_build.write_engine_config(options.work / "mkdocs.yml", engine)
    timings["docs_tree"] = time.perf_counter() - t1

    findings = pub.findings + page_findings
    write_review(options.work / "review.json", review_report(pub.withheld, findings, options.as_of))
    warnings: list[str] = []
    if options.render_site:
        t2 = time.perf_counter()
        epoch = int(pub.as_of.timestamp()) if pub.as_of else None
        progress("mkdocs", 0, 0)
        warnings = mkdocs_build.render(engine_file, epoch, on_page=lambda done, total: progress("mkdocs", done, total))
        timings["mkdocs"] = time.perf_counter() - t2
        if options.search:
            t3 = time.perf_counter()
            progress("pagefind", 0, 0)
            search_index.index_site(options.out, pub.published, config.portal.search_shard_pages)
            timings["pagefind"] = time.perf_counter() - t3
    timings["total"] = time.perf_counter() - t0
    return BuildResult(pub, findings, docs_files, timings, tuple(warnings), engine_file)


def write_review(path: Path, report: dict) -> None:
    """The private 保密审查 report for editors (``<work>/review.json``, never under site/)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
