"""Statistics (信息量统计): counts per sub-site, rank, quota, score and channel for one year.

Input is ``Publication.counted`` — published items that passed every gate, each piece of
news once — and only items dated on or before the as-of date (``--as-of`` or the newest
item date, never the wall clock), so a build is reproducible.  Ranks are competition ranks
within a group of units of the same kind (ties share a rank, the next rank skips:
1,2,3,4,5,5,5,8,9); the 市站 is listed but not ranked, as in seed 000's 附件1.  An item on
several channels counts once in ``unique_total`` and once per channel in ``channels``.
:func:`month_report` gives one month's 信息报送情况通报.  Nothing here reads files or prints.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from pipeline import quotas, scoring
from pipeline.dates import month_end
from pipeline.config import Config, Quota, Site

CHANNEL_ORDER = ("网站", "微信", "微博", "政务客户端", "今日头条", "抖音")


def competition_ranks(values) -> list[int]:
    """Rank = 1 + how many values are strictly larger (standard competition ranking)."""
    values = list(values)
    return [1 + sum(1 for other in values if other > v) for v in values]


@dataclass(frozen=True)
class SiteFigures:
    site: Site
    count: int  # this year up to the as-of date
    rank: int | None
    quarters: tuple[int, int, int, int]
    quarter_ranks: tuple[int | None, ...]
    months: tuple[int, ...]  # 12
    previous: int  # whole previous year
    previous_rank: int | None
    previous_same_period: int  # previous year up to the same day (for 同比)
    adopted: tuple[tuple[str, int], ...]  # adoption level → items, in scheme order
    quota: quotas.QuotaStatus
    score: scoring.UnitScore

    @property
    def yoy(self) -> float | None:
        """同比 change, e.g. 0.25 for +25 %; None without a base."""
        if not self.previous_same_period:
            return None
        return round(self.count / self.previous_same_period - 1, 4)


@dataclass(frozen=True)
class GroupFigures:
    kind: str
    sites: tuple[SiteFigures, ...]
    ranked: bool = True  # the kind's ``ranked`` (sites.yaml kinds): 市站 is listed, not ranked

    @property
    def total(self) -> int:
        return sum(s.count for s in self.sites)

    @property
    def previous_total(self) -> int:
        return sum(s.previous for s in self.sites)


@dataclass(frozen=True)
class YearStats:
    year: int
    as_of: date
    groups: tuple[GroupFigures, ...]
    channels: tuple[tuple[str, int], ...]
    unique_total: int
    months: tuple[int, ...]  # portal-wide, 12
    quarters_started: int  # quarters of ``year`` begun by the as-of date (1–4)
    levels: tuple[str, ...]  # adoption levels of the scoring scheme (column order)

    def group(self, kind: str) -> GroupFigures | None:
        return next((g for g in self.groups if g.kind == kind), None)

    @property
    def behind(self) -> tuple[SiteFigures, ...]:
        return tuple(s for g in self.groups for s in g.sites if s.quota.behind)

    def to_dict(self) -> dict:
        """The ``portal stats --format json`` shape."""
        return {
            "as_of": self.as_of.isoformat(),
            "year": self.year,
            "groups": [
                {
                    "kind": g.kind,
                    "sites": [
                        {
                            "id": s.site.id,
                            "name": s.site.name,
                            "count": s.count,
                            "rank": s.rank,
                            "quarters": list(s.quarters),
                            "months": list(s.months),
                            "quota": s.quota.yearly,
                            "completion": s.quota.completion,
                            "score": s.score.total,
                        }
                        for s in g.sites
                    ],
                    "total": g.total,
                }
                for g in self.groups
            ],
            "channels": dict(self.channels),
            "unique_total": self.unique_total,
        }


def local_day(item, tz) -> date:
    """The item's day in ``tz`` (the portal's zone: :attr:`Item.day`, unless a caller asks for another)."""
    return item.day_in(tz)


def default_as_of(pub, config: Config) -> date | None:
    """The newest published item's day: "today" for a reproducible build."""
    return pub.as_of.astimezone(config.portal.tz).date() if pub.as_of else None


def _same_day_last_year(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _ranks(ranked: bool, values) -> list[int | None]:
    if not ranked:
        return [None] * len(values)
    return competition_ranks(values)


def year_stats(counted, config: Config, year: int, as_of: date) -> YearStats:
    """Figures of ``year`` from ``counted`` items dated on or before ``as_of``."""
    tz = config.portal.tz
    scheme = config.scoring
    this_year: dict[str, list] = {s.id: [] for s in config.sites}
    previous: Counter = Counter()
    previous_same: Counter = Counter()
    last_year_day = _same_day_last_year(as_of) if as_of.year == year else date(year - 1, 12, 31)
    month_of: dict[int, int] = {}  # id(item) → month, so each date is converted once
    for item in counted:
        day = local_day(item, tz)
        if day > as_of or item.site not in this_year:
            continue
        if day.year == year:
            this_year[item.site].append(item)
            month_of[id(item)] = day.month
        elif day.year == year - 1:
            previous[item.site] += 1
            if day <= last_year_day:
                previous_same[item.site] += 1

    raw: list[tuple[Site, dict]] = []
    for site in config.sites:
        items = this_year[site.id]
        months = [0] * 12
        for item in items:
            months[month_of[id(item)] - 1] += 1
        adopted = Counter(level for item in items for level in item.adopted)
        quota: Quota | None = config.quotas.for_site(site)
        raw.append(
            (
                site,
                {
                    "count": len(items),
                    "months": tuple(months),
                    "quarters": tuple(sum(months[q * 3 : q * 3 + 3]) for q in range(4)),
                    "previous": previous[site.id],
                    "previous_same_period": previous_same[site.id],
                    "adopted": tuple((level, adopted[level]) for level in scheme.levels),
                    "quota": quotas.status(len(items), tuple(months), quota, year, as_of),
                    "score": scoring.unit_score(items, site, scheme, year, as_of, tz),
                },
            )
        )

    groups = []
    for kind in config.kinds:
        members = [(s, d) for s, d in raw if s.kind == kind.id]
        if not members:
            continue
        ranks = _ranks(kind.ranked, [d["count"] for _, d in members])
        prev_ranks = _ranks(kind.ranked, [d["previous"] for _, d in members])
        q_ranks = [_ranks(kind.ranked, [d["quarters"][q] for _, d in members]) for q in range(4)]
        sites = tuple(
            SiteFigures(
                site=s,
                rank=ranks[n],
                previous_rank=prev_ranks[n],
                quarter_ranks=tuple(q_ranks[q][n] for q in range(4)),
                **d,
            )
            for n, (s, d) in enumerate(members)
        )
        groups.append(GroupFigures(kind.id, sites, kind.ranked))

    all_items = [i for items in this_year.values() for i in items]
    channel_counts = Counter(ch for item in all_items for ch in item.channels)
    order = [c for c in CHANNEL_ORDER if c in channel_counts] + sorted(
        c for c in channel_counts if c not in CHANNEL_ORDER
    )
    months = [0] * 12
    for item in all_items:
        months[month_of[id(item)] - 1] += 1
    started = 4 if as_of.year > year else max(1, (as_of.month - 1) // 3 + 1)
    return YearStats(
        year,
        as_of,
        tuple(groups),
        tuple((c, channel_counts[c]) for c in order),
        len(all_items),
        tuple(months),
        started,
        scheme.levels,
    )


def years_with_items(counted, config: Config, as_of: date) -> tuple[int, ...]:
    tz = config.portal.tz
    return tuple(sorted({local_day(i, tz).year for i in counted if local_day(i, tz) <= as_of}, reverse=True))


def months_with_items(counted, config: Config, as_of: date) -> tuple[tuple[int, int], ...]:
    """(year, month) of every month that has counted items by ``as_of``, newest first."""
    tz = config.portal.tz
    return tuple(sorted({(d.year, d.month) for d in (local_day(i, tz) for i in counted) if d <= as_of}, reverse=True))


@dataclass(frozen=True)
class MonthRow:
    figures: SiteFigures  # year to date at the end of the month
    count: int  # this month
    rank: int | None  # within its group, by this month's count
    adopted: tuple[tuple[str, int], ...]  # this month
    monthly_quota: int | None


@dataclass(frozen=True)
class MonthReport:
    """信息报送情况通报 of one month."""

    year: int
    month: int
    as_of: date  # end of the month, or the as-of date inside the month
    stats: YearStats
    groups: tuple[tuple[str, tuple[MonthRow, ...]], ...]

    @property
    def total(self) -> int:
        return self.stats.months[self.month - 1]

    @property
    def behind(self) -> tuple[SiteFigures, ...]:
        return self.stats.behind


def month_report(counted, config: Config, year: int, month: int, as_of: date) -> MonthReport:
    cutoff = min(month_end(year, month), as_of)
    stats = year_stats(counted, config, year, cutoff)
    tz = config.portal.tz
    in_month: dict[str, list] = {}
    for item in counted:
        day = local_day(item, tz)
        if day.year == year and day.month == month and day <= cutoff:
            in_month.setdefault(item.site, []).append(item)
    groups = []
    for g in stats.groups:
        counts = [s.months[month - 1] for s in g.sites]
        ranks = _ranks(g.ranked, counts)
        rows = []
        for n, s in enumerate(g.sites):
            adopted = Counter(level for item in in_month.get(s.site.id, ()) for level in item.adopted)
            quota = config.quotas.for_site(s.site)
            rows.append(
                MonthRow(
                    s,
                    counts[n],
                    ranks[n],
                    tuple((lv, adopted[lv]) for lv in stats.levels),
                    quotas.month_status(counts[n], quota)[0],
                )
            )
        groups.append((g.kind, tuple(rows)))
    return MonthReport(year, month, cutoff, stats, tuple(groups))
