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
    loaded = load.load_items(content_dir, config)
    items, url_findings = load.unique_urls(loaded.items)
    gated = confidentiality.gate(items, config)
    published = newest_first(gated.published)
    findings = tuple(sorted(loaded.findings + url_findings + gated.findings, key=sort_key))
    as_of = published[0].date if published else None
    return Publication(published, gated.withheld, findings, loaded.files, as_of)
