"""The stage sequence from files to a publishable set: load → validate → gates.

:func:`run` is what ``portal check`` and ``portal build`` share.  It returns a frozen
:class:`Publication`: the items that may appear in any output (``published``, newest
first), the items held back with their reasons (``withheld``) and every finding.  Later
stages (numbering, statistics, rendering, feeds, reports) are fed ``published`` only and
never read content on their own, so a blocked item cannot leak through a side door.

The stages are pure functions that know nothing of caches or processes.  This module is
the one place where their per-file work is remembered by content hash (:mod:`pipeline.memo`,
the memos of :mod:`pipeline.stage_memos`) and spread over the cores (:mod:`pipeline.parallel`); the
result is the same with or without either.

Why one module of this length: the house rule puts caching, parallelism and the order of the
stages in one place, so every stage's wiring — which memo, which key, what a stage is handed and
what it may not see (the signed 审签 of items, pages and the yearly data included) — stays here on
purpose; split, the order in which the gates see things would be spread over several files.
"""

from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from functools import partial
from pathlib import Path

from pipeline import (
    attachment_memos,
    attachments,
    confidentiality,
    content_walk,
    dedup,
    dedup_stage,
    git_history,
    load,
    memo,
    numbering,
    provenance,
    report_data,
    scanners,
    scoring,
    stage_memos,
    upstream,
    withheld_text,
)
from pipeline.config import Config
from pipeline.config.reviewers import unproven as unproven_reviewers
from pipeline.findings import Finding, sort_key
from pipeline.rendered import MarkdownSettings


@dataclass(frozen=True)
class Publication:
    published: tuple  # tuple[Item, ...], newest first
    withheld: tuple  # tuple[confidentiality.Withheld, ...]
    findings: tuple[Finding, ...]
    files: int
    as_of: datetime | None  # the newest published date: "now" for reproducible builds
    # (path, canonical path) for published items that repeat another published item (the
    # same news in two sub-sites): shown, but counted once in statistics.
    duplicate_of: tuple[tuple[str, str], ...] = ()
    # 索引号 ledger to write back (content/index_numbers.yaml) when this run assigned new
    # numbers or recorded a move; None when nothing changed or the ledger is broken.
    index_ledger: numbering.Ledger | None = None
    new_index_numbers: tuple[tuple[str, str], ...] = ()  # (item key, 索引号) assigned in this run
    notes: tuple[str, ...] = ()  # what this run could not verify, said once (e.g. no git history)
    # static pages (content/pages/) that passed the gate and the attachment check
    pages: tuple = ()
    # files of content/files/ that may be copied into the site (pipeline.attachments): only
    # those published items and pages refer to, never one a withheld item refers to
    attached: tuple = ()  # tuple[attachments.AttachedFile, ...]
    # files of content/files/ that withheld items or pages refer to, as (files/… path, path on
    # disk): never copied; the output audit (pipeline.audit) checks no site file has their bytes
    withheld_attachments: tuple[tuple[str, str], ...] = ()
    # the yearly data files of the two reports (content/disclosure/, content/website-report/),
    # read and checked here so that the reports and their renderers read no file
    report_data: report_data.ReportData = report_data.ReportData()

    @property
    def counted(self) -> tuple:
        """Published items that count in statistics: each piece of news once."""
        repeats = {path for path, _ in self.duplicate_of}
        return tuple(i for i in self.published if i.path not in repeats)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")


class HistoryUnavailable(Exception):
    """Signed approvals are required but git history cannot be read; ``str()`` says why and what to do."""


def check_provenance(published, history, config: Config, pages=()):
    """:func:`pipeline.provenance.check` of ``published`` (and the static ``pages``, by path)
    against ``history`` with the review settings (the history that counts starts at
    ``review.history_starts``, portal time); pages are the main site's."""
    starts = config.review.history_starts
    main = next((s.id for s in config.sites if config.kind(s.kind).main), "")
    return provenance.check(
        published,
        history,
        config.review,
        config.portal.tz,
        datetime.combine(starts, time(0), config.portal.tz) if starts else None,
        pages,
        main,
    )


def read_history(
    content_dir: Path | str, config: Config, paths, companions: dict[str, tuple[str, ...]] | None = None
) -> tuple[git_history.History, tuple[str, ...]]:
    """git history of the item files, and the notes an editor should see once.  Fails closed
    (:class:`HistoryUnavailable`) when ``review.require_signature`` is on and history is missing."""
    rules = config.review
    reviewers_file = Path(config.root) / "reviewers.yaml"
    try:
        listed = git_history.versions(reviewers_file.resolve())
    except git_history.GitError:
        listed = None
    if listed is not None:
        root, versions = listed
        why = unproven_reviewers(
            reviewers_file,
            versions,
            lambda sha, signers: getattr(git_history.verify(root, [sha], signers).get(sha), "status", "") == "G",
        )
        if why:
            raise HistoryUnavailable(why)
    try:
        history = git_history.read(
            content_dir,
            rules.allowed_signers(),
            paths,
            verify_signatures=rules.require_signature,
            companions=companions if rules.require_signature else None,
        )
    except git_history.GitError as exc:
        history = git_history.unavailable(str(exc))
    notes = []
    if rules.require_signature and not history.available:
        raise HistoryUnavailable(
            f"要求审签签名（reviewers.yaml review.require_signature: true），但无法读取 git 历史：{history.reason}"
        )
    if not rules.require_signature:
        notes.append(
            "审签未核验签名：site_config/reviewers.yaml 的 review.require_signature 为 false，reviewer 字段按所写采信"
        )
    if not history.available:
        notes.append(f"没有 git 历史，倒签（backdated）和改日期（date-changed）检查已跳过：{history.reason}")
    return history, tuple(notes)


def newest_first(items) -> tuple:
    return tuple(sorted(items, key=lambda i: (i.date, i.url), reverse=True))


def _thawed(func):
    """``func`` with the objects the memos froze given back to the garbage collector when it
    ends (:func:`pipeline.memo.collector_thawed`; a build thaws them at its own end)."""

    @functools.wraps(func)
    def run(*args, **kwargs):
        with memo.collector_thawed():
            return func(*args, **kwargs)

    return run


@_thawed
def run(
    content_dir: Path | str,
    config: Config,
    *,
    upstream_db: Path | None = None,
    reference: date | None = None,
    cache_dir: Path | None = None,
    jobs: int | None = None,
    markdown: MarkdownSettings | None = None,
    upstream_read_only: bool = False,
) -> Publication:
    """The gated publication of one content folder.  Stage order matters: each gate sees
    only what the previous one let through, and numbering sees only publishable items.

    ``upstream_db``: the SQLite file of upstream entries (created from the local-file
    sources when missing); None compares against the local-file sources in memory.
    ``reference``: the build's "today" for the future-date warning (``--as-of``); None skips it.
    ``cache_dir``: the private cache folder (``<work>/cache``, never under site/) — unchanged
    files are not parsed, scanned or fingerprinted again (:mod:`pipeline.stage_memos`); None: nothing remembered.
    ``jobs``: processes for the per-file work (:mod:`pipeline.parallel`; None: one per core).
    ``markdown``: the Markdown extensions of the site (``MarkdownSettings.from_mkdocs``): the gate
    renders items and pages with them to judge what a reader receives, and links are resolved as
    rendered; None: this repository's defaults.
    ``upstream_read_only``: never write ``upstream_db`` (``portal check`` and the reports).

    A piece that cannot do its job (the gate, the upstream database, the 索引号 ledger) says so
    with an error of :data:`pipeline.findings.INFRASTRUCTURE_RULES`; ``portal build`` then
    fails and publishes nothing (:func:`pipeline.findings.infrastructure_failures`)."""
    markdown = markdown or MarkdownSettings()
    memos = stage_memos.Memos.open(cache_dir, config, markdown)
    scanners.use_fold_table(memos.fold.map(_fold_table, ["table"], str, jobs=1)[0])  # before any scanner runs
    # 1. load + validate (one reader per file; broken files become findings)
    walked = content_walk.walk(Path(content_dir))  # once: the item loader and the pages take their files from it
    read = load.read_sources(content_dir, config, walked)
    loaded = load.assemble(
        read, memos.load.map(partial(load.parse, config=config), read.sources, stage_memos.source_key, jobs)
    )
    dated, date_findings = load.check_dates(loaded.items, config, reference)  # plausible 发布日期 only
    items, url_findings = load.unique_urls(dated)
    findings = list(loaded.findings + date_findings + url_findings)
    # 2. confidentiality gate (涉密信息不公开，公开信息不涉密; fails closed); reference: "today" for future-date
    review = confidentiality.review_of(config, reference, markdown)
    scanned = memos.gate.map(
        partial(confidentiality.scan, review=review), items, stage_memos.item_key, jobs, keep=stage_memos.finished
    )
    gated = confidentiality.decide(items, review, scanned)
    findings.extend(gated.findings)
    published = newest_first(gated.published)
    withheld = tuple(gated.withheld)
    # 2b. provenance: 审签 signed by a listed reviewer; dates that agree with git history
    companions = (
        referenced_files(content_dir, config, published, markdown, cache_dir)
        if config.review.require_signature
        else None
    )
    page_paths = [f.rel for f in walked.pages]
    for folder in (report_data.DISCLOSURE_DIR, report_data.WEBSITE_DIR):  # the yearly report data
        found = (Path(content_dir) / folder).glob("*.yaml")
        page_paths += sorted(f"{folder}/{p.name}" for p in found if p.is_file())
    history, notes = read_history(content_dir, config, [i.path for i in published] + page_paths, companions)
    blocked_pages: frozenset[str] = frozenset()
    if history.available:
        checked = check_provenance(published, history, config, page_paths)
        findings.extend(checked.findings)
        blocked = checked.blocked()
        blocked_pages = frozenset(p for p in page_paths if p in blocked)
        withheld += tuple(
            confidentiality.Withheld(i, tuple(f for f in checked.findings if f.path == i.path))
            for i in published
            if i.path in blocked
        )
        published = tuple(i for i in published if i.path not in blocked)
    # 3. deduplication: 不转载上级已发布的信息 (upstream reposts are withheld); the same news in
    #    two sub-sites stays published but is counted once (duplicate_of)
    deduped = _deduplicate(published, config, upstream_db, upstream_read_only, memos, jobs)
    published = deduped.published
    withheld = withheld + deduped.withheld
    findings.extend(deduped.findings)
    duplicate_of = deduped.duplicate_of
    # 3b. 涉密信息不公开 also when copied: a published item repeating a withheld item's title or a
    #     run of its text is withheld too (before attachments, so that its files follow it)
    copied, copy_findings = withheld_text.check(published, withheld, partial(_seen, remembered=memos.seen, jobs=jobs))
    if copied:
        findings.extend(copy_findings)
        withheld += tuple(
            confidentiality.Withheld(i, tuple(f for f in copy_findings if f.path == i.path))
            for i in published
            if i.path in copied
        )
        published = tuple(i for i in published if i.path not in copied)
        duplicate_of = tuple((a, b) for a, b in duplicate_of if a not in copied and b not in copied)
    # 4. attachments belong to their items: a file any withheld item or page refers to stays
    #    withheld (and so does every published item linking it); the contents of the rest are
    #    scanned.  After dedup, so that reposts own their files too; before numbering.
    published, withheld, static_pages, attached, attachment_findings, withheld_files = _attachments(
        content_dir, config, published, withheld, loaded, walked, markdown, cache_dir, jobs, blocked_pages
    )
    findings.extend(attachment_findings)
    # 5. 索引号 numbering: reads the committed ledger, numbers only publishable items
    text = numbering.ledger_text(content_dir)
    parsed = (
        memos.ledger.map(partial(numbering.parse_ledger, config=config), [text], memo.sha256)[0]
        if isinstance(text, str)
        else None
    )
    ledger, ledger_findings, trusted = numbering.ledger_of(text, config, parsed)
    present = {numbering.key_of_path(path) for path in loaded.paths}  # incl. withheld/broken
    numbered = numbering.number(published, ledger, config, present, trusted)
    published = numbered.items
    findings.extend(ledger_findings + numbered.findings)
    # 6. adoption levels must be in the scoring scheme (a wrong level is an error, never 0 points)
    findings.extend(scoring.check_adoption(published, config.scoring))
    memos.save()
    as_of = published[0].date if published else None
    return Publication(
        published,
        withheld,
        tuple(sorted(findings, key=sort_key)),
        loaded.files,
        as_of,
        duplicate_of,
        index_ledger=numbered.ledger if numbered.changed else None,
        new_index_numbers=numbered.assigned,
        notes=notes,
        pages=static_pages,
        attached=attached,
        withheld_attachments=withheld_files,
        report_data=_unproved_years(report_data.read(content_dir), findings if blocked_pages else ()),
    )


def _unproved_years(data: report_data.ReportData, findings) -> report_data.ReportData:
    """``data`` with each yearly data file whose 审签 is not proved (an error finding on it) made
    unusable: that year's 年度报告 is not published (``report-data`` names why); the 网站工作年度报表
    shows only the figures the items give (``website-report-data`` names why)."""
    why = {f.path: f.message for f in findings if f.severity == "error" and f.rule in provenance.SIGNATURE_RULES}
    website = {f.year: f"{report_data.WEBSITE_DIR}/{f.year}.yaml" for f in data.website}
    if not any(f.rel in why for f in data.disclosure) and not any(rel in why for rel in website.values()):
        return data
    return replace(
        data,
        disclosure=tuple(
            replace(f, problem=report_data.Problem(f"审签未证明：{why[f.rel]}")) if f.rel in why else f
            for f in data.disclosure
        ),
        website=tuple(
            replace(f, data={}, lines=(), problem=report_data.Problem(f"审签未证明：{why[website[f.year]]}"))
            if website[f.year] in why
            else f
            for f in data.website
        ),
    )


def referenced_files(content_dir, config: Config, published: tuple, settings: MarkdownSettings, cache_dir):
    """item path → the files it refers to (:func:`pipeline.attachments.referenced_files`): a signed
    审签 covers them with the item.  The URLs come from the attachment stage's cache (read, not
    written: that stage saves it for every owner)."""
    where = Path(cache_dir) / "attachment-urls.json" if cache_dir is not None else None
    cache = attachment_memos.UrlCache(where, config)
    base = attachment_memos.UrlCache.base(settings)
    files = _item_files(published)

    def urls_of(owners, compute):
        return [cache.urls(o, settings, compute, base, files.get(o.path)) for o in owners]

    return attachments.referenced_files(published, content_dir, config, settings, urls_of)


def _item_files(items) -> dict[str, str]:
    """item path → the SHA-256 of its file (an item made without one is left out): an item's
    attachment owner is a function of its file, so its URLs are remembered by it."""
    return {i.path: i.content_hash for i in items if i.content_hash}


def _fold_table(key: str) -> dict[str, str]:
    return scanners.make_fold_table()


def _deduplicate(
    published: tuple, config: Config, db: Path | None, read_only: bool, memos: stage_memos.Memos, jobs: int | None
) -> dedup_stage.Deduplicated:
    """:mod:`pipeline.dedup_stage` with the upstream corpus opened here (read-only: no byte
    written) and the fingerprints and similar pairs of unchanged texts remembered."""
    corpus, findings = upstream.open_corpus(db, config, read_only)
    keys = memos.texts.map(_text_digest, published, stage_memos.item_key, 1)  # once, for both memos (cheap: here)
    settings = config.upstream
    hasher = dedup.MinHasher(settings.num_perm, settings.seed)
    made = memos.prints.map(
        lambda chunk: dedup.fingerprint_texts(
            [dedup_stage.item_text(published[n]) for n in chunk], settings.shingle, hasher
        ),
        range(len(published)),
        keys.__getitem__,
        jobs,
        batched=True,
    )
    prints = dict(zip((i.path for i in published), made))
    key_of = dict(zip((i.path for i in published), keys))
    try:
        kept, withheld, up_findings = dedup_stage.withhold_reposts(
            published, config, corpus, [prints[i.path] for i in published]
        )
    except Exception as exc:  # noqa: BLE001 - a page of the database that cannot be read mid-query: fail closed
        kept, withheld, up_findings = tuple(published), (), (upstream.unavailable(db, exc),)
    finally:
        if corpus is not None:
            corpus.store.close()
    kept_prints = [prints[i.path] for i in kept]
    labels = memo.groups(
        memos.pairs,
        [key_of[i.path] for i in kept],
        lambda fresh, known: dedup.portal_groups(kept_prints, settings, fresh, known),
    )
    pairs, dup_findings = dedup_stage.count_repeats(kept, config, kept_prints, labels)
    return dedup_stage.Deduplicated(tuple(kept), withheld, findings + up_findings + dup_findings, pairs)


def _text_digest(item) -> bytes:
    """The SHA-256 of the text dedup compares (:func:`pipeline.dedup_stage.item_text`)."""
    return hashlib.sha256(dedup_stage.item_text(item).encode("utf-8", "surrogatepass")).digest()


def _seen(items: list, index: withheld_text.Index, remembered: memo.Memo, jobs: int | None) -> list:
    """:func:`pipeline.withheld_text.seen` of each item, remembered by item and index."""
    known = stage_memos.index_key(index)
    return remembered.map(
        partial(withheld_text.seen, index=index), items, partial(stage_memos.seen_key, index=known), jobs
    )


def _attachments(
    content_dir,
    config: Config,
    published: tuple,
    withheld: tuple,
    loaded,
    walked: content_walk.Walk,
    settings: MarkdownSettings,
    cache_dir,
    jobs,
    blocked_pages: frozenset[str] = frozenset(),
) -> tuple[tuple, tuple, tuple, tuple, list[Finding], tuple[tuple[str, str], ...]]:
    """Static pages through the gate, then :func:`pipeline.attachments.attach` over every item
    and page: published, withheld, and files that did not load (their raw text).
    ``blocked_pages``: pages withheld already (审签 not proved), withheld like a page the gate stops."""
    from pipeline.render import pages as pages_mod  # the page loader lives with its renderer

    content = Path(content_dir)
    loaded_pages, findings = pages_mod.load_pages(content, walked)
    kept_pages, screened = confidentiality.screen_pages(loaded_pages, config, markdown=settings)
    kept_pages = tuple(p for p in kept_pages if f"pages/{p.name}.md" not in blocked_pages)
    findings = list(findings + screened)
    kept_names = {p.name for p in kept_pages}
    owners_published = [attachments.item_owner(i) for i in published] + [attachments.page_owner(p) for p in kept_pages]
    owners_withheld = [attachments.item_owner(w.item) for w in withheld]
    owners_withheld += [attachments.page_owner(p) for p in loaded_pages if p.name not in kept_names]
    known = {i.path for i in published} | {w.item.path for w in withheld} | {f"pages/{p.name}.md" for p in loaded_pages}
    unloaded = [p for p in loaded.paths if p not in known]
    unloaded += [f.rel for f in walked.pages]  # never a link leaving content/
    root = os.path.realpath(content)
    limit = load.read_limit(config)
    for path in sorted(set(unloaded) - known):
        real = os.path.realpath(content / path)
        if not real.startswith(root + os.sep):
            continue  # a link leaving content/ is never read (content_walk reports it)
        try:
            data = load.read_bounded(Path(real), limit)
        except load.TooLarge:  # a huge broken file: its references in the first bytes that are read anywhere
            try:
                with open(real, "rb") as fh:
                    data = fh.read(limit)
            except OSError:
                continue
        except OSError:
            continue  # gone: it refers to nothing
        owners_withheld.append(attachments.raw_owner(path, data.decode("utf-8", "replace")))
    result = attachments.attach(
        owners_published,
        owners_withheld,
        content,
        config,
        confidentiality.build_scanners(config),
        settings=settings,
        urls_of=attachment_memos.urls_of(
            cache_dir, config, settings, _item_files(published + tuple(w.item for w in withheld))
        ),
        verdicts_of=attachment_memos.verdicts_of(cache_dir, config, jobs),
    )
    findings.extend(result.findings)
    blocked = set(result.blocked)
    still = tuple(i for i in published if i.path not in blocked)
    withheld = withheld + tuple(
        confidentiality.Withheld(i, result.reasons.get(i.path, ())) for i in published if i.path in blocked
    )
    kept_pages = tuple(p for p in kept_pages if f"pages/{p.name}.md" not in blocked)
    withheld_files = tuple((rel, str(content / rel)) for rel in result.withheld_files)
    return still, withheld, kept_pages, result.files, findings, withheld_files
