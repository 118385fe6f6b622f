"""Scoring (信息记分): points per item and per unit under the scheme in ``scoring.yaml``.

An item scores its base points (``item_points``, or the first matching ``item_rules`` entry,
e.g. 调研 of ≥ 3000 字 → 10) plus the points of every adoption level in its ``adopted`` list;
levels sharing a ``group`` give only the highest of them, different groups add up.  A unit
scores the scheme's ``base`` plus its items' points minus the ``minimums`` deductions for
every period (week, month, quarter, year) that ended by the as-of date with fewer items
than required.  An adoption level the scheme does not list is never silently worth zero:
:func:`check_adoption` turns it into an error finding (rule ``unknown-adoption``) on the
item, and the unit's score is ``None`` (shown as 待核) until the item or the scheme is fixed.
This module only computes; it reads no files and prints nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from pipeline.config import ScoringScheme, Site
from pipeline.dates import month_end
from pipeline.findings import Finding, error

UNKNOWN_ADOPTION = "unknown-adoption"


def unknown_levels(item, scheme: ScoringScheme) -> tuple[str, ...]:
    if not item.adopted:  # most items: no set of the scheme's levels to build
        return ()
    known = set(scheme.levels)
    return tuple(level for level in item.adopted if level not in known)


def check_adoption(items, scheme: ScoringScheme) -> tuple[Finding, ...]:
    """One error finding per item whose ``adopted`` names a level the scheme does not know."""
    out = []
    levels = "、".join(scheme.levels) or "（记分办法中没有采用级别）"
    for item in items:
        for level in unknown_levels(item, scheme):
            out.append(
                error(
                    item.path,
                    UNKNOWN_ADOPTION,
                    f"采用级别 “{level}” 不在记分办法（site_config/scoring.yaml）中，无法计分；可用：{levels}。"
                    f"请改正 adopted，或在 scoring.yaml 的 adoption 中增加该级别",
                    item.line_of("adopted"),
                    level=level,
                )
            )
    return tuple(out)


def _long_enough(item, min_chars: int) -> bool:
    # len(body) bounds the 字数 from above: most items are rejected without counting
    return min_chars == 0 or (len(item.body) >= min_chars and item.text_length >= min_chars)


def item_points(item, site_kind: str, scheme: ScoringScheme) -> int | None:
    """Points of one item; None when it names an unknown adoption level."""
    if unknown_levels(item, scheme):
        return None
    base = scheme.item_points.value(item.kind, site_kind)
    for rule in scheme.item_rules:
        if (rule.kind is None or rule.kind == item.kind) and _long_enough(item, rule.min_chars):
            base = rule.points.value(item.kind, site_kind)
            break
    best_in_group: dict[str, int] = {}
    extra = 0
    for level in scheme.adoption:
        if level.level not in item.adopted:
            continue
        value = level.points.value(item.kind, site_kind)
        if level.group:
            best_in_group[level.group] = max(best_in_group.get(level.group, 0), value)
        else:
            extra += value
    return base + extra + sum(best_in_group.values())


def _periods(period: str, year: int, as_of: date) -> list[tuple[date, date]]:
    """The periods of ``year`` that ended by ``as_of`` (weeks: Monday–Sunday within the year)."""
    start, end_of_year = date(year, 1, 1), date(year, 12, 31)
    out: list[tuple[date, date]] = []
    if period == "week":
        first = start + timedelta(days=(7 - start.weekday()) % 7)  # first Monday of the year
        day = first
        while day + timedelta(days=6) <= min(as_of, end_of_year):
            out.append((day, day + timedelta(days=6)))
            day += timedelta(days=7)
    elif period in ("month", "quarter"):
        step = 1 if period == "month" else 3
        for m in range(1, 13, step):
            last = month_end(year, m + step - 1)
            if last <= as_of:
                out.append((date(year, m, 1), last))
    elif period == "year" and end_of_year <= as_of:
        out.append((start, end_of_year))
    return out


@dataclass(frozen=True)
class UnitScore:
    total: int | None  # None: an item names an unknown adoption level (待核)
    items: int  # sum of item points
    deductions: int
    unknown: tuple[str, ...] = ()  # paths of items with unknown levels


def unit_score(items, site: Site, scheme: ScoringScheme, year: int, as_of: date, tz) -> UnitScore:
    """Score of one unit for ``year`` up to ``as_of`` (``items``: that unit's counted items of the year)."""
    points, unknown = 0, []
    for item in items:
        p = item_points(item, site.kind, scheme)
        if p is None:
            unknown.append(item.path)
        else:
            points += p
    deductions = 0
    for rule in scheme.minimums:
        days = [i.day_in(tz) for i in items if rule.kind is None or i.kind == rule.kind]
        for first, last in _periods(rule.period, year, as_of):
            have = sum(1 for d in days if first <= d <= last)
            deductions += max(0, rule.count - have) * rule.penalty
    total = None if unknown else scheme.base + points - deductions
    return UnitScore(total, points, deductions, tuple(unknown))
