"""Confidentiality gate (保密审查): 涉密信息不公开，公开信息不涉密；先审查、后公开.

The gate decides once, early, which items may be published; every later stage takes only
:attr:`Gated.published`.  It fails closed: an item is published only when every check ran
and found nothing blocking; an exception inside a check blocks the item.

Blocking rules (severity error): ``classified`` (涉密), ``not-public`` (依申请公开 / 不予公开),
``unreviewed`` (no 审签人).  ``classified`` and ``not-public`` are the item's own declared
status ("expected" withholding); the others are failures an editor must fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from pipeline.config import Config
from pipeline.findings import ERROR, Finding, error
from pipeline.model import Item

# Withheld because the item itself says so — not an editor's mistake (``--strict`` ignores these).
DECLARED_RULES = frozenset({"classified", "not-public"})


@dataclass(frozen=True)
class Withheld:
    item: Item
    findings: tuple[Finding, ...]

    @property
    def declared(self) -> bool:
        """True when the only blocking reasons are the item's own declared status."""
        return all(f.rule in DECLARED_RULES for f in self.findings if f.severity == ERROR)


@dataclass(frozen=True)
class Gated:
    published: tuple[Item, ...]
    withheld: tuple[Withheld, ...]
    findings: tuple[Finding, ...]  # every finding of the gate, blocking or not


def check_declared_status(item: Item, config: Config) -> list[Finding]:
    out = []
    if item.classified:
        out.append(error(item.path, "classified", "标记为涉密（classified: true），涉密信息不公开", item.line_of("classified")))
    if item.disclosure != "主动公开":
        out.append(error(item.path, "not-public", f"公开方式为 “{item.disclosure}”，不在网站主动公开", item.line_of("disclosure")))
    return out


def check_review(item: Item, config: Config) -> list[Finding]:
    if not item.reviewer:
        return [error(item.path, "unreviewed", "没有审签人（reviewer）。先审查、后公开：请由审签领导审核后填写 reviewer", item.line_of("author") or 1)]
    return []


CHECKS: tuple[Callable[[Item, Config], list[Finding]], ...] = (check_declared_status, check_review)


def gate(items: Iterable[Item], config: Config) -> Gated:
    published: list[Item] = []
    withheld: list[Withheld] = []
    findings: list[Finding] = []
    for item in items:
        item_findings: list[Finding] = []
        for check in CHECKS:
            try:
                item_findings.extend(check(item, config))
            except Exception as exc:  # fail closed: a check that breaks blocks the item
                item_findings.append(error(item.path, "gate-failure", f"保密审查未能完成（{type(exc).__name__}: {exc}），该条目暂不发布"))
        findings.extend(item_findings)
        if any(f.severity == ERROR for f in item_findings):
            withheld.append(Withheld(item, tuple(item_findings)))
        else:
            published.append(item)
    return Gated(tuple(published), tuple(withheld), tuple(findings))
