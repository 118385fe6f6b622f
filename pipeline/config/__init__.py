"""Configuration: every ``site_config/*.yaml`` loaded once into typed, frozen objects (:class:`Config`).

One module per file, each with its records, their defaults (written once, on the record) and its
loader; all read their file through :mod:`pipeline.config.fields`:

- ``portal.yaml`` — :mod:`.portal`: the bureau, footer facts, 索引号 format, ``cms`` (the web editor)
- ``columns.yaml`` — :mod:`.columns`: columns and their categories
- ``sites.yaml`` — :mod:`.sites`: sub-sites, their kinds, statistics tables
- ``quotas.yaml`` — :mod:`.quotas`: 任务分配
- ``scoring.yaml`` — :mod:`.scoring`: 记分办法
- ``health.yaml`` — :mod:`.health`: 栏目更新时限
- ``confidentiality.yaml`` and its word list — :mod:`.confidentiality`: 保密审查
- ``upstream.yaml`` — :mod:`.upstream`: 查重 sources and parameters
- ``reviewers.yaml`` — :mod:`.reviewers`: 审签人, signed review
- ``fees.yaml`` — :mod:`.fees`: 信息处理费标准
- ``website_report.yaml`` — :mod:`.website_report`: 网站工作年度报表 settings

:func:`load_config` reads them in this order and raises :class:`ConfigError` (naming the file and
the key, in Chinese) on the first problem; nothing here reads items or writes output.  This module
keeps the public names (``from pipeline.config import Config, Site, load_config …``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeline.config.columns import COLUMN_CATEGORIES, REPORT_CATEGORIES, Column, load_columns
from pipeline.config.confidentiality import ConfidentialityRules, load_confidentiality, load_sensitive_words
from pipeline.config.fees import NATIONAL_2020, FeeSchedule, load_fees
from pipeline.config.fields import ConfigError
from pipeline.config.health import HealthRules, load_health, parse_duration
from pipeline.config.portal import (
    ERROR_REPORT_URL,
    CmsSettings,
    Portal,
    footer_marks_problem,
    format_problem,
    load_portal,
    parse_settings,
)
from pipeline.config.quotas import Quota, Quotas, load_quotas
from pipeline.config.reviewers import Reviewer, ReviewRules, load_review, parse_key
from pipeline.config.scoring import (
    DEFAULT_SCORING,
    PERIODS,
    AdoptionLevel,
    ItemRule,
    Minimum,
    Points,
    ScoringScheme,
    load_scoring,
    parse_scoring,
)
from pipeline.config.sites import (
    DEFAULT_KINDS,
    DEFAULT_STATS_TABLES,
    RESERVED_IDS,
    SITE_KINDS,
    Site,
    SiteKind,
    SitesFile,
    StatsTable,
    load_kinds,
    load_sites,
)
from pipeline.config.upstream import UpstreamConfig, UpstreamSource, load_upstream
from pipeline.config.website_report import SpecialColumn, WebsiteReportSettings, load_website_report

__all__ = [
    "COLUMN_CATEGORIES",
    "DEFAULT_KINDS",
    "DEFAULT_SCORING",
    "DEFAULT_STATS_TABLES",
    "ERROR_REPORT_URL",
    "NATIONAL_2020",
    "PERIODS",
    "REPORT_CATEGORIES",
    "RESERVED_IDS",
    "SITE_KINDS",
    "AdoptionLevel",
    "CmsSettings",
    "Column",
    "ConfidentialityRules",
    "Config",
    "ConfigError",
    "FeeSchedule",
    "HealthRules",
    "ItemRule",
    "Minimum",
    "Points",
    "Portal",
    "Quota",
    "Quotas",
    "ReviewRules",
    "Reviewer",
    "ScoringScheme",
    "Site",
    "SiteKind",
    "SitesFile",
    "SpecialColumn",
    "StatsTable",
    "UpstreamConfig",
    "UpstreamSource",
    "WebsiteReportSettings",
    "footer_marks_problem",
    "format_problem",
    "load_columns",
    "load_confidentiality",
    "load_config",
    "load_fees",
    "load_health",
    "load_kinds",
    "load_portal",
    "load_quotas",
    "load_review",
    "load_scoring",
    "load_sensitive_words",
    "load_sites",
    "load_upstream",
    "load_website_report",
    "parse_duration",
    "parse_key",
    "parse_scoring",
    "parse_settings",
]


@dataclass(frozen=True)
class Config:
    root: Path
    portal: Portal
    sites: tuple[Site, ...]
    columns: tuple[Column, ...]
    site_by_id: dict[str, Site] = field(default_factory=dict, compare=False)
    column_by_id: dict[str, Column] = field(default_factory=dict, compare=False)
    quotas: Quotas = field(default_factory=lambda: Quotas())  # quotas.yaml (任务分配)
    scoring: ScoringScheme = field(
        default_factory=lambda: parse_scoring(Path("<默认>"), DEFAULT_SCORING)
    )  # scoring.yaml
    health: HealthRules = field(default_factory=lambda: HealthRules())  # health.yaml (栏目更新时限)
    confidentiality: ConfidentialityRules = field(
        default_factory=lambda: ConfidentialityRules()
    )  # confidentiality.yaml (保密审查)
    upstream: UpstreamConfig = field(default_factory=lambda: UpstreamConfig())  # upstream.yaml (查重)
    review: ReviewRules = field(default_factory=lambda: ReviewRules())  # reviewers.yaml (审签人, 签名审签)
    fees: FeeSchedule = NATIONAL_2020  # fees.yaml (信息处理费标准)
    kinds: tuple[SiteKind, ...] = DEFAULT_KINDS  # sites.yaml kinds (子站类别, in display order)
    stats_tables: tuple[StatsTable, ...] = DEFAULT_STATS_TABLES  # sites.yaml stats_tables
    website_report: WebsiteReportSettings = field(
        default_factory=lambda: WebsiteReportSettings()
    )  # website_report.yaml (网站工作年度报表)

    def kind(self, kind_id: str) -> SiteKind:
        return next(k for k in self.kinds if k.id == kind_id)

    def kinds_in_table(self, table_id: str) -> tuple[str, ...]:
        return tuple(k.id for k in self.kinds if k.table == table_id)

    def sites_of_kind(self, kind: str) -> tuple[Site, ...]:
        return tuple(s for s in self.sites if s.kind == kind)


def load_config(config_dir: Path | str) -> Config:
    """Read every ``site_config/*.yaml`` once; raise :class:`ConfigError` on the first problem."""
    root = Path(config_dir)
    if not root.is_dir():
        raise ConfigError(root, "配置目录不存在")
    portal = load_portal(root / "portal.yaml")
    columns = load_columns(root / "columns.yaml")
    sites_file = load_sites(root / "sites.yaml", columns)
    sites = sites_file.sites
    kind_ids = tuple(k.id for k in sites_file.kinds)
    return Config(
        root=root,
        portal=portal,
        sites=sites,
        columns=columns,
        site_by_id={s.id: s for s in sites},
        column_by_id={c.id: c for c in columns},
        quotas=load_quotas(root / "quotas.yaml", sites, kind_ids),
        scoring=load_scoring(root / "scoring.yaml", kind_ids),
        health=load_health(root / "health.yaml"),
        confidentiality=load_confidentiality(root / "confidentiality.yaml"),
        upstream=load_upstream(root / "upstream.yaml"),
        review=load_review(root / "reviewers.yaml", tuple(s.id for s in sites)),
        kinds=sites_file.kinds,
        stats_tables=sites_file.stats_tables,
        fees=load_fees(root / "fees.yaml"),
        website_report=load_website_report(
            root / "website_report.yaml", tuple(c.id for c in columns), tuple(s.id for s in sites)
        ),
    )
