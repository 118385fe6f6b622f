"""Calendar facts the figures share (统计, 任务, 记分, 栏目更新): the last day of a month.

One place for it, so the year-9999 edge (there is no next month to step back from) is
handled once.  Nothing here reads files or prints.
"""

from __future__ import annotations

from datetime import date, timedelta


def month_end(year: int, month: int) -> date:
    """The last day of ``month`` of ``year``."""
    if year >= date.max.year and month == 12:
        return date.max  # 9999-12-31
    return date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
