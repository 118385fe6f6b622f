"""Findings: what a stage says about an item or a file (问题清单).

A finding is data, made in one place and rendered by the CLI as text or JSON.  Rule ids
are stable because tools and editors' scripts match on them (``schema``, ``unknown-site``,
``bad-date``, ``duplicate-slug``, ``unreviewed`` …).  Messages are Chinese, for editors,
and say how to fix the problem.  This module never prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

ERROR = "error"
WARNING = "warning"

# Infrastructure (基础设施): an error under one of these rules means a piece of the build could
# not do its job, so nothing it should have checked can be trusted.  It fails every build,
# strict or not (exit status 1, the published site left as it was): never "publish what was
# not checked".  The value names the piece in the build's failure message.  A stage that
# cannot do its job — a scanner that cannot read an attachment it must read, too — reports
# one of these rules (``gate-failure`` for the 保密审查) instead of carrying on.
INFRASTRUCTURE_RULES: dict[str, str] = {
    "gate-failure": "保密审查",
    "upstream-unavailable": "上级信息查重数据库",
    "index-ledger": "索引号台账",
}


@dataclass(frozen=True)
class Finding:
    path: str
    rule: str
    severity: str
    message: str
    line: int | None = None
    extra: tuple[tuple[str, Any], ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "path": self.path,
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
        }
        if self.line is not None:
            data["line"] = self.line
        data.update(dict(self.extra))
        return data

    def text(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        label = "错误" if self.severity == ERROR else "警告"
        return f"{where}: {label} [{self.rule}] {self.message}"


def error(path: str, rule: str, message: str, line: int | None = None, **extra: Any) -> Finding:
    return Finding(path, rule, ERROR, message, line, tuple(extra.items()))


def warning(path: str, rule: str, message: str, line: int | None = None, **extra: Any) -> Finding:
    return Finding(path, rule, WARNING, message, line, tuple(extra.items()))


def infrastructure_failures(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """The errors among ``findings`` that fail a build whatever ``--strict`` says."""
    return tuple(f for f in findings if f.severity == ERROR and f.rule in INFRASTRUCTURE_RULES)


def sort_key(f: Finding) -> tuple:
    return (f.path, f.line or 0, f.rule, f.message)
