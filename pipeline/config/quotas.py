"""``site_config/quotas.yaml`` (任务分配, issue 5): the monthly and yearly number of items each kind of
sub-site, or one sub-site, owes.  Optional: without it there are no quotas.  Reads only quotas.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.config.fields import ConfigError, Entry, integer, present, read_yaml
from pipeline.config.sites import SITE_KINDS, Site


@dataclass(frozen=True)
class Quota:
    """任务：每月、全年条数；None 表示没有该项任务（任务分配表中的 “-”）。"""

    monthly: int | None = None
    yearly: int | None = None

    @property
    def yearly_target(self) -> int | None:
        """全年任务；只定了每月任务时按 12 个月计。"""
        if self.yearly is not None:
            return self.yearly
        return None if self.monthly is None else self.monthly * 12


@dataclass(frozen=True)
class Quotas:
    by_kind: tuple[tuple[str, Quota], ...] = ()
    by_site: tuple[tuple[str, Quota], ...] = ()

    def for_site(self, site: Site) -> Quota | None:
        """The unit's own line of the 任务分配表 if it has one, else its kind's default."""
        own = dict(self.by_site).get(site.id)
        return own if own is not None else dict(self.by_kind).get(site.kind)


def _count(value: Any) -> int | None:
    """A number of items, or None for no such task ("-" in the 任务分配表)."""
    return None if value in ("-", "－", "") else integer()(value)


def _quota(path: Path, value: Any, where: str) -> Quota:
    entry = Entry(path, value, where, ("monthly", "yearly"))
    quota = Quota(**entry.values({"monthly": _count, "yearly": _count}))
    if quota.monthly is None and quota.yearly is None:
        raise entry.error("至少要有 monthly 或 yearly 之一（“-” 表示没有该项任务）")
    return quota


def load_quotas(path: Path, sites: tuple[Site, ...], site_kinds: tuple[str, ...] = SITE_KINDS) -> Quotas:
    """quotas.yaml: ``defaults`` per kind of sub-site, ``sites`` per sub-site; no file, no quotas."""
    if not present(path):
        return Quotas()
    top = Entry(path, read_yaml(path), "", ("defaults", "sites"))
    by_kind = []
    for kind, value in top.table("defaults").items():
        if kind not in site_kinds:
            raise ConfigError(path, f"defaults 的子站类别 “{kind}” 无效，可选：{'、'.join(site_kinds)}")
        by_kind.append((kind, _quota(path, value, f"defaults.{kind}：")))
    ids = {s.id for s in sites}
    by_site = []
    for sid, value in top.table("sites").items():
        if sid not in ids:
            raise ConfigError(path, f"sites 中的子站 “{sid}” 不在 sites.yaml 中")
        by_site.append((sid, _quota(path, value, f"sites.{sid}：")))
    return Quotas(tuple(by_kind), tuple(by_site))
