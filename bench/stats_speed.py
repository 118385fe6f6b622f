"""Speed of the statistics stage: figures, 统计 pages and monthly 通报 for N synthetic items.

Items are spread evenly over the demo sub-sites and over YEARS years (deterministic), with
adoption levels and channels as editors write them.  Prints the time of one year's figures
(``portal stats``), of the whole 统计 section (every year page and every month's 通报, what
``portal build`` renders) and of the freshness check.
Usage: ``.venv/bin/python bench/stats_speed.py [N] [YEARS]``
"""

from __future__ import annotations

import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline import health, stats  # noqa: E402
from pipeline.config import load_config  # noqa: E402
from pipeline.model import Item  # noqa: E402
from pipeline.render import stats as stats_pages  # noqa: E402


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    years = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    config = load_config(ROOT / "site_config")
    tz = config.portal.tz
    sites = config.sites
    first = date(2026 - years + 1, 1, 1)
    span = (date(2026, 11, 28) - first).days
    levels = ((), ("市局",), ("市局", "省厅"), (), ("商务部",))
    channels = (("网站",), ("网站", "微信"), ("网站", "微信", "微博", "抖音"))
    items = []
    for i in range(n):
        site = sites[i % len(sites)]
        day = first + timedelta(days=(i * 7919) % (span + 1))
        items.append(
            Item(
                path=f"items/{site.id}/{i}.md",
                slug=f"x-{i}",
                title=f"t{i}",
                date=datetime(day.year, day.month, day.day, 9, tzinfo=tz),
                site=site.id,
                column=site.columns[0],
                author="a",
                body="字" * 400,
                reviewer="r",
                kind=("信息", "简讯", "调研")[i % 3],
                channels=channels[i % 3],
                adopted=levels[i % 5],
            )
        )
    items = tuple(sorted(items, key=lambda i: i.date, reverse=True))
    as_of = items[0].date.date()
    t0 = time.perf_counter()
    stats.year_stats(items, config, as_of.year, as_of)
    t1 = time.perf_counter()
    files = stats_pages.render(items, config, as_of).files
    t2 = time.perf_counter()
    health.check(items, config, as_of)
    t3 = time.perf_counter()
    print(f"{n} items over {years} years, {len(sites)} sub-sites")
    print(f"one year's figures (portal stats): {t1 - t0:.2f} s")
    print(f"统计 section ({len(files)} files: year pages, tables, charts, 通报): {t2 - t1:.2f} s")
    print(f"freshness check (portal health): {t3 - t2:.3f} s")


if __name__ == "__main__":
    main()
