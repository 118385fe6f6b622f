"""What ``portal check`` checks, as one function: every item and static page of a content
folder through the whole publication path (load → gate → dedup → numbering → adoption) plus
the static-page scanners and the attachment check (both in :func:`pipeline.publication.run`).

``portal check`` and ``portal import`` (which checks the items it has just written) share
it, so an imported item is judged exactly like a hand-written one.  It does not print and
does not decide the exit status, and never writes the upstream database (read-only);
:func:`must_fix` says which findings an editor must fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pipeline import publication
from pipeline.confidentiality import DECLARED_RULES
from pipeline.config import Config
from pipeline.findings import ERROR, Finding
from pipeline.rendered import MarkdownSettings


@dataclass(frozen=True)
class Checked:
    publication: publication.Publication
    findings: tuple[Finding, ...]  # items' and static pages' findings


def check_content(
    content: Path,
    config: Config,
    *,
    upstream_db: Path | None,
    reference: date | None,
    jobs: int | None = None,
    markdown: MarkdownSettings | None = None,
) -> Checked:
    """``markdown``: the site's Markdown extensions (mkdocs.yml), with which items and pages
    are rendered to judge what a reader receives; None: this repository's defaults."""
    pub = publication.run(
        content,
        config,
        upstream_db=upstream_db,
        reference=reference,
        jobs=jobs,
        upstream_read_only=True,
        markdown=markdown,
    )
    return Checked(pub, pub.findings)  # static pages and attachments are checked in publication.run


def must_fix(finding: Finding) -> bool:
    """An error an editor must fix — not an item withheld by its own declaration (涉密,
    依申请公开, 不予公开), which is listed as 不发布, as in ``build --strict``."""
    return finding.severity == ERROR and finding.rule not in DECLARED_RULES
