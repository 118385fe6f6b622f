"""The stage sequence from files to a publishable set: load → validate → gates.

:func:`run` is what ``portal check`` and ``portal build`` share.  It returns a frozen
:class:`Publication`: the items that may appear in any output (``published``, newest
first), the items held back with their reasons (``withheld``) and every finding.  Later
stages (numbering, statistics, rendering, feeds, reports) are fed ``published`` only and
never read content on their own, so a blocked item cannot leak through a side door.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pipeline import confidentiality, load
from pipeline.config import Config
from pipeline.findings import Finding, sort_key


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

    @property
    def counted(self) -> tuple:
        """Published items that count in statistics: each piece of news once."""
        repeats = {path for path, _ in self.duplicate_of}
        return tuple(i for i in self.published if i.path not in repeats)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")


def newest_first(items) -> tuple:
    return tuple(sorted(items, key=lambda i: (i.date, i.url), reverse=True))


def run(content_dir: Path | str, config: Config) -> Publication:
    """The gated publication of one content folder.  Stage order matters: each gate sees
    only what the previous one let through, and numbering sees only publishable items."""
    # 1. load + validate (one reader per file; broken files become findings)
    loaded = load.load_items(content_dir, config)
    items, url_findings = load.unique_urls(loaded.items)
    findings = list(loaded.findings + url_findings)
    # 2. confidentiality gate (涉密信息不公开，公开信息不涉密; fails closed)
    gated = confidentiality.gate(items, config)
    findings.extend(gated.findings)
    published = newest_first(gated.published)
    withheld = tuple(gated.withheld)
    duplicate_of: tuple[tuple[str, str], ...] = ()
    # 3. upstream / in-portal deduplication (issue 3) plugs in here
    # 4. 索引号 numbering (issue 6) plugs in here
    as_of = published[0].date if published else None
    return Publication(published, withheld, tuple(sorted(findings, key=sort_key)), loaded.files, as_of, duplicate_of)
