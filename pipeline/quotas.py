"""Quotas (任务完成情况): completion of a unit's yearly and monthly 信息报送任务.

The quota of a unit is its own line in ``quotas.yaml`` or its kind's default
(:meth:`pipeline.config.quotas.Quotas.for_site`).  Completion is count ÷ yearly quota.  A unit is
*behind* when, at the as-of date, its count is below the yearly quota prorated by the days
of the year elapsed (rounded down), or — for a unit with a monthly quota — when a month
that has ended fell short of it.  A monthly quota of “-” (None) means no monthly check.
This module only computes; it reads no files and prints nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pipeline.config import Quota
from pipeline.dates import month_end


@dataclass(frozen=True)
class QuotaStatus:
    yearly: int | None  # the yearly quota (None: the unit has none)
    target: int | None  # what the unit should have by the as-of date
    completion: float | None  # count / yearly, 4 decimals
    behind: bool
    short_months: tuple[int, ...] = ()  # ended months below the monthly quota


def elapsed_fraction(year: int, as_of: date) -> float:
    """Share of ``year`` elapsed at the end of ``as_of`` (1.0 for a past year)."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    if as_of >= last:
        return 1.0
    if as_of < first:
        return 0.0
    return ((as_of - first).days + 1) / ((last - first).days + 1)


def month_ended(year: int, month: int, as_of: date) -> bool:
    return as_of >= month_end(year, month)


def status(count: int, months: tuple[int, ...], quota: Quota | None, year: int, as_of: date) -> QuotaStatus:
    """Completion of one unit: ``count`` items this year by ``as_of``, ``months`` its 12 monthly counts."""
    if quota is None:
        return QuotaStatus(None, None, None, False)
    yearly = quota.yearly_target
    target = int(yearly * elapsed_fraction(year, as_of)) if yearly is not None else None
    completion = round(count / yearly, 4) if yearly else None
    short: tuple[int, ...] = ()
    if quota.monthly is not None:
        short = tuple(m for m in range(1, 13) if month_ended(year, m, as_of) and months[m - 1] < quota.monthly)
    behind = (target is not None and count < target) or bool(short)
    return QuotaStatus(yearly, target, completion, behind, short)


def month_status(count: int, quota: Quota | None) -> tuple[int | None, float | None]:
    """(monthly quota, completion) for one month's count; (None, None) without a monthly quota."""
    if quota is None or quota.monthly is None:
        return None, None
    return quota.monthly, (round(count / quota.monthly, 4) if quota.monthly else None)
