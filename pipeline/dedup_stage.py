"""The dedup stage (查重): 不转载上级已发布的信息; the same news in two sub-sites counted once.

:func:`deduplicate` is step 3 of :func:`pipeline.publication.run`.  First
:func:`withhold_reposts`: an item repeating an upstream entry (商务部, 省商务厅: the corpus
of :mod:`pipeline.upstream`) is withheld — rule ``upstream-duplicate``, an error — unless
the item says ``original: true``, which makes it a warning.  Then :func:`count_repeats`:
published items with near-identical text are grouped (rule ``duplicate``, a warning); all
stay published, and each but the canonical one (the earliest; on the same day the
higher-level sub-site) is counted once in statistics (``duplicate_of``).  The measures are
those of :mod:`pipeline.dedup` (MinHash, LSH, exact Jaccard).  Pure functions of the items,
the configuration and the corpus: nothing here opens the database, reads files or prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from pipeline import dedup
from pipeline.confidentiality import Withheld
from pipeline.config import Config
from pipeline.findings import Finding, error, warning


@dataclass(frozen=True)
class UpstreamMatch:
    url: str
    source: str  # source name (商务部网站 …)
    level: str
    title: str
    similarity: float


def item_text(item) -> str:
    """The text of an item that is compared: title and body."""
    return f"{item.title}\n{item.body}"


def check_upstream(
    items: Sequence, corpus, settings, prints: Sequence[dedup.Fingerprint] | None = None
) -> tuple[tuple, tuple, tuple[Finding, ...]]:
    """Split ``items`` into (kept, blocked, findings) against an upstream corpus.

    ``corpus`` offers ``signatures`` (matrix), ``index`` (an :class:`LSHIndex` over them)
    and ``entries(rows)`` → records with ``shingles``, ``link``, ``source``, ``level``,
    ``title``.  Only confirmed matches (exact Jaccard ≥ ``settings.threshold``) count."""
    if not items or corpus is None or corpus.size == 0:
        return tuple(items), (), ()
    if prints is None:
        prints = dedup.fingerprint_texts(
            [item_text(i) for i in items], settings.shingle, dedup.MinHasher(settings.num_perm, settings.seed)
        )
    candidates = dedup.screen(
        corpus.signatures,
        np.stack([p.signature for p in prints]),
        corpus.index,
        settings.threshold - dedup.ESTIMATE_MARGIN,
    )
    kept, blocked, findings = [], [], []
    for item, fp, rows in zip(items, prints, candidates):
        if not len(rows):  # no candidate (nearly every item): nothing to read or compare
            kept.append(item)
            continue
        best: UpstreamMatch | None = None
        for entry in corpus.entries(rows):
            sim = dedup.jaccard(fp.shingles, entry.shingles)
            if sim >= settings.threshold and (best is None or sim > best.similarity):
                best = UpstreamMatch(entry.link, entry.source, entry.level, entry.title, round(sim, 3))
        if best is None:
            kept.append(item)
            continue
        where = f"{best.level}《{best.title}》（{best.url}）"
        fields = dict(upstream_url=best.url, upstream_source=best.source, similarity=best.similarity)
        if item.original:
            findings.append(
                warning(
                    item.path,
                    "upstream-duplicate",
                    f"与{where}相似度 {best.similarity:.2f}；已声明原创（{item.original_reason}），照常发布",
                    item.line_of("original"),
                    **fields,
                )
            )
            kept.append(item)
        else:
            f = error(
                item.path,
                "upstream-duplicate",
                f"与{where}相似度 {best.similarity:.2f}，不转载上级已发布的信息，本条不发布。"
                "如确属本单位原创，请在 front matter 写 original: true 并用 original_reason 说明理由",
                item.body_line,
                **fields,
            )
            findings.append(f)
            blocked.append((item, f))
    return tuple(kept), tuple(blocked), tuple(findings)


def check_portal(
    items: Sequence,
    settings,
    rank: Callable,
    prints: Sequence[dedup.Fingerprint] | None = None,
    labels: Sequence[int] | None = None,
) -> tuple[tuple[tuple[str, str], ...], tuple[Finding, ...]]:
    """Near-identical published items: ``(path, canonical path)`` pairs and ``duplicate``
    warnings.  ``rank(item)`` orders a group; the smallest rank is canonical (the earliest,
    then the higher-level sub-site).  ``labels``: the groups (:func:`pipeline.dedup.portal_groups`), when
    the caller has them; each warning gives the similarity with the canonical item."""
    if len(items) < 2:
        return (), ()
    if prints is None:
        prints = dedup.fingerprint_texts(
            [item_text(i) for i in items], settings.shingle, dedup.MinHasher(settings.num_perm, settings.seed)
        )
    if labels is None:
        labels, _ = dedup.portal_groups(prints, settings)
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(label, []).append(i)
    pairs, findings = [], []
    for members in groups.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda i: rank(items[i]))
        canonical = items[members[0]]
        for i in members[1:]:
            item = items[i]
            similarity = dedup.jaccard(prints[i].shingles, prints[members[0]].shingles)
            pairs.append((item.path, canonical.path))
            findings.append(
                warning(
                    item.path,
                    "duplicate",
                    f"与 {canonical.path} 内容几乎相同（相似度 {similarity:.2f}），同一信息在多个子站发布，"
                    "统计时只计 1 条",
                    None,
                    canonical=canonical.path,
                    similarity=round(similarity, 3),
                )
            )
    return tuple(sorted(pairs)), tuple(findings)


@dataclass(frozen=True)
class Deduplicated:
    published: tuple  # items that stay published
    withheld: tuple  # confidentiality.Withheld records of upstream reposts
    findings: tuple[Finding, ...]
    duplicate_of: tuple[tuple[str, str], ...]  # (path, canonical path) within the portal


def fingerprints(items: Sequence, config: Config) -> list[dedup.Fingerprint]:
    """The fingerprint of each item's compared text."""
    settings = config.upstream
    return dedup.fingerprint_texts(
        [item_text(i) for i in items], settings.shingle, dedup.MinHasher(settings.num_perm, settings.seed)
    )


def withhold_reposts(
    published: Sequence, config: Config, corpus, prints: Sequence[dedup.Fingerprint] | None = None
) -> tuple[tuple, tuple, tuple[Finding, ...]]:
    """(kept, withheld, findings): upstream reposts withheld (:func:`check_upstream`).
    ``prints``: the items' fingerprints when the caller has them."""
    kept, blocked, findings = check_upstream(published, corpus, config.upstream, prints)
    return kept, tuple(Withheld(item, (f,)) for item, f in blocked), findings


def rank(config: Config) -> Callable:
    """The order of a group of repeats: the earliest first, on the same day the higher-level sub-site."""
    site_rank = {s.id: n for n, s in enumerate(config.sites)}
    return lambda i: (i.date, site_rank.get(i.site, 999), i.path)


def count_repeats(
    kept: Sequence,
    config: Config,
    prints: Sequence[dedup.Fingerprint] | None = None,
    labels: Sequence[int] | None = None,
) -> tuple[tuple[tuple[str, str], ...], tuple[Finding, ...]]:
    """``duplicate_of`` pairs and ``duplicate`` warnings among the published items
    (:func:`check_portal`); ``labels``: their groups (:func:`pipeline.dedup.portal_groups`) when the caller has them."""
    return check_portal(kept, config.upstream, rank(config), prints, labels)


def deduplicate(published: Sequence, config: Config, corpus) -> Deduplicated:
    """Upstream reposts withheld, then repeats within the portal paired with their canonical item."""
    prints = dict(zip((i.path for i in published), fingerprints(published, config)))
    kept, withheld, up_findings = withhold_reposts(published, config, corpus, [prints[i.path] for i in published])
    pairs, dup_findings = count_repeats(kept, config, [prints[i.path] for i in kept])
    return Deduplicated(tuple(kept), withheld, up_findings + dup_findings, pairs)
